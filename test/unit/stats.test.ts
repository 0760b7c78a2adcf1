import { describe, expect, it } from 'vitest';
import {
  mannWhitneyCritical,
  describe as stats,
  mad,
  mean,
  median,
  oneSidedBounds,
  outliers,
  pairedRatio,
  pairsForTarget,
  ratioInterval,
  runsForRatioInterval,
  stdev,
  tQuantile,
  tQuantile975,
} from '../../src/analysis/stats.js';

describe('statistics (hand-computed values)', () => {
  const xs = [2, 4, 4, 4, 5, 5, 7, 9];
  it('median, mean, sd, MAD', () => {
    expect(median(xs)).toBe(4.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(mean(xs)).toBe(5);
    // sum of squares 32, n-1 = 7
    expect(stdev(xs)).toBeCloseTo(Math.sqrt(32 / 7), 12);
    // |x - 4.5| = 2.5 .5 .5 .5 .5 .5 2.5 4.5 -> median 0.5
    expect(mad(xs)).toBe(0.5);
  });
  it('95 % CI of the mean with Student t', () => {
    const s = stats([10, 12, 14]);
    // mean 12, sd 2, t(2) = 4.303, half = 4.303 * 2 / sqrt 3
    const half = (4.303 * 2) / Math.sqrt(3);
    expect(s?.ci95[0]).toBeCloseTo(12 - half, 9);
    expect(s?.ci95[1]).toBeCloseTo(12 + half, 9);
    expect(s?.cv).toBeCloseTo(2 / 12, 12);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(1000)).toBe(1.96);
  });
  it('flags outliers beyond 3 robust sigmas', () => {
    expect(outliers([10, 10.1, 9.9, 10.05, 30])).toEqual([30]);
    expect(outliers([1, 2])).toEqual([]);
  });
  it('single value and empty input', () => {
    expect(stats([5])).toMatchObject({ n: 1, median: 5, sd: 0, ci95: [5, 5], cv: 0 });
    expect(stats([])).toBeUndefined();
  });
});

