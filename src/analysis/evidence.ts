// The run-level evidence for why the same work cost more CPU under a limit: a cell's per-run counters (context
// switches, CPU migrations, cycles and instructions) per unit of work against its baseline's, and what they
// support or rule out. A mechanism is named only when a measured figure supports it. Pure.

import { runDelta } from '../model/metrics.js';
import type { Cell, CostEvidence, Counted, EvidenceFigure, EvidenceName } from '../model/types.js';
import { costOf, ownCpuNs } from './contention.js';
import { measuredRuns, medianOf, type OkRun } from './runs.js';

/** A count per unit of work (switches, migrations) above this many times its baseline's has risen; at or
 *  below it, unchanged (counts of a few dozen swing by a fifth between runs on a busy host). */
export const COUNT_ROSE = 1.25;
/** IPC, clock or instructions per op within this share of the baseline's: unchanged. */
export const RATE_UNCHANGED = 0.05;
/**
 * The most CPU one context switch or migration can cost, ns: the switch itself (a few µs) and refilling the
 * caches it left cold (a 2 MiB private cache at a few GB/s is well under 1 ms; 0.1 ms is generous for a
 * small working set). Extra CPU beyond this per extra switch is more than switching can explain.
 */
export const SWITCH_COST_NS = 100_000;

const counted = (c: Counted | undefined): number | undefined => (c && c.value !== null ? c.value : undefined);
const reasonOf = (c: Counted | undefined): string | undefined => (c && c.value === null ? c.reason : undefined);

/** Per-run figures, each per unit of work where it is a count. */
function perRun(r: OkRun, perOp: boolean): Record<EvidenceName, number | undefined> {
  const unit = perOp ? (r.metrics.ops as number) : 1;
  const per = (v: number | undefined): number | undefined => (v === undefined || !(unit > 0) ? undefined : v / unit);
  const p = r.process;
  const cycles = counted(p?.perf?.cycles);
  const instructions = counted(p?.perf?.instructions);
  const cpu = ownCpuNs(r);
  return {
    cpuPerUnit: costOf(r, perOp) ?? undefined,
    voluntarySwitches: per(p?.voluntaryContextSwitches),
    involuntarySwitches: per(p?.involuntaryContextSwitches),
    cpuMigrations: per(counted(p?.perf?.cpuMigrations)),
    cycles: per(cycles),
    instructions: per(instructions),
    ipc: cycles && instructions !== undefined ? instructions / cycles : undefined,
    clockGhz: cycles !== undefined && cpu ? cycles / cpu : undefined,
  };
}

const NAMES: EvidenceName[] = [
  'cpuPerUnit',
  'voluntarySwitches',
  'involuntarySwitches',
  'cpuMigrations',
  'cycles',
  'instructions',
  'ipc',
  'clockGhz',
];

/** Why a figure has no value in any run (the launcher's reason), if it says one. */
function missingReason(runs: OkRun[], name: EvidenceName): string | undefined {
  const pick = (r: OkRun): Counted | undefined =>
    name === 'cpuMigrations'
      ? r.process?.perf?.cpuMigrations
      : name === 'instructions'
        ? r.process?.perf?.instructions
        : r.process?.perf?.cycles;
  if (!['cpuMigrations', 'cycles', 'instructions', 'ipc', 'clockGhz'].includes(name)) return undefined;
  return runs.map((r) => reasonOf(pick(r))).find((x) => x !== undefined);
}

/**
 * The cell's evidence against its baseline's: medians over the measured runs, counts per op where both cells
 * count ops (else per run: the same work each run). Null without a baseline or without measured runs in both.
 */
export function costEvidence(cell: Cell, baseline: Cell | undefined): CostEvidence | null {
  if (!baseline || baseline.id === cell.id) return null;
  const mine = measuredRuns(cell);
  const base = measuredRuns(baseline);
  if (!mine.length || !base.length) return null;
  const countsOps = (runs: OkRun[]): boolean => runs.every((r) => typeof r.metrics.ops === 'number' && r.metrics.ops > 0);
  const perOp = countsOps(mine) && countsOps(base);
  const a = mine.map((r) => perRun(r, perOp));
  const b = base.map((r) => perRun(r, perOp));
  const figures: EvidenceFigure[] = NAMES.map((name) => {
    const cellValue = medianOf(a.map((f) => f[name]));
    const baseValue = medianOf(b.map((f) => f[name]));
    const fig: EvidenceFigure = { name, cell: cellValue, baseline: baseValue };
    if (cellValue !== null && baseValue !== null && baseValue > 0) fig.ratio = cellValue / baseValue;
    const why = cellValue === null || baseValue === null ? (missingReason(mine, name) ?? missingReason(base, name)) : undefined;
    if (why !== undefined) fig.reason = why;
    return fig;
  });
  const ev: CostEvidence = { per: perOp ? 'op' : 'run', figures };
  const perPeriod = medianOf(
    mine.map((r) => {
      const throttled = runDelta(r, (x) => x.cpu?.nrThrottled);
      const inv = r.process?.involuntaryContextSwitches;
      return throttled && inv !== undefined ? inv / throttled : undefined;
    }),
  );
  if (perPeriod !== null) ev.involuntaryPerThrottledPeriod = perPeriod;
  const baseCpu = b.flatMap((f) => (f.cpuPerUnit === undefined ? [] : [f.cpuPerUnit]));
  const baseMedian = medianOf(baseCpu);
  if (baseMedian !== null && baseMedian > 0) ev.baselineCpuMaxRatio = Math.max(...baseCpu) / baseMedian;
  return ev;
}

