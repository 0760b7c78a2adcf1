// A service run's latency over time on its samples' time axis: where each of the generator's intervals falls,
// in seconds since the run's first reading, where the samples' time 0 is. Pure.

import type { Run } from './types.js';

/** One interval of the generator's series: requests that arrived in [startS, endS) on the samples' axis. */
export interface LatencyInterval {
  startS: number;
  endS: number;
  /** Answers that ended in the interval. */
  ok: number;
  /** Null when no answered request arrived in it (the generator's 0 there is no measurement). */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface LatencyTimeline {
  intervalMs: number;
  /** The generator's schedule start on the samples' axis, s (its warm-up, if any, comes first). */
  startS: number;
  intervals: LatencyInterval[];
}

/**
 * The generator's series of a run placed on the axis of its samples. Both stamp CLOCK_MONOTONIC (the launcher's
 * readings, the generator's `t0Ns`), and the samples count from the run's `before` reading, so interval i covers
 * t0 + i·interval .. t0 + (i+1)·interval minus that reading. A run without `before` (no launcher readings) counts
 * from the schedule's start. Null without a series.
 */
export function latencyTimeline(run: Pick<Run, 'before' | 'load'>): LatencyTimeline | null {
  const load = run.load;
  if (!load || load.series.intervalNs <= 0) return null;
  const s = load.series;
  const originNs = run.before?.tNs ?? load.t0Ns;
  const startS = (load.t0Ns - originNs) / 1e9;
  const stepS = s.intervalNs / 1e9;
  const ms = (v: number | undefined): number | null => (v !== undefined && v > 0 ? v / 1e6 : null);
  const intervals = s.p99Ns.map((_, i) => {
    // A latency of 0 ns cannot be measured: an interval nobody arrived in (answers are booked where they end).
    const has = (s.p99Ns[i] ?? 0) > 0;
    return {
      startS: round(startS + i * stepS),
      endS: round(startS + (i + 1) * stepS),
      ok: s.ok[i] ?? 0,
      p50Ms: has ? ms(s.p50Ns[i]) : null,
      p99Ms: has ? ms(s.p99Ns[i]) : null,
    };
  });
  return { intervalMs: s.intervalNs / 1e6, startS: round(startS), intervals };
}

/** Microsecond resolution: enough for a 1 ms sample, short in a chart's JSON. */
function round(s: number): number {
  return +s.toFixed(6);
}
