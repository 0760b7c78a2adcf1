// Entry point of the cgroup layer: detect the host's layout and hand out the matching system.

import { type CgroupInfo, detectCgroups } from './detect.js';
import type { CgroupSystem } from './group.js';
import { V1System } from './v1.js';
import { V2System } from './v2.js';

export function openCgroups(info: CgroupInfo = detectCgroups()): CgroupSystem {
  return info.driver === 'v1' ? new V1System(info) : new V2System(info);
}

export type { CgroupSystem, OwnedGroup } from './group.js';
export type { CgroupInfo } from './detect.js';
