import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/app/report.js';
import { loadResultDocument, validateResultDocument } from '../../src/app/results.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { Cell, ProcessStatus, ResultDocument, Run } from '../../src/model/types.js';
import { buildCharts, keyCharts } from '../../src/reporters/charts/index.js';
import { csvField, CSV_COLUMNS, renderCsv } from '../../src/reporters/csv.js';
import { SUMMARY_COLUMNS } from '../../src/reporters/columns.js';
import { escapeHtml, jsonForScript, renderHtml } from '../../src/reporters/html.js';
import { REPORT_FORMATS } from '../../src/model/defaults.js';
import { REPORTERS } from '../../src/reporters/index.js';
import { renderJson } from '../../src/reporters/json.js';
import { escapeMarkdown, renderMarkdown } from '../../src/reporters/markdown.js';
import { PNG_HEIGHT, PNG_WIDTH, pngFooter, renderPngs } from '../../src/reporters/png.js';
import { checkOutputs, parseFormats, writeReports } from '../../src/reporters/writer.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { buildDocument, fixtureScenario, HOST, MD_NAME, XSS_NAME } from '../fixtures/docs/build.js';
import { FIXTURES } from '../helpers.js';

const FIXTURE_DOC = join(FIXTURES, 'docs', 'fixture.json');

let doc: ResultDocument;
let bare: ResultDocument;
const dirs: string[] = [];

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cgbench-reports-'));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  doc = await buildDocument();
  bare = await buildDocument({ samples: false, hostileNames: false });
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** RFC 4180 parser, small and strict, to check what the CSV reporter writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  expect(field).toBe('');
  return rows;
}

function nonBlankRatio(png: PNG): { ratio: number; colours: number } {
  let ink = 0;
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b, a] = [png.data[i] as number, png.data[i + 1] as number, png.data[i + 2] as number, png.data[i + 3] as number];
    if (a > 0 && (r < 240 || g < 240 || b < 240)) ink++;
    colours.add((r << 16) | (g << 8) | b);
  }
  return { ratio: ink / (png.width * png.height), colours: colours.size };
}

describe('JSON schema', () => {
  it('accepts every document the suite produces, with and without samples', () => {
    expect(validateResultDocument(doc)).toEqual([]);
    expect(validateResultDocument(bare)).toEqual([]);
    expect(validateResultDocument(JSON.parse(renderJson(doc)))).toEqual([]);
  });

  it("accepts the series of the launcher's (here: the fake runtime's) reports on a suite run", async () => {
    const scenario = fixtureScenario({ hostileNames: false, repetitions: 1 });
    scenario.workloads = scenario.workloads.slice(0, 1);
    scenario.sampleIntervalMs = 5;
    const sampled = await runSuite({
      scenario,
      host: HOST,
      runtimes: { fake: new FakeRuntime({ realMsPerSec: 60 }) },
      scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
      scratchDir: '/var/tmp',
      save: () => {},
    });
    expect(sampled.cells.some((c) => c.runs.some((r) => r.samples !== undefined))).toBe(true);
    expect(validateResultDocument(sampled)).toEqual([]);
    expect(() => renderHtml(sampled)).not.toThrow();
  });

  it('accepts the stored fixture document', () => {
    expect(validateResultDocument(JSON.parse(readFileSync(FIXTURE_DOC, 'utf8')))).toEqual([]);
  });

  it('accepts a partial document of an interrupted suite', () => {
    const partial = structuredClone(doc);
    partial.status = 'interrupted';
    partial.finishedAt = null;
    partial.cells[1]?.runs.splice(1);
    expect(validateResultDocument(partial)).toEqual([]);
  });

  it('rejects missing fields, wrong types and unknown properties with their paths', () => {
    const broken = structuredClone(doc) as unknown as Record<string, unknown>;
    delete broken.host;
    (broken.cells as { summary: { slowdown: unknown } }[])[1]!.summary.slowdown = 'fast';
    (broken as { extra?: number }).extra = 1;
    const problems = validateResultDocument(broken);
    expect(problems.some((p) => p.includes('host'))).toBe(true);
    expect(problems.some((p) => p.startsWith('/cells/1/summary/slowdown'))).toBe(true);
    expect(problems.some((p) => p.includes('unknown property "extra"'))).toBe(true);
    // Readers tolerate fields a newer cgbench added, not missing ones.
    const lenient = validateResultDocument(broken, { allowUnknownProperties: true });
    expect(lenient.some((p) => p.includes('extra'))).toBe(false);
    expect(lenient.length).toBeGreaterThan(0);
  });

  it('requires metrics on ok runs and a message on failed ones', () => {
    const d = structuredClone(doc) as unknown as { cells: { runs: Record<string, unknown>[] }[] };
    delete d.cells[0]!.runs[1]!.metrics;
    expect(validateResultDocument(d).some((p) => p.includes('/cells/0/runs/1') && p.includes('metrics'))).toBe(true);
  });
});

