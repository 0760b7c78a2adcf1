import { describe, expect, it } from 'vitest';
import {
  mannWhitneyCritical,
  describe as stats,
  logSpread,
  midranks,
  spearman,
  mad,
  mean,
  median,
  oneSidedBounds,
  outliers,
  ratioInterval,
  runsForRatioInterval,
  runsForTarget,
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

  it("gives the log spread a median's interval narrows with: the sd below six values, the robust one from six", () => {
    // Logs of 1000, 1200, 900, 1100 ms: sd 0.1238.
    expect(logSpread([1000, 1200, 900, 1100])).toBeCloseTo(0.1238, 4);
    // Twelve runs of a loop, two of them in a slow spell (1.7x): the sd of the logs is 0.22, but the spread the
    // median's interval narrows with comes from the MAD of the logs (1.4826 x 0.00995 x sqrt(pi / 2)).
    const runs = [600, 606, 594, 1020, 603, 597, 612, 588, 1030, 601, 599, 609];
    expect(stdev(runs.map(Math.log))).toBeGreaterThan(0.2);
    expect(logSpread(runs)).toBeCloseTo(1.4826 * Math.sqrt(Math.PI / 2) * 0.00995, 4);
    expect(logSpread([5])).toBe(0);
  });

  it('says how many runs a target interval needs', () => {
    // t(n-1) 0.05 / sqrt(n) <= log 1.02 = 0.0198: n = 27 (t 2.056 -> 0.0198), not 26.
    expect(runsForTarget(0.05, 0.02)).toBe(27);
    expect(runsForTarget(0, 0.02)).toBe(2);
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

describe('rank correlation', () => {
  it('midranks share tied ranks', () => {
    expect(midranks([30, 10, 20, 20])).toEqual([4, 1, 2.5, 2.5]);
  });
  it('spearman: 1 for any rising relation, -1 falling, hand-computed with a tie, null without spread', () => {
    expect(spearman([1, 2, 3, 4], [10, 100, 1000, 1e4])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks a 1 2 3 4 5, b 2 1 4 3 5: Pearson of the ranks = 1 - 6 * 4 / (5 * 24) = 0.8.
    expect(spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50])).toBeCloseTo(0.8, 12);
    // ranks b 1.5 1.5 3 4: sab 4.5, saa 5, sbb 4.5.
    expect(spearman([1, 2, 3, 4], [5, 5, 6, 7])).toBeCloseTo(4.5 / Math.sqrt(5 * 4.5), 12);
    expect(spearman([1, 2, 3], [7, 7, 7])).toBeNull();
    expect(spearman([1, 2], [3, 4])).toBeNull();
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
