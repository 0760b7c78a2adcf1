// The cgroup layer's interfaces. Readers (sampler, scheduler, messages) get a read-only view of a
// group; only the group's owner, the runtime that made it, can put processes in, limit, kill or remove it.

import type { ResolvedLimits, Reading } from '../model/types.js';
import type { CgroupInfo } from './detect.js';

/** What may be seen of a group: where it is, its stat files, and a reading of them. */
export interface GroupView {
  /** Path relative to the hierarchy roots, e.g. "cgbench/1a2b-3". */
  readonly relPath: string;
  readonly driver: 'v1' | 'v2';
  /** Stat files to read: key (as in V1_STAT_FILES / V2_STAT_FILES) -> absolute path. */
  readonly statFiles: Record<string, string>;
  /** Directories of the group, one per hierarchy. */
  readonly dirs: string[];
  read(): Reading;
}

/** A group cgbench made, in the hands of its owner. */
export interface OwnedGroup extends GroupView {
  /** Every cgroup.procs file a process must be written to in order to join the group. */
  readonly procsFiles: string[];
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
  create(name: string, limits: ResolvedLimits): OwnedGroup;
  /** The groups a foreign process (a Docker container) lives in, from /proc/PID/cgroup text: read-only. */
  adoptFromProcCgroup(procCgroupText: string): GroupView;
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
    void group.destroy();
    throw e;
  }
  return group;
}
