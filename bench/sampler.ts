// `npm run bench` (run from the checkout, not shipped in dist): what sampling costs. The launcher samples
// a busy cgroup at 10, 100 and 1000 Hz next to the floor (a C loop that only wakes at absolute deadlines
// and preads the same files) and to a naive reader (a Node timer that re-reads every file each tick);
// the harness's own CPU while the launcher samples; and the cost of parsing a long run's report.
// Finishes within a minute and leaves nothing behind, also when interrupted.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import { Bench } from 'tinybench';
import { openCgroups, type OwnedGroup } from '../src/cgroup/index.js';
import { readingFromV1, readingFromV2 } from '../src/cgroup/reading.js';
import { monotonicNs, sleep } from '../src/model/clock.js';
import { launcherPath, NATIVE_DIR, nativeBinary } from '../src/model/paths.js';
import type { LauncherReport } from '../src/model/types.js';
import { launcherArgv, parseLauncherReport } from '../src/runtimes/launcher.js';

const RATES_HZ = [10, 100, 1000];
const SECONDS = 1.5;
/** Median of this many measurements per cell: a VM's timer wake-ups make single readings swing. */
const REPEATS = 3;

interface Sampled {
  /** CPU of the sampling loop, % of one core. */
  cpuPct: number;
  ticksPerSec: number;
  /** Share of intervals more than 10 % off the target. */
  offFraction: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function medianOf(runs: Sampled[]): Sampled {
  return {
    cpuPct: median(runs.map((r) => r.cpuPct)),
    ticksPerSec: median(runs.map((r) => r.ticksPerSec)),
    offFraction: median(runs.map((r) => r.offFraction)),
  };
}

/** Children that must not outlive the bench, whatever ends it. */
const children = new Set<ChildProcess>();

function run(program: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((res, rej) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => {
      children.delete(child);
      res({ code, stdout });
    });
  });
}

/** The launcher sampling the group while its workload sleeps; its loop CPU and ticks from the report, and
 *  the harness's (this process's) CPU while it waits. */
async function launcherRun(g: OwnedGroup, hz: number, file: string): Promise<Sampled & { harnessPct: number; report: LauncherReport }> {
  const args = launcherArgv({
    group: g.location,
    sampleIntervalMs: 1000 / hz,
    report: file,
    ns: 'none',
    program: '/bin/sleep',
    args: [String(SECONDS)],
  });
  const cpu0 = process.cpuUsage();
  const t0 = monotonicNs();
  const { code } = await run(launcherPath(), args);
  const harness = process.cpuUsage(cpu0);
  const wallNs = monotonicNs() - t0;
  const report = parseLauncherReport(readFileSync(file, 'utf8'));
  if (code !== 0 || !report?.ticks) throw new Error(`the launcher failed (exit ${code}): ${report?.status.error ?? 'no report'}`);
  const t = report.ticks;
  return {
    cpuPct: (t.cpuUs / 1e6 / SECONDS) * 100,
    ticksPerSec: t.ticks / SECONDS,
    offFraction: t.offFraction,
    harnessPct: (((harness.user + harness.system) * 1e3) / wallNs) * 100,
    report,
  };
}

async function floorRun(files: string[], hz: number): Promise<Sampled> {
  const args = ['--interval-us', String(Math.round(1e6 / hz)), '--duration-ms', String(SECONDS * 1000), ...files];
  const { code, stdout } = await run(join(NATIVE_DIR, 'cgbench-tickfloor'), args);
  const o = JSON.parse(stdout) as { ticks: number; intervals: number; off: number; cpu_us: number };
  if (code !== 0) throw new Error(`cgbench-tickfloor failed (exit ${code})`);
  return { cpuPct: (o.cpu_us / 1e6 / SECONDS) * 100, ticksPerSec: o.ticks / SECONDS, offFraction: o.intervals ? o.off / o.intervals : 0 };
}

