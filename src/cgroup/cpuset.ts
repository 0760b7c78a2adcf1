// The CPUs a run's cpuset may name: those of the group cgbench's groups live under (its subtree, or
// the root before the subtree exists), so a cpuset the kernel would refuse is caught before the first run.

import { join } from 'node:path';
import type { CgroupInfo } from './detect.js';
import { SUBTREE } from './detect.js';
import { readSmall } from './files.js';

/** The parent's CPU list ("0-1"): v1 cpuset.cpus, v2 cpuset.cpus.effective; the online CPUs without a cpuset hierarchy. */
export function parentCpus(info: CgroupInfo, sysRoot = '/sys'): string {
  const candidates: string[] = [];
  if (info.driver === 'v1') {
    const mount = info.v1Mounts.cpuset;
    if (mount) candidates.push(join(mount, SUBTREE, 'cpuset.cpus'), join(mount, 'cpuset.cpus'));
  } else {
    const mount = info.v2Mount ?? join(sysRoot, 'fs/cgroup');
    candidates.push(join(mount, SUBTREE, 'cpuset.cpus.effective'), join(mount, 'cpuset.cpus.effective'));
  }
  candidates.push(join(sysRoot, 'devices/system/cpu/online'));
  for (const f of candidates) {
    const text = readSmall(f)?.trim();
    if (text) return text;
  }
  return '';
}
