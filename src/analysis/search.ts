// The search behind `cgbench fit`, over one knob's values: the top of the range first, a coarse scan, then
// bisection of the bracket between the largest value that fails and the smallest that holds, until the two are
// within the precision. Pure and stateless: the next step follows from the probes judged so far, so a round
// interrupted anywhere resumes from the document.

import type { ProbeRole, ProbeVerdict } from '../model/types.js';

export interface SearchSpace {
  /** Bottom and top of the values searched. */
  range: [number, number];
  /** Done when the smallest value that holds is at most this share above the largest that fails. */
  precision: number;
  /** `log`: points spaced by ratio (CPUs, bytes: a precision is relative); `linear`: by difference (whole CPUs). */
  scale: 'log' | 'linear';
  /** Values are whole multiples of this: a millicore, a MiB, one CPU. */
  step: number;
  /** Interior points of the first scan, which also shows whether the response is monotone. */
  scan: number;
  /** Probes run at once (a cluster's nodes): bisection splits the bracket into parallel + 1 parts. */
  parallel: number;
  /** The search includes the unlimited baseline (value null): fit's own knob does, an alternative does not. */
  baseline: boolean;
  /** Measured runs a new probe gets. */
  runs: number;
}

/** A probe as the search sees it. `pending`: it needs more runs (undecided, below the most it may get). */
export interface SearchPoint {
  value: number | null;
  verdict: ProbeVerdict | 'pending';
  runs: number;
}

/** Run a probe (again) until it has `runs` measured runs. */
export interface SearchRequest {
  value: number | null;
  role: ProbeRole;
  runs: number;
}

export type SearchStep =
  | { action: 'run'; probes: SearchRequest[] }
  | { action: 'found'; value: number; failsBelow: number | null; at: 'top' | 'bottom' | 'inside' }
  /** No value in the range holds: the top fails (or is undecided); `baseline`: unlimited fails too. */
  | { action: 'none'; at: 'top' | 'baseline' };

const EPS = 1e-9;

/** The value on the space's grid nearest to v (a whole number of steps, without float dust). */
export function onGrid(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + EPS));
  return Number((Math.round(v / step) * step).toFixed(digits));
}

const same = (a: number, b: number): boolean => Math.abs(a - b) <= EPS * Math.max(1, Math.abs(a), Math.abs(b));

/** `k` points splitting (lo, hi) into k + 1 equal parts: by ratio on a log scale, by difference on a linear one. */
export function splitPoints(lo: number, hi: number, k: number, scale: SearchSpace['scale']): number[] {
  return Array.from({ length: k }, (_, i) =>
    scale === 'log' ? lo * (hi / lo) ** ((i + 1) / (k + 1)) : lo + ((hi - lo) * (i + 1)) / (k + 1),
  );
}

/** Is the bracket (lo, hi] as narrow as the precision asks, or as the grid allows? */
export function bracketClosed(lo: number, hi: number, space: Pick<SearchSpace, 'precision' | 'step'>): boolean {
  return hi <= lo * (1 + space.precision) * (1 + EPS) || hi - lo <= space.step * (1 + EPS);
}

/** Grid points among `values` strictly inside (lo, hi) that no probe has yet, each once. */
function fresh(values: number[], lo: number, hi: number, step: number, known: (v: number) => boolean): number[] {
  const out: number[] = [];
  for (const v of values.map((x) => onGrid(x, step)))
    if (v > lo + EPS && v < hi - EPS && !known(v) && !out.some((o) => same(o, v))) out.push(v);
  return out;
}

/** The scan's points: the range split evenly (on its scale), on the grid. */
export function scanValues(space: SearchSpace): number[] {
  const [lo, hi] = space.range;
  return fresh(splitPoints(lo, hi, space.scan, space.scale), lo, hi, space.step, () => false);
}

/**
 * The next step of the search. More runs for every pending probe come first (its verdict decides where the
 * bracket goes); then the top (and the baseline); a top that does not hold ends it; then the scan; then the
 * bracket between the largest value below the smallest holding one that did not hold (failed, or stayed
 * undecided: not shown to hold) and that holding one, split until closed. A bracket with no failing value
 * below it is closed by probing the bottom of the range itself.
 */
export function nextStep(space: SearchSpace, points: readonly SearchPoint[]): SearchStep {
  const pending = points.filter((p) => p.verdict === 'pending');
  if (pending.length) return { action: 'run', probes: pending.map((p) => ({ value: p.value, role: 'bisect', runs: p.runs + 1 })) };
  const [bottom, top] = space.range;
  const valued = points.filter((p): p is SearchPoint & { value: number } => p.value !== null);
  const known = (v: number): boolean => valued.some((p) => same(p.value, v));
  const at = (v: number): SearchPoint | undefined => valued.find((p) => same(p.value, v));
  const run = (values: number[], role: ProbeRole): SearchRequest[] => values.map((value) => ({ value, role, runs: space.runs }));
  const base = points.find((p) => p.value === null);
  const first: SearchRequest[] = [];
  if (space.baseline && !base) first.push({ value: null, role: 'baseline', runs: space.runs });
  if (!known(top)) first.push(...run([top], 'top'));
  if (first.length) {
    // Nodes that would idle meanwhile take the scan's points now: they are needed whenever the top holds.
    const spare = Math.max(0, space.parallel - first.length);
    return { action: 'run', probes: [...first, ...run(scanValues(space).slice(0, spare), 'scan')] };
  }
  if (at(top)?.verdict !== 'holds') return { action: 'none', at: base?.verdict === 'fails' ? 'baseline' : 'top' };
  const scan = scanValues(space).filter((v) => !known(v));
  if (scan.length) return { action: 'run', probes: run(scan, 'scan') };
  const holding = Math.min(...valued.filter((p) => p.verdict === 'holds').map((p) => p.value));
  const below = valued.filter((p) => p.value < holding - EPS && p.verdict !== 'holds').map((p) => p.value);
  const failsBelow = below.length ? Math.max(...below) : null;
  const lo = failsBelow ?? bottom;
  const where = same(holding, top) ? 'top' : same(holding, bottom) ? 'bottom' : 'inside';
  const found: SearchStep = { action: 'found', value: holding, failsBelow, at: where };
  const points2 = bracketClosed(lo, holding, space)
    ? []
    : fresh(splitPoints(lo, holding, space.parallel, space.scale), lo, holding, space.step, known);
  if (points2.length) return { action: 'run', probes: run(points2, 'bisect') };
  // Closed. Without a failing value below, the bottom itself decides whether the answer lies lower still.
  if (failsBelow === null && holding > bottom + EPS && !known(bottom)) return { action: 'run', probes: run([bottom], 'bottom') };
  return found;
}

/** Measured runs a uniform sweep of the range would take for the same precision: points spaced by the precision
 *  (by ratio on a log scale, the sweep that needs fewest points for a relative precision), each with `runs`
 *  runs, and the baseline's. */
export function sweepRuns(space: Pick<SearchSpace, 'range' | 'precision' | 'scale' | 'step' | 'runs' | 'baseline'>): number {
  const [lo, hi] = space.range;
  const gaps =
    space.scale === 'log'
      ? Math.ceil(Math.log(hi / lo) / Math.log(1 + space.precision) - EPS)
      : Math.ceil((hi - lo) / Math.max(space.step, space.precision * hi) - EPS);
  return (Math.max(0, gaps) + 1 + (space.baseline ? 1 : 0)) * space.runs;
}
