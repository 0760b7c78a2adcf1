import { describe, expect, it } from 'vitest';
import { costEvidence, countRate, evidenceSentence, explainCost } from '../../src/analysis/evidence.js';
import { cellWarnings } from '../../src/analysis/warnings.js';
import type { Cell, Counted, ProcessStatus, Run } from '../../src/model/types.js';

const OPS = 1e9;
const noPmu: Counted = { value: null, reason: 'no hardware PMU here (as in a VM without a virtual PMU): perf_event_open: ENOENT' };

interface RunFigures {
  cpuMs: number;
  wallMs?: number;
  vol?: number;
  invol?: number;
  migrations?: number;
  cycles?: number;
  instructions?: number;
  throttled?: number;
  pmu?: boolean;
}

function run(f: RunFigures, i: number): Run {
  const process: ProcessStatus = { exitCode: 0, signal: null, wallNs: (f.wallMs ?? f.cpuMs) * 1e6 };
  if (f.vol !== undefined) process.voluntaryContextSwitches = f.vol;
  if (f.invol !== undefined) process.involuntaryContextSwitches = f.invol;
  if (f.migrations !== undefined) {
    const pmu = f.pmu ?? f.cycles !== undefined;
    process.perf = {
      cpuMigrations: { value: f.migrations },
      cycles: pmu ? { value: f.cycles ?? 0 } : noPmu,
      instructions: pmu ? { value: f.instructions ?? 0 } : noPmu,
    };
  }
  const periods = Math.round((f.wallMs ?? f.cpuMs) / 100);
  return {
    index: i,
    warmup: false,
    outcome: 'ok',
    metrics: { wallNs: (f.wallMs ?? f.cpuMs) * 1e6, ops: OPS, cpuNs: f.cpuMs * 1e6 },
    process,
    before: { tNs: 0, cpu: { nrPeriods: 0, nrThrottled: 0 } },
    after: { tNs: 1, cpu: { nrPeriods: periods, nrThrottled: f.throttled ?? 0 } },
  } as unknown as Run;
}

function cell(id: string, runs: RunFigures[], extra: Partial<Cell> = {}): Cell {
  return {
    id,
    workload: 'loop',
    kind: 'cpu',
    params: { kind: 'cpu', iterations: OPS, threads: 1 },
    runtime: 'native',
    limitSet: id,
    limits: id === 'base' ? {} : { cpu: { quotaUs: 20_000, periodUs: 100_000 } },
    baselineId: id === 'base' ? null : 'base',
    runs: runs.map(run),
    summary: {} as Cell['summary'],
    ...extra,
  };
}

const three = (f: RunFigures): RunFigures[] => [f, { ...f, cpuMs: f.cpuMs * 1.01 }, { ...f, cpuMs: f.cpuMs * 0.99 }];

