// Real podman on this machine (root, Debian's podman 4.3, cgroupfs manager): `--runtime podman` end to end
// through the CLI (the seed's 10 % quota, an OOM kill and an O_DIRECT throttle in one small suite), a shared
// parent over a workload and its neighbour container, `cgbench clean`; kept to a minute or two for CI.
// Everything podman makes here is named cgbench-* and removed after each test, passed or failed; no run of
// cgbench's leaves podman's own libpod_parent group (its default, never removed) in any hierarchy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultScratchDir } from '../../src/app/environment.js';
import { gatherHost } from '../../src/app/host.js';
import { median } from '../../src/analysis/stats.js';
import { resolveDiskTarget } from '../../src/cgroup/disk.js';
import { openCgroups, type CgroupSystem } from '../../src/cgroup/index.js';
import { recordEngine } from '../../src/model/engines.js';
import type { Cell, HostInfo, ResultDocument } from '../../src/model/types.js';
import type { DockerRuntime } from '../../src/runtimes/docker/runtime.js';
import { createPodmanRuntime } from '../../src/runtimes/podman/runtime.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { cgroupDirsNamed, isRoot, loopIterations, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const scratchDir = defaultScratchDir();

function podman(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('podman', ['--cgroup-manager=cgroupfs', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

function podmanProblem(): string | null {
  if (!isRoot) return 'they need root (rootful podman)';
  const r = podman('info', '--format', '{{.Host.CgroupManager}}');
  if (r.status !== 0) return `podman does not work here (${r.stderr.trim().split('\n').pop() ?? ''}); apt-get install podman`;
  return null;
}

const skipReason = podmanProblem();
if (skipReason) console.warn(`skipping podman integration tests: ${skipReason}`);

/** podman's containers named cgbench-* or labelled cgbench. */
function cgbenchContainers(): string[] {
  const names = podman('ps', '-a', '--format', '{{.Names}} {{.Labels}}').stdout.split('\n').filter(Boolean);
  return names.filter((l) => l.startsWith('cgbench-') || /\bcgbench:1\b/.test(l)).map((l) => l.split(' ')[0] ?? '');
}

/** podman's default parent of containers, in any hierarchy (at a hierarchy's root with the cgroupfs manager). */
const libpodParents = (): string[] => cgroupDirsNamed('libpod_parent', '/sys/fs/cgroup', 2);

/** Empty libpod_parent groups (and their conmon group) go; a busy one is someone else's. */
function removeEmptyLibpodParents(): void {
  for (const dir of libpodParents()) {
    for (const d of [join(dir, 'conmon'), dir]) {
      try {
        rmdirSync(d);
      } catch {
        // not empty, or gone
      }
    }
  }
}

/** The hierarchies' directories of cgbench's podman default parents (<hierarchy>/cgbench/p<pid>-<hex>-podman). */
function defaultParents(): string[] {
  return readdirSync('/sys/fs/cgroup').flatMap((h) => {
    const dir = join('/sys/fs/cgroup', h, 'cgbench');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => n.endsWith('-podman'))
          .map((n) => join(dir, n))
      : [];
  });
}

/** Removes an empty group and its empty subgroups, deepest first. */
function rmdirTree(dir: string): void {
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirTree(join(dir, e.name));
    rmdirSync(dir);
  } catch {
    // busy, or gone
  }
}

function cgbench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const cpuShares = (cell: Cell | undefined): number[] =>
  (cell?.runs ?? []).flatMap((r) =>
    r.outcome === 'ok' && typeof r.metrics.cpuNs === 'number' ? [r.metrics.cpuNs / r.metrics.wallNs] : [],
  );

describe.skipIf(skipReason !== null)('podman runtime (rootful, cgroupfs)', () => {
  let work: string;
  /** libpod_parent groups someone else's podman containers keep (none on a machine only cgbench uses podman on). */
  let othersLibpod: string[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-podman-'));
    // podman never removes libpod_parent: absent after a test, it never appeared during it.
    removeEmptyLibpodParents();
    othersLibpod = libpodParents();
  });
  afterEach(() => {
    // Whatever happened, leave no container behind; then assert there was nothing to clean.
    const left = cgbenchContainers();
    if (left.length) podman('rm', '-f', ...left);
    const groups = cgroupDirsNamed('itpodpar-parent');
    const libpod = libpodParents().filter((d) => !othersLibpod.includes(d));
    removeEmptyLibpodParents();
    expect({ containers: left, groups, libpod }).toEqual({ containers: [], groups: [], libpod: [] });
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    // The workload image goes too (cgbench-workloads:<hash>, labelled cgbench): podman here holds nothing of ours.
    const images = podman('image', 'ls', '--quiet', '--filter', 'label=cgbench=1').stdout.split('\n').filter(Boolean);
    if (images.length) podman('image', 'rm', '--force', ...new Set(images));
    // Every runtime is closed by now (the neighbours' one in its own afterAll): its default parent went with it.
    const left = defaultParents();
    for (const d of left) rmdirTree(d);
    expect(left).toEqual([]);
  });

  it('runs the seed (10 % quota), an OOM kill and a 10 MB/s O_DIRECT throttle from the CLI, engine recorded', () => {
    const scenario = join(work, 'podman-seed.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        name: 'podman-seed',
        repetitions: 1,
        warmup: 0,
        order: 'sequential',
        runtimes: ['podman'],
        workloads: [
          {
            name: 'busy-loop',
            kind: 'cpu',
            params: { iterations: loopIterations(0.4) },
            limits: [{ name: 'unlimited' }, { name: '10%', cpu: { quota: 10000, period: 100000 } }],
          },
          {
            name: 'anon',
            kind: 'memory',
            params: { mode: 'anon', mib: 96 },
            limits: [{ name: '32M', memory: { max: '32M' }, expect: 'oom-killed' }],
          },
          { name: 'write', kind: 'io', params: { mode: 'write', mib: 24 }, limits: [{ name: '10MB/s', io: [{ wbps: 10_000_000 }] }] },
        ],
      }),
    );
    const out = join(work, 'seed');
    const res = cgbench(['run', scenario, '--out', out, '--report', 'none']);
    console.log(res.stdout);
    expect(res.stderr).not.toMatch(/^cgbench: /m);
    expect(res.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.status).toBe('complete');
    expect(doc.host.engines?.podman).toMatchObject({ name: 'Podman', cgroupDriver: 'cgroupfs' });
    const cell = (w: string, l: string): Cell => doc.cells.find((c) => c.workload === w && c.limitSet === l) as Cell;
    const ten = cell('busy-loop', '10%').summary;
    const startups = doc.cells.flatMap((c) => c.runs).map((r) => `${((r.startupNs ?? 0) / 1e6).toFixed(0)} ms`);
    console.log(
      `podman 10 % quota: granted ${ten.cpuGranted?.toFixed(4)} CPU, slowdown ${ten.slowdown?.toFixed(2)}; start-up ${startups.join(', ')}`,
    );
    for (const c of doc.cells) expect(c.runtime).toBe('podman');
    expect(ten.outcomes).toEqual({ ok: 1 });
    // The kernel holds the group to its quota: 10 % within 10 %.
    expect(ten.cpuGranted).toBeGreaterThan(0.09);
    expect(ten.cpuGranted).toBeLessThan(0.11);
    const run = cell('busy-loop', '10%').runs[0];
    expect((run?.after?.cpu?.nrThrottled ?? 0) - (run?.before?.cpu?.nrThrottled ?? 0)).toBeGreaterThan(20);
    expect(run?.startupNs).toBeGreaterThan(10e6);
    const anon = cell('anon', '32M').summary;
    expect(anon.outcomes).toEqual({ 'oom-killed': 1 });
    expect(anon.peakMemoryBytes).toBeLessThanOrEqual(32 << 20);
    const write = cell('write', '10MB/s').summary;
    console.log(`podman 10 MB/s throttle: measured ${((write.ioBytesPerSec ?? 0) / 1e6).toFixed(2)} MB/s`);
    expect(write.outcomes).toEqual({ ok: 1 });
    expect(write.ioBytesPerSec).toBeGreaterThan(10e6 * 0.85);
    expect(write.ioBytesPerSec).toBeLessThan(10e6 * 1.15);
  });

  describe('neighbours', () => {
    let cgroups: CgroupSystem;
    let host: HostInfo;
    let runtime: DockerRuntime;

    beforeAll(async () => {
      cgroups = openCgroups();
      const opened = await createPodmanRuntime({ cgroups });
      runtime = opened.runtime;
      host = await gatherHost(cgroups.info, resolveDiskTarget(scratchDir));
      recordEngine(host, 'podman', opened.info);
    });
    afterAll(async () => {
      await runtime?.close();
      await cgroups?.clean(cgroups.leftovers().filter((n) => n.startsWith('itpod')));
      cgroups?.removeSubtreeIfEmpty();
    });

    it('a shared parent capped at 1 CPU holds the loop and its neighbour container', async () => {
      // As under Docker (docker-neighbours.test.ts): the loop shares the 1-CPU parent with a 2-thread hog.
      const doc = await runSuite({
        scenario: validateScenario(
          {
            runtimes: ['podman'],
            warmup: 0,
            repetitions: 1,
            workloads: [
              {
                name: 'loop',
                kind: 'cpu',
                params: { iterations: loopIterations(0.25) },
                neighbours: [
                  {
                    name: 'in 1 CPU',
                    parent: { cpus: 1 },
                    run: [{ kind: 'cpu', params: { iterations: loopIterations(2), threads: 2 } }],
                  },
                ],
              },
            ],
          },
          'itpodpar.yaml',
        ),
        host,
        runtimes: { podman: runtime },
        scratch: () => resolveDiskTarget(scratchDir),
        scratchDir,
        save: () => {},
        suiteId: 'itpodpar',
      });
      expect(doc.status).toBe('complete');
      const cell = doc.cells.find((c) => c.neighbourSet?.name === 'in 1 CPU');
      console.log(
        `podman loop in a 1-CPU parent beside a hog: CPU share ${cpuShares(cell)
          .map((x) => x.toFixed(3))
          .join(', ')}`,
      );
      for (const r of cell?.runs ?? []) {
        expect(r.outcome).toBe('ok');
        expect(r.neighbours?.[0]?.error).toBeUndefined();
        expect(r.neighbours?.[0]?.starts).toBeGreaterThanOrEqual(1);
      }
      // Three busy threads under one CPU's quota: the loop can never have more than the parent's 1 CPU.
      expect(median(cpuShares(cell))).toBeLessThan(0.6);
    });
  });

  it('`cgbench clean` removes a podman container it left (by its cgbench- name), and nothing else', () => {
    const image = podman('image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=cgbench=1').stdout.split('\n')[0];
    expect(image).toMatch(/cgbench-workloads:/);
    expect(podman('create', '--name', 'cgbench-itpodleft', '--network', 'none', image ?? '', '/cgbench/bin/cgbench-launch').status).toBe(0);
    const res = cgbench(['clean']);
    expect(res.status).toBe(0);
    expect(res.stdout + res.stderr).toContain('cgbench-itpodleft');
    expect(cgbenchContainers()).toEqual([]);
  });

  it("`cgbench clean` removes a killed cgbench's default parent from every hierarchy, conmon's group in it too", () => {
    // Its owner's pid is gone: a finished child's.
    const dead = spawnSync('true').pid;
    const name = `p${dead}-abcdef-podman`;
    const hierarchies = readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h));
    for (const h of hierarchies) mkdirSync(join(h, 'cgbench', name, 'conmon'), { recursive: true });
    try {
      const res = cgbench(['clean']);
      expect(res.status).toBe(0);
      expect(res.stdout).toContain(name);
      expect(hierarchies.filter((h) => existsSync(join(h, 'cgbench', name)))).toEqual([]);
    } finally {
      for (const h of hierarchies) {
        rmdirTree(join(h, 'cgbench', name));
        try {
          rmdirSync(join(h, 'cgbench')); // only when empty: another suite's groups keep it
        } catch {
          // not empty, or gone
        }
      }
    }
  });
});
