// A Docker run's company, as arguments: neighbour containers' names, the idle holder a measured container
// runs when neighbours share it, `docker exec` of a launcher into it, and the shared parent's --cgroup-parent.
// Pure: the runtime (runtime.ts) starts what these describe.

import type { WorkloadParams } from '../../model/types.js';
import { engineAddress } from './client.js';
import { containerCommand } from './command.js';
import type { DockerHostInfo } from './engine.js';

/**
 * What the measured container runs as PID 1 when neighbours share it (placement `same`). The launcher
 * execs its workload at once, so a container whose PID 1 is the measured launcher cannot have neighbours
 * started in it first. Instead PID 1 is a launcher whose workload only idles (one thread that wakes once a
 * minute for 1 us): it keeps the container up and, with --watch-stdin, takes it down when cgbench goes.
 * The neighbours and then the measured workload are `docker exec`ed into it, each its own container-mode
 * launcher sampling the container's group, so they share the group exactly as in the native runtime;
 * the holder adds a few idle tasks and its RSS (well under 1 MiB) to that group's readings.
 */
export const HOLDER_PARAMS: WorkloadParams = { kind: 'latency', threads: 1, durationMs: 86_400_000, workUs: 1, intervalUs: 60_000_000 };

export function holderCommand(): string[] {
  return containerCommand({ params: HOLDER_PARAMS, watchStdin: true });
}

/** `docker exec -i` of a container-mode launcher into a running container: stdin is its lifeline, as with
 *  `docker run -i` (EOF kills its workload, which still reports). */
export function execArgs(container: string, params: WorkloadParams, sampleIntervalMs?: number): string[] {
  return [
    'exec',
    '-i',
    container,
    ...containerCommand({ params, watchStdin: true, ...(sampleIntervalMs !== undefined ? { sampleIntervalMs } : {}) }),
  ];
}

/** Docker's cgroupfs driver takes the parent as a path from the hierarchy roots ("/cgbench/x-parent"). */
export function cgroupParentFlag(relPath: string): string[] {
  return ['--cgroup-parent', `/${relPath.replace(/^\/+/, '')}`];
}

/** Only an engine reached over a unix socket runs on this host, where cgbench can make the parent group. */
export function engineIsLocal(dockerHost?: string): boolean {
  return engineAddress(dockerHost).startsWith('unix://');
}

/** Why this engine cannot put a run under a parent group cgbench made, in one line; null when it can. */
export function parentProblem(info: Pick<DockerHostInfo, 'cgroupDriver'>, dockerHost?: string, haveCgroups = true): string | null {
  const addr = engineAddress(dockerHost);
  if (!engineIsLocal(dockerHost))
    return (
      `a shared parent group needs the Docker engine on this host, and ${addr} is not a local socket: ` +
      'run this neighbour set on the native runtime or a local engine'
    );
  if (info.cgroupDriver !== 'cgroupfs')
    return (
      `a shared parent group needs the engine's cgroupfs cgroup driver, and ${addr} uses "${info.cgroupDriver}": ` +
      'start dockerd with --exec-opt native.cgroupdriver=cgroupfs or run this neighbour set on the native runtime'
    );
  if (!haveCgroups) return "a shared parent group needs this host's cgroups, which this docker runtime was not given";
  return null;
}
