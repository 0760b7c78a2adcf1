import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DISK, TEST_HOST } from '../helpers.js';
import type { Counted, ResultDocument, Scenario, WorkloadSpec } from '../../src/model/types.js';
import { renderTable } from '../../src/reporters/table.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { expandCells } from '../../src/scheduler/cells.js';
import { type RoundItem, runSuite } from '../../src/scheduler/suite.js';
import { saveResults } from '../../src/app/results.js';

const host = TEST_HOST;
const disk = TEST_DISK;

const scenario = validateScenario(
  {
    name: 'fake',
    repetitions: 3,
    warmup: 1,
    runtimes: ['fake'],
    workloads: [
      {
        name: 'loop',
        kind: 'cpu',
        params: { iterations: 1e9 },
        limits: [{ name: 'free' }, { name: 'half', cpus: 0.5 }, { name: 'tenth', cpus: 0.1 }],
      },
      { name: 'anon', kind: 'memory', params: { mode: 'anon', mib: 128 }, limits: [{}, { name: 'small', memory: '64M' }] },
      { name: 'write', kind: 'io', params: { mode: 'write', mib: 32 }, limits: [{}, { name: '10MB/s', io: [{ wbps: '10MB/s' }] }] },
    ],
  },
  'fake.yaml',
);

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('suite with the fake runtime', () => {
  it('expands the matrix with baselines first', () => {
    const cells = expandCells(scenario);
    expect(cells.map((c) => c.id)).toEqual([
      'loop / free / fake',
      'loop / half / fake',
      'loop / tenth / fake',
      'anon / unlimited / fake',
      'anon / small / fake',
      'write / unlimited / fake',
      'write / 10MB/s / fake',
    ]);
    expect(cells[2]?.baselineId).toBe('loop / free / fake');
    expect(cells[0]?.baselineId).toBeNull();
  });

  it('runs every repetition, derives the verdict and saves after each run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cgbench-test-'));
    dirs.push(out);
    const rt = new FakeRuntime({ noise: 0.01 });
    let saves = 0;
    const doc = await runSuite({
      scenario,
      host,
      runtimes: { fake: rt },
      scratch: () => disk,
      scratchDir: '/var/tmp',
      save: async (d) => {
        saves++;
        await saveResults(out, d);
      },
    });
    expect(saves).toBe(1 + 7 * 4 + 1);
    expect(rt.live.size).toBe(0);
    expect(doc.status).toBe('complete');
    const byId = Object.fromEntries(doc.cells.map((c) => [c.id, c]));
    const tenth = byId['loop / tenth / fake']?.summary;
    expect(tenth?.measuredRuns).toBe(3);
    expect(tenth?.slowdown).toBeGreaterThan(9);
    expect(tenth?.slowdown).toBeLessThan(11);
    expect(tenth?.expectedSlowdown).toBeGreaterThan(9.5);
    expect(tenth?.expectedSlowdown).toBeLessThan(10.5);
    expect(tenth?.cpuGranted).toBeCloseTo(0.1, 1);
    expect(tenth?.cpuQuota).toBe(0.1);
    expect(tenth?.throttleRatio).toBeGreaterThan(0.9);
    const small = byId['anon / small / fake']?.summary;
    expect(small?.outcomes).toEqual({ 'oom-killed': 3 });
    expect(small?.oomKills).toBe(3);
    expect(small?.expectedSlowdown).toBeNull();
    const io = byId['write / 10MB/s / fake']?.summary;
    expect(Math.abs((io?.ioBytesPerSec ?? 0) / 10e6 - 1)).toBeLessThan(0.02);
    expect(io?.ioLimitBytesPerSec).toBe(10e6);
    const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(saved.schemaVersion).toBe(1);
    expect(saved.cells).toHaveLength(7);
    expect(saved.cells[0]?.runs).toHaveLength(4);
    const table = renderTable(doc);
    expect(table).toContain('loop — cpu: 1000000000 iterations');
    expect(table).toContain('0.10 / 0.10 (100 %)');
  });

  it('an abort mid-suite leaves a valid partial document marked interrupted', async () => {
    const rt = new FakeRuntime({ realMsPerSec: 20 });
    const abort = new AbortController();
    let last: ResultDocument | undefined;
    const doc = await runSuite({
      scenario,
      host,
      runtimes: { fake: rt },
      scratch: () => disk,
      scratchDir: '/var/tmp',
      signal: abort.signal,
      save: (d) => {
        last = JSON.parse(JSON.stringify(d)) as ResultDocument;
      },
      onEvent: (e) => {
        if (e.type === 'run-start' && e.done === 5) setTimeout(() => abort.abort(), 5);
      },
    });
    expect(doc.status).toBe('interrupted');
    expect(last?.status).toBe('interrupted');
    const runs = doc.cells.flatMap((c) => c.runs).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    expect(runs).toHaveLength(6);
    expect(runs.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(runs[5]?.outcome).toBe('interrupted');
    expect(rt.live.size).toBe(0);
    expect(doc.warnings.some((w) => w.code === 'interrupted')).toBe(true);
  });
});

