// The period phase in words: when a throttled cell spends its quota early in each CFS period and then
// stalls, what that does to work arriving in the stall, and what a shorter period or one CPU per thread
// would give; or, when the view could not be drawn, why and which sampling interval would draw it. Pure.

import type { Cell, PeriodPhase, PhaseUnavailable, Warning } from '../model/types.js';
import { PHASE_THROTTLED_SHARE, SAMPLING_CPU_BUDGET } from '../model/defaults.js';
import { USED_SHARE } from './phase.js';

/** A shorter period divides each stall by this factor (at as many more period boundaries per second). */
const SHORTER_PERIOD_FACTOR = 5;

const ms = (x: number): string => `${+x.toFixed(1)} ms`;
const cpus = (x: number): string => `${+x.toFixed(2)} CPU`;

/** Threads the workload runs (its parameter), else the CPUs the group ran on at once while it could. */
function threadsOf(cell: Pick<Cell, 'params'>, p: PeriodPhase, usedBy: number): number {
  const params = cell.params;
  if ((params.kind === 'cpu' || params.kind === 'latency') && params.threads > 0) return params.threads;
  return Math.max(1, Math.round((USED_SHARE * p.quotaMs) / Math.max(usedBy, 1e-9)));
}

/** The sentence: "2 threads used the 25 ms quota in the first 12.5 ms of each 100 ms period, then ...". */
export function phaseSentence(cell: Pick<Cell, 'params'>, p: PeriodPhase): string | null {
  const usedBy = p.quotaUsedByMs;
  if (usedBy === null || p.throttledShare < PHASE_THROTTLED_SHARE) return null;
  const threads = threadsOf(cell, p, usedBy);
  const who = `${threads} thread${threads === 1 ? '' : 's'}`;
  const which = p.throttledShare >= 0.9 ? 'each' : `${Math.round(p.throttledShare * 100)} % of the`;
  const stall = p.periodMs - usedBy;
  const latency = cell.params.kind === 'latency';
  const waiting = latency ? 'requests that arrive in that window wait' : 'work that arrives in that window waits';
  const periods = which === 'each' ? 'period' : 'periods';
  return (
    `${who} used the ${ms(p.quotaMs)} quota in the first ${ms(usedBy)} of ${which} ${ms(p.periodMs)} ${periods}, ` +
    `then stalled ${ms(stall)}: ${waiting} up to ${ms(p.longestStallMs ?? stall)}`
  );
}

/** What a shorter period and one CPU per thread would give instead. */
export function phaseAlternatives(cell: Pick<Cell, 'params'>, p: PeriodPhase): string {
  const usedBy = p.quotaUsedByMs ?? p.periodMs;
  const threads = threadsOf(cell, p, usedBy);
  const share = p.quotaMs / p.periodMs;
  const out: string[] = [];
  const shorter = p.periodMs / SHORTER_PERIOD_FACTOR;
  const stall = (p.periodMs - usedBy) / SHORTER_PERIOD_FACTOR;
  if (shorter >= 1) out.push(`a ${ms(shorter)} period at the same ${cpus(share)} would cut each stall to about ${ms(stall)}`);
  if (threads > share)
    out.push(`cpus: ${threads} (one per thread) would let ${threads === 1 ? 'it' : `all ${threads}`} run through the period`);
  return out.join('; ');
}

function foldedWarning(cell: Cell, p: PeriodPhase): Warning[] {
  const sentence = phaseSentence(cell, p);
  if (sentence === null || p.quotaUsedByMs === null) return [];
  const alternatives = phaseAlternatives(cell, p);
  return [
    {
      code: 'quota-burst',
      cellId: cell.id,
      message: `${cell.id}: ${sentence}${alternatives ? `; ${alternatives}` : ''}`,
      detail: `quota used by ${ms(p.quotaUsedByMs)} of ${ms(p.periodMs)}, stalls up to ${ms(p.longestStallMs ?? 0)}`,
      hint: 'a shorter period (cpu: {quota, period}) shortens each stall in proportion; cpus equal to the thread count removes it',
    },
  ];
}

/** What would draw the view: an interval, or (where per-cell sampling chose coarser for its cost) what that costs. */
function remedy(cell: Cell, p: PhaseUnavailable): string {
  const s = cell.sampling;
  const interval = p.useIntervalMs !== undefined ? `--sample-interval ${p.useIntervalMs}ms` : null;
  if (s?.basis === 'cost') {
    const where = cell.summary.cpuQuota !== null ? `the ${cpus(cell.summary.cpuQuota)} quota` : 'its CPU';
    return (
      `finer sampling would cost more than ${SAMPLING_CPU_BUDGET * 100} % of ${where} (the launcher samples inside the ` +
      `container, ${s.tickCostUs ?? '?'} µs a tick); ${interval ?? 'the native runtime'} would give it at that cost`
    );
  }
  return `${interval ?? 'shorter runs or a longer period'} would give it`;
}

function unavailableWarning(cell: Cell, p: PhaseUnavailable): Warning[] {
  const ratio = cell.summary.throttleRatio;
  if (ratio === null || ratio < PHASE_THROTTLED_SHARE) return [];
  const use = remedy(cell, p);
  return [
    {
      code: 'phase-not-drawn',
      cellId: cell.id,
      message: `${cell.id}: no period-phase view: ${p.reason}; ${use}`,
      detail: `${p.reason.replace(/ \(.*?\)/, '')}: ${use}`,
      hint: 'the view needs samples at a tenth of the CFS period or finer, regular and over at least three periods',
    },
  ];
}

/** The verdict on a throttled cell's period phase, or why it could not be drawn. */
export function phaseWarnings(cell: Cell): Warning[] {
  const p = cell.summary.phase;
  if (!p) return [];
  return p.status === 'folded' ? foldedWarning(cell, p) : unavailableWarning(cell, p);
}
