import { describe, expect, it } from 'vitest';
import { assertIoWeightHonoured, parseScheduler } from '../../src/cgroup/disk.js';
import { toV1Writes, toV2Writes } from '../../src/cgroup/translate.js';
import { cpuSharesFromWeight } from '../../src/model/knobs.js';
import { toDockerFlags } from '../../src/runtimes/docker/flags.js';
import { CgbenchError } from '../../src/model/errors.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { aloneCellIdOf, expandCells } from '../../src/scheduler/cells.js';

function problemOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CgbenchError) return e.message;
    throw e;
  }
  throw new Error('no error');
}

const hog = { kind: 'cpu', params: { threads: 2 } };

describe('neighbour sets in a scenario', () => {
  it('puts alone first (adding it when missing) and labels unnamed neighbours', () => {
    const s = validateScenario(
      {
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            neighbours: [
              { name: 'hog same', run: [{ ...hog, placement: 'same' }] },
              { name: 'hog 0.2', run: [{ ...hog, limits: { cpus: 0.2 } }] },
              { name: 'low weight', run: [{ ...hog, limits: { weight: 1 } }] },
            ],
          },
        ],
      },
      's.yaml',
    );
    const sets = s.workloads[0]?.neighbourSets ?? [];
    expect(sets.map((x) => x.name)).toEqual(['alone', 'hog same', 'hog 0.2', 'low weight']);
    expect(sets[1]?.neighbours[0]).toMatchObject({ label: 'cpu x2 in the same group', placement: 'same', limits: {} });
    expect(sets[2]?.neighbours[0]?.label).toBe('cpu x2 at 0.20 CPU');
    expect(sets[3]?.neighbours[0]?.limits).toEqual({ cpuWeight: 1 });
  });

  it('expands limit sets x neighbour sets with one baseline, unlimited and alone', () => {
    const s = validateScenario(
      {
        workloads: [
          { name: 'loop', kind: 'cpu', limits: [{}, { cpus: 0.5 }], neighbours: [{ name: 'alone' }, { name: 'hog', run: [hog] }] },
        ],
      },
      's.yaml',
    );
    const cells = expandCells(s);
    expect(cells.map((c) => c.id)).toEqual([
      'loop / unlimited / native',
      'loop / unlimited / native / next to hog',
      'loop / 0.50 CPU / native',
      'loop / 0.50 CPU / native / next to hog',
    ]);
    expect(cells.map((c) => c.baselineId)).toEqual([
      null,
      'loop / unlimited / native',
      'loop / unlimited / native',
      'loop / unlimited / native',
    ]);
    expect(cells[3] && aloneCellIdOf(cells[3])).toBe('loop / 0.50 CPU / native');
    expect(cells[0]?.neighbourSet).toBeUndefined();
  });

  it('keeps a parent group on its set and refuses what cannot run, naming the field', () => {
    const s = validateScenario(
      {
        workloads: [
          {
            name: 'r',
            kind: 'memory',
            neighbours: [{ name: 'hog', parent: { memory: '256M' }, run: [{ kind: 'memory', params: { mib: 300 } }] }],
          },
        ],
      },
      's',
    );
    expect(s.workloads[0]?.neighbourSets?.[1]?.parent).toEqual({ memory: { maxBytes: 256 * 1024 * 1024 } });
    const bad = problemOf(() =>
      validateScenario(
        {
          workloads: [
            {
              name: 'w',
              kind: 'cpu',
              neighbours: [
                { name: 'x', run: [{ ...hog, placement: 'same', limits: { cpus: 0.5 } }] },
                { name: 'x', run: [{ kind: 'gpu' }] },
                { name: 'p', parent: {} },
                { name: 'q', run: [{ ...hog, placement: 'beside' }] },
              ],
            },
          ],
        },
        's.yaml',
      ),
    );
    expect(bad).toContain('neighbours[3].run[0].placement');
    expect(bad).toContain('placement is own');
    expect(bad).toContain('neighbours[1].run[0].kind');
    const more = problemOf(() =>
      validateScenario(
        {
          workloads: [
            {
              name: 'w',
              kind: 'cpu',
              neighbours: [
                { name: 'x', run: [{ ...hog, placement: 'same', limits: { cpus: 0.5 } }] },
                { name: 'x', run: [hog] },
                { name: 'p', parent: {} },
              ],
            },
          ],
        },
        's.yaml',
      ),
    );
    expect(more).toContain('workloads[0].neighbours[0].run[0].limits: a neighbour placed in the same group');
    expect(more).toContain('neighbours[1].name: "x" is used twice');
    expect(more).toContain('neighbours[2].parent: limits nothing');
  });

  it('validates weights on their scales', () => {
    expect(problemOf(() => validateScenario({ workloads: [{ name: 'w', kind: 'cpu', limits: [{ weight: 0 }] }] }, 's'))).toContain(
      'a CPU weight is 1..10000',
    );
    expect(problemOf(() => validateScenario({ workloads: [{ name: 'w', kind: 'io', limits: [{ ioWeight: 5000 }] }] }, 's'))).toContain(
      'an IO weight is 1..1000',
    );
    const s = validateScenario({ workloads: [{ name: 'w', kind: 'cpu', limits: [{ weight: 50 }] }] }, 's');
    expect(s.workloads[0]?.limitSets.map((l) => l.name)).toEqual(['unlimited', 'weight 50']);
  });
});

describe('weights become files and flags', () => {
  it("converts a v2 weight to v1 shares by the inverse of runc's linear mapping", () => {
    expect(cpuSharesFromWeight(1)).toBe(2);
    expect(cpuSharesFromWeight(10000)).toBe(262144);
    expect(cpuSharesFromWeight(100)).toBe(2598);
    // runc's forward mapping gives the weight back.
    for (const w of [1, 39, 100, 5000]) expect(1 + Math.floor(((cpuSharesFromWeight(w) - 2) * 9999) / 262142)).toBe(w);
  });

  it('writes cpu.shares / cpu.weight and BFQ weights, and docker flags', () => {
    const limits = { cpuWeight: 1, ioWeight: 50 };
    expect(toV1Writes(limits, true)).toEqual([
      { controller: 'cpu', file: 'cpu.shares', value: '2' },
      { controller: 'blkio', file: 'blkio.bfq.weight', value: '50' },
    ]);
    expect(toV2Writes(limits, true).map((w) => `${w.file}=${w.value}`)).toEqual(['cpu.weight=1', 'io.bfq.weight=50']);
    expect(toDockerFlags(limits, () => '/dev/x')).toEqual(['--cpu-shares', '2', '--blkio-weight', '50']);
  });

  it('refuses an io weight where the disk scheduler ignores it, naming the scheduler', () => {
    expect(parseScheduler('none [mq-deadline] kyber bfq\n')).toEqual({
      active: 'mq-deadline',
      offered: ['none', 'mq-deadline', 'kyber', 'bfq'],
    });
    const disk = { dir: '/x', fsType: 'ext4', fsDevice: '1:1', major: 1, minor: 1, diskName: 'nosuchdisk' };
    expect(() => assertIoWeightHonoured(disk, '/nonexistent')).toThrow(/needs the BFQ scheduler, but \/dev\/nosuchdisk uses no scheduler/);
  });
});
