// `cgbench clean`: finds and removes groups and Docker containers a crashed or killed cgbench left behind.

import { openCgroups } from '../cgroup/index.js';
import { CgbenchError } from '../model/errors.js';
import { cleanDockerLeftovers } from '../runtimes/docker.js';

export interface CleanResult {
  groups: string[];
  containers: string[];
}

export async function cleanCommand(dryRun: boolean, docker: { dockerHost?: string; images?: boolean } = {}): Promise<CleanResult> {
  if (process.getuid?.() !== 0 && !dryRun) {
    throw new CgbenchError('E_NOT_ROOT', 'cgbench clean needs root to remove cgroups', 'run it with sudo');
  }
  // Containers first: removing them empties their groups. No engine answering means nothing to clean there.
  const containers = await cleanDockerLeftovers(docker.dockerHost, { dryRun, images: docker.images });
  const cgroups = openCgroups();
  const groups = cgroups.leftovers();
  if (dryRun) return { groups, containers };
  await cgroups.clean(groups);
  cgroups.removeSubtreeIfEmpty();
  return { groups, containers };
}
