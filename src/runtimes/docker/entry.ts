// The docker runtime's entry in the runtime registry: what `docker run` can set of each knob, and how the
// runtime opens (engine checked, image built), cleans up, checks itself and records its engine.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type KnobColumn, SET, skip } from '../knob-rules.js';
import type { DoctorCheck, RuntimeEntry } from '../registry.js';
import { cleanDockerLeftovers } from './clean.js';
import { dockerBin, dockerCli, engineAddress, INSTALL_HINT } from './client.js';
import { engineIsLocal } from './company.js';
import { dockerEngineInfo } from './engine.js';
import { createDockerRuntime } from './runtime.js';

/** `docker run --blkio-weight` (and podman's, which takes docker's flags) accepts 10..1000; BFQ's own range starts at 1. */
const BLKIO_WEIGHT_MIN = 10;

/** What `ENGINE run` has flags for (docker's, Engine API 1.41, and podman's the same); the rest runs without
 *  (recorded on the cell). */
export function containerKnobs(engine: 'docker' | 'podman'): KnobColumn {
  return {
    cpu: SET,
    cpuBurst: skip(`cpu burst (${engine} run has no flag for cpu.cfs_burst_us / cpu.max.burst)`),
    cpuWeight: SET,
    memoryMax: SET,
    memorySwap: (l) =>
      l.memory?.maxBytes == null ? skip(`memory swap without a memory max (${engine} limits swap only together with --memory)`) : SET,
    memoryHigh: skip(`memory.high (${engine} run has no flag for it; --memory-reservation is a soft limit, not reclaim throttling)`),
    io: SET,
    pids: SET,
    cpuset: SET,
    ioWeight: (l) =>
      (l.ioWeight ?? BLKIO_WEIGHT_MIN) < BLKIO_WEIGHT_MIN
        ? skip(`an io weight of ${l.ioWeight} (${engine}'s --blkio-weight takes ${BLKIO_WEIGHT_MIN}..1000)`)
        : SET,
  };
}

export const DOCKER_KNOBS: KnobColumn = containerKnobs('docker');

/** The client's version line; null when it is not installed. */
async function clientVersion(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)(dockerBin(), ['--version'], { encoding: 'utf8', timeout: 5000 });
    return stdout.trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

/** Docker is optional (only --runtime docker needs it): client, engine, and what the engine is made of. */
async function dockerCheck(dockerHost?: string): Promise<DoctorCheck> {
  const where = engineAddress(dockerHost);
  const client = await clientVersion();
  if (!client)
    return { name: 'docker', ok: false, detail: 'docker client not installed (only needed for --runtime docker)', fix: INSTALL_HINT };
  try {
    const info = await dockerEngineInfo(dockerCli(dockerHost), dockerHost);
    const drivers = `storage driver ${info.storageDriver}, cgroup driver ${info.cgroupDriver}, cgroup v${info.cgroupVersion}`;
    return { name: 'docker', ok: true, detail: `${client}; engine ${info.version} at ${where}: ${drivers}` };
  } catch {
    return {
      name: 'docker',
      ok: false,
      detail: `${client}; no engine reachable at ${where}`,
      fix: 'start one: eval "$(scripts/docker-up.sh)"',
    };
  }
}

export const dockerEntry: RuntimeEntry = {
  summary:
    'a container per run from a Docker Engine (--docker-host or DOCKER_HOST), limits as docker run flags; ' +
    "services from cgbench's image or their own (image:), reached over a veth pair",
  samplesInGroup: true,
  mode: 'run',
  knobs: DOCKER_KNOBS,
  measuresHost: ({ dockerHost }) => engineIsLocal(dockerHost),
  open: async ({ cgroups, host, dockerHost }) => {
    const docker = await createDockerRuntime({ dockerHost, cgroups });
    // Where documents have always kept the Docker Engine's facts (model/engines.ts reads it with the others).
    host.docker = docker.hostDockerInfo();
    return docker;
  },
  clean: async ({ dockerHost, dryRun, images }) => ({ containers: await cleanDockerLeftovers(dockerHost, { dryRun, images }) }),
  doctor: ({ dockerHost }) => dockerCheck(dockerHost),
};
