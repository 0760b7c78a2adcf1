// The matrix of a scenario: cells (workload x runtime x limit set, baseline first), their ids, the
// limits resolved to real disks, and the empty result document a suite fills in. Pure but for disk lookups.

import { createHash } from 'node:crypto';
import { expectedOutcomes } from '../analysis/expected.js';
import type { DiskTarget } from '../cgroup/disk.js';
import { assertIoWeightHonoured, resolveIoLimit } from '../cgroup/disk.js';
import { BASELINE_NAME, SCHEMA_VERSION } from '../model/defaults.js';
import type {
  Cell,
  CellSummary,
  HostInfo,
  LimitSet,
  Limits,
  NeighbourSet,
  ResolvedLimits,
  ResultDocument,
  RuntimeName,
  Scenario,
  WorkloadSpec,
} from '../model/types.js';
import { KNOBS, knobsSet } from '../model/knobs.js';
import { usesScratch } from '../model/params.js';

const EMPTY_SUMMARY: CellSummary = {
  measuredRuns: 0,
  outcomes: {},
  medianWallNs: null,
  slowdown: null,
  expectedSlowdown: null,
  cpuGranted: null,
  cpuQuota: null,
  cpuEnforcement: null,
  throttleRatio: null,
  throttledMsPerSec: null,
  peakMemoryBytes: null,
  oomKills: 0,
  majorFaults: null,
  ioBytesPerSec: null,
  ioLimitBytesPerSec: null,
  ioEnforcement: null,
  medianStartupNs: null,
};

export function scenarioHash(s: Scenario): string {
  const { source: _source, ...rest } = s;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** A cell's id: "workload / limit set / runtime", and " / next to SET" for a neighbour set other than alone. */
export function cellId(workload: string, runtime: string, limitSet: string, neighbourSet?: string): string {
  const next = neighbourSet === undefined ? '' : ` / next to ${neighbourSet}`;
  return `${workload} / ${limitSet} / ${runtime}${next}`;
}

/** Is this the alone set (no neighbours, no parent): the cells measured without company? */
export function isAloneSet(set: NeighbourSet | undefined): boolean {
  return !set || (set.neighbours.length === 0 && set.parent === undefined);
}

/** A workload's cell under one limit set (beside one neighbour set) on one runtime, with no runs yet. */
export function makeCell(w: WorkloadSpec, runtime: RuntimeName, ls: LimitSet, set?: NeighbourSet): Cell {
  const baseId = cellId(w.name, runtime, w.limitSets[0]?.name ?? BASELINE_NAME);
  const alone = isAloneSet(set);
  const id = cellId(w.name, runtime, ls.name, alone ? undefined : set?.name);
  const cell: Cell = {
    id,
    workload: w.name,
    kind: w.params.kind,
    params: w.params,
    runtime,
    limitSet: ls.name,
    limits: ls.limits,
    expect: expectedOutcomes({ params: w.params, limits: ls.limits }, ls.expect),
    baselineId: id === baseId ? null : baseId,
    runs: [],
    summary: { ...EMPTY_SUMMARY, outcomes: {} },
  };
  if (set && !alone) cell.neighbourSet = set;
  return cell;
}

/** Workloads x runtimes x limit sets x neighbour sets, baseline (unlimited, alone) first within each
 *  (workload, runtime), each limit set's alone cell before its neighbour sets. */
export function expandCells(scenario: Scenario): Cell[] {
  const cells: Cell[] = [];
  for (const w of scenario.workloads) {
    const sets = w.neighbourSets ?? [];
    for (const runtime of scenario.runtimes)
      for (const ls of w.limitSets) for (const set of sets.length ? sets : [undefined]) cells.push(makeCell(w, runtime, ls, set));
  }
  return cells;
}

/** The cell a neighbour cell is taken apart against: same workload, limit set and runtime, alone. */
export function aloneCellIdOf(cell: Cell): string | null {
  return cell.neighbourSet ? cellId(cell.workload, cell.runtime, cell.limitSet) : null;
}

/** Every limits value a cell's runs set: its own, its neighbours' and its shared parent's. */
export function limitsOfCell(cell: Cell): Limits[] {
  const set = cell.neighbourSet;
  return [cell.limits, ...(set?.neighbours.map((n) => n.limits) ?? []), ...(set?.parent ? [set.parent] : [])];
}

/** Does the scenario put files in the scratch directory or throttle its disk (so it must be a real disk)? */
export function needsScratch(scenario: Scenario): boolean {
  const disk = (l: Limits): boolean => knobsSet(l).some((id) => 'onDisk' in KNOBS[id]);
  return scenario.workloads.some(
    (w) =>
      usesScratch(w.params) ||
      w.limitSets.some((ls) => disk(ls.limits)) ||
      (w.neighbourSets ?? []).some(
        (set) => set.neighbours.some((n) => usesScratch(n.params) || disk(n.limits)) || (set.parent && disk(set.parent)),
      ),
  );
}

/** Limits with their IO devices resolved to whole disks; an IO weight only where the scratch disk's
 *  scheduler honours it. */
export function resolveLimitsOf(limits: Limits, scratch: () => DiskTarget): ResolvedLimits {
  const { io, ...rest } = limits;
  const out: ResolvedLimits = { ...rest };
  if (io) out.io = io.map((l) => resolveIoLimit(l, scratch));
  if (limits.ioWeight !== undefined) assertIoWeightHonoured(scratch());
  return out;
}

export function newDocument(scenario: Scenario, host: HostInfo, cells: Cell[]): ResultDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cgbench', version: host.cgbenchVersion },
    createdAt: new Date().toISOString(),
    finishedAt: null,
    status: 'running',
    host,
    scenario,
    scenarioHash: scenarioHash(scenario),
    cells,
    warnings: [],
  };
}
