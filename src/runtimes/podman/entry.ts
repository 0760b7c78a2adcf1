// The podman runtime's entry in the runtime registry: what `podman run` (4.3) can set of each knob, and how
// the runtime opens (podman checked, image built), cleans up, checks itself and records its engine.

import { recordEngine } from '../../model/engines.js';
import { cleanDockerLeftovers } from '../docker/clean.js';
import { type KnobColumn, SET, skip } from '../knob-rules.js';
import type { DoctorCheck, RuntimeEntry } from '../registry.js';
import { PODMAN_INSTALL_HINT, podmanBin, podmanCli, podmanEngineInfo, podmanVersion } from './engine.js';
import { createPodmanRuntime } from './runtime.js';

/** `podman run --blkio-weight` accepts 10..1000, as docker's. */
const PODMAN_BLKIO_WEIGHT_MIN = 10;

/** What `podman run` has flags for (docker's set); the rest runs without (recorded on the cell). */
export const PODMAN_KNOBS: KnobColumn = {
  cpu: SET,
  cpuBurst: skip('cpu burst (podman run has no flag for cpu.cfs_burst_us / cpu.max.burst)'),
  cpuWeight: SET,
  memoryMax: SET,
  memorySwap: (l) =>
    l.memory?.maxBytes == null ? skip('memory swap without a memory max (podman limits swap only together with --memory)') : SET,
  memoryHigh: skip('memory.high (podman run has no flag for it; --memory-reservation is a soft limit, not reclaim throttling)'),
  io: SET,
  pids: SET,
  cpuset: SET,
  ioWeight: (l) =>
    (l.ioWeight ?? PODMAN_BLKIO_WEIGHT_MIN) < PODMAN_BLKIO_WEIGHT_MIN
      ? skip(`an io weight of ${l.ioWeight} (podman's --blkio-weight takes ${PODMAN_BLKIO_WEIGHT_MIN}..1000)`)
      : SET,
};

/** Podman is optional (only --runtime podman needs it): client, and what it runs containers with. */
async function podmanCheck(): Promise<DoctorCheck> {
  const client = await podmanVersion();
  if (!client)
    return { name: 'podman', ok: false, detail: 'podman not installed (only needed for --runtime podman)', fix: PODMAN_INSTALL_HINT };
  try {
    const info = await podmanEngineInfo(podmanCli());
    const drivers = `storage driver ${info.storageDriver}, cgroup manager ${info.cgroupDriver}, cgroup v${info.cgroupVersion}`;
    return { name: 'podman', ok: true, detail: `${client}: ${drivers}` };
  } catch (e) {
    return { name: 'podman', ok: false, detail: `${client}; ${(e as Error).message}`, fix: 'check `podman info` as root' };
  }
}

export const podmanEntry: RuntimeEntry = {
  summary: `a container per run from rootful podman ("${podmanBin()}", cgroupfs manager), limits as podman run flags`,
  mode: 'run',
  knobs: PODMAN_KNOBS,
  // Rootful podman runs its containers on this machine.
  measuresHost: () => true,
  open: async ({ cgroups, host }) => {
    const { runtime, info } = await createPodmanRuntime({ cgroups });
    recordEngine(host, 'podman', info);
    return runtime;
  },
  clean: async ({ dryRun, images }) => ({ containers: await cleanDockerLeftovers(undefined, { docker: podmanCli(), dryRun, images }) }),
  doctor: () => podmanCheck(),
};
