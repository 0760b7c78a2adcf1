// The podman runtime's entry in the runtime registry: what `podman run` (4.3) can set of each knob, and how
// the runtime opens (podman checked, image built), cleans up, checks itself and records its engine.

import { recordEngine } from '../../model/engines.js';
import { cleanDockerLeftovers } from '../docker/clean.js';
import { clientName } from '../docker/client.js';
import { containerKnobs } from '../docker/entry.js';
import type { KnobColumn } from '../knob-rules.js';
import type { DoctorCheck, RuntimeEntry } from '../registry.js';
import { PODMAN_INSTALL_HINT, podmanBin, podmanCli, podmanEngineInfo, podmanVersion } from './engine.js';
import { createPodmanRuntime } from './runtime.js';

/** What `podman run` has flags for: docker's set, in podman's words. */
export const PODMAN_KNOBS: KnobColumn = containerKnobs('podman');

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
  summary:
    `a container per run from rootful podman ("${podmanBin()}", cgroupfs manager), limits as podman run flags; ` + 'services as on docker',
  mode: 'run',
  knobs: PODMAN_KNOBS,
  // Rootful podman runs its containers on this machine.
  measuresHost: () => true,
  open: async ({ cgroups, host }) => {
    const { runtime, info } = await createPodmanRuntime({ cgroups });
    recordEngine(host, 'podman', info);
    return runtime;
  },
  clean: async ({ dryRun, images }) => ({
    containers: await cleanDockerLeftovers(undefined, { docker: podmanCli(), client: clientName(podmanBin()), dryRun, images }),
  }),
  doctor: () => podmanCheck(),
};
