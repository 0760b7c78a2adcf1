// Turns the raw text of a group's stat files into one normalised Reading, for v1 and v2. Pure: the
// launcher reads the files (STAT_FILES, as native/protocol.h lists them) and reports their text by key.

import type { Reading } from '../model/types.js';
import { mergeBlkio, parseBlkioThrottle, parseFlatKeyed, parseIoStat, parsePressure, parseSingle, pickFlatKeys } from './parse.js';

/**
 * The stat files the launcher samples, under the keys its report gives them ("controller/file" on v1,
 * "file" on v2), in native/protocol.h's order (CGB_V1_FILES, CGB_V2_FILES; a test holds the two in step).
 * An optional file may be absent from a group (the report lists it as missing); the others must be there.
 */
export const STAT_FILES = {
  v1: [
    { key: 'cpu/cpu.stat', optional: false },
    { key: 'cpuacct/cpuacct.usage', optional: false },
    { key: 'cpuacct/cpuacct.stat', optional: false },
    { key: 'memory/memory.usage_in_bytes', optional: false },
    { key: 'memory/memory.max_usage_in_bytes', optional: false },
    { key: 'memory/memory.failcnt', optional: false },
    { key: 'memory/memory.stat', optional: false },
    { key: 'memory/memory.oom_control', optional: false },
    { key: 'blkio/blkio.throttle.io_service_bytes', optional: true },
    { key: 'blkio/blkio.throttle.io_serviced', optional: true },
    { key: 'pids/pids.current', optional: true },
  ],
  v2: [
    { key: 'cpu.stat', optional: false },
    { key: 'memory.current', optional: false },
    { key: 'memory.peak', optional: true },
    { key: 'memory.events', optional: false },
    { key: 'memory.stat', optional: false },
    { key: 'io.stat', optional: true },
    { key: 'pids.current', optional: true },
    { key: 'cpu.pressure', optional: true },
    { key: 'memory.pressure', optional: true },
    { key: 'io.pressure', optional: true },
  ],
} as const;
type V1Key = (typeof STAT_FILES.v1)[number]['key'];
type V2Key = (typeof STAT_FILES.v2)[number]['key'];
/** The files' texts by key, as a report carries them; a parser reads only the keys of its list. */
export type StatTexts = Record<string, string | undefined>;

// memory.stat has dozens of keys; a reading needs only these. workingset_refault_file (5.9+; before it
// workingset_refault, file pages only) counts evicted page-cache pages read back soon after: the working
// set a group lost to reclaim. v1 has it since 5.9 too, but no pgsteal (pages reclaimed from the group).
const V1_MEMORY_STAT_KEYS = [
  'total_pgmajfault',
  'pgmajfault',
  'total_cache',
  'cache',
  'total_rss',
  'rss',
  'total_workingset_refault_file',
  'workingset_refault_file',
  'total_workingset_refault',
  'workingset_refault',
] as const;
const V2_MEMORY_STAT_KEYS = ['pgmajfault', 'file', 'anon', 'workingset_refault_file', 'workingset_refault', 'pgsteal'] as const;

/** USER_HZ: cpuacct.stat counts in clock ticks of 1/100 s on every Linux architecture we run on. */
const USER_HZ = 100;

/** A file holding one number, or undefined when it is absent or holds none. */
function single(text: string | undefined): number | undefined {
  return text === undefined ? undefined : (parseSingle(text) ?? undefined);
}

function definedOnly<T extends object>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined && v !== null);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

