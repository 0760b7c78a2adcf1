// The runtimes a suite needs, made once for it: Docker and Swarm first (an unreachable engine fails before
// anything else is made), then native and fake.

import type { CgroupSystem } from '../cgroup/index.js';
import type { HostInfo, RuntimeName } from '../model/types.js';
import { createDockerRuntime } from '../runtimes/docker/runtime.js';
import { FakeRuntime } from '../runtimes/fake.js';
import { NativeRuntime } from '../runtimes/native.js';
import { createSwarmRuntime } from '../runtimes/swarm/runtime.js';
import type { Runtime } from '../runtimes/runtime.js';

export type Runtimes = Partial<Record<RuntimeName, Runtime>>;

/** Makes the runtimes `names`; records the engine in `host`. On failure, what was made is closed. */
export async function openRuntimes(names: RuntimeName[], cgroups: CgroupSystem, host: HostInfo, dockerHost?: string): Promise<Runtimes> {
  const runtimes: Runtimes = {};
  try {
    if (names.includes('docker')) {
      const docker = await createDockerRuntime({ dockerHost, cgroups });
      runtimes.docker = docker;
      host.docker = docker.hostDockerInfo();
    }
    // A swarm's manager is an engine too: the same --docker-host (or DOCKER_HOST) names it.
    if (names.includes('swarm')) runtimes.swarm = await createSwarmRuntime({ dockerHost });
    if (names.includes('native')) runtimes.native = new NativeRuntime(cgroups);
    if (names.includes('fake')) runtimes.fake = new FakeRuntime();
  } catch (e) {
    await closeRuntimes(runtimes);
    throw e;
  }
  return runtimes;
}

export async function closeRuntimes(runtimes: Runtimes): Promise<void> {
  for (const rt of Object.values(runtimes)) await rt.close();
}
