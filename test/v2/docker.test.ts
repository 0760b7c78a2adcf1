// Docker on cgroup v2, inside the v2 lab: a private dockerd with its data root on the lab's scratch disk,
// containers with a private cgroup namespace, and the launcher in container mode finding its group there.
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime, type DockerRuntime } from '../../src/runtimes/docker/runtime.js';
import { isRoot, ROOT_DIR } from '../helpers.js';

const inLab = process.env.CGBENCH_LAB === 'v2';
const hasDockerd = spawnSync('sh', ['-c', 'command -v dockerd']).status === 0;
if (inLab && !hasDockerd)
  console.warn('skipping Docker on cgroup v2: dockerd is not installed on the host (scripts/docker-up.sh installs it)');

// The scratch disk is the lab's only real filesystem; vfs needs no overlay module in the lab's initramfs.
const env = { ...process.env, CGBENCH_DOCKER_DIR: '/scratch/cgbench-docker', CGBENCH_DOCKER_STORAGE_DRIVER: 'vfs' };
// Async, never spawnSync: a worker blocked for minutes misses vitest's RPC deadlines.
const run = promisify(execFile);

describe.skipIf(!inLab || !isRoot || !hasDockerd)('docker runtime on cgroup v2 (v2 lab)', () => {
  let runtime: DockerRuntime | undefined;
  beforeAll(async () => {
    const { stdout } = await run(join(ROOT_DIR, 'scripts', 'docker-up.sh'), { env, encoding: 'utf8' });
    const dockerHost = /DOCKER_HOST=(\S+)/.exec(stdout)?.[1] ?? '';
    expect(dockerHost).toMatch(/^unix:\/\//);
    runtime = await createDockerRuntime({ dockerHost });
  }, 180_000);
  afterAll(async () => {
    await runtime?.close();
    await run(join(ROOT_DIR, 'scripts', 'docker-down.sh'), ['--purge'], { env });
  }, 120_000);

  it('grants a container a 10 % quota, sampled from inside its private cgroup namespace', async () => {
    const rt = runtime as DockerRuntime;
    expect(rt.hostDockerInfo().cgroupVersion).toBe('2');
    const handle = await rt.launch({
      runId: 'v2d',
      params: { kind: 'cpu', iterations: 2e8, threads: 1 },
      limits: { cpu: { quotaUs: 10_000, periodUs: 100_000 } },
      scratchDir: '/scratch',
      sampleIntervalMs: 50,
    });
    try {
      const exit = await handle.exited;
      const rep = exit.report;
      expect(rep?.group).toMatchObject({ mode: 'container', driver: 'v2' });
      const cpuUs = (rep?.after?.cpu?.usageUs ?? 0) - (rep?.before?.cpu?.usageUs ?? 0);
      const wallUs = ((rep?.after?.tNs ?? 0) - (rep?.before?.tNs ?? 0)) / 1e3;
      const periods = (rep?.after?.cpu?.nrPeriods ?? 0) - (rep?.before?.cpu?.nrPeriods ?? 0);
      const throttled = (rep?.after?.cpu?.nrThrottled ?? 0) - (rep?.before?.cpu?.nrThrottled ?? 0);
      console.log(`v2 docker 10 % quota: ${(cpuUs / wallUs).toFixed(4)} CPU, throttled in ${throttled} of ${periods} periods`);
      expect(rep?.status.exitCode).toBe(0);
      // The emulated CPU is slow and noisy, but the quota still bounds what the group gets.
      expect(cpuUs / wallUs).toBeGreaterThan(0.09);
      expect(cpuUs / wallUs).toBeLessThan(0.11);
      expect(throttled / periods).toBeGreaterThan(0.9);
      expect(rep?.samples.length).toBeGreaterThan(20);
    } finally {
      await handle.dispose();
    }
  }, 300_000);
});
