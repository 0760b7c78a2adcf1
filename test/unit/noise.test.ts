import { describe, expect, it } from 'vitest';
import { hostCalibration, workloadNoise } from '../../src/analysis/noise.js';
import { summarizeCell } from '../../src/analysis/summary.js';
import { documentWarnings } from '../../src/analysis/warnings.js';
import type { CalibrationRound, Cell, Run } from '../../src/model/types.js';
import { hostNoiseText } from '../../src/reporters/format.js';

/** A cpu cell whose measured runs took these wall times (ms), one per block. */
function cell(id: string, walls: number[], baselineId: string | null): Cell {
  const runs = walls.map(
    (ms, i) =>
      ({
        index: i,
        warmup: false,
        outcome: 'ok',
        block: i,
        metrics: { wallNs: ms * 1e6, ops: 1e9, cpuNs: ms * 1e6 },
      }) as unknown as Run,
  );
  return {
    id,
    workload: 'loop',
    kind: 'cpu',
    params: { kind: 'cpu', iterations: 1e9, threads: 1 },
    runtime: 'native',
    limitSet: id,
    limits: baselineId ? { cpu: { quotaUs: 50_000, periodUs: 100_000 } } : {},
    baselineId,
    runs,
    summary: {} as Cell['summary'],
  };
}

function summarized(cells: Cell[]): Cell[] {
  const byId = new Map(cells.map((c) => [c.id, c]));
  for (const c of cells) c.summary = summarizeCell(c, c.baselineId ? byId.get(c.baselineId) : undefined, { hostCpus: 2 });
  return cells;
}

const round = (at: CalibrationRound['at'], walls: number[]): CalibrationRound => ({
  at,
  startedAt: '2026-12-06T00:00:00Z',
  wallNs: walls.map((w) => w * 1e6),
  cpuNs: walls.map(() => 30e6),
});

