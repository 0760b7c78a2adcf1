// `cgbench clean`: finds and removes groups a crashed or killed cgbench left behind.

import { openCgroups } from '../cgroup/index.js';
import { CgbenchError } from '../model/errors.js';

export async function cleanCommand(dryRun: boolean): Promise<string[]> {
  if (process.getuid?.() !== 0 && !dryRun) {
    throw new CgbenchError('E_NOT_ROOT', 'cgbench clean needs root to remove cgroups', 'run it with sudo');
  }
  const cgroups = openCgroups();
  const found = cgroups.leftovers();
  if (dryRun) return found;
  await cgroups.clean(found);
  cgroups.removeSubtreeIfEmpty();
  return found;
}
