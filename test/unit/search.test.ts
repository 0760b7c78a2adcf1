// The search over simulated responses: a threshold anywhere in the range is found within the precision, at the
// top or the bottom when it lies there, not at all when the top fails; undecided probes get more runs first; a
// cluster's nodes split the bracket; and it needs far fewer runs than a uniform sweep of the same precision.
import { describe, expect, it } from 'vitest';
import { checkSlo, parseSlo } from '../../src/analysis/slo.js';
import { bracketClosed, nextStep, onGrid, type SearchPoint, type SearchSpace, sweepRuns } from '../../src/analysis/search.js';
import type { Run } from '../../src/model/types.js';

const SPACE: SearchSpace = { range: [0.1, 4], precision: 0.05, scale: 'log', step: 0.001, scan: 3, parallel: 1, baseline: true, runs: 3 };

/** Drives the search to its end with a verdict per value (null: the baseline); counts runs and rounds. */
function drive(space: SearchSpace, verdict: (v: number | null, runs: number) => SearchPoint['verdict']) {
  const points: SearchPoint[] = [];
  let runs = 0;
  let rounds = 0;
  for (let guard = 0; guard < 200; guard++) {
    const step = nextStep(space, points);
    if (step.action !== 'run') return { step, runs, rounds, points };
    rounds++;
    for (const r of step.probes) {
      const at = points.find((p) => p.value === r.value);
      runs += r.runs - (at?.runs ?? 0);
      const next = { value: r.value, runs: r.runs, verdict: verdict(r.value, r.runs) };
      if (at) Object.assign(at, next);
      else points.push(next);
    }
  }
  throw new Error('the search did not end');
}

const threshold = (t: number) => (v: number | null) => (v === null || v >= t ? 'holds' : 'fails');

