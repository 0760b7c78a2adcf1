// A cell measured next to neighbours, taken apart against the same workload and limits alone, in the terms
// of the resource its work depends on: for CPU work the share it lost (the scheduler's doing, which limits
// and weights control) and the extra CPU its work cost (interference no cgroup limit controls); for page-cache
// and memory work the working set kept; for IO the disk's rate kept; with the neighbours' own figures. Pure.

import { isEmptyLimits, limitsLabel } from '../model/limits.js';
import type {
  Cell,
  ContentionView,
  IoProtection,
  Limits,
  MemoryProtection,
  NeighbourRun,
  NeighbourSpec,
  NeighbourSummary,
} from '../model/types.js';
import { expectedCpus } from './cpu-model.js';
import type { ModelContext } from './expected.js';
import {
  diskReadBytes,
  diskReadsPerPass,
  iopsOf,
  majorFaultsPerPass,
  readsMatter,
  reclaimedPerPass,
  refaultsPerPass,
  type Resource,
  resourceOf,
  stallPct,
  usPerIo,
} from './resources.js';
import { finiteValues, measuredRuns, medianOf, type OkRun } from './runs.js';
import { describe, median } from './stats.js';
import { verdictOf } from './verdict.js';

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

const countsOps = (runs: OkRun[]): boolean => runs.length > 0 && runs.every((r) => typeof r.metrics.ops === 'number' && r.metrics.ops > 0);

/** The knobs of `l` that bear on a resource, as a label ("mem 64 MiB", "write 20.0 MB/s"); undefined: none. */
export function resourceLimit(l: Limits, resource: Resource): string | undefined {
  const only: Limits =
    resource === 'cpu'
      ? { ...(l.cpu ? { cpu: l.cpu } : {}), ...(l.cpuWeight !== undefined ? { cpuWeight: l.cpuWeight } : {}) }
      : resource === 'page cache' || resource === 'memory'
        ? l.memory
          ? { memory: l.memory }
          : {}
        : resource === 'disk'
          ? { ...(l.io ? { io: l.io } : {}), ...(l.ioWeight !== undefined ? { ioWeight: l.ioWeight } : {}) }
          : l;
  return isEmptyLimits(only) ? undefined : limitsLabel(only);
}

/** One neighbour over the cell's measured runs (its `index`-th in each run). */
function neighbourSummary(runs: OkRun[], index: number, spec: NeighbourSpec, resource: Resource): NeighbourSummary {
  const seen = runs.flatMap((r) => (r.neighbours?.[index] ? [r.neighbours[index]] : []));
  const rate = (key: 'ops' | 'bytes'): number | null =>
    medianOf(
      seen.map((n) => (n[key] !== undefined && (n.completedWallNs ?? 0) > 0 ? (n[key] * 1e9) / (n.completedWallNs as number) : undefined)),
    );
  const out: NeighbourSummary = {
    label: seen[0]?.label ?? spec.label,
    placement: seen[0]?.placement ?? spec.placement,
    cpus: medianOf(seen.map((n) => (n.wallNs > 0 ? (n.cpuUs * 1000) / n.wallNs : undefined))),
    opsPerSec: rate('ops'),
    bytesPerSec: rate('bytes'),
    starts: seen.length ? median(seen.map((n) => n.starts)) : 0,
  };
  const groups = seen.flatMap((n) => (n.group ? [n.group] : []));
  if (groups.length) {
    const perSec = (pick: (g: NonNullable<NeighbourRun['group']>) => number | undefined): number | null =>
      medianOf(groups.map((g) => (g.spanNs > 0 && pick(g) !== undefined ? ((pick(g) as number) * 1e9) / g.spanNs : undefined)));
    out.peakMemoryBytes = medianOf(groups.map((g) => g.peakBytes));
    out.cacheBytes = medianOf(groups.map((g) => g.fileBytes));
    out.oomKills = groups.reduce((sum, g) => sum + (g.oomKills ?? 0), 0);
    out.diskReadBytesPerSec = perSec((g) => g.ioReadBytes);
    out.diskWriteBytesPerSec = perSec((g) => g.ioWriteBytes);
  }
  const limit = spec.placement === 'own' ? resourceLimit(spec.limits, resource) : undefined;
  if (limit) out.limit = limit;
  return out;
}

/** Per run over the alone cell's median; null without both. */
function againstAlone(values: (number | undefined)[], alone: number | null): ContentionView['shareKept'] {
  if (!alone) return null;
  return describe(finiteValues(values).map((v) => v / alone)) ?? null;
}

const oomKillsOf = (cell: Cell): number => cell.runs.filter((r) => !r.warmup && r.outcome === 'oom-killed').length;