export function readingFromV1(tNs: number, texts: StatTexts): Reading {
  const files = texts as Partial<Record<V1Key, string>>;
  const reading: Reading = { tNs };
  const cpuStat = files['cpu/cpu.stat'] !== undefined ? parseFlatKeyed(files['cpu/cpu.stat']) : {};
  const usageNs = files['cpuacct/cpuacct.usage'] !== undefined ? parseSingle(files['cpuacct/cpuacct.usage']) : null;
  const acct = files['cpuacct/cpuacct.stat'] !== undefined ? parseFlatKeyed(files['cpuacct/cpuacct.stat']) : {};
  const cpu = definedOnly({
    usageUs: usageNs !== null ? usageNs / 1000 : undefined,
    userUs: acct.user !== undefined ? (acct.user * 1e6) / USER_HZ : undefined,
    systemUs: acct.system !== undefined ? (acct.system * 1e6) / USER_HZ : undefined,
    nrPeriods: cpuStat.nr_periods,
    nrThrottled: cpuStat.nr_throttled,
    throttledUs: cpuStat.throttled_time !== undefined ? cpuStat.throttled_time / 1000 : undefined,
    nrBursts: cpuStat.nr_bursts,
    burstUs: cpuStat.burst_time !== undefined ? cpuStat.burst_time / 1000 : undefined,
  });
  if (cpu) reading.cpu = cpu;

  const stat = files['memory/memory.stat'] !== undefined ? pickFlatKeys(files['memory/memory.stat'], V1_MEMORY_STAT_KEYS) : {};
  const oom =
    files['memory/memory.oom_control'] !== undefined ? pickFlatKeys(files['memory/memory.oom_control'], ['oom_kill'] as const) : {};
  const num = (k: V1Key): number | undefined => single(files[k]);
  const memory = definedOnly({
    currentBytes: num('memory/memory.usage_in_bytes'),
    peakBytes: num('memory/memory.max_usage_in_bytes'),
    failcnt: num('memory/memory.failcnt'),
    oomKills: oom.oom_kill,
    majorFaults: stat.total_pgmajfault ?? stat.pgmajfault,
    fileBytes: stat.total_cache ?? stat.cache,
    anonBytes: stat.total_rss ?? stat.rss,
    refaults:
      stat.total_workingset_refault_file ?? stat.workingset_refault_file ?? stat.total_workingset_refault ?? stat.workingset_refault,
  });
  if (memory) reading.memory = memory;

  const bytesText = files['blkio/blkio.throttle.io_service_bytes'];
  const opsText = files['blkio/blkio.throttle.io_serviced'];
  if (bytesText !== undefined || opsText !== undefined) {
    reading.io = mergeBlkio(parseBlkioThrottle(bytesText ?? ''), parseBlkioThrottle(opsText ?? ''));
  }
  const pids = num('pids/pids.current');
  if (pids !== undefined) reading.pids = { current: pids };
  return reading;
}

export function readingFromV2(tNs: number, texts: StatTexts): Reading {
  const files = texts as Partial<Record<V2Key, string>>;
  const reading: Reading = { tNs };
  const cpuStat = files['cpu.stat'] !== undefined ? parseFlatKeyed(files['cpu.stat']) : {};
  const cpu = definedOnly({
    usageUs: cpuStat.usage_usec,
    userUs: cpuStat.user_usec,
    systemUs: cpuStat.system_usec,
    nrPeriods: cpuStat.nr_periods,
    nrThrottled: cpuStat.nr_throttled,
    throttledUs: cpuStat.throttled_usec,
    nrBursts: cpuStat.nr_bursts,
    burstUs: cpuStat.burst_usec,
  });
  if (cpu) reading.cpu = cpu;

  const num = (k: V2Key): number | undefined => single(files[k]);
  const events = files['memory.events'] !== undefined ? parseFlatKeyed(files['memory.events']) : {};
  const stat = files['memory.stat'] !== undefined ? pickFlatKeys(files['memory.stat'], V2_MEMORY_STAT_KEYS) : {};
  const memory = definedOnly({
    currentBytes: num('memory.current'),
    peakBytes: num('memory.peak'),
    failcnt: events.max,
    oomKills: events.oom_kill,
    oomEvents: events.oom,
    highEvents: events.high,
    majorFaults: stat.pgmajfault,
    fileBytes: stat.file,
    anonBytes: stat.anon,
    refaults: stat.workingset_refault_file ?? stat.workingset_refault,
    reclaimed: stat.pgsteal,
  });
  if (memory) reading.memory = memory;

  if (files['io.stat'] !== undefined) reading.io = parseIoStat(files['io.stat']);
  const pids = num('pids.current');
  if (pids !== undefined) reading.pids = { current: pids };

  const psi: NonNullable<Reading['psi']> = {};
  for (const res of ['cpu', 'memory', 'io'] as const) {
    const text = files[`${res}.pressure`];
    const p = text !== undefined ? parsePressure(text) : null;
    if (p) psi[res] = p;
  }
  if (Object.keys(psi).length) reading.psi = psi;
  return reading;
}
