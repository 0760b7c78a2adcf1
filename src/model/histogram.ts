// The latency histogram: the log-bucketed layout of native/histogram.h (HdrHistogram-style, bounded relative
// error, constant size), in the sparse form the load generator prints; merged by adding counts. Pure.

/** Values (ns) in buckets: exact below 2^(bits+1), above that each power of two split in 2^bits buckets, so a
 *  bucket's width is at most 2^-bits of its values. `buckets` holds the non-empty ones as flat
 *  [index, count, index, count, ...] pairs in index order, as native/histogram.h's hist_json writes them. */
export interface Histogram {
  bits: number;
  count: number;
  /** Sum of the recorded values (ns): the exact mean. */
  sum: number;
  /** Exact smallest and largest values (0 when empty). */
  min: number;
  max: number;
  buckets: number[];
}

/** Values above this (2^40 ns, 18 minutes) are recorded as it, as the C side clamps. */
export const HISTOGRAM_MAX_VALUE = 2 ** 40 - 1;

/** The highest set bit of a non-negative integer up to 2^53 (Math.log2 rounds near powers of two). */
function msb(v: number): number {
  if (v < 2 ** 32) return 31 - Math.clz32(v);
  return 63 - Math.clz32(Math.floor(v / 2 ** 32));
}

export function bucketIndex(bits: number, value: number): number {
  const v = Math.min(Math.max(0, Math.floor(value)), HISTOGRAM_MAX_VALUE);
  if (v < 2 ** (bits + 1)) return v;
  const shift = msb(v) - bits;
  return (shift + 1) * 2 ** bits + (Math.floor(v / 2 ** shift) % 2 ** bits);
}

/** The lowest value of bucket `index` and the bucket's width. */
export function bucketLow(bits: number, index: number): number {
  if (index < 2 ** (bits + 1)) return index;
  const shift = Math.floor(index / 2 ** bits) - 1;
  return (2 ** bits + (index % 2 ** bits)) * 2 ** shift;
}

export function bucketWidth(bits: number, index: number): number {
  return index < 2 ** (bits + 1) ? 1 : 2 ** (Math.floor(index / 2 ** bits) - 1);
}

export function emptyHistogram(bits: number): Histogram {
  return { bits, count: 0, sum: 0, min: 0, max: 0, buckets: [] };
}

function toMap(h: Histogram, into = new Map<number, number>()): Map<number, number> {
  for (let i = 0; i + 1 < h.buckets.length; i += 2) {
    const index = h.buckets[i] as number;
    into.set(index, (into.get(index) ?? 0) + (h.buckets[i + 1] as number));
  }
  return into;
}

function fromMap(bits: number, counts: Map<number, number>, rest: Omit<Histogram, 'bits' | 'buckets'>): Histogram {
  const buckets: number[] = [];
  for (const index of [...counts.keys()].sort((a, b) => a - b)) {
    const c = counts.get(index) as number;
    if (c > 0) buckets.push(index, c);
  }
  return { bits, ...rest, buckets };
}

/** A histogram of raw values (tests, and figures that arrive as lists). */
export function histogramOf(values: readonly number[], bits = 8): Histogram {
  if (values.length === 0) return emptyHistogram(bits);
  const counts = new Map<number, number>();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const raw of values) {
    const v = Math.min(Math.max(0, Math.floor(raw)), HISTOGRAM_MAX_VALUE);
    const i = bucketIndex(bits, v);
    counts.set(i, (counts.get(i) ?? 0) + 1);
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return fromMap(bits, counts, { count: values.length, sum, min, max });
}

/** The histogram of every value in all of them. They must share one layout (`bits`): the generator's are. */
export function mergeHistograms(hs: readonly Histogram[]): Histogram {
  const first = hs[0];
  if (!first) return emptyHistogram(8);
  const counts = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = 0;
  for (const h of hs) {
    if (h.bits !== first.bits) throw new Error(`cannot merge histograms of ${h.bits} and ${first.bits} sub-bucket bits`);
    toMap(h, counts);
    count += h.count;
    sum += h.sum;
    if (h.count > 0) {
      min = Math.min(min, h.min);
      max = Math.max(max, h.max);
    }
  }
  return fromMap(first.bits, counts, { count, sum, min: count ? min : 0, max });
}

/**
 * The value at quantile q (0..1): the midpoint of the bucket that holds the ceil(q * count)-th value, clamped
 * to the exact min and max; the first and last ranks are the exact min and max. The
 * midpoint halves the bucket's error (at most 2^-(bits+1), 0.2 % at 8 bits); native/histogram.h answers the same.
 */
export function quantile(h: Histogram, q: number): number | undefined {
  if (h.count === 0) return undefined;
  const rank = Math.min(h.count, Math.max(1, Math.ceil(q * h.count)));
  if (rank === 1) return h.min;
  if (rank === h.count) return h.max;
  let seen = 0;
  for (let i = 0; i + 1 < h.buckets.length; i += 2) {
    const index = h.buckets[i] as number;
    seen += h.buckets[i + 1] as number;
    if (seen >= rank) {
      const mid = bucketLow(h.bits, index) + Math.floor(bucketWidth(h.bits, index) / 2);
      return Math.min(h.max, Math.max(h.min, mid));
    }
  }
  return h.max;
}

export function histogramMean(h: Histogram): number | undefined {
  return h.count > 0 ? h.sum / h.count : undefined;
}

/** Reads the sparse form (the generator's JSON); null when it is not one (wrong shape, unsorted, counts that
 *  do not add up). */
export function parseHistogram(x: unknown): Histogram | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = x as Record<string, unknown>;
  const nums = ['bits', 'count', 'sum', 'min', 'max'].map((k) => o[k]);
  if (!nums.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return null;
  const [bits, count, sum, min, max] = nums as [number, number, number, number, number];
  if (!Number.isInteger(bits) || bits > 16 || !Array.isArray(o.buckets) || o.buckets.length % 2 !== 0) return null;
  const buckets = o.buckets as unknown[];
  let total = 0;
  let last = -1;
  for (let i = 0; i < buckets.length; i += 2) {
    const index = buckets[i];
    const c = buckets[i + 1];
    if (typeof index !== 'number' || typeof c !== 'number' || !Number.isInteger(index) || index <= last || !(c > 0)) return null;
    last = index;
    total += c;
  }
  if (total !== count) return null;
  return { bits, count, sum, min, max, buckets: buckets as number[] };
}
