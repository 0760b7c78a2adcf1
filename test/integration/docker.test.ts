// Real Docker on this machine (root, an engine at DOCKER_HOST, e.g. from scripts/docker-up.sh): the docker
// runtime (the launcher in container mode) under CPU, memory and IO limits, interruption, and an
// unreachable engine.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultScratchDir } from '../../src/app/environment.js';
import { resolveDiskTarget } from '../../src/cgroup/disk.js';
import { detectCgroups } from '../../src/cgroup/detect.js';
import { openCgroups } from '../../src/cgroup/index.js';
import { gatherHost } from '../../src/app/host.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { Cell, HostInfo, Scenario } from '../../src/model/types.js';
import { cleanDockerLeftovers } from '../../src/runtimes/docker/clean.js';
import { createDockerRuntime, type DockerRuntime } from '../../src/runtimes/docker/runtime.js';
import { makeTar } from '../../src/runtimes/docker/image.js';
import { NativeRuntime } from '../../src/runtimes/native.js';
import { renderTable } from '../../src/reporters/table.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { NATIVE_DIR } from '../../src/model/paths.js';
import { isRoot, loopIterations } from '../helpers.js';

const scratchDir = defaultScratchDir();

function docker(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

function engineProblem(): string | null {
  if (!isRoot) return 'they need root (cgroups of the containers, the Docker socket)';
  const r = docker('version', '--format', '{{.Server.Version}}');
  if (r.status !== 0)
    return `no Docker engine answers at ${process.env.DOCKER_HOST ?? 'the default socket'} (${r.stderr.trim().split('\n').pop() ?? ''}); start one with eval "$(scripts/docker-up.sh)"`;
  return null;
}

const skipReason = engineProblem();
if (skipReason) console.warn(`skipping Docker integration tests: ${skipReason}`);

function cgbenchContainers(): string[] {
  const byLabel = docker('ps', '-a', '--format', '{{.Names}}', '--filter', 'label=cgbench=1').stdout.split('\n').filter(Boolean);
  const byName = docker('ps', '-a', '--format', '{{.Names}}')
    .stdout.split('\n')
    .filter((n) => n.startsWith('cgbench-'));
  return [...new Set([...byLabel, ...byName])];
}

describe.skipIf(skipReason !== null)('docker runtime on a real engine', () => {
  let host: HostInfo;
  let runtime: DockerRuntime;

  beforeAll(async () => {
    runtime = await createDockerRuntime({});
    host = await gatherHost(detectCgroups(), resolveDiskTarget(scratchDir));
    host.docker = runtime.hostDockerInfo();
    console.log(
      `engine ${host.docker.version}, ${host.docker.storageDriver}, cgroup driver ${host.docker.cgroupDriver}, cgroup v${host.docker.cgroupVersion}; image ${runtime.image}`,
    );
  });
  afterEach(() => {
    // Whatever happened, leave no container behind; then assert there was nothing to clean.
    const left = cgbenchContainers();
    if (left.length) docker('rm', '-f', ...left);
    expect(left).toEqual([]);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  async function runOne(raw: object, suiteId: string, signal?: AbortSignal): Promise<Cell[]> {
    const scenario: Scenario = validateScenario({ repetitions: 1, warmup: 0, runtimes: ['docker'], ...raw }, 'it-docker.yaml');
    const doc = await runSuite({
      scenario,
      host,
      runtimes: { docker: runtime },
      scratch: () => resolveDiskTarget(scratchDir),
      scratchDir,
      save: () => {},
      suiteId,
      signal,
    });
    if (!signal) expect(doc.status).toBe('complete');
    return doc.cells;
  }

  function startups(cells: Cell[]): string {
    return cells
      .flatMap((c) => c.runs)
      .map((r) => `${((r.startupNs ?? 0) / 1e6).toFixed(0)} ms`)
      .join(', ');
  }

  it('grants a busy loop 10 % of a CPU within 10 %, and the container group shows the throttling', async () => {
    const cells = await runOne(
      {
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            params: { iterations: loopIterations(0.4) },
            limits: [{ name: 'ten', cpu: { quota: 10000, period: 100000 } }],
          },
        ],
      },
      'dcpu',
    );
    const cell = cells.find((c) => c.limitSet === 'ten') as Cell;
    const s = cell.summary;
    console.log(
      `docker 10 % quota: granted ${s.cpuGranted?.toFixed(4)} CPU, throttle ratio ${s.throttleRatio?.toFixed(3)}, wall ${(s.medianWallNs ?? 0) / 1e9} s, slowdown ${s.slowdown?.toFixed(2)}; start-up ${startups(cells)}`,
    );
    expect(s.outcomes).toEqual({ ok: 1 });
    expect(s.cpuGranted).toBeGreaterThan(0.09);
    expect(s.cpuGranted).toBeLessThan(0.11);
    expect(s.throttleRatio).toBeGreaterThan(0.9);
    const run = cell.runs[0];
    expect((run?.after?.cpu?.nrThrottled ?? 0) - (run?.before?.cpu?.nrThrottled ?? 0)).toBeGreaterThan(20);
    expect(run?.startupNs).toBeGreaterThan(10e6);
    expect(run?.startupNs).toBeLessThan(30e9);
    expect(run?.process?.exitCode).toBe(0);
  });

  it("samples the container's own group from inside (container mode), where docker wrote the limits", async () => {
    const handle = await runtime.launch({
      runId: 'dgroup',
      params: { kind: 'cpu', iterations: loopIterations(0.5), threads: 1 },
      limits: { cpu: { quotaUs: 20000, periodUs: 50000 }, pids: 16 },
      scratchDir,
      sampleIntervalMs: 10,
    });
    try {
      const exit = await handle.exited;
      const report = exit.report;
      expect(report?.group?.mode).toBe('container');
      expect(report?.group?.driver).toBe(host.docker?.cgroupVersion === '2' ? 'v2' : 'v1');
      // The launcher found the group through the container's own /proc/self/cgroup and mounts.
      for (const path of Object.values(report?.group?.files ?? {})) expect(path).toMatch(/^\/sys\/fs\/cgroup\//);
      expect(report?.group?.missing).toEqual([]);
      // The quota docker wrote (cpu.cfs_quota_us / cpu.max) is what the readings show: 40 % of a CPU.
      const cpuUs = (report?.after?.cpu?.usageUs ?? 0) - (report?.before?.cpu?.usageUs ?? 0);
      const wallUs = ((report?.after?.tNs ?? 0) - (report?.before?.tNs ?? 0)) / 1e3;
      expect(cpuUs / wallUs).toBeGreaterThan(0.36);
      expect(cpuUs / wallUs).toBeLessThan(0.44);
      expect((report?.after?.cpu?.nrThrottled ?? 0) - (report?.before?.cpu?.nrThrottled ?? 0)).toBeGreaterThan(3);
      expect(report?.samples.length).toBeGreaterThan(10);
      expect(report?.status.exitCode).toBe(0);
      expect(exit.stdout).toMatch(/^\{"workload":"cpu"/);
      expect(exit.stdout).not.toContain('CGBENCH');
    } finally {
      await handle.dispose();
      await handle.dispose();
    }
    expect(docker('inspect', 'cgbench-dgroup').status).not.toBe(0);
  });

  it('runs IO workloads on the bind-mounted scratch disk, with no network and the cgbench name and label', () => {
    const args = runtime.runArgs({
      runId: 'dargs',
      params: { kind: 'io', mode: 'write', mib: 8, blockKib: 1024 },
      limits: { io: [{ device: 'scratch', major: 254, minor: 0, wbps: 1e6 }] },
      scratchDir,
      sampleIntervalMs: 100,
    });
    const image = args.indexOf(runtime.image);
    const flags = args.slice(0, image);
    expect(flags).toEqual(
      expect.arrayContaining([
        '--name',
        'cgbench-dargs',
        '--label',
        'cgbench=1',
        '--network',
        'none',
        '--mount',
        `type=bind,source=${scratchDir},target=/scratch`,
      ]),
    );
    expect(flags.join(' ')).toMatch(/--device-write-bps \/dev\/\S+:1000000/);
    expect(args.slice(image + 1)).toEqual([
      '/cgbench/bin/cgbench-launch',
      '--cgroup',
      'self',
      '--sample-interval-us',
      '100000',
      '--report',
      '-',
      '--ns',
      'none',
      '--watch-stdin',
      '--',
      '/cgbench/bin/cgbench-io',
      '--mode',
      'write',
      '--mib',
      '8',
      '--block-kib',
      '1024',
      '--dir',
      '/scratch',
    ]);
    const cpu = runtime.runArgs({
      runId: 'dargs2',
      params: { kind: 'cpu', iterations: 1, threads: 1 },
      limits: {},
      scratchDir,
      sampleIntervalMs: 100,
    });
    expect(cpu).not.toContain('--mount');
  });

  it('records an anon allocation above --memory as oom-killed', async () => {
    const cells = await runOne(
      {
        workloads: [
          { name: 'anon', kind: 'memory', params: { mode: 'anon', mib: 96 }, limits: [{ name: 'tight', memory: { max: '32M' } }] },
        ],
      },
      'dmem',
    );
    const s = (cells.find((c) => c.limitSet === 'tight') as Cell).summary;
    expect(s.outcomes).toEqual({ 'oom-killed': 1 });
    expect(s.oomKills).toBeGreaterThanOrEqual(1);
    expect(s.peakMemoryBytes).toBeLessThanOrEqual(32 << 20);
    const base = (cells.find((c) => c.limitSet === 'unlimited') as Cell).summary;
    expect(base.outcomes).toEqual({ ok: 1 });
  });

  it('holds an O_DIRECT write on the bind-mounted scratch disk at 10 MB/s within 15 %', async () => {
    const cells = await runOne(
      { workloads: [{ name: 'w', kind: 'io', params: { mode: 'write', mib: 24 }, limits: [{ name: 'ten', io: [{ wbps: 10_000_000 }] }] }] },
      'dio',
    );
    const s = (cells.find((c) => c.limitSet === 'ten') as Cell).summary;
    const base = (cells.find((c) => c.limitSet === 'unlimited') as Cell).summary;
    console.log(
      `docker 10 MB/s throttle: measured ${((s.ioBytesPerSec ?? 0) / 1e6).toFixed(2)} MB/s (unthrottled ${((base.ioBytesPerSec ?? 0) / 1e6).toFixed(0)} MB/s); start-up ${startups(cells)}`,
    );
    expect(s.outcomes).toEqual({ ok: 1 });
    expect(s.ioBytesPerSec).toBeGreaterThan(10e6 * 0.85);
    expect(s.ioBytesPerSec).toBeLessThan(10e6 * 1.15);
  });

  it('puts native and docker side by side for the same workload and limit', async () => {
    const cgroups = openCgroups();
    const native = new NativeRuntime(cgroups);
    try {
      const scenario = validateScenario(
        {
          repetitions: 1,
          warmup: 0,
          runtimes: ['native', 'docker'],
          workloads: [{ name: 'loop', kind: 'cpu', params: { iterations: loopIterations(0.12) }, limits: [{ name: 'half', cpus: 0.5 }] }],
        },
        'it-both.yaml',
      );
      const doc = await runSuite({
        scenario,
        host,
        runtimes: { native, docker: runtime },
        scratch: () => resolveDiskTarget(scratchDir),
        scratchDir,
        save: () => {},
        suiteId: 'dboth',
      });
      expect(doc.cells.map((c) => `${c.runtime}:${c.limitSet}`)).toEqual([
        'native:unlimited',
        'native:half',
        'docker:unlimited',
        'docker:half',
      ]);
      for (const c of doc.cells) expect(c.summary.outcomes).toEqual({ ok: 1 });
      const docker = doc.cells.filter((c) => c.runtime === 'docker');
      expect(docker.every((c) => (c.summary.medianStartupNs ?? 0) > 10e6)).toBe(true);
      const table = renderTable(doc);
      console.log(table);
      expect(table).toContain('docker');
      expect(table).toContain('native');
    } finally {
      await native.close();
      cgroups.removeSubtreeIfEmpty();
    }
  });

  it('a timed-out run is killed and its container removed', async () => {
    const cells = await runOne(
      { timeout: '2s', workloads: [{ name: 'loop', kind: 'cpu', params: { iterations: 2 ** 34 }, limits: [{ name: 'slow', cpus: 0.1 }] }] },
      'dtime',
    );
    for (const c of cells) expect(c.summary.outcomes).toEqual({ timeout: 1 });
  });

  it("a container killed behind cgbench's back is a failed run with the exit code, not a hang", async () => {
    const handle = await runtime.launch({
      runId: 'dext',
      params: { kind: 'cpu', iterations: 2 ** 36, threads: 1 },
      limits: {},
      scratchDir,
      sampleIntervalMs: 100,
    });
    try {
      expect(docker('kill', 'cgbench-dext').status).toBe(0);
      const exit = await handle.exited;
      expect(exit.exitCode).toBe(137);
      expect(exit.oomKilled).toBeUndefined();
    } finally {
      await handle.dispose();
    }
  });

  it('builds the workload image once and reuses it while the binaries stay the same', async () => {
    const t0 = Date.now();
    const again = await createDockerRuntime({});
    await again.close();
    expect(again.image).toBe(runtime.image);
    expect(again.image).toMatch(/^cgbench-workloads:[0-9a-f]{12}$/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const images = docker('image', 'ls', '--filter', 'reference=cgbench-workloads', '--format', '{{.Repository}}:{{.Tag}}')
      .stdout.trim()
      .split('\n');
    expect(images).toEqual([runtime.image]);
  });

  it('rebuilds the image when a binary changes, and drops the stale tag', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'cgbench-bin-'));
    try {
      for (const f of readdirSync(NATIVE_DIR)) copyFileSync(join(NATIVE_DIR, f), join(bin, f));
      appendFileSync(join(bin, 'cgbench-cpu'), Buffer.from([0]));
      const changed = await createDockerRuntime({ binDir: bin });
      await changed.close();
      expect(changed.image).not.toBe(runtime.image);
      const tags = (): string[] =>
        docker('image', 'ls', '--filter', 'reference=cgbench-workloads', '--format', '{{.Repository}}:{{.Tag}}').stdout.trim().split('\n');
      expect(tags()).toEqual([changed.image]);
      // And back: the runtime the other tests use gets its image again.
      const back = await createDockerRuntime({});
      await back.close();
      expect(tags()).toEqual([runtime.image]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('cleanDockerLeftovers removes containers by label or by name prefix, and nothing else', async () => {
    // Containers of the workload image inherit its cgbench label; a foreign one needs a foreign image.
    const foreign = 'cgbench-it-foreign:1';
    const tar = makeTar([{ name: 'x', mode: 0o755, data: readFileSync(join(NATIVE_DIR, 'cgbench-cpu')) }]);
    expect(spawnSync('docker', ['import', '-', foreign], { input: tar }).status).toBe(0);
    expect(docker('create', '--name', 'cgbench-stray1', runtime.image, '/cgbench/bin/cgbench-cpu').status).toBe(0);
    expect(docker('create', '--name', 'cgbench-stray2', foreign, '/x').status).toBe(0);
    expect(docker('create', '--label', 'cgbench=1', '--name', 'stray3', foreign, '/x').status).toBe(0);
    expect(docker('create', '--name', 'other-stray4', foreign, '/x').status).toBe(0);
    try {
      expect(await cleanDockerLeftovers(undefined, { dryRun: true })).toEqual(['cgbench-stray1', 'cgbench-stray2', 'stray3']);
      expect(cgbenchContainers()).toHaveLength(3);
      expect(await cleanDockerLeftovers()).toEqual(['cgbench-stray1', 'cgbench-stray2', 'stray3']);
      expect(docker('inspect', 'other-stray4').status).toBe(0);
    } finally {
      docker('rm', '-f', 'other-stray4');
      docker('image', 'rm', foreign);
    }
    expect(await cleanDockerLeftovers('unix:///nonexistent.sock')).toEqual([]);
  });

  it('an interrupted suite removes its container and keeps valid partial results', async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 4_000);
    try {
      const scenario = validateScenario(
        {
          repetitions: 3,
          warmup: 0,
          runtimes: ['docker'],
          workloads: [{ name: 'loop', kind: 'cpu', params: { iterations: 2 ** 32 }, limits: [{ name: 'slow', cpus: 0.1 }] }],
        },
        'it-abort.yaml',
      );
      const t0 = Date.now();
      const doc = await runSuite({
        scenario,
        host,
        runtimes: { docker: runtime },
        scratch: () => resolveDiskTarget(scratchDir),
        scratchDir,
        save: () => {},
        suiteId: 'dabort',
        signal: abort.signal,
      });
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(doc.status).toBe('interrupted');
      const runs = doc.cells.flatMap((c) => c.runs).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
      expect(runs[runs.length - 1]?.outcome).toBe('interrupted');
      expect(cgbenchContainers()).toEqual([]);
    } finally {
      clearTimeout(timer);
    }
  });
});

describe('an unreachable Docker engine', () => {
  it('is a clear E_DOCKER error naming the address and the fix (--docker-host)', async () => {
    const err = await createDockerRuntime({ dockerHost: 'unix:///nonexistent.sock' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CgbenchError);
    const e = err as CgbenchError;
    expect(e.code).toBe('E_DOCKER');
    expect(e.message).toMatch(/^(no Docker engine at unix:\/\/\/nonexistent\.sock|the docker client)/);
    expect(e.hint).toMatch(/docker-up\.sh/);
    expect(e.format().split('\n')).toHaveLength(1);
  });

  it('is the same clear error for DOCKER_HOST', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent.sock';
    try {
      const err = await createDockerRuntime({}).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CgbenchError);
      expect((err as CgbenchError).code).toBe('E_DOCKER');
      expect((err as CgbenchError).message).toMatch(/nonexistent\.sock|docker client/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
