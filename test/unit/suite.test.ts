import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostInfo, ResultDocument } from '../../src/model/types.js';
import { renderTable } from '../../src/reporters/table.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { expandCells } from '../../src/scheduler/cells.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { saveResults } from '../../src/app/results.js';

const host: HostInfo = {
  hostname: 'test',
  kernel: '6.1.0',
  distro: 'Debian 12',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpuCount: 2,
  memoryBytes: 8 * 2 ** 30,
  cgroup: { mode: 'v2', driver: 'v2', controllers: ['cpu', 'memory', 'io', 'pids'], root: '/sys/fs/cgroup/cgbench' },
  node: 'v20',
  cgbenchVersion: '0.0.0-test',
};
const disk = { dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' };

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
    const runs = doc.cells.flatMap((c) => c.runs);
    expect(runs).toHaveLength(6);
    expect(runs[5]?.outcome).toBe('interrupted');
    expect(rt.live.size).toBe(0);
    expect(doc.warnings.some((w) => w.code === 'interrupted')).toBe(true);
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
});
