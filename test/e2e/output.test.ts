// Nothing lost: every command that prints delivers every byte to a pipe, however slow its reader, and exits
// promptly when the reader has gone (`| head -c 1`); a result document is never replaced. The fake runtime, no root.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/model/types.js';
import { ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');

/** Runs cgbench with a reader that takes nothing for `pauseMs`, then reads slowly: what arrives, and the exit code. */
function throughSlowPipe(args: string[], cwd: string, pauseMs = 1500): Promise<{ out: Buffer; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.pause();
    setTimeout(() => {
      // Slow: a small read at a time, with a pause after each.
      child.stdout.on('readable', function read(this: NodeJS.ReadableStream & { read(n?: number): Buffer | null }) {
        let c: Buffer | null;
        while ((c = child.stdout.read(16_384) as Buffer | null) !== null) chunks.push(c);
      });
      child.stdout.resume();
    }, pauseMs);
    child.on('close', (code) => resolve({ out: Buffer.concat(chunks), code, stderr }));
  });
}

/** `cgbench ARGS | head -c 1` in bash: cgbench's exit code and how long the pipeline took. */
function intoHead(args: string[], cwd: string): { code: number; ms: number } {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = Date.now();
  const out = execFileSync('bash', ['-c', `${quoted} 2>/dev/null | head -c 1 >/dev/null; echo \${PIPESTATUS[0]}`], {
    cwd,
    encoding: 'utf8',
  });
  return { code: Number(out.trim()), ms: Date.now() - t0 };
}

