// CPU use folded onto the CFS period: where in each period a throttled group ran and where it stalled.
// Pure: from the runs' sample series (CPU used, and nr_periods / nr_throttled, which step at every
// period boundary) and the cell's quota.

import { keptBudget } from '../model/defaults.js';
import type { Cell, PeriodPhase, PhaseUnavailable, PhaseView, SampleSeries } from '../model/types.js';
import { measuredRuns } from './runs.js';
import { median, quantileSorted, sorted } from './stats.js';

/** Steps of at most this share of the period: finer places the quota's end within a tenth of it. */
export const PHASE_MAX_STEP_SHARE = 0.1;
/** Too irregular: more than this share of the sampling intervals are more than half a step off. */
const IRREGULAR_SHARE = 0.2;
const IRREGULAR_DEV = 0.5;
/** "Quota used by": the phase at which a throttled period had used this share of its CPU time. The
 *  last few percent trail off where one CPU still spends the slice it holds after another is throttled. */
export const USED_SHARE = 0.95;
/** Fewer complete periods fold into no meaningful spread. */
const MIN_PERIODS = 3;
/** Fewer rises of the CPU counter tell nothing of how often it moves. */
const MIN_COUNTER_GAPS = 8;
/** The intervals a suggestion or a per-cell choice picks from, ms. */
export const NICE_INTERVALS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** One sample interval (a, b] on the run's clock (ms since its first reading) and what changed in it. */
export interface Interval {
  a: number;
  b: number;
  usageMs: number;
  periods: number;
  throttled: number;
  throttledMs: number;
}

/** One complete period of one run: CPUs in use per phase bin, and what the kernel counted at its end. */
interface PeriodRow {
  cpu: number[];
  throttled: boolean;
  throttledMs: number;
  usedByMs: number | null;
}

const mod = (x: number, m: number): number => ((x % m) + m) % m;
/** x folded into [-m/2, m/2). */
const wrap = (x: number, m: number): number => mod(x + m / 2, m) - m / 2;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function intervalsOf(s: SampleSeries): Interval[] {
  const pick = (k: string, i: number): number => s.series[k]?.[i] ?? 0;
  return s.tMs.map((b, i) => {
    const a = i ? (s.tMs[i - 1] as number) : 0;
    const dt = b - a;
    return {
      a,
      b,
      usageMs: pick('cpuUsedCpus', i) * dt,
      periods: pick('periodsEnded', i),
      throttled: pick('throttledPeriods', i),
      throttledMs: (pick('throttledMsPerSec', i) * dt) / 1000,
    };
  });
}

/** Share of the inner intervals (the first and last are partial) more than half a step off the step. */
export function irregularShare(iv: readonly Interval[], stepMs: number): number {
  const inner = iv.slice(1, -1);
  if (!inner.length) return 0;
  return inner.filter((x) => Math.abs(x.b - x.a - stepMs) > IRREGULAR_DEV * stepMs).length / inner.length;
}

/**
 * The phase of the period boundaries on the run's clock, ms in [0, period). Each interval in which
 * nr_periods stepped holds one boundary phi + k*period, and the period timer keeps that phase for the
 * group's life (the kernel forwards it by whole periods, even across idle spells), so the intersection of
 * those windows, modulo the period, pins phi far finer than one step; when jitter leaves the windows
 * disjoint, their median does.
 */
export function boundaryPhase(iv: readonly Interval[], periodMs: number): number | null {
  const hits = iv.filter((x) => x.periods > 0);
  const first = hits[0];
  if (!first) return null;
  const ref = (first.a + first.b) / 2;
  let lo = -Infinity;
  let hi = Infinity;
  const mids: number[] = [];
  for (const h of hits) {
    const d = wrap((h.a + h.b) / 2 - ref, periodMs);
    const half = (h.b - h.a) / 2;
    lo = Math.max(lo, d - half);
    hi = Math.min(hi, d + half);
    mids.push(d);
  }
  return mod(ref + (lo <= hi ? (lo + hi) / 2 : median(mids)), periodMs);
}

/**
 * The gaps, ms, between the sample intervals in which the group's CPU counter rose, leaving out those across
 * a throttled period's end (a stall, not the counter). The kernel adds a running task's time to its cgroup
 * only at the scheduler tick and at a switch, so below the tick (4 ms at HZ=250) a one-thread loop reads
 * 4 CPUs in one 1-ms sample and none in the next three: bins finer than these gaps draw the tick.
 */
export function counterGapsMs(iv: readonly Interval[]): number[] {
  const gaps: number[] = [];
  let last: number | null = null;
  let stalled = false;
  for (const x of iv) {
    stalled ||= x.throttled > 0;
    if (x.usageMs <= 0) continue;
    if (last !== null && !stalled) gaps.push(x.b - last);
    last = x.b;
    stalled = false;
  }
  return gaps;
}

