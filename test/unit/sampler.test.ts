import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/model/types.js';
import { derivePoint, deriveSeries } from '../../src/sampler/derive.js';
import { StatReader } from '../../src/cgroup/stat-reader.js';
import { Sampler } from '../../src/sampler/sampler.js';
import { fixtureTree } from '../helpers.js';

const r = (tMs: number, cpu: Reading['cpu'], extra: Partial<Reading> = {}): Reading => ({ tNs: tMs * 1e6, cpu, ...extra });

describe('derived series', () => {
  it('computes CPU, throttling, memory, IO and PSI per interval', () => {
    const a: Reading = {
      tNs: 1e9,
      cpu: { usageUs: 1_000_000, nrPeriods: 10, nrThrottled: 9, throttledUs: 900_000 },
      memory: { currentBytes: 100, peakBytes: 200, majorFaults: 5 },
      io: { '254:0': { rbytes: 0, wbytes: 1_000_000, rios: 0, wios: 10 }, '8:0': { rbytes: 500, wbytes: 0, rios: 1, wios: 0 } },
      psi: { cpu: { someAvg10: 0, someTotalUs: 1_000_000, fullTotalUs: 500_000 } },
    };
    const b: Reading = {
      tNs: 1.5e9,
      cpu: { usageUs: 1_050_000, nrPeriods: 15, nrThrottled: 14, throttledUs: 1_350_000 },
      memory: { currentBytes: 150, peakBytes: 250, majorFaults: 55 },
      io: { '254:0': { rbytes: 0, wbytes: 6_000_000, rios: 0, wios: 15 }, '8:0': { rbytes: 1500, wbytes: 0, rios: 3, wios: 0 } },
      psi: { cpu: { someAvg10: 0, someTotalUs: 1_450_000, fullTotalUs: 600_000 } },
    };
    expect(derivePoint(a, b)).toEqual({
      cpuUsedCpus: 0.1,
      throttleRatio: 1,
      throttledMsPerSec: 900,
      memoryCurrentBytes: 150,
      memoryPeakBytes: 250,
      majorFaultsPerSec: 100,
      ioReadBps: 2000,
      ioWriteBps: 10_000_000,
      ioReadIops: 4,
      ioWriteIops: 10,
      psiCpuSome: 90,
      psiCpuFull: 20,
      psiMemorySome: null,
      psiMemoryFull: null,
      psiIoSome: null,
      psiIoFull: null,
    });
  });
  it('gives null throttle ratio when no period elapsed and drops empty series', () => {
    const s = deriveSeries(
      [
        r(0, { usageUs: 0, nrPeriods: 3, nrThrottled: 3 }),
        r(20, { usageUs: 0, nrPeriods: 3, nrThrottled: 3 }),
        r(120, { usageUs: 10_000, nrPeriods: 4, nrThrottled: 4 }),
      ],
      0,
      20,
      3,
    );
    expect(s.tMs).toEqual([20, 120]);
    expect(s.series.throttleRatio).toEqual([null, 1]);
    expect(s.series.cpuUsedCpus).toEqual([0, 0.1]);
    expect(s.series.memoryCurrentBytes).toBeUndefined();
    expect(s.series.psiCpuSome).toBeUndefined();
  });
});

describe('sampler', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function v2Tree(): { dir: string; files: Record<string, string> } {
    const dir = mkdtempSync(join(tmpdir(), 'cgbench-sampler-'));
    dirs.push(dir);
    const files: Record<string, string> = {};
    for (const [name, text] of Object.entries(fixtureTree('v2'))) {
      writeFileSync(join(dir, name), text);
      files[name] = join(dir, name);
    }
    return { dir, files };
  }

  it('keeps files open and sees new content on each read', () => {
    const { dir, files } = v2Tree();
    const reader = new StatReader({ ...files, 'memory.swap.current': join(dir, 'absent') }, 'v2');
    expect(reader.read().cpu?.nrPeriods).toBe(30);
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 5\nnr_periods 31\nnr_throttled 30\nthrottled_usec 7\n');
    // writeFileSync truncates and rewrites the same inode, as the kernel's files change in place.
    expect(reader.read().cpu?.nrPeriods).toBe(31);
    reader.close();
  });

  it('stays bounded: decimates kept readings on long runs', async () => {
    const { files } = v2Tree();
    const s = new Sampler({ statFiles: files, driver: 'v2' }, 1, 64).start();
    await new Promise((res) => setTimeout(res, 400));
    const series = s.stop();
    expect(series.taken).toBeGreaterThan(100);
    expect(series.tMs.length).toBeLessThan(64);
    expect(series.intervalMs).toBeGreaterThanOrEqual(2);
    expect(series.tick?.meanIntervalMs).toBeGreaterThan(0.5);
  });
});