describe('median interval and adaptive stopping', () => {
  it('uses order statistics for the median CI', async () => {
    const { medianCi95, relativeHalfWidth } = await import('../../src/analysis/stats.js');
    expect(medianCi95([1, 2, 3, 4, 5])).toBeNull();
    // n = 6: P(X <= 0) = 1/64 <= 0.025 < P(X <= 1): [x1, x6]
    expect(medianCi95([6, 1, 5, 2, 4, 3])).toEqual([1, 6]);
    // n = 10: P(X <= 1) = 11/1024, P(X <= 2) = 56/1024: [x2, x9]
    expect(medianCi95([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([2, 9]);
    // n = 20: P(X <= 5) = 0.0207, P(X <= 6) = 0.0577: [x6, x15]
    expect(medianCi95(Array.from({ length: 20 }, (_, i) => i + 1))).toEqual([6, 15]);
    expect(relativeHalfWidth([10, 10, 10])).toBe(0);
  });
});

describe('the slowdown interval: Mann-Whitney inverted on the run-time ratio', () => {
  it('takes its critical values from the exact null distribution (published two-sided 5 % table)', () => {
    // Tables list the largest U that rejects; k is one more. 3 + 3 and 3 + 4 runs cannot reach 5 % at all.
    const table: [number, number, number][] = [
      [3, 3, 0],
      [3, 4, 0],
      [3, 5, 1],
      [4, 4, 1],
      [5, 5, 3],
      [6, 6, 6],
      [3, 10, 4],
      [8, 8, 14],
      [10, 10, 24],
    ];
    for (const [n1, n2, k] of table) expect(mannWhitneyCritical(n1, n2, 0.025), `${n1}+${n2}`).toBe(k);
    expect(mannWhitneyCritical(30, 30, 0.025)).toBe(318);
    // Beyond 60 values the normal approximation, continuous with the exact values at the boundary.
    const approx = mannWhitneyCritical(30, 31, 0.025);
    expect(approx).toBeGreaterThan(318);
    expect(approx).toBeLessThan(318 + 20);
  });

  it('is the k-th smallest and largest of the pairwise ratios', () => {
    // 4 + 4 runs: k = 1, the interval is [min, max] of the 16 ratios.
    expect(ratioInterval([2, 2.2, 1.8, 2.1], [1, 1.1, 0.9, 1])).toEqual([1.8 / 1.1, 2.2 / 0.9]);
    const r = ratioInterval([20, 21, 19, 20.5, 19.5], [10, 10.2, 9.8, 10.1, 9.9]) as [number, number];
    expect(r[0]).toBeLessThan(2);
    expect(r[1]).toBeGreaterThan(2);
    // k = 3 of 25: tighter than [min, max].
    expect(r[0]).toBeGreaterThan(19 / 10.2);
    expect(ratioInterval([2, 2.1, 1.9], [1, 1.1, 0.9])).toBeNull();
    expect(ratioInterval([2], [0])).toBeNull();
  });

  it('pairs, below six: the median ratio with a Student-t interval on the logs', () => {
    // Ratios 2, 2.2 and 1.8: median 2; logs mean 0.6903 (geometric mean 1.9937), sd 0.1003; t(2) = 4.303.
    const p = pairedRatio([
      [2, 1],
      [4.4, 2],
      [0.9, 0.5],
    ]);
    expect(p?.ratio).toBeCloseTo(2, 9);
    expect(p?.sdLog).toBeCloseTo(0.1003, 3);
    const half = (4.303 * 0.1003) / Math.sqrt(3);
    expect(p?.range?.[0]).toBeCloseTo(1.9937 * Math.exp(-half), 2);
    expect(p?.range?.[1]).toBeCloseTo(1.9937 * Math.exp(half), 2);
    // Two pairs: their geometric mean.
    expect(
      pairedRatio([
        [2, 1],
        [8, 1],
      ])?.ratio,
    ).toBeCloseTo(4, 9);
    // A drift shared by both runs of a block cancels: the same ratio at any speed gives a zero-width interval.
    const shared = pairedRatio([
      [10, 1],
      [15, 1.5],
      [8, 0.8],
    ])?.range;
    expect(shared?.[0]).toBeCloseTo(10, 9);
    expect(shared?.[1]).toBeCloseTo(10, 9);
    expect(pairedRatio([[3, 1]])?.range).toBeNull();
    expect(pairedRatio([])).toBeNull();
    expect(pairedRatio([[1, 0]])).toBeNull();
  });

  it('pairs, from six: the median ratio with its order-statistic interval, so pairs split by a slow spell do not drag it', () => {
    // Twelve blocks of a loop at a tenth of a CPU: nine pairs near 10x, three where one run of the pair fell in a
    // spell that made the machine 1.7x slower (two the limited run: 17x, one the baseline: 5.9x).
    const ratios = [9.9, 10.1, 10.0, 17.0, 9.8, 10.2, 10.05, 5.9, 9.95, 17.2, 10.15, 9.85];
    const p = pairedRatio(ratios.map((r) => [r, 1]));
    expect(p?.n).toBe(12);
    // Sorted: 5.9 9.8 9.85 9.9 9.95 10 10.05 10.1 10.15 10.2 17 17.2; median (10 + 10.05) / 2 in logs.
    expect(p?.ratio).toBeCloseTo(Math.sqrt(10 * 10.05), 9);
    // n = 12: P(Bin(12, 1/2) <= 2) = 0.0193 <= 0.025 < P(<= 3): the 3rd smallest and the 3rd largest.
    expect(p?.range?.[0]).toBeCloseTo(9.85, 9);
    expect(p?.range?.[1]).toBeCloseTo(10.2, 9);
    // The mean of the logs would read 10.46x, pulled by the two slow limited runs.
    const meanLog = ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length;
    expect(Math.exp(meanLog)).toBeGreaterThan(10.4);
    // The spread it reports is the median's (from the MAD), not the sd the three split pairs inflate.
    expect(p?.sdLog).toBeLessThan(0.05);
  });

  it('says how many pairs a target interval needs', () => {
    // t(n-1) 0.05 / sqrt(n) <= log 1.02 = 0.0198: n = 27 (t 2.056 -> 0.0198), not 26.
    expect(pairsForTarget(0.05, 0.02)).toBe(27);
    expect(pairsForTarget(0, 0.02)).toBe(2);
  });

  it('says how many runs an interval needs against the baseline', () => {
    expect([1, 2, 3, 4, 5, 10].map((m) => runsForRatioInterval(m))).toEqual([39, 8, 5, 4, 3, 2]);
    for (const m of [3, 4, 5, 10]) {
      const n = runsForRatioInterval(m);
      expect(mannWhitneyCritical(n, m, 0.025)).toBeGreaterThanOrEqual(1);
      expect(mannWhitneyCritical(n - 1, m, 0.025)).toBe(0);
    }
  });
});

describe('tQuantile and one-sided bounds', () => {
  it('matches the 97.5 % table at every df it has, and known one-sided quantiles', () => {
    for (let df = 1; df <= 30; df++) expect(tQuantile(0.975, df)).toBeCloseTo(tQuantile975(df), 2);
    expect(tQuantile(0.95, 2)).toBeCloseTo(2.92, 2);
    expect(tQuantile(0.95, 10)).toBeCloseTo(1.812, 3);
    expect(tQuantile(0.995, 3)).toBeCloseTo(5.841, 2);
    expect(tQuantile(0.5, 3)).toBeNaN();
  });

  it('uses order statistics once they exist at the level (5 runs at 95 %), the mean t bounds before', () => {
    expect(oneSidedBounds([5, 1, 4, 2, 3], 0.95)).toEqual({ low: 1, high: 5, method: 'order' });
    expect(oneSidedBounds([1, 2, 3, 4, 5, 6, 7, 8], 0.95)).toEqual({ low: 2, high: 7, method: 'order' });
    const t = oneSidedBounds([1, 2, 3], 0.95);
    expect(t?.method).toBe('t');
    expect(t?.high).toBeCloseTo(2 + 2.92 / Math.sqrt(3), 2);
    expect(oneSidedBounds([1], 0.95)).toBeNull();
  });
});
