// Carry-over: in interleaved order a run follows runs of the other cells of its workload, and what one leaves
// behind (memory to reclaim, a cache to refill, a device still busy) can slow the run after it. Read from the
// recorded order of runs, not guessed: for each cell X of a workload, the runs of its other cells that came
// right after a run of X against those that came after anything else, each run over its own cell's median.
// Pure.

import type { Cell } from '../model/types.js';
import { measuredRuns } from './runs.js';
import { mannWhitneyU, median } from './stats.js';

/** Fewer runs on either side than this say nothing either way. */
const MIN_RUNS = 4;
/** The false-alarm rate over all of a workload's cells (Bonferroni: each test at ALPHA / cells). */
const ALPHA = 0.01;
/** Smaller effects are left to the noise line: a run 10 % slower than its cell's median is within that. */
const MIN_RATIO = 1.1;

export interface CarryOver {
  workload: string;
  /** The cell whose runs slow the run after them, and its limit set. */
  cellId: string;
  limitSet: string;
  /** Median of (run time / its cell's median) of the runs right after X, over the same of the other runs. */
  ratio: number;
  /** Runs of the workload's other cells right after a run of X, and after anything else. */
  after: number;
  others: number;
  /** Two-sided Mann-Whitney p-value of the two groups. */
  p: number;
}

/**
 * The cells whose runs measurably slow the next run of their workload (interleaved order only: in sequential
 * order a cell's runs follow its own, and the effect cannot be told from the cell's).
 */
export function carryOvers(cells: readonly Cell[]): CarryOver[] {
  // A run's place in its suite's order: a merged document holds several hosts' suites, each numbered from 0.
  const place = (c: Cell, seq: number): string => `${c.host ?? ''}\0${seq}`;
  const bySeq = new Map<string, Cell>();
  for (const c of cells) for (const r of c.runs) if (r.seq !== undefined) bySeq.set(place(c, r.seq), c);
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = `${c.host ?? ''}\0${c.baselineId ?? c.id}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: CarryOver[] = [];
  for (const group of groups.values()) {
    if (group.length < 2 || !group.some((c) => c.runs.some((r) => r.block !== undefined))) continue;
    // Each measured run: its cell, the cell of the run just before it in the suite's order, and its time over
    // its cell's median.
    const runs = group.flatMap((c) => {
      const measured = measuredRuns(c);
      const m = median(measured.map((r) => r.metrics.wallNs));
      return measured.flatMap((r) => {
        const before = r.seq !== undefined && r.seq > 0 ? bySeq.get(place(c, r.seq - 1)) : undefined;
        return m > 0 && before ? [{ cell: c, before, rel: r.metrics.wallNs / m }] : [];
      });
    });
    const found: CarryOver[] = [];
    for (const x of group) {
      const others = runs.filter((r) => r.cell !== x);
      const after = others.filter((r) => r.before === x).map((r) => r.rel);
      const rest = others.filter((r) => r.before !== x).map((r) => r.rel);
      if (after.length < MIN_RUNS || rest.length < MIN_RUNS) continue;
      const ratio = median(after) / median(rest);
      const { p } = mannWhitneyU(after, rest);
      if (ratio >= MIN_RATIO && p < ALPHA / group.length)
        found.push({ workload: x.workload, cellId: x.id, limitSet: x.limitSet, ratio, after: after.length, others: rest.length, p });
    }
    out.push(...found);
  }
  return out;
}
