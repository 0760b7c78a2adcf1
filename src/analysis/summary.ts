// Derives a cell's summary from its runs and its baseline's runs: wall-time spread, slowdown
// against the baseline (with its exact interval), what the limit should cause, and how well it was enforced.

import { cpuQuotaCpus, ioRateLimit } from '../model/limits.js';
import { cpuUsedCpus, runDelta, throttledMsPerSec, throttleRatio, workloadBytesPerSec } from '../model/metrics.js';
import { usesScratch } from '../model/params.js';
import type { Cell, CellRanges, CellSummary, Outcome } from '../model/types.js';
import { expectedIoRate, expectedOutcomes, expectedSlowdown, isUnexpected, type ModelContext } from './expected.js';
import { contentionOf, costOf } from './contention.js';
import { costEvidence } from './evidence.js';
import { summarizeNamedMetrics } from './named.js';
import { periodPhase } from './phase.js';
import { finiteValues, measuredRuns, medianOf, type OkRun } from './runs.js';
import { describe, medianInterval, ratioInterval, runsForRatioInterval } from './stats.js';

/** The blocks (interleaved order) in which both the cell and its baseline have a measured ok run. */
export function sharedBlocks(runs: readonly OkRun[], baseRuns: readonly OkRun[]): number {
  const base = new Set(baseRuns.flatMap((r) => (r.block === undefined ? [] : [r.block])));
  return runs.filter((r) => r.block !== undefined && base.has(r.block)).length;
}

