import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDocuments, compareExitCode, limitsEqual } from '../../src/analysis/compare.js';
import { mannWhitneyU } from '../../src/analysis/stats.js';
import { compareCommand, parseCompareFormat, parseThreshold } from '../../src/app/compare.js';
import { renderCompare } from '../../src/reporters/compare.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { ResultDocument } from '../../src/model/types.js';
import { buildDocument } from '../fixtures/docs/build.js';

const NS_PER_IT = 0.29;

let base: ResultDocument;
let rerun: ResultDocument;
let slower: ResultDocument;
let faster: ResultDocument;
const dirs: string[] = [];

beforeAll(async () => {
  const common = { hostileNames: false, samples: false, repetitions: 5 } as const;
  base = await buildDocument({ ...common, suiteId: 'nightly-1' });
  // Same code, another night: different noise, no real change.
  rerun = await buildDocument({ ...common, suiteId: 'nightly-2' });
  // A planted 15 % slowdown of the CPU loop (and of everything CPU-bound).
  slower = await buildDocument({ ...common, suiteId: 'nightly-2', nsPerIteration: NS_PER_IT * 1.15 });
  faster = await buildDocument({ ...common, suiteId: 'nightly-2', nsPerIteration: NS_PER_IT * 0.8 });
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Mann-Whitney U (exact)', () => {
  it('matches the exact distribution for small samples', () => {
    // 3 vs 3 completely separated: 2 of C(6,3) = 20 arrangements are as extreme.
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).p).toBeCloseTo(0.1, 12);
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).u).toBe(0);
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3]).u).toBe(9);
    // 5 vs 5 separated: 2 / C(10,5) = 2/252.
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(2 / 252, 12);
    // Interleaved: no evidence at all.
    expect(mannWhitneyU([1, 3, 5], [2, 4, 6]).p).toBeCloseTo(0.7, 12);
    expect(mannWhitneyU([1, 2], [1, 2]).p).toBe(1);
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5]).p).toBe(1);
    expect(mannWhitneyU([1], [2]).p).toBe(1);
    expect(mannWhitneyU([], [1, 2]).p).toBe(1);
  });

  it('handles ties with midranks exactly', () => {
    // a = [1,1,2], b = [2,3,3]: midranks 1.5,1.5,3.5 | 3.5,5.5,5.5; R1 = 6.5 -> U = 0.5.
    const t = mannWhitneyU([1, 1, 2], [2, 3, 3]);
    expect(t.u).toBe(0.5);
    expect(t.exact).toBe(true);
    // Over the C(6,3) = 20 subsets of the midranks, R1 <= 6.5 in 2 (both 1.5s and either 3.5) and
    // R1 >= 14.5 in 2 (both 5.5s and either 3.5): p = 4/20.
    expect(t.p).toBeCloseTo(0.2, 12);
  });

  it('is symmetric and uses the normal approximation only for large samples', () => {
    const a = [10.2, 10.4, 10.1, 10.9, 10.3, 10.5, 10.0];
    const b = [10.8, 11.1, 10.7, 11.4, 10.6, 11.0];
    expect(mannWhitneyU(a, b).p).toBeCloseTo(mannWhitneyU(b, a).p, 12);
    expect(mannWhitneyU(a, b).u + mannWhitneyU(b, a).u).toBe(a.length * b.length);
    const big1 = Array.from({ length: 40 }, (_, i) => 100 + i);
    const big2 = Array.from({ length: 40 }, (_, i) => 130 + i);
    const t = mannWhitneyU(big1, big2);
    expect(t.exact).toBe(false);
    expect(t.p).toBeLessThan(1e-6);
    // Near the switch-over the two methods agree.
    const x = Array.from({ length: 30 }, (_, i) => i * 1.0);
    const y = Array.from({ length: 30 }, (_, i) => i * 1.0 + 6.5);
    const exact = mannWhitneyU(x, y);
    const approx = mannWhitneyU([...x, 100], [...y, 101]);
    expect(exact.exact).toBe(true);
    expect(approx.exact).toBe(false);
    expect(Math.abs(exact.p - approx.p)).toBeLessThan(0.03);
  });
});

