// The sampler on a real throttled group (root): per-interval CPU use and throttle ratio mid-run,
// and bounded memory over a long run at 1 ms.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openCgroups, type CgroupSystem } from '../../src/cgroup/index.js';
import { MAX_KEPT, Sampler } from '../../src/sampler/sampler.js';
import { launcherPath, nativeBinary } from '../../src/model/paths.js';
import { isRoot } from '../helpers.js';

if (!isRoot) console.warn('skipping sampler integration tests: they need root to create cgroups');

function mean(xs: (number | null)[]): number {
  const v = xs.filter((x): x is number => x !== null);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

describe.skipIf(!isRoot)('sampler on a real group', () => {
  const cgroups: CgroupSystem | null = isRoot ? openCgroups() : null;
  afterAll(async () => {
    await cgroups?.clean(cgroups.leftovers().filter((n) => n.startsWith('itsamp')));
    cgroups?.removeSubtreeIfEmpty();
  });

  /** Run a busy loop sized for `seconds` on this host; `stopAfterMs` ends it by wall time instead
   *  (the v2 lab's emulated CPU is several times slower). */
  async function runIn(name: string, quota: number, seconds: number, intervalMs: number, maxKept?: number, stopAfterMs?: number) {
    const sys = cgroups as CgroupSystem;
    const g = sys.create(name, { cpu: { quotaUs: quota, periodUs: 100_000 } });
    try {
      const child = spawn(
        launcherPath(),
        [
          ...g.procsFiles.flatMap((f) => ['--join', f]),
          '--',
          nativeBinary('cgbench-cpu'),
          '--iterations',
          String(Math.round(seconds * (quota / 100_000) * 3.2e9)),
        ],
        { stdio: 'ignore' },
      );
      const sampler = new Sampler(g, intervalMs, maxKept).start();
      const heapBefore = process.memoryUsage().heapUsed;
      const stop = stopAfterMs ? setTimeout(() => g.killAll(), stopAfterMs) : undefined;
      await new Promise((res) => child.on('close', res));
      clearTimeout(stop);
      const heapAfter = process.memoryUsage().heapUsed;
      const kept = sampler.keptCount;
      return { series: sampler.stop(), kept, heapGrowth: heapAfter - heapBefore };
    } finally {
      await g.destroy();
    }
  }

  it('sees throttle ratio near 1 and CPU used near 0.1 in the middle of a 10 % run sampled at 20 ms', async () => {
    const { series } = await runIn('itsamp-cpu', 10_000, 3, 20);
    const n = series.tMs.length;
    expect(n).toBeGreaterThan(60);
    // The middle half of the run; per-interval values alternate (10 ms of CPU lands in one 20 ms
    // interval of each 100 ms period), so judge the mean over whole periods.
    const lo = Math.floor(n / 4);
    const hi = Math.floor((3 * n) / 4);
    const mid = (k: string) => (series.series[k] ?? []).slice(lo, hi);
    // Time-weighted: CPU-seconds over the window / window length (intervals are not all equal).
    let cpuSec = 0;
    let sec = 0;
    for (let i = Math.max(lo, 1); i < hi; i++) {
      const dt = ((series.tMs[i] as number) - (series.tMs[i - 1] as number)) / 1000;
      cpuSec += (series.series.cpuUsedCpus?.[i] ?? 0) * dt;
      sec += dt;
    }
    const cpu = cpuSec / sec;
    const ratio = mean(mid('throttleRatio'));
    console.log(
      `mid-run at 20 ms: CPU used ${cpu.toFixed(4)}, throttle ratio ${ratio.toFixed(3)}, tick mean ${series.tick?.meanIntervalMs.toFixed(2)} ms`,
    );
    expect(cpu).toBeGreaterThan(0.09);
    expect(cpu).toBeLessThan(0.11);
    expect(ratio).toBeGreaterThan(0.9);
  });

  it('keeps memory bounded over a long run sampled every 1 ms', async () => {
    const { series, kept, heapGrowth } = await runIn('itsamp-long', 20_000, 1000, 1, undefined, 12_000);
    console.log(
      `1 ms for ~12 s: ${series.taken} ticks, ${kept} kept, ${series.tMs.length} points, heap +${(heapGrowth / 1e6).toFixed(1)} MB`,
    );
    expect(series.taken).toBeGreaterThan(2 * MAX_KEPT);
    expect(kept).toBeLessThanOrEqual(MAX_KEPT);
    expect(series.tMs.length).toBeLessThanOrEqual(MAX_KEPT + 1);
    expect(heapGrowth).toBeLessThan(32e6);
  }, 120_000);
});
