// The one place where runtime-neutral limits become `docker service create` flags, and the limits a
// Swarm service cannot carry, refused before the suite. Pure.

import { swarmUnsupportedLimits } from '../../model/limits.js';
import { usesScratch } from '../../model/params.js';
import type { ResolvedLimits, WorkloadParams } from '../../model/types.js';
import type { PreflightItem } from '../runtime.js';

/** Flags for `docker service create`, in a stable order. Call only with limits swarmLimitProblems passed. */
export function toSwarmFlags(limits: ResolvedLimits): string[] {
  const args: string[] = [];
  // NanoCPUs at Docker's 100 ms period: quota / period CPUs, exact (a quota in us has at most 5 decimals).
  if (limits.cpu && limits.cpu.quotaUs !== null) args.push('--limit-cpu', String(limits.cpu.quotaUs / limits.cpu.periodUs));
  if (limits.memory && limits.memory.maxBytes !== null) args.push('--limit-memory', String(Math.round(limits.memory.maxBytes)));
  if (limits.pids !== undefined) args.push('--limit-pids', String(Math.round(limits.pids)));
  return args;
}

/** The scheduler's constraint that puts a run on one node. */
export function nodeConstraint(hostname: string): string[] {
  return ['--constraint', `node.hostname==${hostname}`];
}

function workloadProblem(params: WorkloadParams): string | null {
  if (usesScratch(params)) {
    const why = 'needs the scratch directory on a real disk, which a Swarm job is not given';
    return `a ${params.kind} workload ${why} (runtimes that can: native, docker)`;
  }
  if (params.kind === 'command') return "a command workload runs a program outside cgbench's image (runtimes that can: native, docker)";
  return null;
}

/** One line per cell and limit Swarm cannot express, naming the runtimes that can. */
export function swarmLimitProblems(items: PreflightItem[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    for (const u of swarmUnsupportedLimits(item.limits)) {
      out.push(`${item.where}: ${u.limit} cannot be set on a Swarm service (runtimes that can: ${u.runtimes.join(', ')})`);
    }
    const w = workloadProblem(item.params);
    if (w) out.push(`${item.where}: ${w}`);
  }
  return out;
}