describe('compareDocuments', () => {
  it('finds nothing between identical documents', () => {
    const r = compareDocuments(base, base, { thresholdPct: 5 });
    expect(r.cells).toHaveLength(base.cells.length);
    expect(r.unmatched).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.regressions).toBe(0);
    expect(r.improvements).toBe(0);
    for (const c of r.cells) for (const m of c.metrics) expect(['unchanged', 'not-comparable']).toContain(m.verdict);
    expect(compareExitCode(r)).toBe(0);
  });

  it('does not flag run-to-run noise', () => {
    const r = compareDocuments(base, rerun, { thresholdPct: 5 });
    expect(r.regressions).toBe(0);
    expect(compareExitCode(r)).toBe(0);
  });

  it('flags a planted slowdown as a significant regression with its evidence', () => {
    const r = compareDocuments(base, slower, { thresholdPct: 5 });
    expect(compareExitCode(r)).toBe(1);
    const loop = r.cells.find((c) => c.currentCellId === 'cpu-loop / unlimited / fake');
    expect(loop?.verdict).toBe('regression');
    const wall = loop?.metrics.find((m) => m.metric === 'wall');
    expect(wall?.changePct).toBeGreaterThan(13);
    expect(wall?.changePct).toBeLessThan(17);
    expect(wall?.significant).toBe(true);
    expect(wall?.intervalsApart).toBe(true);
    expect(wall?.pValue).toBeCloseTo(2 / 252, 6);
    expect(wall?.verdict).toBe('regression');
    expect(wall?.baseInterval?.[1]).toBeLessThan(wall?.currentInterval?.[0] as number);
    // The limited cells slowed too, but relative to their own baseline nothing changed.
    const tenth = r.cells.find((c) => c.currentCellId === 'cpu-loop / 10% CPU / fake');
    expect(tenth?.metrics.find((m) => m.metric === 'slowdown')?.verdict).not.toBe('regression');
    // Memory and IO workloads do not run the loop: unchanged.
    expect(r.cells.find((c) => c.workload === 'io-write')?.verdict).toBe('unchanged');
  });

  it('ignores a significant change below the threshold', () => {
    const r = compareDocuments(base, slower, { thresholdPct: 20 });
    expect(compareExitCode(r)).toBe(0);
    const wall = r.cells.find((c) => c.currentCellId === 'cpu-loop / unlimited / fake')?.metrics.find((m) => m.metric === 'wall');
    expect(wall?.verdict).toBe('within-threshold');
  });

  it('reports an improvement without failing', () => {
    const r = compareDocuments(base, faster, { thresholdPct: 5 });
    expect(compareExitCode(r)).toBe(0);
    expect(r.improvements).toBeGreaterThan(0);
    expect(r.cells.find((c) => c.currentCellId === 'cpu-loop / unlimited / fake')?.verdict).toBe('improvement');
    // Swapped, the same documents are a regression.
    expect(compareExitCode(compareDocuments(faster, base, { thresholdPct: 5 }))).toBe(1);
  });

  it('counts newly failing runs as a regression', () => {
    const broken = structuredClone(rerun);
    const cell = broken.cells.find((c) => c.id === 'io-write / 10 MB/s / fake');
    if (!cell) throw new Error('fixture changed');
    cell.summary.outcomes = { ok: 3, failed: 2 };
    const r = compareDocuments(base, broken, { thresholdPct: 5 });
    const c = r.cells.find((x) => x.currentCellId === cell.id);
    expect(c?.outcomes.regression).toBe(true);
    expect(c?.verdict).toBe('regression');
    expect(compareExitCode(r)).toBe(1);
  });

  it('matches a renamed limit set by its limits, and says so', () => {
    const renamed = structuredClone(rerun);
    for (const c of renamed.cells) {
      if (c.limitSet !== '10% CPU') continue;
      c.limitSet = '0.10 CPU';
      c.id = c.id.replace('10% CPU', '0.10 CPU');
    }
    const r = compareDocuments(base, renamed, { thresholdPct: 5 });
    expect(r.unmatched).toEqual([]);
    expect(r.cells.some((c) => c.limitSet === '0.10 CPU' && c.baseCellId === 'cpu-loop / 10% CPU / fake')).toBe(true);
    expect(r.warnings.some((w) => w.includes('matched "10% CPU" in the base document by its limits'))).toBe(true);
  });

  it('matches cells by workload, runtime and limit set; different limits are not compared', () => {
    const changed = structuredClone(rerun);
    const half = changed.cells.find((c) => c.limitSet === '50% CPU');
    if (!half?.limits.cpu) throw new Error('fixture changed');
    half.limits.cpu = { ...half.limits.cpu, quotaUs: 40_000 };
    changed.cells = changed.cells.filter((c) => c.workload !== 'io-write');
    changed.scenarioHash = 'ffffffffffffffff';
    const r = compareDocuments(base, changed, { thresholdPct: 5 });
    expect(r.unmatched).toContainEqual({
      cellId: 'cpu-loop / 50% CPU / fake',
      side: 'current',
      reason: 'limit set "50% CPU" has different limits in the two documents',
    });
    expect(r.unmatched.filter((u) => u.side === 'base').map((u) => u.cellId)).toEqual([
      'io-write / unlimited / fake',
      'io-write / 10 MB/s / fake',
    ]);
    expect(r.warnings.some((w) => w.includes('scenarios differ'))).toBe(true);
    expect(limitsEqual({ cpu: { quotaUs: 1000, periodUs: 100000 } }, { cpu: { periodUs: 100000, quotaUs: 1000 } })).toBe(true);
  });

  it('allows different hosts but warns', () => {
    const other = structuredClone(rerun);
    other.host = { ...other.host, hostname: 'bench-02', kernel: '6.8.0' };
    other.status = 'interrupted';
    const r = compareDocuments(base, other, { thresholdPct: 5 });
    expect(r.warnings[0]).toMatch(/different machines.*host bench-01 -> bench-02; kernel 6\.1\.0-18-amd64 -> 6\.8\.0/);
    expect(r.warnings.some((w) => w.includes('current document is interrupted'))).toBe(true);
    expect(compareExitCode(r)).toBe(0);
  });
});

