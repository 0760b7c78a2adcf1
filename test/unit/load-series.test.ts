import { describe, expect, it } from 'vitest';
import { latencyTimeline } from '../../src/model/load-series.js';
import type { Cell, Reading, Run, RunLoad, SampleSeries, ServiceParams } from '../../src/model/types.js';
import { timeSeriesCharts } from '../../src/reporters/charts/time-charts.js';
import type { ChartSpec, Dataset } from '../../src/reporters/charts/spec.js';
import { deriveSeries } from '../../src/sampler/derive.js';

// A made-up monotonic origin far from 0, as CLOCK_MONOTONIC is on a machine that has been up a while.
const BOOT = 7_000_000_000_000;
const MS = 1e6;

/** Readings every 5 ms for 400 ms of a group under 0.25 CPU (100 ms period): it runs 25 ms of each period, then
 *  stalls for 75 ms (its usage stands still), throttled at the end of each period. */
function readings(): Reading[] {
  const out: Reading[] = [];
  let usageUs = 0;
  let periods = 0;
  for (let t = 0; t <= 400; t += 5) {
    if (t > 0 && t % 100 <= 25 && t % 100 !== 0) usageUs += 5000;
    if (t > 0 && t % 100 === 0) periods++;
    out.push({ tNs: BOOT + t * MS, cpu: { usageUs, nrPeriods: periods, nrThrottled: periods, throttledUs: periods * 75_000 } });
  }
  return out;
}

/** The generator's series from 20 ms after the first reading, 10 ms intervals: requests arriving while the group
 *  is stalled (phase 25..100 ms of each period) wait for the next period; the others are served in 1 ms. */
function load(t0Ms = 20): RunLoad {
  const n = 38;
  const p99Ns: number[] = [];
  const p50Ns: number[] = [];
  for (let i = 0; i < n; i++) {
    const phase = (t0Ms + i * 10) % 100;
    const stalled = phase >= 25;
    p99Ns.push(stalled ? (100 - phase) * MS : 1 * MS);
    p50Ns.push(stalled ? (95 - phase) * MS : 0.5 * MS);
  }
  p99Ns[5] = 0; // nobody arrived in interval 5
  p50Ns[5] = 0;
  return {
    mode: 'open',
    t0Ns: BOOT + t0Ms * MS,
    cpuNs: 1e7,
    threadBusyMax: 0.1,
    series: { intervalNs: 10 * MS, ok: p99Ns.map(() => 10), errors: p99Ns.map(() => 0), p50Ns, p90Ns: p99Ns, p99Ns, maxNs: p99Ns },
  };
}

const PARAMS: ServiceParams = {
  kind: 'service',
  argv: ['nginx'],
  server: 'nginx',
  port: 0,
  readyTimeoutMs: 5000,
  protocol: 'http',
  path: '/',
  mode: 'open',
  rates: [1000],
  connections: 16,
  durationMs: 300,
  warmupMs: 50,
};

function run(i: number, p99Ms: number, extra: Partial<Run> = {}): Run {
  const rs = readings();
  const samples: SampleSeries = deriveSeries(rs, BOOT, 5, rs.length - 1);
  return {
    index: i,
    warmup: false,
    startedAt: '2026-12-06T20:00:00.000Z',
    harnessWallNs: 4e8,
    outcome: 'ok',
    metrics: { wallNs: 4e8 },
    before: rs[0],
    after: rs.at(-1),
    samples,
    load: load(),
    namedMetrics: { p99: { value: p99Ms, unit: 'ms', direction: 'lower-is-better' } },
    ...extra,
  } as Run;
}

function cell(runs: Run[], quota = true): Cell {
  return {
    id: `nginx / ${quota ? '0.25 CPU' : 'unlimited'} / native`,
    workload: 'nginx',
    kind: 'service',
    params: PARAMS,
    runtime: 'native',
    limitSet: quota ? '0.25 CPU' : 'unlimited',
    limits: quota ? { cpu: { quotaUs: 25_000, periodUs: 100_000 } } : {},
    baselineId: null,
    runs,
    summary: {},
  } as unknown as Cell;
}

const charts = (c: Cell): ChartSpec[] => timeSeriesCharts([c], 0, { maxRunsPerChart: 3 });
const serviceChart = (c: Cell): ChartSpec | undefined => charts(c).find((s) => s.kind === 'service-time');
const dataset = (s: ChartSpec, label: string): Dataset | undefined => s.config.data.datasets.find((d) => d.label?.startsWith(label));
const xy = (d: Dataset | undefined): { x: number; y: number | null }[] => (d?.data ?? []) as { x: number; y: number | null }[];