/** Adds an interval's CPU time to the bins it overlaps, spread evenly over the interval. */
function spread(usage: Float64Array, x: Interval, startMs: number, binMs: number): void {
  if (x.usageMs <= 0) return;
  if (x.b <= x.a) {
    const g = Math.floor((x.b - startMs) / binMs);
    if (g >= 0 && g < usage.length) usage[g] = (usage[g] as number) + x.usageMs;
    return;
  }
  const rate = x.usageMs / (x.b - x.a);
  const g0 = Math.max(0, Math.floor((x.a - startMs) / binMs));
  const g1 = Math.min(usage.length, Math.ceil((x.b - startMs) / binMs));
  for (let g = g0; g < g1; g++) {
    const lo = Math.max(x.a, startMs + g * binMs);
    const hi = Math.min(x.b, startMs + (g + 1) * binMs);
    if (hi > lo) usage[g] = (usage[g] as number) + rate * (hi - lo);
  }
}

/** A throttled group runs again only once the boundary that ends its period unthrottles it: the CPU time
 *  of an interval holding that boundary was all spent after it, not spread over the stall before. */
function afterThrottledBoundary(x: Interval, phiMs: number, periodMs: number): Interval {
  if (x.periods <= 0 || x.throttled <= 0) return x;
  const boundary = phiMs + Math.round(((x.a + x.b) / 2 - phiMs) / periodMs) * periodMs;
  return { ...x, a: Math.min(x.b, Math.max(x.a, boundary)) };
}

/** The phase (ms) at which a period's cumulative CPU time reached USED_SHARE of its total. */
function usedBy(usageMs: readonly number[], binMs: number): number | null {
  const total = usageMs.reduce((s, u) => s + u, 0);
  if (total <= 0) return null;
  const target = USED_SHARE * total;
  let cum = 0;
  for (let j = 0; j < usageMs.length; j++) {
    const u = usageMs[j] as number;
    if (cum + u >= target) return (j + (u > 0 ? (target - cum) / u : 0)) * binMs;
    cum += u;
  }
  return usageMs.length * binMs;
}

/** A run's complete periods, from its first boundary on, each cut into `bins` phase bins. */
export function foldRun(iv: readonly Interval[], phiMs: number, periodMs: number, bins: number): PeriodRow[] {
  const binMs = periodMs / bins;
  const n = Math.max(0, Math.floor(((iv.at(-1)?.b ?? 0) - phiMs) / periodMs));
  const usage = new Float64Array(n * bins);
  for (const x of iv) spread(usage, afterThrottledBoundary(x, phiMs, periodMs), phiMs, binMs);
  const rows: PeriodRow[] = [];
  for (let k = 0; k < n; k++) {
    const u = Array.from(usage.subarray(k * bins, (k + 1) * bins));
    rows.push({ cpu: u.map((v) => v / binMs), throttled: false, throttledMs: 0, usedByMs: null });
  }
  // nr_throttled steps with nr_periods, at the boundary that ends the period; throttled_time can land a sample
  // later (seen at 1-2 ms samples on a 6.x kernel), so it goes to the period whose end is nearest.
  for (const x of iv) {
    if (x.periods <= 0 && x.throttledMs <= 0) continue;
    const row = rows[Math.round(((x.a + x.b) / 2 - phiMs) / periodMs) - 1];
    if (!row) continue;
    row.throttled ||= x.throttled > 0;
    row.throttledMs += x.throttledMs;
  }
  for (const [k, row] of rows.entries())
    if (row.throttled) row.usedByMs = usedBy(Array.from(usage.subarray(k * bins, (k + 1) * bins)), binMs);
  return rows;
}

/** Bins per period: as many as fit at the sample step, never narrower than 1 ms. */
export function phaseBins(periodMs: number, stepMs: number): number {
  return Math.max(1, Math.floor(periodMs / Math.max(1, stepMs) + 1e-9));
}

type PhaseBase = Pick<PeriodPhase, 'status' | 'periodMs' | 'quotaMs' | 'binMs' | 'stepMs'>;

/** Median, 10th and 90th percentile of every bin over the periods, and the per-period figures. */
function summarizeRows(rows: PeriodRow[], base: PhaseBase): PeriodPhase {
  const bins = rows[0]?.cpu.length ?? 0;
  const q = (p: number): number[] =>
    Array.from({ length: bins }, (_, j) => round3(quantileSorted(sorted(rows.map((r) => r.cpu[j] as number)), p)));
  const throttled = rows.filter((r) => r.throttled);
  const used = throttled.map((r) => r.usedByMs).filter((x): x is number => x !== null);
  const stalls = used.map((u) => base.periodMs - u);
  return {
    ...base,
    periods: rows.length,
    cpuMedian: q(0.5),
    cpuP10: q(0.1),
    cpuP90: q(0.9),
    throttledShare: rows.length ? throttled.length / rows.length : 0,
    quotaUsedByMs: used.length ? round3(median(used)) : null,
    throttledMsPerPeriod: throttled.length ? round3(median(throttled.map((r) => r.throttledMs))) : null,
    longestStallMs: stalls.length ? round3(Math.max(...stalls)) : null,
  };
}

