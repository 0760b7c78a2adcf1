// The sampling interval of each cell: a CPU quota's cells finely enough to fold their CPU use onto the CFS
// period, the others coarsely, within what the launcher's sampling costs. Pure: the suite measures the cost.

import { keptStepMs, NICE_INTERVALS_MS, PHASE_MAX_STEP_SHARE } from '../analysis/phase.js';
import { median } from '../analysis/stats.js';
import { LAUNCHER_KEPT, SAMPLING_CPU_BUDGET } from '../model/defaults.js';
import { cpuQuotaCpus } from '../model/limits.js';
import type { Cell, CellSampling, Run, RuntimeName, Scenario } from '../model/types.js';
import { RUNTIMES } from '../runtimes/registry.js';

export interface SamplingContext {
  /** The run length the cell's runs are expected to last, ms. */
  runMs: number;
  /** The launcher's sampling CPU per tick, us, and whether it was measured here (else assumed). */
  tickCostUs: number;
  tickCostMeasured: boolean;
  /** The launcher samples from inside the group (container mode), so its CPU counts against the quota. */
  container: boolean;
}

/**
 * A cell's interval. Fixed by the scenario: that. No CPU quota: the scenario's coarse interval. A quota: the
 * finest nice interval that (a) keeps every tick of a run of the expected length within the launcher's kept
 * budget (finer ones would be halved away: CPU spent for nothing) and (b) keeps the sampling within
 * SAMPLING_CPU_BUDGET of the CPU it competes for; a tenth of the period at most, which the period-phase view
 * needs. Coarser only when (b) forbids a tenth (`cost`) or the run is too long for (a) at a tenth (`long-run`).
 */
export function chooseSampling(
  cell: Pick<Cell, 'limits'>,
  scenario: Pick<Scenario, 'sampling' | 'sampleIntervalMs'>,
  ctx: SamplingContext,
): CellSampling {
  if (scenario.sampling !== 'per-cell') return { intervalMs: scenario.sampleIntervalMs, basis: 'fixed' };
  const quota = cpuQuotaCpus(cell.limits);
  const periodUs = cell.limits.cpu?.periodUs;
  if (quota === null || periodUs === undefined) return { intervalMs: scenario.sampleIntervalMs, basis: 'coarse' };
  const known = { tickCostUs: round(ctx.tickCostUs), tickCostMeasured: ctx.tickCostMeasured, runMs: Math.round(ctx.runMs) };
  const maxMs = (periodUs / 1000) * PHASE_MAX_STEP_SHARE;
  // The interval at which sampling costs exactly the budget.
  const costMs = ctx.tickCostUs / 1000 / (SAMPLING_CPU_BUDGET * (ctx.container ? quota : 1));
  const keeps = (i: number): boolean => keptStepMs(ctx.runMs, i) === i;
  const affordable = NICE_INTERVALS_MS.filter((i) => i >= costMs);
  const fine = affordable.find(keeps);
  if (fine !== undefined && fine <= maxMs) return { intervalMs: fine, basis: 'period', ...known };
  const within = affordable.filter((i) => i <= maxMs);
  const coarsest = NICE_INTERVALS_MS.at(-1) as number;
  if (!within.length) return { intervalMs: affordable[0] ?? coarsest, basis: 'cost', ...known };
  // Too long to keep every tick at a tenth of the period: the one whose kept step (after the launcher halves its
  // ticks) is finest, the coarser of equals (the same view for less CPU).
  const step = (i: number): number => keptStepMs(ctx.runMs, i);
  const best = within.reduce((a, b) => (step(b) <= step(a) ? b : a));
  return { intervalMs: best, basis: 'long-run', ...known };
}

/** Does the runtime's launcher sample from inside the measured group (a container's PID 1), so that its CPU
 *  counts against the group's quota? Native (and its simulation) sample from outside. */
export function launcherInGroup(runtime: RuntimeName): boolean {
  return RUNTIMES[runtime]?.samplesInGroup === true;
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** Ticks fewer than this in a run say little about the cost of one. */
const MIN_TICKS = 10;

/**
 * The launcher's sampling CPU per tick over these runs (median of each run's), us; null with no run that sampled
 * enough ticks finely or reported its sampling CPU (older launchers, documents). Only fine runs (ticks under
 * LAUNCHER_KEPT.fineBelowMs apart) count: a tick after 100 ms idle reads cold files and costs several times one
 * after 1 ms (0.2 % of a core at 10 Hz against 5 % at 1 kHz on the development VM), so coarse runs would
 * overstate what fine sampling costs.
 */
export function measuredTickCostUs(runs: readonly Run[]): number | null {
  const costs = runs.flatMap((r) => {
    const tick = r.samples?.tick;
    const taken = r.samples?.taken ?? 0;
    const fine = tick !== undefined && tick.meanIntervalMs < LAUNCHER_KEPT.fineBelowMs;
    return fine && tick.cpuUs !== undefined && taken >= MIN_TICKS ? [tick.cpuUs / taken] : [];
  });
  return costs.length ? median(costs) : null;
}
