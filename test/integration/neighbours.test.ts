// Neighbours on real groups (root): what a limit protects a workload from. A 1-thread loop next to a
// 2-thread hog on this 2-CPU machine, by placement, cap and weight; a page-cache re-reader next to a cache
// hog in a shared parent with a memory limit; an O_DIRECT reader beside a throttled writer; and nothing left
// behind when the suite is interrupted.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultScratchDir } from '../../src/app/environment.js';
import { gatherHost } from '../../src/app/host.js';
import { resolveDiskTarget } from '../../src/cgroup/disk.js';
import { openCgroups, type CgroupSystem } from '../../src/cgroup/index.js';
import { median } from '../../src/analysis/stats.js';
import type { Cell, HostInfo, ResultDocument } from '../../src/model/types.js';
import { NativeRuntime } from '../../src/runtimes/native.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { isRoot, loopIterations, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const scratchDir = defaultScratchDir();
if (!isRoot) console.warn('skipping neighbour integration tests: they need root to create cgroups');

/** The measured workload's CPUs per measured run: its own CPU time over its own wall time. */
function shares(cell: Cell | undefined): number[] {
  return (cell?.runs ?? []).flatMap((r) =>
    r.outcome === 'ok' && typeof r.metrics.cpuNs === 'number' ? [r.metrics.cpuNs / r.metrics.wallNs] : [],
  );
}

const hog = (extra: Record<string, unknown>): Record<string, unknown> => ({
  kind: 'cpu',
  params: { iterations: loopIterations(2), threads: 2 },
  ...extra,
});

