import { describe, expect, it } from 'vitest';
import { TEST_HOST } from '../helpers.js';
import { keptStepMs } from '../../src/analysis/phase.js';
import type { Limits, Run, Scenario } from '../../src/model/types.js';
import { samplingText } from '../../src/reporters/format.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { chooseSampling, measuredTickCostUs } from '../../src/scheduler/sampling.js';
import { runSuite } from '../../src/scheduler/suite.js';

const perCell = { sampling: 'per-cell', sampleIntervalMs: 100 } as const;
const quota = (cpus: number, periodUs = 100_000): Limits => ({ cpu: { quotaUs: Math.round(cpus * periodUs), periodUs } });
const host = { runMs: 1000, tickCostUs: 50, tickCostMeasured: false, container: false };

describe('a cell sampling interval', () => {
  it('fixed by the scenario: that one for every cell, quota or not', () => {
    const fixed = { sampling: 'fixed', sampleIntervalMs: 20 } as const;
    expect(chooseSampling({ limits: quota(0.1) }, fixed, host)).toEqual({ intervalMs: 20, basis: 'fixed' });
    expect(chooseSampling({ limits: {} }, fixed, host)).toEqual({ intervalMs: 20, basis: 'fixed' });
    // Older documents have no sampling mode: fixed.
    expect(chooseSampling({ limits: quota(0.1) }, { sampleIntervalMs: 100 }, host).basis).toBe('fixed');
  });

  it('no CPU quota: the coarse interval', () => {
    expect(chooseSampling({ limits: {} }, perCell, host)).toEqual({ intervalMs: 100, basis: 'coarse' });
    expect(chooseSampling({ limits: { memory: { maxBytes: 2 ** 28 } } }, perCell, host).basis).toBe('coarse');
  });

  it('a quota: the finest interval the launcher keeps every tick of, and a tenth of the period or finer', () => {
    // 1 s at 1 ms: 1000 ticks, all kept; the launcher's 50 us a tick is 5 % of the CPU beside the group.
    expect(chooseSampling({ limits: quota(0.5) }, perCell, host)).toMatchObject({ intervalMs: 1, basis: 'period', runMs: 1000 });
    // 12 s: at 1 or 2 ms the launcher would halve the ticks away (CPU for nothing); 5 ms keeps all 2400.
    const long = chooseSampling({ limits: quota(0.1) }, perCell, { ...host, runMs: 12_000 });
    expect(long).toMatchObject({ intervalMs: 5, basis: 'period' });
    expect(keptStepMs(12_000, long.intervalMs)).toBe(long.intervalMs);
    // A 20 ms period: a tenth is 2 ms; 5 s at 1 ms would be halved, 2 s is kept whole.
    expect(chooseSampling({ limits: quota(0.5, 20_000) }, perCell, { ...host, runMs: 5000 }).intervalMs).toBe(2);
    expect(chooseSampling({ limits: quota(0.5, 20_000) }, perCell, { ...host, runMs: 2000 }).intervalMs).toBe(1);
  });

  it('inside the group the quota pays for the sampling: coarser under a small quota, cost when a tenth is too dear', () => {
    const inside = { ...host, container: true };
    // 0.5 CPU: 5 % of it is 25 us a ms, so 2 ms.
    expect(chooseSampling({ limits: quota(0.5) }, perCell, inside)).toMatchObject({ intervalMs: 2, basis: 'period' });
    // 0.1 CPU: 10 ms, just a tenth of the period.
    expect(chooseSampling({ limits: quota(0.1) }, perCell, inside)).toMatchObject({ intervalMs: 10, basis: 'period' });
    // 0.05 CPU: 20 ms is the finest it can afford, coarser than a tenth: no period view, and the cell says why.
    const dear = chooseSampling({ limits: quota(0.05) }, perCell, inside);
    expect(dear).toMatchObject({ intervalMs: 20, basis: 'cost', tickCostUs: 50, tickCostMeasured: false });
  });

  it('a run too long to keep every tick at a tenth: the interval whose kept step is finest', () => {
    const c = chooseSampling({ limits: quota(0.1) }, perCell, { ...host, runMs: 100_000 });
    expect(c.basis).toBe('long-run');
    const steps = [1, 2, 5, 10].map((i) => keptStepMs(100_000, i));
    expect(keptStepMs(100_000, c.intervalMs)).toBe(Math.min(...steps));
  });
});

