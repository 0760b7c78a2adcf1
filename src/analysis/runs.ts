// Which runs of a cell count, and the median of a per-run figure over them.

import type { Cell, Run, WorkloadMetrics } from '../model/types.js';
import { median } from './stats.js';

export type OkRun = Run & { outcome: 'ok'; metrics: WorkloadMetrics };

/** The runs a cell's figures come from: measured (not warm-up) and ok. */
export function measuredRuns(cell: Pick<Cell, 'runs'>): OkRun[] {
  return cell.runs.filter((r): r is OkRun => !r.warmup && r.outcome === 'ok');
}

/** Median of the finite values; null when there are none. */
/** The finite numbers among per-run figures (a run without cpu.stat has none). */
export function finiteValues(values: readonly (number | undefined | null)[]): number[] {
  return values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

export function medianOf(values: (number | undefined | null)[]): number | null {
  const v = finiteValues(values);
  return v.length ? median(v) : null;
}
