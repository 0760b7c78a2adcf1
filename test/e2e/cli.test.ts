// The command line end to end with the fake runtime, as an unprivileged user (nobody, when the tests
// run as root): exit codes, data alone on stdout (tables or JSON), progress alone on stderr.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/model/types.js';
import { isRoot, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
/** nobody:nogroup on Debian. */
const NOBODY = 65534;

/** A progress line on stderr: the suite's size, one line per finished run, or (with --json) a report path. */
const PROGRESS = /^(running \d+ runs in \d+ cells|\[\s*\d+\/\d+\] .+ {2}(warm-up|run \d+) {2}.+|report: \/.+)$/;

describe('cgbench run --runtime fake, unprivileged', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-e2e-'));
    chmodSync(work, 0o755);
    if (isRoot) chownSync(work, NOBODY, NOBODY);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function cgbench(args: string[]): SpawnSyncReturns<string> {
    // As root the command runs as nobody, so it proves the fake runtime needs no privileges.
    const as = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TMPDIR: work };
    return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: work, env, timeout: 60_000, ...as });
  }

  it('runs the quick preset: exit 0, tables on stdout, only progress on stderr', () => {
    const out = join(work, 'tables');
    const res = cgbench(['run', '--preset', 'quick', '--runtime', 'fake', '-r', '2', '-w', '0', '--scratch', '/var/tmp', '--out', out]);
    expect(res.status, res.stderr).toBe(0);
    const stdout = res.stdout.trimEnd().split('\n');
    expect(stdout[0]).toMatch(/^cgbench \S+ — quick on /);
    for (const w of ['cpu-loop', 'mem-anon-128M', 'mem-pagecache-256M', 'io-write-32M', 'io-read-32M']) {
      expect(res.stdout).toMatch(new RegExp(`^${w} — `, 'm'));
    }
    expect(stdout.at(-1)).toBe(`results: ${join(out, 'results.json')}`);
    expect(res.stdout).toContain(`report: ${join(out, 'report.html')}`);
    const stderr = res.stderr.trimEnd().split('\n');
    expect(stderr.length).toBe(1 + 16 * 2);
    for (const line of stderr) expect(line).toMatch(PROGRESS);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.status).toBe('complete');
    if (isRoot) expect(statSync(join(out, 'results.json')).uid).toBe(NOBODY);
  });

  it('--json prints the result document alone on stdout; report paths go to stderr', () => {
    const out = join(work, 'json');
    const res = cgbench(['run', '--preset', 'seed', '--runtime', 'fake', '-r', '2', '-w', '1', '--json', '--out', out]);
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as ResultDocument;
    expect(doc.status).toBe('complete');
    expect(doc.cells.every((c) => c.runtime === 'fake' && c.runs.length === 3)).toBe(true);
    expect(res.stdout).toBe(readFileSync(join(out, 'results.json'), 'utf8'));
    const stderr = res.stderr.trimEnd().split('\n');
    for (const line of stderr) expect(line).toMatch(PROGRESS);
    expect(stderr.filter((l) => l.startsWith('report: '))).toEqual([
      `report: ${join(out, 'report.html')}`,
      `report: ${join(out, 'report.md')}`,
    ]);
  });

  it('bad input exits 2 with nothing on stdout and nothing written', () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'workloads:\n  - name: x\n    kind: cpu\n    limits: [{ cpus: 0 }]\n');
    for (const args of [
      ['run', bad, '--runtime', 'fake', '--out', join(work, 'bad1')],
      ['run', '--preset', 'no-such-preset', '--runtime', 'fake', '--out', join(work, 'bad2')],
      ['run', '--preset', 'seed', '--runtime', 'nope', '--out', join(work, 'bad3')],
      ['compare', join(work, 'missing.json'), join(work, 'missing.json')],
    ]) {
      const res = cgbench(args);
      expect(res.status, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/cgbench: |error: /);
    }
    for (const d of ['bad1', 'bad2', 'bad3']) expect(existsSync(join(work, d))).toBe(false);
  });

  it('the native runtime without root exits 3 with one line naming the fix', () => {
    const res = cgbench(['run', '--preset', 'seed', '--out', join(work, 'native')]);
    expect(res.status).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^cgbench: cgbench run needs root .*\(run it with sudo/);
  });

  it('compare exits 0 on identical documents and 1 on a planted regression', () => {
    const base = join(work, 'tables', 'results.json');
    expect(cgbench(['compare', base, base]).status).toBe(0);
    const doc = JSON.parse(readFileSync(base, 'utf8')) as ResultDocument;
    for (const cell of doc.cells) {
      if (cell.workload !== 'cpu-loop' || cell.limitSet === 'unlimited') continue;
      for (const run of cell.runs) if (run.outcome === 'ok') run.metrics.wallNs *= 1.5;
    }
    const slower = join(work, 'slower.json');
    writeFileSync(slower, JSON.stringify(doc));
    const res = cgbench(['compare', base, slower, '--format', 'md']);
    expect(res.status, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/^## cgbench compare: FAIL/);
    expect(res.stderr).toBe('');
  });
});