/** What the evidence says, in words a warning carries. */
export interface CostExplanation {
  /** Figures that changed ("involuntary switches 40x per op", "IPC fell 12 %"), each with what it means. */
  changed: string[];
  /** What a measured figure rules out ("IPC unchanged: not lost cache state"). */
  ruledOut: string[];
  /** Figures this machine cannot measure, with the reason. */
  notMeasurable: string[];
  /** The mechanism a measured figure supports; null: none does (the cause is unknown from the evidence). */
  mechanism: string | null;
  /** The machine's own speed accounts for the rise: unlimited runs of the same work cost as much at times. */
  hostSpeed: boolean;
  /** Short, for a grouped warning line: "invol. switches 40x, IPC n/a (no PMU)". */
  short: string;
}

const fig = (ev: CostEvidence, name: EvidenceName): EvidenceFigure | undefined => ev.figures.find((f) => f.name === name);
const times = (r: number): string => (r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(r >= 2 ? 1 : 2)}x`);
const pctOf = (r: number): string => `${(Math.abs(r - 1) * 100).toFixed(0)} %`;
const ms = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(0)} µs`);

const SCALES = [
  [1e3, 'thousand'],
  [1e6, 'million'],
  [1e9, 'billion'],
  [1e12, 'trillion'],
] as const;

/** A count per unit of work (`per`, as the evidence counts it) in words: a rare event per op reads per thousand,
 *  million, billion... ops ("0.47 per billion ops", not "4.7e-10 per op"). */
export function countRate(value: number, per: CostEvidence['per']): string {
  if (per !== 'op' || !(value > 0) || value >= 0.1) return `${value.toPrecision(2)} per ${per}`;
  const [scale, word] = SCALES.find(([k]) => value * k >= 0.1) ?? SCALES[SCALES.length - 1]!;
  return `${(value * scale).toPrecision(2)} per ${word} ops`;
}

/** The extra CPU per extra switch or migration (per unit of work), ns; null when the counts did not rise. */
function cpuPerExtraSwitch(ev: CostEvidence): number | null {
  const cpu = fig(ev, 'cpuPerUnit');
  if (cpu?.cell == null || cpu.baseline == null || cpu.cell <= cpu.baseline * (1 + RATE_UNCHANGED)) return null;
  let extra = 0;
  for (const name of ['voluntarySwitches', 'involuntarySwitches', 'cpuMigrations'] as const) {
    const f = fig(ev, name);
    if (f?.cell != null && f.baseline != null) extra += Math.max(0, f.cell - f.baseline);
  }
  return extra > 0 ? (cpu.cell - cpu.baseline) / extra : null;
}

