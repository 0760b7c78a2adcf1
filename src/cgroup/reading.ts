// Turns the raw text of a group's stat files into one normalised Reading, for v1 and v2. Pure: the
// launcher reads the files (native/protocol.h lists them) and reports their text under these keys.

import type { Reading } from '../model/types.js';
import { mergeBlkio, parseBlkioThrottle, parseFlatKeyed, parseIoStat, parsePressure, parseSingle, pickFlatKeys } from './parse.js';

// memory.stat has dozens of keys; a reading needs only these.
const V1_MEMORY_STAT_KEYS = ['total_pgmajfault', 'pgmajfault', 'total_cache', 'cache', 'total_rss', 'rss'] as const;
const V2_MEMORY_STAT_KEYS = ['pgmajfault', 'file', 'anon'] as const;

/** USER_HZ: cpuacct.stat counts in clock ticks of 1/100 s on every Linux architecture we run on. */
const USER_HZ = 100;

function definedOnly<T extends object>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined && v !== null);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

export function readingFromV1(tNs: number, files: Record<string, string | undefined>): Reading {
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
  const num = (k: string): number | undefined => {
    const t = files[k];
    if (t === undefined) return undefined;
    return parseSingle(t) ?? undefined;
  };
  const memory = definedOnly({
    currentBytes: num('memory/memory.usage_in_bytes'),
    peakBytes: num('memory/memory.max_usage_in_bytes'),
    failcnt: num('memory/memory.failcnt'),
    oomKills: oom.oom_kill,
    majorFaults: stat.total_pgmajfault ?? stat.pgmajfault,
    fileBytes: stat.total_cache ?? stat.cache,
    anonBytes: stat.total_rss ?? stat.rss,
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

export function readingFromV2(tNs: number, files: Record<string, string | undefined>): Reading {
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

  const num = (k: string): number | undefined => {
    const t = files[k];
    if (t === undefined) return undefined;
    return parseSingle(t) ?? undefined;
  };
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
