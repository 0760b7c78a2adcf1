// `cgbench clean` for a swarm: the services (jobs) a killed cgbench left behind, found by the cgbench label.
// Swarm then removes their containers on the nodes itself.

import { dockerCli } from '../docker/client.js';
import { CGBENCH_LABEL, DOCKER_TIMEOUTS } from '../docker/names.js';
import { removeService } from './service.js';

/** Removes cgbench's services; returns their names. [] when the engine is no swarm manager (nothing there). */
export async function cleanSwarmLeftovers(dockerHost?: string, opts: { dryRun?: boolean; dockerBin?: string } = {}): Promise<string[]> {
  const docker = dockerCli(dockerHost, opts.dockerBin);
  let list;
  try {
    list = await docker(['service', 'ls', '--filter', `label=${CGBENCH_LABEL}`, '--format', '{{.Name}}'], {
      timeoutMs: DOCKER_TIMEOUTS.query,
    });
  } catch {
    return []; // no client installed
  }
  if (list.code !== 0) return [];
  const names = list.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
  if (!opts.dryRun) for (const name of names) await removeService(docker, name);
  return names;
}
