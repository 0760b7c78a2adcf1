// Entry point of the cgroup layer: detect the host's layout and hand out the matching driver.

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
  clean(names?: string[]): Promise<string[]>;
  removeSubtreeIfEmpty(): void;
}

export function openCgroups(info: CgroupInfo = detectCgroups()): CgroupSystem {
  if (info.driver === 'v1') {
    const sys = new V1System(info);
    return {
      info,
      create: (name, limits) => sys.create(name, limits),
      adoptFromProcCgroup: (text) => {
        const paths: Record<string, string> = {};
        for (const entry of parseProcCgroup(text)) for (const c of entry.controllers) paths[c] = entry.path;
        return sys.adopt(paths);
      },
      leftovers: () => sys.leftovers(),
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
      return sys.adopt(unified?.path ?? '/');
    },
    leftovers: () => sys.leftovers(),
    clean: (names) => sys.clean(names),
    removeSubtreeIfEmpty: () => sys.removeSubtreeIfEmpty(),
  };
}

export type { CgroupGroup } from './group.js';
export type { CgroupInfo } from './detect.js';
export { detectCgroups } from './detect.js';
