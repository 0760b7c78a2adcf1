import { describe, expect, it } from 'vitest';
import { toV1Writes, toV2Writes, v1ControllersFor } from '../../src/cgroup/translate.js';
import { KNOB_IDS, KNOBS, knobsSet } from '../../src/model/knobs.js';
import { isEmptyLimits, limitsLabel } from '../../src/model/limits.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { KNOB_SAMPLES } from '../fixtures/knob-samples.js';

const MIB = 1 << 20;
const SAMPLE = KNOB_SAMPLES;

describe('the knob table', () => {
  it('gives every knob a label, a valid sample, and a write on v1 or v2', () => {
    for (const id of KNOB_IDS) {
      const l = SAMPLE[id];
      expect(knobsSet(l), id).toContain(id);
      expect(KNOBS[id].label(l).length, `${id} has a label`).toBeGreaterThan(0);
      expect(KNOBS[id].check(l), id).toEqual([]);
      expect(isEmptyLimits(l), id).toBe(false);
      const writes = [...KNOBS[id].v1(l, { swap: true }), ...KNOBS[id].v2(l, { swap: true })];
      expect(writes.length, `${id} writes something`).toBeGreaterThan(0);
      // What a runtime that cannot set the knob is given no longer sets it, and keeps every other knob.
      expect(knobsSet(KNOBS[id].without(l)), id).not.toContain(id);
    }
  });

  it('a limit set that sets no knob is the baseline, also with a period and no quota', () => {
    expect(isEmptyLimits({})).toBe(true);
    expect(isEmptyLimits({ cpu: { quotaUs: null, periodUs: 50_000 } })).toBe(true);
    expect(limitsLabel({})).toBe('unlimited');
  });

  it('labels burst and swap, so sets that differ only there get different names', () => {
    expect(limitsLabel(SAMPLE.cpuBurst)).toBe('0.50 CPU, burst 20 ms');
    expect(limitsLabel(SAMPLE.memorySwap)).toBe('mem 64 MiB, swap 32 MiB');
    expect(limitsLabel({ memory: { maxBytes: 64 * MIB, swapBytes: null } })).toBe('mem 64 MiB, swap unlimited');
    // Labels of the other knobs read as before (they name unnamed limit sets and chart axes).
    expect(limitsLabel({ ...SAMPLE.cpu, cpuWeight: 50, ...SAMPLE.memoryMax, pids: 64, cpuset: '0', ioWeight: 200 })).toBe(
      '0.50 CPU, weight 50, mem 64 MiB, pids 64, cpuset 0, io weight 200',
    );
  });

  it('accepts two unnamed limit sets that differ only in burst or swap (once refused as duplicates)', () => {
    const s = validateScenario(
      {
        workloads: [
          {
            name: 'w',
            kind: 'cpu',
            limits: [
              { cpu: { cpus: 0.5 } },
              { cpu: { cpus: 0.5, burst: 20000 } },
              { memory: '64M' },
              { memory: { max: '64M', swap: '64M' } },
            ],
          },
        ],
      },
      's.yaml',
    );
    expect(s.workloads[0]?.limitSets.map((l) => l.name)).toEqual([
      'unlimited',
      '0.50 CPU',
      '0.50 CPU, burst 20 ms',
      'mem 64 MiB',
      'mem 64 MiB, swap 64 MiB',
    ]);
  });

  it("derives the group's controllers and the writes from the table", () => {
    expect(v1ControllersFor(SAMPLE.cpuset)).toContain('cpuset');
    expect(v1ControllersFor(SAMPLE.cpu)).not.toContain('cpuset');
    // Swap without accounting is not written: memsw / memory.swap.max only where the host has them.
    expect(toV1Writes(SAMPLE.memorySwap, false).map((w) => w.file)).toEqual(['memory.limit_in_bytes']);
    expect(toV2Writes(SAMPLE.memorySwap, true).map((w) => `${w.file}=${w.value}`)).toEqual([
      `memory.max=${64 * MIB}`,
      `memory.swap.max=${32 * MIB}`,
    ]);
  });
});