describe('interleaved order', () => {
  const loop = (extra: object = {}) =>
    validateScenario(
      {
        name: 'il',
        repetitions: 4,
        warmup: 1,
        runtimes: ['fake'],
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            params: { iterations: 1e9 },
            limits: [{}, { name: 'half', cpus: 0.5 }, { name: 'tenth', cpus: 0.1 }],
          },
          { name: 'anon', kind: 'memory', params: { mode: 'anon', mib: 128 }, limits: [{}, { name: 'big', memory: '1G' }] },
        ],
        ...extra,
      },
      'il.yaml',
    );
  const run = (scenario: Scenario, rt = new FakeRuntime(), seed?: number): Promise<ResultDocument> =>
    runSuite({
      scenario,
      host,
      runtimes: { fake: rt },
      scratch: () => disk,
      scratchDir: '/var/tmp',
      save: () => {},
      ...(seed !== undefined ? { seed } : {}),
    });
  /** The cells' runs in the order they ran: "cell#block" (w for a warm-up). */
  const order = (doc: ResultDocument): string[] =>
    doc.cells
      .flatMap((c) => c.runs.map((r) => ({ r, label: `${c.limitSet}#${r.warmup ? 'w' : String(r.block)}` })))
      .sort((a, b) => (a.r.seq ?? 0) - (b.r.seq ?? 0))
      .map((x) => x.label);

  it('is the default: each workload warms up, then runs one run of every cell per block, shuffled by a recorded seed', async () => {
    const doc = await run(loop(), new FakeRuntime(), 7);
    expect(doc.scenario.order).toBe('interleaved');
    expect(doc.schedule).toEqual({ order: 'interleaved', seed: 7 });
    const seen = order(doc);
    // The loop's group (warm-ups, then 4 blocks of 3), then the anon group (warm-ups, 4 blocks of 2).
    expect(seen.slice(0, 3)).toEqual(['unlimited#w', 'half#w', 'tenth#w']);
    for (let b = 0; b < 4; b++)
      expect(seen.slice(3 + 3 * b, 6 + 3 * b).sort()).toEqual([`half#${b}`, `tenth#${b}`, `unlimited#${b}`].sort());
    expect(seen.slice(15, 17)).toEqual(['unlimited#w', 'big#w']);
    // The same seed, the same order; the blocks differ from one another (4 blocks of 3 cells, seed 7).
    expect(order(await run(loop(), new FakeRuntime(), 7))).toEqual(seen);
    expect(new Set([0, 1, 2, 3].map((b) => seen.slice(3 + 3 * b, 6 + 3 * b).join())).size).toBeGreaterThan(1);
    const half = doc.cells.find((c) => c.limitSet === 'half')?.summary;
    expect(half?.slowdownPairs).toBe(4);
    expect(half?.slowdownRange?.[0]).toBeLessThanOrEqual(half?.slowdown ?? 0);
    expect(half?.slowdownRange?.[1]).toBeGreaterThanOrEqual(half?.slowdown ?? 0);
  });

  it('runs a baseline that has no run yet first in the first block (the models scale the others from it)', async () => {
    const doc = await run(loop({ warmup: 0 }), new FakeRuntime(), 11);
    const seen = order(doc);
    expect(seen[0]).toBe('unlimited#0');
    expect(seen.filter((x) => x.endsWith('#w'))).toEqual([]);
  });

  it('cancels a drifting machine in the slowdown, where sequential order does not', async () => {
    // The machine slows steadily (by a quarter over the suite's first 20 s): a cell's runs back to back all meet
    // a later, slower machine than its baseline's did.
    const drift = { amplitude: 0.5, periodSec: 120 };
    const tenth = (doc: ResultDocument) => doc.cells.find((c) => c.limitSet === 'tenth')?.summary;
    const seq = tenth(await run(loop({ order: 'sequential' }), new FakeRuntime({ drift })));
    const il = tenth(await run(loop(), new FakeRuntime({ drift }), 3));
    const off = (s: number | null | undefined): number => Math.abs((s ?? 0) / 10 - 1);
    expect(il?.slowdownPairs).toBe(4);
    expect(off(il?.slowdown)).toBeLessThan(off(seq?.slowdown));
    expect(il?.slowdownRange?.[0]).toBeLessThan(10);
    expect(il?.slowdownRange?.[1]).toBeGreaterThan(10);
    expect(seq?.slowdownPairs).toBeUndefined();
  });

  it('adds blocks of the cells whose slowdown is not pinned down, each with its baseline', async () => {
    const s = loop({ warmup: 0, repetitions: 3, adaptive: { target: '0.5%', maxRepetitions: 6 } });
    const doc = await run(s, new FakeRuntime({ noise: 0.05 }), 5);
    const loopCells = doc.cells.filter((c) => c.workload === 'loop');
    const measured = (c: (typeof loopCells)[number]) => c.runs.filter((r) => !r.warmup).length;
    // Too noisy for ±0.5 %: every cell runs to the cap, the baseline in every block with them.
    expect(loopCells.map(measured)).toEqual([6, 6, 6]);
    const quiet = await run(loop({ warmup: 0, repetitions: 3, adaptive: { target: '5%', maxRepetitions: 6 } }), new FakeRuntime(), 5);
    // A quiet machine: 3 + 3 runs cannot give a 95 % interval of a ratio (the most extreme order has p = 2/20), a
    // fourth block (4 + 4) can, and with no noise it is exact.
    expect(quiet.cells.map((c) => c.runs.length)).toEqual([4, 4, 4, 4, 4]);
    for (const c of quiet.cells.filter((x) => x.baselineId)) expect(c.summary.slowdownRange).toBeDefined();
  });

  it('gives the baseline alone the runs a slowdown interval needs when a limited cell stops at its budget', async () => {
    const probe = await run(loop({ warmup: 0, repetitions: 1 }), new FakeRuntime(), 5);
    const tenthMs = (probe.cells.find((c) => c.limitSet === 'tenth')?.runs[0]?.harnessWallNs ?? 0) / 1e6;
    // A budget of 3.5 tenth-runs: 'tenth' stops at its 3 blocks, without an interval (3 + 3 runs); 'half' (a fifth of
    // its length) gets a fourth block with the baseline; then the baseline alone, up to the 5 runs that 3 need.
    const budget = `${Math.round(tenthMs * 3.5)}ms`;
    const doc = await run(loop({ warmup: 0, repetitions: 3, adaptive: { target: '5%', maxRepetitions: 8, budget } }), new FakeRuntime(), 5);
    const runs = (id: string) => doc.cells.find((c) => c.workload === 'loop' && c.limitSet === id)?.runs ?? [];
    expect([runs('unlimited').length, runs('half').length, runs('tenth').length]).toEqual([5, 4, 3]);
    const tenth = doc.cells.find((c) => c.limitSet === 'tenth')?.summary;
    expect(tenth?.slowdownRange).toBeDefined();
    expect(tenth?.slowdownRunsNeeded).toBeUndefined();
  });
});

