// cgroup v2 driver: groups live in <mount>/cgbench/<name>. Controllers are enabled top-down in
// cgroup.subtree_control; the cgbench directory itself holds no process (no-internal-process rule).

import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { CgbenchError } from '../model/errors.js';
import type { GroupLocation, ResolvedLimits } from '../model/types.js';
import { type CgroupInfo, SUBTREE } from './detect.js';
import { assertSafeName, CGROUP_MOUNT, killPids, readPids, readSmall, removeGroupDirs, writeControl } from './files.js';
import { type CgroupSystem, type OwnedGroup, setUpOrRemove } from './group.js';
import { toV2Writes, v2ControllersFor } from './translate.js';

/** A v2 group: one directory. */
class V2Group implements OwnedGroup {
  readonly driver = 'v2' as const;
  readonly dirs: string[];
  readonly location: GroupLocation;
  private destroyed = false;

  constructor(
    readonly relPath: string,
    private readonly dir: string,
  ) {
    this.dirs = [dir];
    this.location = { driver: 'v2', dir };
  }

  apply(limits: ResolvedLimits): void {
    // memory.swap.max only exists with swap accounting (CONFIG_MEMCG_SWAP); skip it where absent.
    const swap = existsSync(join(this.dir, 'memory.swap.max'));
    for (const w of toV2Writes(limits, swap)) writeControl(join(this.dir, w.file), w.value, `limit ${w.file}`);
  }

  pids(): number[] {
    return readPids(join(this.dir, 'cgroup.procs'));
  }

  killAll(): void {
    killV2(this.dir);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await removeV2Dir(this.dir);
    this.destroyed = true;
  }
}

function killV2(dir: string): void {
  // cgroup.kill (5.14+) kills atomically, forks included; fall back to signalling each pid.
  if (existsSync(join(dir, 'cgroup.kill'))) {
    try {
      writeControl(join(dir, 'cgroup.kill'), '1', 'cgroup.kill');
      return;
    } catch {
      // fall through
    }
  }
  killPids(readPids(join(dir, 'cgroup.procs')));
}

function removeV2Dir(dir: string): Promise<void> {
  return removeGroupDirs([dir], () => {
    if (existsSync(dir)) killV2(dir);
  });
}

export class V2System implements CgroupSystem {
  /** Controllers already enabled down to the cgbench subtree. */
  private readonly enabled = new Set<string>();

  constructor(readonly info: CgroupInfo) {}

  private get mount(): string {
    return this.info.v2Mount ?? CGROUP_MOUNT;
  }

  /** Enable the controllers a group needs in the root's and cgbench's subtree_control. */
  private prepare(controllers: string[]): void {
    const missing = controllers.filter((c) => !this.info.controllers.includes(c));
    if (missing.length) {
      throw new CgbenchError(
        'E_CONTROLLER',
        `cgroup v2 controller(s) ${missing.join(', ')} not available in ${this.mount}/cgroup.controllers`,
        'enable them in the parent cgroup (systemd: Delegate=yes) or run `cgbench doctor`',
      );
    }
    const todo = controllers.filter((c) => !this.enabled.has(c));
    if (!todo.length) return;
    const enableIn = (dir: string): void => {
      const current = (readSmall(join(dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
      const missingHere = todo.filter((c) => !current.includes(c));
      if (missingHere.length) {
        writeControl(join(dir, 'cgroup.subtree_control'), missingHere.map((c) => `+${c}`).join(' '), `controllers in ${dir}`);
      }
    };
    enableIn(this.mount);
    mkdirSync(this.info.root, { recursive: true });
    enableIn(this.info.root);
    for (const c of todo) this.enabled.add(c);
  }

  create(name: string, limits: ResolvedLimits, parent?: OwnedGroup): OwnedGroup {
    assertSafeName(name);
    const controllers = v2ControllersFor(limits);
    this.prepare(controllers);
    const under = parent?.location.driver === 'v2' ? parent.location.dir : this.info.root;
    if (parent) {
      // A parent passes on only the controllers its subtree_control enables (and holds no process itself).
      const current = (readSmall(join(under, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
      const missing = controllers.filter((c) => !current.includes(c));
      if (missing.length)
        writeControl(join(under, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '), `controllers in ${under}`);
    }
    const dir = join(under, name);
    mkdirSync(dir, { recursive: true });
    const rel = parent ? `${parent.relPath}/${name}` : `${SUBTREE}/${name}`;
    return setUpOrRemove(new V2Group(rel, dir), (g) => g.apply(limits));
  }

  leftovers(): string[] {
    if (!existsSync(this.info.root)) return [];
    return readdirSync(this.info.root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  }

  pidsIn(name: string): number[] {
    assertSafeName(name);
    return readPids(join(this.info.root, name, 'cgroup.procs'));
  }

  async clean(names?: string[]): Promise<string[]> {
    const targets = names ?? this.leftovers();
    for (const name of targets) {
      assertSafeName(name);
      await removeV2Dir(join(this.info.root, name));
    }
    return targets;
  }

  removeSubtreeIfEmpty(): void {
    try {
      rmdirSync(this.info.root);
    } catch {
      // not empty or not there
    }
  }
}
