// `npm run bench` (run from the checkout, not shipped in dist): what sampling costs. tinybench
// microbenchmarks of one sampler tick (read + parse) for a real v1/v2 group and the fixture v2 tree,
// then the sampler's own CPU use while sampling a busy group at 10, 100 and 1000 Hz, side by side
// with a naive reader that re-opens every file each tick.

import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import { Bench } from 'tinybench';
import { openCgroups, type OwnedGroup } from '../src/cgroup/index.js';
import { readingFromV1, readingFromV2 } from '../src/cgroup/reading.js';
import { StatReader } from '../src/cgroup/stat-reader.js';
import { monotonicNs, sleep } from '../src/model/clock.js';
import { launcherPath, nativeBinary, PACKAGE_ROOT } from '../src/model/paths.js';
import type { Reading } from '../src/model/types.js';
import { Sampler } from '../src/sampler/sampler.js';

/** The reader a harness would write first: readFileSync of every file on every tick. */
function naiveRead(statFiles: Record<string, string>, driver: 'v1' | 'v2'): Reading {
  const texts: Record<string, string | undefined> = {};
  const tNs = monotonicNs();
  for (const [k, p] of Object.entries(statFiles)) {
    try {
      texts[k] = readFileSync(p, 'utf8');
    } catch {
      texts[k] = undefined;
    }
  }
  return driver === 'v1' ? readingFromV1(tNs, texts) : readingFromV2(tNs, texts);
}

class NaiveSampler {
  private timer: NodeJS.Timeout | null = null;
  private next = monotonicNs();
  readings = 0;
  constructor(
    private readonly files: Record<string, string>,
    private readonly driver: 'v1' | 'v2',
    private readonly intervalMs: number,
  ) {}
  start(): this {
    const tick = (): void => {
      naiveRead(this.files, this.driver);
      this.readings++;
      this.next += this.intervalMs * 1e6;
      const now = monotonicNs();
      if (this.next < now) this.next = now;
      this.timer = setTimeout(tick, (this.next - now) / 1e6);
    };
    tick();
    return this;
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

function fixtureV2Files(): { files: Record<string, string>; cleanup: () => void } {
  const src = join(PACKAGE_ROOT, 'test', 'fixtures', 'v2');
  const dir = mkdtempSync(join(tmpdir(), 'cgbench-bench-'));
  cpSync(src, dir, { recursive: true });
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) files[f] = join(dir, f);
  return { files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Median of `REPEATS` measurements: a VM's timer wake-ups make single readings swing by 2-3x. */
const REPEATS = 3;
async function cpuPercent(ms: number, start: () => { stop(): void }): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < REPEATS; i++) xs.push(await cpuPercentOnce(ms, start));
  return xs.sort((a, b) => a - b)[Math.floor(REPEATS / 2)] as number;
}

/** CPU time this process spends over `ms` while `work` runs, in % of one core. */
async function cpuPercentOnce(ms: number, start: () => { stop(): void }): Promise<number> {
  const before = process.cpuUsage();
  const t0 = monotonicNs();
  const handle = start();
  await sleep(ms);
  handle.stop();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000 * 100) / (monotonicNs() - t0);
}