describe("a service's latency series on its samples' time axis", () => {
  it('places each interval at its monotonic time since the first reading; an interval nobody arrived in is no value', () => {
    const line = latencyTimeline({ before: readings()[0], load: load() });
    expect(line?.intervalMs).toBe(10);
    expect(line?.startS).toBe(0.02);
    expect(line?.intervals[0]).toEqual({ startS: 0.02, endS: 0.03, ok: 10, p50Ms: 0.5, p99Ms: 1 });
    expect(line?.intervals[3]).toMatchObject({ startS: 0.05, endS: 0.06, p99Ms: 50 });
    expect(line?.intervals[5]).toMatchObject({ p50Ms: null, p99Ms: null });
    // Without launcher readings the axis starts at the generator's schedule.
    expect(latencyTimeline({ load: load() })?.intervals[0]?.startS).toBe(0);
    expect(latencyTimeline({ before: readings()[0] })).toBeNull();
  });

  it("lines up with the samples derived from the same clock: the stalled samples' window holds the slow intervals", () => {
    const rs = readings();
    const samples = deriveSeries(rs, BOOT, 5, rs.length - 1);
    const line = latencyTimeline({ before: rs[0], load: load() });
    const used = samples.series.cpuUsedCpus as (number | null)[];
    // Each latency interval's CPU from the samples inside its window (samples are stamped at their end).
    for (const v of line?.intervals ?? []) {
      if (v.p99Ms === null) continue;
      const inside = samples.tMs.flatMap((t, k) => (t / 1000 > v.startS + 1e-9 && t / 1000 <= v.endS + 1e-9 ? [used[k] ?? 0] : []));
      expect(inside).toHaveLength(2);
      const stalled = inside.every((u) => u === 0);
      expect(stalled, `interval ${v.startS}..${v.endS} s`).toBe(v.p99Ms > 1);
    }
  });
});

describe("a service cell's latency-over-time chart", () => {
  it('draws p99 and p50 per interval (log) over the CPU the group used and the quota, in place of the CPU chart', () => {
    const c = cell([run(0, 80), run(1, 60), run(2, 90)]);
    const all = charts(c);
    expect(all.map((s) => s.kind)).not.toContain('cpu-time');
    const s = serviceChart(c);
    expect(s).toBeDefined();
    if (!s) return;
    expect((s.config.options?.scales?.y as { type?: string }).type).toBe('logarithmic');
    const p99 = xy(dataset(s, 'p99 latency'));
    // Each interval held from its start to its end, on the samples' axis (seconds since the first reading).
    expect(p99.slice(0, 4)).toEqual([
      { x: 0.02, y: 1 },
      { x: 0.03, y: 1 },
      { x: 0.03, y: 70 },
      { x: 0.04, y: 70 },
    ]);
    expect(p99.some((p) => p.y === null)).toBe(true);
    expect(xy(dataset(s, 'p50 latency')).length).toBeGreaterThan(0);
    const cpu = dataset(s, 'CPUs used');
    expect(cpu?.yAxisID).toBe('y1');
    expect(xy(cpu).map((p) => p.x)).toEqual(c.runs[0]?.samples?.tMs.map((t) => t / 1000));
    expect(dataset(s, 'quota 0.25 CPU')?.yAxisID).toBe('y1');
    // Samples finer than the period show the stall itself; a per-sample throttle ratio would be 0 or 1 and say less.
    expect(dataset(s, 'throttle ratio')).toBeUndefined();
    // One run (the median by p99) of three: overlaid runs' stalls would not read.
    expect(s.caption).toMatch(/^Run 1 of 3 \(the median by p99\)/);
    expect(s.caption).toMatch(/10 ms interval/);
    expect(s.caption).toMatch(/warm-up \(not in the tables\) ends at 0\.07 s/);
  });

  it('says a service without a quota is never throttled, and draws a run without samples as latency alone', () => {
    const free = serviceChart(cell([run(0, 5)], false));
    expect(free?.title).toMatch(/latency over time beside CPU use$/);
    expect(free?.caption).toMatch(/never throttled/);
    expect(free?.config.data.datasets.some((d) => d.label?.startsWith('quota'))).toBe(false);
    const bare = run(0, 5);
    delete bare.samples;
    delete bare.before;
    const alone = charts(cell([bare]));
    expect(alone.map((s) => s.kind)).toEqual(['service-time']);
    expect(alone[0]?.caption).toMatch(/no samples of the group/);
    expect(alone[0]?.config.options?.scales?.y1).toBeUndefined();
  });

  it('a service run without the generator series falls back to the CPU chart', () => {
    const r = run(0, 5);
    delete r.load;
    expect(charts(cell([r])).map((s) => s.kind)).toContain('cpu-time');
  });
});
