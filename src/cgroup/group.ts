// The interface of one cgroup made (or found) by cgbench, shared by the v1 and v2 drivers,
// and the small synchronous file helpers both use.

import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import type { Reading, ResolvedLimits } from '../model/types.js';
import { CgbenchError } from '../model/errors.js';

export interface CgroupGroup {
  /** Path relative to the hierarchy roots, e.g. "cgbench/1a2b-3". */
  readonly relPath: string;
  readonly driver: 'v1' | 'v2';
  /** Every cgroup.procs file a process must be written to in order to join the group. */
  readonly procsFiles: string[];
  /** Stat files to read: key (as in V1_STAT_FILES / V2_STAT_FILES) -> absolute path. */
  readonly statFiles: Record<string, string>;
  /** Directories of the group, one per hierarchy. */
  readonly dirs: string[];
  apply(limits: ResolvedLimits): void;
  read(): Reading;
  pids(): number[];
  /** SIGKILL every process in the group. */
  killAll(): void;
  /** Kill, wait until empty, remove. Safe to call twice. Only for groups cgbench made. */
  destroy(): Promise<void>;
}

export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

const buf = Buffer.alloc(64 * 1024);

/** Read a small kernel file; undefined when it does not exist. */
export function readSmall(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The current text of every stat file (undefined where a file is absent). */
export function readStatTexts(statFiles: Record<string, string>): Record<string, string | undefined> {
  const texts: Record<string, string | undefined> = {};
  for (const [key, path] of Object.entries(statFiles)) texts[key] = readSmall(path);
  return texts;
}

export function writeControl(path: string, value: string, what: string): void {
  try {
    writeFileSync(path, value);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const root = process.getuid?.() === 0;
    const hint =
      (err.code === 'EACCES' || err.code === 'EPERM') && !root
        ? 'run cgbench as root (sudo)'
        : err.code === 'EACCES' || err.code === 'EPERM'
          ? 'the kernel refused it even for root: the parent group must allow it (cpuset: the parent\'s cpus and mems must include the value)'
        : err.code === 'EINVAL'
          ? 'the kernel rejected the value; check the limit is in range'
          : err.code === 'ENOENT'
            ? 'the controller file is missing on this kernel; run `cgbench doctor`'
            : undefined;
    throw new CgbenchError('E_CGROUP', `cannot set ${what}: writing "${value.trim()}" to ${path} failed (${err.code ?? err.message})`, hint);
  }
}

export function readPids(procsPath: string): number[] {
  try {
    return readFileSync(procsPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A group name must stay inside cgbench's subtree: no separators, no dot-dot. */
export function assertSafeName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(name) || name.includes('..')) {
    throw new CgbenchError('E_CGROUP', `unsafe cgroup name "${name}"`, 'use letters, digits, ".", "_" and "-" only');
  }
}
