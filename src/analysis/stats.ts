// Statistics over a handful of repetitions: descriptive figures, intervals and the rank test the compare
// gate uses. Pure functions, no I/O, no clock.

import type { Stats } from '../model/types.js';

/** Two-sided 97.5 % quantiles of Student's t for df = 1..30. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(df: number): number {
  if (df < 1) return Number.NaN;
  if (df <= 30) return T975[df - 1] as number;
  if (df <= 60) return 2.0;
  if (df <= 120) return 1.98;
  return 1.96;
}

export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Median of already sorted values. */
function medianSorted(s: readonly number[]): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function median(values: readonly number[]): number {
  return medianSorted(sorted(values));
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n - 1). 0 for a single value. */
export function stdev(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/** Median absolute deviation (unscaled). */
export function mad(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** Values further than 3 scaled MADs (1.4826 * MAD, a robust sigma) from the median. */
export function outliers(values: readonly number[]): number[] {
  if (values.length < 3) return [];
  const m = median(values);
  const sigma = 1.4826 * mad(values);
  if (sigma === 0) return values.filter((v) => v !== m);
  return values.filter((v) => Math.abs(v - m) > 3 * sigma);
}

export function describe(values: readonly number[]): Stats | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const s = sorted(values);
  const m = mean(s);
  const sd = stdev(s);
  const half = n > 1 ? (tQuantile975(n - 1) * sd) / Math.sqrt(n) : 0;
  const mci = medianCi95(s);
  return {
    n,
    ...(mci ? { medianCi95: mci } : {}),
    min: s[0] as number,
    max: s[n - 1] as number,
    mean: m,
    median: medianSorted(s),
    sd,
    mad: mad(s),
    cv: m !== 0 ? sd / m : 0,
    ci95: [m - half, m + half],
    outliers: outliers(s),
  };
}

/** Distribution-free 95 % interval of the median from order statistics (binomial, p = 0.5):
 *  [x(k), x(n-k+1)] for the largest k with P(Bin(n, 1/2) <= k-1) <= 0.025. Needs n >= 6;
 *  below that no such interval exists and null is returned. */
export function medianCi95(values: readonly number[]): [number, number] | null {
  const n = values.length;
  if (n < 6) return null;
  const s = sorted(values);
  // Cumulative binomial in log space keeps it exact enough for large n.
  let k = 0;
  let cdf = 0;
  let logC = 0; // log C(n, 0)
  for (let j = 0; j < n; j++) {
    const pj = Math.exp(logC - n * Math.LN2);
    if (cdf + pj > 0.025) break;
    cdf += pj;
    k = j + 1;
    logC += Math.log((n - j) / (j + 1));
  }
  if (k === 0) return null;
  return [s[k - 1] as number, s[n - k] as number];
}

/** Relative half-width of the median's 95 % interval (falls back to the mean's t interval). */
export function relativeHalfWidth(values: readonly number[]): number | null {
  const st = describe(values);
  if (!st || st.n < 2 || st.median === 0) return null;
  const ci = medianCi95(values) ?? st.ci95;
  return (ci[1] - ci[0]) / 2 / Math.abs(st.median);
}

/** Ratio of two quantities with intervals: the widest ratio range their intervals allow. */
export function ratioRange(num: [number, number], den: [number, number]): [number, number] | undefined {
  if (den[0] <= 0 || den[1] <= 0) return undefined;
  return [Math.max(0, num[0]) / den[1], num[1] / den[0]];
}

function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 via erf; |error| < 1.5e-7, far below what a p-value needs.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface RankTest {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  exact: boolean;
}

/** Samples up to this total size get the exact distribution; beyond it the normal approximation. */
const EXACT_LIMIT = 60;

/**
 * Two-sided Mann-Whitney U test. Exact for small samples, ties included: the permutation
 * distribution of the first sample's (mid)rank sum is counted by dynamic programming over doubled
 * midranks, which are integers. That is what benchmark repetitions need: n is 3 to 10, far too
 * small for the normal approximation.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): RankTest {
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, p: 1, exact: true };
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  const rank2: number[] = new Array<number>(n).fill(0);
  const tieSizes: number[] = [];
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    for (let k = i; k <= j; k++) rank2[k] = i + 1 + (j + 1); // twice the midrank of ranks i+1..j+1
    tieSizes.push(j - i + 1);
    i = j + 1;
  }
  let r1x2 = 0;
  all.forEach((x, i) => {
    if (x.first) r1x2 += rank2[i] as number;
  });
  const u = r1x2 / 2 - (n1 * (n1 + 1)) / 2;
  const meanX2 = n1 * (n + 1);
  const observed = Math.abs(r1x2 - meanX2);

  if (n <= EXACT_LIMIT) {
    const maxSum = n * (n + 1);
    // ways[k][s]: subsets of k items whose doubled ranks sum to s.
    const ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
    (ways[0] as Float64Array)[0] = 1;
    rank2.forEach((r, i) => {
      for (let k = Math.min(i + 1, n1); k >= 1; k--) {
        const to = ways[k] as Float64Array;
        const from = ways[k - 1] as Float64Array;
        for (let s = maxSum; s >= r; s--) to[s] = (to[s] as number) + (from[s - r] as number);
      }
    });
    const dist = ways[n1] as Float64Array;
    let total = 0;
    let tail = 0;
    for (let s = 0; s <= maxSum; s++) {
      const w = dist[s] as number;
      if (!w) continue;
      total += w;
      if (Math.abs(s - meanX2) >= observed - 1e-9) tail += w;
    }
    return { u, p: Math.min(1, tail / total), exact: true };
  }

  const tieTerm = tieSizes.reduce((acc, t) => acc + (t ** 3 - t), 0) / (n * (n - 1));
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm));
  if (sigma === 0) return { u, p: 1, exact: false };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / sigma;
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), exact: false };
}
