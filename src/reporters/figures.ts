// A cell's figures as benchmark trackers and metrics systems take them: one table of what each figure is
// (its unit, which way is better, its interval), read from the cell's summary, so the Bencher, the
// github-action-benchmark and the OpenMetrics reporters name and scale every figure the same way. Pure.

import { slowdownMeans } from '../model/params.js';
import type { Cell, Direction } from '../model/types.js';

/** Base units, as OpenMetrics wants them: values are in these, never in ms or MB. */
export type FigureUnit = 'seconds' | 'ratio' | 'cpus' | 'bytes' | 'bytes_per_second' | 'count';

export interface FigureDef {
  /** Stable key: the OpenMetrics family is `cgbench_<key>_<unit>` (no unit suffix for counts). */
  key: string;
  /** What it is, for HELP texts and reports. */
  help: string;
  unit: FigureUnit;
  direction: Direction;
  /** The five figures a tracker gates on (Bencher measures, github-action-benchmark entries); the others
   *  are for dashboards, where a noisy secondary figure costs nothing. */
  tracked?: { slug: string; title: string };
  /** The figure of a cell, in `unit`; null where it means nothing for the cell or was not measured. */
  value(cell: Cell): number | null;
  /** Its 95 % interval, in `unit`, where the summary has one. */
  range?(cell: Cell): [number, number] | null;
}

const NS = 1e-9;
const scaled = (r: [number, number] | undefined, k = 1): [number, number] | null => (r ? [r[0] * k, r[1] * k] : null);
/** A limited cell's slowdown against its baseline: the baseline's own is 1 by definition, and an IO cell's
 *  or a fixed-duration latency cell's wall time says nothing (model/params.ts). */
const hasSlowdown = (c: Cell): boolean => c.baselineId !== null && c.baselineId !== c.id && slowdownMeans(c);

export const FIGURES: readonly FigureDef[] = [
  {
    key: 'wall',
    help: 'median wall time of the measured runs (the workload times itself)',
    unit: 'seconds',
    direction: 'lower-is-better',
    tracked: { slug: 'wall-time', title: 'wall time' },
    // A latency workload runs for a fixed time: its wall time is its setting, not a result.
    value: (c) => (c.kind === 'latency' || c.summary.medianWallNs === null ? null : c.summary.medianWallNs * NS),
    range: (c) => (c.kind === 'latency' ? null : scaled(c.summary.ranges?.wallNs, NS)),
  },
  {
    key: 'slowdown',
    help: "median wall time over the baseline's (same workload and runtime, no limits)",
    unit: 'ratio',
    direction: 'lower-is-better',
    tracked: { slug: 'slowdown', title: 'slowdown' },
    value: (c) => (hasSlowdown(c) ? c.summary.slowdown : null),
    range: (c) => (hasSlowdown(c) ? scaled(c.summary.slowdownRange) : null),
  },
  {
    key: 'expected_slowdown',
    help: 'the slowdown the limit should cause by the model (a CPU loop at quota q/p: p/q)',
    unit: 'ratio',
    direction: 'neutral',
    value: (c) => (hasSlowdown(c) ? c.summary.expectedSlowdown : null),
  },
  {
    key: 'cpu_granted',
    help: 'CPUs the cell used on average while it ran (CPU time over wall time), median over the runs',
    unit: 'cpus',
    // Under the same limits, a cell that gets less CPU than before is the change to look at.
    direction: 'higher-is-better',
    tracked: { slug: 'cpu-granted', title: 'CPU granted' },
    value: (c) => c.summary.cpuGranted,
    range: (c) => scaled(c.summary.ranges?.cpuGranted),
  },
  {
    key: 'cpu_quota',
    help: 'CPUs the quota allows (quota over period)',
    unit: 'cpus',
    direction: 'neutral',
    value: (c) => c.summary.cpuQuota,
  },
  {
    key: 'throttled_periods',
    help: 'share of CFS periods that ended throttled (nr_throttled over nr_periods), median over the runs',
    unit: 'ratio',
    direction: 'lower-is-better',
    value: (c) => c.summary.throttleRatio,
  },
  {
    key: 'throttled_time',
    help: 'throttled time per second of wall time, median over the runs',
    unit: 'ratio',
    direction: 'lower-is-better',
    value: (c) => (c.summary.throttledMsPerSec === null ? null : c.summary.throttledMsPerSec / 1000),
  },
  {
    key: 'peak_memory',
    help: "the group's peak memory use, largest over the runs",
    unit: 'bytes',
    direction: 'lower-is-better',
    value: (c) => c.summary.peakMemoryBytes,
  },
  {
    key: 'oom_kills',
    help: 'OOM kills over the measured runs',
    unit: 'count',
    direction: 'lower-is-better',
    value: (c) => c.summary.oomKills,
  },
  {
    key: 'major_faults',
    help: 'major page faults per run, median over the runs',
    unit: 'count',
    direction: 'lower-is-better',
    value: (c) => c.summary.majorFaults,
  },
  {
    key: 'io_rate',
    help: "the workload's own bytes moved per second, median over the runs",
    unit: 'bytes_per_second',
    direction: 'higher-is-better',
    tracked: { slug: 'io-rate', title: 'IO rate' },
    value: (c) => c.summary.ioBytesPerSec,
    range: (c) => scaled(c.summary.ranges?.ioBytesPerSec),
  },
  {
    key: 'io_limit',
    help: 'the IO throttle in bytes per second',
    unit: 'bytes_per_second',
    direction: 'neutral',
    value: (c) => c.summary.ioLimitBytesPerSec,
  },
  {
    key: 'latency_p50',
    help: 'median request latency of a latency workload, median over the runs',
    unit: 'seconds',
    direction: 'lower-is-better',
    value: (c) => (c.summary.latency ? c.summary.latency.p50Ns * NS : null),
  },
  {
    key: 'latency_p99',
    help: '99th percentile request latency of a latency workload, median over the runs',
    unit: 'seconds',
    direction: 'lower-is-better',
    tracked: { slug: 'p99-latency', title: 'p99 latency' },
    value: (c) => (c.summary.latency ? c.summary.latency.p99Ns * NS : null),
    range: (c) => scaled(c.summary.ranges?.p99Ns, NS),
  },
  {
    key: 'latency_max',
    help: 'largest request latency of a latency workload, median over the runs',
    unit: 'seconds',
    direction: 'lower-is-better',
    value: (c) => (c.summary.latency ? c.summary.latency.maxNs * NS : null),
  },
];

/** The figures benchmark trackers gate on (the ones with a `tracked` entry). */
export const TRACKED_FIGURES = FIGURES.filter((f): f is FigureDef & Required<Pick<FigureDef, 'tracked'>> => f.tracked !== undefined);

export interface FigureValue {
  value: number;
  range: [number, number] | null;
}

/** A figure of a cell with its interval, or null where the cell has none (or not a finite one). */
export function figureOf(def: FigureDef, cell: Cell): FigureValue | null {
  const value = def.value(cell);
  if (value === null || !Number.isFinite(value)) return null;
  const range = def.range?.(cell) ?? null;
  return { value, range: range && range.every(Number.isFinite) ? range : null };
}

/**
 * A cell's name for trackers and dashboards: its id ("workload / limit set / runtime", " / next to SET"
 * beside neighbours, " @ host" in a merged document). It depends only on the scenario's names, never on a
 * run, a time or a pid, so tonight's cell is last night's: the trackers' history keys on it.
 */
export function benchmarkName(cell: Cell): string {
  return cell.id;
}