describe('chart configs', () => {
  it('are plain JSON (no callbacks), with unique safe ids, axis titles and a legend', () => {
    const charts = buildCharts(doc);
    const specs = charts.flatMap((c) => [...c.summary, ...c.timeSeries]);
    expect(JSON.parse(JSON.stringify(specs))).toEqual(specs);
    const ids = specs.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of specs) {
      expect(s.id).toMatch(/^[a-z0-9-]+$/);
      const scales = s.config.options?.scales as Record<string, { title?: { text?: string } }>;
      for (const axis of Object.values(scales)) expect(axis.title?.text).toBeTruthy();
      expect(s.config.options?.plugins?.legend?.position).toBe('bottom');
      expect(s.config.data.datasets.length).toBeGreaterThan(0);
    }
  });

  it('draw the slowdown with its interval and a dashed expected curve per workload', async () => {
    const charts = buildCharts(doc);
    expect(charts.map((c) => c.workload)).toEqual(['cpu-loop', 'mem-anon', 'io-write', XSS_NAME, MD_NAME]);
    const loop = charts[0]!.summary.find((s) => s.kind === 'slowdown')!;
    const [observed, expected, spread] = loop.config.data.datasets;
    expect(observed?.label).toBe('observed median');
    expect(observed?.data[0]).toBe(1); // the baseline is 1 by definition
    expect(observed?.data[2] as number).toBeGreaterThan(9);
    expect((expected as { borderDash?: number[] }).borderDash?.length).toBe(2);
    // 3 + 3 runs (in either order) allow no distribution-free 95 % interval: no bar rather than a made-up one.
    expect(spread?.data[2]).toBeNull();
    const sequential = (repetitions: number) => buildDocument({ repetitions, samples: false, hostileNames: false, order: 'sequential' });
    const [, , spread3] = buildCharts(await sequential(3))[0]!.summary.find((s) => s.kind === 'slowdown')!.config.data.datasets;
    expect(spread3?.data[2]).toBeNull();
    const five = buildCharts(await sequential(5));
    const [obs5, , spread5] = five[0]!.summary.find((s) => s.kind === 'slowdown')!.config.data.datasets;
    const range = spread5?.data[2] as [number, number];
    expect(range[0]).toBeLessThan(obs5?.data[2] as number);
    expect(range[1]).toBeGreaterThan(obs5?.data[2] as number);
    // A limit set without results says why on the axis.
    const mem = charts[1]!.summary.find((s) => s.kind === 'slowdown')!;
    expect(JSON.stringify(mem.config.data.labels)).toContain('no result: 3 oom-killed');
  });

  it('show CPU granted against the quota, and time series with their limit lines', () => {
    const charts = buildCharts(doc);
    const granted = charts[0]!.summary.find((s) => s.kind === 'cpu-granted')!;
    expect(granted.config.data.datasets.map((d) => d.label)).toEqual(['CPU granted', 'quota']);
    const cpu = charts[0]!.timeSeries.find((s) => s.kind === 'cpu-time' && s.cellId === 'cpu-loop / 10% CPU / fake')!;
    expect(cpu.config.data.datasets.map((d) => d.label)).toContain('quota 0.10 CPU');
    expect(cpu.config.data.datasets.map((d) => d.label)).toContain('run 1 throttle ratio');
    const mem = charts[1]!.timeSeries.find((s) => s.kind === 'memory-time' && s.cellId === 'mem-anon / 64M (below) / fake')!;
    expect(mem.config.data.datasets.map((d) => d.label)).toContain('limit 64 MiB');
    expect(mem.config.data.datasets.map((d) => d.label)).toContain('run 1 (oom-killed) memory in use');
    const io = charts[2]!.timeSeries.find((s) => s.kind === 'io-time' && s.cellId === 'io-write / 10 MB/s / fake')!;
    expect(io.config.data.datasets.map((d) => d.label)).toContain('write limit 10 MB/s');
  });

  it('omit time series, with a note, when no samples exist or series are absent', () => {
    for (const c of buildCharts(bare)) {
      expect(c.timeSeries).toEqual([]);
      expect(c.timeSeriesNote).toMatch(/No samples/);
      expect(c.summary.length).toBeGreaterThan(0);
    }
    const partial = structuredClone(doc);
    for (const cell of partial.cells)
      for (const r of cell.runs) if (r.samples) r.samples.series = { memoryCurrentBytes: r.samples.series.memoryCurrentBytes ?? [] };
    const charts = buildCharts(partial);
    expect(charts[0]!.timeSeries).toEqual([]);
    expect(charts[1]!.timeSeries.every((s) => s.kind === 'memory-time')).toBe(true);
  });

  it('pick the slowdown and one time series per workload for PNG', () => {
    const charts = buildCharts(doc);
    const key = keyCharts(charts[0]!, doc);
    expect(key.map((s) => s.kind)).toEqual(['slowdown', 'cpu-granted', 'cpu-time']);
    expect(key[2]?.cellId).toBe('cpu-loop / 10% CPU / fake');
    // The OOM-killed cell is the one a reader asks about.
    expect(keyCharts(charts[1]!, doc).at(-1)?.cellId).toBe('mem-anon / 64M (below) / fake');
  });
});

