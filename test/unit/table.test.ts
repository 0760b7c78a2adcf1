// The terminal table fits: per-kind columns (a figure only where it means something), at most 100
// columns by default, a narrow terminal respected, --wide showing everything; warnings one line per kind.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/model/types.js';
import { fitColumns, fitGrid, summaryGrid, textWidth, truncate } from '../../src/reporters/columns.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { renderTable } from '../../src/reporters/table.js';
import { groupWarnings } from '../../src/reporters/warnings.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { buildDocument, HOST } from '../fixtures/docs/build.js';

let doc: ResultDocument;
let latency: ResultDocument;

beforeAll(async () => {
  doc = await buildDocument({ samples: false });
  latency = await runSuite({
    scenario: validateScenario(
      {
        runtimes: ['fake'],
        workloads: [{ name: 'req', kind: 'latency', params: { durationMs: 500 }, limits: [{}, { name: 'half', cpus: 0.5 }] }],
      },
      'l.yaml',
    ),
    host: HOST,
    runtimes: { fake: new FakeRuntime({ noise: 0.05 }) },
    scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
    scratchDir: '/var/tmp',
    save: () => {},
  });
});

const grid = (d: ResultDocument, workload: string, tier: 'default' | 'wide' = 'default') =>
  summaryGrid(
    d,
    d.cells.filter((c) => c.workload === workload),
    tier,
  );

describe('columns per workload kind', () => {
  it('cpu: limit, runs, median with spread, slowdown with its expected value, CPU granted against the quota', () => {
    expect(grid(doc, 'cpu-loop').head).toEqual([
      'limit',
      'runs',
      'wall (median ± MAD)',
      'slowdown (95 % CI)',
      'expected',
      'CPU granted / quota',
    ]);
    expect(grid(doc, 'cpu-loop', 'wide').head).toEqual(expect.arrayContaining(['throttle ratio', 'range (min … max)', 'start-up']));
  });

  it('io: MB/s against the throttle and its model, never a slowdown or CPU granted', () => {
    for (const tier of ['default', 'wide'] as const) {
      const g = grid(doc, 'io-write', tier);
      expect(g.head).toEqual(expect.arrayContaining(['MB/s / throttle', 'expected MB/s']));
      expect(g.head).not.toContain('slowdown (95 % CI)');
      expect(g.head).not.toContain('expected');
      expect(g.head).not.toContain('CPU granted / quota');
    }
    const row = grid(doc, 'io-write').rows[1] as string[];
    expect(row).toContain('10.0 / 10 (100 %)');
    expect(row).toContain('10.0–10.3');
  });

  it('latency: tail latency against the baseline, no wall time or slowdown of a fixed-duration run', () => {
    const g = grid(latency, 'req');
    expect(g.head).toEqual(['limit', 'runs', 'CPU granted / quota', 'p50', 'p99', 'p99 vs base', 'throttle ratio']);
    expect(grid(latency, 'req', 'wide').head).not.toContain('slowdown (95 % CI)');
  });

  it('memory: the expected OOM kill stands where the slowdown model would', () => {
    const g = grid(doc, 'mem-anon');
    const below = g.rows[2] as string[];
    expect(below[g.head.indexOf('runs')]).toBe('3 oom-killed');
    expect(below[g.head.indexOf('expected')]).toBe('oom-killed');
  });
});

describe('widths', () => {
  const lines = (text: string): string[] => text.split('\n');
  it('the default table fits 100 columns; a narrow terminal is respected; --wide shows everything', () => {
    for (const line of lines(renderTable(doc))) expect(textWidth(line), line).toBeLessThanOrEqual(100);
    for (const width of [60, 80]) {
      const text = renderTable(doc, { width });
      for (const line of lines(text)) expect(textWidth(line), line).toBeLessThanOrEqual(width);
      expect(text).toMatch(new RegExp(`\\(not shown, to fit ${width} columns: [^)]*--wide shows them\\)`));
    }
    const wide = renderTable(doc, { wide: true, width: 60 });
    expect(wide).toContain('range (min … max)');
    expect(wide).not.toContain('not shown');
    // The table is borderless, with a rule under the header.
    expect(renderTable(doc)).toMatch(/\nlimit +runs +wall \(median ± MAD\)[^\n]*\n─+ +─+/);
  });

  it('narrowing drops the least important columns first and never the spine', () => {
    const g = fitGrid(grid(doc, 'cpu-loop'), 40);
    expect(g.head.slice(0, 2)).toEqual(['limit', 'runs']);
    expect(g.hidden[0]).toBe('expected');
    expect(truncate('a very long limit set name', 10)).toBe('a very lo…');
    expect(textWidth('日本')).toBe(4);
  });

  it("of columns that matter equally the rightmost goes first: a service's throughput outlasts its percentiles", () => {
    const grid = {
      head: ['limit', 'throughput', 'p50', 'p99'],
      rows: [['0.25 CPU', '22923 req/s', '0.21 ms', '0.34 ms']],
      hidden: [],
    };
    const rules = { priority: (h: string) => (h === 'limit' ? 100 : 84), spine: new Set(['limit']) };
    const full = fitColumns(grid, 200, rules);
    expect(full.hidden).toEqual([]);
    expect(fitColumns(grid, 30, rules).hidden).toEqual(['p99']);
    expect(fitColumns(grid, 25, rules).hidden).toEqual(['p99', 'p50']);
    expect(fitColumns(grid, 25, rules).head).toEqual(['limit', 'throughput']);
  });
});

describe('warnings, one line per kind', () => {
  it('groups the cells of a kind of warning with their own figure, in the terminal and in Markdown', async () => {
    // Sequential order: 3 runs against a baseline's 3 give no slowdown interval, a warning for several cells.
    const doc = await buildDocument({ samples: false, order: 'sequential' });
    const groups = groupWarnings(doc);
    const codes = groups.map((g) => g.code);
    expect(new Set(codes).size).toBe(codes.length);
    const few = groups.find((g) => g.code === 'too-few-runs');
    expect(few?.items.length).toBeGreaterThan(1);
    expect(few?.items[0]?.detail).toMatch(/^3 runs, 5 needed$/);
    const table = renderTable(doc);
    const bang = lines(table).filter((l) => l.startsWith('! '));
    expect(bang).toHaveLength(groups.length);
    const md = renderMarkdown(doc);
    expect(md).toContain(`### Warnings (${groups.length})`);
    expect(md.split('\n').filter((l) => l.startsWith('- **'))).toHaveLength(groups.length);
  });

  function lines(text: string): string[] {
    return text.split('\n');
  }
});
