import { describe, expect, it } from 'vitest';
import { describe as stats, mad, mean, median, outliers, ratioRange, stdev, tQuantile975 } from '../../src/analysis/stats.js';

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
  it('ratio ranges', () => {
    expect(ratioRange([9, 11], [0.9, 1.1])).toEqual([9 / 1.1, 11 / 0.9]);
    expect(ratioRange([9, 11], [-1, 1])).toBeUndefined();
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
