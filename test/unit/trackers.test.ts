// The formats benchmark trackers and metrics systems read: Bencher Metric Format (against Bencher's JSON
// Schema), github-action-benchmark's custom JSON (against what the action reads), OpenMetrics text (through
// promtool and the Prometheus Python client's strict OpenMetrics parser): their figures, their names stable
// from one night to the next, and names from the scenario escaped for each format.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cell, ResultDocument } from '../../src/model/types.js';
import { bencherDocument, serializeBencher } from '../../src/reporters/bencher.js';
import { FIGURES, TRACKED_FIGURES } from '../../src/reporters/figures.js';
import { githubBenchmarkEntries, serializeGithubBenchmark } from '../../src/reporters/github-benchmark.js';
import { escapeLabelValue, serializeMetrics } from '../../src/reporters/openmetrics.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { loadPreset } from '../../src/scenario/load.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { buildDocument, HOST, MD_NAME, XSS_NAME } from '../fixtures/docs/build.js';
import { consumer, FIXTURES } from '../helpers.js';

const Ajv = AjvModule.default;
const schema = (name: string): object => JSON.parse(readFileSync(join(FIXTURES, 'formats', name), 'utf8')) as object;

const PROMTOOL = consumer('/usr/bin/promtool', 'prometheus', 'promtool check metrics');
// Debian's python3 (not a pyenv one), where python3-prometheus-client installs.
const PYTHON = consumer('/usr/bin/python3', 'python3', 'OpenMetrics parser');
const hasOmParser =
  PYTHON !== null && spawnSync(PYTHON, ['-c', 'import prometheus_client.openmetrics.parser'], { encoding: 'utf8' }).status === 0;
if (PYTHON && !hasOmParser)
  console.log('OpenMetrics parser: skipped, prometheus_client is missing (apt-get install -y python3-prometheus-client)');

/** A name with everything a format must escape: quotes, backslashes, braces, commas, equals, markup, non-ASCII. */
const NASTY = 'a "q" \\d {x}, y=z <&> é ½';

/** The latency preset on the fake runtime: the tracked p99 comes from it. */
async function latencyDocument(suiteId: string): Promise<ResultDocument> {
  const scenario = loadPreset('latency');
  return runSuite({
    scenario: { ...scenario, runtimes: ['fake'], repetitions: 3, warmup: 0 },
    host: HOST,
    runtimes: { fake: new FakeRuntime({ noise: 0.02 }) },
    scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
    scratchDir: '/var/tmp',
    save: () => {},
    suiteId,
  });
}

/** One cell renamed to NASTY (workload, limit set and id), and the scenario too. */
function withNastyNames(doc: ResultDocument): ResultDocument {
  const copy = structuredClone(doc);
  copy.scenario.name = NASTY;
  const cell = copy.cells.find((c) => c.baselineId !== null && c.kind === 'cpu') as Cell;
  cell.workload = NASTY;
  cell.limitSet = `${NASTY} limit`;
  cell.id = `${NASTY} / ${NASTY} limit / ${cell.runtime}`;
  return copy;
}

let doc: ResultDocument;
let other: ResultDocument;
let latency: ResultDocument;

beforeAll(async () => {
  // Six runs a cell: enough for the slowdown's interval and the median's distribution-free one (the latency
  // document's three runs take the t interval).
  doc = await buildDocument({ samples: false, repetitions: 6 });
  // Another night: other noise, other timestamps, the same scenario.
  other = await buildDocument({ samples: false, repetitions: 6, suiteId: 'another-night', noise: 0.05 });
  latency = await latencyDocument('latency-night');
});

