// A cell measured next to neighbours, taken apart against the same workload and limits alone: the CPU share
// it lost (the scheduler's doing, which limits and weights control) and the extra CPU its work cost
// (shared cores, caches, frequency: interference no cgroup limit controls), with the neighbours' own figures. Pure.

import type { Cell, ContentionView, NeighbourRun, NeighbourSummary } from '../model/types.js';
import { expectedCpus } from './cpu-model.js';
import type { ModelContext } from './expected.js';
import { measuredRuns, medianOf, type OkRun } from './runs.js';
import { describe, median } from './stats.js';

/** The workload's own CPU time in a run, ns: its timed phase's when it reports one (cpu_ns), else its rusage. */
export function ownCpuNs(r: OkRun): number | null {
  if (typeof r.metrics.cpuNs === 'number') return r.metrics.cpuNs;
  const p = r.process;
  if (p?.utimeUs === undefined && p?.stimeUs === undefined) return null;
  return ((p.utimeUs ?? 0) + (p.stimeUs ?? 0)) * 1000;
}

/** CPUs the workload itself used in a run: its own CPU time over its own wall time (never the group's,
 *  which a neighbour in the same group shares). */
export function ownCpuShare(r: OkRun): number | null {
  const cpu = ownCpuNs(r);
  return cpu !== null && r.metrics.wallNs > 0 ? cpu / r.metrics.wallNs : null;
}

/** CPU time per unit of work: per op where both cells count ops, else per run (the same work each time). */
export function costOf(r: OkRun, perOp: boolean): number | null {
  const cpu = ownCpuNs(r);
  if (cpu === null) return null;
  if (!perOp) return cpu;
  return typeof r.metrics.ops === 'number' && r.metrics.ops > 0 ? cpu / r.metrics.ops : null;
}

const numbers = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
const countsOps = (runs: OkRun[]): boolean => runs.length > 0 && runs.every((r) => typeof r.metrics.ops === 'number' && r.metrics.ops > 0);

/** One neighbour over the cell's measured runs (its `index`-th in each run). */
function neighbourSummary(
  runs: OkRun[],
  index: number,
  fallback: { label: string; placement: NeighbourRun['placement'] },
): NeighbourSummary {
  const seen = runs.flatMap((r) => (r.neighbours?.[index] ? [r.neighbours[index]] : []));
  const rate = (key: 'ops' | 'bytes'): number | null =>
    medianOf(
      seen.map((n) => (n[key] !== undefined && (n.completedWallNs ?? 0) > 0 ? (n[key] * 1e9) / (n.completedWallNs as number) : undefined)),
    );
  return {
    label: seen[0]?.label ?? fallback.label,
    placement: seen[0]?.placement ?? fallback.placement,
    cpus: medianOf(seen.map((n) => (n.wallNs > 0 ? (n.cpuUs * 1000) / n.wallNs : undefined))),
    opsPerSec: rate('ops'),
    bytesPerSec: rate('bytes'),
    starts: seen.length ? median(seen.map((n) => n.starts)) : 0,
  };
}

/** The contention view of a neighbour cell against its alone cell; undefined for a cell measured alone. */
export function contentionOf(cell: Cell, alone: Cell | undefined, ctx: ModelContext): ContentionView | undefined {
  const set = cell.neighbourSet;
  if (!set || !alone) return undefined;
  const runs = measuredRuns(cell);
  const aloneRuns = measuredRuns(alone);
  const aloneShare = medianOf(aloneRuns.map(ownCpuShare));
  const perOp = countsOps(runs) && countsOps(aloneRuns);
  const aloneCost = medianOf(aloneRuns.map((r) => costOf(r, perOp)));
  const shares = numbers(runs.map(ownCpuShare));
  const view: ContentionView = {
    aloneCellId: alone.id,
    cpuShare: describe(shares) ?? null,
    aloneCpuShare: aloneShare,
    shareKept: aloneShare ? (describe(shares.map((s) => s / aloneShare)) ?? null) : null,
    costRatio: aloneCost ? (describe(numbers(runs.map((r) => costOf(r, perOp))).map((c) => c / aloneCost)) ?? null) : null,
    expectedCpuShare: null,
    expectedShareKept: null,
    neighbours: set.neighbours.map((n, i) => neighbourSummary(runs, i, n)),
  };
  const model = expectedCpus(cell, set.neighbours, set.parent, ctx);
  const aloneModel = expectedCpus(cell, [], set.parent, ctx);
  if (model.cpus !== null && aloneModel.cpus) {
    view.expectedCpuShare = model.cpus;
    view.expectedShareKept = model.cpus / aloneModel.cpus;
  } else if (model.cpus === null) view.modelNote = model.note;
  const p99 = (c: OkRun[]): number | null => medianOf(c.map((r) => r.metrics.p99Ns as number | undefined));
  const mine = p99(runs);
  const base = p99(aloneRuns);
  if (mine !== null && base) view.p99Ratio = mine / base;
  return view;
}
