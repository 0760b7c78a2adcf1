// Real cgroups on this machine (root): the native runtime under CPU, memory and IO limits.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultScratchDir } from '../../src/app/environment.js';
import { resolveDiskTarget } from '../../src/cgroup/disk.js';
import { openCgroups, type CgroupSystem } from '../../src/cgroup/index.js';
import { gatherHost } from '../../src/app/host.js';
import type { Cell, HostInfo, ResultDocument, Scenario } from '../../src/model/types.js';
import { NativeRuntime } from '../../src/runtimes/native.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { launcherPath } from '../../src/model/paths.js';
import { launcherArgv } from '../../src/runtimes/launcher.js';
import { isRoot, loopIterations, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const scratchDir = defaultScratchDir();

if (!isRoot) console.warn('skipping native integration tests: they need root to create cgroups');

describe.skipIf(!isRoot)('native runtime on real cgroups', () => {
  let cgroups: CgroupSystem;
  let host: HostInfo;
  let runtime: NativeRuntime;
  const dirs: string[] = [];

  beforeAll(async () => {
    cgroups = openCgroups();
    host = await gatherHost(cgroups.info, resolveDiskTarget(scratchDir));
    runtime = new NativeRuntime(cgroups);
  });
  afterEach(async () => {
    // Whatever happened, leave no group behind; then assert there was nothing to clean.
    const left = cgroups.leftovers().filter((n) => n.startsWith('it'));
    await cgroups.clean(left);
    expect(left).toEqual([]);
  });
  afterAll(async () => {
    await runtime?.close();
    cgroups?.removeSubtreeIfEmpty();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function runOne(raw: object, suiteId: string): Promise<Cell[]> {
    const scenario: Scenario = validateScenario({ repetitions: 1, warmup: 0, ...raw }, 'it.yaml');
    const doc = await runSuite({
      scenario,
      host,
      runtimes: { native: runtime },
      scratch: () => resolveDiskTarget(scratchDir),
      scratchDir,
      save: () => {},
      suiteId,
    });
    expect(doc.status).toBe('complete');
    return doc.cells;
  }

  it('grants a busy loop 10 % of a CPU within 10 %, throttled nearly every period', async () => {
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
      'itcpu',
    );
    const cell = cells.find((c) => c.limitSet === 'ten') as Cell;
    const s = cell.summary;
    console.log(
      `10 % quota: granted ${s.cpuGranted?.toFixed(4)} CPU, throttle ratio ${s.throttleRatio?.toFixed(3)}, wall ${(s.medianWallNs ?? 0) / 1e9} s`,
    );
    expect(s.outcomes).toEqual({ ok: 1 });
    expect(s.cpuGranted).toBeGreaterThan(0.09);
    expect(s.cpuGranted).toBeLessThan(0.11);
    expect(s.throttleRatio).toBeGreaterThan(0.9);
    const run = cell.runs[0];
    expect(run?.after?.cpu?.nrPeriods).toBeGreaterThan(20);
  });

  it('records an anon allocation above the memory limit as oom-killed', async () => {
    const cells = await runOne(
      {
        workloads: [
          { name: 'anon', kind: 'memory', params: { mode: 'anon', mib: 96 }, limits: [{ name: 'tight', memory: { max: '32M' } }] },
        ],
      },
      'itmem',
    );
    const s = (cells.find((c) => c.limitSet === 'tight') as Cell).summary;
    expect(s.outcomes).toEqual({ 'oom-killed': 1 });
    expect(s.oomKills).toBeGreaterThanOrEqual(1);
    expect(s.peakMemoryBytes).toBeLessThanOrEqual(32 << 20);
    const base = (cells.find((c) => c.limitSet === 'unlimited') as Cell).summary;
    expect(base.outcomes).toEqual({ ok: 1 });
  });

  it('holds an O_DIRECT write at 10 MB/s within 15 %', async () => {
    const cells = await runOne(
      { workloads: [{ name: 'w', kind: 'io', params: { mode: 'write', mib: 24 }, limits: [{ name: 'ten', io: [{ wbps: '10MB/s' }] }] }] },
      'itio',
    );
    const s = (cells.find((c) => c.limitSet === 'ten') as Cell).summary;
    console.log(`10 MB/s throttle: measured ${((s.ioBytesPerSec ?? 0) / 1e6).toFixed(2)} MB/s`);
    expect(s.ioBytesPerSec).toBeGreaterThan(10e6 * 0.85);
    expect(s.ioBytesPerSec).toBeLessThan(10e6 * 1.15);
  });

  it('runs the workload as PID 1 of its own namespaces, inside the group, with no network', async () => {
    const g = cgroups.create('itns', { cpu: { quotaUs: 50000, periodUs: 100000 } });
    try {
      const script = 'echo pid=$$; hostname; cat /proc/self/cgroup; cat /proc/net/dev | tail -n +3 | cut -d: -f1';
      const args = launcherArgv({ group: g.location, program: '/bin/sh', args: ['-c', script] });
      const out = execFileSync(launcherPath(), args, { encoding: 'utf8' });
      expect(out).toContain('pid=1\n');
      expect(out).toContain('cgbench\n');
      expect(out).toMatch(/(:cpu:|^0::)\/cgbench\/itns$/m);
      const ifaces = out.trim().split('\n').slice(-1)[0]?.trim();
      expect(ifaces).toBe('lo');
    } finally {
      await g.destroy();
    }
  });

  it('Ctrl-C mid-suite kills the workload, removes every group and leaves valid partial results', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cgbench-it-'));
    dirs.push(work);
    const file = join(work, 'long.yaml');
    writeFileSync(
      file,
      `name: long\nrepetitions: 5\nwarmup: 0\nworkloads:\n  - name: loop\n    kind: cpu\n    params: { iterations: ${loopIterations(0.3)} }\n    limits: [{ name: slow, cpus: 0.1 }]\n`,
    );
    const out = join(work, 'out');
    const child = spawn(process.execPath, [CLI, 'run', file, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const results = join(out, 'results.json');
    // Wait until a run of the throttled cell is on disk and the group of its next run (seconds long at
    // 0.1 CPU) exists: a signal between two runs interrupts no run, and a fixed wait after the first
    // could land there on a slow machine (it did in the v2 lab).
    const deadline = Date.now() + 90_000;
    let next: RegExp | undefined;
    for (;;) {
      if (!next && existsSync(results)) {
        const d = JSON.parse(readFileSync(results, 'utf8')) as ResultDocument;
        const slow = d.cells.findIndex((c) => c.limitSet === 'slow');
        const done = d.cells[slow]?.runs.length ?? 0;
        if (done >= 1) next = new RegExp(`-c${slow}-r${done}$`);
      }
      if (next && cgroups.leftovers().some((n) => next?.test(n))) break;
      if (Date.now() > deadline) throw new Error(`no throttled run started in time: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The group exists just before the workload starts in it: let it start.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const doc = JSON.parse(readFileSync(results, 'utf8')) as ResultDocument;
    expect(doc.status).toBe('interrupted');
    const runs = doc.cells.flatMap((c) => c.runs).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    expect(runs.filter((r) => r.outcome === 'ok').length).toBeGreaterThanOrEqual(2);
    expect(runs[runs.length - 1]?.outcome).toBe('interrupted');
    expect(cgroups.leftovers()).toEqual([]);
  });
});

describe('CLI input errors', () => {
  it('a malformed scenario exits non-zero naming the field', () => {
    const work = mkdtempSync(join(tmpdir(), 'cgbench-it-'));
    try {
      const file = join(work, 'bad.yaml');
      writeFileSync(file, 'workloads:\n  - name: x\n    kind: cpu\n    limits: [{ cpus: -1 }]\n');
      const res = spawnSync(process.execPath, [CLI, 'run', file, '--out', join(work, 'out')], { encoding: 'utf8' });
      expect(res.status).toBe(2);
      expect(res.stderr).toContain('bad.yaml');
      expect(res.stderr).toContain('workloads[0].limits[0].cpus');
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(work, 'out'))).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
  it.skipIf(!isRoot)('without root, one clear line says what is needed', () => {
    const res = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'run', '--preset', 'seed'],
      { encoding: 'utf8', cwd: '/' },
    );
    expect(res.status).toBe(3);
    expect(res.stderr.trim()).toMatch(/^cgbench: cgbench run needs root .*\(run it with sudo/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});
