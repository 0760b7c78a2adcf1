// Finds out which cgroup layout this host has (v1, v2 or hybrid), where each controller lives
// and which controllers cgbench can use. The decision is pure over mountinfo text.

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupMode } from '../model/types.js';
import { CGROUP_MOUNT, V1_GROUP_CONTROLLERS } from './files.js';
import { parseMountInfo } from './parse.js';

const V1_CONTROLLERS = [
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'blkio',
  'pids',
  'devices',
  'freezer',
  'hugetlb',
  'perf_event',
  'net_cls',
  'net_prio',
  'rdma',
  'misc',
];

export interface CgroupLayout {
  mode: CgroupMode;
  /** Which driver cgbench uses: hybrid hosts keep their controllers in v1. */
  driver: 'v1' | 'v2';
  /** v1: controller -> mount point of its hierarchy. */
  v1Mounts: Record<string, string>;
  /** v2: mount point of the unified hierarchy (if any). */
  v2Mount: string | null;
}

export function layoutFromMountInfo(mountInfo: string): CgroupLayout {
  const mounts = parseMountInfo(mountInfo);
  const v1Mounts: Record<string, string> = {};
  let v2Mount: string | null = null;
  for (const m of mounts) {
    if (m.fsType === 'cgroup2') {
      // Prefer the conventional location when several are mounted.
      if (v2Mount === null || m.mountPoint === CGROUP_MOUNT) v2Mount = m.mountPoint;
    } else if (m.fsType === 'cgroup') {
      for (const opt of m.superOptions) {
        if (V1_CONTROLLERS.includes(opt) && !(opt in v1Mounts)) v1Mounts[opt] = m.mountPoint;
      }
    }
  }
  const hasV1 = Object.keys(v1Mounts).length > 0;
  let mode: CgroupMode;
  if (hasV1 && v2Mount) mode = 'hybrid';
  else if (hasV1) mode = 'v1';
  else mode = 'v2';
  return { mode, driver: hasV1 ? 'v1' : 'v2', v1Mounts, v2Mount };
}

export interface CgroupInfo extends CgroupLayout {
  /** Controllers cgbench can put limits on. */
  controllers: string[];
  /** Where cgbench's own subtree lives (v1: under each hierarchy; v2: this directory). */
  root: string;
  /** v1: memory.memsw.* exists (swap accounting); v2: memory.swap.max exists. */
  swapAccounting: boolean;
  /** Why a wanted controller is missing, for doctor. */
  missing: string[];
}

export const SUBTREE = 'cgbench';
const WANTED = ['cpu', 'memory', 'io', 'pids'];

export function detectCgroups(mountInfoPath = '/proc/self/mountinfo'): CgroupInfo {
  const layout = layoutFromMountInfo(readFileSync(mountInfoPath, 'utf8'));
  return describeLayout(layout);
}

function describeLayout(layout: CgroupLayout): CgroupInfo {
  const missing: string[] = [];
  if (layout.driver === 'v1') {
    const usable: readonly string[] = [...V1_GROUP_CONTROLLERS, 'cpuset'];
    const controllers = Object.keys(layout.v1Mounts).filter((c) => usable.includes(c));
    for (const c of V1_GROUP_CONTROLLERS) {
      if (!controllers.includes(c)) missing.push(`${c} (v1 hierarchy not mounted)`);
    }
    const mem = layout.v1Mounts.memory;
    const swapAccounting = mem !== undefined && existsSync(join(mem, 'memory.memsw.limit_in_bytes'));
    return { ...layout, controllers: controllers.map((c) => (c === 'blkio' ? 'io' : c)), root: SUBTREE, swapAccounting, missing };
  }
  const mount = layout.v2Mount ?? CGROUP_MOUNT;
  let controllers: string[] = [];
  try {
    controllers = readFileSync(join(mount, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    missing.push(`cgroup2 at ${mount} is not readable`);
  }
  for (const c of WANTED) if (!controllers.includes(c)) missing.push(`${c} (not in ${mount}/cgroup.controllers)`);
  return {
    ...layout,
    controllers,
    root: join(mount, SUBTREE),
    swapAccounting: existsSync(join(mount, 'memory.swap.max')) || controllers.includes('memory'),
    missing,
  };
}
