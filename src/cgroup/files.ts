// Small synchronous helpers for cgroupfs files: read a control file, write one with a message that
// names the fix, list and kill a group's processes, and keep group names inside cgbench's subtree.

import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { CgbenchError } from '../model/errors.js';

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
  if (denied && process.getuid?.() !== 0) return 'run cgbench as root (sudo)';
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

/** A group name must stay inside cgbench's subtree: no separators, no dot-dot. */
export function assertSafeName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(name) || name.includes('..')) {
    throw new CgbenchError('E_CGROUP', `unsafe cgroup name "${name}"`, 'use letters, digits, ".", "_" and "-" only');
  }
}
