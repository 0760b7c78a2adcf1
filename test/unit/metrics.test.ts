import { describe, expect, it } from 'vitest';
import { compareDocuments } from '../../src/analysis/compare.js';
import { summarizeNamedMetrics } from '../../src/analysis/named.js';
import type { OkRun } from '../../src/analysis/runs.js';
import type { NamedMetric } from '../../src/model/types.js';
import { formatMetric, formatMetricSpread } from '../../src/model/units.js';
import { readCommandMetrics, readFioOutput, readMetricLines } from '../../src/programs/metrics.js';
import { renderCsv } from '../../src/reporters/csv.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { HOST } from '../fixtures/docs/build.js';
import { fixture } from '../helpers.js';

const line = (o: Record<string, unknown>): string => JSON.stringify(o);

describe('the metrics protocol', () => {
  it('reads named figures with unit and direction; a later line replaces an earlier one', () => {
    const r = readMetricLines([
      line({ name: 'ops', value: 100, unit: 'ops/s', direction: 'higher-is-better' }),
      '',
      line({ name: 'p99', value: 12.5, unit: 'ms', direction: 'lower-is-better' }),
      line({ name: 'ops', value: 120, unit: 'ops/s', direction: 'higher-is-better' }),
      line({ name: 'errors', value: 0, direction: 'neutral' }),
    ]);
    expect(r.problems).toEqual([]);
    expect(r.metrics).toEqual({
      ops: { value: 120, unit: 'ops/s', direction: 'higher-is-better' },
      p99: { value: 12.5, unit: 'ms', direction: 'lower-is-better' },
      errors: { value: 0, unit: '', direction: 'neutral' },
    });
  });
  it('names each bad line and what to fix', () => {
    const r = readMetricLines([
      'ops=12',
      line({ name: 'ops', value: 'fast', direction: 'higher-is-better' }),
      line({ name: '9lives', value: 1, direction: 'up' }),
      line({ name: 'x', value: 1, direction: 'neutral', colour: 'red' }),
      '[1]',
    ]);
    expect(r.problems).toEqual([
      'CGBENCH_METRICS line 1: not JSON: ops=12',
      'CGBENCH_METRICS line 2: value must be a finite number',
      'CGBENCH_METRICS line 3: name must be a letter then letters, digits, _ . - (at most 64); direction must be one of higher-is-better, lower-is-better, neutral',
      'CGBENCH_METRICS line 4: unknown field colour',
      expect.stringMatching(/^CGBENCH_METRICS line 5: not a JSON object/),
    ]);
  });
  it('protocol format: a command that reports nothing fails; auto accepts nothing', () => {
    expect(readCommandMetrics('auto', [], '').problems).toEqual([]);
    expect(readCommandMetrics('protocol', [], '').problems[0]).toMatch(/reported no metrics: write JSON lines .* \$CGBENCH_METRICS/);
  });
});

describe("fio's JSON report", () => {
  it('gives IOPS, bandwidth and completion latency per direction of a real fio 3.33 run', () => {
    const r = readFioOutput(fixture('fio/randrw.json'));
    expect(r.problems).toEqual([]);
    const names = Object.keys(r.metrics);
    for (const side of ['read', 'write'])
      for (const f of ['iops', 'bw', 'clat_mean', 'clat_p50', 'clat_p99', 'clat_p99.9']) expect(names).toContain(`${side}_${f}`);
    expect(names.some((n) => n.startsWith('trim'))).toBe(false);
    expect(r.metrics.read_iops).toEqual({ value: 2454.726368, unit: 'ops/s', direction: 'higher-is-better' });
    expect(r.metrics.read_bw?.value).toBe(10054559);
    expect(r.metrics.read_clat_p99).toEqual({ value: 3489792, unit: 'ns', direction: 'lower-is-better' });
  });
  it('adds up several jobs and keeps each job under its name', () => {
    const one = JSON.parse(fixture('fio/randrw.json')) as { jobs: Record<string, unknown>[] };
    const two = { ...one, jobs: [one.jobs[0], { ...one.jobs[0], jobname: 'second' }] };
    const r = readFioOutput(`fio-3.33\n${JSON.stringify(two)}`);
    expect(r.metrics.read_iops?.value).toBeCloseTo(2 * 2454.726368, 6);
    expect(r.metrics['second.read_clat_p99']?.value).toBe(3489792);
    expect(r.metrics['randrw.write_iops']).toBeDefined();
  });
  it('refuses output that is not fio JSON, and failed jobs', () => {
    expect(readFioOutput('randrw: (g=0): rw=randrw').problems[0]).toMatch(/no JSON report .* --output-format=json/);
    const one = JSON.parse(fixture('fio/randrw.json')) as { jobs: Record<string, unknown>[] };
    const failed = { ...one, jobs: [{ ...one.jobs[0], error: 5 }] };
    expect(readFioOutput(JSON.stringify(failed)).problems).toEqual(['fio job randrw ended with error 5']);
    // The fio format also reads the protocol file, and its problems count too.
    expect(readCommandMetrics('fio', ['nope'], fixture('fio/randrw.json')).problems).toHaveLength(1);
  });
});

