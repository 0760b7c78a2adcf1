// cgroup v2 for real: run inside the v2 lab (`npm run test:v2`, CGBENCH_LAB=v2). Checks the v2 driver
// end to end: detection, subtree_control, io.max and memory.high files, the launcher in container mode,
// PSI series, CPU weight and a shared parent, the seed preset.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/cgroup/detect.js';
import { resolveDiskTarget } from '../../src/cgroup/disk.js';
import { openCgroups } from '../../src/cgroup/index.js';
import { gatherHost } from '../../src/app/host.js';
import type { ResultDocument } from '../../src/model/types.js';
import { launcherPath, nativeBinary } from '../../src/model/paths.js';
import { launcherArgv, parseLauncherReport } from '../../src/runtimes/launcher.js';
import { NativeRuntime } from '../../src/runtimes/native.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { isRoot, loopIterations, ROOT_DIR } from '../helpers.js';
import { checkPhase, phaseScenario } from '../phase-checks.js';

const inLab = process.env.CGBENCH_LAB === 'v2';
/** The middle value (the upper of the two middle ones for an even count). */
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
if (!inLab) console.warn('skipping cgroup v2 tests: run them in the v2 lab with `npm run test:v2`');

describe.skipIf(!inLab || !isRoot)('cgroup v2 on a real kernel', () => {
  const cgroups = inLab ? openCgroups() : null;
  afterAll(async () => {
    await cgroups?.clean(cgroups.leftovers().filter((n) => n.startsWith('v2t')));
    cgroups?.removeSubtreeIfEmpty();
  });

  it('detects a unified hierarchy with the controllers cgbench needs', () => {
    const info = detectCgroups();
    console.log(`v2 lab: mode ${info.mode}, controllers ${info.controllers.join(' ')}`);
    expect(info.mode).toBe('v2');
    expect(info.driver).toBe('v2');
    expect(info.missing).toEqual([]);
    for (const c of ['cpu', 'memory', 'io', 'pids']) expect(info.controllers).toContain(c);
  });

  it('enables controllers in the cgbench subtree and writes cpu.max, memory.max/high, io.max, pids.max', async () => {
    const sys = cgroups as NonNullable<typeof cgroups>;
    const disk = resolveDiskTarget(process.env.TMPDIR ?? '/scratch');
    const g = sys.create('v2t-files', {
      cpu: { quotaUs: 25000, periodUs: 50000 },
      memory: { maxBytes: 64 << 20, highBytes: 48 << 20, swapBytes: 0 },
      io: [{ device: 'scratch', major: disk.major, minor: disk.minor, wbps: 4_000_000, riops: 500 }],
      pids: 32,
    });
    try {
      const dir = g.dirs[0] as string;
      const control = readFileSync(join(sys.info.root, 'cgroup.subtree_control'), 'utf8');
      for (const c of ['cpu', 'memory', 'io', 'pids']) expect(control).toContain(c);
      expect(readFileSync(join(dir, 'cpu.max'), 'utf8').trim()).toBe('25000 50000');
      expect(readFileSync(join(dir, 'memory.max'), 'utf8').trim()).toBe(String(64 << 20));
      expect(readFileSync(join(dir, 'memory.high'), 'utf8').trim()).toBe(String(48 << 20));
      expect(readFileSync(join(dir, 'io.max'), 'utf8').trim()).toBe(
        `${disk.major}:${disk.minor} rbps=max wbps=4000000 riops=500 wiops=max`,
      );
      expect(readFileSync(join(dir, 'pids.max'), 'utf8').trim()).toBe('32');
    } finally {
      await g.destroy();
    }
    expect(sys.leftovers().filter((n) => n.startsWith('v2t'))).toEqual([]);
  });

  it('container mode: the launcher finds its own group in a fresh cgroup namespace with its own cgroup2 mount', async () => {
    const sys = cgroups as NonNullable<typeof cgroups>;
    const g = sys.create('v2t-self', { cpu: { quotaUs: 20_000, periodUs: 100_000 } });
    const work = mkdtempSync(join(tmpdir(), 'cgbench-v2self-'));
    try {
      const dir = (g.location as { dir: string }).dir;
      const report = join(work, 'self.report');
      const launcher = launcherArgv({
        group: 'self',
        sampleIntervalMs: 20,
        report,
        ns: 'none',
        program: nativeBinary('cgbench-cpu'),
        args: ['--iterations', String(2 ** 27)],
      });
      // Join the group, then a new cgroup namespace (the group becomes "/") and mount namespace with a
      // fresh cgroup2 at /sys/fs/cgroup (the inherited mount would show its root as "/.."): what a
      // container with a private cgroup namespace sees.
      const inner = `mount --make-rprivate / && umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec ${launcherPath()} "$@"`;
      const outer = `echo $$ > ${dir}/cgroup.procs && exec unshare --cgroup --mount sh -c '${inner}' sh "$@"`;
      const child = spawn('sh', ['-c', outer, 'sh', ...launcher], { stdio: ['ignore', 'ignore', 'inherit'] });
      const code = await new Promise<number | null>((res) => child.on('close', res));
      expect(code).toBe(0);
      const rep = parseLauncherReport(readFileSync(report, 'utf8'));
      expect(rep?.group).toMatchObject({ mode: 'container', driver: 'v2' });
      expect(rep?.group?.files['cpu.stat']).toBe('/sys/fs/cgroup/cpu.stat');
      const cpuUs = (rep?.after?.cpu?.usageUs ?? 0) - (rep?.before?.cpu?.usageUs ?? 0);
      const wallUs = ((rep?.after?.tNs ?? 0) - (rep?.before?.tNs ?? 0)) / 1e3;
      const throttled = (rep?.after?.cpu?.nrThrottled ?? 0) - (rep?.before?.cpu?.nrThrottled ?? 0);
      console.log(
        `v2 container mode: ${(cpuUs / wallUs).toFixed(3)} CPU under a 0.2 quota, throttled ${throttled} times, ${rep?.samples.length} samples`,
      );
      expect(cpuUs / wallUs).toBeGreaterThan(0.15);
      expect(cpuUs / wallUs).toBeLessThan(0.25);
      expect(throttled).toBeGreaterThan(3);
      expect(rep?.samples.length).toBeGreaterThan(5);
    } finally {
      await g.destroy();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('samples PSI next to the CPU series of a throttled run', async () => {
    const sys = cgroups as NonNullable<typeof cgroups>;
    const host = await gatherHost(sys.info);
    const runtime = new NativeRuntime(sys);
    try {
      const scenario = validateScenario(
        {
          repetitions: 1,
          warmup: 0,
          sampleInterval: '50ms',
          workloads: [{ name: 'loop', kind: 'cpu', params: { iterations: 2 ** 29 }, limits: [{ name: 'q', cpus: 0.2 }] }],
        },
        'v2.yaml',
      );
      const doc = await runSuite({
        scenario,
        host,
        runtimes: { native: runtime },
        scratch: () => resolveDiskTarget('/scratch'),
        scratchDir: '/scratch',
        save: () => {},
        suiteId: 'v2tpsi',
      });
      const cell = doc.cells.find((c) => c.limitSet === 'q');
      const series = cell?.runs[0]?.samples?.series ?? {};
      console.log(
        `v2 20 % quota: granted ${cell?.summary.cpuGranted?.toFixed(4)}, throttle ratio ${cell?.summary.throttleRatio?.toFixed(3)}, series ${Object.keys(series).join(' ')}`,
      );
      expect(Object.keys(series)).toEqual(expect.arrayContaining(['cpuUsedCpus', 'throttleRatio', 'psiCpuSome', 'memoryCurrentBytes']));
      expect(cell?.summary.cpuGranted).toBeGreaterThan(0.18);
      expect(cell?.summary.cpuGranted).toBeLessThan(0.22);
      expect(doc.host.cgroup.mode).toBe('v2');
    } finally {
      await runtime.close();
    }
  });

  it('folds CPU use onto the period: 2 threads at 0.25 CPU spend the quota early, 1 thread at 0.5 CPU over half', async () => {
    const sys = cgroups as NonNullable<typeof cgroups>;
    const host = await gatherHost(sys.info);
    const runtime = new NativeRuntime(sys);
    try {
      // Sized on the emulated CPU itself, as on the host: ~0.75 s of its CPU time. Sampled every 1 ms by choice: an
      // emulated tick costs ~600 us, so the per-cell rule would rightly choose 20 ms here, too coarse for the fold.
      const doc = await runSuite({
        scenario: validateScenario(phaseScenario(loopIterations(0.75), '1ms'), 'v2-phase.yaml'),
        host,
        runtimes: { native: runtime },
        scratch: () => resolveDiskTarget('/scratch'),
        scratchDir: '/scratch',
        save: () => {},
        suiteId: 'v2tphase',
      });
      expect(doc.host.cgroup.mode).toBe('v2');
      checkPhase(doc.cells, 'fixed');
    } finally {
      await runtime.close();
    }
  }, 300_000);

  it('writes cpu.weight, nests groups in a shared parent, and a weight-1 hog leaves a loop its CPU', async () => {
    const sys = cgroups as NonNullable<typeof cgroups>;
    const parent = sys.create('v2t-parent', { memory: { maxBytes: 256 << 20 } });
    const child = sys.create('v2t-light', { cpuWeight: 1 }, parent);
    try {
      expect(readFileSync(join(child.dirs[0] as string, 'cpu.weight'), 'utf8').trim()).toBe('1');
      const control = readFileSync(join(parent.dirs[0] as string, 'cgroup.subtree_control'), 'utf8');
      for (const c of ['cpu', 'memory', 'io', 'pids']) expect(control).toContain(c);
    } finally {
      await child.destroy();
      await parent.destroy();
    }
    const host = await gatherHost(sys.info);
    const runtime = new NativeRuntime(sys);
    try {
      const hog = { kind: 'cpu', params: { iterations: loopIterations(0.5), threads: 2 } };
      const doc = await runSuite({
        scenario: validateScenario(
          {
            repetitions: 3,
            warmup: 0,
            workloads: [
              {
                name: 'loop',
                kind: 'cpu',
                params: { iterations: loopIterations(0.5) },
                neighbours: [
                  { name: 'same', run: [{ ...hog, placement: 'same' }] },
                  { name: 'light', run: [{ ...hog, limits: { weight: 1 } }] },
                ],
              },
            ],
          },
          'v2-weight.yaml',
        ),
        host,
        runtimes: { native: runtime },
        scratch: () => resolveDiskTarget('/scratch'),
        scratchDir: '/scratch',
        save: () => {},
        suiteId: 'v2tweight',
      });
      const share = (set?: string): number[] =>
        (doc.cells.find((c) => c.neighbourSet?.name === set)?.runs ?? []).flatMap((r) =>
          r.outcome === 'ok' && typeof r.metrics.cpuNs === 'number' ? [r.metrics.cpuNs / r.metrics.wallNs] : [],
        );
      console.log(`v2 lab: loop CPUs alone ${med(share())}, same group ${med(share('same'))}, next to weight 1 ${med(share('light'))}`);
      // Weight 1 against 100: the hog gets ~1 % where the loop wants its CPU; in its group it gets 2 of 3 threads' share.
      expect(med(share('light'))).toBeGreaterThanOrEqual(0.9 * med(share()));
      expect(med(share('same'))).toBeLessThanOrEqual(0.8 * med(share()));
    } finally {
      await runtime.close();
    }
  }, 300_000);

  it('cgbench run --preset seed says cgroup v2 and shows the textbook ~10x slowdown', async () => {
    // On the guest's scratch disk, thrown away with the VM: a CI run leaves nothing on the host.
    const out = mkdtempSync(join(tmpdir(), 'cgbench-seed-'));
    // Async, not spawnSync: a worker blocked for minutes misses vitest's RPC deadlines.
    const child = spawn(
      process.execPath,
      [join(ROOT_DIR, 'dist', 'cli', 'main.js'), 'run', '--preset', 'seed', '-r', '2', '-w', '0', '--out', out, '--report', 'md'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const status = await new Promise<number | null>((res) => child.on('close', res));
    process.stdout.write(stdout);
    expect(status).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.host.cgroup.mode).toBe('v2');
    const ten = doc.cells.find((c) => c.limitSet.startsWith('10%'));
    console.log(
      `v2 seed: slowdown ${ten?.summary.slowdown?.toFixed(2)}, granted ${ten?.summary.cpuGranted?.toFixed(4)}, throttle ratio ${ten?.summary.throttleRatio?.toFixed(3)}`,
    );
    // The quota itself is enforced exactly (granted 0.100, every period throttled). The wall-time
    // slowdown comes out above the host's ~10x because under QEMU's software emulation every resume
    // after a throttled period costs the guest ~2 ms of CPU (measured: 0.86 s of CPU for a loop that
    // needs 0.70 s unthrottled), so the loop needs more CPU-seconds when cut into 10 ms slices.
    expect(ten?.summary.cpuGranted).toBeGreaterThan(0.09);
    expect(ten?.summary.cpuGranted).toBeLessThan(0.11);
    // The quota's own part of the slowdown, run by run: a run's wall time is its CPU time over its share of a
    // CPU, so the baseline's share over the throttled cell's share is the slowdown the same CPU work would
    // show. It must be the textbook ~10x. (The slowdown divided by the median CPU cost is not: the slowdown
    // pairs each throttled run with its own block's baseline, and with no warm-up the first baseline run
    // under the emulator is slow, 4.6 s against 2.7 s, which gave 7.5x in one CI run.)
    const shares = (limitSet: string | undefined): number[] =>
      (doc.cells.find((c) => c.limitSet === limitSet)?.runs ?? []).flatMap((r) =>
        r.outcome === 'ok' && !r.warmup && typeof r.metrics.cpuNs === 'number' ? [r.metrics.cpuNs / r.metrics.wallNs] : [],
      );
    const base = doc.cells.find((c) => c.limitSet !== ten?.limitSet)?.limitSet;
    const quotaPart = med(shares(base)) / med(shares(ten?.limitSet));
    console.log(
      `v2 seed: CPU per op vs baseline ${ten?.summary.cpuCostRatio?.toFixed(2)}x, slowdown from the quota ${quotaPart.toFixed(2)}x`,
    );
    expect(quotaPart).toBeGreaterThan(8.5);
    expect(quotaPart).toBeLessThan(11.5);
    // The raw wall-time ratio swings 7.5-15.7x with the emulator and the host's load: in range, not exact.
    expect(ten?.summary.slowdown).toBeGreaterThan(6);
    expect(ten?.summary.slowdown).toBeLessThan(25);
    expect(ten?.summary.throttleRatio).toBeGreaterThan(0.9);
    rmSync(out, { recursive: true, force: true });
  }, 600_000);
});