describe('the fake runtime simulates the evidence for CPU cost', () => {
  const loop = validateScenario(
    {
      repetitions: 1,
      warmup: 0,
      runtimes: ['fake'],
      workloads: [{ name: 'loop', kind: 'cpu', params: { iterations: 1e9 }, limits: [{ name: 'free' }, { name: 'tenth', cpus: 0.1 }] }],
    },
    'evidence.yaml',
  );
  const run = async (pmu?: boolean): Promise<ResultDocument> =>
    runSuite({
      scenario: loop,
      host,
      runtimes: { fake: new FakeRuntime(pmu === undefined ? {} : { pmu }) },
      scratch: () => disk,
      scratchDir: '/var/tmp',
      save: () => {},
    });

  it('as a machine with a PMU would show a register loop under quota: more preemptions and migrations, the same clock and IPC', async () => {
    const doc = await run();
    const [free, tenth] = ['loop / free / fake', 'loop / tenth / fake'].map((id) => doc.cells.find((c) => c.id === id)?.runs[0]);
    const value = (c: Counted | undefined): number => (c?.value === null || c === undefined ? NaN : c.value);
    // Each throttled period preempts the loop once more than it would be anyway.
    const throttled = (tenth?.after?.cpu?.nrThrottled ?? 0) - (tenth?.before?.cpu?.nrThrottled ?? 0);
    expect(throttled).toBeGreaterThan(20);
    expect(tenth?.process?.involuntaryContextSwitches).toBe((free?.process?.involuntaryContextSwitches ?? 0) + throttled);
    expect(value(tenth?.process?.perf?.cpuMigrations)).toBeGreaterThan(value(free?.process?.perf?.cpuMigrations));
    expect(tenth?.process?.voluntaryContextSwitches).toBe(free?.process?.voluntaryContextSwitches);
    // The same work at the same clock: cycles and instructions do not change with the quota.
    expect(value(tenth?.process?.perf?.instructions)).toBe(3e9);
    expect(value(free?.process?.perf?.instructions)).toBe(3e9);
    expect(value(tenth?.process?.perf?.cycles) / value(free?.process?.perf?.cycles)).toBeCloseTo(1, 2);
  });

  it('as this VM without a PMU: cycles and instructions not measurable, with the reason', async () => {
    const perf = (await run(false)).cells[0]?.runs[0]?.process?.perf;
    expect(perf?.cycles).toEqual({ value: null, reason: expect.stringMatching(/no hardware PMU/) });
    expect(perf?.instructions.value).toBeNull();
    expect(perf?.cpuMigrations.value).toBeGreaterThan(0);
  });
});

