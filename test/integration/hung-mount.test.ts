// A real hung mount (root): a FUSE file system whose daemon never answers, so every syscall on it waits
// in the kernel as on a dead NFS server. cgbench must give up on it in bounded time, exit when told
// to, and leave no process behind. Only the CLI under test touches the mount, never this process.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_PATH_TIMEOUT_MS } from '../../src/model/user-files.js';
import { isRoot, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const usable = isRoot && existsSync('/dev/fuse');
if (!usable) console.warn('skipping hung-mount tests: they need root and /dev/fuse to mount a FUSE file system that never answers');

interface Ended {
  code: number | null;
  stderr: string;
  ms: number;
}

function cgbench(args: string[], sigtermAfterMs?: number): Promise<Ended> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (sigtermAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), sigtermAfterMs);
    child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - t0 }));
  });
}

describe.skipIf(!usable)('a hung mount', () => {
  let mnt = '';
  let fuse = -1;

  beforeAll(() => {
    mnt = mkdtempSync(join(tmpdir(), 'cgbench-hung-'));
    // The FUSE connection is this fd; nobody ever reads it, so the kernel's first request (INIT) is never answered.
    fuse = openSync('/dev/fuse', 'r+');
    const res = spawnSync('mount', ['-t', 'fuse', '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0', 'cgbench-hung', mnt], {
      stdio: ['ignore', 'inherit', 'inherit', fuse],
    });
    expect(res.status).toBe(0);
  });
  afterAll(() => {
    // Closing the connection fails every waiting request (ENOTCONN); then the mount can go.
    if (fuse >= 0) closeSync(fuse);
    if (mnt) {
      spawnSync('umount', ['-l', mnt]);
      rmdirSync(mnt);
    }
  });

  it('an --out there fails with a time-out, in bounded time', async () => {
    const res = await cgbench(['run', '--preset', 'seed', '--runtime', 'fake', '-r', '1', '-w', '0', '--out', join(mnt, 'out')]);
    // The mount failed, not the path: the machine cannot do it (3), as with a full disk.
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/cannot write to output directory .* \(ETIMEDOUT: no answer within 10 s \(a hung network mount\?\)\)/);
    expect(res.ms).toBeGreaterThanOrEqual(USER_PATH_TIMEOUT_MS - 500);
    expect(res.ms).toBeLessThan(USER_PATH_TIMEOUT_MS + 5000);
  });

  it('SIGTERM while it waits on the mount exits at once with 143', async () => {
    const res = await cgbench(['run', '--preset', 'seed', '--runtime', 'fake', '-r', '1', '-w', '0', '--out', join(mnt, 'out')], 1000);
    expect(res.code).toBe(143);
    expect(res.ms).toBeLessThan(4000);
    expect(res.stderr).toContain('interrupted before the first run');
  });

  it('a scenario or result document there fails with a time-out', async () => {
    for (const args of [
      ['run', join(mnt, 'scenario.yaml'), '--runtime', 'fake'],
      ['report', join(mnt, 'results.json')],
    ]) {
      const res = await cgbench(args);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(/ETIMEDOUT/);
      expect(res.ms).toBeLessThan(USER_PATH_TIMEOUT_MS + 5000);
    }
  });

  it('leaves no process of its own behind (the stuck path worker is killed)', () => {
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(join('dist', 'model', 'path-worker.js')))).toEqual([]);
  });
});