/** Reads the evidence: what changed, what it rules out, what cannot be measured here, and the mechanism if any. */
export function explainCost(ev: CostEvidence): CostExplanation {
  const changed: string[] = [];
  const ruledOut: string[] = [];
  const notMeasurable: string[] = [];
  const short: string[] = [];
  const mechanisms: string[] = [];
  const unit = ev.per === 'op' ? 'per op' : 'per run';

  const counts: [EvidenceName, string, string, string][] = [
    ['involuntarySwitches', 'involuntary switches', 'invol. switches', 'not preempted more'],
    ['voluntarySwitches', 'voluntary switches', 'vol. switches', 'did not block more'],
    ['cpuMigrations', 'CPU migrations', 'migrations', 'not moved between CPUs more'],
  ];
  let switchesRose = false;
  for (const [name, label, brief, notMore] of counts) {
    const f = fig(ev, name);
    if (f?.cell == null || f.baseline == null) {
      if (f?.reason) notMeasurable.push(`${label} (${reasonText(f.reason)})`);
      continue;
    }
    const risen = f.baseline > 0 ? f.cell / f.baseline > COUNT_ROSE : f.cell > 0;
    const ratio = f.ratio !== undefined ? times(f.ratio) : f.cell > 0 ? `from 0 to ${countRate(f.cell, ev.per)}` : 'none in either';
    const text = f.ratio !== undefined ? `${label} ${ratio} ${unit}` : `${label} ${ratio}`;
    if (!risen) {
      ruledOut.push(`${text}: ${notMore}`);
      continue;
    }
    switchesRose = true;
    let what = text;
    const perPeriod = ev.involuntaryPerThrottledPeriod;
    if (name === 'involuntarySwitches' && perPeriod !== undefined && perPeriod >= 0.5 && perPeriod <= 2) {
      what += ` (${perPeriod.toFixed(1)} per throttled period: preempted at each period end)`;
    }
    changed.push(what);
    short.push(`${brief} ${ratio}`);
  }
  const perSwitch = cpuPerExtraSwitch(ev);
  if (switchesRose && perSwitch !== null) {
    if (perSwitch > SWITCH_COST_NS) {
      ruledOut.push(
        `switching alone: ${ms(perSwitch)} of extra CPU per extra switch, ` +
          `more than a switch and a cache refill cost (~${ms(SWITCH_COST_NS)})`,
      );
    } else {
      mechanisms.push(`the extra switches: ${ms(perSwitch)} of CPU each (a switch and the cold caches after it)`);
    }
  }

  // The same work's cost with no limit, run to run in this suite: a rise the unlimited runs also reached is the
  // machine's speed moving (another tenant, the host's clock), which no limit caused.
  const cpu = fig(ev, 'cpuPerUnit');
  const own = ev.baselineCpuMaxRatio;
  let hostSpeed = false;
  if (cpu?.ratio !== undefined && cpu.ratio > 1 + RATE_UNCHANGED && own !== undefined) {
    if (own >= cpu.ratio * (1 - RATE_UNCHANGED)) {
      hostSpeed = true;
      mechanisms.push(
        `the machine's own speed (with no limit the same work cost up to ${times(own)} its median CPU ${unit} in this suite, ` +
          `against ${times(cpu.ratio)} here)`,
      );
      short.push(`unlimited up to ${times(own)}`);
    } else {
      ruledOut.push(`the machine's speed alone: with no limit the same work cost at most ${times(own)} its median CPU ${unit}`);
    }
  }

  const ipc = fig(ev, 'ipc');
  const clock = fig(ev, 'clockGhz');
  const instructions = fig(ev, 'instructions');
  if (ipc?.ratio === undefined && clock?.ratio === undefined && instructions?.ratio === undefined) {
    const why = ipc?.reason ?? fig(ev, 'cycles')?.reason ?? instructions?.reason;
    notMeasurable.push(`cycles/instructions${why ? ` (${reasonText(why)})` : ''}`);
    short.push(`IPC n/a${why ? ` (${shortReason(why)})` : ''}`);
  } else {
    // Each rate moves one way when it costs CPU: IPC and the clock down, instructions per unit of work up.
    const change = (f: EvidenceFigure | undefined, costly: 'lower' | 'higher', lower: string, higher: string, same: string): void => {
      if (f?.ratio === undefined) return;
      if (Math.abs(f.ratio - 1) <= RATE_UNCHANGED) return void ruledOut.push(same);
      const down = f.ratio < 1;
      const what = (down ? lower : higher).replace('%', pctOf(f.ratio));
      changed.push(what);
      if (down === (costly === 'lower')) mechanisms.push(what);
    };
    change(
      ipc,
      'lower',
      'IPC fell % (each cycle did less work: lost cache or TLB state, stalls)',
      'IPC rose %',
      'IPC unchanged: not lost cache state',
    );
    change(
      clock,
      'lower',
      'cycles per CPU second fell % (a slower clock, or CPU time in which the workload ran no cycles)',
      'cycles per CPU second rose %',
      'cycles per CPU second unchanged: not a slower clock',
    );
    change(
      instructions,
      'higher',
      `instructions ${unit} fell %`,
      `instructions ${unit} rose % (more work: spinning, retries)`,
      `instructions ${unit} unchanged: no extra work`,
    );
    if (ipc?.ratio !== undefined) short.push(`IPC ${times(ipc.ratio)}`);
  }
  const mechanism = mechanisms.length ? mechanisms.join('; ') : null;
  return { changed, ruledOut, notMeasurable, mechanism, hostSpeed, short: short.join(', ') };
}

/** "no PMU" from a launcher's longer reason, for a grouped line. */
function shortReason(why: string): string {
  return /pmu/i.test(why) ? 'no PMU' : (why.split(/[:;(]/)[0]?.trim().slice(0, 30) ?? why);
}

/** A launcher's reason without the system call's own words: "no hardware PMU here (as in a VM ...)". */
function reasonText(why: string): string {
  return why.split(': ')[0] ?? why;
}

/** One sentence of the evidence: "evidence: ...; ruled out: ...; not measurable here: ...". */
export function evidenceSentence(x: CostExplanation): string {
  const parts: string[] = [];
  if (x.changed.length) parts.push(`measured: ${x.changed.join(', ')}`);
  if (x.ruledOut.length) parts.push(`ruled out: ${x.ruledOut.join('; ')}`);
  if (x.notMeasurable.length) parts.push(`not measurable here: ${x.notMeasurable.join(', ')}`);
  parts.push(x.mechanism ? `supported cause: ${x.mechanism}` : 'no measured figure names the cause');
  return parts.join('; ');
}
