// Typed warnings about a result document's cells: failed runs, noisy measurements, too few runs for an
// interval, limits that did not bite or bit harder than the model. Pure; the reporters group and render them.

import { SAMPLING_CPU_BUDGET } from '../model/defaults.js';
import { cpuQuotaCpus } from '../model/limits.js';
import { runDelta } from '../model/metrics.js';
import { measuredRuns, medianOf } from './runs.js';
import { slowdownMeans } from '../model/params.js';
import type { Cell, CgroupMode, HostCalibration, ResultDocument, SuiteConcurrency, Warning } from '../model/types.js';
import { DEFAULT_TARGET, NOISY_MAD, workloadNoise } from './noise.js';
import { carryOvers } from './carryover.js';
import { formatPValue } from '../model/units.js';
import { allocatesInBulk, reportingIs, reportingOff } from '../model/page-reporting.js';
import { expectedOutcomes } from './expected.js';
import { phaseWarnings } from './phase-verdict.js';
import { evidenceSentence, explainCost } from './evidence.js';

/** A write throttle that slows a buffered (command) workload by less than this had no effect on v1. */
const BUFFERED_NO_EFFECT_SLOWDOWN = 1.2;
/** Only models that predict at least this slowdown are checked against the observed one. */
const CHECKED_MODEL_SLOWDOWN = 1.5;
/** "Did not bite": less than this share of the predicted extra time was observed. */
const NO_EFFECT_SHARE = 0.5;
/** "Harsher than the model": the observed slowdown exceeds the predicted one by more than this factor. */
const HARSHER_FACTOR = 1.2;
/** The same work costing this much more CPU time under the limit explains a harsher slowdown. */
const COSTLY_CPU_RATIO = 1.1;
/** An IO rate this far outside the throttle model's range (relative) is flagged. */
const IO_MODEL_SLACK = { above: 1.1, below: 0.8 };

export interface WarningContext {
  cgroupMode: CgroupMode;
  driver: 'v1' | 'v2';
  /** The other suites that measured this host meanwhile (absent: a suite that measures no host of its own). */
  concurrency?: SuiteConcurrency;
  /** The interval the noise lines aim at (the scenario's adaptive target; default ±5 %). */
  target?: number;
  /** The host's own noise, when the suite measured it. */
  calibration?: HostCalibration;
  /** The host VM hands free memory back to its hypervisor (host.freePageReporting). */
  freePageReporting?: { order: number };
}