describe('Bencher Metric Format', () => {
  it("validates against Bencher's BMF schema: a benchmark per measured cell, the tracked figures with their intervals", () => {
    const validate = new Ajv({ strict: false }).compile(schema('bmf.schema.json'));
    for (const d of [doc, latency, withNastyNames(doc)]) {
      const bmf = JSON.parse(serializeBencher(d)) as unknown;
      expect(validate(bmf), JSON.stringify(validate.errors)).toBe(true);
    }
    const bmf = bencherDocument(doc);
    const measured = doc.cells.filter((c) => c.summary.measuredRuns > 0);
    expect(Object.keys(bmf).sort()).toEqual(measured.map((c) => c.id).sort());
    const slugs = new Set(TRACKED_FIGURES.map((f) => f.tracked.slug));
    expect([...slugs].sort()).toEqual(['cpu-granted', 'io-rate', 'p99-latency', 'slowdown', 'wall-time']);
    for (const cell of measured) {
      const m = bmf[cell.id] ?? {};
      for (const slug of Object.keys(m)) expect(slugs.has(slug)).toBe(true);
      expect(m['wall-time']?.value).toBeCloseTo((cell.summary.medianWallNs ?? 0) / 1e9, 12);
      // Slowdown only where it means something: not the baseline itself, not an IO cell.
      expect('slowdown' in m).toBe(cell.baselineId !== null && cell.kind !== 'io');
      expect('io-rate' in m).toBe(cell.kind === 'io');
      for (const [slug, metric] of Object.entries(m)) {
        // Six measured runs give every figure an interval, and it holds the median.
        expect(metric.lower_value, `${cell.id} ${slug}`).toBeLessThanOrEqual(metric.value);
        expect(metric.upper_value, `${cell.id} ${slug}`).toBeGreaterThanOrEqual(metric.value);
        expect(metric.lower_value).toBeGreaterThanOrEqual(0);
      }
    }
    const slowdown = bmf['cpu-loop / 10% CPU / fake']?.slowdown;
    expect(slowdown?.value).toBeGreaterThan(8);
    expect(slowdown?.value).toBeLessThan(12);
    const p99 = Object.entries(bencherDocument(latency)).filter(([, m]) => m['p99-latency']);
    expect(p99.length).toBeGreaterThan(1);
    for (const [name, m] of p99) {
      expect(m['wall-time'], name).toBeUndefined();
      // Three runs: the mean's t interval, still around the median here.
      expect(m['p99-latency']?.lower_value).toBeLessThanOrEqual(m['p99-latency']?.value ?? 0);
    }
  });

  it('keeps benchmark names and measures from one night to the next, and names that need escaping whole', () => {
    const shape = (d: ResultDocument): string[] =>
      Object.entries(bencherDocument(d)).flatMap(([name, m]) => Object.keys(m).map((slug) => `${name}\0${slug}`));
    expect(shape(other)).toEqual(shape(doc));
    const names = Object.keys(JSON.parse(serializeBencher(withNastyNames(doc))) as object);
    expect(names).toContain(`${NASTY} / ${NASTY} limit / fake`);
    expect(names).toContain(`${XSS_NAME} / unlimited / fake`);
    // Bencher takes a kebab-case name as a slug and a -bencher-ignore suffix as an order: ids never look like either.
    for (const n of names) expect(n).toMatch(/ \/ /);
  });
});

describe('github-action-benchmark custom JSON', () => {
  it('validates against what the action reads, one file per direction, each figure once', () => {
    const validate = new Ajv({ strict: false }).compile(schema('github-action-benchmark.schema.json'));
    for (const d of [doc, latency, withNastyNames(doc)]) {
      for (const dir of ['smaller', 'bigger'] as const) {
        const entries = JSON.parse(serializeGithubBenchmark(d, dir)) as unknown;
        expect(validate(entries), JSON.stringify(validate.errors)).toBe(true);
      }
    }
    const smaller = githubBenchmarkEntries(doc, 'smaller');
    const bigger = githubBenchmarkEntries(doc, 'bigger');
    expect(new Set(smaller.map((e) => e.name.split(' — ')[1]))).toEqual(new Set(['wall time', 'slowdown']));
    expect(new Set(bigger.map((e) => e.name.split(' — ')[1]))).toEqual(new Set(['CPU granted', 'IO rate']));
    expect(new Set(githubBenchmarkEntries(latency, 'smaller').map((e) => e.unit))).toContain('ms');
    const all = [...smaller, ...bigger];
    expect(new Set(all.map((e) => e.name)).size).toBe(all.length);
    for (const e of all) {
      // The action's range parser: "±", then a number it can read.
      const m = /^±\s*(\d.+)$/.exec(e.range ?? '');
      expect(m, e.range).not.toBeNull();
      expect(Number.isFinite(Number(m?.[1]))).toBe(true);
      expect(e.extra).toMatch(/^median of \d+ run\(s\); 95 % interval /);
    }
    const wall = smaller.find((e) => e.name === 'cpu-loop / unlimited / fake — wall time');
    const cell = doc.cells.find((c) => c.id === 'cpu-loop / unlimited / fake');
    expect(wall?.unit).toBe('s');
    expect(wall?.value).toBeCloseTo((cell?.summary.medianWallNs ?? 0) / 1e9, 5);
    const io = bigger.find((e) => e.name === 'io-write / 10 MB/s / fake — IO rate');
    expect(io?.unit).toBe('MB/s');
    expect(io?.value).toBeGreaterThan(9);
    expect(io?.value).toBeLessThan(12);
  });

  it('keeps entry names from one night to the next', () => {
    const names = (d: ResultDocument): string[] =>
      [...githubBenchmarkEntries(d, 'smaller'), ...githubBenchmarkEntries(d, 'bigger')].map((e) => e.name);
    expect(names(other)).toEqual(names(doc));
  });
});