describe('nextStep on a monotone response', () => {
  it.each([0.1005, 0.13, 0.2, 0.37, 0.9, 1.7, 3.3])('finds a threshold at %s within the precision', (t) => {
    const { step } = drive(SPACE, threshold(t));
    expect(step.action).toBe('found');
    if (step.action !== 'found') return;
    expect(step.value).toBeGreaterThanOrEqual(t);
    expect(step.value).toBeLessThanOrEqual(t * (1 + SPACE.precision) + SPACE.step);
    if (step.failsBelow !== null) expect(bracketClosed(step.failsBelow, step.value, SPACE)).toBe(true);
  });

  it('an SLO that holds unlimited and fails everywhere below is found at the top', () => {
    const { step } = drive(SPACE, (v) => (v === null || v >= 4 ? 'holds' : 'fails'));
    expect(step).toMatchObject({ action: 'found', value: 4, at: 'top' });
    if (step.action === 'found') expect(step.failsBelow).toBeGreaterThanOrEqual(4 / 1.05 - 0.001);
  });

  it('one that holds at the bottom is found there, by probing the bottom itself', () => {
    const { step, points } = drive(SPACE, threshold(0.05));
    expect(step).toMatchObject({ action: 'found', value: 0.1, failsBelow: null, at: 'bottom' });
    expect(points.some((p) => p.value === 0.1)).toBe(true);
  });

  it('a top that fails ends it: none, and "baseline" when unlimited fails too', () => {
    expect(drive(SPACE, threshold(5)).step).toEqual({ action: 'none', at: 'top' });
    expect(drive(SPACE, () => 'fails').step).toEqual({ action: 'none', at: 'baseline' });
    // The top undecided after its runs is not shown to hold either.
    expect(drive(SPACE, (v) => (v === null ? 'holds' : 'undecided')).step).toEqual({ action: 'none', at: 'top' });
  });

  it('asks for more runs of a pending probe before it moves, and counts an undecided one as not holding', () => {
    // 0.35..0.4 stays unclear: pending below 6 runs, undecided after.
    const { step, points } = drive(SPACE, (v, runs) =>
      v === null || v >= 0.4 ? 'holds' : v > 0.35 ? (runs < 6 ? 'pending' : 'undecided') : 'fails',
    );
    expect(step).toMatchObject({ action: 'found' });
    if (step.action === 'found') expect(step.value).toBeGreaterThanOrEqual(0.4);
    const unclear = points.filter((p) => p.value !== null && p.value > 0.35 && p.value < 0.4);
    expect(unclear.length).toBeGreaterThan(0);
    expect(unclear.every((p) => p.runs === 6 && p.verdict === 'undecided')).toBe(true);
  });

  it('on a linear grid of whole CPUs closes at one CPU apart', () => {
    const cpus: SearchSpace = { ...SPACE, range: [1, 8], scale: 'linear', step: 1, scan: 0, baseline: false };
    const { step, points } = drive(cpus, threshold(3));
    expect(step).toMatchObject({ action: 'found', value: 3, failsBelow: 2 });
    expect(points.every((p) => p.value !== null && Number.isInteger(p.value))).toBe(true);
  });

  it('with several nodes runs the scan with the top and splits the bracket into parallel + 1 parts', () => {
    const one = drive(SPACE, threshold(0.2));
    const three = drive({ ...SPACE, parallel: 3 }, threshold(0.2));
    expect(three.rounds).toBeLessThan(one.rounds);
    const first = nextStep({ ...SPACE, parallel: 5 }, []);
    expect(first.action === 'run' && first.probes.map((p) => p.role)).toEqual(['baseline', 'top', 'scan', 'scan', 'scan']);
    expect(three.step).toMatchObject({ action: 'found' });
  });

  it('takes at most a third of the runs of a uniform sweep at the same precision', () => {
    expect(sweepRuns(SPACE)).toBe((Math.ceil(Math.log(40) / Math.log(1.05)) + 2) * 3);
    for (const t of [0.12, 0.5, 2.2]) expect(drive(SPACE, threshold(t)).runs).toBeLessThanOrEqual(sweepRuns(SPACE) / 3);
  });

  it('puts values on the grid without float dust', () => {
    expect(onGrid(0.1 * 3, 0.001)).toBe(0.3);
    expect(onGrid(12345678, 1048576)).toBe(12582912);
  });
});

describe('the search with statistical verdicts over noisy simulated runs', () => {
  const slo = parseSlo('p99 <= 10ms');
  /** p99 of a run at quota q: 2 ms above the demand plus 1 ms (q above 0.3), a growing queue below it; 8 % noise. */
  const p99 = (q: number | null, i: number): number => {
    const noise = 1 + 0.08 * Math.sin(i * 12.9898 + (q ?? 9) * 78.233);
    if (q === null || q >= 0.3) return 2e6 * noise;
    return (2e6 + (0.3 / q - 1) * 400e6) * noise;
  };
  const judge =
    (maxRuns: number) =>
    (v: number | null, runs: number): SearchPoint['verdict'] => {
      const list = Array.from(
        { length: runs },
        (_, i) => ({ outcome: 'ok', warmup: false, metrics: { wallNs: 1, p99Ns: p99(v, i) } }) as unknown as Run,
      );
      const c = checkSlo(slo, list, null, 0.95);
      return c.verdict === 'undecided' ? (runs < maxRuns ? 'pending' : 'undecided') : c.verdict;
    };

  it('finds the knee within the precision', () => {
    const { step, runs } = drive(SPACE, judge(8));
    expect(step.action).toBe('found');
    // p99 crosses 10 ms just below 0.3 CPU (the queue adds 8 ms at 0.294).
    if (step.action === 'found') {
      expect(step.value).toBeGreaterThan(0.28);
      expect(step.value).toBeLessThanOrEqual(0.3 * 1.05 + 0.001);
    }
    expect(runs).toBeLessThanOrEqual(sweepRuns(SPACE) / 3);
  });
});
