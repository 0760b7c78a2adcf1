// The one model of what a limit should do to a workload: the outcome its runs should end with, the
// slowdown it predicts (the verdict puts it next to the observed one; the progress ETA uses it). Pure.

import { IO_THROTTLE_SLICE_MS } from '../model/defaults.js';
import { cpuQuotaCpus, cpusetSize, ioRateLimit, isEmptyLimits } from '../model/limits.js';
import { cpuUsedCpus, workloadBytesPerSec } from '../model/metrics.js';
import type { Cell, ExpectedOutcome, Run } from '../model/types.js';
import { measuredRuns, medianOf } from './runs.js';

const MIB = 1024 * 1024;
/** What an anonymous-memory workload needs besides its working set (program, stack, page tables). */
const ANON_OVERHEAD_BYTES = 8 * MIB;

/**
 * The outcomes a cell's runs may end with and still be results. A limit set that says (`expect`)
 * decides; otherwise an anonymous working set above the memory limit is OOM-killed, one within a few
 * MiB of it or within reach of swap may be either, and everything else must end ok.
 */
export function expectedOutcomes(cell: Pick<Cell, 'params' | 'limits'>, declared?: readonly ExpectedOutcome[]): ExpectedOutcome[] {
  if (declared?.length) return [...new Set(declared)];
  const p = cell.params;
  const max = cell.limits.memory?.maxBytes ?? null;
  if (p.kind !== 'memory' || p.mode !== 'anon' || max === null) return ['ok'];
  const ws = p.mib * MIB;
  if (ws + ANON_OVERHEAD_BYTES <= max) return ['ok'];
  if (ws > max + (cell.limits.memory?.swapBytes ?? 0)) return ['oom-killed'];
  return ['ok', 'oom-killed'];
}

/** A run that ended in an outcome its cell does not expect: a failure of the suite (exit 4). An ok run
 *  never is one (a limit that did not bite is a finding, warned about); an interrupted one is the user's. */
export function isUnexpected(run: Pick<Run, 'outcome'>, expected: readonly ExpectedOutcome[]): boolean {
  if (run.outcome === 'ok' || run.outcome === 'interrupted') return false;
  return !expected.includes(run.outcome);
}

export interface ModelContext {
  /** CPUs of the host, what a program's threads can use at most. */
  hostCpus: number;
  /** The block throttle's slice on the scratch disk, ms (default: the rotational 100 ms, the wider range). */
  ioSliceMs?: number;
  /** The cgroup driver, for the CPU weights a fair share weighs by (v1 cpu.shares, v2 cpu.weight); default v2. */
  driver?: 'v1' | 'v2';
}

/** The IO throttle's slice for a host: 20 ms on a non-rotational scratch disk, else 100 ms. */
export function ioSliceMs(disk: { rotational?: boolean } | undefined): number {
  return disk?.rotational === false ? IO_THROTTLE_SLICE_MS.nonRotational : IO_THROTTLE_SLICE_MS.rotational;
}

/** Bytes an IO workload moves, the seconds its throttle makes that take without any allowance, and the allowance (s). */
function ioTiming(
  cell: Pick<Cell, 'limits' | 'params'>,
  ctx: ModelContext,
): { bytes: number; throttledSec: number; sliceSec: number } | null {
  const p = cell.params;
  if (p.kind !== 'io') return null;
  const { bps, iops } = ioRateLimit(cell.limits, p.mode);
  if (bps === null && iops === null) return null;
  const bytes = p.mib * MIB;
  const ops = bytes / (p.blockKib * 1024);
  const throttledSec = Math.max(bps !== null ? bytes / bps : 0, iops !== null ? ops / iops : 0);
  return { bytes, throttledSec, sliceSec: (ctx.ioSliceMs ?? IO_THROTTLE_SLICE_MS.rotational) / 1000 };
}

/**
 * The rate an IO throttle lets this workload reach, B/s: at least the throttle itself; at most what
 * the throttle's initial allowance adds, since a new group may dispatch one slice's worth at once and
 * so finishes up to one slice early (32 MiB at 50 MB/s behind a 100 ms slice: up to 58.8 MB/s). Capped
 * by the unthrottled disk (the baseline's rate). Null where no throttle applies.
 */
export function expectedIoRate(
  cell: Pick<Cell, 'limits' | 'params'>,
  baseline: Cell | undefined,
  ctx: ModelContext,
): [number, number] | null {
  const t = ioTiming(cell, ctx);
  if (!t) return null;
  const disk = baseline ? medianOf(measuredRuns(baseline).map(workloadBytesPerSec)) : null;
  const cap = (r: number): number => (disk !== null ? Math.min(r, disk) : r);
  const fastest = t.throttledSec > t.sliceSec ? t.bytes / (t.throttledSec - t.sliceSec) : disk;
  if (fastest === null) return null;
  return [cap(t.bytes / t.throttledSec), cap(fastest)];
}

