// A Docker engine cgbench cannot look into: a second dockerd in a network namespace of its own, reached
// only over TCP (scripts/docker-remote.sh). The launcher samples inside the container and reports on
// stdout, so a suite through --docker-host tcp://... measures the quota as a local engine would.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell, ResultDocument } from '../../src/model/types.js';
import { cgroupDirsNamed, isRoot, loopIterations, ROOT_DIR } from '../helpers.js';

const SCRIPT = join(ROOT_DIR, 'scripts', 'docker-remote.sh');
const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const DIR = '/var/tmp/cgbench-docker-remote';

function problem(): string | null {
  if (!isRoot) return 'it needs root (network namespaces, a second dockerd)';
  for (const bin of ['dockerd', 'ip', 'nsenter']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
      return `${bin} is not installed (scripts/docker-up.sh installs docker.io)`;
  }
  return null;
}
const skip = problem();
if (skip) console.warn(`skipping the remote-engine test: ${skip}`);

describe.skipIf(skip !== null)('docker runtime against a remote engine (TCP, another network namespace)', () => {
  let url = '';
  const work = mkdtempSync(join(tmpdir(), 'cgbench-remote-'));

  beforeAll(() => {
    const out = execFileSync(SCRIPT, ['up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
    url = /CGBENCH_REMOTE_DOCKER_HOST=(\S+)/.exec(out)?.[1] ?? '';
    expect(url).toMatch(/^tcp:\/\/10\.231\.0\.\d+:2375$/);
  }, 150_000);

  afterAll(() => {
    execFileSync(SCRIPT, ['down'], { stdio: 'inherit', timeout: 120_000 });
    rmSync(work, { recursive: true, force: true });
    // Nothing left: no daemon, no namespace, no data, no container group.
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain('cgbench-remote');
    expect(existsSync(join(DIR, 'dockerd.pid'))).toBe(false);
    expect(existsSync(join(DIR, 'data'))).toBe(false);
    expect(cgroupDirsNamed('cgbench-remote')).toEqual([]);
  }, 150_000);

  it('grants a 10 % quota within 3 %, throttled in at least 95 % of periods, with its series', () => {
    const scenario = join(work, 'remote.yaml');
    const yaml = [
      'name: remote',
      'repetitions: 2',
      'warmup: 0',
      'sampleInterval: 20ms',
      'runtimes: [docker]',
      'workloads:',
      '  - name: loop',
      '    kind: cpu',
      // ~0.5 s of CPU here: 50 periods at 10 %, so the partial first period stays within the 3 % check.
      `    params: { iterations: ${loopIterations(0.5)} }`,
      '    limits: [{ name: ten, cpu: { quota: 10000, period: 100000 } }]',
    ].join('\n');
    execFileSync('sh', ['-c', `cat > ${scenario}`], { input: yaml });
    const out = join(work, 'out');
    // DOCKER_HOST is unset so only --docker-host can lead to the engine.
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    const res = spawnSync(process.execPath, [CLI, 'run', scenario, '--docker-host', url, '--out', out, '--report', 'none'], {
      encoding: 'utf8',
      env,
      timeout: 180_000,
    });
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.host.docker?.version).toMatch(/^\d+\./);
    const cell = doc.cells.find((c) => c.limitSet === 'ten') as Cell;
    const s = cell.summary;
    console.log(
      `remote engine ${url}: 10 % quota granted ${s.cpuGranted?.toFixed(4)} CPU, throttle ratio ${s.throttleRatio?.toFixed(3)}, ` +
        `start-up ${((s.medianStartupNs ?? 0) / 1e6).toFixed(0)} ms`,
    );
    expect(s.outcomes).toEqual({ ok: 2 });
    expect(s.cpuGranted).toBeGreaterThan(0.097);
    expect(s.cpuGranted).toBeLessThan(0.103);
    expect(s.throttleRatio).toBeGreaterThanOrEqual(0.95);
    for (const run of cell.runs) {
      // The launcher samples from inside the throttled group (container mode): it gets the CPU only while
      // the group may run, so at a 20 ms interval it ticks at least once per 100 ms period, not every 20 ms.
      const periods = run.harnessWallNs / 100e6;
      expect(run.samples?.series.cpuUsedCpus?.length).toBeGreaterThanOrEqual(Math.floor(0.8 * periods));
      expect(run.samples?.tMs.at(-1)).toBeGreaterThan(0.8 * (run.harnessWallNs / 1e6));
      expect(run.samples?.series.throttleRatio).toBeDefined();
    }
    const left = spawnSync('docker', ['-H', url, 'ps', '-aq', '--filter', 'label=cgbench'], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  }, 200_000);
});