interface Row {
  what: string;
  [k: string]: string | number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? NaN) || 3;
  const out = args.includes('--out') ? resolve(args[args.indexOf('--out') + 1] as string) : resolve('reports', 'bench');
  const root = process.getuid?.() === 0;
  const result: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, seconds };

  // 1. One tick, read + parse: tinybench.
  const fixture = fixtureV2Files();
  const bench = new Bench({ time: 700, warmupTime: 100 });
  const fixtureReader = new StatReader(fixture.files, 'v2');
  bench.add('tick v2 fixture: open files (sampler)', () => void fixtureReader.read());
  bench.add('tick v2 fixture: readFileSync (naive)', () => void naiveRead(fixture.files, 'v2'));
  let group: OwnedGroup | null = null;
  let child: ReturnType<typeof spawn> | null = null;
  const cgroups = root ? openCgroups() : null;
  try {
    if (cgroups) {
      group = cgroups.create(`bench-${process.pid}`, { cpu: { quotaUs: 50_000, periodUs: 100_000 } });
      const live = new StatReader(group.statFiles, group.driver);
      const g = group;
      bench.add(`tick ${g.driver} group: open files (sampler)`, () => void live.read());
      bench.add(`tick ${g.driver} group: readFileSync (naive)`, () => void naiveRead(g.statFiles, g.driver));
      // A busy workload in the group so the files change under the readers.
      child = spawn(
        launcherPath(),
        [...g.procsFiles.flatMap((f) => ['--join', f]), '--', nativeBinary('cgbench-cpu'), '--iterations', String(1e13)],
        { stdio: 'ignore' },
      );
    } else {
      process.stderr.write('not root: skipping the live-group benchmarks (they need a cgroup)\n');
    }
    await bench.run();
    const tickRows = bench.tasks.map((t) => {
      const lat = t.result?.latency;
      return {
        what: t.name,
        meanUs: lat ? lat.mean * 1000 : NaN,
        p99Us: lat?.p99 !== undefined ? lat.p99 * 1000 : NaN,
        samples: lat?.samples.length ?? 0,
      };
    });
    result.tick = tickRows;
    const t1 = new Table({ head: ['one tick (read + parse)', 'mean µs', 'p99 µs', 'samples'], style: { head: [], border: [] } });
    for (const r of tickRows) t1.push([r.what, r.meanUs.toFixed(1), r.p99Us.toFixed(1), r.samples]);
    /** How many times slower the naive reader's tick is than the sampler's, for one target. */
    const naiveOverSampler = (target: string): number => {
      const x = tickRows.find((r) => r.what.startsWith(target) && r.what.includes('naive'));
      const y = tickRows.find((r) => r.what.startsWith(target) && r.what.includes('sampler'));
      return x && y ? x.meanUs / y.meanUs : NaN;
    };
    const speedups: Record<string, number> = { fixtureV2: naiveOverSampler('tick v2 fixture') };
    if (group) speedups[`${group.driver}Group`] = naiveOverSampler(`tick ${group.driver} group`);
    result.speedupPerTick = speedups;
    process.stdout.write(t1.toString() + '\n');
    process.stdout.write(
      `naive / sampler per tick: ${Object.entries(speedups)
        .map(([k, v]) => `${k} ${v.toFixed(2)}x`)
        .join(', ')}\n\n`,
    );

    // 2. Whole-process CPU while sampling a busy group, and tick regularity.
    const target = group ?? { statFiles: fixture.files, driver: 'v2' as const };
    const idle = await cpuPercent(seconds * 1000, () => ({ stop: () => {} }));
    const rows: Row[] = [];
    for (const hz of [10, 100, 1000]) {
      const interval = 1000 / hz;
      let tick: ReturnType<Sampler['tickStats']> | null = null;
      const sampler = await cpuPercent(seconds * 1000, () => {
        const s = new Sampler(target, interval).start();
        return {
          stop: () => {
            tick = s.tickStats();
            s.stop();
          },
        };
      });
      // The floor: the same schedule with nothing to read. On a VM a timer wake-up alone can cost
      // more than the reads, and no sampler in this process can go below it.
      const floor = await cpuPercent(seconds * 1000, () => {
        let t: NodeJS.Timeout | null = null;
        let next = monotonicNs();
        const tick = (): void => {
          next += interval * 1e6;
          t = setTimeout(tick, Math.max(0, (next - monotonicNs()) / 1e6));
        };
        tick();
        return { stop: () => t && clearTimeout(t) };
      });
      let naiveTicks = 0;
      const naive = await cpuPercent(seconds * 1000, () => {
        const s = new NaiveSampler(target.statFiles, target.driver, interval).start();
        return {
          stop: () => {
            naiveTicks = s.readings;
            s.stop();
          },
        };
      });
      const t = tick as ReturnType<Sampler['tickStats']> | null;
      rows.push({
        what: `${hz} Hz`,
        samplerCpuPct: Math.max(0, sampler - idle),
        emptyTimerCpuPct: Math.max(0, floor - idle),
        naiveCpuPct: Math.max(0, naive - idle),
        samplerTicksPerSec: t ? t.ticks / seconds : 0,
        naiveTicksPerSec: naiveTicks / seconds,
        meanIntervalMs: t ? t.meanIntervalMs : 0,
        maxIntervalMs: t ? t.maxIntervalMs : 0,
        offBy10PctShare: t ? t.offFraction : 0,
      });
    }
    result.idleCpuPct = idle;
    result.sampling = rows;
    result.target = group ? `${group.driver} group (busy loop at 0.5 CPU)` : 'v2 fixture tree';
    const t2 = new Table({
      head: [
        'rate',
        'sampler CPU % of a core',
        'naive CPU %',
        'empty timer CPU % (floor)',
        'sampler ticks/s',
        'naive ticks/s',
        'mean interval ms',
        'max interval ms',
        'intervals >10 % off',
      ],
      style: { head: [], border: [] },
    });
    for (const r of rows) {
      t2.push([
        r.what,
        Number(r.samplerCpuPct).toFixed(2),
        Number(r.naiveCpuPct).toFixed(2),
        Number(r.emptyTimerCpuPct).toFixed(2),
        Number(r.samplerTicksPerSec).toFixed(0),
        Number(r.naiveTicksPerSec).toFixed(0),
        Number(r.meanIntervalMs).toFixed(3),
        Number(r.maxIntervalMs).toFixed(2),
        `${(Number(r.offBy10PctShare) * 100).toFixed(1)} %`,
      ]);
    }
    process.stdout.write(
      `sampling ${String(result.target)} for ${seconds} s per cell, median of ${REPEATS} ` +
        `(idle process baseline ${idle.toFixed(2)} % subtracted)\n`,
    );
    process.stdout.write(t2.toString() + '\n');
  } finally {
    child?.kill('SIGKILL');
    group?.killAll();
    await group?.destroy();
    cgroups?.removeSubtreeIfEmpty();
    fixture.cleanup();
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
