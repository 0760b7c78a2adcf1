// One Swarm job seen from the manager: its task's state, its removal, and (on the node's own engine) the
// wait until its container is really gone, so the node's next run never overlaps this one's teardown.

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

const GONE_POLL_MS = 200;

/** Waits until the node's engine has no container of the service (Swarm removes it after the service);
 *  one still there after the time-out is removed by force. */
export async function waitContainersGone(node: DockerExec, service: string, timeoutMs: number = DOCKER_TIMEOUTS.remove): Promise<void> {
  const filter = ['--filter', `label=com.docker.swarm.service.name=${service}`];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await node(['ps', '--all', '--quiet', ...filter], { timeoutMs: DOCKER_TIMEOUTS.query });
    const ids = res.stdout.split('\n').filter((l) => l.trim());
    if (res.code === 0 && !ids.length) return;
    if (Date.now() > deadline) {
      const why = dockerError(res.stderr);
      if (!ids.length) throw new CgbenchError('E_DOCKER', `the engine of service ${service}'s node does not answer: ${why}`);
      const rm = await node(['rm', '--force', '--volumes', ...ids], { timeoutMs: DOCKER_TIMEOUTS.remove });
      if (rm.code === 0 || /no such container/i.test(rm.stderr)) return;
      const left = `service ${service} left container(s) ${ids.join(', ')}`;
      throw new CgbenchError('E_DOCKER', `${left}: ${dockerError(rm.stderr)}`, 'run `cgbench clean`');
    }
    await new Promise((r) => setTimeout(r, GONE_POLL_MS));
  }
}