describe.skipIf(!isRoot)('neighbours on real groups', () => {
  let cgroups: CgroupSystem;
  let host: HostInfo;
  let runtime: NativeRuntime;
  const dirs: string[] = [];
  beforeAll(async () => {
    cgroups = openCgroups();
    host = await gatherHost(cgroups.info, resolveDiskTarget(scratchDir));
    runtime = new NativeRuntime(cgroups);
  });
  afterAll(async () => {
    await runtime?.close();
    await cgroups?.clean(cgroups.leftovers().filter((n) => n.startsWith('itnb')));
    cgroups?.removeSubtreeIfEmpty();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function run(raw: unknown, suiteId: string): Promise<ResultDocument> {
    return runSuite({
      scenario: validateScenario(raw, `${suiteId}.yaml`),
      host,
      runtimes: { native: runtime },
      scratch: () => resolveDiskTarget(scratchDir),
      scratchDir,
      save: () => {},
      suiteId,
    });
  }

  it('a hog in the same group takes the CPU; in its own group capped at 0.2 CPU or at weight 1 it does not', async () => {
    // A 1-thread loop of ~1 s next to a 2-thread hog on 2 CPUs: three runnable threads in one group share
    // two CPUs (2/3 each); a hog capped at 0.2 CPU leaves 1.8; at weight 1 against 100 it gets ~1 %.
    const doc = await run(
      {
        repetitions: 3,
        warmup: 0,
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            params: { iterations: loopIterations(1) },
            neighbours: [
              { name: 'same', run: [hog({ placement: 'same' })] },
              { name: 'capped', run: [hog({ limits: { cpus: 0.2 } })] },
              { name: 'light', run: [hog({ limits: { weight: 1 } })] },
            ],
          },
        ],
      },
      'itnbcpu',
    );
    const cell = (set: string): Cell | undefined => doc.cells.find((c) => c.neighbourSet?.name === set);
    const alone = doc.cells.find((c) => !c.neighbourSet);
    expect(median(shares(alone))).toBeGreaterThan(0.95);
    // About 3/4 at most (the model says 2/3): a hog's restart gaps give the loop a little more.
    expect(median(shares(cell('same')))).toBeLessThanOrEqual(0.77);
    expect(median(shares(cell('capped')))).toBeGreaterThanOrEqual(0.85);
    expect(median(shares(cell('light')))).toBeGreaterThanOrEqual(0.95);
    // The neighbours ran all along, and the capped one within its quota.
    for (const set of ['same', 'capped', 'light']) {
      for (const r of cell(set)?.runs ?? []) {
        expect(r.outcome).toBe('ok');
        const n = r.neighbours?.[0];
        expect(n?.starts).toBeGreaterThanOrEqual(1);
        expect(n?.error).toBeUndefined();
        if (set === 'capped' && n) expect((n.cpuUs * 1000) / n.wallNs).toBeLessThan(0.2 * 1.1 + 0.01);
        if (set === 'same' && n) expect((n.cpuUs * 1000) / n.wallNs).toBeGreaterThan(1);
      }
    }
  });

  it('a cache hog in a shared parent evicts the re-reader’s page cache, unless it has its own memory limit', async () => {
    const cacheHog = { name: 'cache hog', kind: 'memory', params: { mode: 'pagecache', mib: 200, passes: 4, access: 'read' } };
    const doc = await run(
      {
        repetitions: 3,
        warmup: 0,
        workloads: [
          {
            name: 'reread',
            kind: 'memory',
            params: { mode: 'pagecache', mib: 96, passes: 20, access: 'read' },
            neighbours: [
              { name: 'alone' },
              { name: 'hog', parent: { memory: '192M' }, run: [cacheHog] },
              { name: 'hog at 64M', parent: { memory: '192M' }, run: [{ ...cacheHog, limits: { memory: '64M' } }] },
            ],
          },
        ],
      },
      'itnbmem',
    );
    const cell = (set?: string): Cell | undefined => doc.cells.find((c) => c.neighbourSet?.name === set);
    const diskRead = (set?: string): number =>
      median(
        (cell(set) ?? { runs: [] }).runs.flatMap((r) =>
          r.outcome === 'ok' && typeof r.metrics.diskReadBytes === 'number' ? [r.metrics.diskReadBytes] : [],
        ),
      );
    const alone = diskRead(undefined);
    console.log(
      `page cache: disk reads alone ${(alone / 2 ** 20).toFixed(0)} MiB, beside the hog ${(diskRead('hog') / 2 ** 20).toFixed(0)} MiB, ` +
        `beside the hog at 64M ${(diskRead('hog at 64M') / 2 ** 20).toFixed(0)} MiB`,
    );
    // Alone, only the first pass reads the disk (the file was dropped from the cache before it).
    expect(alone).toBeGreaterThanOrEqual(96 * 2 ** 20 * 0.9);
    expect(diskRead('hog')).toBeGreaterThanOrEqual(alone * 1.5);
    expect(Math.abs(diskRead('hog at 64M') / alone - 1)).toBeLessThanOrEqual(0.1);

    // The protection view says the same in the page cache's terms, and names what kept it.
    const hog = cell('hog')?.summary.contention;
    const capped = cell('hog at 64M')?.summary.contention;
    expect(hog?.memory?.diskReadsVsAlone?.median).toBeGreaterThanOrEqual(1.5);
    // A verdict needs every run clearly worse than alone (or a t interval that clears it); when one of the three
    // runs beside the hog was not (the hog had not yet filled the shared limit), the view says so rather than guess.
    if (hog?.verdict.lost === 'unknown') expect(hog.verdict.text).toMatch(/^disk reads [\d.]+x alone, too spread to tell/);
    else {
      expect(hog?.verdict.lost).toBe('page cache');
      expect(hog?.verdict.text).toMatch(
        /^lost page cache: cache hog evicted its working set, [\d.]+ MiB more read from disk than alone \(disk reads [\d.]+x alone/,
      );
    }
    expect(hog?.neighbours[0]?.peakMemoryBytes).toBeGreaterThan(128 * 2 ** 20);
    expect(capped?.verdict.lost).toBeNull();
    expect(capped?.verdict.text).toMatch(
      /^kept its working set \(disk reads [\d.]+x alone\); the limit on cache hog \(mem 64 MiB\) kept it/,
    );
    expect(capped?.neighbours[0]?.peakMemoryBytes).toBeLessThanOrEqual(64 * 2 ** 20);
    for (const v of [hog, capped]) expect(v?.verdict.text).not.toMatch(/scheduler|CPU share/);
    // The kernel's own figure where it has one (5.9+): pages evicted and read back.
    if (hog?.memory?.refaultsPerPass !== null && hog?.memory?.refaultsPerPass !== undefined) {
      expect(hog.memory.refaultsPerPass).toBeGreaterThan(hog.memory.aloneRefaultsPerPass ?? 0);
    }
  });

  it('an O_DIRECT reader keeps its rate beside a writer throttled to 20 MB/s', async () => {
    const writer = { name: 'writer', kind: 'io', params: { mode: 'write', mib: 16, blockKib: 1024 } };
    const doc = await run(
      {
        repetitions: 5,
        warmup: 0,
        workloads: [
          {
            name: 'reader',
            kind: 'io',
            params: { mode: 'read', mib: 256, blockKib: 1024 },
            neighbours: [{ name: 'alone' }, { name: 'throttled', run: [{ ...writer, limits: { io: [{ wbps: '20MB/s' }] } }] }],
          },
        ],
      },
      'itnbio',
    );
    const v = doc.cells.find((c) => c.neighbourSet?.name === 'throttled')?.summary.contention;
    console.log(
      `direct reader: ${((v?.io?.bytesPerSec?.median ?? 0) / 1e6).toFixed(0)} MB/s beside the throttled writer, ` +
        `${((v?.io?.aloneBytesPerSec ?? 0) / 1e6).toFixed(0)} MB/s alone (kept ${v?.io?.rateKept?.median.toFixed(2)}); writer ` +
        `${((v?.neighbours[0]?.diskWriteBytesPerSec ?? 0) / 1e6).toFixed(1)} MB/s`,
    );
    // Near alone: this VM's disk (and its CPU, which wakes the reader) swings by a quarter run to run, so
    // "near" is within that; what the kernel guarantees is the writer's throttle, below.
    expect(v?.io?.rateKept?.median).toBeGreaterThanOrEqual(0.75);
    expect(v?.verdict.text).not.toMatch(/scheduler|CPU share/);
    if (v?.verdict.lost === null) expect(v.verdict.text).toMatch(/the limit on writer \(write 20 MB\/s\) kept it$/);
    // The writer's own group shows the throttle held: at most 20 MB/s, plus the throttle's first slice.
    const written = v?.neighbours[0]?.diskWriteBytesPerSec ?? 0;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThanOrEqual(20e6 * 1.25);
  });

  it('Ctrl-C while neighbours run stops them all and removes every group, the shared parent included', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cgbench-it-'));
    dirs.push(work);
    const file = join(work, 'nb.yaml');
    writeFileSync(
      file,
      [
        'name: nb',
        'repetitions: 3',
        'warmup: 0',
        'workloads:',
        '  - name: loop',
        '    kind: cpu',
        '    params: { iterations: 17179869184 }',
        '    neighbours:',
        '      - name: both',
        '        parent: { memory: 512M }',
        '        run:',
        '          - { kind: cpu, params: { iterations: 17179869184, threads: 1 }, limits: { cpus: 0.5 } }',
        '          - { kind: latency, params: { threads: 1, durationMs: 500 }, placement: same }',
        '',
      ].join('\n'),
    );
    const out = join(work, 'out');
    const child = spawn(process.execPath, [CLI, 'run', file, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const results = join(out, 'results.json');
    // Wait for a run of the neighbour cell to be under way (its parent group is there; the cells interleave).
    const deadline = Date.now() + 90_000;
    while (!cgroups.leftovers().some((n) => n.endsWith('-parent'))) {
      if (Date.now() > deadline) throw new Error(`no neighbour run started in time: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2000));
    // The neighbour cell's run is still under way: its groups are there.
    expect(cgroups.leftovers().some((n) => n.endsWith('-parent'))).toBe(true);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const doc = JSON.parse(readFileSync(results, 'utf8')) as ResultDocument;
    expect(doc.status).toBe('interrupted');
    const last = doc.cells[1]?.runs.at(-1);
    expect(last?.outcome).toBe('interrupted');
    expect(last?.neighbours?.map((n) => n.label)).toHaveLength(2);
    expect(cgroups.leftovers()).toEqual([]);
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /cgbench-(cpu|latency|launch)/.test(l));
    expect(left).toEqual([]);
  });
});