describe('HTML reporter', () => {
  let html: string;
  beforeAll(() => {
    html = renderHtml(doc);
  });

  it('escapes every text from the scenario', () => {
    expect(html).not.toContain(XSS_NAME);
    expect(html).toContain(escapeHtml(XSS_NAME));
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>bold?</b>');
    expect(html).toContain('&lt;b&gt;bold?&lt;/b&gt;');
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('embeds chart data as script-safe JSON', () => {
    const m = /<script type="application\/json" id="cgbench-charts">([\s\S]*?)<\/script>/.exec(html);
    expect(m).not.toBeNull();
    const json = m?.[1] ?? '';
    expect(json).not.toMatch(/[<>&]/);
    const specs = JSON.parse(json) as { id: string; workload: string }[];
    expect(specs.some((s) => s.workload === XSS_NAME)).toBe(true);
    for (const s of specs) expect(html).toContain(`<canvas id="chart-${s.id}"`);
    expect(jsonForScript({ a: '</script><!--\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });

  it('is self-contained: chart.js inlined, nothing loaded from the network', () => {
    expect((html.match(/<script/g) ?? []).length).toBe(3);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html.length).toBeGreaterThan(200_000);
  });

  it('shows host context, scenario, summary tables with the terminal columns, and warnings', () => {
    for (const text of [
      'Intel Xeon E5-2680 v4',
      '2 cores',
      '8.0 GiB',
      'Debian GNU/Linux 12',
      '6.1.0-18-amd64',
      'hybrid',
      'vda (254:0)',
      'ext4',
      '24.0.7',
      'cgbench 0.1.0',
    ]) {
      expect(html).toContain(escapeHtml(text));
    }
    for (const col of [
      'limit',
      'wall (median ± MAD)',
      'slowdown (95 % CI)',
      'expected',
      'CPU granted / quota',
      'throttle ratio',
      'OOM kills',
      'MB/s / throttle',
      'expected MB/s',
    ]) {
      expect(SUMMARY_COLUMNS).toContain(col);
      expect(html).toContain(`>${escapeHtml(col)}</th>`);
    }
    expect(html).toContain('3 measured + 1 warm-up per cell');
    // Warnings come one line per kind; each cell's full sentence is its link's title.
    expect(doc.warnings.length).toBeGreaterThan(0);
    for (const w of doc.warnings) expect(html).toContain(`title="${escapeHtml(w.message)}"`);
    const lines = html.match(/<ul class="warnings">([\s\S]*?)<\/ul>/)?.[1]?.match(/<li>/g) ?? [];
    expect(lines.length).toBe(new Set(doc.warnings.map((w) => `${w.code}\0${w.hint ?? ''}`)).size);
  });

  it('says why time-series charts are missing', () => {
    const page = renderHtml(bare);
    expect(page).toContain('No samples were recorded');
    expect(page).not.toContain('-cpu-time');
  });

  it('marks a partial document', () => {
    const partial = { ...bare, status: 'interrupted' as const, finishedAt: null };
    expect(renderHtml(partial)).toContain('Partial results.');
  });
});

describe('every reporter', () => {
  it('renders a document whose suite stopped before any run finished', async () => {
    const empty = structuredClone(bare);
    empty.status = 'failed';
    empty.finishedAt = null;
    for (const c of empty.cells) {
      c.runs = [];
      c.summary = {
        ...c.summary,
        measuredRuns: 0,
        outcomes: {},
        medianWallNs: null,
        slowdown: null,
        cpuGranted: null,
        throttleRatio: null,
        peakMemoryBytes: null,
        ioBytesPerSec: null,
      };
      delete c.summary.wall;
      delete c.summary.slowdownRange;
      delete c.summary.ranges;
    }
    expect(validateResultDocument(empty)).toEqual([]);
    for (const f of REPORT_FORMATS) {
      const files = await REPORTERS[f].render(empty);
      // github-benchmark writes one file per direction.
      if (f !== 'png') expect(files.length).toBe(f === 'github-benchmark' ? 2 : 1);
    }
    expect(renderHtml(empty)).toContain('Partial results.');
    expect(renderCsv(empty)).toBe(CSV_COLUMNS.join(',') + '\r\n');
  });
});

describe('PNG reporter', () => {
  it("renders 1200x600 non-blank charts: the kind's own summary chart and one time series per workload", async () => {
    const files = await renderPngs(doc);
    // Workload 3 is IO: its figure is the rate against the throttle, not a slowdown.
    const summaryKind = ['slowdown', 'slowdown', 'io-rate', 'slowdown'];
    for (let w = 1; w <= 4; w++) {
      const mine = files.filter((f) => f.path.startsWith(`charts/0${w}-`));
      expect(mine.some((f) => f.spec.kind === summaryKind[w - 1])).toBe(true);
      if (w === 3) expect(mine.some((f) => f.spec.kind === 'slowdown')).toBe(false);
      expect(mine.some((f) => f.spec.kind.endsWith('-time'))).toBe(true);
    }
    for (const f of files) {
      expect(f.path).toMatch(/^charts\/\d{2}-[a-z0-9-]+\.png$/);
      const png = PNG.sync.read(f.data);
      expect([png.width, png.height]).toEqual([PNG_WIDTH, PNG_HEIGHT]);
      // White background, then enough ink and colour to be a chart rather than a blank page.
      expect([png.data[0], png.data[1], png.data[2], png.data[3]]).toEqual([255, 255, 255, 255]);
      const { ratio, colours } = nonBlankRatio(png);
      expect(ratio).toBeGreaterThan(0.01);
      expect(colours).toBeGreaterThan(20);
    }
  });

  it('carries the host context under each chart', () => {
    expect(pngFooter(doc)).toBe(
      'cgbench 0.1.0 · fixture (' +
        doc.createdAt.slice(0, 10) +
        ') · bench-01 · Intel Xeon E5-2680 v4 @ 2.40GHz, 2 CPUs · kernel 6.1.0-18-amd64 · cgroup hybrid · Docker 24.0.7',
    );
  });
});

describe('Markdown reporter', () => {
  it('renders link-free tables with names escaped', () => {
    const md = renderMarkdown(doc);
    expect(md).toContain('## cgbench: fixture (complete)');
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md).toContain('pipe\\|star\\*\\_under\\_ \\[x\\](y)');
    expect(md).not.toMatch(/(?<!\\)\]\(|https?:\/\//);
    // Every table row has as many unescaped cell separators as its header.
    const tables = md.split('\n\n').filter((b) => b.startsWith('| '));
    expect(tables.length).toBe(5);
    for (const t of tables) {
      const counts = t.split('\n').map((l) => l.replace(/\\\|/g, '').split('|').length);
      expect(new Set(counts).size).toBe(1);
    }
    expect(md).toContain('### Warnings');
    expect(md).toContain('Intel Xeon E5-2680 v4 @ 2.40GHz (2 cores, x64)');
  });

  it('escapes Markdown and HTML in any text', () => {
    expect(escapeMarkdown('a|b *c* <d> [e](http://f) # g\nh')).toBe('a\\|b \\*c\\* &lt;d&gt; \\[e\\](http:&#47;&#47;f) # g h');
    expect(escapeMarkdown('# not a heading', { lineStart: true })).toBe('\\# not a heading');
    expect(escapeMarkdown('- not a list', { lineStart: true })).toBe('\\- not a list');
    expect(escapeMarkdown('1. not a list', { lineStart: true })).toBe('1\\. not a list');
    // Inside a table cell or after other text these mean nothing and stay as they are.
    expect(escapeMarkdown('191.7 ms')).toBe('191.7 ms');
    expect(escapeMarkdown('-1')).toBe('-1');
    expect(escapeMarkdown('`code` www.example.com')).toBe('\\`code\\` www&#46;example.com');
  });
});

describe('CSV reporter', () => {
  it('writes one RFC 4180 row per run with limits, outcome and metrics', () => {
    const csv = renderCsv(doc);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(CSV_COLUMNS);
    const runs = doc.cells.reduce((n, c) => n + c.runs.length, 0);
    expect(rows).toHaveLength(runs + 1);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    const col = (name: string): number => CSV_COLUMNS.indexOf(name);
    const tenth = rows.filter((r) => r[col('cell')] === 'cpu-loop / 10% CPU / fake' && r[col('warmup')] === 'false');
    expect(tenth).toHaveLength(3);
    expect(tenth[0]?.[col('cpu_quota_us')]).toBe('10000');
    expect([
      tenth[0]?.[col('host')],
      tenth[0]?.[col('kernel')],
      tenth[0]?.[col('docker_version')],
      tenth[0]?.[col('cgbench_version')],
    ]).toEqual(['bench-01', '6.1.0-18-amd64', '24.0.7', '0.1.0']);
    expect(Number(tenth[0]?.[col('throttle_ratio')])).toBeGreaterThan(0.9);
    const oom = rows.filter((r) => r[col('limit_set')] === '64M (below)' && r[col('warmup')] === 'false');
    expect(oom.every((r) => r[col('outcome')] === 'oom-killed' && r[col('memory_max_bytes')] === String(64 * 2 ** 20))).toBe(true);
    // Quotes, commas and markup survive the round trip.
    expect(rows.some((r) => r[col('limit_set')] === '"><img src=x onerror=alert(2)>')).toBe(true);
    expect(rows.some((r) => r[col('workload')] === XSS_NAME)).toBe(true);
  });

  it('carries the context switches and perf counters; a counter not measurable here is an empty field', () => {
    const cell = doc.cells.find((c) => c.id === 'cpu-loop / 10% CPU / fake') as Cell;
    const run = cell.runs.find((r) => !r.warmup) as Run;
    const process = run.process as ProcessStatus;
    const noPmu = { value: null, reason: 'no hardware PMU here' };
    const perf = { cpuMigrations: { value: 12 }, cycles: noPmu, instructions: noPmu };
    const one = { ...doc, cells: [{ ...cell, runs: [{ ...run, process: { ...process, involuntaryContextSwitches: 40, perf } }] }] };
    const [head = [], row = []] = parseCsv(renderCsv(one));
    const at = (name: string): string | undefined => row[head.indexOf(name)];
    expect([at('involuntary_ctx_switches'), at('cpu_migrations'), at('cycles'), at('instructions')]).toEqual(['40', '12', '', '']);
    expect(at('voluntary_ctx_switches')).toBe(String(process.voluntaryContextSwitches));
  });

  it('quotes fields and defuses spreadsheet formulas in text', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=1+1', true)).toBe("'=1+1");
    expect(csvField(-1)).toBe('-1');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(null)).toBe('');
  });
});

describe('JSON reporter', () => {
  it('is the document itself, as results.json is saved', () => {
    expect(JSON.parse(renderJson(doc))).toEqual(doc);
    expect(renderJson(doc)).toBe(JSON.stringify(doc, null, 1) + '\n');
  });
});

describe('writer', () => {
  it('registers every format', () => {
    expect(Object.keys(REPORTERS).sort()).toEqual([...REPORT_FORMATS].sort());
    expect(parseFormats('html, md,html,markdown')).toEqual(['html', 'md']);
  });

  it('rejects unknown formats and unwritable directories before a suite starts', async () => {
    const dir = tmp();
    await expect(checkOutputs(dir, 'html,pdf')).rejects.toThrowError(/unknown report format "pdf"/);
    const e1 = (await checkOutputs(dir, 'pdf').catch((e: unknown) => e)) as CgbenchError;
    expect(e1.code).toBe('E_INPUT');
    expect(e1.hint).toContain('html, png, md, csv, json');
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const e2 = (await checkOutputs(join(file, 'sub'), 'html').catch((e: unknown) => e)) as CgbenchError;
    expect(e2.code).toBe('E_OUTPUT');
    expect(e2.message).toContain(join(file, 'sub'));
    expect(e2.message).toContain('not a directory');
    expect(await checkOutputs(join(dir, 'new', 'deep'), 'png,csv')).toEqual(['png', 'csv']);
    expect(readdirSync(join(dir, 'new', 'deep'))).toEqual(['charts']);
  });

  it('writes every format and returns the paths, replacing stale charts only', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'charts'));
    writeFileSync(join(dir, 'charts', '09-old-slowdown.png'), 'stale');
    writeFileSync(join(dir, 'charts', 'mine.png'), 'keep');
    const paths = await writeReports(doc, dir, ['html', 'png', 'md', 'csv', 'json']);
    expect(paths[0]).toBe(join(dir, 'report.html'));
    expect(paths.slice(-3)).toEqual([join(dir, 'report.md'), join(dir, 'results.csv'), join(dir, 'results.json')]);
    const charts = readdirSync(join(dir, 'charts'));
    expect(charts).toContain('mine.png');
    expect(charts).not.toContain('09-old-slowdown.png');
    expect(charts.filter((n) => n !== 'mine.png').sort()).toEqual(
      paths
        .filter((p) => p.includes('/charts/'))
        .map((p) => p.split('/').pop())
        .sort(),
    );
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('cgbench report', () => {
  it('re-renders a saved document next to it or into --out', async () => {
    const dir = tmp();
    const file = join(dir, 'results.json');
    writeFileSync(file, readFileSync(FIXTURE_DOC));
    const next = await reportCommand(file);
    expect(next.paths).toEqual([join(dir, 'report.html'), join(dir, 'report.md')]);
    const out = join(dir, 'out');
    const res = await reportCommand(file, { format: 'csv,json', out });
    expect(res.paths).toEqual([join(out, 'results.csv'), join(out, 'results.json')]);
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(readFileSync(FIXTURE_DOC, 'utf8'));
  });

  it('refuses bad input with E_INPUT naming the file and the fix', async () => {
    const dir = tmp();
    const cases: [string, string | null, RegExp][] = [
      ['missing.json', null, /cannot read result document .*missing\.json \(ENOENT: no such file/],
      ['text.json', 'not json', /text\.json is not JSON/],
      ['array.json', '[]', /not a cgbench result document/],
      ['old.json', JSON.stringify({ ...bare, schemaVersion: 2 }), /old\.json has schemaVersion 2; this cgbench reads schemaVersion 1/],
      ['broken.json', JSON.stringify({ ...bare, cells: 'none' }), /broken\.json does not match the result schema: \/cells: must be array/],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, name);
      if (content !== null) writeFileSync(file, content);
      let caught: unknown;
      try {
        await reportCommand(file);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CgbenchError);
      expect((caught as CgbenchError).code).toBe('E_INPUT');
      expect((caught as CgbenchError).message).toMatch(message);
      expect((caught as CgbenchError).hint).toBeTruthy();
    }
    await expect(loadResultDocument(dir)).rejects.toThrowError(/EISDIR/);
  });

  it('accepts a document with fields a newer cgbench added', async () => {
    const dir = tmp();
    const file = join(dir, 'results.json');
    writeFileSync(file, JSON.stringify({ ...bare, somethingNew: true }));
    expect((await loadResultDocument(file)).scenario.name).toBe('fixture');
  });
});
