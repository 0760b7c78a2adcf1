// One Swarm job seen from the manager: its task's state and its removal, and on the node's own engine the
// removal of its container, so the node's next run never overlaps this one's teardown.

import { CgbenchError } from '../../model/errors.js';
import { type DockerExec, dockerError } from '../docker/client.js';
import { DOCKER_TIMEOUTS } from '../docker/names.js';

export interface TaskStatus {
  /** new, pending, assigned, ..., running, complete, failed, rejected, shutdown. */
  state: string;
  exitCode: number | null;
  error: string;
}

/** `docker inspect TASK --format '{{json .Status}}'` -> its state, exit code and error. */
export function parseTaskStatus(json: string): TaskStatus | null {
  let o: { State?: unknown; Err?: unknown; ContainerStatus?: { ExitCode?: unknown } };
  try {
    o = JSON.parse(json) as typeof o;
  } catch {
    return null;
  }
  if (typeof o.State !== 'string') return null;
  const code = o.ContainerStatus?.ExitCode;
  return { state: o.State, exitCode: typeof code === 'number' ? code : null, error: typeof o.Err === 'string' ? o.Err : '' };
}

/** The state of the job's one task; null while it has none (or the manager does not answer). */
export async function taskStatus(manager: DockerExec, service: string): Promise<TaskStatus | null> {
  const ids = await manager(['service', 'ps', '--quiet', '--no-trunc', service], { timeoutMs: DOCKER_TIMEOUTS.query });
  const id = ids.stdout.split('\n')[0]?.trim();
  // Removed (stopped, or by someone else): its task is gone with it.
  if (ids.code !== 0 && /not found|no such service/i.test(ids.stderr)) return { state: 'remove', exitCode: null, error: 'service removed' };
  if (ids.code !== 0 || !id) return null;
  const res = await manager(['inspect', '--type', 'task', '--format', '{{json .Status}}', id], { timeoutMs: DOCKER_TIMEOUTS.query });
  return res.code === 0 ? parseTaskStatus(res.stdout) : null;
}

/** `docker service rm`; a service already gone is no error. */
export async function removeService(manager: DockerExec, name: string): Promise<void> {
  const res = await manager(['service', 'rm', name], { timeoutMs: DOCKER_TIMEOUTS.remove });
  if (res.code === 0 || /not found/i.test(res.stderr)) return;
  const fix = 'run `cgbench clean` (or docker service rm it)';
  throw new CgbenchError('E_DOCKER', `could not remove service ${name}: ${dockerError(res.stderr)}`, fix);
}

/**
 * Removes the service's containers on its node's engine: Swarm 20.10 keeps a finished job's container long
 * after the service is removed. Checked afterwards, so a run is never counted gone while it is not.
 */
export async function removeServiceContainers(node: DockerExec, service: string): Promise<void> {
  const list = ['ps', '--all', '--quiet', '--filter', `label=com.docker.swarm.service.name=${service}`];
  const ids = async (): Promise<string[] | null> => {
    const res = await node(list, { timeoutMs: DOCKER_TIMEOUTS.query });
    return res.code === 0 ? res.stdout.split('\n').filter((l) => l.trim()) : null;
  };
  const found = await ids();
  if (found?.length) {
    const rm = await node(['rm', '--force', '--volumes', ...found], { timeoutMs: DOCKER_TIMEOUTS.remove });
    if (rm.code !== 0 && !/no such container/i.test(rm.stderr)) {
      throw new CgbenchError('E_DOCKER', `could not remove ${service}'s container: ${dockerError(rm.stderr)}`, 'run `cgbench clean`');
    }
  }
  const left = await ids();
  if (left === null || left.length) {
    const what = left === null ? "its node's engine does not answer" : `container(s) ${left.join(', ')} remain`;
    throw new CgbenchError('E_DOCKER', `service ${service} was removed but ${what}`, 'run `cgbench clean` with --docker-host at the node');
  }
}