/** The slowdown a simple model predicts for this workload under this limit (null: no model). */
export function expectedSlowdown(cell: Pick<Cell, 'limits' | 'params'>, baseline: Cell | undefined, ctx: ModelContext): number | null {
  if (isEmptyLimits(cell.limits)) return 1;
  const p = cell.params;
  const quota = cpuQuotaCpus(cell.limits);
  const baseRuns = baseline ? measuredRuns(baseline) : [];
  const baseWallNs = medianOf(baseRuns.map((r) => r.metrics.wallNs));
  // CPUs the workload used unthrottled: measured on the baseline, else what its threads could use.
  const used = medianOf(baseRuns.map(cpuUsedCpus)) ?? (p.kind === 'cpu' ? Math.min(p.threads, ctx.hostCpus) : null);
  let expected = 1;
  let modelled = false;
  if (quota !== null && (p.kind === 'cpu' || p.kind === 'command')) {
    // A CPU-bound program that used U CPUs unthrottled gets quota/period CPUs: it runs U/q times longer.
    if (used === null) return null;
    expected = Math.max(expected, used / quota);
    modelled = true;
  }
  const pinned = cell.limits.cpuset ? cpusetSize(cell.limits.cpuset) : null;
  if (pinned !== null && (p.kind === 'cpu' || p.kind === 'command')) {
    // Pinned to N CPUs, a program that used U CPUs unthrottled runs U/N times longer (if U > N).
    if (used === null) return null;
    expected = Math.max(expected, used / pinned);
    modelled = true;
  }
  const io = ioTiming(cell, ctx);
  if (io) {
    if (baseWallNs === null) return null;
    // Midway through the allowance's range: the run finishes between zero and one slice early.
    const limitedSec = Math.max(io.throttledSec - io.sliceSec / 2, io.throttledSec / 2);
    expected = Math.max(expected, limitedSec / (baseWallNs / 1e9));
    modelled = true;
  }
  if (p.kind === 'memory' && cell.limits.memory?.maxBytes != null) {
    // Nothing is expected while the working set fits; beyond it anon memory is OOM-killed and
    // page-cache re-reads go to disk at a speed no simple model knows.
    if (p.mib * 1024 * 1024 > cell.limits.memory.maxBytes) return null;
    modelled = true;
  }
  if (!modelled && (p.kind === 'cpu' || p.kind === 'io') && quota === null) return 1;
  return modelled ? expected : null;
}

/** Mean harness wall time of runs, ms (0 for none). */
export function meanRunMs(runs: readonly Run[]): number {
  return runs.length ? runs.reduce((sum, r) => sum + r.harnessWallNs / 1e6, 0) / runs.length : 0;
}

/** How long the cell's next run should take, ms: its own finished runs say, else its baseline's scaled
 *  by the expected slowdown; null while neither has run. */
export function expectedRunMs(cell: Cell, baseline: Cell | undefined, ctx: ModelContext): number | null {
  if (cell.runs.length) return meanRunMs(cell.runs);
  if (baseline?.runs.length) return meanRunMs(baseline.runs) * (expectedSlowdown(cell, baseline, ctx) ?? 1);
  return null;
}

/** What a busy loop iteration, a MiB touched or written take on a typical machine: only to rank cells
 *  before anything ran (the quick preset's 2^31 iterations take 0.8 s here). */
const GUESS = { iterationsPerMs: 2.5e6, anonMsPerMib: 0.5, cacheMsPerMibPass: 0.5, ioMsPerMib: 5, commandMs: 1000 } as const;

/** A guess of a run's length from the cell's parameters and limits alone, ms (nothing has run yet). */
export function guessedRunMs(cell: Pick<Cell, 'limits' | 'params'>, ctx: ModelContext): number {
  const p = cell.params;
  let ms: number;
  if (p.kind === 'cpu') ms = (p.iterations / GUESS.iterationsPerMs) * Math.max(1, p.threads / Math.max(1, ctx.hostCpus));
  else if (p.kind === 'memory') ms = p.mode === 'anon' ? p.mib * GUESS.anonMsPerMib : p.mib * p.passes * GUESS.cacheMsPerMibPass;
  else if (p.kind === 'io') ms = Math.max(p.mib * GUESS.ioMsPerMib, (ioTiming(cell, ctx)?.throttledSec ?? 0) * 1000);
  else if (p.kind === 'latency') ms = p.durationMs;
  else ms = GUESS.commandMs;
  // The IO throttle is in the line above; a CPU limit's slowdown needs no baseline for a CPU loop.
  return p.kind === 'io' ? ms : ms * (expectedSlowdown(cell, undefined, ctx) ?? 1);
}

/** The cells with runs that are not results, and how many: what makes `cgbench run` exit 4. */
export function unexpectedRuns(cells: readonly Cell[]): { runs: number; cells: Cell[] } {
  const bad = cells.filter((c) => (c.summary.unexpectedRuns ?? 0) > 0);
  return { runs: bad.reduce((n, c) => n + (c.summary.unexpectedRuns ?? 0), 0), cells: bad };
}
