import { describe, expect, it } from 'vitest';
import { boundaryPhase, intervalsOf, periodPhase, suggestedIntervalMs } from '../../src/analysis/phase.js';
import { phaseAlternatives, phaseSentence } from '../../src/analysis/phase-verdict.js';
import { phaseCharts } from '../../src/reporters/charts/phase-charts.js';
import { quantileSorted } from '../../src/analysis/stats.js';
import type { Cell, PeriodPhase, ResultDocument, Run, SampleSeries } from '../../src/model/types.js';

/** A group whose `threads` busy threads start at every period boundary (phi + k * period) and run until
 *  the quota is spent (or for `demandMs` each when that is less), sampled at the times `ticks`. */
interface Model {
  periodMs: number;
  quotaMs: number;
  threads: number;
  phiMs: number;
  demandMs?: number;
}

function runMsPerPeriod(m: Model): number {
  return Math.min(m.quotaMs / m.threads, m.demandMs ?? Infinity);
}

/** CPU time (ms) the model spends in (a, b]. */
function usage(m: Model, a: number, b: number): number {
  const run = runMsPerPeriod(m);
  let sum = 0;
  for (let k = Math.floor((a - m.phiMs) / m.periodMs) - 1; m.phiMs + k * m.periodMs < b; k++) {
    const s = m.phiMs + k * m.periodMs;
    sum += Math.max(0, Math.min(b, s + run) - Math.max(a, s, 0)) * m.threads;
  }
  return sum;
}

function boundaries(m: Model, a: number, b: number): number {
  return Math.max(0, Math.floor((b - m.phiMs) / m.periodMs) - Math.floor((a - m.phiMs) / m.periodMs));
}

function series(m: Model, ticks: number[], stepMs: number): SampleSeries {
  const s: SampleSeries = {
    intervalMs: stepMs,
    taken: ticks.length,
    tMs: ticks,
    series: { cpuUsedCpus: [], periodsEnded: [], throttledPeriods: [], throttledMsPerSec: [] },
  };
  const throttled = m.threads * runMsPerPeriod(m) >= m.quotaMs;
  // The kernel sums throttled time over the CPUs' run queues: each thread waits from the quota's end.
  const waitMs = throttled ? m.threads * (m.periodMs - runMsPerPeriod(m)) : 0;
  ticks.forEach((b, i) => {
    const a = i ? (ticks[i - 1] as number) : 0;
    const n = boundaries(m, a, b);
    s.series.cpuUsedCpus?.push(usage(m, a, b) / (b - a));
    s.series.periodsEnded?.push(n);
    s.series.throttledPeriods?.push(throttled ? n : 0);
    s.series.throttledMsPerSec?.push(((n * waitMs) / (b - a)) * 1000);
  });
  return s;
}

/** The same group as the kernel counts it: a running thread's time reaches the cgroup's counter only at the
 *  scheduler tick (every `tickMs`, on one grid for all CPUs) and when the quota runs out and it is dequeued. */
function tickCounted(m: Model, ticks: number[], stepMs: number, tickMs: number): SampleSeries {
  const s = series(m, ticks, stepMs);
  const run = runMsPerPeriod(m);
  const lastUpdate = (t: number): number => {
    const k = Math.floor((t - m.phiMs) / m.periodMs);
    const quotaEnd = m.phiMs + k * m.periodMs + run;
    return Math.max(Math.floor(t / tickMs) * tickMs, quotaEnd <= t ? quotaEnd : 0);
  };
  const counted = (t: number): number => usage(m, 0, lastUpdate(t));
  s.series.cpuUsedCpus = ticks.map((b, i) => {
    const a = i ? (ticks[i - 1] as number) : 0;
    return (counted(b) - counted(a)) / (b - a);
  });
  return s;
}

const regular = (stepMs: number, endMs: number): number[] => Array.from({ length: Math.floor(endMs / stepMs) }, (_, i) => (i + 1) * stepMs);