describe('adaptive repetitions', () => {
  const base = {
    name: 'a',
    warmup: 0,
    repetitions: 3,
    runtimes: ['fake'],
    workloads: [{ name: 'loop', kind: 'cpu', params: { iterations: 1e8 }, limits: [{}] }],
  };
  async function runsFor(noise: number, adaptive: object): Promise<number> {
    const s = validateScenario({ ...base, adaptive }, 'a.yaml');
    const doc = await runSuite({
      scenario: s,
      host,
      runtimes: { fake: new FakeRuntime({ noise }) },
      scratch: () => disk,
      scratchDir: '/var/tmp',
      save: () => {},
    });
    return doc.cells[0]?.runs.length ?? 0;
  }
  it('stops at the minimum when the median is pinned down', async () => {
    expect(await runsFor(0, { target: '1%', maxRepetitions: 10 })).toBe(3);
  });
  it('keeps going up to the maximum when runs stay noisy', async () => {
    expect(await runsFor(0.3, { target: '0.1%', maxRepetitions: 9 })).toBe(9);
  });

  it('runs later rounds in the same document: new cells with their warm-ups, more runs of earlier ones', async () => {
    const rt = new FakeRuntime();
    const one = { ...scenario, workloads: [{ ...(scenario.workloads[0] as WorkloadSpec), limitSets: [{ name: 'free', limits: {} }] }] };
    const rounds: RoundItem[][] = [
      [
        {
          workload: 'loop',
          runtime: 'fake',
          limitSet: { name: 'quarter', limits: { cpu: { quotaUs: 25_000, periodUs: 100_000 } } },
          measured: 2,
        },
      ],
      [
        {
          workload: 'loop',
          runtime: 'fake',
          limitSet: { name: 'quarter', limits: { cpu: { quotaUs: 25_000, periodUs: 100_000 } } },
          measured: 4,
        },
        { workload: 'loop', runtime: 'fake', limitSet: { name: 'free', limits: {} }, measured: 5 },
      ],
    ];
    const seen: number[] = [];
    let total = 0;
    let finished: string | undefined;
    const doc = await runSuite({
      scenario: one,
      host,
      runtimes: { fake: rt },
      scratch: () => disk,
      scratchDir: '/var/tmp',
      save: () => undefined,
      next: (d) => {
        seen.push(d.cells.reduce((n, c) => n + c.runs.length, 0));
        return rounds.shift() ?? [];
      },
      finish: (d) => (finished = d.status),
      onEvent: (e) => {
        if (e.type === 'run-end') total = e.total;
      },
    });
    // The scenario's cell (1 warm-up + 3), then 1 warm-up + 2 of the new cell, then 2 more of it and 2 of the first.
    expect(seen).toEqual([4, 7, 11]);
    expect(doc.cells.map((c) => [c.id, c.runs.length, c.runs.filter((r) => r.warmup).length])).toEqual([
      ['loop / free / fake', 6, 1],
      ['loop / quarter / fake', 5, 1],
    ]);
    expect(doc.cells[1]?.baselineId).toBe('loop / free / fake');
    // Interleaved, a round's blocks number on from the group's: the last round pairs both cells in blocks 5 and 6.
    const blocks = (i: number): (number | undefined)[] => (doc.cells[i]?.runs ?? []).filter((r) => !r.warmup).map((r) => r.block);
    expect(blocks(0)).toEqual([0, 1, 2, 5, 6]);
    expect(blocks(1)).toEqual([3, 4, 5, 6]);
    expect(doc.cells[1]?.summary.slowdown).toBeCloseTo(4, 0);
    expect(total).toBe(11);
    expect(finished).toBe('complete');
  });

  it('a round cell a runtime cannot run is refused before any of its runs', async () => {
    const one = { ...scenario, workloads: [{ ...(scenario.workloads[0] as WorkloadSpec), limitSets: [{ name: 'free', limits: {} }] }] };
    const bad: RoundItem = { workload: 'loop', runtime: 'fake', limitSet: { name: 'cpu 7', limits: { cpuset: '7' } }, measured: 1 };
    let last: ResultDocument | undefined;
    await expect(
      runSuite({
        scenario: one,
        host,
        runtimes: { fake: new FakeRuntime() },
        scratch: () => disk,
        scratchDir: '/var/tmp',
        availableCpus: '0-1',
        save: (d) => {
          last = d;
        },
        next: () => [bad],
      }),
    ).rejects.toThrow(/cpuset 7 names CPU\(s\) 7, which the parent group does not have/);
    expect(last?.status).toBe('failed');
    expect(last?.cells.map((c) => c.id)).toEqual(['loop / free / fake']);
  });
});
