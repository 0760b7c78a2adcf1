// Bencher Metric Format (BMF) JSON, for `bencher run --adapter json --file bencher.json`: one benchmark per
// cell (named by its stable id), a measure per tracked figure, each with its 95 % interval as lower and
// upper value. Pure.

import type { ResultDocument } from '../model/types.js';
import { benchmarkName, figureOf, TRACKED_FIGURES } from './figures.js';

/** One measure's metric: `lower_value` and `upper_value` are optional in BMF. */
export interface BmfMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

export type Bmf = Record<string, Record<string, BmfMetric>>;

/**
 * The measures are keyed by slug (wall-time, slowdown, cpu-granted, p99-latency, io-rate): Bencher makes a
 * measure it does not know yet, so its units are whatever the project gives it (the README lists them).
 * Values are in base units (seconds, ratio, CPUs, bytes per second), as in every cgbench format.
 */
export function bencherDocument(doc: ResultDocument): Bmf {
  const out: Bmf = {};
  for (const cell of doc.cells) {
    const measures: Record<string, BmfMetric> = {};
    for (const def of TRACKED_FIGURES) {
      const f = figureOf(def, cell);
      if (!f) continue;
      measures[def.tracked.slug] = f.range ? { value: f.value, lower_value: f.range[0], upper_value: f.range[1] } : { value: f.value };
    }
    // A cell whose runs all failed has no figure: no benchmark, rather than one without measures.
    if (Object.keys(measures).length) out[benchmarkName(cell)] = measures;
  }
  return out;
}

export function serializeBencher(doc: ResultDocument): string {
  return `${JSON.stringify(bencherDocument(doc), null, 2)}\n`;
}