describe('named figures over a cell', () => {
  const run = (m: Record<string, NamedMetric>): OkRun => ({
    outcome: 'ok',
    metrics: { wallNs: 1 },
    index: 0,
    warmup: false,
    startedAt: '',
    harnessWallNs: 1,
    namedMetrics: m,
  });
  const ops = (v: number): Record<string, NamedMetric> => ({ ops: { value: v, unit: 'ops/s', direction: 'higher-is-better' } });
  it('takes each figure over the runs and against the baseline, with the ratio interval where runs allow', () => {
    const base = [100, 102, 98, 101, 99].map((v) => run(ops(v)));
    const half = [50, 51, 49, 50.5, 49.5].map((v) => run(ops(v)));
    const [s] = summarizeNamedMetrics(half, base);
    expect(s?.name).toBe('ops');
    expect(s?.stats.median).toBe(50);
    expect(s?.vsBaseline).toBeCloseTo(0.5, 12);
    expect(s?.vsBaselineRange?.[0]).toBeLessThan(0.5);
    expect(s?.vsBaselineRange?.[1]).toBeGreaterThan(0.49);
    // No ratio to a zero baseline, nor for a figure the baseline lacks.
    const [z] = summarizeNamedMetrics([run(ops(3))], [run(ops(0))]);
    expect(z?.vsBaseline).toBeUndefined();
    expect(summarizeNamedMetrics([run(ops(3))], [run({})])[0]?.vsBaseline).toBeUndefined();
  });
  it('are written in their own unit, times and bytes as cgbench writes its own', () => {
    expect(formatMetric(1234.5, 'ops/s')).toBe('1235 ops/s');
    expect(formatMetric(1.5, 'ms')).toBe('1.5 ms');
    expect(formatMetric(2048, 'B')).toBe('2.0 KiB');
    expect(formatMetric(0.5, '')).toBe('0.500');
    expect(formatMetricSpread(1000, 12, 'ops/s')).toBe('1000 ± 12.00 ops/s');
    expect(formatMetricSpread(3489792, 10000, 'ns')).toBe('3.5 ms ± 10.0 µs');
  });
});

describe('named figures in the document, the CSV and compare', () => {
  /** A command that speaks the protocol, on the fake runtime (which simulates its figures: ops/s, and ms per request). */
  const suite = (suiteId: string) =>
    runSuite({
      scenario: validateScenario(
        {
          name: 'own',
          runtimes: ['fake'],
          repetitions: 5,
          workloads: [{ name: 'svc', kind: 'command', command: ['/bin/true'], metrics: 'protocol', limits: [{ cpus: 0.5 }] }],
        },
        'own.yaml',
      ),
      host: HOST,
      runtimes: { fake: new FakeRuntime({ noise: 0.02 }) },
      scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
      scratchDir: '/var/tmp',
      save: () => {},
      suiteId,
    });

  it("keeps each run's figures, one CSV column each, and gates a drop of a higher-is-better figure", async () => {
    const base = await suite('night-1');
    const cell = base.cells.find((c) => c.limitSet === '0.50 CPU');
    expect(cell?.summary.namedMetrics?.map((m) => m.name)).toEqual(['ops', 'request']);
    expect(cell?.summary.namedMetrics?.[0]?.vsBaseline).toBeCloseTo(0.5, 1);
    const csv = renderCsv(base).split('\r\n');
    expect(csv[0]).toMatch(/,metric:ops,metric:request$/);
    expect(csv[1]?.split(',').length).toBe(csv[0]?.split(',').length);

    const worse = await suite('night-2');
    for (const c of worse.cells)
      for (const r of c.runs)
        if (r.namedMetrics?.ops) r.namedMetrics.ops = { ...r.namedMetrics.ops, value: r.namedMetrics.ops.value * 0.8 };
    const cmp = compareDocuments(base, worse, { thresholdPct: 5 });
    const ops = cmp.cells.find((c) => c.limitSet === '0.50 CPU')?.metrics.find((m) => m.label === 'ops');
    expect(ops).toMatchObject({ metric: 'named', unit: 'own', ownUnit: 'ops/s', direction: 'higher-is-better', verdict: 'regression' });
    expect(ops?.changePct).toBeGreaterThan(-25);
    expect(ops?.changePct).toBeLessThan(-15);
    const request = cmp.cells.find((c) => c.limitSet === '0.50 CPU')?.metrics.find((m) => m.label === 'request');
    expect(request?.verdict).not.toBe('regression');
  });
});