describe('cgbench compare', () => {
  function save(doc: ResultDocument, name: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'cgbench-compare-'));
    dirs.push(dir);
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(doc));
    return file;
  }

  it('exits 1 on a planted regression, 0 on identical input and on an improvement', async () => {
    const b = save(base, 'base.json');
    expect((await compareCommand(b, save(slower, 'current.json'))).exitCode).toBe(1);
    expect((await compareCommand(b, b)).exitCode).toBe(0);
    expect((await compareCommand(b, save(faster, 'current.json'))).exitCode).toBe(0);
    expect((await compareCommand(b, save(slower, 'current.json'), { threshold: '25%' })).exitCode).toBe(0);
  });

  it('throws E_INPUT (exit code 2 in main) on bad input', async () => {
    const b = save(base, 'base.json');
    const bad = [
      () => compareCommand(b, join(tmpdir(), 'does-not-exist.json')),
      () => compareCommand(b, b, { threshold: 'five' }),
      () => compareCommand(b, b, { format: 'xml' }),
    ];
    for (const f of bad) {
      const e: unknown = await f().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CgbenchError);
      expect((e as CgbenchError).code).toBe('E_INPUT');
    }
  });

  it('parses thresholds and formats', () => {
    expect(parseThreshold('5%')).toBe(5);
    expect(parseThreshold('2.5 %')).toBe(2.5);
    expect(parseThreshold('10')).toBe(10);
    expect(() => parseThreshold('-1%')).toThrowError(/not a percentage/);
    expect(parseCompareFormat('markdown')).toBe('md');
  });

  it('renders a table, Markdown and JSON that say pass or fail and why', () => {
    const r = compareDocuments(base, slower, { thresholdPct: 5 });
    const table = renderCompare(r, 'table');
    expect(table).toContain('cpu-loop / unlimited / fake');
    expect(table).toContain('REGRESSION');
    expect(table).toMatch(/CIs apart, p=0\.008, n=5\/5/);
    expect(table).toMatch(/\n\nFAIL: \d+ cell\(s\) with a significant regression beyond 5 %/);
    // One table per cell, fitted like run's: 100 columns by default, a narrow terminal respected.
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    for (const line of renderCompare(r, 'table', { width: 60 }).split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(renderCompare(r, 'table', { wide: true })).toContain('95 % intervals (base → current)');
    const md = renderCompare(r, 'md');
    expect(md).toContain('## cgbench compare: FAIL');
    expect(md).toContain('**REGRESSION**');
    const json = JSON.parse(renderCompare(r, 'json')) as { exitCode: number; regressions: number };
    expect(json.exitCode).toBe(1);
    expect(json.regressions).toBe(r.regressions);
    expect(renderCompare(compareDocuments(base, base, { thresholdPct: 5 }), 'table')).toMatch(
      /PASS: no significant regression beyond 5 % in \d+ compared cell\(s\)$/,
    );
  });
});