describe('output reaches its reader whole', () => {
  let work: string;
  let doc: string;
  let other: string;
  let db: string;
  let docBytes: number;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-output-'));
    const run = (out: string, reps: string): void => {
      execFileSync(
        process.execPath,
        [CLI, 'run', '--preset', 'seed', '--runtime', 'fake', '--sample-interval', '1', '-r', reps, '-w', '0'].concat([
          '--report',
          'none',
          '--out',
          out,
        ]),
        {
          cwd: work,
          stdio: 'ignore',
        },
      );
    };
    run(join(work, 'a'), '4');
    run(join(work, 'b'), '2');
    doc = join(work, 'a', 'results.json');
    other = join(work, 'b', 'results.json');
    docBytes = statSync(doc).size;
    db = join(work, 'history.db');
    execFileSync(process.execPath, [CLI, 'history', 'add', doc, '--db', db], { cwd: work, stdio: 'ignore' });
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('run --json: a document of megabytes arrives whole through a reader that starts late and reads slowly', async () => {
    const res = await throughSlowPipe(
      [
        'run',
        '--preset',
        'seed',
        '--runtime',
        'fake',
        '--sample-interval',
        '1',
        '-r',
        '4',
        '-w',
        '0',
        '--json',
        '--report',
        'none',
        '--out',
        join(work, 'c'),
      ],
      work,
    );
    expect(res.code, res.stderr).toBe(0);
    const saved = readFileSync(join(work, 'c', 'results.json'));
    expect(saved.length).toBeGreaterThan(2_000_000);
    expect(res.out.length).toBe(saved.length);
    expect((JSON.parse(res.out.toString()) as ResultDocument).status).toBe('complete');
  });

  // Each command that prints, with how to tell its output is whole.
  const commands = (): Array<{ name: string; args: string[]; whole: (out: string) => void }> => [
    {
      name: 'report',
      args: ['report', doc, '--format', 'md', '--out', join(work, 'rep')],
      whole: (o) => expect(o).toBe(`${join(work, 'rep', 'report.md')}\n`),
    },
    {
      name: 'compare --format json',
      args: ['compare', doc, other, '--format', 'json'],
      whole: (o) => expect(Object.keys(JSON.parse(o) as object)).toContain('cells'),
    },
    {
      name: 'merge',
      args: ['merge', `${doc}=one`, `${other}=two`, '--report', 'none', '--out', join(work, `m${Date.now()}`)],
      whole: (o) => expect(o).toMatch(/\nresults: \/.+results\.json\n$/),
    },
    { name: 'history list --json', args: ['history', 'list', '--db', db, '--json'], whole: (o) => expect(JSON.parse(o)).toHaveLength(1) },
    {
      name: 'history show --json',
      args: ['history', 'show', historyId(), '--db', db, '--json'],
      whole: (o) => expect((JSON.parse(o) as ResultDocument).cells.length).toBeGreaterThan(0),
    },
    {
      name: 'history trend',
      args: ['history', 'trend', '--db', db, '--format', 'md', '--out', join(work, 'trend')],
      whole: (o) => expect(o).toBe(`${join(work, 'trend', 'trend.md')}\n`),
    },
    {
      name: 'plan --out -',
      args: ['plan', '--target', 'kubernetes', '--preset', 'cluster', '--image', 'cgbench:test', '--out', '-'],
      whole: (o) => expect(o).toMatch(/kind: Job[\s\S]*\n$/),
    },
  ];
  function historyId(): string {
    const list = JSON.parse(execFileSync(process.execPath, [CLI, 'history', 'list', '--db', db, '--json'], { encoding: 'utf8' })) as Array<{
      id: string;
    }>;
    return (list[0] as { id: string }).id;
  }

  it('every command that prints: whole through a reader that starts late and reads slowly', async () => {
    for (const c of commands()) {
      const res = await throughSlowPipe(c.args, work, 300);
      expect(res.code, `${c.name}: ${res.stderr}`).toBe(0);
      c.whole(res.out.toString());
    }
  }, 120_000);

  it('a reader that goes away after one byte ends the output quietly: each command exits as it would, at once', () => {
    const big = intoHead(
      [
        'run',
        '--preset',
        'seed',
        '--runtime',
        'fake',
        '--sample-interval',
        '1',
        '-r',
        '4',
        '-w',
        '0',
        '--json',
        '--report',
        'none',
        '--out',
        join(work, 'h'),
      ],
      work,
    );
    expect(big.code).toBe(0);
    expect(statSync(join(work, 'h', 'results.json')).size).toBeGreaterThan(2_000_000);
    for (const c of commands()) {
      const res = intoHead(c.args, work);
      expect(res.code, c.name).toBe(0);
      expect(res.ms, c.name).toBeLessThan(30_000);
    }
  }, 120_000);

  it('a second run into the same --out is refused with one line and exit 2; the first document stays byte for byte', () => {
    const before = readFileSync(doc);
    const res = spawnSync(
      process.execPath,
      [CLI, 'run', '--preset', 'seed', '--runtime', 'fake', '-r', '1', '-w', '0', '--report', 'none', '--out', join(work, 'a')],
      {
        cwd: work,
        encoding: 'utf8',
      },
    );
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([
      `cgbench: ${doc} already exists: cgbench never replaces a result document (pass another --out DIR, or move the old results.json away first)`,
    ]);
    expect(readFileSync(doc).equals(before)).toBe(true);
    expect(readdirSync(join(work, 'a'))).toEqual(['results.json']);
  });

  it('report --format json never replaces another result document; into its own folder it keeps the one there', () => {
    const into = spawnSync(process.execPath, [CLI, 'report', other, '--format', 'json', '--out', join(work, 'a')], {
      cwd: work,
      encoding: 'utf8',
    });
    expect(into.status).toBe(2);
    expect(into.stderr).toContain(`${doc} already exists: cgbench never replaces a result document`);
    expect(statSync(doc).size).toBe(docBytes);
    const own = spawnSync(process.execPath, [CLI, 'report', other, '--format', 'json,md'], { cwd: work, encoding: 'utf8' });
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toBe(`${other}\n${join(work, 'b', 'report.md')}\n`);
  });

  it('merge refuses an --out that holds a result document, and leaves it as it was', () => {
    mkdirSync(join(work, 'full'));
    writeFileSync(join(work, 'full', 'results.json'), '{}');
    const merge = spawnSync(process.execPath, [CLI, 'merge', `${doc}=one`, `${other}=two`, '--out', join(work, 'full')], {
      cwd: work,
      encoding: 'utf8',
    });
    expect(merge.status).toBe(2);
    expect(merge.stderr).toContain('already exists: cgbench never replaces a result document');
    expect(readFileSync(join(work, 'full', 'results.json'), 'utf8')).toBe('{}');
  });
});