/** `alone`: for a cell measured next to neighbours, the same workload and limits alone (the contention view). */
export function summarizeCell(cell: Cell, baseline: Cell | undefined, ctx: ModelContext, alone?: Cell): CellSummary {
  const counted = cell.runs.filter((r) => !r.warmup);
  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const r of counted) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const ok = measuredRuns(cell);
  const wall = describe(ok.map((r) => r.metrics.wallNs));
  const medianWallNs = wall ? wall.median : null;

  // The slowdown is the ratio of the medians in either order, with the distribution-free interval of the
  // ratio. Interleaved order does not pair a block's runs: it spreads the machine's drift and its slow spells
  // over every cell alike, so they widen the interval instead of moving one cell (see README, Run order).
  let slowdown: number | null = null;
  let slowdownRange: [number, number] | null = null;
  let slowdownRunsNeeded: number | undefined;
  const walls = ok.map((r) => r.metrics.wallNs);
  const baseWalls = baseline ? measuredRuns(baseline).map((r) => r.metrics.wallNs) : [];
  const baseWall = describe(baseWalls);
  const blocks = baseline ? sharedBlocks(ok, measuredRuns(baseline)) : 0;
  if (wall && baseWall && baseWall.median > 0) {
    slowdown = wall.median / baseWall.median;
    slowdownRange = ratioInterval(walls, baseWalls);
    if (!slowdownRange) slowdownRunsNeeded = runsForRatioInterval(baseWalls.length);
  }

  const cpus = finiteValues(ok.map(cpuUsedCpus));
  const cpuGranted = medianOf(cpus);
  const cpuQuota = cpuQuotaCpus(cell.limits);
  const peaks = counted.map((r) => r.after?.memory?.peakBytes).filter((x): x is number => typeof x === 'number');
  const oomKills = counted.reduce(
    (sum, r) => sum + Math.max(runDelta(r, (x) => x.memory?.oomKills) ?? 0, r.outcome === 'oom-killed' ? 1 : 0),
    0,
  );
  const bps = cell.params.kind === 'io' ? ioRateLimit(cell.limits, cell.params.mode).bps : null;
  const rates = usesScratch(cell.params) ? finiteValues(ok.map(workloadBytesPerSec)) : [];
  const ioBytesPerSec = usesScratch(cell.params) ? medianOf(rates) : null;
  const startups = counted.map((r) => r.startupNs ?? r.launchOverheadNs);

  const expect = cell.expect ?? expectedOutcomes(cell);
  const contention = contentionOf(cell, alone, ctx);
  // Beside neighbours the limit's model alone would understate: it also loses the share the fair-share model says.
  let expected = expectedSlowdown(cell, baseline, ctx);
  if (cell.neighbourSet) expected = expected !== null && contention?.expectedShareKept ? expected / contention.expectedShareKept : null;
  const summary: CellSummary = {
    measuredRuns: ok.length,
    outcomes,
    unexpectedRuns: cell.runs.filter((r) => isUnexpected(r, expect)).length,
    medianWallNs,
    slowdown,
    expectedSlowdown: expected,
    cpuGranted,
    cpuQuota,
    cpuEnforcement: cpuGranted !== null && cpuQuota !== null ? cpuGranted / cpuQuota : null,
    throttleRatio: medianOf(ok.map(throttleRatio)),
    throttledMsPerSec: medianOf(ok.map(throttledMsPerSec)),
    peakMemoryBytes: peaks.length ? Math.max(...peaks) : null,
    oomKills,
    majorFaults: medianOf(ok.map((r) => runDelta(r, (x) => x.memory?.majorFaults))),
    ioBytesPerSec,
    ioLimitBytesPerSec: bps,
    ioEnforcement: ioBytesPerSec !== null && bps !== null ? ioBytesPerSec / bps : null,
    medianStartupNs: medianOf(startups),
  };
  const ioModel = expectedIoRate(cell, baseline, ctx);
  if (ioModel) summary.ioExpectedBytesPerSec = ioModel;
  if (wall) summary.wall = wall;
  // A cpu workload always reports cpu_ns and ops: CPU per op, as the contention view counts it.
  const cost = (runs: OkRun[]): number | null => medianOf(runs.map((r) => costOf(r, true)));
  if (baseline && cell.params.kind === 'cpu') {
    const mine = cost(ok);
    const base = cost(measuredRuns(baseline));
    if (mine !== null && base !== null && base > 0) summary.cpuCostRatio = mine / base;
  }
  const evidence = costEvidence(cell, baseline);
  if (evidence) summary.costEvidence = evidence;
  // Times and rates are never negative, however wide a t interval from few runs would reach.
  const ranges: CellRanges = {};
  const put = (key: keyof CellRanges, values: number[]): void => {
    const r = medianInterval(values, 0);
    if (r) ranges[key] = r;
  };
  put('wallNs', walls);
  put('cpuGranted', cpus);
  put('ioBytesPerSec', rates);
  if (slowdownRange) summary.slowdownRange = slowdownRange;
  if (slowdownRunsNeeded !== undefined) summary.slowdownRunsNeeded = slowdownRunsNeeded;
  if (blocks) summary.slowdownPairs = blocks;
  const phase = periodPhase(cell);
  if (phase) summary.phase = phase;
  if (cell.params.kind === 'latency') {
    const pick = (runs: OkRun[], key: string): number | null => medianOf(runs.map((r) => r.metrics[key] as number | undefined));
    const p50 = pick(ok, 'p50Ns');
    const p99 = pick(ok, 'p99Ns');
    const max = pick(ok, 'maxNs');
    if (p50 !== null && p99 !== null && max !== null) {
      summary.latency = { p50Ns: p50, p99Ns: p99, maxNs: max };
      put('p99Ns', finiteValues(ok.map((r) => r.metrics.p99Ns as number | undefined)));
      // A fixed-duration workload's wall time says nothing: the limit shows in its tail latency.
      const baseP99 = baseline ? pick(measuredRuns(baseline), 'p99Ns') : null;
      if (baseP99 !== null && baseP99 > 0) summary.latency.p99Ratio = p99 / baseP99;
    }
  }
  if (contention) summary.contention = contention;
  if (Object.keys(ranges).length) summary.ranges = ranges;
  const named = summarizeNamedMetrics(ok, baseline ? measuredRuns(baseline) : []);
  if (named.length) summary.namedMetrics = named;
  return summary;
}
