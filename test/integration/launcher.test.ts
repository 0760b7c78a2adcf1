// The launcher as the sampler, on real groups (root, host mode): per-interval CPU use and throttle
// ratio mid-run, bounded memory over a long run at 1 ms, the bad inputs it must survive, its real report
// held to native/protocol.h through the TypeScript parser, the workload's perf counters (a forced migration; cycles
// and instructions, or why not), and UTF-8 names that arrive intact.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCgroups, type CgroupSystem, type OwnedGroup } from '../../src/cgroup/index.js';
import { launcherPath, nativeBinary } from '../../src/model/paths.js';
import { STAT_FILES } from '../../src/cgroup/reading.js';
import type { GroupLocation, LauncherReport, SampleSeries } from '../../src/model/types.js';
import {
  keptBudget,
  launcherArgv,
  parseLauncherReport,
  REPORT_PREFIX,
  REPORT_RECORDS,
  reportStart,
  STATUS_KEYS,
} from '../../src/runtimes/launcher.js';
import { seriesFromReport } from '../../src/sampler/series.js';
import { isRoot, protocolHeader } from '../helpers.js';

if (!isRoot) console.warn('skipping launcher integration tests: they need root to create cgroups');

/** The CPUs this process may run on (its affinity), as the launcher's workload inherits it. */
function allowedCpus(): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  return list.split(',').flatMap((r) => {
    const [lo = NaN, hi = lo] = r.split('-').map(Number);
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  });
}

