// cgroup v1 driver: one directory per hierarchy (cpu, cpuacct, memory, blkio, pids[, cpuset])
// under <mount>/cgbench/<name>; a process joins by writing its pid to each cgroup.procs.

import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Reading, ResolvedLimits } from '../model/types.js';
import { CgbenchError } from '../model/errors.js';
import type { CgroupInfo } from './detect.js';
import { SUBTREE } from './detect.js';
import { assertSafeName, type CgroupGroup, killPids, monotonicNs, readPids, readSmall, readStatTexts, sleep, writeControl } from './group.js';
import { readingFromV1, V1_STAT_FILES } from './reading.js';
import { toV1Writes, v1ControllersFor } from './translate.js';

export class V1Group implements CgroupGroup {
  readonly driver = 'v1' as const;
  readonly procsFiles: string[];
  readonly statFiles: Record<string, string>;
  readonly dirs: string[];
  private destroyed = false;

  /** `dirByController`: controller -> this group's directory in that controller's hierarchy. */
  constructor(
    private readonly info: CgroupInfo,
    readonly relPath: string,
    private readonly dirByController: Record<string, string>,
    private readonly owned: boolean,
  ) {
    this.dirs = [...new Set(Object.values(dirByController))];
    this.procsFiles = this.dirs.map((d) => join(d, 'cgroup.procs'));
    this.statFiles = {};
    for (const key of V1_STAT_FILES) {
      const [controller, file] = key.split('/') as [string, string];
      const dir = dirByController[controller];
      if (dir) this.statFiles[key] = join(dir, file);
    }
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
    if (!this.owned) throw new CgbenchError('E_CGROUP', 'limits of an adopted group are set by its owner');
    for (const w of toV1Writes(limits, this.info.swapAccounting)) {
      const dir = this.dirByController[w.controller];
      if (!dir) throw new CgbenchError('E_CONTROLLER', `limit needs the v1 "${w.controller}" controller, which this group lacks`);
      writeControl(join(dir, w.file), w.value, `${w.controller} limit ${w.file}`);
    }
  }

  read(): Reading {
    return readingFromV1(monotonicNs(), readStatTexts(this.statFiles));
  }

  pids(): number[] {
    return [...new Set(this.procsFiles.flatMap(readPids))];
  }

  killAll(): void {
    // Only groups cgbench made: an adopted group's members are somebody else's to stop.
    if (this.owned) killPids(this.pids());
  }

  async destroy(): Promise<void> {
    if (this.destroyed || !this.owned) return;
    await removeV1Dirs(this.dirs, () => this.pids());
    this.destroyed = true;
  }
}

async function removeV1Dirs(dirs: string[], pids: () => number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    killPids(pids());
    let remaining = 0;
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      try {
        rmdirSync(dir);
      } catch {
        remaining++;
      }
    }
    if (remaining === 0) return;
    if (Date.now() > deadline) {
      throw new CgbenchError('E_CGROUP', `could not remove cgroup ${dirs.join(', ')}: processes remain`, 'run `cgbench clean` once they exit');
    }
    await sleep(20);
  }
}

export class V1System {
  constructor(readonly info: CgroupInfo) {}

  create(name: string, limits: ResolvedLimits): V1Group {
    assertSafeName(name);
    const rel = `${SUBTREE}/${name}`;
    const dirs: Record<string, string> = {};
    for (const c of v1ControllersFor(limits)) {
      const mount = this.info.v1Mounts[c];
      if (!mount) {
        throw new CgbenchError('E_CONTROLLER', `the v1 "${c}" controller is not mounted`, 'mount it under /sys/fs/cgroup or run `cgbench doctor`');
      }
      dirs[c] = join(mount, rel);
    }
    const group = new V1Group(this.info, rel, dirs, true);
    try {
      group.create();
      group.apply(limits);
    } catch (e) {
      void group.destroy();
      throw e;
    }
    return group;
  }

  /** Groups another runtime made (Docker), found from /proc/PID/cgroup; never removed by us. */
  adopt(pathsByController: Record<string, string>): CgroupGroup {
    const dirs: Record<string, string> = {};
    for (const [c, path] of Object.entries(pathsByController)) {
      const mount = this.info.v1Mounts[c];
      if (mount) dirs[c] = join(mount, path);
    }
    return new V1Group(this.info, pathsByController.cpu ?? pathsByController.memory ?? '/', dirs, false);
  }

  /** Leftover groups under every hierarchy's cgbench subtree. */
  leftovers(): string[] {
    const out = new Set<string>();
    for (const mount of new Set(Object.values(this.info.v1Mounts))) {
      const dir = join(mount, SUBTREE);
      if (!existsSync(dir)) continue;
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.add(e.name);
    }
    return [...out].sort();
  }

  pidsIn(name: string): number[] {
    assertSafeName(name);
    const dirs = [...new Set(Object.values(this.info.v1Mounts))].map((m) => join(m, SUBTREE, name)).filter(existsSync);
    return [...new Set(dirs.flatMap((d) => readPids(join(d, 'cgroup.procs'))))];
  }

  /** Remove the given leftover groups (or all), then the subtree roots if empty. */
  async clean(names?: string[]): Promise<string[]> {
    const targets = names ?? this.leftovers();
    for (const name of targets) {
      assertSafeName(name);
      const dirs = [...new Set(Object.values(this.info.v1Mounts))].map((m) => join(m, SUBTREE, name)).filter(existsSync);
      await removeV1Dirs(dirs, () => [...new Set(dirs.flatMap((d) => readPids(join(d, 'cgroup.procs'))))]);
    }
    return targets;
  }

  removeSubtreeIfEmpty(): void {
    for (const mount of new Set(Object.values(this.info.v1Mounts))) {
      try {
        rmdirSync(join(mount, SUBTREE));
      } catch {
        // not empty or not there
      }
    }
  }
}

