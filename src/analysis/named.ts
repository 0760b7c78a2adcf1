// The figures a workload reported about itself (the metrics protocol), over a cell's measured runs: each
// one's spread, and its ratio to the baseline cell's with the same distribution-free interval the slowdown
// has. Pure.

import type { NamedMetric, NamedMetricSummary } from '../model/types.js';
import { finiteValues, type OkRun } from './runs.js';
import { describe, median, ratioInterval } from './stats.js';

function valuesOf(runs: readonly OkRun[], name: string): number[] {
  return finiteValues(runs.map((r) => r.namedMetrics?.[name]?.value));
}

/** Each named figure of the runs, in the order first seen; its unit and direction as the last run said. */
export function summarizeNamedMetrics(runs: readonly OkRun[], baselineRuns: readonly OkRun[]): NamedMetricSummary[] {
  const defs = new Map<string, NamedMetric>();
  for (const r of runs) for (const [name, m] of Object.entries(r.namedMetrics ?? {})) defs.set(name, m);
  const out: NamedMetricSummary[] = [];
  for (const [name, def] of defs) {
    const values = valuesOf(runs, name);
    const stats = describe(values);
    if (!stats) continue;
    const s: NamedMetricSummary = { name, unit: def.unit, direction: def.direction, stats };
    const base = valuesOf(baselineRuns, name);
    const baseMedian = base.length ? median(base) : 0;
    // A ratio means something only between positive values (a count that may be 0 has none).
    if (base.length && baseMedian > 0 && stats.median > 0) {
      s.vsBaseline = stats.median / baseMedian;
      const range = ratioInterval(values, base);
      if (range) s.vsBaselineRange = range;
    }
    out.push(s);
  }
  return out;
}
