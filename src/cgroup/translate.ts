// The one place where runtime-neutral Limits become cgroup file writes (v1 and v2).
// Pure: returns ordered writes; the drivers perform them. Docker flags live in runtimes/docker/flags.ts.

import type { ResolvedLimits } from '../model/types.js';
import { cpuSharesFromWeight } from '../model/limits.js';
import { V1_GROUP_CONTROLLERS } from './files.js';

export interface FileWrite {
  /** v1: the controller whose hierarchy holds the file; v2: always "". */
  controller: string;
  file: string;
  value: string;
}

/** Controllers a v1 group needs for these limits (stats controllers are always joined). */
export function v1ControllersFor(limits: ResolvedLimits): string[] {
  return limits.cpuset ? [...V1_GROUP_CONTROLLERS, 'cpuset'] : [...V1_GROUP_CONTROLLERS];
}

export function toV1Writes(limits: ResolvedLimits, memswAvailable: boolean): FileWrite[] {
  const w: FileWrite[] = [];
  if (limits.cpu) {
    // Period first: a fresh group has quota -1, so any period is accepted before the quota.
    w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(limits.cpu.periodUs) });
    w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(limits.cpu.quotaUs ?? -1) });
    if (limits.cpu.burstUs !== undefined) {
      w.push({ controller: 'cpu', file: 'cpu.cfs_burst_us', value: String(limits.cpu.burstUs) });
    }
  }
  if (limits.cpuWeight !== undefined)
    w.push({ controller: 'cpu', file: 'cpu.shares', value: String(cpuSharesFromWeight(limits.cpuWeight)) });
  // BFQ's own file: blkio.weight belonged to CFQ, which kernels since 5.0 no longer have.
  if (limits.ioWeight !== undefined) w.push({ controller: 'blkio', file: 'blkio.bfq.weight', value: String(limits.ioWeight) });
  if (limits.memory && limits.memory.maxBytes !== null) {
    const max = limits.memory.maxBytes;
    // memsw must stay >= limit: raise the limit first, then memsw (fresh groups start at "unlimited").
    w.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(max) });
    if (memswAvailable && limits.memory.swapBytes !== null) {
      w.push({
        controller: 'memory',
        file: 'memory.memsw.limit_in_bytes',
        value: String(max + (limits.memory.swapBytes ?? 0)),
      });
    }
  }
  for (const io of limits.io ?? []) {
    const dev = `${io.major}:${io.minor}`;
    if (io.rbps !== undefined) w.push({ controller: 'blkio', file: 'blkio.throttle.read_bps_device', value: `${dev} ${io.rbps}` });
    if (io.wbps !== undefined) w.push({ controller: 'blkio', file: 'blkio.throttle.write_bps_device', value: `${dev} ${io.wbps}` });
    if (io.riops !== undefined) w.push({ controller: 'blkio', file: 'blkio.throttle.read_iops_device', value: `${dev} ${io.riops}` });
    if (io.wiops !== undefined) w.push({ controller: 'blkio', file: 'blkio.throttle.write_iops_device', value: `${dev} ${io.wiops}` });
  }
  if (limits.pids !== undefined) w.push({ controller: 'pids', file: 'pids.max', value: String(limits.pids) });
  if (limits.cpuset !== undefined) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: limits.cpuset });
  return w;
}

/** Controllers a v2 group needs enabled in its parent's cgroup.subtree_control. */
export function v2ControllersFor(limits: ResolvedLimits): string[] {
  const base = ['cpu', 'memory', 'io', 'pids'];
  return limits.cpuset ? [...base, 'cpuset'] : base;
}

export function toV2Writes(limits: ResolvedLimits, swapAvailable: boolean): FileWrite[] {
  const w: FileWrite[] = [];
  const put = (file: string, value: string): void => {
    w.push({ controller: '', file, value });
  };
  if (limits.cpu) {
    put('cpu.max', `${limits.cpu.quotaUs ?? 'max'} ${limits.cpu.periodUs}`);
    if (limits.cpu.burstUs !== undefined) put('cpu.max.burst', String(limits.cpu.burstUs));
  }
  if (limits.cpuWeight !== undefined) put('cpu.weight', String(limits.cpuWeight));
  // io.weight is the io.cost controller's, which needs a cost model set up; BFQ's weight needs only BFQ.
  if (limits.ioWeight !== undefined) put('io.bfq.weight', String(limits.ioWeight));
  if (limits.memory) {
    if (limits.memory.highBytes != null) put('memory.high', String(limits.memory.highBytes));
    if (limits.memory.maxBytes !== null) {
      put('memory.max', String(limits.memory.maxBytes));
      if (swapAvailable && limits.memory.swapBytes !== null) put('memory.swap.max', String(limits.memory.swapBytes ?? 0));
    }
  }
  for (const io of limits.io ?? []) {
    const parts = [`${io.major}:${io.minor}`];
    if (io.rbps !== undefined) parts.push(`rbps=${io.rbps}`);
    if (io.wbps !== undefined) parts.push(`wbps=${io.wbps}`);
    if (io.riops !== undefined) parts.push(`riops=${io.riops}`);
    if (io.wiops !== undefined) parts.push(`wiops=${io.wiops}`);
    if (parts.length > 1) put('io.max', parts.join(' '));
  }
  if (limits.pids !== undefined) put('pids.max', String(limits.pids));
  if (limits.cpuset !== undefined) put('cpuset.cpus', limits.cpuset);
  return w;
}