/** The context a document's warnings are judged in. */
export function warningContext(doc: ResultDocument): WarningContext {
  const { mode: cgroupMode, driver } = doc.host.cgroup;
  return {
    cgroupMode,
    driver,
    ...(doc.concurrency ? { concurrency: doc.concurrency } : {}),
    ...(doc.scenario.adaptive ? { target: doc.scenario.adaptive.targetRel } : {}),
    ...(doc.calibration ? { calibration: doc.calibration } : {}),
    ...(doc.host.freePageReporting ? { freePageReporting: doc.host.freePageReporting } : {}),
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

const x2 = (v: number): string => `${v.toFixed(2)}x`;
const mbps = (v: number): string => `${(v / 1e6).toFixed(1)} MB/s`;

function outcomeWarnings(cell: Cell): Warning[] {
  const out: Warning[] = [];
  const s = cell.summary;
  const expect = cell.expect ?? expectedOutcomes(cell);
  const failing = cell.runs.filter((r) => r.outcome !== 'ok' && r.outcome !== 'interrupted' && !expect.includes(r.outcome));
  const unexpected = s.unexpectedRuns ?? failing.length;
  if (unexpected > 0) {
    const last = failing.at(-1);
    const kinds = [...new Set(failing.map((r) => r.outcome))].join(' or ');
    const why = last && 'message' in last ? last.message : '';
    const ended = kinds === 'timeout' ? 'timed out' : `ended ${kinds}`;
    out.push({
      code: 'runs-failed',
      cellId: cell.id,
      message: `${unexpected} of ${cell.runs.length} run(s) of ${cell.id} ${ended}${why ? `: ${why}` : ''}`,
      detail: `${unexpected}/${cell.runs.length} ${kinds}${why ? `: ${why.slice(0, 80)}` : ''}`,
      hint:
        'see the runs in results.json (stderrTail) and `cgbench doctor`; ' +
        'a limit set measuring it on purpose says expect: timeout, failed or oom-killed',
    });
  }
  const okRuns = s.outcomes.ok ?? 0;
  if (!expect.includes('ok') && okRuns > 0) {
    out.push({
      code: 'limit-no-effect',
      cellId: cell.id,
      message: `${cell.id}: ${okRuns} run(s) ended ok where ${expect.join(' or ')} was expected`,
      detail: `${okRuns} ok, ${expect.join('/')} expected`,
      hint: 'swap may have absorbed the working set (memory: {max, swap: 0}); if either is fine, say expect: [ok, oom-killed]',
    });
  }
  return out;
}

function fewRunsWarnings(cell: Cell): Warning[] {
  const s = cell.summary;
  const out: Warning[] = [];
  if (slowdownMeans(cell) && s.slowdown !== null && !s.slowdownRange && s.slowdownRunsNeeded !== undefined) {
    out.push({
      code: 'too-few-runs',
      cellId: cell.id,
      message:
        `${cell.id}: too few runs for a 95 % interval of the slowdown ` +
        `(${s.measuredRuns} here; ${s.slowdownRunsNeeded} needed against its baseline's)`,
      detail: `${s.measuredRuns} runs, ${s.slowdownRunsNeeded} needed`,
      hint: 'a distribution-free interval needs e.g. 4 runs in each cell (--repetitions 4) or 5 against a baseline of 3',
    });
  }
  return out;
}

/** Where to see the limits a cell ran without applied: the record's own hint, else the runtimes that set them. */
function notAppliedHint(cell: Cell): string {
  const missing = cell.notApplied ?? [];
  const hints = [...new Set(missing.flatMap((n) => (n.hint !== undefined ? [n.hint] : [])))];
  const can = [...new Set(missing.filter((n) => n.hint === undefined).flatMap((n) => n.runtimes))];
  if (can.length) hints.push(`compare with the ${can.join(' or ')} runtime, which sets it`);
  return hints.join('; ') || 'no runtime sets it';
}

function unsupportedWarnings(cell: Cell): Warning[] {
  const out: Warning[] = [];
  // Decided before the first run from the runtime's column of the knob table (runtimes/registry.ts).
  const missing = cell.notApplied ?? [];
  if (missing.length) {
    const what = missing.map((n) => (n.of ? `${n.of}'s ${n.reason}` : n.reason));
    out.push({
      code: 'unsupported-limit',
      cellId: cell.id,
      message: `${cell.id}: ${cell.runtime} cannot set ${what.join('; ')}; the runs went ahead without it`,
      detail: missing.map((n) => n.limit).join(', '),
      hint: notAppliedHint(cell),
    });
  }
  if (cell.params.kind === 'cpu' && cell.limits.memory?.maxBytes != null && cpuQuotaCpus(cell.limits) === null) {
    out.push({
      code: 'memory-limit-on-cpu',
      cellId: cell.id,
      message: `${cell.id}: a memory limit does nothing to a CPU loop`,
      hint: 'sweep CPU limits for cpu workloads, memory limits for memory workloads',
    });
  }
  return out;
}

/** The IO rate against the throttle model's range (the throttle up to its initial allowance). */
function ioModelWarnings(cell: Cell, ctx: WarningContext): Warning[] {
  const s = cell.summary;
  const model = s.ioExpectedBytesPerSec;
  if (!model || s.ioBytesPerSec === null) return [];
  const rate = s.ioBytesPerSec;
  const range = `${mbps(model[0])}–${mbps(model[1])}`;
  if (rate > model[1] * IO_MODEL_SLACK.above) {
    const write = cell.params.kind === 'io' && cell.params.mode === 'write';
    return [
      {
        code: 'limit-no-effect',
        cellId: cell.id,
        message: `${cell.id}: ${mbps(rate)}, above the ${range} the throttle allows`,
        detail: `${mbps(rate)} vs ${range}`,
        hint:
          write && ctx.driver === 'v1'
            ? 'cgroup v1 throttles only direct IO; buffered writes escape blkio throttling'
            : 'check that the throttle applies to the disk the scratch directory is on',
      },
    ];
  }
  if (rate < model[0] * IO_MODEL_SLACK.below) {
    return [
      {
        code: 'limit-harsher-than-model',
        cellId: cell.id,
        message: `${cell.id}: ${mbps(rate)}, below the ${range} the throttle allows`,
        detail: `${mbps(rate)} vs ${range}`,
        hint: 'the disk itself is slower than the throttle here, or another limit binds (see the unlimited row)',
      },
    ];
  }
  return [];
}

/**
 * Slower than the limit explains: whether the same work cost more CPU, and what the runs' counters say about
 * why (analysis/evidence.ts). A mechanism is named only when a measured figure supports it; otherwise the
 * warning says what the figures rule out and what this machine cannot measure.
 */
function harsherWarning(cell: Cell, slowdown: number, expected: number): Warning {
  const s = cell.summary;
  const vs = `${x2(slowdown)} vs ${x2(expected)}`;
  const beyond = `${cell.id}: slowdown ${x2(slowdown)}`;
  const costly = s.cpuCostRatio !== undefined && s.cpuCostRatio > COSTLY_CPU_RATIO;
  const why = s.costEvidence ? explainCost(s.costEvidence) : null;
  const evidence = why ? `; ${evidenceSentence(why)}` : '';
  const brief = why?.short ? `, ${why.short}` : '';
  if (!costly) {
    const cost =
      s.cpuCostRatio !== undefined
        ? `; CPU per op ${s.cpuCostRatio.toFixed(2)}x: the work did not cost more, the time went to waiting`
        : '';
    return {
      code: 'limit-harsher-than-model',
      cellId: cell.id,
      message: `${beyond}, well beyond the ${x2(expected)} the limit explains${cost}`,
      detail: vs,
      hint: 'look for contention or a second limit (throttle ratio, major faults, PSI)',
    };
  }
  const enforced =
    s.cpuEnforcement !== null ? ` (the quota itself was enforced: ${(s.cpuEnforcement * 100).toFixed(0)} % of it granted)` : '';
  return {
    code: 'limit-harsher-than-model',
    cellId: cell.id,
    message:
      `${beyond} beyond the ${x2(expected)} of the quota: the same work took ${s.cpuCostRatio?.toFixed(2)}x ` +
      `the CPU time under the limit${enforced}${evidence}`,
    detail: `${vs}, CPU per op ${s.cpuCostRatio?.toFixed(2)}x${brief}`,
    hint: why?.hostSpeed
      ? `measured cause: ${why.mechanism} — not the limit: rerun when the host is quiet, or with more blocks`
      : why?.mechanism
        ? `measured cause: ${why.mechanism}; longer periods (cpu.cfs_period_us) mean fewer throttled periods`
        : why && why.notMeasurable.some((m) => m.startsWith('cycles'))
          ? "no measured figure names the cause (see each cell's evidence in results.json); cycles and instructions, " +
            'on a machine with a hardware PMU, would tell a slower clock from lost instructions per cycle'
          : "no measured figure names the cause (see each cell's evidence in results.json)",
  };
}

/** The observed slowdown against the model's, for the kinds whose slowdown means something. */
function slowdownModelWarnings(cell: Cell, ctx: WarningContext): Warning[] {
  const s = cell.summary;
  const out: Warning[] = [];
  if (!slowdownMeans(cell) || s.slowdown === null) return out;
  const writeLimited = (cell.limits.io ?? []).some((l) => l.wbps !== undefined || l.wiops !== undefined);
  if (ctx.driver === 'v1' && writeLimited && cell.params.kind === 'command' && s.slowdown < BUFFERED_NO_EFFECT_SLOWDOWN) {
    out.push({
      code: 'buffered-io-v1',
      cellId: cell.id,
      message:
        `${cell.id}: a write throttle made no difference (slowdown ${x2(s.slowdown)}); on cgroup v1 blkio throttles only ` +
        'direct IO, buffered writes reach the disk later through writeback outside the group',
      detail: `slowdown ${x2(s.slowdown)}`,
      hint: 'use O_DIRECT or fsync in the workload, or run on cgroup v2 where writeback is attributed to the group',
    });
  }
  if (s.expectedSlowdown === null || s.expectedSlowdown < CHECKED_MODEL_SLOWDOWN) return out;
  const vs = `${x2(s.slowdown)} vs ${x2(s.expectedSlowdown)}`;
  if (s.slowdown < 1 + (s.expectedSlowdown - 1) * NO_EFFECT_SHARE) {
    out.push({
      code: 'limit-no-effect',
      cellId: cell.id,
      message: `${cell.id}: slowdown ${x2(s.slowdown)} where the limit should cause ${x2(s.expectedSlowdown)}`,
      detail: vs,
      hint: 'check that the limit applies to the device/resource the workload uses',
    });
  } else if (s.slowdown > s.expectedSlowdown * HARSHER_FACTOR) {
    out.push(harsherWarning(cell, s.slowdown, s.expectedSlowdown));
  }
  return out;
}

/** In container mode the launcher samples from inside the group, so its CPU counts against the limit. */
function samplerOverhead(cell: Cell): Warning[] {
  const inGroup = measuredRuns(cell).filter((r) => r.process?.launcherInGroup);
  if (!inGroup.length) return [];
  const shares = inGroup.map((r) => {
    const used = runDelta(r, (x) => x.cpu?.usageUs);
    return used && r.process?.launcherCpuUs !== undefined ? r.process.launcherCpuUs / used : undefined;
  });
  const share = medianOf(shares);
  if (share === null || share <= SAMPLING_CPU_BUDGET) return [];
  return [
    {
      code: 'sampler-overhead',
      cellId: cell.id,
      message: `${cell.id}: the launcher's sampling took ${pct(share)} of the container's CPU (it runs inside the container's group)`,
      hint: 'sample less often (sampleInterval) for CPU-limited containers, or use the native runtime (it samples from outside the group)',
    },
  ];
}

/** A service's load generator (or client) that set the pace itself: its figures are its limit, not the server's. */
function generatorWarnings(cell: Cell): Warning[] {
  const why = (r: Cell['runs'][number]): string | undefined => r.load?.bottleneck ?? r.client?.bottleneck;
  const slow = cell.runs.filter((r) => !r.warmup && r.outcome === 'ok' && why(r));
  const last = slow.at(-1) && why(slow.at(-1) as Cell['runs'][number]);
  if (!last) return [];
  return [
    {
      code: 'generator-bottleneck',
      cellId: cell.id,
      message: `${cell.id}: the load generator was the bottleneck in ${slow.length} run(s): ${last}`,
      detail: `${slow.length} run(s): ${last.slice(0, 80)}`,
      hint: 'give the generator CPUs of its own (params.loadCpus), more connections, or a lower rate',
    },
  ];
}

export function cellWarnings(cell: Cell, ctx: WarningContext): Warning[] {
  return [
    ...outcomeWarnings(cell),
    ...generatorWarnings(cell),
    ...fewRunsWarnings(cell),
    ...unsupportedWarnings(cell),
    ...ioModelWarnings(cell, ctx),
    ...slowdownModelWarnings(cell, ctx),
    ...samplerOverhead(cell),
    ...phaseWarnings(cell),
  ];
}

/** Other suites measured this host during this one: every figure may hold their load, and every report says so. */
export function concurrencyWarnings(c: SuiteConcurrency | undefined): Warning[] {
  if (!c?.beside.length) return [];
  const who = c.beside.map((o) => `pid ${o.pid} (${o.scenario}, ${o.runtimes.join('+')}, out ${o.out})`).join('; ');
  const n = c.beside.length;
  return [
    {
      code: 'concurrent-suites',
      message: `${n} other cgbench suite(s) measured this host while this one ran: ${who}; their load is in these figures`,
      detail: `${n} other suite(s)`,
      hint: c.allowed
        ? 'this suite was started with --allow-concurrent; without it a suite waits for the one before it'
        : 'another suite was started with --allow-concurrent beside this one; rerun when the host is quiet',
    },
  ];
}

/** The host's own loop spread more than a noisy cell may: every figure of the suite carries that. */
function hostNoiseWarnings(c: HostCalibration | undefined): Warning[] {
  if (c?.wallSpread === undefined || c.wallSpread <= NOISY_MAD) return [];
  const n = c.rounds.reduce((k, r) => k + r.wallNs.length, 0);
  const cpu = c.cpuSpread !== undefined ? ` (± ${pct(c.cpuSpread)} in CPU time)` : '';
  return [
    {
      code: 'noisy-host',
      message: `this host is noisy: the same fixed CPU loop spread ± ${pct(c.wallSpread)} in wall time${cpu} over ${n} runs`,
      detail: `± ${pct(c.wallSpread)}`,
      hint: 'every figure here carries that; run when the host is quiet (no other load), or give every cell more blocks',
    },
  ];
}

/** What a VM's free page reporting does to the run after another, and how to tell whether it is the cause. */
function reportingSuspect(r: { order: number } | undefined): string {
  return r ? `; ${reportingIs(r)}. To tell whether that is the cause, rerun with it off (as root: ${reportingOff(r)})` : '';
}

/**
 * Noise told once per workload: its cells' spread, the widest slowdown interval, the runs a ±target interval
 * of every slowdown would need, and whether the host's own loop spread as much (a noisy host, not workload).
 */
function workloadNoiseWarnings(cells: Cell[], ctx: WarningContext): Warning[] {
  const target = ctx.target ?? DEFAULT_TARGET;
  const host = ctx.calibration?.wallSpread;
  return workloadNoise(cells, target)
    .filter((n) => n.noisyCells.length > 0)
    .map((n) => {
      const [lo, hi] = n.spread;
      const range = lo === hi || n.cells === 1 ? `± ${pct(hi)}` : `± ${pct(lo)}–${pct(hi)}`;
      const widest = n.widestSlowdown ? `; its widest slowdown interval ± ${pct(n.widestSlowdown.halfWidth)}` : '';
      const unit = n.blocks ? 'blocks' : 'runs per cell';
      const need =
        n.needed !== undefined
          ? `; ± ${pct(target)} on every slowdown needs ${n.needed >= 1000 ? 'over 1000' : `about ${n.needed}`} ${unit} (it had ${n.had})`
          : '';
      const hostSays =
        host === undefined
          ? ''
          : host >= hi / 2
            ? `; the host's own loop spread ± ${pct(host)}: the host's noise, not the workload's`
            : `; the host's own loop spread only ± ${pct(host)}: the workload itself varies`;
      const more = n.needed !== undefined ? Math.min(n.needed, 50) : 10;
      const reporting =
        ctx.freePageReporting && allocatesInBulk(cells.find((c) => c.workload === n.workload)?.kind)
          ? `; ${reportingIs(ctx.freePageReporting)} (cgbench doctor says how to switch it off for a rerun)`
          : '';
      return {
        code: 'noisy',
        message:
          `noisy: ${n.workload}'s runs spread ${range} (MAD) in ${n.noisyCells.length} of ${n.cells} cells` +
          `${widest}${need}${hostSays}${reporting}`,
        detail: `${n.noisyCells.length} of ${n.cells} cells`,
        hint:
          `more blocks (--target-ci ${(target * 100).toFixed(0)}% --max-repetitions ${more}, within a budget: adaptive.budget) ` +
          'or a quieter host',
      };
    });
}

/**
 * Carry-over (interleaved order): a cell whose runs measurably slow the run after them. Its neighbours in the
 * order then mix two states, which widens their intervals; in sequential order a cell's runs follow its own.
 */
function carryOverWarnings(cells: Cell[], ctx: WarningContext): Warning[] {
  return carryOvers(cells).map((x) => ({
    code: 'carry-over',
    cellId: x.cellId,
    message:
      `carry-over: ${x.workload}'s runs right after a "${x.limitSet}" run took ${x2(x.ratio)} as long as after other runs ` +
      `(each over its cell's median; ${x.after} against ${x.others} runs, ${formatPValue(x.p)}): ` +
      'that run leaves something behind that slows the next, so the runs of the cells it precedes mix two states' +
      (allocatesInBulk(cells.find((c) => c.id === x.cellId)?.kind) ? reportingSuspect(ctx.freePageReporting) : ''),
    detail: `${x2(x.ratio)} after it`,
    hint: "in sequential order (--order sequential) each cell's runs follow runs of its own; compare the two",
  }));
}

export function documentWarnings(cells: Cell[], ctx: WarningContext): Warning[] {
  return [
    ...concurrencyWarnings(ctx.concurrency),
    ...hostNoiseWarnings(ctx.calibration),
    ...workloadNoiseWarnings(cells, ctx),
    ...carryOverWarnings(cells, ctx),
    ...cells.flatMap((c) => cellWarnings(c, ctx)),
  ];
}