/** The reader a harness would write first: a Node timer and readFileSync of every file, parsed each tick. */
async function naiveRun(files: Record<string, string>, driver: 'v1' | 'v2', hz: number): Promise<Sampled> {
  const intervalNs = 1e9 / hz;
  const parse = driver === 'v1' ? readingFromV1 : readingFromV2;
  let ticks = 0;
  let off = 0;
  let last = 0;
  let next = monotonicNs();
  let timer: NodeJS.Timeout | undefined;
  const cpu0 = process.cpuUsage();
  const tick = (): void => {
    const t = monotonicNs();
    const texts: Record<string, string> = {};
    for (const [k, p] of Object.entries(files)) texts[k] = readFileSync(p, 'latin1');
    parse(t, texts);
    if (last && Math.abs(t - last - intervalNs) > intervalNs / 10) off++;
    last = t;
    ticks++;
    next += intervalNs;
    timer = setTimeout(tick, Math.max(0, (next - monotonicNs()) / 1e6));
  };
  timer = setTimeout(tick, 1000 / hz);
  await sleep(SECONDS * 1000);
  clearTimeout(timer);
  const used = process.cpuUsage(cpu0);
  return {
    cpuPct: ((used.user + used.system) / 1e6 / SECONDS) * 100,
    ticksPerSec: ticks / SECONDS,
    offFraction: ticks > 1 ? off / (ticks - 1) : 0,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? resolve(args[args.indexOf('--out') + 1] as string) : resolve('reports', 'bench');
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root: it samples a real cgroup');
  const cgroups = openCgroups();
  const work = mkdtempSync(join(tmpdir(), 'cgbench-bench-'));
  let group: OwnedGroup | null = null;
  let busy: Promise<unknown> | null = null;
  // Interrupted (Ctrl-C, SIGTERM): kill what runs, remove the group and the files, then exit.
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    for (const c of children) c.kill('SIGKILL');
    group?.killAll();
    await busy?.catch(() => undefined);
    await group?.destroy();
    cgroups.removeSubtreeIfEmpty();
    rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping the bench and removing its group\n`);
      void cleanup().then(() => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
    });
  }
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    secondsPerCell: SECONDS,
    repeats: REPEATS,
  };
  try {
    group = cgroups.create(`bench-${process.pid}`, { cpu: { quotaUs: 50_000, periodUs: 100_000 } });
    // A busy loop in the group, so the files change under the readers.
    const busyArgs = launcherArgv({
      group: group.location,
      ns: 'none',
      program: nativeBinary('cgbench-cpu'),
      args: ['--iterations', '10000000000000'],
    });
    busy = run(launcherPath(), busyArgs);
    const probe = await launcherRun(group, 10, join(work, 'probe.report'));
    const files = probe.report.group?.files ?? {};
    const driver = probe.report.group?.driver ?? 'v1';
    const rows = [];
    for (const hz of RATES_HZ) {
      const launcher: (Sampled & { harnessPct: number })[] = [];
      const floor: Sampled[] = [];
      const naive: Sampled[] = [];
      for (let i = 0; i < REPEATS; i++) {
        launcher.push(await launcherRun(group, hz, join(work, `${hz}.report`)));
        floor.push(await floorRun(Object.values(files), hz));
        naive.push(await naiveRun(files, driver, hz));
      }
      const l = medianOf(launcher);
      const f = medianOf(floor);
      rows.push({
        hz,
        launcher: l,
        floor: f,
        naive: medianOf(naive),
        launcherOverFloor: f.cpuPct > 0 ? l.cpuPct / f.cpuPct : NaN,
        harnessPct: median(launcher.map((r) => r.harnessPct)),
      });
    }
    result.target = `${driver} group (a busy loop at 0.5 CPU), ${Object.keys(files).length} stat files`;
    result.rates = rows;

    // Parsing the report of the last 1000 Hz run (kept readings are bounded at 1024 whatever the length).
    const text = readFileSync(join(work, '1000.report'), 'utf8');
    const readings = parseLauncherReport(text)?.samples.length ?? 0;
    const bench = new Bench({ time: 500, warmupTime: 100 });
    bench.add(`parse a report of ${readings} readings`, () => void parseLauncherReport(text));
    await bench.run();
    const parse = bench.tasks[0]?.result?.latency;
    result.reportParse = { readings, bytes: text.length, meanMs: parse?.mean, p99Ms: parse?.p99 };

    const t = new Table({
      head: [
        'rate',
        'launcher CPU %',
        'floor CPU %',
        'launcher / floor',
        'naive CPU %',
        'ticks/s launcher',
        'floor',
        'naive',
        'off >10 % launcher',
        'floor',
        'naive',
        'harness CPU %',
      ],
      style: { head: [], border: [] },
    });
    const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
    for (const r of rows) {
      t.push([
        `${r.hz} Hz`,
        r.launcher.cpuPct.toFixed(2),
        r.floor.cpuPct.toFixed(2),
        `${r.launcherOverFloor.toFixed(2)}x`,
        r.naive.cpuPct.toFixed(2),
        r.launcher.ticksPerSec.toFixed(0),
        r.floor.ticksPerSec.toFixed(0),
        r.naive.ticksPerSec.toFixed(0),
        pct(r.launcher.offFraction),
        pct(r.floor.offFraction),
        pct(r.naive.offFraction),
        r.harnessPct.toFixed(2),
      ]);
    }
    process.stdout.write(`sampling a ${String(result.target)} for ${SECONDS} s per cell, median of ${REPEATS}\n`);
    process.stdout.write(`${t.toString()}\n`);
    const khz = rows.find((r) => r.hz === 1000);
    const yes = (ok: boolean | undefined): string => (ok ? 'yes' : 'no');
    const offOk = khz !== undefined && khz.launcher.offFraction <= khz.floor.offFraction + 0.02;
    const goals = [
      `launcher CPU within 1.2x of the floor at every rate: ${yes(rows.every((r) => r.launcherOverFloor <= 1.2))}`,
      `1000 Hz: >= 995 ticks/s: ${yes(khz && khz.launcher.ticksPerSec >= 995)} (${khz?.launcher.ticksPerSec.toFixed(0)})`,
      `1000 Hz: share of intervals off by >10 % at most 2 points above the floor's: ${yes(offOk)}`,
    ];
    result.goals = goals;
    process.stdout.write(`${goals.join('\n')}\n`);
    process.stdout.write(
      `parsing a report of ${readings} readings (${(text.length / 1024).toFixed(0)} KiB): ${parse?.mean?.toFixed(2)} ms\n`,
    );
  } finally {
    await cleanup();
  }
  mkdirSync(out, { recursive: true });
  const file = join(out, `sampler-${new Date().toISOString().replace(/[:.]/g, '')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`\nwritten: ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
