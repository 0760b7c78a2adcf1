// The one model of what a limit should do to a workload: the slowdown it predicts, used by the
// verdict (expected next to observed) and by the progress ETA. Pure.

import { cpuQuotaCpus, cpusetSize, ioRateLimit, isEmptyLimits } from '../model/limits.js';
import { cpuUsedCpus } from '../model/metrics.js';
import type { Cell } from '../model/types.js';
import { measuredRuns, medianOf } from './runs.js';

export interface ModelContext {
  /** CPUs of the host, what a program's threads can use at most. */
  hostCpus: number;
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
  if (p.kind === 'io') {
    const { bps, iops } = ioRateLimit(cell.limits, p.mode);
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