/** Ticks that wander by up to +-0.2 of a step (deterministic), as a loaded launcher's do. */
const jittered = (stepMs: number, endMs: number): number[] =>
  regular(stepMs, endMs).map((t, i) => t + 0.2 * stepMs * Math.sin(i * 2.39996));

function cell(m: Model, runs: SampleSeries[]): Parameters<typeof periodPhase>[0] {
  return {
    limits: { cpu: { quotaUs: m.quotaMs * 1000, periodUs: m.periodMs * 1000 } },
    runs: runs.map((samples, index) => ({ outcome: 'ok', warmup: false, index, metrics: { wallNs: 1e9 }, samples }) as unknown as Run),
  };
}

function folded(m: Model, runs: SampleSeries[]): PeriodPhase {
  const p = periodPhase(cell(m, runs));
  if (p?.status !== 'folded') throw new Error(`not folded: ${JSON.stringify(p)}`);
  return p;
}

describe('period phase: boundaries', () => {
  it('pins the boundary phase finer than one step from jittered ticks', () => {
    const m: Model = { periodMs: 100, quotaMs: 25, threads: 2, phiMs: 37.3 };
    const phi = boundaryPhase(intervalsOf(series(m, jittered(1, 3000), 1)), 100);
    expect(phi).not.toBeNull();
    expect(Math.abs((phi as number) - 37.3)).toBeLessThan(0.5);
  });
  it('finds none without nr_periods steps', () => {
    const m: Model = { periodMs: 100, quotaMs: 25, threads: 2, phiMs: 10 };
    const s = series(m, regular(1, 1000), 1);
    s.series.periodsEnded = s.series.periodsEnded?.map(() => 0) ?? [];
    expect(boundaryPhase(intervalsOf(s), 100)).toBeNull();
    expect(periodPhase(cell(m, [s]))?.status).toBe('no-boundaries');
  });
});

