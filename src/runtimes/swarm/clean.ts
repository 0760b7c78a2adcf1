// `cgbench clean` for a swarm: the services (jobs) a killed cgbench left behind, found by the cgbench label,
// and then their containers on every node's own engine (Swarm 20.10 keeps a finished job's container).

import { cleanDockerLeftovers } from '../docker/clean.js';
import { dockerCli } from '../docker/client.js';
import { CGBENCH_LABEL, DOCKER_TIMEOUTS } from '../docker/names.js';
import { ENGINE_LABEL, inspectNodes } from './nodes.js';
import { removeService } from './service.js';

export interface SwarmLeftovers {
  services: string[];
  /** "NODE: NAME" for the containers removed on the nodes' engines. */
  containers: string[];
}

/** Removes cgbench's services and their nodes' cgbench containers; nothing when the engine is no manager. */
export async function cleanSwarmLeftovers(
  dockerHost?: string,
  opts: { dryRun?: boolean; dockerBin?: string } = {},
): Promise<SwarmLeftovers> {
  const docker = dockerCli(dockerHost, opts.dockerBin);
  const none = { services: [], containers: [] };
  let list;
  try {
    const format = ['--format', '{{.Name}}'];
    list = await docker(['service', 'ls', '--filter', `label=${CGBENCH_LABEL}`, ...format], { timeoutMs: DOCKER_TIMEOUTS.query });
  } catch {
    return none; // no client installed
  }
  if (list.code !== 0) return none; // not a swarm manager
  const services = list.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
  if (!opts.dryRun) for (const name of services) await removeService(docker, name);
  const containers: string[] = [];
  for (const node of await inspectNodes(docker).catch(() => [])) {
    const engine = node.Spec?.Labels?.[ENGINE_LABEL];
    if (!engine || engine === dockerHost) continue;
    const found = await cleanDockerLeftovers(engine, { dryRun: opts.dryRun, dockerBin: opts.dockerBin });
    containers.push(...found.map((c) => `${node.Description?.Hostname ?? engine}: ${c}`));
  }
  return { services, containers };
}