describe('cost evidence (a limited cell against its baseline)', () => {
  it('without a PMU: says cycles and instructions are not measurable, and rules out what the counts rule out', () => {
    const base = cell('base', three({ cpuMs: 1000, vol: 3, invol: 10, migrations: 2 }));
    // 30 % more CPU per op, preempted once per throttled period (50 periods), no more blocking or migrating.
    const limited = cell('q', three({ cpuMs: 1300, wallMs: 5000, vol: 3, invol: 50, migrations: 2, throttled: 50 }));
    const ev = costEvidence(limited, base);
    expect(ev?.per).toBe('op');
    const cpu = ev?.figures.find((f) => f.name === 'cpuPerUnit');
    expect(cpu?.ratio).toBeCloseTo(1.3, 6);
    expect(ev?.figures.find((f) => f.name === 'ipc')).toMatchObject({ cell: null, reason: noPmu.reason });
    expect(ev?.involuntaryPerThrottledPeriod).toBeCloseTo(1, 6);
    const x = explainCost(ev!);
    expect(x.changed.join()).toContain('involuntary switches 5.0x per op (1.0 per throttled period: preempted at each period end)');
    expect(x.ruledOut.join()).toContain('voluntary switches 1.00x per op: did not block more');
    expect(x.ruledOut.join()).toContain('CPU migrations 1.00x per op: not moved between CPUs more');
    // 300 ms of extra CPU over 40 extra switches: 7.5 ms each, far more than switching costs.
    expect(x.ruledOut.join()).toContain('switching alone: 7.5 ms of extra CPU per extra switch');
    expect(x.notMeasurable).toEqual(['cycles/instructions (no hardware PMU here (as in a VM without a virtual PMU))']);
    expect(x.mechanism).toBeNull();
    expect(x.short).toBe('invol. switches 5.0x, IPC n/a (no PMU)');
    expect(evidenceSentence(x)).toMatch(/no measured figure names the cause$/);
  });

  it('with a PMU: IPC unchanged rules out lost cache state; a lower clock is named', () => {
    const base = cell('base', three({ cpuMs: 1000, vol: 3, invol: 10, migrations: 2, cycles: 3e9, instructions: 6e9 }));
    // Same instructions at the same IPC, but 25 % fewer cycles per CPU second: the clock, not the caches.
    const limited = cell('q', three({ cpuMs: 1333, vol: 3, invol: 11, migrations: 2, cycles: 3e9, instructions: 6e9 }));
    const x = explainCost(costEvidence(limited, base)!);
    expect(x.ruledOut).toContain('IPC unchanged: not lost cache state');
    expect(x.ruledOut).toContain('instructions per op unchanged: no extra work');
    expect(x.ruledOut.join()).toContain('not preempted more');
    expect(x.notMeasurable).toEqual([]);
    expect(x.mechanism).toMatch(/^cycles per CPU second fell 25 % \(a slower clock/);
    expect(x.short).toBe('IPC 1.00x');
  });

  it('with a PMU: an IPC drop after more preemptions is named as lost cache state', () => {
    const base = cell('base', three({ cpuMs: 1000, invol: 10, vol: 3, migrations: 2, cycles: 3e9, instructions: 6e9 }));
    const limited = cell('q', three({ cpuMs: 1250, invol: 400, vol: 3, migrations: 2, cycles: 3.75e9, instructions: 6e9 }));
    const x = explainCost(costEvidence(limited, base)!);
    expect(x.changed.join()).toContain('involuntary switches 40x per op');
    expect(x.mechanism).toContain('IPC fell 20 % (each cycle did less work: lost cache or TLB state, stalls)');
    // 250 ms over 390 extra switches: 641 µs each, beyond the bound: the switches alone are ruled out.
    expect(x.ruledOut.join()).toContain('switching alone');
    expect(x.ruledOut).toContain('cycles per CPU second unchanged: not a slower clock');
  });

  it('names the switches when their count covers the extra CPU', () => {
    const base = cell('base', three({ cpuMs: 1000, vol: 3, invol: 10, migrations: 2 }));
    const limited = cell('q', three({ cpuMs: 1100, vol: 3, invol: 2010, migrations: 2 }));
    const x = explainCost(costEvidence(limited, base)!);
    expect(x.mechanism).toBe('the extra switches: 50 µs of CPU each (a switch and the cold caches after it)');
  });

  it('says a rare count per billion ops, and a count that stayed at 0 as none in either', () => {
    // 10^9 ops a run: one migration a run is 1.0 per billion ops (not 1.0e-9 per op); voluntary switches 0 in both.
    const base = cell('base', three({ cpuMs: 1000, vol: 0, invol: 10, migrations: 0 }));
    const limited = cell('q', three({ cpuMs: 1000, vol: 0, invol: 10, migrations: 1 }));
    const x = explainCost(costEvidence(limited, base)!);
    expect(x.ruledOut).toContain('voluntary switches none in either: did not block more');
    expect(x.changed).toContain('CPU migrations from 0 to 1.0 per billion ops');
    expect(x.short).toContain('migrations from 0 to 1.0 per billion ops');
    expect(countRate(0.25, 'op')).toBe('0.25 per op');
    expect(countRate(0.004, 'op')).toBe('4.0 per thousand ops');
    expect(countRate(4.7e-10, 'op')).toBe('0.47 per billion ops');
    expect(countRate(3, 'run')).toBe('3.0 per run');
  });

  it("names the machine's own speed when unlimited runs of the same work cost as much at times, and rules it out when they never did", () => {
    // As on a VM whose host slowed it for ~10 s at a time: one unlimited run in four took 1.78x its median CPU.
    const base = cell(
      'base',
      [640, 644, 1148, 643].map((cpuMs) => ({ cpuMs, invol: 10 })),
    );
    const limited = cell(
      'q',
      [1094, 1002, 1158].map((cpuMs) => ({ cpuMs, wallMs: cpuMs * 10, invol: 10 })),
    );
    const ev = costEvidence(limited, base)!;
    expect(ev.baselineCpuMaxRatio).toBeCloseTo(1148 / 643.5, 6);
    const x = explainCost(ev);
    expect(x.hostSpeed).toBe(true);
    expect(x.mechanism).toBe(
      "the machine's own speed (with no limit the same work cost up to 1.78x its median CPU per op in this suite, against 1.70x here)",
    );
    expect(x.short).toBe('unlimited up to 1.78x, IPC n/a');
    const steady = cell(
      'base',
      [640, 644, 648, 643].map((cpuMs) => ({ cpuMs, invol: 10 })),
    );
    const y = explainCost(costEvidence(limited, steady)!);
    expect(y.hostSpeed).toBe(false);
    expect(y.mechanism).toBeNull();
    expect(y.ruledOut).toContain("the machine's speed alone: with no limit the same work cost at most 1.01x its median CPU per op");
  });

  it('from runs without the counters (older launchers): no counter figures, nothing named; only the CPU time rules anything out', () => {
    const base = cell('base', three({ cpuMs: 1000 }));
    const limited = cell('q', three({ cpuMs: 1300 }));
    const ev = costEvidence(limited, base)!;
    expect(ev.figures.find((f) => f.name === 'cpuPerUnit')?.ratio).toBeCloseTo(1.3, 6);
    expect(ev.figures.filter((f) => f.name !== 'cpuPerUnit').every((f) => f.cell === null && f.reason === undefined)).toBe(true);
    const x = explainCost(ev);
    expect(x.changed).toEqual([]);
    // CPU time is always measured: the unlimited runs' own spread (1 %) cannot account for 30 %.
    expect(x.ruledOut).toEqual(["the machine's speed alone: with no limit the same work cost at most 1.01x its median CPU per op"]);
    expect(x.mechanism).toBeNull();
    expect(x.notMeasurable).toEqual(['cycles/instructions']);
    expect(costEvidence(base, undefined)).toBeNull();
  });
});

describe('limit-harsher-than-model from the evidence', () => {
  const base = cell('base', three({ cpuMs: 1000, vol: 3, invol: 10, migrations: 2 }));
  const limited = cell('q', three({ cpuMs: 1300, wallMs: 6500, vol: 3, invol: 50, migrations: 2, throttled: 50 }));
  const summary = (c: Cell, evidence: boolean): Cell => ({
    ...c,
    summary: {
      measuredRuns: 3,
      outcomes: { ok: 3 },
      medianWallNs: 6.5e9,
      slowdown: 6.5,
      expectedSlowdown: 5,
      cpuGranted: 0.2,
      cpuQuota: 0.2,
      cpuEnforcement: 1,
      throttleRatio: 1,
      cpuCostRatio: 1.3,
      throttledMsPerSec: 800,
      peakMemoryBytes: null,
      oomKills: 0,
      majorFaults: 0,
      ioBytesPerSec: null,
      ioLimitBytesPerSec: null,
      ioEnforcement: null,
      medianStartupNs: null,
      ...(evidence ? { costEvidence: costEvidence(c, base)! } : {}),
    },
  });
  const harsher = (c: Cell): ReturnType<typeof cellWarnings>[number] | undefined =>
    cellWarnings(c, { cgroupMode: 'v1', driver: 'v1' }).find((w) => w.code === 'limit-harsher-than-model');

  it('never guesses a mechanism: says what rose, what is ruled out and what is not measurable', () => {
    const w = harsher(summary(limited, true));
    expect(w?.message).not.toMatch(/evicts/);
    expect(w?.message).toContain('the same work took 1.30x the CPU time');
    expect(w?.message).toContain('preempted at each period end');
    expect(w?.message).toContain('not measurable here: cycles/instructions (no hardware PMU here');
    expect(w?.detail).toBe('6.50x vs 5.00x, CPU per op 1.30x, invol. switches 5.0x, IPC n/a (no PMU)');
    expect(w?.hint).toMatch(/^no measured figure names the cause/);
  });

  it("a rise the unlimited runs also reached is told as the machine's speed, not the limit", () => {
    const noisyBase = cell(
      'base',
      [1000, 1000, 1400, 1000].map((cpuMs) => ({ cpuMs, invol: 10 })),
    );
    const c = summary(limited, false);
    const w = harsher({ ...c, summary: { ...c.summary, costEvidence: costEvidence(limited, noisyBase)! } });
    expect(w?.detail).toBe('6.50x vs 5.00x, CPU per op 1.30x, invol. switches 5.0x, unlimited up to 1.40x, IPC n/a (no PMU)');
    expect(w?.hint).toMatch(/^measured cause: the machine's own speed \(with no limit the same work cost up to 1\.40x/);
    expect(w?.hint).toContain('not the limit: rerun when the host is quiet, or with more blocks');
  });

  it('without evidence in the document still states only the measured cost', () => {
    const w = harsher(summary(limited, false));
    expect(w?.message).toMatch(
      /the same work took 1\.30x the CPU time under the limit \(the quota itself was enforced: 100 % of it granted\)$/,
    );
    expect(w?.detail).toBe('6.50x vs 5.00x, CPU per op 1.30x');
    expect(w?.hint).toBe("no measured figure names the cause (see each cell's evidence in results.json)");
  });
});
