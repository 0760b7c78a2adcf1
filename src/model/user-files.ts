// Bounded operations on the paths a user gives (--out, --scratch, scenario and result files): each one
// finishes, fails or times out. They run in a child process (path-worker.ts), so a hung mount or a FIFO
// can neither block cgbench's event loop (and its signal handlers) nor keep it from exiting.

import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CgbenchError } from './errors.js';
import { PathError, type PathOp, pathError } from './path-ops.js';

export { PathError, pathError } from './path-ops.js';

/** How long one operation on a user's path may take before cgbench gives up on it (a hung mount). */
export const USER_PATH_TIMEOUT_MS = 10_000;

export interface Bounds {
  timeoutMs?: number;
  /** Gives up at once when aborted (a signal during set-up: nothing to wait for). */
  signal?: AbortSignal;
}

/** "ENOENT: no such file or directory": why an operation on a path failed, for a message. */
export function pathReason(e: unknown): string {
  const err = pathError(e);
  return `${err.code}: ${err.message}`;
}

/** What the machine failed at, not the path the user chose (exit 3, not 2), and what to do about it. */
const MACHINE_FAILURES: Record<string, string> = {
  ENOSPC: 'free space on that disk, or pass --out DIR on another one',
  EDQUOT: 'free space within your disk quota, or pass --out DIR on another disk',
  EFBIG: 'the file system takes no file this big: pass --out DIR on another one',
  EIO: 'the disk reported an I/O error: check it, or pass --out DIR on another one',
  ETIMEDOUT: 'check the mount under it (a hung network mount?), or pass --out DIR on another disk',
  ENOTCONN: 'check the mount under it, or pass --out DIR on another disk',
};

/** A failed write under a user's path as one error: E_DISK (exit 3) when the machine failed (a full disk, a
 *  hung mount), else E_OUTPUT (exit 2) with `hint`, the fix for a path that cannot be written. */
export function outputError(e: unknown, message: string, hint: string): CgbenchError {
  const err = pathError(e);
  const text = `${message} (${err.code}: ${err.message})`;
  const machine = MACHINE_FAILURES[err.code];
  return machine ? new CgbenchError('E_DISK', text, machine) : new CgbenchError('E_OUTPUT', text, hint);
}

// Built: dist/model/path-worker.js. Under the test runner this module is the TypeScript source, and
// the worker runs through tsx.
const SELF = fileURLToPath(import.meta.url);
const EXT = extname(SELF);
const WORKER = SELF.slice(0, -'user-files'.length - EXT.length) + `path-worker${EXT}`;
const WORKER_ARGV = EXT === '.ts' ? ['--import', 'tsx'] : [];

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: PathError) => void;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
}

let worker: ChildProcess | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(e: PathError): void {
  for (const p of pending.values()) p.reject(e);
  pending.clear();
}

/** The worker is referenced only while a request is outstanding: an idle one never keeps cgbench alive. */
function holdWhileBusy(w: ChildProcess): void {
  if (pending.size) {
    w.ref();
    w.channel?.ref();
  } else {
    w.unref();
    w.channel?.unref();
  }
}

function startWorker(): ChildProcess {
  if (!existsSync(WORKER)) throw new PathError('ENOENT', `cgbench's path worker ${WORKER} is missing (run \`npm run build\`)`);
  const w = fork(WORKER, [], { execArgv: WORKER_ARGV, serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  w.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new PathError(m.code ?? 'EIO', m.message ?? 'failed'));
    holdWhileBusy(w);
  });
  w.on('exit', () => {
    if (worker === w) worker = null;
    failAll(new PathError('EIO', 'the path worker exited'));
  });
  w.on('error', () => undefined);
  return w;
}

/** A stuck worker is killed (SIGKILL: also a task waiting on FUSE or NFS); the next operation starts a new one. */
function discardWorker(): void {
  const w = worker;
  worker = null;
  if (!w) return;
  w.removeAllListeners('exit');
  w.kill('SIGKILL');
  w.unref();
  w.channel?.unref();
}

/**
 * Runs one operation in the worker with a deadline. On a time-out (or an abort) the worker is killed
 * with whatever it was stuck in; cgbench carries on, or exits, unhindered.
 */
function call<T>(op: PathOp, args: unknown[], bounds: Bounds = {}): Promise<T> {
  const timeoutMs = bounds.timeoutMs ?? USER_PATH_TIMEOUT_MS;
  return new Promise<T>((resolve, reject) => {
    if (bounds.signal?.aborted) {
      reject(new PathError('EINTR', 'interrupted'));
      return;
    }
    let w: ChildProcess;
    try {
      w = worker ??= startWorker();
    } catch (e) {
      reject(pathError(e));
      return;
    }
    const id = nextId++;
    const done = (): void => {
      clearTimeout(timer);
      bounds.signal?.removeEventListener('abort', onAbort);
    };
    const giveUp = (e: PathError): void => {
      if (!pending.has(id)) return;
      pending.delete(id);
      done();
      // Other requests on the same worker are stuck behind it: they fail too.
      failAll(e);
      discardWorker();
      reject(e);
    };
    const timer = setTimeout(
      () => giveUp(new PathError('ETIMEDOUT', `no answer within ${timeoutMs / 1000} s (a hung network mount?)`)),
      timeoutMs,
    );
    const onAbort = (): void => giveUp(new PathError('EINTR', 'interrupted'));
    bounds.signal?.addEventListener('abort', onAbort, { once: true });
    pending.set(id, {
      resolve: (v) => {
        done();
        resolve(v as T);
      },
      reject: (e) => {
        done();
        reject(e);
      },
    });
    holdWhileBusy(w);
    w.send({ id, op, args });
  });
}

/** mkdir -p; returns the directories it created, outermost first. */
export function makeDirs(dir: string, bounds?: Bounds): Promise<string[]> {
  return call('makeDirs', [dir], bounds);
}

/** Create `dir` and prove it writable with a real write (access() says yes on a read-only mount);
 *  returns the directories it created, outermost first. */
export function probeWritable(dir: string, bounds?: Bounds): Promise<string[]> {
  return call('probeWritable', [dir], bounds);
}

/** Remove the given directories, innermost first, as long as they are empty. */
export function removeEmptyDirs(dirs: string[], bounds?: Bounds): Promise<void> {
  return call('removeEmptyDirs', [dirs], bounds);
}

/** Write a file so a reader sees the old or the new content, never half of it. */
export function writeFileAtomic(path: string, content: string | Buffer, bounds?: Bounds): Promise<void> {
  return call('writeFileAtomic', [path, content], bounds);
}

/** Write a file that must not exist yet, atomically: EEXIST when one does (it is left as it was). */
export function createFileExclusive(path: string, content: string | Buffer, bounds?: Bounds): Promise<void> {
  return call('createFileExclusive', [path, content], bounds);
}

/** A user's input file, whole: a regular file of at most `maxBytes` (a FIFO, a device or a bigger file is refused). */
export function readUserFile(path: string, maxBytes: number, bounds?: Bounds): Promise<string> {
  return call('readUserFile', [path, maxBytes], bounds);
}

/** The directory's stat and statfs: proves a scratch directory answers before the synchronous disk lookup. */
export function statDir(dir: string, bounds?: Bounds): Promise<void> {
  return call('statDir', [dir], bounds);
}

/** Names in a directory; [] when it does not exist. */
export function listDir(dir: string, bounds?: Bounds): Promise<string[]> {
  return call('listDir', [dir], bounds);
}

export function removeFile(path: string, bounds?: Bounds): Promise<void> {
  return call('removeFile', [path], bounds);
}
