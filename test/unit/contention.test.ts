import { describe, expect, it } from 'vitest';
import { expectedCpus, fairShares } from '../../src/analysis/cpu-model.js';
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
          { demandCpus: 1, weight: 100 },
          { demandCpus: 2, weight: 100 },
        ],
        2,
      ),
    ).toEqual([1, 1]);
    const [a = 0, b = 0] = fairShares(
      [
        { demandCpus: 0.2, weight: 100 },
        { demandCpus: 2, weight: 100 },
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
