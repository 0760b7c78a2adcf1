// Statistics over a handful of repetitions: descriptive figures, intervals and the rank test the compare
// gate uses. Pure functions, no I/O, no clock.

import type { Stats } from '../model/types.js';

/** Two-sided 97.5 % quantiles of Student's t for df = 1..30. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Samples up to this total size get exact rank distributions; beyond it the normal approximation. */
const EXACT_LIMIT = 60;

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

/** The q-quantile (0..1) of already sorted values, interpolating linearly between order statistics
 *  (the "type 7" estimator of R and NumPy's default). */
export function quantileSorted(s: readonly number[], q: number): number {
  if (s.length === 0) return Number.NaN;
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const a = s[lo] as number;
  return lo + 1 < s.length ? a + (h - lo) * ((s[lo + 1] as number) - a) : a;
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

/** The MAD scaled to estimate a normal sample's standard deviation (1.4826 MAD), which a few outliers do not move. */
export function robustSigma(values: readonly number[]): number {
  return 1.4826 * mad(values);
}

/** Values further than 3 robust sigmas (robustSigma) from the median. */
export function outliers(values: readonly number[]): number[] {
  if (values.length < 3) return [];
  const m = median(values);
  const sigma = robustSigma(values);
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

/** The fewest values a median's distribution-free 95 % interval needs: with 5, P(all five on the same side) = 1/16 > 0.05. */
const MEDIAN_CI_MIN_N = 6;

/** Distribution-free 95 % interval of the median from order statistics (binomial, p = 0.5):
 *  [x(k), x(n-k+1)] for the largest k with P(Bin(n, 1/2) <= k-1) <= 0.025. Needs MEDIAN_CI_MIN_N values;
 *  below that no such interval exists and null is returned. */
export function medianCi95(values: readonly number[]): [number, number] | null {
  const n = values.length;
  if (n < MEDIAN_CI_MIN_N) return null;
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

/**
 * A 95 % interval to print beside a median: the distribution-free one from 6 runs on, the mean's t interval
 * below that (the same fallback relativeHalfWidth uses), none from one run. `floor` clamps the lower end for
 * quantities that cannot go below it (a time or a rate is never negative, however wide the t interval).
 */
export function medianInterval(values: readonly number[], floor = Number.NEGATIVE_INFINITY): [number, number] | null {
  const st = describe(values);
  if (!st || st.n < 2) return null;
  const [lo, hi] = st.medianCi95 ?? st.ci95;
  return [Math.max(floor, lo), hi];
}

/** Relative half-width of the median's 95 % interval (falls back to the mean's t interval). */
export function relativeHalfWidth(values: readonly number[]): number | null {
  const st = describe(values);
  if (!st || st.n < 2 || st.median === 0) return null;
  const ci = medianCi95(values) ?? st.ci95;
  return (ci[1] - ci[0]) / 2 / Math.abs(st.median);
}

/** log C(n, k). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/**
 * The largest k with P(U <= k - 1) <= tail under the null distribution of the Mann-Whitney U of
 * samples of n1 and n2 (no ties); 0 when even U = 0 is likelier than `tail`. Exact up to 60 values
 * (counting subsets by rank sum), the normal approximation beyond.
 */
export function mannWhitneyCritical(n1: number, n2: number, tail: number): number {
  const n = n1 + n2;
  if (n1 === 0 || n2 === 0) return 0;
  if (n > EXACT_LIMIT) {
    const sigma = Math.sqrt((n1 * n2 * (n + 1)) / 12);
    const z = normalQuantile(1 - tail);
    return Math.max(0, Math.floor((n1 * n2) / 2 - z * sigma + 0.5));
  }
  const k = Math.min(n1, n2);
  const maxU = n1 * n2;
  // ways[j][u]: subsets of j of the first i ranks whose U (rank sum minus j(j+1)/2) is u.
  const ways: Float64Array[] = Array.from({ length: k + 1 }, () => new Float64Array(maxU + 1));
  (ways[0] as Float64Array)[0] = 1;
  for (let i = 0; i < n; i++) {
    for (let j = Math.min(i + 1, k); j >= 1; j--) {
      // Adding rank i+1 as the j-th member raises the rank sum by i+1 and j(j+1)/2 by j: U by i+1-j.
      const shift = i + 1 - j;
      const to = ways[j] as Float64Array;
      const from = ways[j - 1] as Float64Array;
      for (let u = maxU; u >= shift; u--) to[u] = (to[u] as number) + (from[u - shift] as number);
    }
  }
  const dist = ways[k] as Float64Array;
  const total = Math.exp(logChoose(n, k));
  let cdf = 0;
  let crit = 0;
  for (let u = 0; u <= maxU; u++) {
    cdf += (dist[u] as number) / total;
    if (cdf > tail + 1e-12) break;
    crit = u + 1;
  }
  return crit;
}

/**
 * Student's t quantile: the t with P(T <= t) = level (0.5 < level < 1) at `df` degrees of freedom. Hill's
 * algorithm 396 (CACM 1970), accurate to about 1e-4 from df = 1, where a table covers only fixed levels:
 * a one-sided bound at the confidence a user chooses (fit's --confidence) needs any level.
 */
export function tQuantile(level: number, df: number): number {
  if (!(level > 0.5 && level < 1) || df < 1) return Number.NaN;
  const p = 2 * (1 - level);
  if (df === 1) return 1 / Math.tan((p * Math.PI) / 2);
  if (df === 2) return Math.sqrt(2 / (p * (2 - p)) - 2);
  const a = 1 / (df - 0.5);
  const b = 48 / (a * a);
  let c = (((20700 * a) / b - 98) * a - 16) * a + 96.36;
  const d = ((94.5 / (b + c) - 3) / b + 1) * Math.sqrt((a * Math.PI) / 2) * df;
  let y = (d * p) ** (2 / df);
  if (y > 0.05 + a) {
    const x = normalQuantile(0.5 * p);
    y = x * x;
    if (df < 5) c += 0.3 * (df - 4.5) * (x + 0.6);
    c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
    y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
    y = a * y * y;
    y = y > 0.002 ? Math.exp(y) - 1 : 0.5 * y * y + y;
  } else {
    y = ((1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) + 0.5 / (df + 4)) * y - 1) * ((df + 1) / (df + 2)) + 1 / y;
  }
  return Math.sqrt(df * y);
}

/** Where a value's true median (or mean) plausibly lies, each end a one-sided bound at the confidence. */
export interface OneSidedBounds {
  low: number;
  high: number;
  /** `order`: order statistics of the median, distribution-free; `t`: the mean's Student t bounds. */
  method: 'order' | 't';
}

/**
 * One-sided bounds at `confidence` (e.g. 0.95: the true median is above `low` with 95 % confidence, and below
 * `high` with 95 %). Distribution-free from the order statistics once enough runs allow it at this level
 * (5 at 95 %: all five on one side happen by chance 1 time in 32), else the mean's t bounds, as the summary's
 * intervals fall back; null from fewer than two values. Each end is tested on its own (a decision is "above a
 * bound" or "below it"), so each gets the whole error rate, not half of it.
 */
export function oneSidedBounds(values: readonly number[], confidence: number): OneSidedBounds | null {
  const n = values.length;
  if (n < 2 || !(confidence > 0.5 && confidence < 1)) return null;
  const s = sorted(values);
  // The largest k with P(Bin(n, 1/2) <= k - 1) <= 1 - confidence: x(k) is a lower bound of the median.
  let k = 0;
  let cdf = 0;
  let logC = 0;
  for (let j = 0; j < n; j++) {
    const pj = Math.exp(logC - n * Math.LN2);
    if (cdf + pj > 1 - confidence) break;
    cdf += pj;
    k = j + 1;
    logC += Math.log((n - j) / (j + 1));
  }
  if (k > 0) return { low: s[k - 1] as number, high: s[n - k] as number, method: 'order' };
  const m = mean(s);
  const half = (tQuantile(confidence, n - 1) * stdev(s)) / Math.sqrt(n);
  return { low: m - half, high: m + half, method: 't' };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - 0.02425) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/**
 * Distribution-free interval of the ratio between two samples' scales (num / den), the slowdown's
 * interval: the Mann-Whitney test inverted on log times (the Hodges-Lehmann interval), i.e. the
 * k-th smallest and k-th largest of the n1 x n2 pairwise ratios, k from the exact null distribution.
 * Valid for any n, unlike a t interval or a bootstrap of three runs; but it needs enough runs to
 * exist at all: 3 + 3 runs cannot reach 95 % (the most extreme order has p = 2/20), 3 + 5 or 4 + 4
 * can. Null when it does not exist at this level.
 */
export function ratioInterval(num: readonly number[], den: readonly number[], level = 0.95): [number, number] | null {
  const n1 = num.length;
  const n2 = den.length;
  if (!n1 || !n2 || num.some((v) => v <= 0) || den.some((v) => v <= 0)) return null;
  const k = mannWhitneyCritical(n1, n2, (1 - level) / 2);
  if (k < 1) return null;
  const ratios: number[] = [];
  for (const x of num) for (const y of den) ratios.push(x / y);
  ratios.sort((a, b) => a - b);
  return [ratios[k - 1] as number, ratios[n1 * n2 - k] as number];
}

/**
 * The spread of a sample's log values that sets the width of its median's interval, as a standard deviation:
 * below MEDIAN_CI_MIN_N values their sample sd (the t interval's), from there the median's own (1.4826 MAD x
 * sqrt(pi / 2), what a median narrows with), so a few runs in one of a VM's slow spells (the same work taking
 * 1.6-1.8x the CPU for 10-40 s) do not inflate it. 0 with fewer than two values.
 */
export function logSpread(values: readonly number[]): number {
  const logs = values.filter((v) => v > 0).map(Math.log);
  if (logs.length < 2) return 0;
  return logs.length >= MEDIAN_CI_MIN_N ? robustSigma(logs) * Math.sqrt(Math.PI / 2) : stdev(logs);
}

/**
 * Runs a ratio needs for its 95 % interval to reach ±targetRel of it, given the spread of its log (for a ratio
 * of two samples of n runs each, the two log spreads' root sum of squares): the least n with
 * t(n-1) sd / sqrt(n) <= log(1 + targetRel). At least 2.
 */
export function runsForTarget(sdLog: number, targetRel: number): number {
  const goal = Math.log(1 + targetRel);
  for (let n = 2; n <= 1000; n++) if ((tQuantile975(n - 1) * sdLog) / Math.sqrt(n) <= goal) return n;
  return 1000;
}

/** The fewest runs one sample needs, against `other` runs of the second, for ratioInterval to exist. */
export function runsForRatioInterval(other: number, level = 0.95): number {
  const tail = (1 - level) / 2;
  for (let n = 1; n <= 1000; n++) if (-logChoose(n + other, Math.min(n, other)) <= Math.log(tail)) return n;
  return 1000;
}

function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 via erf; |error| < 1.5e-7, far below what a p-value needs.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Ranks from 1, ties given their mean rank. */
export function midranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length).fill(0);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as { v: number }).v === (order[i] as { v: number }).v) j++;
    for (let k = i; k <= j; k++) out[(order[k] as { i: number }).i] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation of paired values (Pearson's on their midranks); null under 3 pairs or a constant side. */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length || a.length < 3) return null;
  const [ra, rb] = [midranks(a), midranks(b)];
  const [ma, mb] = [mean(ra), mean(rb)];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  ra.forEach((x, i) => {
    const y = rb[i] as number;
    sab += (x - ma) * (y - mb);
    saa += (x - ma) ** 2;
    sbb += (y - mb) ** 2;
  });
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

export interface RankTest {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  exact: boolean;
}

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
  // The exact count costs n x n1 x n(n+1) steps, and the two-sided p is the same either way round: count
  // over the smaller sample (a pooled baseline of many nights against one night's runs).
  if (n1 > n2) {
    const swapped = mannWhitneyU(b, a);
    return { ...swapped, u: n1 * n2 - swapped.u };
  }
  // Doubled midranks are integers: the exact count below indexes by them.
  const rank2 = midranks([...a, ...b]).map((r) => 2 * r);
  const r1x2 = rank2.slice(0, n1).reduce((acc, r) => acc + r, 0);
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

  const tieSizes = new Map<number, number>();
  for (const r of rank2) tieSizes.set(r, (tieSizes.get(r) ?? 0) + 1);
  const tieTerm = [...tieSizes.values()].reduce((acc, t) => acc + (t ** 3 - t), 0) / (n * (n - 1));
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm));
  if (sigma === 0) return { u, p: 1, exact: false };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / sigma;
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), exact: false };
}
