// Failure must not look like success, on real cgroups (root): runs that fail or time out exit 4; a
// cgbench killed with SIGKILL leaves groups and a `running` document that doctor, report and the next
// run recognise; a command missing from the Docker workload image is refused before the first run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCgroups } from '../../src/cgroup/index.js';
import { ownerPid } from '../../src/model/owner.js';
import type { ResultDocument } from '../../src/model/types.js';
import { isRoot, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
if (!isRoot) console.warn('skipping failure integration tests: they need root to create cgroups');

const work = mkdtempSync(join(tmpdir(), 'cgbench-fail-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function scenario(name: string, yaml: string): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

function cgbench(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe.skipIf(!isRoot)('runs that are not results, native', () => {
  it('a program that fails, or runs past its time-out, makes the suite exit 4 naming the cell', () => {
    const file = scenario(
      'bad',
      'repetitions: 1\nwarmup: 0\ntimeout: 1s\nworkloads:\n' +
        '  - { name: fails, kind: command, command: [/bin/false] }\n' +
        '  - { name: sleepy, kind: command, command: [/bin/sleep, "5"] }\n',
    );
    const res = cgbench(['run', file, '--out', join(work, 'bad-out'), '--report', 'none']);
    expect(res.status, res.stderr).toBe(4);
    expect(res.stderr).toMatch(
      /cgbench: 2 run\(s\) failed, timed out or were OOM-killed unexpectedly in 2 cell\(s\): fails \/ unlimited \/ native, sleepy/,
    );
    expect(res.stdout.replace(/\s+/g, ' ')).toMatch(
      /runs failed or timed out \(the suite exits 4\): fails \/ unlimited \(1\/1 failed: exit code 1\); sleepy \/ unlimited \(1\/1 timeout/,
    );
    const doc = JSON.parse(readFileSync(join(work, 'bad-out', 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.status).toBe('complete');
    expect(doc.cells.map((c) => c.summary.unexpectedRuns)).toEqual([1, 1]);
  });

  it('a limit set that expects the outcome measures it: exit 0', () => {
    const file = scenario(
      'expected',
      'repetitions: 1\nwarmup: 0\ntimeout: 1s\nworkloads:\n' +
        '  - { name: sleepy, kind: command, command: [/bin/sleep, "5"], limits: [{ name: free, expect: timeout }] }\n',
    );
    const res = cgbench(['run', file, '--out', join(work, 'expected-out'), '--report', 'none']);
    expect(res.status, res.stderr).toBe(0);
  });
});

describe.skipIf(!isRoot)('a cgbench killed with SIGKILL', () => {
  it('leaves groups and a running document that doctor, report and the next run recognise', async () => {
    const file = scenario(
      'long',
      'repetitions: 5\nwarmup: 0\nworkloads:\n  - { name: loop, kind: cpu, params: { iterations: 2000000000 }, limits: [{ name: slow, cpus: 0.1 }] }\n',
    );
    const out = join(work, 'killed');
    const child = spawn(process.execPath, [CLI, 'run', file, '--out', out, '--report', 'none'], { stdio: 'ignore' });
    const cgroups = openCgroups();
    const mine = (): string[] => cgroups.leftovers().filter((n) => ownerPid(n) === child.pid);
    try {
      const deadline = Date.now() + 60_000;
      // Wait until the first run is saved and the next one's group exists.
      for (;;) {
        const saved = existsSync(join(out, 'results.json'))
          ? (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument)
          : null;
        if (saved && saved.cells.some((c) => c.runs.length >= 1) && mine().length) break;
        if (Date.now() > deadline) throw new Error('no run started in time');
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      const left = mine();
      expect(left.length).toBeGreaterThan(0);

      const doctor = cgbench(['doctor', '--json']);
      const leftovers = (JSON.parse(doctor.stdout) as { name: string; ok: boolean; detail: string }[]).find((c) => c.name === 'leftovers');
      expect(leftovers?.ok).toBe(false);
      expect(leftovers?.detail).toContain(`left by cgbench pid(s) ${child.pid}, which is gone`);

      const report = cgbench(['report', join(out, 'results.json'), '--format', 'md']);
      expect(report.status, report.stderr).toBe(0);
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\(unfinished\)[\s\S]*the suite never finished: its writer \(pid \d+/);

      const quick = scenario(
        'tiny',
        'repetitions: 1\nwarmup: 0\nworkloads:\n  - { name: t, kind: cpu, params: { iterations: 1000000 } }\n',
      );
      const next = cgbench(['run', quick, '--out', join(work, 'next'), '--report', 'none']);
      expect(next.status, next.stderr).toBe(0);
      expect(next.stderr).toContain(`cgbench: removed ${left.length} group(s) left by cgbench pid(s) ${child.pid}, which is gone`);
      expect(mine()).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await cgroups.clean(mine());
    }
  });
});

function dockerProblem(): string | null {
  if (!isRoot) return 'they need root';
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? null : `no Docker engine answers at ${process.env.DOCKER_HOST ?? 'the default socket'}`;
}
const noDocker = dockerProblem();
if (noDocker) console.warn(`skipping the Docker preflight test: ${noDocker}`);

describe.skipIf(noDocker !== null)('the Docker preflight', () => {
  it('refuses a command missing from the workload image before the first run, and accepts one in it', () => {
    const missing = scenario('docker-missing', 'workloads:\n  - { name: gz, kind: command, command: [/usr/bin/gzip, -h] }\n');
    const res = cgbench(['run', missing, '--runtime', 'docker', '--out', join(work, 'd1'), '--report', 'none']);
    expect(res.status, res.stderr).toBe(2);
    expect(res.stderr).toMatch(
      /workload "gz", limit set "unlimited" \(docker\): command\[0\] \/usr\/bin\/gzip does not exist in the workload image cgbench-workloads:/,
    );
    expect(existsSync(join(work, 'd1'))).toBe(false);
    const present = scenario(
      'docker-present',
      'repetitions: 1\nwarmup: 0\nworkloads:\n  - { name: c, kind: command, command: [/cgbench/bin/cgbench-cpu, --iterations, "1000"] }\n',
    );
    const ok = cgbench(['run', present, '--runtime', 'docker', '--out', join(work, 'd2'), '--report', 'none']);
    expect(ok.status, ok.stderr).toBe(0);
    const left = spawnSync('docker', ['ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' }).stdout;
    expect(left).not.toMatch(/cgbench-preflight-/);
  });
});
