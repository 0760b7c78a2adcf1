import { describe, expect, it } from 'vitest';
import { expectedCpus, fairShares } from '../../src/analysis/cpu-model.js';
import { validateResultDocument } from '../../src/app/results.js';
import { renderTable } from '../../src/reporters/table.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { loadPreset } from '../../src/scenario/load.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { HOST } from '../fixtures/docs/build.js';
import type { Limits, NeighbourSpec, WorkloadParams } from '../../src/model/types.js';

const loop = (threads: number): WorkloadParams => ({ kind: 'cpu', threads, iterations: 1e9 });
const hog = (placement: 'own' | 'same', limits: Limits = {}): NeighbourSpec => ({ label: 'hog', params: loop(2), limits, placement });
const measured = { params: loop(1), limits: {} };
const ctx = { hostCpus: 2 };

describe('fair-share CPU model', () => {
  it('water-fills by weight, none beyond its demand', () => {
    expect(
      fairShares(
        [
          { demand: 1, weight: 100 },
          { demand: 2, weight: 100 },
        ],
        2,
      ),
    ).toEqual([1, 1]);
    const [a = 0, b = 0] = fairShares(
      [
        { demand: 0.2, weight: 100 },
        { demand: 2, weight: 100 },
      ],
      2,
    );
    expect(a).toBeCloseTo(0.2, 9);
    expect(b).toBeCloseTo(1.8, 9);
  });

  it("matches this 2-CPU machine's measurements (issue 12)", () => {
    const cpus = (n: NeighbourSpec): number | null => expectedCpus(measured, [n], undefined, ctx).cpus;
    expect(cpus(hog('same'))).toBeCloseTo(2 / 3, 6);
    expect(cpus(hog('own'))).toBeCloseTo(1, 6);
    expect(cpus(hog('own', { cpu: { quotaUs: 20_000, periodUs: 100_000 } }))).toBeCloseTo(1, 6);
    expect(cpus(hog('own', { cpuWeight: 1 }))).toBeCloseTo(1, 6);
    expect(expectedCpus(measured, [], undefined, ctx).cpus).toBe(1);
  });

  it('has no model with a cpuset or a memory workload', () => {
    expect(expectedCpus(measured, [hog('own', { cpuset: '0' })], undefined, ctx).cpus).toBeNull();
    const mem = { params: { kind: 'memory' } as WorkloadParams, limits: {} };
    expect(expectedCpus(mem, [], undefined, ctx)).toMatchObject({ cpus: null });
  });
});

describe('contention view over a fake-run neighbours scenario', () => {
  it('fills summary.contention as the model says, slowdown = costRatio / shareKept, and validates', async () => {
    const scenario = loadPreset('neighbours');
    scenario.repetitions = 1;
    scenario.runtimes = ['fake'];
    scenario.workloads = scenario.workloads.filter((w) => w.params.kind === 'cpu');
    const doc = await runSuite({
      scenario,
      host: HOST,
      runtimes: { fake: new FakeRuntime() },
      scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
      scratchDir: '/var/tmp',
      save: () => {},
    });
    const same = doc.cells.find((c) => c.neighbourSet?.neighbours.some((n) => n.placement === 'same'));
    const v = same?.summary.contention;
    expect(v?.expectedCpuShare).toBeCloseTo(2 / 3, 6);
    expect(v?.shareKept?.median).toBeCloseTo(2 / 3, 2);
    const cost = v?.costRatio?.median ?? NaN;
    const kept = v?.shareKept?.median ?? NaN;
    expect(same?.summary.slowdown).toBeCloseTo(cost / kept, 2);
    expect(validateResultDocument(doc)).toEqual([]);
    expect(renderTable(doc, { width: 200 })).toMatch(/protection/);
  });
});