describe('noise told once', () => {
  // Runs that spread ±10 % (MAD) in every cell; the limited cells' medians are 2x and 10x the baseline's.
  const base = [1000, 1200, 900, 1100];
  const cells = (): Cell[] =>
    summarized([
      cell('base', base, null),
      cell('half', [2000, 2460, 1780, 2200], 'base'),
      cell('tenth', [10000, 12000, 9000, 11000], 'base'),
    ]);

  it('one line per workload: its cells spread, the widest interval, the blocks a target needs', () => {
    const [n] = workloadNoise(cells(), 0.05);
    expect(n?.workload).toBe('loop');
    expect(n?.cells).toBe(3);
    expect(n?.noisyCells).toEqual(['base', 'half', 'tenth']);
    expect(n?.blocks).toBe(true);
    expect(n?.had).toBe(4);
    // The widest: 'half', whose log run times spread (sd) 0.1377 against the baseline's 0.1238, 0.1852 together;
    // t(n-1) 0.1852 / sqrt(n) <= log 1.05 = 0.0488 first at n = 58 (t(57) 2.0025: 0.0487; n = 57: 0.0491).
    expect(n?.needed).toBe(58);
    const warnings = documentWarnings(cells(), { cgroupMode: 'v1', driver: 'v1', target: 0.05 });
    const noisy = warnings.filter((w) => w.code === 'noisy');
    expect(noisy).toHaveLength(1);
    expect(noisy[0]?.cellId).toBeUndefined();
    expect(noisy[0]?.message).toMatch(
      /^noisy: loop's runs spread ± 9\.5 %–10\.0 % \(MAD\) in 3 of 3 cells; its widest slowdown interval ± 31\.3 %; /,
    );
    // 'half': 2.00x, from 1780 / 1200 to 2460 / 900 (4 + 4 runs: the extreme ratios), ±31.25 %.
    expect(noisy[0]?.message).toContain('± 5.0 % on every slowdown needs about 58 blocks (it had 4)');
  });

  it('on a VM that reports free pages, a noisy memory workload says so; a cpu workload does not', () => {
    const ctx = { cgroupMode: 'v1', driver: 'v1', freePageReporting: { order: 9 } } as const;
    const noisy = (cs: Cell[]): string | undefined => documentWarnings(cs, ctx).find((w) => w.code === 'noisy')?.message;
    expect(noisy(cells())).not.toMatch(/free page reporting/);
    const memory = cells().map((c) => ({ ...c, kind: 'memory' as const }));
    expect(noisy(memory)).toMatch(
      /; this VM hands freed memory back to its hypervisor \(free page reporting, blocks of 2\^9 pages\) .* \(cgbench doctor says how to switch it off for a rerun\)$/,
    );
  });

  it('tells a noisy host from a noisy workload by the calibration loop', () => {
    const quiet = hostCalibration('cgbench-cpu --iterations 100000000 --threads 1', [
      round('start', [100, 101, 99]),
      round('end', [100, 100, 102]),
    ]);
    expect(quiet.wallSpread).toBeCloseTo(0.005, 6);
    expect(quiet.drift).toBeCloseTo(100 / 100, 6);
    const loud = hostCalibration('loop', [round('start', [100, 130, 80]), round('end', [120, 90, 140])]);
    expect(loud.wallSpread).toBeGreaterThan(0.1);
    const say = (c: typeof quiet): string[] =>
      documentWarnings(cells(), { cgroupMode: 'v1', driver: 'v1', calibration: c }).flatMap((w) =>
        w.code === 'noisy' || w.code === 'noisy-host' ? [w.message] : [],
      );
    expect(say(quiet)).toHaveLength(1);
    expect(say(quiet)[0]).toContain("the host's own loop spread only ± 0.5 %: the workload itself varies");
    const loudSays = say(loud);
    expect(loudSays[0]).toMatch(
      /^this host is noisy: the same fixed CPU loop spread ± \d+\.\d % in wall time \(± 0\.0 % in CPU time\) over 6 runs$/,
    );
    expect(loudSays[1]).toContain(": the host's noise, not the workload's");
    expect(hostNoiseText({ calibration: quiet })).toBe(
      "a fixed CPU loop spread ± 0.5 % in wall time (± 0.0 % in CPU time) over 6 runs at the suite's start and end; its time at the end over the start 1.00x",
    );
  });

  it('reads an interleaved slowdown as the ratio of the medians, so runs in a slow spell move neither cell', () => {
    // Twelve blocks of a loop and its tenth-of-a-CPU cell; two runs of each fell in a slow spell (1.7x), never both
    // runs of one block: paired, four of the twelve blocks would be out of line.
    const base = [600, 606, 594, 1020, 603, 597, 612, 588, 1030, 601, 599, 609];
    const tenth = [6010, 5990, 6050, 6000, 5950, 10200, 6030, 5970, 6005, 5995, 10300, 6020];
    const [, t] = summarized([cell('base', base, null), cell('tenth', tenth, 'base')]);
    // Medians 6007.5 and 602 ms.
    expect(t?.summary.slowdown).toBeCloseTo(6007.5 / 602, 9);
    // 12 + 12 runs: the 38th smallest and largest of the 144 run-to-run ratios (Mann-Whitney, exact).
    expect(t?.summary.slowdownRange?.[0]).toBeCloseTo(5950 / 603, 9);
    expect(t?.summary.slowdownRange?.[1]).toBeCloseTo(6030 / 597, 9);
    expect(t?.summary.slowdownPairs).toBe(12);
  });

  it('says nothing of a quiet workload, and sequential runs need runs per cell', () => {
    const quiet = summarized([cell('base', [1000, 1001, 999], null), cell('half', [2000, 2002, 1998], 'base')]);
    expect(documentWarnings(quiet, { cgroupMode: 'v1', driver: 'v1' }).filter((w) => w.code === 'noisy')).toEqual([]);
    const seq = summarized([cell('base', [1000, 1200, 900, 1100], null), cell('half', [2300, 1800, 2100, 2000], 'base')]);
    for (const c of seq) for (const r of c.runs) delete r.block;
    for (const c of summarized(seq)) expect(c.summary.slowdownPairs).toBeUndefined();
    const [n] = workloadNoise(seq, 0.05);
    expect(n?.blocks).toBe(false);
    expect(n?.needed).toBeGreaterThan(4);
  });
});
