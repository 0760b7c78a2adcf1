// Operations on user-given paths end with a result or an error naming the problem, never a spin or a
// wait: mkdir -p under /proc, FIFOs, devices. (A hung mount is test/integration/hung-mount.test.ts.)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareOutDir, saveResults } from '../../src/app/results.js';
import { type CgbenchError, exitCodeFor } from '../../src/model/errors.js';
import type { ResultDocument } from '../../src/model/types.js';
import {
  createFileExclusive,
  listDir,
  makeDirs,
  PathError,
  probeWritable,
  readUserFile,
  writeFileAtomic,
} from '../../src/model/user-files.js';

const work = mkdtempSync(join(tmpdir(), 'cgbench-user-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fifo(name: string): string {
  const p = join(work, name);
  execFileSync('mkfifo', [p]);
  return p;
}

async function failure(p: Promise<unknown>): Promise<PathError> {
  const e: unknown = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PathError);
  return e as PathError;
}

describe('user paths', () => {
  it('mkdir -p under /proc fails at once instead of spinning (Node recursive mkdir loops there)', async () => {
    // The path worker started first: its start-up (a process, tsx under the test runner) is not what is timed.
    await listDir(work);
    const t0 = Date.now();
    const e = await failure(makeDirs('/proc/self/cgbench-test/x'));
    expect(e.code).toBe('ENOENT');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('refuses an output directory that is a FIFO or a device, naming what it is', async () => {
    const f = fifo('out-fifo');
    expect((await failure(probeWritable(f))).message).toMatch(/exists and is a FIFO, not a directory/);
    expect((await failure(probeWritable('/dev/null'))).message).toMatch(/is a character device/);
    expect((await failure(probeWritable(join(f, 'below')))).code).toMatch(/ENOTDIR/);
  });

  it('creates missing directories and writes atomically, leaving no temporary file', async () => {
    const path = join(work, 'a', 'b', 'results.json');
    await writeFileAtomic(path, '{"x":1}');
    await writeFileAtomic(path, '{"x":2}');
    expect(await readUserFile(path, 100)).toBe('{"x":2}');
    expect(readdirSync(join(work, 'a', 'b'))).toEqual(['results.json']);
  });

  it('reads only regular files of bounded size: a FIFO, /dev/zero and a big file are refused at once', async () => {
    const f = fifo('in-fifo');
    expect((await failure(readUserFile(f, 1000))).message).toBe('it is a FIFO, not a regular file');
    expect((await failure(readUserFile('/dev/zero', 1000))).code).toBe('ENOTREG');
    const big = join(work, 'big');
    writeFileSync(big, Buffer.alloc(2000));
    expect((await failure(readUserFile(big, 1000))).code).toBe('EFBIG');
    expect((await failure(readUserFile(work, 1000))).code).toBe('EISDIR');
  });
});

describe('result documents are never replaced, and no temporary copy survives a failure', () => {
  it('a failed atomic write leaves the old file (or none) and no temporary copy', async () => {
    const dir = join(work, 'fail');
    mkdirSync(join(dir, 'taken', 'inside'), { recursive: true });
    // rename() cannot put a file over a non-empty directory: the write fails after the copy was made.
    await failure(writeFileAtomic(join(dir, 'taken'), 'x'));
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('an exclusive create fails with EEXIST over another file, which stays; it leaves no temporary copy', async () => {
    const path = join(work, 'excl.json');
    await createFileExclusive(path, 'first');
    const e = await failure(createFileExclusive(path, 'second'));
    expect(e.code).toBe('EEXIST');
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(readdirSync(work).filter((n) => n.startsWith('excl.json'))).toEqual(['excl.json']);
  });

  it('an output directory holding results.json: refused when named, the next free name when it is the default', async () => {
    const dir = join(work, 'out');
    await prepareOutDir(dir, { named: true });
    await saveResults(dir, { status: 'running' } as unknown as ResultDocument, { first: true });
    const named = await prepareOutDir(dir, { named: true }).catch((x: unknown) => x);
    expect((named as CgbenchError).format()).toBe(
      `${join(dir, 'results.json')} already exists: cgbench never replaces a result document ` +
        '(pass another --out DIR, or move the old results.json away first)',
    );
    expect(exitCodeFor(named as CgbenchError)).toBe(2);
    expect((await prepareOutDir(dir)).dir).toBe(`${dir}-2`);
    // A second writer that got past the check: its first save fails, the document there stays.
    const late = await saveResults(dir, { status: 'complete' } as unknown as ResultDocument, { first: true }).catch((x: unknown) => x);
    expect((late as CgbenchError).code).toBe('E_INPUT');
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toEqual({ status: 'running' });
  });
});
