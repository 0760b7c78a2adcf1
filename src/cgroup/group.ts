// The cgroup layer's interfaces: a group cgbench made, in the hands of the runtime that owns it, and the
// system (v1 or v2 layout) that makes, finds and cleans up cgbench's groups. Nobody else reads a group:
// the launcher samples it and reports the readings.

import type { GroupLocation, ResolvedLimits } from '../model/types.js';
import type { CgroupInfo } from './detect.js';

/** A group cgbench made. */
export interface OwnedGroup {
  /** Path relative to the hierarchy roots, e.g. "cgbench/1a2b-3". */
  readonly relPath: string;
  readonly driver: 'v1' | 'v2';
  /** Directories of the group, one per hierarchy. */
  readonly dirs: string[];
  /** Where the launcher puts the workload and finds the stat files. */
  readonly location: GroupLocation;
  apply(limits: ResolvedLimits): void;
  pids(): number[];
  /** SIGKILL every process in the group. */
  killAll(): void;
  /** Kill, wait until empty, remove. Safe to call twice. */
  destroy(): Promise<void>;
}

/** One cgroup hierarchy layout (v1 or v2): makes, finds and cleans up cgbench's groups. */
export interface CgroupSystem {
  readonly info: CgroupInfo;
  /** A group under cgbench's subtree, or inside `parent` (a shared parent over a run and its neighbours). */
  create(name: string, limits: ResolvedLimits, parent?: OwnedGroup): OwnedGroup;
  /** Names of the groups under cgbench's subtree (leftovers of killed suites, or a running one's). */
  leftovers(): string[];
  /** Pids still in a leftover group (a suite that is still running, or an orphaned workload). */
  pidsIn(name: string): number[];
  /** Remove the given leftover groups (or all); returns their names. */
  clean(names?: string[]): Promise<string[]>;
  removeSubtreeIfEmpty(): void;
}

/** Runs a new group's set-up; a group whose set-up fails is removed again, never left half made. */
export function setUpOrRemove<G extends OwnedGroup>(group: G, setUp: (g: G) => void): G {
  try {
    setUp(group);
  } catch (e) {
    // The set-up error is the one to report; a failed removal leaves a group `cgbench clean` finds.
    group.destroy().catch(() => undefined);
    throw e;
  }
  return group;
}
