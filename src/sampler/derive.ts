// Turns a sequence of cumulative cgroup readings into per-interval series (CPU used, throttle ratio,
// memory, faults, IO rates, PSI). Pure: deriving from counters makes decimation exact.

import type { Reading, SampleSeries } from '../model/types.js';

export const SERIES_KEYS = [
  'cpuUsedCpus',
  'throttleRatio',
  'throttledMsPerSec',
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

function diff(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined ? null : b - a;
}

function perSec(d: number | null, dtNs: number): number | null {
  return d === null || dtNs <= 0 ? null : (d * 1e9) / dtNs;
}

function ioTotals(r: Reading): { rbytes: number; wbytes: number; rios: number; wios: number } | undefined {
  if (!r.io) return undefined;
  const t = { rbytes: 0, wbytes: 0, rios: 0, wios: 0 };
  for (const c of Object.values(r.io)) {
    t.rbytes += c.rbytes;
    t.wbytes += c.wbytes;
    t.rios += c.rios;
    t.wios += c.wios;
  }
  return t;
}

/** One derived point from two consecutive readings. */
export function derivePoint(prev: Reading, cur: Reading): Record<SeriesKey, number | null> {
  const dtNs = cur.tNs - prev.tNs;
  const dPeriods = diff(prev.cpu?.nrPeriods, cur.cpu?.nrPeriods);
  const dThrottled = diff(prev.cpu?.nrThrottled, cur.cpu?.nrThrottled);
  const dUsageUs = diff(prev.cpu?.usageUs, cur.cpu?.usageUs);
  const dThrottledUs = diff(prev.cpu?.throttledUs, cur.cpu?.throttledUs);
  const a = ioTotals(prev);
  const b = ioTotals(cur);
  // PSI totals are microseconds of stall: Δstall / Δwall is the share of time stalled, in percent.
  const psi = (res: 'cpu' | 'memory' | 'io', kind: 'some' | 'full'): number | null => {
    const p = prev.psi?.[res];
    const c = cur.psi?.[res];
    const d = kind === 'some' ? diff(p?.someTotalUs, c?.someTotalUs) : diff(p?.fullTotalUs, c?.fullTotalUs);
    return d === null || dtNs <= 0 ? null : (d * 1e5) / dtNs;
  };
  return {
    cpuUsedCpus: dUsageUs === null || dtNs <= 0 ? null : (dUsageUs * 1e3) / dtNs,
    throttleRatio: dPeriods === null || dThrottled === null || dPeriods <= 0 ? null : dThrottled / dPeriods,
    throttledMsPerSec: dThrottledUs === null || dtNs <= 0 ? null : (dThrottledUs * 1e6) / dtNs,
    memoryCurrentBytes: cur.memory?.currentBytes ?? null,
    memoryPeakBytes: cur.memory?.peakBytes ?? null,
    majorFaultsPerSec: perSec(diff(prev.memory?.majorFaults, cur.memory?.majorFaults), dtNs),
    ioReadBps: a && b ? perSec(b.rbytes - a.rbytes, dtNs) : null,
    ioWriteBps: a && b ? perSec(b.wbytes - a.wbytes, dtNs) : null,
    ioReadIops: a && b ? perSec(b.rios - a.rios, dtNs) : null,
    ioWriteIops: a && b ? perSec(b.wios - a.wios, dtNs) : null,
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
  // Drop series that never had a value (e.g. PSI on v1) to keep documents small.
  for (const k of SERIES_KEYS) if ((series[k] as (number | null)[]).every((v) => v === null)) delete series[k];
  return { intervalMs, taken, tMs, series };
}
