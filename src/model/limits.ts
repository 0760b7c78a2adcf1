// Pure facts about a Limits value that several layers need: whether it limits anything, the CPUs a
// quota allows, its one human label (all three from the knob table, knobs.ts), and which of its limits
// `docker run` or a Kubernetes pod cannot express.

import { BASELINE_NAME, DEFAULT_CPU_PERIOD_US } from './defaults.js';
import { KNOBS, knobsSet } from './knobs.js';
import type { Limits } from './types.js';

/** True when the set limits nothing (the baseline): it sets no knob. */
export function isEmptyLimits(l: Limits): boolean {
  return knobsSet(l).length === 0;
}

/** CPUs the quota allows (quota / period); null without a quota. */
export function cpuQuotaCpus(l: Limits): number | null {
  const cpu = l.cpu;
  if (!cpu || cpu.quotaUs === null) return null;
  return cpu.quotaUs / cpu.periodUs;
}

/** The CPUs of a cpuset list such as "0-1,3" (the kernel's list format), sorted. */
export function cpuList(list: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(',').map((p) => p.trim())) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let c = a; c <= (b ?? a); c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/** Number of CPUs in a cpuset list such as "0-1,3". */
export function cpusetSize(list: string): number {
  return cpuList(list).length;
}

/** The tightest byte and operation rates a throttle puts on reads or writes (null: not throttled). */
export function ioRateLimit(l: Limits, mode: 'read' | 'write'): { bps: number | null; iops: number | null } {
  let bps: number | null = null;
  let iops: number | null = null;
  for (const io of l.io ?? []) {
    const b = mode === 'write' ? io.wbps : io.rbps;
    const o = mode === 'write' ? io.wiops : io.riops;
    if (b !== undefined) bps = bps === null ? b : Math.min(bps, b);
    if (o !== undefined) iops = iops === null ? o : Math.min(iops, o);
  }
  return { bps, iops };
}

/** What a limit set limits, as one short label: "0.10 CPU, mem 64 MiB", each knob's part in the table's
 *  order. Names unnamed limit sets and labels chart axes, so a scenario's default names and the charts
 *  always agree; every knob has a part, so two sets that differ get different names. */
export function limitsLabel(l: Limits): string {
  return (
    knobsSet(l)
      .flatMap((id) => KNOBS[id].label(l))
      .join(', ') || BASELINE_NAME
  );
}

/** `docker run --blkio-weight` accepts 10..1000, BFQ's own range starts at 1. */
const DOCKER_BLKIO_WEIGHT_MIN = 10;

/** Limits `docker run` has no flag for, each with the reason. */
export function dockerUnsupportedLimits(limits: Limits): string[] {
  const out: string[] = [];
  if (limits.cpu?.burstUs !== undefined) out.push('cpu burst (docker run has no flag for cpu.cfs_burst_us / cpu.max.burst)');
  if (limits.ioWeight !== undefined && limits.ioWeight < DOCKER_BLKIO_WEIGHT_MIN)
    out.push(`an io weight of ${limits.ioWeight} (docker's --blkio-weight takes ${DOCKER_BLKIO_WEIGHT_MIN}..1000; native can set it)`);
  if (limits.memory) {
    const { maxBytes, swapBytes, highBytes } = limits.memory;
    if (maxBytes === null && swapBytes != null)
      out.push('memory swap without a memory max (docker limits swap only together with --memory)');
    if (highBytes != null) {
      out.push('memory.high (docker run has no flag for it; --memory-reservation is a soft limit, not reclaim throttling)');
    }
  }
  return out;
}

/** A Kubernetes CPU quantity's step, 1 millicore: 100 µs of quota in the 100 ms period every pod gets. */
export const KUBERNETES_MILLICORE_US = 100;
/** The kubelet raises a quota below 1 ms to 1 ms (10 m), so a smaller one would not be what ran. */
const KUBERNETES_MIN_QUOTA_US = 1000;

/** Limits a pod's `resources` cannot express, each naming the runtimes that can. */
export function kubernetesUnsupportedLimits(limits: Limits): string[] {
  const out: string[] = [];
  const cpu = limits.cpu;
  if (cpu && cpu.periodUs !== DEFAULT_CPU_PERIOD_US)
    out.push(`a CPU period of ${cpu.periodUs / 1000} ms (the kubelet gives every pod 100 ms; native and docker can set it)`);
  else if (cpu?.quotaUs != null && (cpu.quotaUs % KUBERNETES_MILLICORE_US !== 0 || cpu.quotaUs < KUBERNETES_MIN_QUOTA_US))
    out.push(`a CPU quota of ${cpu.quotaUs} µs (a pod's cpu limit is whole millicores, 10m at least; native and docker can set it)`);
  if (cpu?.burstUs !== undefined) out.push('cpu burst (a pod has no field for it; native can set it)');
  if (limits.memory) {
    const { swapBytes, highBytes } = limits.memory;
    if (swapBytes !== undefined && swapBytes !== 0)
      out.push('memory swap (a pod cannot ask for swap, only the node decides; native and docker can set it)');
    if (highBytes != null) out.push('memory.high (a pod has no field for it; native can set it)');
  }
  if (limits.io?.length) out.push('IO throttles (a pod has no field for them; native and docker can set them)');
  if (limits.pids !== undefined)
    out.push("a pids limit (Kubernetes sets it per node, the kubelet's podPidsLimit, not per pod; native and docker can set it)");
  if (limits.cpuset !== undefined) out.push("a cpuset (the kubelet's CPU manager picks a pod's CPUs itself; native and docker can set it)");
  return out;
}

/** A limit a Swarm service cannot carry: what it is, in the scenario's words, and the runtimes that can. */
export interface UnsupportedLimit {
  limit: string;
  runtimes: string[];
}

/**
 * Limits `docker service create` (Engine API 1.41) has no flag for. Swarm sets a CPU limit as NanoCPUs
 * at the engine's fixed 100 ms period; it has no swap, memory.high, IO, cpuset or burst setting.
 */
export function swarmUnsupportedLimits(l: Limits): UnsupportedLimit[] {
  const out: UnsupportedLimit[] = [];
  const both = ['native', 'docker'];
  if (l.cpu && l.cpu.quotaUs !== null && l.cpu.periodUs !== DEFAULT_CPU_PERIOD_US) {
    out.push({ limit: `cpu period ${l.cpu.periodUs} us (Swarm's --limit-cpu fixes it at ${DEFAULT_CPU_PERIOD_US} us)`, runtimes: both });
  }
  if (l.cpu?.burstUs !== undefined) out.push({ limit: 'cpu burst', runtimes: ['native'] });
  if (l.cpuWeight !== undefined) out.push({ limit: 'cpu weight (a service has no --cpu-shares)', runtimes: both });
  if (l.ioWeight !== undefined) out.push({ limit: 'io weight', runtimes: both });
  if (l.memory?.swapBytes !== undefined) out.push({ limit: 'memory swap', runtimes: both });
  if (l.memory?.highBytes != null) out.push({ limit: 'memory high', runtimes: ['native'] });
  if (l.io?.length) out.push({ limit: 'IO throttle', runtimes: both });
  if (l.cpuset !== undefined) out.push({ limit: `cpuset ${l.cpuset}`, runtimes: both });
  return out;
}
