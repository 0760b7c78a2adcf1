// The formulas that turn cgroup counters into figures, in one place: per sample interval (the sampler's
// series) and per run (the summaries, tables and CSV) use the same functions, so they always agree.

import type { GroupFigures, IoCounters, Reading, Run } from './types.js';

/**
 * Change of a cumulative counter between two readings; undefined when a reading or the later value is
 * missing. Between two ticks an earlier value must exist too; over a whole run (`fromZero`) a counter
 * absent before the workload counts from 0, as a freshly made group's do.
 */
export function counterDelta(
  before: Reading | undefined,
  after: Reading | undefined,
  pick: (r: Reading) => number | undefined,
  fromZero = false,
): number | undefined {
  if (!before || !after) return undefined;
  const a = pick(after);
  const b = pick(before) ?? (fromZero ? 0 : undefined);
  return a === undefined || b === undefined ? undefined : a - b;
}

/** Change of a counter over a run (see counterDelta). */
export function runDelta(run: Pick<Run, 'before' | 'after'>, pick: (r: Reading) => number | undefined): number | undefined {
  return counterDelta(run.before, run.after, pick, true);
}

/** CPUs used on average: CPU time (us) over wall time (ns). */
export function cpusUsed(usageUs: number, wallNs: number): number | undefined {
  return wallNs > 0 ? (usageUs * 1e3) / wallNs : undefined;
}

/** Share of CFS periods in which the group was throttled. */
export function throttledShare(nrThrottled: number, nrPeriods: number): number | undefined {
  return nrPeriods > 0 ? nrThrottled / nrPeriods : undefined;
}

/** A duration in us accumulated per second of wall time, in ms/s (throttled time, stall time). */
export function msPerSecond(us: number, wallNs: number): number | undefined {
  return wallNs > 0 ? (us * 1e6) / wallNs : undefined;
}

/** A count (bytes, faults, operations) per second of wall time. */
export function perSecond(count: number, wallNs: number): number | undefined {
  return wallNs > 0 ? (count * 1e9) / wallNs : undefined;
}

/** The wall time the run's readings span (the launcher's before to after, on its own clock), else the
 *  harness's wall time of the run (documents from before the launcher sampled). */
function readingsWallNs(run: Pick<Run, 'before' | 'after' | 'harnessWallNs'>): number {
  const span = run.before && run.after ? run.after.tNs - run.before.tNs : 0;
  return span > 0 ? span : run.harnessWallNs;
}

/** CPUs used on average while the workload ran: Δusage over the readings' span. */
export function cpuUsedCpus(run: Run): number | undefined {
  const usageUs = runDelta(run, (r) => r.cpu?.usageUs);
  return usageUs === undefined ? undefined : cpusUsed(usageUs, readingsWallNs(run));
}

/** Δnr_throttled / Δnr_periods over a run. */
export function throttleRatio(run: Run): number | undefined {
  const periods = runDelta(run, (r) => r.cpu?.nrPeriods);
  const throttled = runDelta(run, (r) => r.cpu?.nrThrottled);
  return periods === undefined || throttled === undefined ? undefined : throttledShare(throttled, periods);
}

/** Throttled time per wall second over a run, ms/s. */
export function throttledMsPerSec(run: Run): number | undefined {
  const us = runDelta(run, (r) => r.cpu?.throttledUs);
  return us === undefined ? undefined : msPerSecond(us, readingsWallNs(run));
}

/** Bytes per second of the workload's own timed phase (its own byte count and clock). */
export function workloadBytesPerSec(run: Run): number | undefined {
  const m = run.metrics;
  if (!m || typeof m.bytes !== 'number') return undefined;
  return perSecond(m.bytes, m.wallNs);
}

/** A reading's IO counters summed over its devices; undefined without IO counters. */
export function ioTotals(r: Reading): IoCounters | undefined {
  if (!r.io) return undefined;
  const t: IoCounters = { rbytes: 0, wbytes: 0, rios: 0, wios: 0 };
  for (const c of Object.values(r.io)) {
    t.rbytes += c.rbytes;
    t.wbytes += c.wbytes;
    t.rios += c.rios;
    t.wios += c.wios;
  }
  return t;
}

/** What a group did between two readings (a run's before and after): its IO, faults, refaults, stalls and
 *  memory; a figure its readings lack stays absent. */
export function groupFigures(before: Reading, after: Reading): GroupFigures {
  const d = (pick: (r: Reading) => number | undefined): number | undefined => counterDelta(before, after, pick, true);
  const io = (k: keyof IoCounters): number | undefined => d((r) => ioTotals(r)?.[k]);
  const figures: Omit<GroupFigures, 'spanNs'> = {
    ioReadBytes: io('rbytes'),
    ioWriteBytes: io('wbytes'),
    ioReadOps: io('rios'),
    ioWriteOps: io('wios'),
    majorFaults: d((r) => r.memory?.majorFaults),
    refaults: d((r) => r.memory?.refaults),
    reclaimed: d((r) => r.memory?.reclaimed),
    oomKills: d((r) => r.memory?.oomKills),
    memoryStallUs: d((r) => r.psi?.memory?.someTotalUs),
    ioStallUs: d((r) => r.psi?.io?.someTotalUs),
    cpuStallUs: d((r) => r.psi?.cpu?.someTotalUs),
    peakBytes: after.memory?.peakBytes ?? after.memory?.currentBytes,
    fileBytes: after.memory?.fileBytes,
  };
  const present = Object.entries(figures).filter(([, v]) => v !== undefined);
  return { spanNs: Math.max(0, after.tNs - before.tNs), ...(Object.fromEntries(present) as Omit<GroupFigures, 'spanNs'>) };
}

/** Figures of consecutive spans (a neighbour's starts) as one: counters and spans add up, the peak is the
 *  highest, the page cache the last span's. */
export function addGroupFigures(a: GroupFigures | undefined, b: GroupFigures): GroupFigures {
  if (!a) return { ...b };
  const out: GroupFigures = { ...a, spanNs: a.spanNs + b.spanNs };
  const sums = [
    'ioReadBytes',
    'ioWriteBytes',
    'ioReadOps',
    'ioWriteOps',
    'majorFaults',
    'refaults',
    'reclaimed',
    'oomKills',
    'memoryStallUs',
    'ioStallUs',
    'cpuStallUs',
  ] as const;
  for (const k of sums) if (a[k] !== undefined || b[k] !== undefined) out[k] = (a[k] ?? 0) + (b[k] ?? 0);
  if (a.peakBytes !== undefined || b.peakBytes !== undefined) out.peakBytes = Math.max(a.peakBytes ?? 0, b.peakBytes ?? 0);
  if (b.fileBytes !== undefined) out.fileBytes = b.fileBytes;
  return out;
}
