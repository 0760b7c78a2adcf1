// The podman runtime: the docker runtime's containers (docker/runtime.ts: a `run -i` of the workload image per
// run, limits as flags, the launcher sampling the container's own group) through the podman client, whose
// command line is docker's. What differs is here: the client and its global flags, the ulimits, `cp`, and a
// default parent group of cgbench's for the containers (podman's own stays behind in every hierarchy).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type CgroupSystem, openCgroups } from '../../cgroup/index.js';
import { suiteIdFor } from '../../model/owner.js';
import { NATIVE_DIR } from '../../model/paths.js';
import type { EngineInfo } from '../../model/types.js';
import { assertNativeBuilt } from '../../programs/registry.js';
import { clientName } from '../docker/client.js';
import { DOCKER_TIMEOUTS } from '../docker/names.js';
import { ensureImage } from '../docker/image.js';
import { DockerRuntime } from '../docker/runtime.js';
import { PODMAN_GLOBAL_ARGS, podmanBin, podmanCli, podmanEngineInfo, ulimitFlags } from './engine.js';

export interface PodmanRuntimeOptions {
  /** This host's cgroups, where a shared parent group and the default parent are (default: this host's). */
  cgroups?: CgroupSystem;
  /** Directory of the static binaries the image is built from (default: native/build). */
  binDir?: string;
  /** How long `podman run` may take to get the launcher running, ms (default 60 s). */
  startTimeoutMs?: number;
}

/**
 * The group under cgbench's subtree that holds the containers of runs without a shared parent, and their conmon:
 * without a --cgroup-parent, podman's cgroupfs manager parks them in libpod_parent in every hierarchy and never
 * removes it. Named for this process as a suite's groups are, so a later `cgbench clean` or run removes it
 * when this cgbench was killed, and keeps it while it runs.
 */
export function defaultParentName(pid = process.pid): string {
  return `${suiteIdFor(pid, randomBytes(3).toString('hex'))}-podman`;
}

/** Checks podman works here (E_DOCKER when not), then builds the workload image as for Docker (`podman
 *  import` of the same tarball, no registry) if these binaries have none yet. */
export async function createPodmanRuntime(opts: PodmanRuntimeOptions = {}): Promise<{ runtime: DockerRuntime; info: EngineInfo }> {
  const bin = podmanBin();
  const podman = podmanCli(bin);
  const info = await podmanEngineInfo(podman, bin);
  const binDir = opts.binDir ?? NATIVE_DIR;
  if (!opts.binDir) assertNativeBuilt();
  const image = await ensureImage(podman, binDir, clientName(bin));
  const runtime = new DockerRuntime({
    cgroups: opts.cgroups ?? openCgroups(),
    defaultParent: defaultParentName(),
    runtime: 'podman',
    docker: podman,
    bin,
    hostArgs: [...PODMAN_GLOBAL_ARGS],
    image,
    binDir,
    info,
    startTimeoutMs: opts.startTimeoutMs ?? DOCKER_TIMEOUTS.start,
    runFlags: ulimitFlags(readFileSync('/proc/self/limits', 'utf8')),
    // podman cp follows symlinks itself and has no -L.
    cpArgs: ['cp'],
  });
  return { runtime, info };
}
