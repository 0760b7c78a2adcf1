// The fair-share model of the CPU a measured workload gets beside its neighbours: groups share the host's
// CPUs by weight, none beyond its threads or its quota, threads in one group share its part. Pure.

import { DEFAULT_CPU_WEIGHT } from '../model/defaults.js';
import { cpuSharesFromWeight } from '../model/knobs.js';
import { cpuQuotaCpus } from '../model/limits.js';
import type { Cell, Limits, NeighbourSpec, WorkloadParams } from '../model/types.js';
import type { ModelContext } from './expected.js';

/** A group competing for a resource: what it would use alone (CPUs: threads, or its quota; a disk: bytes/s)
 *  and its weight. */
export interface Contender {
  demand: number;
  weight: number;
}

/**
 * Weighted max-min fair shares (water-filling): each round splits what is left by weight among the groups
 * still wanting more; a group whose demand fits its part gets its demand and leaves the rest to the others.
 * This is what CFS's group scheduling converges to when every group is runnable all along.
 */
export function fairShares(contenders: readonly Contender[], capacity: number): number[] {
  const got = contenders.map(() => 0);
  let active = contenders.flatMap((c, i) => (c.demand > 0 ? [{ c, i }] : []));
  let left = capacity;
  while (active.length && left > 1e-12) {
    const per = left / active.reduce((s, a) => s + a.c.weight, 0);
    const fits = active.filter((a) => a.c.demand - (got[a.i] ?? 0) <= per * a.c.weight + 1e-12);
    if (!fits.length) {
      for (const a of active) got[a.i] = (got[a.i] ?? 0) + per * a.c.weight;
      break;
    }
    for (const a of fits) {
      left -= a.c.demand - (got[a.i] ?? 0);
      got[a.i] = a.c.demand;
    }
    active = active.filter((a) => !fits.includes(a));
  }
  return got;
}

/** CPUs a workload would keep busy on its own: a loop's threads, a periodic service's duty cycle. */
function threadDemand(p: WorkloadParams): number | null {
  if (p.kind === 'cpu') return p.threads;
  if (p.kind === 'latency') return (p.threads * Math.min(p.workUs, p.intervalUs)) / p.intervalUs;
  return null;
}

function weightOf(l: Limits, driver: 'v1' | 'v2'): number {
  if (driver === 'v1') return l.cpuWeight !== undefined ? cpuSharesFromWeight(l.cpuWeight) : DEFAULT_CPU_WEIGHT.v1Shares;
  return l.cpuWeight ?? DEFAULT_CPU_WEIGHT.v2;
}

const article = (kind: string): string => `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;

export type CpuModel = { cpus: number } | { cpus: null; note: string };

/** The measured workload's expected CPUs beside `neighbours` (none: alone) under its limits and a parent's. */
export function expectedCpus(
  cell: Pick<Cell, 'params' | 'limits'>,
  neighbours: readonly NeighbourSpec[],
  parent: Limits | undefined,
  ctx: ModelContext,
): CpuModel {
  const driver = ctx.driver ?? 'v2';
  const own = threadDemand(cell.params);
  if (own === null) return { cpus: null, note: `no CPU model for ${article(cell.params.kind)} workload (it waits for memory or IO)` };
  const all = [cell.limits, ...neighbours.map((n) => n.limits), ...(parent ? [parent] : [])];
  if (all.some((l) => l.cpuset !== undefined)) return { cpus: null, note: 'no CPU model with a cpuset (the model spreads over all CPUs)' };
  let group = own;
  const others: Contender[] = [];
  for (const n of neighbours) {
    const d = threadDemand(n.params);
    if (d === null) return { cpus: null, note: `no CPU model beside ${article(n.params.kind)} neighbour ("${n.label}")` };
    if (n.placement === 'same') group += d;
    else others.push({ demand: Math.min(d, cpuQuotaCpus(n.limits) ?? Infinity), weight: weightOf(n.limits, driver) });
  }
  const measured: Contender = { demand: Math.min(group, cpuQuotaCpus(cell.limits) ?? Infinity), weight: weightOf(cell.limits, driver) };
  const capacity = Math.min(ctx.hostCpus, (parent && cpuQuotaCpus(parent)) ?? Infinity);
  const [mine = 0] = fairShares([measured, ...others], capacity);
  // Threads in one group share its part equally, none beyond what it would use alone.
  return { cpus: Math.min(own, (mine * own) / group) };
}
