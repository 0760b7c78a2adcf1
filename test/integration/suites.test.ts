// One measuring suite per host, on real cgroups (root): a second native suite waits for the first with one line,
// --no-wait refuses with exit 3 naming it, --allow-concurrent measures beside it and every report says so. And a
// full disk under --out mid-suite: exit 3, the last document saved whole, no temporary file.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/model/types.js';
import { isRoot, loopIterations, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
if (!isRoot) console.warn('skipping suite-per-host integration tests: they need root (cgroups, a tmpfs)');

const work = mkdtempSync(join(tmpdir(), 'cgbench-suites-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function doc(dir: string): ResultDocument {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultDocument;
}

function cgbench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe.skipIf(!isRoot)('one measuring suite per host, native', () => {
  it('the second suite waits, --no-wait refuses with exit 3, --allow-concurrent runs beside it and says so', async () => {
    // About 6 s of suite: a 1 s loop twice unlimited and twice at half a CPU; the others start within its first run.
    const file = join(work, 'loop.yaml');
    writeFileSync(
      file,
      `name: loop\nrepetitions: 2\nwarmup: 0\ntimeout: 60s\nworkloads:\n  - name: loop\n    kind: cpu\n` +
        `    params: { iterations: ${loopIterations(1)}, threads: 1 }\n    limits:\n` +
        '      - { name: unlimited, cpu: { quota: max, period: 100000 } }\n      - { name: half, cpu: { quota: 50000, period: 100000 } }\n',
    );
    const out = (n: string): string => join(work, n);
    const first = spawn(process.execPath, [CLI, 'run', file, '--out', out('first'), '--report', 'none'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let firstErr = '';
    const firstDone = new Promise<number | null>((resolve) => first.on('close', resolve));
    // Measuring: its first run has begun.
    await new Promise<void>((resolve) =>
      first.stderr.on('data', (d: Buffer) => {
        firstErr += d.toString();
        if (firstErr.includes('running ')) resolve();
      }),
    );

    const refused = cgbench(['run', file, '--out', out('refused'), '--report', 'none', '--no-wait']);
    expect(refused.status).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(
      `another cgbench suite is measuring this host (pid ${first.pid}, scenario loop on native, output ${out('first')}`,
    );
    expect(existsSync(out('refused'))).toBe(false);

    const beside = spawn(process.execPath, [CLI, 'run', file, '--out', out('beside'), '--report', 'md,html', '--allow-concurrent'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let besideOut = '';
    beside.stdout.on('data', (d: Buffer) => (besideOut += d.toString()));
    const besideDone = new Promise<number | null>((resolve) => beside.on('close', resolve));
    const waiter = spawnAsync(['run', file, '--out', out('waiter'), '--report', 'none']);

    expect(await firstDone).toBe(0);
    expect(await besideDone).toBe(0);
    const w = await waiter;
    expect(w.code, w.stderr).toBe(0);

    const a = doc(out('first'));
    const b = doc(out('beside'));
    const c = doc(out('waiter'));
    // The waiter said for whom it waited, once for each suite before it or measuring, and measured only after both
    // were done (also when it queued before the --allow-concurrent one: that one's choice is not the waiter's).
    const waits = w.stderr.split('\n').filter((l) => l.startsWith('cgbench: waiting for another suite'));
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(new Set(waits.map((l) => /\(pid (\d+),/.exec(l)?.[1])).size).toBe(waits.length);
    expect(w.stderr).toMatch(new RegExp(`waiting for another suite measuring this host to finish \\(pid (${first.pid}|${beside.pid}), `));
    expect(c.concurrency?.waitedMs).toBeGreaterThan(500);
    expect(c.concurrency?.beside).toEqual([]);
    expect(Date.parse(c.createdAt)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt as string));
    expect(Date.parse(c.createdAt)).toBeGreaterThanOrEqual(Date.parse(b.finishedAt as string));
    // Both that overlapped know it, in the document and in every report.
    expect(b.concurrency?.allowed).toBe(true);
    expect(b.concurrency?.beside.map((s) => s.pid)).toEqual([first.pid]);
    expect(a.concurrency?.allowed).toBe(false);
    expect(a.concurrency?.beside.map((s) => s.pid)).toEqual([beside.pid]);
    for (const d of [a, b]) expect(d.warnings.filter((x) => x.code === 'concurrent-suites')).toHaveLength(1);
    expect(c.warnings.filter((x) => x.code === 'concurrent-suites')).toHaveLength(0);
    const said = `other cgbench suite(s) measured this host while this one ran: pid ${first.pid}`;
    expect(besideOut.replace(/\s+/g, ' ')).toContain(said);
    expect(readFileSync(join(out('beside'), 'report.md'), 'utf8').replace(/\s+/g, ' ')).toContain(said);
    expect(readFileSync(join(out('beside'), 'report.html'), 'utf8').replace(/\s+/g, ' ')).toContain(said);
  }, 180_000);
});

function spawnAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(!isRoot)('a full disk under --out', () => {
  it('stops the suite with exit 3 and one line; the last document saved is whole; no temporary file is left', () => {
    const mnt = join(work, 'small');
    mkdirSync(mnt);
    // Room for the first documents of a finely sampled suite, not for all of them.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=400k', 'cgbench-test-full', mnt]);
    try {
      const out = join(mnt, 'r');
      const res = cgbench([
        'run',
        '--preset',
        'seed',
        '--runtime',
        'fake',
        '--sample-interval',
        '1',
        '-r',
        '3',
        '-w',
        '0',
        '--out',
        out,
        '--report',
        'none',
      ]);
      expect(res.status, res.stderr).toBe(3);
      expect(
        res.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('cgbench: ')),
      ).toEqual([
        `cgbench: cannot save ${join(out, 'results.json')} (ENOSPC: no space left on device) (free space on that disk, or pass --out DIR on another one)`,
      ]);
      expect(readdirSync(out)).toEqual(['results.json']);
      const last = doc(out);
      expect(last.status).toBe('running');
      expect(last.cells.reduce((n, c) => n + c.runs.length, 0)).toBeGreaterThan(0);
    } finally {
      execFileSync('umount', [mnt]);
    }
  }, 120_000);
});
