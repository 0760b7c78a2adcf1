// What the engine says about itself (`docker info`): version, storage and cgroup drivers, for the
// result document, for doctor, and to fail with one clear line when no engine answers.

import type { HostInfo } from '../../model/types.js';
import { CgbenchError } from '../../model/errors.js';
import { type DockerExec, dockerError, engineAddress, NO_ENGINE_HINT } from './client.js';
import { DOCKER_TIMEOUTS } from './names.js';

export type DockerHostInfo = NonNullable<HostInfo['docker']>;

/** `docker info --format '{{json .}}'` -> what the result document records about the engine. */
export function parseDockerInfo(json: string): DockerHostInfo | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
  const str = (k: string): string => (typeof o[k] === 'string' ? o[k] : '');
  if (!str('ServerVersion')) return null;
  return {
    version: str('ServerVersion'),
    storageDriver: str('Driver'),
    cgroupDriver: str('CgroupDriver'),
    cgroupVersion: str('CgroupVersion') || 'unknown',
  };
}

/** Asks the engine for its info; a clear E_DOCKER error when there is no engine. */
export async function dockerEngineInfo(docker: DockerExec, dockerHost?: string): Promise<DockerHostInfo> {
  const res = await docker(['info', '--format', '{{json .}}'], { timeoutMs: DOCKER_TIMEOUTS.query });
  const info = parseDockerInfo(res.stdout.trim());
  if (res.code === 0 && info) return info;
  const why = dockerError(res.stderr) || `docker info exited ${res.code}`;
  throw new CgbenchError('E_DOCKER', `no Docker engine at ${engineAddress(dockerHost)}: ${why}`, NO_ENGINE_HINT);
}