describe('period phase: the fold', () => {
  it('2 threads under 25 ms of 100: the quota is gone 12.5 ms into the period, then an 87.5 ms stall', () => {
    const m: Model = { periodMs: 100, quotaMs: 25, threads: 2, phiMs: 37.3 };
    const p = folded(m, [series(m, jittered(1, 3000), 1), series({ ...m, phiMs: 81.9 }, regular(1, 2500), 1)]);
    expect(p.binMs).toBe(1);
    expect(p.cpuMedian).toHaveLength(100);
    expect(p.periods).toBeGreaterThanOrEqual(50);
    expect(p.throttledShare).toBeGreaterThan(0.95);
    // 95 % of 25 ms of CPU at 2 CPUs: 11.9 ms.
    expect(p.quotaUsedByMs).toBeGreaterThan(11.875 - 1);
    expect(p.quotaUsedByMs).toBeLessThan(11.875 + 1);
    expect(p.longestStallMs).toBeGreaterThan(87);
    expect(p.longestStallMs).toBeLessThan(90);
    // Each thread waits 87.5 ms; the kernel adds the two run queues' waits.
    expect(p.throttledMsPerPeriod).toBeCloseTo(175, 0);
    // Two CPUs in use well inside the running window, none well inside the stall.
    expect(p.cpuMedian[5]).toBeGreaterThan(1.8);
    expect(p.cpuMedian.slice(15, 99).every((c) => c < 0.05)).toBe(true);
    expect(p.cpuP10[5]).toBeLessThanOrEqual(p.cpuMedian[5] as number);
    expect(p.cpuP90[5]).toBeGreaterThanOrEqual(p.cpuMedian[5] as number);
  });
  it('1 thread under 50 ms of 100 spends its quota over half the period', () => {
    const m: Model = { periodMs: 100, quotaMs: 50, threads: 1, phiMs: 3.7 };
    const p = folded(m, [series(m, regular(1, 3000), 1)]);
    expect(p.quotaUsedByMs).toBeGreaterThan(47.5 - 1);
    expect(p.quotaUsedByMs).toBeLessThan(47.5 + 1);
    expect(p.throttledMsPerPeriod).toBeCloseTo(50, 0);
  });
  it('folds onto bins of the sample step when the step is coarser than 1 ms', () => {
    const m: Model = { periodMs: 100, quotaMs: 25, threads: 2, phiMs: 50 };
    const p = folded(m, [series(m, regular(4, 4000), 4)]);
    expect(p.binMs).toBe(4);
    expect(p.cpuMedian).toHaveLength(25);
    expect(Math.abs((p.quotaUsedByMs as number) - 11.875)).toBeLessThan(4);
  });
  it('bins no finer than the CPU counter moves: a 1-thread loop at 1 ms samples and a 4 ms tick never shows 2 CPUs', () => {
    const m: Model = { periodMs: 100, quotaMs: 50, threads: 1, phiMs: 3.7 };
    const runs = [tickCounted(m, jittered(1, 3000), 1, 4), tickCounted({ ...m, phiMs: 61.2 }, regular(1, 3000), 1, 4)];
    // The raw samples: the whole tick's 4 ms of CPU lands in one 1-ms sample.
    expect(Math.max(...(runs[0]?.series.cpuUsedCpus ?? []).map((c) => c ?? 0))).toBeGreaterThan(3);
    const p = folded(m, runs);
    expect(p.counterStepMs).toBeGreaterThan(3.5);
    expect(p.counterStepMs).toBeLessThan(4.5);
    expect(p.binMs).toBe(4);
    expect(p.stepMs).toBe(1);
    expect(Math.max(...p.cpuMedian)).toBeLessThan(1.1);
    expect(p.cpuMedian[5]).toBeGreaterThan(0.9);
    expect(Math.abs((p.quotaUsedByMs as number) - 47.5)).toBeLessThan(4);
  });
  it("throttled time that lands a sample after the period's end still counts for that period", () => {
    const m: Model = { periodMs: 100, quotaMs: 10, threads: 1, phiMs: 14 };
    const s = series(m, regular(2, 3000), 2);
    // Two periods in three have their throttled time arrive in the sample after the nr_periods step, as a real run's did.
    const perSec = s.series.throttledMsPerSec ?? [];
    const steps = perSec.flatMap((v, i) => ((v ?? 0) > 0 ? [i] : []));
    for (const i of steps.filter((_, k) => k % 3 !== 0)) {
      perSec[i + 1] = perSec[i] as number;
      perSec[i] = 0;
    }
    const p = folded(m, [s]);
    expect(p.throttledShare).toBeGreaterThan(0.95);
    expect(p.throttledMsPerPeriod).toBeCloseTo(90, 0);
  });
  it('a counter that moves with every sample keeps the sample step', () => {
    const m: Model = { periodMs: 100, quotaMs: 50, threads: 1, phiMs: 3.7 };
    const p = folded(m, [tickCounted(m, regular(1, 3000), 1, 1)]);
    expect(p.binMs).toBe(1);
    expect(p.counterStepMs).toBeCloseTo(1, 1);
  });
  it('a group that never spends its quota is never throttled: no quota-used phase', () => {
    const m: Model = { periodMs: 100, quotaMs: 50, threads: 1, phiMs: 20, demandMs: 30 };
    const p = folded(m, [series(m, regular(1, 2000), 1)]);
    expect(p.throttledShare).toBe(0);
    expect(p.quotaUsedByMs).toBeNull();
    expect(p.longestStallMs).toBeNull();
  });
});