/** The effective step (interval x stride) the launcher would keep for a run of `runMs` at `intervalMs`. */
export function keptStepMs(runMs: number, intervalMs: number): number {
  const ticks = runMs / intervalMs;
  let stride = 1;
  while (ticks / stride >= keptBudget(intervalMs)) stride *= 2;
  return intervalMs * stride;
}

/** The coarsest --sample-interval whose kept step is fine enough for this period and run length. */
export function suggestedIntervalMs(periodMs: number, runMs: number): number | undefined {
  const fine = NICE_INTERVALS_MS.filter((i) => keptStepMs(runMs, i) <= periodMs * PHASE_MAX_STEP_SHARE);
  return fine.at(-1);
}

function unavailable(
  status: PhaseUnavailable['status'],
  periodMs: number,
  stepMs: number,
  reason: string,
  runMs: number,
): PhaseUnavailable {
  const out: PhaseUnavailable = { status, periodMs, stepMs, reason };
  const use = suggestedIntervalMs(periodMs, runMs);
  if (use !== undefined && status !== 'no-boundaries') out.useIntervalMs = use;
  return out;
}

const ms = (x: number): string => `${+x.toFixed(1)} ms`;

/** Why the series are too coarse, naming the halving when the launcher's keep budget caused it. */
function coarseReason(stepMs: number, periodMs: number, s: SampleSeries): string {
  const raw = s.tick?.meanIntervalMs;
  const halved = raw !== undefined && stepMs >= 1.5 * raw ? ` (sampled every ${ms(raw)}, halved to fit the launcher's kept ticks)` : '';
  return `samples every ${ms(stepMs)}${halved}, more than a tenth of the ${ms(periodMs)} period`;
}

/** The cell's measured runs folded onto its CFS period; undefined without a quota or samples. */
export function periodPhase(cell: Pick<Cell, 'limits' | 'runs'>): PhaseView | undefined {
  const cpu = cell.limits.cpu;
  const runs = measuredRuns(cell).flatMap((r) => (r.samples?.tMs.length ? [r.samples] : []));
  if (!cpu || cpu.quotaUs === null || !runs.length) return undefined;
  const periodMs = cpu.periodUs / 1000;
  const stepMs = Math.max(...runs.map((s) => s.intervalMs));
  const runMs = Math.max(...runs.map((s) => s.tMs.at(-1) ?? 0));
  const longest = runs.find((s) => s.intervalMs === stepMs) as SampleSeries;
  if (stepMs > periodMs * PHASE_MAX_STEP_SHARE)
    return unavailable('too-coarse', periodMs, stepMs, coarseReason(stepMs, periodMs, longest), runMs);
  const series = runs.map(intervalsOf);
  const irregular = Math.max(...series.map((iv) => irregularShare(iv, stepMs)));
  if (irregular > IRREGULAR_SHARE)
    return unavailable(
      'too-irregular',
      periodMs,
      stepMs,
      `${Math.round(irregular * 100)} % of the sampling intervals were more than half a step off (a busy machine)`,
      runMs,
    );
  const gaps = series.flatMap(counterGapsMs);
  const counterMs = gaps.length >= MIN_COUNTER_GAPS ? round3(median(gaps)) : null;
  const bins = phaseBins(periodMs, Math.max(stepMs, counterMs ?? 0));
  const rows = series.flatMap((iv) => {
    const phi = boundaryPhase(iv, periodMs);
    return phi === null ? [] : foldRun(iv, phi, periodMs, bins);
  });
  if (!series.some((iv) => iv.some((x) => x.periods > 0)))
    return unavailable(
      'no-boundaries',
      periodMs,
      stepMs,
      'the samples carry no nr_periods steps (no cpu.stat counts in the series)',
      runMs,
    );
  if (rows.length < MIN_PERIODS)
    return unavailable('too-short', periodMs, stepMs, `only ${rows.length} complete period(s) of ${ms(periodMs)} were sampled`, runMs);
  const base: PhaseBase = { status: 'folded', periodMs, quotaMs: cpu.quotaUs / 1000, binMs: periodMs / bins, stepMs };
  const view = summarizeRows(rows, base);
  return counterMs === null ? view : { ...view, counterStepMs: counterMs };
}
