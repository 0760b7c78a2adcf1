// Turns a sequence of cumulative cgroup readings into per-interval series (CPU used, throttle ratio,
// memory, faults, IO rates, PSI). Pure: deriving from counters makes decimation exact.

import { counterDelta, cpusUsed, ioTotals, msPerSecond, perSecond, throttledShare } from '../model/metrics.js';
import type { IoCounters, Reading, SampleSeries } from '../model/types.js';

const SERIES_KEYS = [
  'cpuUsedCpus',
  'throttleRatio',
  'throttledMsPerSec',
  'periodsEnded',
  'throttledPeriods',
  'memoryCurrentBytes',
  'memoryPeakBytes',
  'majorFaultsPerSec',
  'ioReadBps',
  'ioWriteBps',
  'ioReadIops',
  'ioWriteIops',
  'psiCpuSome',
  'psiCpuFull',
  'psiMemorySome',
  'psiMemoryFull',
  'psiIoSome',
  'psiIoFull',
] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];
const COUNT_KEYS: ReadonlySet<SeriesKey> = new Set(['periodsEnded', 'throttledPeriods']);

const orNull = (v: number | undefined): number | null => (v === undefined ? null : v);

/** One derived point from two consecutive readings (the same formulas as the per-run figures). */
export function derivePoint(prev: Reading, cur: Reading): Record<SeriesKey, number | null> {
  const dtNs = cur.tNs - prev.tNs;
  const d = (pick: (r: Reading) => number | undefined): number | undefined => counterDelta(prev, cur, pick);
  const rate = (pick: (r: Reading) => number | undefined): number | null => {
    const v = d(pick);
    return v === undefined ? null : orNull(perSecond(v, dtNs));
  };
  const dPeriods = d((r) => r.cpu?.nrPeriods);
  const dThrottled = d((r) => r.cpu?.nrThrottled);
  const dUsageUs = d((r) => r.cpu?.usageUs);
  const dThrottledUs = d((r) => r.cpu?.throttledUs);
  const a = ioTotals(prev);
  const b = ioTotals(cur);
  const io = (k: keyof IoCounters): number | null => (a && b ? orNull(perSecond(b[k] - a[k], dtNs)) : null);
  // PSI totals are microseconds of stall: Δstall / Δwall is the share of time stalled, in percent
  // (ms of stall per second / 10).
  const psi = (res: 'cpu' | 'memory' | 'io', kind: 'some' | 'full'): number | null => {
    const stallUs = d((r) => (kind === 'some' ? r.psi?.[res]?.someTotalUs : r.psi?.[res]?.fullTotalUs));
    const msPerSec = stallUs === undefined ? undefined : msPerSecond(stallUs, dtNs);
    return msPerSec === undefined ? null : msPerSec / 10;
  };
  return {
    cpuUsedCpus: dUsageUs === undefined ? null : orNull(cpusUsed(dUsageUs, dtNs)),
    throttleRatio: dPeriods === undefined || dThrottled === undefined ? null : orNull(throttledShare(dThrottled, dPeriods)),
    throttledMsPerSec: dThrottledUs === undefined ? null : orNull(msPerSecond(dThrottledUs, dtNs)),
    // Raw counts, not rates: nr_periods and nr_throttled step at CFS period boundaries, which is what
    // locates the boundaries for the period-phase fold (analysis/phase.ts).
    periodsEnded: orNull(dPeriods),
    throttledPeriods: orNull(dThrottled),
    memoryCurrentBytes: cur.memory?.currentBytes ?? null,
    memoryPeakBytes: cur.memory?.peakBytes ?? null,
    majorFaultsPerSec: rate((r) => r.memory?.majorFaults),
    ioReadBps: io('rbytes'),
    ioWriteBps: io('wbytes'),
    ioReadIops: io('rios'),
    ioWriteIops: io('wios'),
    psiCpuSome: psi('cpu', 'some'),
    psiCpuFull: psi('cpu', 'full'),
    psiMemorySome: psi('memory', 'some'),
    psiMemoryFull: psi('memory', 'full'),
    psiIoSome: psi('io', 'some'),
    psiIoFull: psi('io', 'full'),
  };
}

/** Series from readings; point i covers (reading i-1, reading i], stamped at its end. */
export function deriveSeries(readings: readonly Reading[], t0Ns: number, intervalMs: number, taken: number): SampleSeries {
  const series: Record<string, (number | null)[]> = {};
  for (const k of SERIES_KEYS) series[k] = [];
  const tMs: number[] = [];
  for (let i = 1; i < readings.length; i++) {
    const p = derivePoint(readings[i - 1] as Reading, readings[i] as Reading);
    tMs.push(Math.round(((readings[i] as Reading).tNs - t0Ns) / 1e3) / 1e3);
    for (const k of SERIES_KEYS) (series[k] as (number | null)[]).push(p[k]);
  }
  // Drop series that never had a value (e.g. PSI on v1) to keep documents small, and the period counts
  // of a group without a quota, which never move.
  const empty = (k: SeriesKey, v: number | null): boolean => v === null || (COUNT_KEYS.has(k) && v === 0);
  for (const k of SERIES_KEYS) if ((series[k] as (number | null)[]).every((v) => empty(k, v))) delete series[k];
  return { intervalMs, taken, tMs, series };
}
