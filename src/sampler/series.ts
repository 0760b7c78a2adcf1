// The harness side of the launcher's sampling: a run's bounded series from the readings the launcher
// reported (before, the kept ticks, after), with how regular the ticks were.

import type { LauncherReport, Reading, SampleSeries } from '../model/types.js';
import { deriveSeries } from './derive.js';

/** Null when the launcher did not sample (no interval) or has nothing between before and after. */
export function seriesFromReport(report: LauncherReport): SampleSeries | null {
  const { before, after, ticks } = report;
  if (!before || !ticks || ticks.ticks === 0) return null;
  const readings: Reading[] = [before, ...report.samples];
  if (after) readings.push(after);
  const series = deriveSeries(readings, before.tNs, ticks.intervalMs * ticks.stride, ticks.ticks);
  series.tick = {
    meanIntervalMs: ticks.meanIntervalMs,
    maxIntervalMs: ticks.maxIntervalMs,
    offFraction: ticks.offFraction,
    cpuUs: ticks.cpuUs,
  };
  return series;
}
