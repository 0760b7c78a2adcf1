// What a command needs of this machine, checked the same way by run, doctor and clean: root, the cgroup
// controllers, and the scratch directory (its default, and that it answers at all).

import type { CgroupInfo } from '../cgroup/detect.js';
import { isRoot } from '../cgroup/files.js';
import { CgbenchError } from '../model/errors.js';
import { pathReason, statDir } from '../model/user-files.js';

/** E.g. requireRoot('cgbench clean', 'to remove cgroups'). */
export function requireRoot(command: string, why: string): void {
  if (!isRoot()) throw new CgbenchError('E_NOT_ROOT', `${command} needs root ${why}`, 'run it with sudo (or as root)');
}

/** Refuse a host on which a controller cgbench needs is missing. */
export function requireControllers(info: CgroupInfo): void {
  if (info.missing.length)
    throw new CgbenchError('E_CONTROLLER', `missing cgroup controllers: ${info.missing.join('; ')}`, 'see `cgbench doctor`');
}

export function defaultScratchDir(): string {
  return process.env.CGBENCH_SCRATCH ?? process.env.TMPDIR ?? '/var/tmp';
}

/** The scratch directory answers (bounded): the disk lookup after it is synchronous and must not meet a hung mount. */
export async function probeScratch(dir: string): Promise<void> {
  try {
    await statDir(dir);
  } catch (e) {
    throw new CgbenchError(
      'E_IO_TARGET',
      `scratch directory ${dir} is not accessible (${pathReason(e)})`,
      'create it or pass --scratch DIR on a real disk',
    );
  }
}
