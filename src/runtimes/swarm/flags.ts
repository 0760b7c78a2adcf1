// The one place where runtime-neutral limits become `docker service create` flags, and the workloads a
// Swarm job cannot run, refused before the suite (its limits are the registry's column, entry.ts). Pure.

import { usesScratch } from '../../model/params.js';
import type { ResolvedLimits, WorkloadParams } from '../../model/types.js';
import type { PreflightItem } from '../runtime.js';

/** Flags for `docker service create`, in a stable order. Limits SWARM_KNOBS refuses never get here. */
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

/** One line per cell whose workload a Swarm job cannot run, naming the runtimes that can. */
export function swarmWorkloadProblems(items: PreflightItem[]): string[] {
  return items.flatMap((item) => {
    const w = workloadProblem(item.params);
    return w ? [`${item.where}: ${w}`] : [];
  });
}
