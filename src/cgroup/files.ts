// Small synchronous helpers for cgroupfs files: read a control file, write one with a message that
// names the fix, list and kill a group's processes, and keep group names inside cgbench's subtree.

import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../model/clock.js';
import { CgbenchError } from '../model/errors.js';

/** Where cgroup hierarchies are mounted by convention (v2's one, or v1's per-controller ones below it). */
export const CGROUP_MOUNT = '/sys/fs/cgroup';
/** The v1 hierarchies every cgbench group joins: the ones its stat files are in. */
export const V1_GROUP_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'] as const;
/** How long a group's processes may take to die before removing it is given up. */
const REMOVE_TIMEOUT_MS = 10_000;
const REMOVE_POLL_MS = 20;

export function isRoot(): boolean {
  return process.getuid?.() === 0;
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

function writeHint(code: string | undefined): string | undefined {
  const denied = code === 'EACCES' || code === 'EPERM';
  if (denied && !isRoot()) return 'run cgbench as root (sudo)';
  if (denied) {
    return "the kernel refused it even for root: the parent group must allow it (cpuset: the parent's cpus and mems must include it)";
  }
  if (code === 'EINVAL') return 'the kernel rejected the value; check the limit is in range';
  if (code === 'ENOENT') return 'the controller file is missing on this kernel; run `cgbench doctor`';
  return undefined;
}

export function writeControl(path: string, value: string, what: string): void {
  try {
    writeFileSync(path, value);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CgbenchError(
      'E_CGROUP',
      `cannot set ${what}: writing "${value.trim()}" to ${path} failed (${err.code ?? err.message})`,
      writeHint(err.code),
    );
  }
}

export function readPids(procsPath: string): number[] {
  try {
    return readFileSync(procsPath, 'utf8').split('\n').filter(Boolean).map(Number);
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

/** A name safe as a group directory and a container name: no separators, no dot-dot. */
export function isSafeName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(name) && !name.includes('..');
}

/** A group name must stay inside cgbench's subtree. */
export function assertSafeName(name: string): void {
  if (!isSafeName(name)) {
    throw new CgbenchError('E_CGROUP', `unsafe cgroup name "${name}"`, 'use letters, digits, ".", "_" and "-" only');
  }
}

/** Kills what is in the directories and removes them, again until they are gone (rmdir fails while
 *  processes remain, and a dying process takes a moment to leave). */
/** A group's directory and the groups nested in it (a shared parent's members), deepest first. */
function treeDeepestFirst(dir: string): string[] {
  let children: string[] = [];
  try {
    children = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    // gone, or not a directory
  }
  return [...children.flatMap(treeDeepestFirst), dir];
}

export async function removeGroupDirs(dirs: string[], kill: () => void): Promise<void> {
  const deadline = Date.now() + REMOVE_TIMEOUT_MS;
  for (;;) {
    kill();
    const tree = dirs.flatMap(treeDeepestFirst);
    // Nested groups' processes too: a leftover shared parent holds its members' groups.
    for (const dir of tree) if (!dirs.includes(dir)) killPids(readPids(join(dir, 'cgroup.procs')));
    let remaining = 0;
    for (const dir of tree) {
      if (!existsSync(dir)) continue;
      try {
        rmdirSync(dir);
      } catch {
        remaining++;
      }
    }
    if (remaining === 0) return;
    if (Date.now() > deadline) {
      throw new CgbenchError(
        'E_CGROUP',
        `could not remove cgroup ${dirs.join(', ')}: processes remain`,
        'run `cgbench clean` once they exit',
      );
    }
    await sleep(REMOVE_POLL_MS);
  }
}