function memoryProtection(cell: Cell, alone: Cell, runs: OkRun[], aloneRuns: OkRun[]): MemoryProtection {
  const per = (f: (r: OkRun, c: Cell) => number | undefined, c: Cell, rs: OkRun[]): (number | undefined)[] => rs.map((r) => f(r, c));
  const reads = per(diskReadsPerPass, cell, runs);
  const aloneReads = medianOf(per(diskReadsPerPass, alone, aloneRuns));
  const aloneBytes = medianOf(per(diskReadBytes, alone, aloneRuns));
  const bytes = medianOf(per(diskReadBytes, cell, runs));
  return {
    diskReadsPerPass: describe(finiteValues(reads)) ?? null,
    aloneDiskReadsPerPass: aloneReads,
    diskReadsVsAlone: againstAlone(reads, aloneReads),
    extraDiskReadBytes: bytes !== null && aloneBytes !== null ? bytes - aloneBytes : null,
    majorFaultsPerPass: medianOf(per(majorFaultsPerPass, cell, runs)),
    aloneMajorFaultsPerPass: medianOf(per(majorFaultsPerPass, alone, aloneRuns)),
    refaultsPerPass: medianOf(per(refaultsPerPass, cell, runs)),
    aloneRefaultsPerPass: medianOf(per(refaultsPerPass, alone, aloneRuns)),
    reclaimedPerPass: medianOf(per(reclaimedPerPass, cell, runs)),
    aloneReclaimedPerPass: medianOf(per(reclaimedPerPass, alone, aloneRuns)),
    oomKills: oomKillsOf(cell),
    aloneOomKills: oomKillsOf(alone),
  };
}

function ioProtection(runs: OkRun[], aloneRuns: OkRun[]): IoProtection {
  const rate = (r: OkRun): number | undefined =>
    typeof r.metrics.bytes === 'number' && r.metrics.wallNs > 0 ? (r.metrics.bytes * 1e9) / r.metrics.wallNs : undefined;
  const rates = runs.map(rate);
  const aloneRate = medianOf(aloneRuns.map(rate));
  return {
    bytesPerSec: describe(finiteValues(rates)) ?? null,
    aloneBytesPerSec: aloneRate,
    rateKept: againstAlone(rates, aloneRate),
    iops: medianOf(runs.map(iopsOf)),
    aloneIops: medianOf(aloneRuns.map(iopsOf)),
    usPerIo: medianOf(runs.map(usPerIo)),
    aloneUsPerIo: medianOf(aloneRuns.map(usPerIo)),
  };
}

/** PSI stall shares beside the neighbours and alone, where the groups have them (v2, not shared). */
function pressureOf(cell: Cell, alone: Cell, runs: OkRun[], aloneRuns: OkRun[]): ContentionView['pressure'] {
  const out: NonNullable<ContentionView['pressure']> = {};
  for (const res of ['cpu', 'memory', 'io'] as const) {
    const pct = medianOf(runs.map((r) => stallPct(r, cell, res)));
    if (pct !== null) out[res] = { pct, alonePct: medianOf(aloneRuns.map((r) => stallPct(r, alone, res))) };
  }
  return Object.keys(out).length ? out : undefined;
}

/** The contention view of a neighbour cell against its alone cell; undefined for a cell measured alone. */
export function contentionOf(cell: Cell, alone: Cell | undefined, ctx: ModelContext): ContentionView | undefined {
  const set = cell.neighbourSet;
  if (!set || !alone) return undefined;
  const runs = measuredRuns(cell);
  const aloneRuns = measuredRuns(alone);
  const resource = resourceOf(cell.params);
  const aloneShare = medianOf(aloneRuns.map(ownCpuShare));
  const perOp = countsOps(runs) && countsOps(aloneRuns);
  const aloneCost = medianOf(aloneRuns.map((r) => costOf(r, perOp)));
  const shares = finiteValues(runs.map(ownCpuShare));
  const aloneWall = medianOf(aloneRuns.map((r) => r.metrics.wallNs));
  const view: Omit<ContentionView, 'verdict'> = {
    aloneCellId: alone.id,
    resource,
    timeVsAlone: againstAlone(
      runs.map((r) => r.metrics.wallNs),
      aloneWall,
    ),
    cpuShare: describe(shares) ?? null,
    aloneCpuShare: aloneShare,
    shareKept: aloneShare ? (describe(shares.map((s) => s / aloneShare)) ?? null) : null,
    costRatio: aloneCost ? (describe(finiteValues(runs.map((r) => costOf(r, perOp))).map((c) => c / aloneCost)) ?? null) : null,
    expectedCpuShare: null,
    expectedShareKept: null,
    neighbours: set.neighbours.map((n, i) => neighbourSummary(runs, i, n, resource)),
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
  if (readsMatter(cell.kind)) view.memory = memoryProtection(cell, alone, runs, aloneRuns);
  if (cell.kind === 'io' || cell.kind === 'command') view.io = ioProtection(runs, aloneRuns);
  const pressure = pressureOf(cell, alone, runs, aloneRuns);
  if (pressure) view.pressure = pressure;
  return { ...view, verdict: verdictOf(cell, view) };
}
