import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bucketIndex,
  bucketLow,
  bucketWidth,
  HISTOGRAM_MAX_VALUE,
  histogramMean,
  histogramOf,
  mergeHistograms,
  parseHistogram,
  quantile,
} from '../../src/model/histogram.js';
import { PACKAGE_ROOT } from '../../src/model/paths.js';

/** Deterministic values over 1 ns .. 2^42 ns (past the clamp), log-uniform. */
function values(n: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(Math.floor(2 ** ((x / 2 ** 31) * 42)));
  }
  return out;
}

describe('histogram layout', () => {
  it('is exact below 2^(bits+1) and within 2^-bits of every value above', () => {
    for (const bits of [4, 8]) {
      const inexact = Array.from({ length: 2 ** (bits + 1) }, (_, v) => v).filter((v) => bucketIndex(bits, v) !== v);
      expect(inexact).toEqual([]);
      const wrong = values(5000, 7).filter((v) => {
        const clamped = Math.min(v, HISTOGRAM_MAX_VALUE);
        const i = bucketIndex(bits, clamped);
        const low = bucketLow(bits, i);
        const width = bucketWidth(bits, i);
        return low > clamped || clamped >= low + width || (clamped >= 2 ** (bits + 1) && width / low > 2 ** -bits);
      });
      expect(wrong).toEqual([]);
    }
  });
  it('indexes powers of two and their neighbours where the float log would slip', () => {
    for (let k = 9; k < 40; k++) {
      const p = 2 ** k;
      expect(bucketLow(8, bucketIndex(8, p))).toBe(p);
      expect(bucketLow(8, bucketIndex(8, p - 1))).toBeLessThan(p);
    }
  });
});

describe('histogram figures', () => {
  it('answers quantiles within half a bucket, and min, max and mean exactly', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => (i + 1) * 1000);
    const h = histogramOf(xs);
    expect(h.count).toBe(1000);
    expect(h.min).toBe(1000);
    expect(h.max).toBe(1_000_000);
    expect(histogramMean(h)).toBe(500_500);
    // ceil(0.5 * 1000) = the 500th value, 500000
    expect(Math.abs((quantile(h, 0.5) as number) / 500_000 - 1)).toBeLessThan(2 ** -9);
    expect(Math.abs((quantile(h, 0.99) as number) / 990_000 - 1)).toBeLessThan(2 ** -9);
    expect(quantile(h, 0)).toBe(1000);
    expect(quantile(h, 1)).toBe(1_000_000);
    expect(quantile(histogramOf([]), 0.5)).toBeUndefined();
    expect(quantile(histogramOf([1234567]), 0.99)).toBe(1234567);
  });
  it('merges by adding counts: the merge of parts is the histogram of the whole', () => {
    const xs = values(3000, 11);
    const parts = [xs.slice(0, 1000), xs.slice(1000, 1001), [], xs.slice(1001)].map((p) => histogramOf(p));
    expect(mergeHistograms(parts)).toEqual(histogramOf(xs));
    expect(() => mergeHistograms([histogramOf([1], 8), histogramOf([1], 4)])).toThrow(/sub-bucket bits/);
  });
  it('reads only well-formed sparse histograms', () => {
    const h = histogramOf([5, 5, 900, 123456]);
    expect(parseHistogram(JSON.parse(JSON.stringify(h)))).toEqual(h);
    expect(parseHistogram({ ...h, count: 5 })).toBeNull();
    expect(parseHistogram({ ...h, buckets: [...h.buckets, 3] })).toBeNull();
    expect(parseHistogram({ ...h, buckets: [900, 1, 5, 2] })).toBeNull();
    expect(parseHistogram({ ...h, bits: 'x' })).toBeNull();
    expect(parseHistogram(null)).toBeNull();
  });
});

describe('histogram: the C side (native/histogram.h) and this one agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cgbench-hist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'histogram-check');
  execFileSync('gcc', [
    '-O2',
    '-Wall',
    '-Werror',
    '-I',
    join(PACKAGE_ROOT, 'native'),
    '-o',
    bin,
    join(PACKAGE_ROOT, 'test/fixtures/native/histogram-check.c'),
  ]);

  for (const bits of [4, 8]) {
    it(`records, serialises and answers quantiles identically at ${bits} bits`, () => {
      const xs = values(2000, 3 + bits);
      const [json, qs] = execFileSync(bin, [String(bits), ...xs.map(String)], { encoding: 'utf8' })
        .trim()
        .split('\n');
      const fromC = parseHistogram(JSON.parse(json as string));
      const mine = histogramOf(xs, bits);
      expect(fromC).toEqual(mine);
      const expected = [0, 0.25, 0.5, 0.9, 0.99, 0.999, 1].map((q) => quantile(mine, q));
      expect((qs as string).split(' ').map(Number)).toEqual(expected);
    });
  }
});
