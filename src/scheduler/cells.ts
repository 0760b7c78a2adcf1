// The matrix of a scenario: cells (workload x runtime x limit set, baseline first), their ids, the
// limits resolved to real disks, and the empty result document a suite fills in. Pure but for disk lookups.

import { createHash } from 'node:crypto';
import { expectedOutcomes } from '../analysis/expected.js';
import type { DiskTarget } from '../cgroup/disk.js';
import { resolveIoLimit } from '../cgroup/disk.js';
import { BASELINE_NAME, SCHEMA_VERSION } from '../model/defaults.js';
import type { Cell, CellSummary, HostInfo, ResolvedLimits, ResultDocument, Scenario } from '../model/types.js';
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

export function cellId(workload: string, runtime: string, limitSet: string): string {
  return `${workload} / ${limitSet} / ${runtime}`;
}

/** Workloads x runtimes x limit sets, baseline first within each (workload, runtime). */
export function expandCells(scenario: Scenario): Cell[] {
  const cells: Cell[] = [];
  for (const w of scenario.workloads) {
    for (const runtime of scenario.runtimes) {
      const baseId = cellId(w.name, runtime, w.limitSets[0]?.name ?? BASELINE_NAME);
      for (const ls of w.limitSets) {
        const id = cellId(w.name, runtime, ls.name);
        cells.push({
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
        });
      }
    }
  }
  return cells;
}

/** Does the scenario put files in the scratch directory or throttle its disk (so it must be a real disk)? */
export function needsScratch(scenario: Scenario): boolean {
  return scenario.workloads.some((w) => usesScratch(w.params) || w.limitSets.some((ls) => ls.limits.io?.length));
}

export function resolveLimits(cell: Cell, scratch: () => DiskTarget): ResolvedLimits {
  const { io, ...rest } = cell.limits;
  const out: ResolvedLimits = { ...rest };
  if (io) out.io = io.map((l) => resolveIoLimit(l, scratch));
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
