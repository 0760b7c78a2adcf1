// Descriptive statistics over a handful of repetitions: pure functions, no I/O, no clock.

import type { Stats } from '../model/types.js';

/** Two-sided 97.5 % quantiles of Student's t for df = 1..30. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

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
export function medianSorted(s: readonly number[]): number {
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
