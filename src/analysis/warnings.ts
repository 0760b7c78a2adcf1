// Typed warnings about a result document's cells: noisy measurements, limits that did not bite or
// bit harder than the model, failed runs. Pure; rendered by the reporters.

import { cpuQuotaCpus, dockerUnsupportedLimits } from '../model/limits.js';
import { runDelta } from '../model/metrics.js';
import { measuredRuns, medianOf } from './runs.js';
import type { Cell, CgroupMode, Warning } from '../model/types.js';

/** A cell whose wall times vary more than this (coefficient of variation) is flagged as noisy. */
export const NOISY_CV = 0.05;
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
/** A launcher inside the group (container mode) whose sampling took more than this share of its CPU. */
const SAMPLER_SHARE = 0.05;

export interface WarningContext {
  cgroupMode: CgroupMode;
  driver: 'v1' | 'v2';
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

export function cellWarnings(cell: Cell, ctx: WarningContext): Warning[] {
  const out: Warning[] = [];
  const s = cell.summary;
  const failed = (s.outcomes.failed ?? 0) + (s.outcomes.timeout ?? 0);
  if (failed > 0) {
    const last = [...cell.runs].reverse().find((r) => r.outcome === 'failed' || r.outcome === 'timeout');
    out.push({
      code: 'runs-failed',
      cellId: cell.id,
      message: `${failed} run(s) of ${cell.id} failed${last && 'message' in last ? `: ${last.message}` : ''}`,
      hint: 'see the runs in results.json (stderrTail) and `cgbench doctor`',
    });
  }
  if (s.wall && s.wall.n >= 2 && s.wall.cv > NOISY_CV) {
    out.push({
      code: 'noisy',
      cellId: cell.id,
      message: `noisy: CV ${pct(s.wall.cv)} over ${s.wall.n} runs of ${cell.id}`,
      hint: 'rerun with more repetitions (--repetitions) or on a quieter machine',
    });
  }
  if (cell.runtime === 'native' && ctx.driver === 'v1' && cell.limits.memory?.highBytes != null) {
    out.push({
      code: 'unsupported-limit',
      cellId: cell.id,
      message: `${cell.id}: memory.high exists only on cgroup v2; on this v1 host the runs went ahead without it`,
      hint: 'run on a cgroup v2 host (or the v2 lab: npm run test:v2 / scripts/v2lab/run.sh) to see reclaim throttling',
    });
  }
  if (cell.runtime === 'docker') {
    const missing = dockerUnsupportedLimits(cell.limits);
    if (missing.length) {
      out.push({
        code: 'unsupported-limit',
        cellId: cell.id,
        message: `${cell.id}: docker run cannot set ${missing.join('; ')}; the runs went ahead without it`,
        hint: 'compare with the native runtime, which sets it',
      });
    }
  }
  if (cell.params.kind === 'cpu' && cell.limits.memory?.maxBytes != null && cpuQuotaCpus(cell.limits) === null) {
    out.push({
      code: 'memory-limit-on-cpu',
      cellId: cell.id,
      message: `${cell.id}: a memory limit does nothing to a CPU loop`,
      hint: 'sweep CPU limits for cpu workloads, memory limits for memory workloads',
    });
  }
  const writeLimited = (cell.limits.io ?? []).some((l) => l.wbps !== undefined || l.wiops !== undefined);
  if (
    ctx.driver === 'v1' &&
    writeLimited &&
    cell.params.kind === 'command' &&
    s.slowdown !== null &&
    s.slowdown < BUFFERED_NO_EFFECT_SLOWDOWN
  ) {
    out.push({
      code: 'buffered-io-v1',
      cellId: cell.id,
      message:
        `${cell.id}: a write throttle made no difference (slowdown ${s.slowdown.toFixed(2)}x); on cgroup v1 blkio throttles only ` +
        'direct IO, buffered writes reach the disk later through writeback outside the group',
      hint: 'use O_DIRECT or fsync in the workload, or run on cgroup v2 where writeback is attributed to the group',
    });
  }
  if (s.slowdown !== null && s.expectedSlowdown !== null && s.expectedSlowdown >= CHECKED_MODEL_SLOWDOWN) {
    if (s.slowdown < 1 + (s.expectedSlowdown - 1) * NO_EFFECT_SHARE) {
      const hint =
        cell.params.kind === 'io' && ctx.driver === 'v1' && cell.params.mode === 'write'
          ? 'cgroup v1 throttles only direct IO; buffered writes escape blkio throttling'
          : 'check that the limit applies to the device/resource the workload uses';
      out.push({
        code: 'limit-no-effect',
        cellId: cell.id,
        message: `${cell.id}: slowdown ${s.slowdown.toFixed(2)}x where the limit should cause ${s.expectedSlowdown.toFixed(2)}x`,
        hint,
      });
    } else if (s.slowdown > s.expectedSlowdown * HARSHER_FACTOR) {
      const costly = s.cpuCostRatio !== undefined && s.cpuCostRatio > COSTLY_CPU_RATIO;
      const enforced =
        s.cpuEnforcement !== null ? ` (the quota itself was enforced: ${(s.cpuEnforcement * 100).toFixed(0)} % of it granted)` : '';
      const beyond = `${cell.id}: slowdown ${s.slowdown.toFixed(2)}x`;
      out.push({
        code: 'limit-harsher-than-model',
        cellId: cell.id,
        message: costly
          ? `${beyond} beyond the ${s.expectedSlowdown.toFixed(2)}x of the quota: ` +
            `the same work took ${s.cpuCostRatio?.toFixed(2)}x the CPU time under the limit${enforced}`
          : `${beyond}, well beyond the ${s.expectedSlowdown.toFixed(2)}x the limit explains`,
        hint: costly
          ? 'each throttled period evicts caches and TLBs (and costs more under emulation or CPU contention); ' +
            'longer periods (cpu.cfs_period_us) cut that cost'
          : 'look for contention or a second limit (throttle ratio, major faults, PSI)',
      });
    }
  }
  return out;
}

/** In container mode the launcher samples from inside the group, so its CPU counts against the limit. */
function samplerOverhead(cell: Cell): Warning | null {
  if (cell.runtime !== 'docker') return null;
  const shares = measuredRuns(cell).map((r) => {
    const used = runDelta(r, (x) => x.cpu?.usageUs);
    return used && r.process?.launcherCpuUs !== undefined ? r.process.launcherCpuUs / used : undefined;
  });
  const share = medianOf(shares);
  if (share === null || share <= SAMPLER_SHARE) return null;
  return {
    code: 'sampler-overhead',
    cellId: cell.id,
    message: `${cell.id}: the launcher's sampling took ${pct(share)} of the container's CPU (it runs inside the container's group)`,
    hint: 'sample less often (sampleInterval) for CPU-limited containers, or use the native runtime, which samples from outside the group',
  };
}

export function documentWarnings(cells: Cell[], ctx: WarningContext): Warning[] {
  return cells.flatMap((c) => [...cellWarnings(c, ctx), ...[samplerOverhead(c)].filter((w): w is Warning => w !== null)]);
}