function mean(xs: (number | null)[]): number {
  const v = xs.filter((x): x is number => x !== null);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

describe.skipIf(!isRoot)('the launcher samples a real group', () => {
  const cgroups: CgroupSystem | null = isRoot ? openCgroups() : null;
  const work = mkdtempSync(join(tmpdir(), 'cgbench-itlaunch-'));
  const METRIC_LINE = '{"name":"ops","value":1.5,"unit":"ops/s","direction":"higher-is-better"}';
  afterAll(async () => {
    await cgroups?.clean(cgroups.leftovers().filter((n) => n.startsWith('itlaunch')));
    cgroups?.removeSubtreeIfEmpty();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs the launcher with a busy loop sized for `seconds` in a fresh group under `quota`;
   *  `stopAfterMs` ends it by wall time with SIGTERM instead (the v2 lab's emulated CPU is slower). */
  async function run(
    name: string,
    quota: number,
    seconds: number,
    intervalMs: number,
    opts: { stopAfterMs?: number; during?: (g: OwnedGroup) => void } = {},
  ): Promise<{ report: LauncherReport; series: SampleSeries | null; code: number | null }> {
    const sys = cgroups as CgroupSystem;
    const g = sys.create(name, { cpu: { quotaUs: quota, periodUs: 100_000 } });
    const file = join(work, `${name}.report`);
    try {
      const iterations = String(Math.round(seconds * (quota / 100_000) * 3.2e9));
      const args = launcherArgv({
        group: g.location,
        sampleIntervalMs: intervalMs,
        report: file,
        program: nativeBinary('cgbench-cpu'),
        args: ['--iterations', iterations],
      });
      const child = spawn(launcherPath(), args, { stdio: 'ignore' });
      const stop = opts.stopAfterMs ? setTimeout(() => child.kill('SIGTERM'), opts.stopAfterMs) : undefined;
      const during = opts.during ? setTimeout(() => opts.during?.(g), 300) : undefined;
      const code = await new Promise<number | null>((res) => child.on('close', res));
      clearTimeout(stop);
      clearTimeout(during);
      const report = parseLauncherReport(readFileSync(file, 'utf8'));
      expect(report).not.toBeNull();
      return { report: report as LauncherReport, series: report ? seriesFromReport(report) : null, code };
    } finally {
      await g.destroy();
    }
  }

  it('sees throttle ratio near 1 and CPU used near 0.1 in the middle of a 10 % run sampled at 20 ms', async () => {
    const { report, series } = await run('itlaunch-cpu', 10_000, 3, 20);
    const s = series as SampleSeries;
    const n = s.tMs.length;
    expect(n).toBeGreaterThan(60);
    // The middle half of the run; per-interval values alternate (10 ms of CPU lands in one 20 ms
    // interval of each 100 ms period), so judge the mean over whole periods.
    const lo = Math.floor(n / 4);
    const hi = Math.floor((3 * n) / 4);
    // Time-weighted: CPU-seconds over the window / window length (intervals are not all equal).
    let cpuSec = 0;
    let sec = 0;
    for (let i = Math.max(lo, 1); i < hi; i++) {
      const dt = ((s.tMs[i] as number) - (s.tMs[i - 1] as number)) / 1000;
      cpuSec += (s.series.cpuUsedCpus?.[i] ?? 0) * dt;
      sec += dt;
    }
    const cpu = cpuSec / sec;
    const ratio = mean((s.series.throttleRatio ?? []).slice(lo, hi));
    console.log(
      `mid-run at 20 ms: CPU used ${cpu.toFixed(4)}, throttle ratio ${ratio.toFixed(3)}, tick mean ${s.tick?.meanIntervalMs.toFixed(2)} ms, ` +
        `launcher CPU ${((report.status.launcherCpuUs ?? 0) / 1e3).toFixed(1)} ms`,
    );
    expect(cpu).toBeGreaterThan(0.09);
    expect(cpu).toBeLessThan(0.11);
    expect(ratio).toBeGreaterThan(0.9);
    // The launcher samples from outside the group: the group's CPU is the workload's alone.
    const used = (report.after?.cpu?.usageUs ?? 0) - (report.before?.cpu?.usageUs ?? 0);
    const workload = (report.status.utimeUs ?? 0) + (report.status.stimeUs ?? 0);
    expect(Math.abs(used - workload)).toBeLessThan(Math.max(20_000, 0.05 * workload));
  });

  it('keeps memory bounded over a long run sampled every 1 ms', async () => {
    const { report, series } = await run('itlaunch-long', 20_000, 1000, 1, { stopAfterMs: 12_000 });
    const t = report.ticks;
    const MAX_KEPT = keptBudget(1);
    console.log(
      `1 ms for ~12 s: ${t?.ticks} ticks, ${t?.kept} kept (stride ${t?.stride}), ${series?.tMs.length} points, ` +
        `launcher peak RSS ${report.status.launcherMaxrssKib} KiB, off-target ${((t?.offFraction ?? 0) * 100).toFixed(1)} %`,
    );
    expect(t?.ticks).toBeGreaterThan(2 * MAX_KEPT);
    expect(t?.kept).toBeLessThanOrEqual(MAX_KEPT);
    expect(t?.stride).toBeGreaterThanOrEqual(2);
    expect(series?.tMs.length).toBeLessThanOrEqual(MAX_KEPT + 1);
    // A static binary with at most 4096 kept readings of ~1.5 KiB each.
    expect(report.status.launcherMaxrssKib).toBeLessThan(16 * 1024);
    // Stopped by SIGTERM: the launcher killed the workload and still took the after reading.
    expect(report.status.forwardedSignal).toBe(15);
    expect(report.after?.cpu?.usageUs).toBeGreaterThan(report.before?.cpu?.usageUs ?? 0);
  }, 120_000);

  it('says in one line, with a report, that an interval outside 1 ms-10 s or a missing stat file will not do', () => {
    const bad = spawnSync(launcherPath(), ['--sample-interval-us', '500', '--cgroup', 'self', '--', '/bin/true'], { encoding: 'utf8' });
    expect(bad.status).toBe(125);
    expect(bad.stderr.trim()).toBe('cgbench-launch: --sample-interval-us 500: the interval must be 1000..10000000 us (1 ms to 10 s)');
    const notAGroup = mkdtempSync(join(work, 'not-a-group-'));
    const sys = cgroups as CgroupSystem;
    const g = sys.create('itlaunch-missing', {});
    try {
      // The cpu hierarchy is real; the memory "group" has no memory.* files (the controller is not there).
      const dirs = g.location.driver === 'v1' ? { ...g.location.dirs, memory: notAGroup } : null;
      const group = dirs ? ({ driver: 'v1', dirs } as const) : ({ driver: 'v2', dir: notAGroup } as const);
      const file = join(work, 'missing.report');
      const res = spawnSync(launcherPath(), launcherArgv({ group, report: file, program: '/bin/true', args: [] }), { encoding: 'utf8' });
      expect(res.status).toBe(125);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/cannot open stat file .*not-a-group-.*: No such file or directory \(is the controller enabled/);
      const report = parseLauncherReport(readFileSync(file, 'utf8'));
      expect(report?.status.error).toMatch(/cannot open stat file/);
    } finally {
      void g.destroy();
    }
  });

  it('reports a group removed under it as lost, and does not hang', async () => {
    // Move the workload out and remove the group while the launcher samples it.
    const remove = (g: OwnedGroup): void => {
      for (const pid of g.pids()) for (const dir of g.dirs) writeFileSync(join(dirname(dirname(dir)), 'cgroup.procs'), String(pid));
      for (const dir of g.dirs) rmdirSync(dir);
    };
    const started = Date.now();
    const { report, code } = await run('itlaunch-removed', 50_000, 1.5, 10, { during: remove });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(code).toBe(0);
    expect(report.status.samplingError).toMatch(/the group was removed while the workload ran/);
    expect(report.after).toBeUndefined();
    expect(report.before).toBeDefined();
  });
  it('writes the report protocol.h describes, which the TypeScript parser reads whole', () => {
    const sys = cgroups as CgroupSystem;
    const g = sys.create('itlaunch-protocol', {});
    const header = protocolHeader();
    try {
      const args = launcherArgv({
        group: g.location,
        sampleIntervalMs: 5,
        report: '-',
        ns: 'none',
        // The metrics protocol's file (a template made unique), so its record is in the report too.
        metrics: join(work, 'protocol', 'metrics.XXXXXX'),
        program: '/bin/sh',
        args: ['-c', `echo workload output; echo '${METRIC_LINE}' >> "$CGBENCH_METRICS"; sleep 0.1`],
      });
      const res = spawnSync(launcherPath(), args, { encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      const text = res.stdout;
      expect(text.slice(0, reportStart(text))).toBe('workload output\n\n');
      // Every line a record of protocol.h's, in its order.
      const kinds = text
        .slice(reportStart(text))
        .trimEnd()
        .split('\n')
        .map((line) => line.slice(REPORT_PREFIX.length).split(' ')[0] as string);
      const order = kinds.map((k) => header.lists.CGB_RECORDS?.indexOf(k) ?? -1);
      expect(order).not.toContain(-1);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(new Set(kinds)).toEqual(new Set(REPORT_RECORDS));

      const report = parseLauncherReport(text) as LauncherReport;
      expect(report.group?.driver).toBe(g.driver);
      // The files sampled and the ones missing are protocol.h's list, in its order.
      const sent = header.statFiles[g.driver].map((f) => f.key);
      const files = Object.keys(report.group?.files ?? {});
      expect(files).toEqual(sent.filter((k) => !report.group?.missing.includes(k)));
      expect(STAT_FILES[g.driver].map((f) => f.key)).toEqual(sent);
      for (const key of report.group?.missing ?? []) expect(header.statFiles[g.driver].find((f) => f.key === key)?.optional).toBe(true);
      expect(report.before?.cpu?.usageUs).toBeGreaterThanOrEqual(0);
      expect(report.after?.memory?.currentBytes).toBeGreaterThan(0);
      expect(report.samples.length).toBe(report.ticks?.kept);
      expect(report.ticks?.ticks).toBeGreaterThan(5);
      expect(report.host?.cpus).toBeGreaterThan(0);
      // Every STATUS member the parser reads is sent; what it leaves is named where it leaves it.
      const statusLine = text.split('\n').find((l) => l.startsWith(`${REPORT_PREFIX}STATUS `)) ?? '';
      const sentKeys = Object.keys(JSON.parse(statusLine.slice(statusLine.indexOf(' ') + 1)) as object);
      expect(sentKeys).toEqual(expect.arrayContaining(STATUS_KEYS));
      expect(sentKeys.filter((k) => !STATUS_KEYS.includes(k))).toEqual([]);
      // The evidence for CPU cost: the shell blocked waiting for sleep; every perf counter is there (a count or why not).
      expect(report.status.voluntaryContextSwitches).toBeGreaterThan(0);
      expect(report.status.involuntaryContextSwitches).toBeGreaterThanOrEqual(0);
      expect(Object.keys(report.status.perf ?? {})).toEqual(['cpuMigrations', 'cycles', 'instructions']);
      expect(report.status).toMatchObject({ exitCode: 0, signal: null });
      expect(report.status.wallNs).toBeGreaterThan(100e6);
      // The workload's line relayed as written, and its file removed once read.
      expect(report.metricLines).toEqual([METRIC_LINE]);
      expect(readdirSync(join(work, 'protocol'))).toEqual([]);
    } finally {
      void g.destroy();
    }
  });

  it('counts the migrations of a workload forced from one CPU to another, and cycles and instructions where there is a PMU', () => {
    const cpus = allowedCpus();
    const file = join(work, 'counters.report');
    // Pinned to one CPU, taskset execs a second that pins itself to another while it runs there: the kernel must
    // move it, once per chain at least (the chains are children of the shell: inherited counters count them).
    const [a = 0, b = a] = cpus;
    const chain = `taskset -c ${a} taskset -c ${b} true`;
    const args = launcherArgv({ report: file, ns: 'none', program: '/bin/sh', args: ['-c', `${chain}; ${chain}; ${chain}`] });
    const res = spawnSync(launcherPath(), args, { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const perf = parseLauncherReport(readFileSync(file, 'utf8'))?.status.perf;
    const migrations = perf?.cpuMigrations;
    if (migrations?.value === null) expect(migrations.reason).toMatch(/perf_event_open: /);
    else if (cpus.length >= 2) expect(migrations?.value).toBeGreaterThanOrEqual(3);
    // A core PMU registers as an event source ("cpu" on x86); without one the kernel has no hardware events.
    const pmu = readdirSync('/sys/bus/event_source/devices').some((d) => /^(cpu(_core|_atom)?|armv\w+|arm_\w+)$/.test(d));
    for (const c of [perf?.cycles, perf?.instructions]) {
      if (pmu) expect(c?.value).toBeGreaterThan(0);
      else expect(c).toEqual({ value: null, reason: expect.stringMatching(/^no hardware PMU here .*: perf_event_open: /) as unknown });
    }
  });

  it('keeps UTF-8 intact: a group, a command, its argument and the messages about them', async () => {
    const sys = cgroups as CgroupSystem;
    const name = 'grüppe-日本-😀';
    // A group with a UTF-8 name, beside a probe group that makes its parent pass the controllers on (v2).
    const parent = sys.create('itlaunch-utf8', {});
    await sys.create('itlaunch-utf8-probe', {}, parent).destroy();
    const loc: GroupLocation =
      parent.location.driver === 'v1'
        ? { driver: 'v1', dirs: Object.fromEntries(Object.entries(parent.location.dirs).map(([c, d]) => [c, join(d, name)])) }
        : { driver: 'v2', dir: join(parent.location.dir, name) };
    const dirs = loc.driver === 'v1' ? [...new Set(Object.values(loc.dirs))] : [loc.dir];
    for (const d of dirs) mkdirSync(d);
    const bin = join(work, 'bïn-ü');
    mkdirSync(bin);
    const program = join(bin, 'prögram-ß.sh');
    writeFileSync(program, '#!/bin/sh\nprintf "%s\\n" "$1"\n');
    chmodSync(program, 0o755);
    const argument = 'ärgümént ∑ 中文 🎉';
    try {
      const ok = spawnSync(launcherPath(), launcherArgv({ group: loc, report: '-', ns: 'none', program, args: [argument] }), {
        encoding: 'utf8',
      });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout.startsWith(`${argument}\n`)).toBe(true);
      const report = parseLauncherReport(ok.stdout);
      const paths = Object.values(report?.group?.files ?? {});
      expect(paths.length).toBeGreaterThan(5);
      for (const p of paths)
        expect(
          dirs.some((d) => p.startsWith(`${d}/`)),
          p,
        ).toBe(true);

      // A command that is not there and a working directory that is not there: the reason names them as they are.
      const missing = join(bin, 'nïcht-da-ü');
      const report2 = join(work, 'utf8.report');
      const gone = spawnSync(launcherPath(), launcherArgv({ report: report2, ns: 'none', program: missing, args: [] }), {
        encoding: 'utf8',
      });
      expect(gone.status).toBe(127);
      expect(gone.stderr).toContain(`cannot exec ${missing}: No such file or directory`);
      expect(parseLauncherReport(readFileSync(report2, 'utf8'))?.status.error).toBe(`cannot exec ${missing}: No such file or directory`);
      const where = join(work, 'wö-nicht');
      const args = ['--chdir', where, ...launcherArgv({ report: report2, ns: 'none', program: '/bin/true', args: [] })];
      expect(spawnSync(launcherPath(), args).status).toBe(125);
      expect(parseLauncherReport(readFileSync(report2, 'utf8'))?.status.error).toBe(`cannot chdir to ${where}: No such file or directory`);
      // A byte that is not UTF-8 (a name in another encoding) becomes U+FFFD; the report stays valid JSON.
      const latin1 = spawnSync('/bin/sh', [
        '-c',
        `exec "$0" --ns none --report "$1" -- "$(printf '/nowhere/caf\\351')"`,
        launcherPath(),
        report2,
      ]);
      expect(latin1.status).toBe(127);
      expect(parseLauncherReport(readFileSync(report2, 'utf8'))?.status.error).toBe(
        'cannot exec /nowhere/caf\ufffd: No such file or directory',
      );
    } finally {
      for (const d of dirs) rmdirSync(d);
      await parent.destroy();
    }
  });
});