/** Every sample as the Prometheus Python client's strict OpenMetrics parser reads it: [name, labels, value]. */
function parseOpenMetrics(text: string): [string, Record<string, string>, number][] {
  const script =
    'import json, sys\n' +
    'from prometheus_client.openmetrics.parser import text_string_to_metric_families\n' +
    'out = [[s.name, s.labels, s.value] for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]\n' +
    'print(json.dumps(out))\n';
  const out = execFileSync(PYTHON as string, ['-c', script], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  return JSON.parse(out) as [string, Record<string, string>, number][];
}

function promtool(text: string): { status: number | null; output: string } {
  const res = spawnSync(PROMTOOL as string, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: res.status, output: res.stdout + res.stderr };
}

describe('OpenMetrics text', () => {
  it('is one gauge family per figure, each cell a sample labelled by its names, the intervals their own families', () => {
    const text = serializeMetrics(doc, 'openmetrics');
    expect(text.endsWith('# EOF\n')).toBe(true);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)];
    expect(types.every((m) => m[2] === 'gauge')).toBe(true);
    const names = types.map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
    for (const def of FIGURES.filter((f) => f.key !== 'latency_p50' && f.key !== 'latency_p99' && f.key !== 'latency_max')) {
      expect(
        names.some((n) => n?.startsWith(`cgbench_${def.key}`)),
        def.key,
      ).toBe(true);
    }
    expect(names).toEqual(expect.arrayContaining(['cgbench_wall_seconds', 'cgbench_wall_lower_seconds', 'cgbench_slowdown_upper_ratio']));
    expect(text).toContain('# UNIT cgbench_io_rate_bytes_per_second bytes_per_second');
    const line = text.split('\n').find((l) => l.startsWith('cgbench_slowdown_ratio{') && l.includes('limit_set="10% CPU"'));
    expect(line).toMatch(
      /^cgbench_slowdown_ratio\{scenario="fixture",host="bench-01",workload="cpu-loop",kind="cpu",runtime="fake",limit_set="10% CPU"\} \d/,
    );
    // Prometheus text 0.0.4 (what a Pushgateway takes): the same samples, no UNIT and no EOF.
    const prom = serializeMetrics(doc, 'prometheus');
    expect(prom).not.toMatch(/^# (UNIT|EOF)/m);
    expect(prom.split('\n').filter((l) => !l.startsWith('#'))).toEqual(text.split('\n').filter((l) => !l.startsWith('#')));
  });

  it.skipIf(!PROMTOOL)('passes promtool check metrics, in both flavours, with names that need escaping', () => {
    for (const d of [doc, latency, withNastyNames(doc)]) {
      for (const flavour of ['openmetrics', 'prometheus'] as const) {
        const res = promtool(serializeMetrics(d, flavour));
        expect(res.status, res.output).toBe(0);
        expect(res.output.trim()).toBe('');
      }
    }
    // The check is real: a counter without _total and a malformed line fail it.
    expect(promtool('# TYPE x counter\nx 1\n').status).not.toBe(0);
    expect(promtool('x{a="b} 1\n').status).not.toBe(0);
  });

  it.skipIf(!hasOmParser)("parses with the Prometheus client's strict OpenMetrics parser, every label value back as written", () => {
    const nasty = withNastyNames(doc);
    const samples = parseOpenMetrics(serializeMetrics(nasty, 'openmetrics'));
    const wall = samples.filter(([n]) => n === 'cgbench_wall_seconds');
    expect(wall.length).toBe(nasty.cells.filter((c) => c.summary.medianWallNs !== null).length);
    const workloads = new Set(wall.map(([, l]) => l.workload));
    expect(workloads).toEqual(new Set(nasty.cells.filter((c) => c.summary.medianWallNs !== null).map((c) => c.workload)));
    expect(workloads.has(NASTY) && workloads.has(XSS_NAME) && workloads.has(MD_NAME)).toBe(true);
    expect(wall.every(([, l]) => l.scenario === NASTY)).toBe(true);
    const runs = samples.filter(([n]) => n === 'cgbench_runs');
    expect(runs.length).toBe(nasty.cells.length * 5);
    expect(runs.filter(([, l]) => l.outcome === 'ok').reduce((n, [, , v]) => n + v, 0)).toBe(
      nasty.cells.reduce((n, c) => n + (c.summary.outcomes.ok ?? 0), 0),
    );
    // The parser refuses what OpenMetrics forbids: the check is real.
    expect(() => parseOpenMetrics('# TYPE x gauge\nx 1\n')).toThrow();
  });

  it('keeps every series (family and labels) from one night to the next', () => {
    const series = (d: ResultDocument): string[] =>
      serializeMetrics(d, 'openmetrics')
        .split('\n')
        .filter((l) => l && !l.startsWith('#') && !l.startsWith('cgbench_started_timestamp'))
        .map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(series(other)).toEqual(series(doc));
  });

  it('escapes label values as both formats read them', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeLabelValue('é {x}, y=z')).toBe('é {x}, y=z');
  });
});
