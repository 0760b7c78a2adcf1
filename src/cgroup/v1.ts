// cgroup v1 driver: one directory per hierarchy (cpu, cpuacct, memory, blkio, pids[, cpuset])
// under <mount>/cgbench/<name>; a process joins by writing its pid to each cgroup.procs.

import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { CgbenchError } from '../model/errors.js';
import type { GroupLocation, ResolvedLimits } from '../model/types.js';
import type { CgroupInfo } from './detect.js';
import { SUBTREE } from './detect.js';
import { assertSafeName, CGROUP_MOUNT, killPids, readPids, readSmall, removeGroupDirs, writeControl } from './files.js';
import { type CgroupSystem, type OwnedGroup, setUpOrRemove } from './group.js';
import { toV1Writes, v1ControllersFor } from './translate.js';

/** A v1 group: one directory per hierarchy. `dirByController`: controller -> its directory there. */
class V1Group implements OwnedGroup {
  readonly driver = 'v1' as const;
  readonly dirs: string[];
  readonly location: GroupLocation;
  private readonly procsFiles: string[];
  private destroyed = false;

  constructor(
    private readonly info: CgroupInfo,
    readonly relPath: string,
    private readonly dirByController: Record<string, string>,
  ) {
    this.dirs = [...new Set(Object.values(dirByController))];
    this.procsFiles = this.dirs.map((d) => join(d, 'cgroup.procs'));
    this.location = { driver: 'v1', dirs: { ...dirByController } };
  }

  create(): void {
    for (const dir of this.dirs) mkdirSync(dir, { recursive: true });
    const cpuset = this.dirByController.cpuset;
    if (cpuset) {
      // A v1 cpuset group accepts no process until cpus and mems are set, and a new group starts
      // empty: fill the cgbench parent from the root, then this group from the parent.
      for (const dir of [join(cpuset, '..'), cpuset]) {
        for (const f of ['cpuset.mems', 'cpuset.cpus']) {
          if ((readSmall(join(dir, f)) ?? '').trim()) continue;
          const parent = readSmall(join(dir, '..', f))?.trim();
          if (parent) writeControl(join(dir, f), parent, f);
        }
      }
    }
  }

  apply(limits: ResolvedLimits): void {
    for (const w of toV1Writes(limits, this.info.swapAccounting)) {
      const dir = this.dirByController[w.controller];
      if (!dir) throw new CgbenchError('E_CONTROLLER', `limit needs the v1 "${w.controller}" controller, which this group lacks`);
      writeControl(join(dir, w.file), w.value, `${w.controller} limit ${w.file}`);
    }
  }

  pids(): number[] {
    return [...new Set(this.procsFiles.flatMap(readPids))];
  }

  killAll(): void {
    killPids(this.pids());
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await removeGroupDirs(this.dirs, () => this.killAll());
    this.destroyed = true;
  }
}

export class V1System implements CgroupSystem {
  constructor(readonly info: CgroupInfo) {}

  private get mounts(): string[] {
    return [...new Set(Object.values(this.info.v1Mounts))];
  }

  /** Every hierarchy a group of cgbench's may have directories in: the controllers' and, under the cgroup
   *  mount, the others (name=systemd, a hybrid host's unified one), where a container engine's runc makes a
   *  container's path too when cgbench names its parent (--cgroup-parent). */
  private get hierarchies(): string[] {
    let others: string[] = [];
    try {
      others = readdirSync(CGROUP_MOUNT, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(CGROUP_MOUNT, e.name));
    } catch {
      // no cgroup mount there: the controllers' mounts are all there is
    }
    return [...new Set([...this.mounts, ...others])];
  }

  /** A leftover group's directories, in every hierarchy that has it. */
  private dirsOf(name: string): string[] {
    assertSafeName(name);
    return this.hierarchies.map((m) => join(m, SUBTREE, name)).filter(existsSync);
  }

  create(name: string, limits: ResolvedLimits, parent?: OwnedGroup): OwnedGroup {
    assertSafeName(name);
    const rel = parent ? `${parent.relPath}/${name}` : `${SUBTREE}/${name}`;
    const dirs: Record<string, string> = {};
    const parentDirs = parent?.location.driver === 'v1' ? parent.location.dirs : undefined;
    for (const c of v1ControllersFor(limits)) {
      if (parentDirs) {
        const under = parentDirs[c];
        if (!under)
          throw new CgbenchError(
            'E_SCENARIO',
            `a group with the v1 "${c}" controller cannot sit in a shared parent without it`,
            'drop the cpuset or the parent',
          );
        dirs[c] = join(under, name);
        continue;
      }
      const mount = this.info.v1Mounts[c];
      if (!mount) {
        throw new CgbenchError(
          'E_CONTROLLER',
          `the v1 "${c}" controller is not mounted`,
          `mount it under ${CGROUP_MOUNT} or run \`cgbench doctor\``,
        );
      }
      dirs[c] = join(mount, rel);
    }
    return setUpOrRemove(new V1Group(this.info, rel, dirs), (g) => {
      g.create();
      g.apply(limits);
    });
  }

  leftovers(): string[] {
    const out = new Set<string>();
    for (const mount of this.hierarchies) {
      const dir = join(mount, SUBTREE);
      if (!existsSync(dir)) continue;
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.add(e.name);
    }
    return [...out].sort();
  }

  pidsIn(name: string): number[] {
    return [...new Set(this.dirsOf(name).flatMap((d) => readPids(join(d, 'cgroup.procs'))))];
  }

  async clean(names?: string[]): Promise<string[]> {
    const targets = names ?? this.leftovers();
    for (const name of targets) await removeGroupDirs(this.dirsOf(name), () => killPids(this.pidsIn(name)));
    return targets;
  }

  removeSubtreeIfEmpty(): void {
    for (const mount of this.hierarchies) {
      try {
        rmdirSync(join(mount, SUBTREE));
      } catch {
        // not empty or not there
      }
    }
  }
}