describe("the launcher's measured cost per tick", () => {
  const run = (cpuUs: number | undefined, taken: number, ms = 1): Run =>
    ({
      samples: { taken, tick: { meanIntervalMs: ms, maxIntervalMs: ms, offFraction: 0, ...(cpuUs !== undefined ? { cpuUs } : {}) } },
    }) as Run;
  it('the median over fine runs with enough ticks; none without a report of it', () => {
    expect(measuredTickCostUs([run(3000, 100), run(4000, 100), run(9000, 100)])).toBe(40);
    // A tick 100 ms after the last costs more (cold reads): it says nothing about fine sampling.
    expect(measuredTickCostUs([run(3000, 100), run(20_000, 100, 100)])).toBe(30);
    expect(measuredTickCostUs([run(20_000, 100, 100)])).toBeNull();
    expect(measuredTickCostUs([run(3000, 5)])).toBeNull();
    expect(measuredTickCostUs([run(undefined, 100)])).toBeNull();
    expect(measuredTickCostUs([])).toBeNull();
  });
});

describe('per-cell sampling in a suite', () => {
  const host = TEST_HOST;
  const scenario = (extra: object = {}): Scenario =>
    validateScenario(
      {
        name: 'sampling',
        repetitions: 3,
        warmup: 1,
        runtimes: ['fake'],
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            params: { iterations: 1e9 },
            limits: [{}, { name: 'half', cpus: 0.5 }, { name: 'tenth', cpus: 0.1 }],
          },
        ],
        ...extra,
      },
      's.yaml',
    );
  const run = (s: Scenario) =>
    runSuite({
      scenario: s,
      host,
      runtimes: { fake: new FakeRuntime() },
      scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
      scratchDir: '/var/tmp',
      save: () => {},
    });

  it('by default the quota cells sample finely enough for the period view, the baseline coarsely, each recorded', async () => {
    const s = scenario();
    expect(s.sampling).toBe('per-cell');
    const doc = await run(s);
    const [free, half, tenth] = doc.cells;
    expect(free!.sampling).toEqual({ intervalMs: 100, basis: 'coarse' });
    for (const c of [half!, tenth!]) {
      expect(c.sampling!.basis).toBe('period');
      expect(c.sampling!.intervalMs).toBeLessThanOrEqual(10);
      // Chosen at its first run: the launcher's cost measured on the other quota cell's fine runs when it ran first
      // (the fake's 30 us a tick), else assumed (the baseline's 100 ms ticks do not count).
      expect(c.sampling!.tickCostUs).toBe(c.sampling!.tickCostMeasured ? 30 : 50);
      for (const r of c.runs) expect(r.samples!.intervalMs).toBe(c.sampling!.intervalMs);
      expect(c.summary.phase?.status).toBe('folded');
    }
    expect(doc.warnings.filter((w) => w.code === 'phase-not-drawn')).toEqual([]);
    expect(samplingText(doc)).toMatch(/^chosen per cell: a CPU quota's cells every [\d–]+ ms .*the others every 100 ms$/);
  });

  it("a fixed interval is every cell's", async () => {
    const doc = await run(scenario({ sampleInterval: '50ms' }));
    for (const c of doc.cells) expect(c.sampling).toEqual({ intervalMs: 50, basis: 'fixed' });
    expect(samplingText(doc)).toBe('every 50 ms');
  });
});
