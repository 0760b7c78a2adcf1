// Entry point of the cgroup layer: detect the host's layout and hand out the matching driver.

import { CgbenchError } from '../model/errors.js';
import type { ResolvedLimits } from '../model/types.js';
import { type CgroupInfo, detectCgroups } from './detect.js';
import type { CgroupGroup } from './group.js';
import { parseProcCgroup } from './parse.js';
import { V1System } from './v1.js';
import { V2System } from './v2.js';

export interface CgroupSystem {
  readonly info: CgroupInfo;
  create(name: string, limits: ResolvedLimits): CgroupGroup;
  /** The groups a foreign process (a Docker container) lives in, from /proc/PID/cgroup text. */
  adoptFromProcCgroup(procCgroupText: string): CgroupGroup;
  leftovers(): string[];
  /** Pids still in a leftover group (a suite that is still running, or an orphaned workload). */
  pidsIn(name: string): number[];
  clean(names?: string[]): Promise<string[]>;
  removeSubtreeIfEmpty(): void;
}

/** The v1 hierarchies whose stat files cgbench reads; others (devices, freezer...) are not its business. */
const ADOPTED_V1 = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'];

/** A foreign process in a root cgroup has no group of its own to read: refuse rather than read the host's. */
function assertNotRoot(path: string): string {
  if (path === '/' || path === '') {
    throw new CgbenchError('E_CGROUP', 'the container runs in the root cgroup, so it has no group of its own to read', 'run the engine with its own cgroups (cgroupfs or systemd driver, not --cgroup-parent=/)');
  }
  return path;
}

export function openCgroups(info: CgroupInfo = detectCgroups()): CgroupSystem {
  if (info.driver === 'v1') {
    const sys = new V1System(info);
    return {
      info,
      create: (name, limits) => sys.create(name, limits),
      adoptFromProcCgroup: (text) => {
        const paths: Record<string, string> = {};
        for (const entry of parseProcCgroup(text)) {
          for (const c of entry.controllers) if (ADOPTED_V1.includes(c)) paths[c] = assertNotRoot(entry.path);
        }
        return sys.adopt(paths);
      },
      leftovers: () => sys.leftovers(),
      pidsIn: (name) => sys.pidsIn(name),
      clean: (names) => sys.clean(names),
      removeSubtreeIfEmpty: () => sys.removeSubtreeIfEmpty(),
    };
  }
  const sys = new V2System(info);
  return {
    info,
    create: (name, limits) => sys.create(name, limits),
    adoptFromProcCgroup: (text) => {
      const unified = parseProcCgroup(text).find((e) => e.id === 0);
      return sys.adopt(assertNotRoot(unified?.path ?? '/'));
    },
    leftovers: () => sys.leftovers(),
    pidsIn: (name) => sys.pidsOf(name),
    clean: (names) => sys.clean(names),
    removeSubtreeIfEmpty: () => sys.removeSubtreeIfEmpty(),
  };
}

export type { CgroupGroup } from './group.js';
export type { CgroupInfo } from './detect.js';
export { detectCgroups } from './detect.js';
