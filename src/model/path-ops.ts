// The operations cgbench does on user-given paths, unbounded: run by the path worker (path-worker.ts),
// never in cgbench's own process, so a hung mount can only ever block that worker.

import { constants, promises as fsp, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A failed operation on a user path: `code` is the errno name (or ETIMEDOUT, ENOTREG), `message` says it in
 *  words; callers put the path they were given in front. */
export class PathError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PathError';
  }
}

const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many symbolic links',
  ENXIO: 'a FIFO nobody reads',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOTCONN: 'the file system is not connected (a dead FUSE or network mount)',
};

export function pathError(e: unknown): PathError {
  if (e instanceof PathError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  return new PathError(code, WORDS[code] ?? (e as Error).message);
}

function typeName(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await fsp.stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * mkdir -p, one component at a time. Node's recursive mkdir loops for ever when mkdir() answers ENOENT
 * under an existing parent (/proc, /sys and other pseudo file systems): here that is an error.
 */
export async function makeDirs(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    const st = await statOrNull(p);
    if (st) {
      if (!st.isDirectory()) throw new PathError('ENOTDIR', `${p} exists and is ${typeName(st)}, not a directory`);
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const d of missing) {
    try {
      await fsp.mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await fsp.stat(d);
      if (!st.isDirectory()) throw new PathError('ENOTDIR', `${d} exists and is ${typeName(st)}, not a directory`);
    }
  }
  return missing;
}

/** Create `dir` and prove it writable with a real write (access() says yes on a read-only mount).
 *  Returns the directories it created, outermost first. */
export async function probeWritable(dir: string): Promise<string[]> {
  const created = await makeDirs(dir);
  const p = join(dir, `.cgbench-probe-${process.ppid}`);
  // O_NONBLOCK: a FIFO of that name fails at once (ENXIO) instead of waiting for a reader.
  const fh = await fsp.open(p, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK);
  await fh.close();
  await fsp.rm(p, { force: true });
  return created;
}

/** Remove directories (innermost first) that are still empty: what a failed start created, and nothing else. */
export async function removeEmptyDirs(dirs: string[]): Promise<void> {
  for (const d of [...dirs].reverse()) {
    try {
      await fsp.rmdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return; // not empty: leave it and its parents
    }
  }
}

/** Write a file so a reader sees the old or the new content, never half of it. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await makeDirs(dirname(path));
  const tmp = `${path}.tmp-${process.ppid}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK | constants.O_NOFOLLOW;
  const fh = await fsp.open(tmp, flags, 0o644);
  try {
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, path);
  } catch (e) {
    // A full disk or a failed rename: the half-written copy goes, the old file stays as it was.
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Write a file that must not exist yet: like writeFileAtomic, but a file already at `path` (another writer's)
 * fails with EEXIST and is left as it was. The copy is linked into place, which no file of that name survives.
 */
export async function createFileExclusive(path: string, content: string | Uint8Array): Promise<void> {
  await makeDirs(dirname(path));
  const tmp = `${path}.tmp-${process.ppid}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK | constants.O_NOFOLLOW;
  try {
    const fh = await fsp.open(tmp, flags, 0o644);
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    try {
      await fsp.link(tmp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || !(code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS')) throw e;
      // A file system without hard links (vfat, some FUSE mounts): O_EXCL is as exclusive, if not as atomic.
      await fsp.writeFile(path, content, { flag: 'wx', mode: 0o644 }).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') await fsp.rm(path, { force: true });
        throw err;
      });
    }
  } finally {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/**
 * A user's input file, whole: a regular file of at most `maxBytes`. A FIFO or a device is refused at
 * once (reading /dev/zero never ends; opening a FIFO waits for a writer), so is anything too big.
 */
export async function readUserFile(path: string, maxBytes: number): Promise<string> {
  const fh = await fsp.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new PathError(st.isDirectory() ? 'EISDIR' : 'ENOTREG', `it is ${typeName(st)}, not a regular file`);
    if (st.size > maxBytes) throw new PathError('EFBIG', `${st.size} bytes, more than the ${maxBytes} this file may have`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** The directory's stat and statfs: proves a scratch directory answers before the synchronous disk lookup. */
export async function statDir(dir: string): Promise<void> {
  await fsp.stat(dir);
  await fsp.statfs(dir);
}

/** Names in a directory; [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export function removeFile(path: string): Promise<void> {
  return fsp.rm(path, { force: true });
}

/** Every operation the worker runs, by name. */
export const PATH_OPS = {
  makeDirs,
  probeWritable,
  removeEmptyDirs,
  writeFileAtomic,
  createFileExclusive,
  readUserFile,
  statDir,
  listDir,
  removeFile,
} as const;
export type PathOp = keyof typeof PATH_OPS;
