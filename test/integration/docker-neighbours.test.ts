// Neighbours on a real Docker engine (root, an engine at DOCKER_HOST with the cgroupfs driver, e.g. from
// scripts/docker-up.sh): a 1-thread loop next to a 2-thread hog in the same container, in its own container
// capped at 0.2 CPU, and in a shared parent capped at 1 CPU; and nothing left behind, interrupted or not.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultScratchDir } from '../../src/app/environment.js';
import { gatherHost } from '../../src/app/host.js';
import { median } from '../../src/analysis/stats.js';
import { resolveDiskTarget } from '../../src/cgroup/disk.js';
import { openCgroups, type CgroupSystem } from '../../src/cgroup/index.js';
import type { Cell, HostInfo, ResultDocument } from '../../src/model/types.js';
import { createDockerRuntime, type DockerRuntime } from '../../src/runtimes/docker/runtime.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { isRoot, loopIterations } from '../helpers.js';

const scratchDir = defaultScratchDir();

function docker(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

function engineProblem(): string | null {
  if (!isRoot) return 'they need root (cgroups of the containers, the Docker socket)';
  const r = docker('info', '--format', '{{.CgroupDriver}}');
  if (r.status !== 0)
    return `no Docker engine answers at ${process.env.DOCKER_HOST ?? 'the default socket'}; start one with eval "$(scripts/docker-up.sh)"`;
  if (r.stdout.trim() !== 'cgroupfs') return `the engine uses the ${r.stdout.trim()} cgroup driver (a shared parent needs cgroupfs)`;
  return null;
}

const skipReason = engineProblem();
if (skipReason) console.warn(`skipping Docker neighbour integration tests: ${skipReason}`);

function cgbenchContainers(): string[] {
  const byLabel = docker('ps', '-a', '--format', '{{.Names}}', '--filter', 'label=cgbench=1').stdout.split('\n').filter(Boolean);
  const byName = docker('ps', '-a', '--format', '{{.Names}}')
    .stdout.split('\n')
    .filter((n) => n.startsWith('cgbench-'));
  return [...new Set([...byLabel, ...byName])];
}

/** Groups named after these tests' runs (their run ids start with the suite id), in any hierarchy. */
function groupsLeft(): string[] {
  const out = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-type', 'd', '-name', 'itdnb*'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** The measured workload's CPUs per measured run: its own CPU time over its own wall time. */
function shares(cell: Cell | undefined): number[] {
  return (cell?.runs ?? []).flatMap((r) =>
    r.outcome === 'ok' && typeof r.metrics.cpuNs === 'number' ? [r.metrics.cpuNs / r.metrics.wallNs] : [],
  );
}

// Long enough that one start outlasts a measured run: a restart's container start-up is not idle time.
const hog = (extra: Record<string, unknown>): Record<string, unknown> => ({
  kind: 'cpu',
  params: { iterations: loopIterations(2), threads: 2 },
  ...extra,
});

describe.skipIf(skipReason !== null)('docker neighbours on a real engine', () => {
  let cgroups: CgroupSystem;
  let host: HostInfo;
  let runtime: DockerRuntime;

  beforeAll(async () => {
    cgroups = openCgroups();
    runtime = await createDockerRuntime({ cgroups });
    host = await gatherHost(cgroups.info, resolveDiskTarget(scratchDir));
    host.docker = runtime.hostDockerInfo();
  });
  afterEach(() => {
    // Whatever happened, leave nothing behind; then assert there was nothing to clean.
    const left = cgbenchContainers();
    if (left.length) docker('rm', '-f', ...left);
    const groups = groupsLeft();
    expect({ containers: left, groups }).toEqual({ containers: [], groups: [] });
  });
  afterAll(async () => {
    await runtime?.close();
    await cgroups?.clean(cgroups.leftovers().filter((n) => n.startsWith('itdnb')));
    cgroups?.removeSubtreeIfEmpty();
    // The parents' directories, cgbench's and those the engine made in the other hierarchies, are all gone. The
    // test swarm's nodes (cgbench-swarmN, their dockerd's --cgroup-parent) are not this test's: CI keeps the swarm up
    // for the whole run and its own test and scripts/swarm-down.sh account for them.
    const out = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '2', '-name', 'cgbench*', '-not', '-name', 'cgbench-swarm[0-9]'], {
      encoding: 'utf8',
    });
    expect(out.split('\n').filter(Boolean)).toEqual([]);
  });

  async function run(raw: object, suiteId: string, signal?: AbortSignal): Promise<ResultDocument> {
    return runSuite({
      scenario: validateScenario({ runtimes: ['docker'], warmup: 0, ...raw }, `${suiteId}.yaml`),
      host,
      runtimes: { docker: runtime },
      scratch: () => resolveDiskTarget(scratchDir),
      scratchDir,
      save: () => {},
      suiteId,
      ...(signal ? { signal } : {}),
    });
  }

  it('a hog in the same container takes the CPU; in its own container capped at 0.2 CPU it does not', async () => {
    const doc = await run(
      {
        repetitions: 3,
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            params: { iterations: loopIterations(0.5) },
            neighbours: [
              { name: 'alone' },
              { name: 'same', run: [hog({ placement: 'same' })] },
              { name: 'capped', run: [hog({ limits: { cpus: 0.2 } })] },
            ],
          },
        ],
      },
      'itdnbcpu',
    );
    expect(doc.status).toBe('complete');
    const cell = (set: string): Cell | undefined => doc.cells.find((c) => c.neighbourSet?.name === set);
    const alone = doc.cells.find((c) => !c.neighbourSet || c.neighbourSet.name === 'alone');
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(3)).join(', ');
    console.log(
      `docker loop CPU share: alone ${fmt(shares(alone))}; same ${fmt(shares(cell('same')))}; capped ${fmt(shares(cell('capped')))}`,
    );
    for (const set of ['same', 'capped']) {
      for (const r of cell(set)?.runs ?? []) {
        const n = r.neighbours?.[0];
        console.log(
          `  ${set}: neighbour starts ${n?.starts}, CPU ${n ? ((n.cpuUs * 1000) / n.wallNs).toFixed(3) : '?'}, wall ${((n?.wallNs ?? 0) / 1e9).toFixed(2)} s`,
        );
      }
    }
    expect(median(shares(alone))).toBeGreaterThan(0.9);
    expect(median(shares(cell('same')))).toBeLessThanOrEqual(0.75);
    expect(median(shares(cell('capped')))).toBeGreaterThanOrEqual(0.85);
    for (const set of ['same', 'capped']) {
      const runs = cell(set)?.runs ?? [];
      expect(runs.length).toBe(3);
      for (const r of runs) {
        expect(r.outcome).toBe('ok');
        const n = r.neighbours?.[0];
        expect(n?.starts).toBeGreaterThanOrEqual(1);
        expect(n?.error).toBeUndefined();
        // Booked from the neighbour launcher's rusage: the capped one within its quota, the shared one busy.
        if (set === 'capped' && n) expect((n.cpuUs * 1000) / n.wallNs).toBeLessThan(0.2 * 1.1 + 0.01);
        if (set === 'same' && n) expect((n.cpuUs * 1000) / n.wallNs).toBeGreaterThan(0.5);
      }
    }
  });

  it('a shared parent capped at 1 CPU holds the loop and its neighbour container', async () => {
    // Two groups of equal weight in a 1-CPU parent on 2 CPUs: the loop shares its CPU with one hog thread,
    // the other hog thread has the second CPU, and the parent's quota throttles all three to 1 CPU: the loop
    // gets about 1/3 of a CPU, not the ~97 % an unlimited hog in its own container leaves it.
    const doc = await run(
      {
        repetitions: 2,
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            params: { iterations: loopIterations(0.25) },
            neighbours: [{ name: 'in 1 CPU', parent: { cpus: 1 }, run: [hog({})] }],
          },
        ],
      },
      'itdnbpar',
    );
    expect(doc.status).toBe('complete');
    const cell = doc.cells.find((c) => c.neighbourSet?.name === 'in 1 CPU');
    console.log(
      `docker loop in a 1-CPU parent beside a hog: CPU share ${shares(cell)
        .map((x) => x.toFixed(3))
        .join(', ')}`,
    );
    for (const r of cell?.runs ?? []) {
      expect(r.outcome).toBe('ok');
      expect(r.neighbours?.[0]?.error).toBeUndefined();
    }
    expect(median(shares(cell))).toBeLessThan(0.6);
    expect(median(shares(cell))).toBeGreaterThan(0.2);
  });

  it('a timed-out run beside neighbours is stopped (an exec into the holder too) and nothing stays', async () => {
    const doc = await run(
      {
        repetitions: 1,
        timeout: '2s',
        workloads: [
          {
            name: 'long',
            kind: 'cpu',
            params: { iterations: loopIterations(8) },
            neighbours: [
              { name: 'same', run: [hog({ placement: 'same' })] },
              { name: 'parent', parent: { cpus: 1.5 }, run: [hog({ limits: { cpus: 0.2 } })] },
            ],
          },
        ],
      },
      'itdnbtime',
    );
    const sets = doc.cells.filter((c) => c.neighbourSet && c.neighbourSet.name !== 'alone');
    expect(sets.map((c) => c.neighbourSet?.name).sort()).toEqual(['parent', 'same']);
    for (const c of sets) {
      expect(c.summary.outcomes).toEqual({ timeout: 1 });
      expect(c.runs[0]?.neighbours?.[0]?.starts).toBeGreaterThanOrEqual(1);
    }
  });

  it('an interrupted suite leaves no neighbour container, holder or parent behind', async () => {
    // Interrupt once the neighbours run (the alone cell comes first): the own one's container is up.
    const abort = new AbortController();
    const timer = setInterval(() => {
      if (cgbenchContainers().some((n) => /^cgbench-itdnbint-.*-n1-s0$/.test(n))) setTimeout(() => abort.abort(), 1_500);
    }, 500);
    abort.signal.addEventListener('abort', () => clearInterval(timer));
    try {
      const doc = await run(
        {
          repetitions: 1,
          workloads: [
            {
              name: 'long',
              kind: 'cpu',
              params: { iterations: loopIterations(2) },
              neighbours: [{ name: 'all', parent: { cpus: 1.5 }, run: [hog({ placement: 'same' }), hog({ limits: { cpus: 0.2 } })] }],
            },
          ],
        },
        'itdnbint',
        abort.signal,
      );
      expect(doc.status).not.toBe('complete');
    } finally {
      clearInterval(timer);
    }
  });
});
