// Docker on cgroup v2, inside the v2 lab: a private dockerd with its data root on the lab's scratch disk,
// containers with a private cgroup namespace, and the launcher in container mode finding its group there.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell, ResultDocument } from '../../src/model/types.js';
import { isRoot, ROOT_DIR } from '../helpers.js';

const inLab = process.env.CGBENCH_LAB === 'v2';
const hasDockerd = spawnSync('sh', ['-c', 'command -v dockerd']).status === 0;
if (inLab && !hasDockerd)
  console.warn('skipping Docker on cgroup v2: dockerd is not installed on the host (scripts/docker-up.sh installs it)');

// The scratch disk is the lab's only real filesystem; vfs needs no overlay module in the lab's initramfs.
const env = { ...process.env, CGBENCH_DOCKER_DIR: '/scratch/cgbench-docker', CGBENCH_DOCKER_STORAGE_DRIVER: 'vfs' };

describe.skipIf(!inLab || !isRoot || !hasDockerd)('docker runtime on cgroup v2 (v2 lab)', () => {
  let dockerHost = '';
  beforeAll(() => {
    const out = execFileSync(join(ROOT_DIR, 'scripts', 'docker-up.sh'), { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
    dockerHost = /DOCKER_HOST=(\S+)/.exec(out)?.[1] ?? '';
    expect(dockerHost).toMatch(/^unix:\/\//);
  }, 120_000);
  afterAll(() => {
    execFileSync(join(ROOT_DIR, 'scripts', 'docker-down.sh'), ['--purge'], { env, stdio: 'inherit' });
  }, 120_000);

  it('grants a container a 10 % quota, sampled from inside its private cgroup namespace', () => {
    const work = mkdtempSync('/scratch/cgbench-v2docker-');
    const scenario = join(work, 'v2-docker.yaml');
    writeFileSync(
      scenario,
      [
        'name: v2-docker',
        'repetitions: 1',
        'warmup: 0',
        'sampleInterval: 50ms',
        'runtimes: [docker]',
        'workloads:',
        '  - name: loop',
        '    kind: cpu',
        '    params: { iterations: 200000000 }',
        '    limits: [{ name: ten, cpu: { quota: 10000, period: 100000 } }]',
      ].join('\n'),
    );
    const res = spawnSync(
      process.execPath,
      [
        join(ROOT_DIR, 'dist', 'cli', 'main.js'),
        'run',
        scenario,
        '--docker-host',
        dockerHost,
        '--out',
        join(work, 'out'),
        '--report',
        'none',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(work, 'out', 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.host.docker?.cgroupVersion).toBe('2');
    const cell = doc.cells.find((c) => c.limitSet === 'ten') as Cell;
    console.log(
      `v2 docker 10 % quota: granted ${cell.summary.cpuGranted?.toFixed(4)} CPU, throttle ratio ${cell.summary.throttleRatio?.toFixed(3)}`,
    );
    expect(cell.summary.outcomes).toEqual({ ok: 1 });
    // The emulated CPU is slow and noisy, but the quota still bounds what the group gets.
    expect(cell.summary.cpuGranted).toBeGreaterThan(0.09);
    expect(cell.summary.cpuGranted).toBeLessThan(0.11);
    expect(cell.summary.throttleRatio).toBeGreaterThan(0.9);
    expect(cell.runs[0]?.samples?.series.cpuUsedCpus?.length).toBeGreaterThan(20);
  }, 320_000);
});