describe('period phase: honest limits', () => {
  const m: Model = { periodMs: 100, quotaMs: 25, threads: 2, phiMs: 10 };
  it('steps coarser than a tenth of the period give no view, and the interval that would', () => {
    const p = periodPhase(cell(m, [series(m, regular(20, 3000), 20)]));
    expect(p?.status).toBe('too-coarse');
    expect(p && 'reason' in p ? p.reason : '').toMatch(/20 ms.*tenth of the 100 ms period/);
    expect(p && 'useIntervalMs' in p ? p.useIntervalMs : undefined).toBe(10);
  });
  it('no interval helps runs too long for the kept ticks at a short period', () => {
    // 60 s at 1 ms keeps every 16th tick (4096 kept): 16 ms steps, over a tenth of 100 ms.
    expect(suggestedIntervalMs(100, 60_000)).toBeUndefined();
    expect(suggestedIntervalMs(100, 3000)).toBe(10);
    expect(suggestedIntervalMs(20, 3000)).toBe(2);
  });
  it('irregular ticks give no view', () => {
    const ticks = regular(1, 2000).map((t, i) => t + (i % 2 ? 0.6 : 0));
    expect(periodPhase(cell(m, [series(m, ticks, 1)]))?.status).toBe('too-irregular');
  });
  it('fewer than three periods give no view', () => {
    expect(periodPhase(cell(m, [series(m, regular(1, 250), 1)]))?.status).toBe('too-short');
  });
  it('a cell without a quota has none', () => {
    expect(periodPhase({ limits: {}, runs: [] })).toBeUndefined();
  });
});

describe('quantileSorted', () => {
  it('interpolates between order statistics', () => {
    expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 12);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 12);
    expect(quantileSorted([7], 0.9)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe('period phase: the verdict and the chart', () => {
  const p: PeriodPhase = {
    status: 'folded',
    periodMs: 100,
    quotaMs: 25,
    binMs: 1,
    stepMs: 1,
    periods: 30,
    cpuMedian: Array.from({ length: 100 }, (_, j) => (j < 12 ? 2 : 0)),
    cpuP10: Array.from({ length: 100 }, (_, j) => (j < 12 ? 1.9 : 0)),
    cpuP90: Array.from({ length: 100 }, (_, j) => (j < 13 ? 2 : 0)),
    throttledShare: 1,
    quotaUsedByMs: 12.5,
    throttledMsPerPeriod: 175,
    longestStallMs: 87.5,
  };
  const latency = { params: { kind: 'latency', threads: 2, durationMs: 3000, workUs: 1000, intervalUs: 10_000 } } as const;
  it('says it in words, with what a shorter period or one CPU per thread gives', () => {
    expect(phaseSentence(latency, p)).toBe(
      '2 threads used the 25 ms quota in the first 12.5 ms of each 100 ms period, then stalled 87.5 ms: ' +
        'requests that arrive in that window wait up to 87.5 ms',
    );
    expect(phaseAlternatives(latency, p)).toBe(
      'a 20 ms period at the same 0.25 CPU would cut each stall to about 17.5 ms; cpus: 2 (one per thread) would let all 2 run through the period',
    );
    expect(phaseSentence(latency, { ...p, throttledShare: 0.05 })).toBeNull();
  });
  it('draws a chart for a throttled cell and a note where the view is missing', () => {
    const base = { workload: 'w', runtime: 'native', id: 'w / q / native', params: latency.params, runs: [] };
    const folded = { ...base, limitSet: 'q', summary: { throttleRatio: 1, phase: p } } as unknown as Cell;
    const coarse = {
      ...base,
      id: 'w / c / native',
      limitSet: 'c',
      summary: {
        throttleRatio: 1,
        phase: { status: 'too-coarse', periodMs: 100, stepMs: 50, reason: 'samples every 50 ms', useIntervalMs: 10 },
      },
    } as unknown as Cell;
    const doc = { warnings: [] } as unknown as ResultDocument;
    const { charts, notes } = phaseCharts([folded, coarse], 0, doc);
    expect(charts.map((c) => c.kind)).toEqual(['period-phase']);
    expect(charts[0]?.config.data.datasets.map((d) => d.label)).toContain('quota 0.25 CPU on average');
    expect(notes).toEqual(['c (native): no period-phase view: samples every 50 ms; --sample-interval 10ms would give it.']);
  });
});
