// SLO text to objectives (and one clear line for each mistake), each run's figure, and one probe's statistical
// verdict: holds, fails or undecided at the chosen confidence.
import { describe, expect, it } from 'vitest';
import { checkSlo, lowerIsBetter, parseSlo, runFigure, SloError, sloKindProblem } from '../../src/analysis/slo.js';
import { figureText } from '../../src/model/slo.js';
import type { Run } from '../../src/model/types.js';

const run = (metrics: Record<string, number>, outcome: Run['outcome'] = 'ok'): Run =>
  ({
    outcome,
    index: 0,
    warmup: false,
    startedAt: '2026-01-01T00:00:00Z',
    harnessWallNs: 1,
    metrics: { wallNs: 1e9, ...metrics },
    ...(outcome === 'ok' ? {} : { message: outcome }),
  }) as Run;

describe('parseSlo', () => {
  it.each([
    ['p99 <= 20ms', { figure: 'p99', op: '<=', bound: 20e6, relative: false }],
    ['p99.9<5ms', { figure: 'p999', op: '<', bound: 5e6, relative: false }],
    ['p50 <= 800us', { figure: 'p50', op: '<=', bound: 800e3, relative: false }],
    ['max ≤ 1.5x', { figure: 'max', op: '<=', bound: 1.5, relative: true }],
    ['throughput >= 0.95x', { figure: 'throughput', op: '>=', bound: 0.95, relative: true }],
    ['rps >= 1000/s', { figure: 'throughput', op: '>=', bound: 1000, relative: false }],
    ['slowdown <= 1.2', { figure: 'slowdown', op: '<=', bound: 1.2, relative: false }],
    ['slowdown <= 1.2x', { figure: 'slowdown', op: '<=', bound: 1.2, relative: false }],
    ['wall < 3s', { figure: 'wall', op: '<', bound: 3e9, relative: false }],
    ['errors <= 0', { figure: 'errors', op: '<=', bound: 0, relative: false }],
    ['hit_ratio >= 0.9', { figure: 'hitRatio', op: '>=', bound: 0.9, relative: false }],
  ])('%s', (text, want) => {
    expect(parseSlo(text)).toEqual({ text, ...want });
  });

  it.each([
    ['p99 20ms', /write FIGURE OP VALUE/],
    ['p99 <= 20', /p99 is a time: give a unit/],
    ['p99 >= 20ms', /lower is better: write p99 <= 20ms/],
    ['throughput <= 100/s', /higher is better: write throughput >= 100\/s/],
    ['throughput >= 100MB', /per second: write e.g. 1000\/s/],
    ['slowdown <= 1.2ms', /a ratio to the unlimited run/],
    ['p99 <= 0ms', /must be above 0/],
    ['errors <= 0 ms', /compared as it reports it/],
  ])('%s is refused in one line', (text, message) => {
    expect(() => parseSlo(text)).toThrow(SloError);
    expect(() => parseSlo(text)).toThrow(message);
    try {
      parseSlo(text);
    } catch (e) {
      expect((e as Error).message).toMatch(new RegExp(`^--slo '${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': `));
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('knows which workloads report a figure', () => {
    expect(sloKindProblem(parseSlo('p99 <= 1ms'), 'latency')).toBeNull();
    expect(sloKindProblem(parseSlo('p99 <= 1ms'), 'cpu')).toMatch(/a cpu workload does not report the 99th percentile latency/);
    expect(sloKindProblem(parseSlo('errors <= 0'), 'command')).toBeNull();
    expect(sloKindProblem(parseSlo('errors <= 0'), 'cpu')).toMatch(/reports no figure "errors"/);
    expect(sloKindProblem(parseSlo('p99.9 <= 5ms'), 'service')).toBeNull();
    expect(sloKindProblem(parseSlo('throughput >= 0.95x'), 'service')).toBeNull();
    expect(sloKindProblem(parseSlo('errors <= 0'), 'service')).toBeNull();
    expect(sloKindProblem(parseSlo('max <= 5ms'), 'service')).toMatch(/a service workload does not report the largest latency/);
    expect(lowerIsBetter(parseSlo('throughput >= 1x'))).toBe(false);
  });
});

describe('a run figure and a probe verdict', () => {
  it('reads latency, throughput (ops, else bytes, per second) and custom figures', () => {
    const ok = run({ p99Ns: 3e6, ops: 500, wallNs: 2e9, hitRatio: 0.93 }) as Parameters<typeof runFigure>[0];
    expect(runFigure(ok, { figure: 'p99' })).toBe(3e6);
    expect(runFigure(ok, { figure: 'throughput' })).toBe(250);
    expect(runFigure(ok, { figure: 'hitRatio' })).toBe(0.93);
    expect(runFigure(ok, { figure: 'p90' })).toBeUndefined();
    expect(figureText({ figure: 'throughput', relative: false }, 1234.5)).toBe('1,235/s');
    expect(figureText({ figure: 'p99', relative: false }, 3e6)).toBe('3.0 ms');
  });

  it("reads a service's figures from its named metrics (the generator's, times in ms) and a command's own", () => {
    const named = (metrics: Record<string, [number, string]>): Parameters<typeof runFigure>[0] =>
      ({
        ...run({ wallNs: 5e9 }),
        namedMetrics: Object.fromEntries(
          Object.entries(metrics).map(([k, [value, unit]]) => [k, { value, unit, direction: 'lower-is-better' }]),
        ),
      }) as Parameters<typeof runFigure>[0];
    const svc = named({ throughput: [17605, 'req/s'], p99: [0.36, 'ms'], 'p99.9': [74.19, 'ms'], errors: [0, ''] });
    expect(runFigure(svc, parseSlo('throughput >= 1000/s'))).toBe(17605);
    expect(runFigure(svc, parseSlo('p99 <= 1ms'))).toBeCloseTo(0.36e6);
    expect(runFigure(svc, parseSlo('p99.9 <= 1ms'))).toBeCloseTo(74.19e6);
    expect(runFigure(svc, parseSlo('errors <= 0'))).toBe(0);
    expect(runFigure(svc, parseSlo('p90 <= 1ms'))).toBeUndefined();
    // A time in a unit the SLO cannot convert is not read as nanoseconds.
    expect(runFigure(named({ p99: [3, 'ticks'] }), parseSlo('p99 <= 1ms'))).toBeUndefined();
    expect(runFigure(named({ hit_ratio: [0.93, ''] }), parseSlo('hit_ratio >= 0.9'))).toBe(0.93);
  });

  const slo = parseSlo('p99 <= 10ms');
  it.each([
    ['clearly below', [2e6, 2.2e6, 2.1e6], 'holds'],
    ['clearly above', [30e6, 31e6, 29e6], 'fails'],
    ['straddling', [8e6, 12e6, 10e6], 'undecided'],
    ['one run', [2e6], 'undecided'],
  ])('%s: %s', (_what, values, verdict) => {
    expect(
      checkSlo(
        slo,
        values.map((v) => run({ p99Ns: v })),
        null,
        0.95,
      ).verdict,
    ).toBe(verdict);
  });

  it('a run that did not end ok fails the probe: a killed service meets no SLO', () => {
    const c = checkSlo(slo, [run({ p99Ns: 1e6 }), run({ p99Ns: 1e6 }), run({}, 'oom-killed')], null, 0.95);
    expect(c.verdict).toBe('fails');
  });

  it('a latency bound never reads below zero: a wide t-interval over three runs is clamped at 0, and says so in time', () => {
    const c = checkSlo(
      slo,
      [1e6, 1.2e6, 40e6].map((v) => run({ p99Ns: v })),
      null,
      0.95,
    );
    expect(c.method).toBe('t');
    expect(c.bounds?.[0]).toBe(0);
    expect(c.bounds?.[1]).toBeGreaterThan(40e6);
    expect(figureText(slo, -1133580)).toBe('-1.1 ms');
  });

  it('relative SLOs and slowdown divide by the baseline median; higher-is-better turns the bounds round', () => {
    const tput = parseSlo('throughput >= 0.9x');
    const runs = [980, 1000, 990].map((ops) => run({ ops, wallNs: 1e9 }));
    const c = checkSlo(tput, runs, 1000, 0.95);
    expect(c.median).toBeCloseTo(0.99, 5);
    expect(c.verdict).toBe('holds');
    expect(checkSlo(tput, runs, 1200, 0.95).verdict).toBe('fails');
    const sd = checkSlo(parseSlo('slowdown <= 1.2'), [run({ wallNs: 2e9 }), run({ wallNs: 2.1e9 }), run({ wallNs: 2.05e9 })], 1e9, 0.95);
    expect(sd.verdict).toBe('fails');
    expect(sd.median).toBeCloseTo(2.05, 5);
  });
});
