// Derives a cell's summary from its runs and its baseline's runs: wall-time spread, slowdown
// against the baseline, the slowdown the limit should cause, and how well the limit was enforced.

import type { Cell, CellSummary, Outcome, Reading, Run, WorkloadMetrics } from '../model/types.js';
import { describe, median, ratioRange } from './stats.js';
import { isEmptyLimits } from '../model/limits.js';

export interface SummaryContext {
  hostCpus: number;
}

type OkRun = Run & { outcome: 'ok'; metrics: WorkloadMetrics };

export function measuredRuns(cell: Pick<Cell, 'runs'>): OkRun[] {
  return cell.runs.filter((r): r is OkRun => !r.warmup && r.outcome === 'ok');
}

function delta(run: Run, pick: (r: Reading) => number | undefined): number | undefined {
  if (!run.before || !run.after) return undefined;
  const a = pick(run.after);
  if (a === undefined) return undefined;
  return a - (pick(run.before) ?? 0);
}

function medianOf(values: (number | undefined | null)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? median(v) : null;
}

/** CPUs used on average over the group's life: Δusage / harness wall time. */
export function cpuUsedCpus(run: Run): number | undefined {
  const usageUs = delta(run, (r) => r.cpu?.usageUs);
  if (usageUs === undefined || run.harnessWallNs <= 0) return undefined;
  return (usageUs * 1000) / run.harnessWallNs;
}

export function throttleRatio(run: Run): number | undefined {
  const periods = delta(run, (r) => r.cpu?.nrPeriods);
  const throttled = delta(run, (r) => r.cpu?.nrThrottled);
  if (periods === undefined || throttled === undefined || periods === 0) return undefined;
  return throttled / periods;
}

/** Bytes per second of the workload's own timed phase. */
export function workloadBytesPerSec(run: Run): number | undefined {
  const m = run.metrics;
  if (!m || typeof m.bytes !== 'number' || m.wallNs <= 0) return undefined;
  return m.bytes / (m.wallNs / 1e9);
}

/** Number of CPUs in a cpuset list such as "0-1,3". */
export function cpusetSize(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}

export function cpuQuotaCpus(cell: Pick<Cell, 'limits'>): number | null {
  const cpu = cell.limits.cpu;
  if (!cpu || cpu.quotaUs === null) return null;
  return cpu.quotaUs / cpu.periodUs;
}

function ioLimitFor(cell: Pick<Cell, 'limits' | 'params'>): { bps: number | null; iops: number | null } {
  const p = cell.params;
  if (p.kind !== 'io') return { bps: null, iops: null };
  let bps: number | null = null;
  let iops: number | null = null;
  for (const l of cell.limits.io ?? []) {
    const b = p.mode === 'write' ? l.wbps : l.rbps;
    const o = p.mode === 'write' ? l.wiops : l.riops;
    if (b !== undefined) bps = bps === null ? b : Math.min(bps, b);
    if (o !== undefined) iops = iops === null ? o : Math.min(iops, o);
  }
  return { bps, iops };
}

/** The slowdown a simple model predicts for this workload under this limit (null: no model). */
export function expectedSlowdown(cell: Cell, baseline: Cell | undefined, ctx: SummaryContext): number | null {
  if (isEmptyLimits(cell.limits)) return 1;
  const p = cell.params;
  const quota = cpuQuotaCpus(cell);
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
  if (p.kind === 'io') {
    const { bps, iops } = ioLimitFor(cell);
    if (bps !== null || iops !== null) {
      if (baseWallNs === null) return null;
      const bytes = p.mib * 1024 * 1024;
      const ops = bytes / (p.blockKib * 1024);
      const limitedSec = Math.max(bps !== null ? bytes / bps : 0, iops !== null ? ops / iops : 0);
      expected = Math.max(expected, limitedSec / (baseWallNs / 1e9));
      modelled = true;
    }
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

export function summarizeCell(cell: Cell, baseline: Cell | undefined, ctx: SummaryContext): CellSummary {
  const counted = cell.runs.filter((r) => !r.warmup);
  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const r of counted) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const ok = measuredRuns(cell);
  const wall = describe(ok.map((r) => r.metrics.wallNs));
  const medianWallNs = wall ? wall.median : null;

  let slowdown: number | null = null;
  let slowdownRange: [number, number] | undefined;
  const baseWall = baseline ? describe(measuredRuns(baseline).map((r) => r.metrics.wallNs)) : undefined;
  if (wall && baseWall && baseWall.median > 0) {
    slowdown = wall.median / baseWall.median;
    slowdownRange = ratioRange(wall.ci95, baseWall.ci95);
  }

  const cpuGranted = medianOf(ok.map(cpuUsedCpus));
  const cpuQuota = cpuQuotaCpus(cell);
  const throttledMs = ok.map((r) => {
    const us = delta(r, (x) => x.cpu?.throttledUs);
    return us === undefined ? undefined : us / 1000 / (r.harnessWallNs / 1e9);
  });
  const peaks = counted.map((r) => r.after?.memory?.peakBytes).filter((x): x is number => typeof x === 'number');
  const oomKills = counted.reduce((sum, r) => sum + Math.max(delta(r, (x) => x.memory?.oomKills) ?? 0, r.outcome === 'oom-killed' ? 1 : 0), 0);
  const { bps } = ioLimitFor(cell);
  const ioBytesPerSec = cell.kind === 'io' || (cell.params.kind === 'memory' && cell.params.mode === 'pagecache') ? medianOf(ok.map(workloadBytesPerSec)) : null;
  const startups = counted.map((r) => r.startupNs ?? r.launchOverheadNs);

  const summary: CellSummary = {
    measuredRuns: ok.length,
    outcomes,
    medianWallNs,
    slowdown,
    expectedSlowdown: expectedSlowdown(cell, baseline, ctx),
    cpuGranted,
    cpuQuota,
    cpuEnforcement: cpuGranted !== null && cpuQuota !== null ? cpuGranted / cpuQuota : null,
    throttleRatio: medianOf(ok.map(throttleRatio)),
    throttledMsPerSec: medianOf(throttledMs),
    peakMemoryBytes: peaks.length ? Math.max(...peaks) : null,
    oomKills,
    majorFaults: medianOf(ok.map((r) => delta(r, (x) => x.memory?.majorFaults))),
    ioBytesPerSec,
    ioLimitBytesPerSec: bps,
    ioEnforcement: ioBytesPerSec !== null && bps !== null ? ioBytesPerSec / bps : null,
    medianStartupNs: medianOf(startups),
  };
  if (wall) summary.wall = wall;
  const cost = (runs: OkRun[]): number | null =>
    medianOf(runs.map((r) => (typeof r.metrics.cpuNs === 'number' && typeof r.metrics.ops === 'number' && r.metrics.ops > 0 ? r.metrics.cpuNs / r.metrics.ops : undefined)));
  if (baseline && cell.params.kind === 'cpu') {
    const mine = cost(ok);
    const base = cost(measuredRuns(baseline));
    if (mine !== null && base !== null && base > 0) summary.cpuCostRatio = mine / base;
  }
  if (slowdownRange) summary.slowdownRange = slowdownRange;
  if (cell.params.kind === 'latency') {
    const p50 = medianOf(ok.map((r) => r.metrics.p50Ns as number | undefined));
    const p99 = medianOf(ok.map((r) => r.metrics.p99Ns as number | undefined));
    const max = medianOf(ok.map((r) => r.metrics.maxNs as number | undefined));
    if (p50 !== null && p99 !== null && max !== null) summary.latency = { p50Ns: p50, p99Ns: p99, maxNs: max };
  }
  return summary;
}
