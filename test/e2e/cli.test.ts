// The command line end to end with the fake runtime, as an unprivileged user (nobody, when the tests
// run as root): exit codes, data alone on stdout (tables or JSON), progress alone on stderr.
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
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

  // As root the command runs as nobody, so it proves the fake runtime needs no privileges.
  const as = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TMPDIR: work });

  function cgbench(args: string[], extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      cwd: work,
      env: { ...env(), ...extraEnv },
      timeout: 60_000,
      // A document with fine (per-cell) sampling is megabytes: more than spawnSync's 1 MiB default.
      maxBuffer: 256 * 1024 * 1024,
      ...as,
    });
  }

  /** Runs cgbench with the given stream's reader gone at once, as `cgbench ... | head -c0` would. */
  function withClosedReader(args: string[], closed: 'stdout' | 'stderr'): Promise<{ code: number | null; other: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: work, env: env(), stdio: ['ignore', 'pipe', 'pipe'], ...as });
      child[closed].destroy();
      let other = '';
      child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (d: Buffer) => (other += d.toString()));
      child.on('close', (code) => resolve({ code, other }));
    });
  }

  it('runs the quick preset: exit 0, tables on stdout, only progress on stderr', () => {
    const out = join(work, 'tables');
    const res = cgbench(['run', '--preset', 'quick', '--runtime', 'fake', '-r', '2', '-w', '0', '--scratch', '/var/tmp', '--out', out]);
    expect(res.status, res.stderr).toBe(0);
    const stdout = res.stdout.trimEnd().split('\n');
    expect(stdout[0]).toMatch(/^cgbench \S+ — quick on /);
    for (const w of ['cpu-loop', 'mem-anon-512M', 'mem-pagecache-256M', 'io-write-32M', 'io-read-32M']) {
      expect(res.stdout).toMatch(new RegExp(`^${w} — `, 'm'));
    }
    expect(stdout.at(-1)).toBe(`results: ${join(out, 'results.json')}`);
    expect(res.stdout).toContain(`report: ${join(out, 'report.html')}`);
    const stderr = res.stderr.trimEnd().split('\n');
    for (const line of stderr) expect(line).toMatch(PROGRESS);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.status).toBe('complete');
    // One progress line per run. Interleaved: 2 + 2 runs give no 95 % interval of a ratio, so a limited cell gets
    // blocks beside its baseline until its interval exists (4 + 4, exact in the simulation) or its 6 s budget
    // stops it; then its baseline alone gets the runs that interval needs (8 against 2). Blocks number on.
    expect(stderr.length).toBe(1 + doc.cells.reduce((n, c) => n + c.runs.length, 0));
    expect(doc.schedule?.order).toBe('interleaved');
    expect(doc.cells.every((c) => c.runs.map((r) => r.block).join() === c.runs.map((_, i) => i).join())).toBe(true);
    const slowed = doc.cells.filter((c) => c.baselineId !== null && c.summary.slowdown !== null && c.kind !== 'io');
    expect(slowed.length).toBeGreaterThan(4);
    for (const c of slowed) {
      expect(c.summary.slowdownPairs, c.id).toBe(c.runs.length);
      expect(c.summary.slowdownRange, c.id).toBeDefined();
    }
    const cpu = doc.cells.filter((c) => c.workload === 'cpu-loop').map((c) => c.runs.length);
    expect(cpu).toEqual([8, 4, 2, 2]);
    if (isRoot) expect(statSync(join(out, 'results.json')).uid).toBe(NOBODY);
  });

  it('--order sequential runs each cell back to back; a baseline gets the runs its limited cells need for an interval', () => {
    const out = join(work, 'sequential');
    const res = cgbench(['run', '--preset', 'quick', '--runtime', 'fake', '-r', '2', '-w', '0', '--order', 'sequential', '--out', out]);
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.schedule).toEqual({ order: 'sequential' });
    const seqs = doc.cells.flatMap((c) => c.runs.map((r) => r.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a ?? 0) - (b ?? 0)));
    // The preset's adaptive repetitions give each baseline the runs its 2-run limited cells need (8 against 2).
    expect(doc.cells.filter((c) => c.baselineId === null).every((c) => c.runs.length === 8)).toBe(true);
    expect(doc.cells.filter((c) => c.baselineId !== null).every((c) => c.runs.length === 2)).toBe(true);
    const bad = cgbench(['run', '--preset', 'seed', '--runtime', 'fake', '--order', 'shuffled']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--order.*shuffled/);
  });

  it('--json prints the result document alone on stdout; report paths go to stderr', () => {
    const out = join(work, 'json');
    const res = cgbench([
      'run',
      '--preset',
      'seed',
      '--runtime',
      'fake',
      '-r',
      '2',
      '-w',
      '1',
      '--max-repetitions',
      '2',
      '--json',
      '--out',
      out,
    ]);
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

  it('a usage error is one line naming the option and where the help is, not the whole help', () => {
    for (const args of [['run', '--preset', 'seed', '--runtime', 'fake', '-r', '1.5'], ['run', '--bogus'], ['frobnicate']]) {
      const res = cgbench(args);
      expect(res.status, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n'), res.stderr).toHaveLength(1);
      expect(res.stderr).toMatch(/^cgbench: .*\(cgbench( run)? --help lists the (options|commands)\)$/m);
    }
    expect(cgbench(['run', '--help']).stdout).toMatch(/Exit codes:[\s\S]*\n {2}4 {2,}run: a run failed or timed out/);
  });

  it('paths that would hang or spin are refused at once: FIFOs, devices, /proc', () => {
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    if (isRoot) chownSync(fifo, NOBODY, NOBODY);
    const fake = ['--runtime', 'fake', '-r', '1', '-w', '0'];
    const cases: [string[], RegExp][] = [
      [['run', fifo, ...fake], /cannot read scenario .*fifo \(ENOTREG: it is a FIFO, not a regular file\)/],
      [['run', '/dev/zero', ...fake], /cannot read scenario \/dev\/zero \(ENOTREG: it is a character device/],
      [
        ['run', '--preset', 'seed', ...fake, '--out', '/proc/self/cgbench-x'],
        /cannot write to output directory \/proc\/self\/cgbench-x \(ENOENT/,
      ],
      [['run', '--preset', 'seed', ...fake, '--out', fifo], /exists and is a FIFO, not a directory/],
      [['report', fifo], /cannot read result document .*fifo \(ENOTREG/],
      [['report', '/dev/zero'], /cannot read result document \/dev\/zero \(ENOTREG/],
    ];
    for (const [args, message] of cases) {
      const t0 = Date.now();
      const res = cgbench(args);
      expect(res.status, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
  });

  it('a reader that goes away ends the output quietly: stdout (run --json | head) and stderr mid-suite', async () => {
    const out = join(work, 'epipe');
    const json = await withClosedReader(
      ['run', '--preset', 'quick', '--runtime', 'fake', '-r', '1', '-w', '0', '--json', '--out', out],
      'stdout',
    );
    expect(json.code).toBe(0);
    expect(json.other).not.toMatch(/Error|\bat /);
    const progress = await withClosedReader(
      ['run', '--preset', 'quick', '--runtime', 'fake', '-r', '1', '-w', '0', '--out', `${out}2`],
      'stderr',
    );
    expect(progress.code).toBe(0);
    expect(progress.other).toContain(`results: ${join(`${out}2`, 'results.json')}`);
    expect((JSON.parse(readFileSync(join(`${out}2`, 'results.json'), 'utf8')) as ResultDocument).status).toBe('complete');
  });

  it('runs that are not results fail the suite with exit 4, naming the cells; --allow-failures accepts them', () => {
    const file = join(work, 'oom.yaml');
    const cells = (expect: string) =>
      `repetitions: 2\nwarmup: 0\nworkloads:\n  - name: anon\n    kind: memory\n    params: { mode: anon, mib: 128 }\n` +
      `    limits: [{ name: tight, memory: 64M${expect} }]\n`;
    writeFileSync(file, cells(', expect: ok'));
    const failing = cgbench(['run', file, '--runtime', 'fake', '--out', join(work, 'oom1')]);
    expect(failing.status, failing.stderr).toBe(4);
    expect(failing.stderr).toMatch(
      /^cgbench: 2 run\(s\) failed, timed out or were OOM-killed unexpectedly in 1 cell\(s\): anon \/ tight \/ fake; exit 4/m,
    );
    expect(failing.stdout).toMatch(/^! runs failed or timed out \(the suite exits 4\): anon \/ tight \(2\/2 oom-killed/m);
    expect(failing.stdout).toMatch(/^tight +2 oom-killed !/m);
    const allowed = cgbench(['run', file, '--runtime', 'fake', '--out', join(work, 'oom2'), '--allow-failures']);
    expect(allowed.status).toBe(0);
    expect(allowed.stderr).toContain('(accepted: --allow-failures)');
    // Without `expect`, an OOM kill below the working set is that cell's expected outcome: a result.
    writeFileSync(file, cells(''));
    expect(cgbench(['run', file, '--runtime', 'fake', '--out', join(work, 'oom3')]).status).toBe(0);
  });

  it('what can be checked before the first run fails at once with exit 2 and writes nothing', () => {
    const file = join(work, 'pre.yaml');
    writeFileSync(
      file,
      'workloads:\n  - name: mine\n    kind: command\n    command: [/no/such/program]\n' +
        '  - name: loop\n    kind: cpu\n    limits: [{ name: pinned, cpuset: "0-255" }]\n',
    );
    const out = join(work, 'pre-out', 'deep');
    const res = cgbench(['run', file, '--runtime', 'fake', '--out', out]);
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/cannot run .*pre\.yaml, checked before the first run: 2 problems:/);
    expect(res.stderr).toContain('workload "mine", limit set "unlimited" (fake): command[0] /no/such/program does not exist');
    expect(res.stderr).toMatch(/workload "loop", limit set "pinned" \(fake\): cpuset 0-255 names CPU\(s\) \d+-255/);
    expect(existsSync(join(work, 'pre-out'))).toBe(false);
  });

  it('the table fits the terminal: 100 columns by default, COLUMNS when narrower, --wide for everything', () => {
    const width = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));
    const base = ['run', '--preset', 'quick', '--runtime', 'fake', '-r', '2', '-w', '0', '--scratch', '/var/tmp', '--report', 'none'];
    const normal = cgbench([...base, '--out', join(work, 'w1')], { COLUMNS: '200' });
    expect(width(normal.stdout)).toBeLessThanOrEqual(100);
    const narrow = cgbench([...base, '--out', join(work, 'w2')], { COLUMNS: '64' });
    expect(width(narrow.stdout)).toBeLessThanOrEqual(64);
    expect(narrow.stdout).toContain('--wide shows them');
    const wide = cgbench([...base, '--out', join(work, 'w3'), '--wide'], { COLUMNS: '64' });
    expect(wide.stdout).toContain('range (min … max)');
  });

  it('report shows a document whose writer was killed as unfinished, not running', () => {
    const src = join(work, 'tables', 'results.json');
    const doc = JSON.parse(readFileSync(src, 'utf8')) as ResultDocument;
    expect(doc.writer?.pid).toBeGreaterThan(0);
    // The run that wrote it has exited: as if it had been killed before it could finish.
    doc.status = 'running';
    doc.finishedAt = null;
    const file = join(work, 'killed', 'results.json');
    execFileSync('mkdir', ['-p', join(work, 'killed')]);
    if (isRoot) chownSync(join(work, 'killed'), NOBODY, NOBODY);
    writeFileSync(file, JSON.stringify(doc));
    const res = cgbench(['report', file, '--format', 'md']);
    expect(res.status, res.stderr).toBe(0);
    const md = readFileSync(join(work, 'killed', 'report.md'), 'utf8');
    expect(md).toContain('(unfinished)');
    expect(md).toMatch(/the suite never finished: its writer \(pid \d+ on .+\) is gone/);
  });

  it('the native runtime without root exits 3 with one line naming the fix', () => {
    const res = cgbench(['run', '--preset', 'seed', '--out', join(work, 'native')]);
    expect(res.status).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^cgbench: cgbench run needs root .*\(run it with sudo/);
  });

  it('the neighbours preset: a protection view per workload in its resource’s terms, and compare gates on disk reads per pass', () => {
    const out = join(work, 'neighbours');
    const res = cgbench(['run', '--preset', 'neighbours', '--runtime', 'fake', '-r', '3', '--scratch', '/var/tmp', '--out', out]);
    expect(res.status, res.stderr).toBe(0);
    const section = (w: string): string => res.stdout.split(`${w} — protection`)[1]?.split('\n\n')[0] ?? '';
    expect(section('cpu-loop')).toMatch(/hog in the same group: lost CPU share: the scheduler gave it less/);
    expect(section('requests-1x1ms')).toMatch(/hog at 0.2 CPU: lost latency \(p99 [\d.]+x alone\): its tasks waited for a CPU/);
    const cache = section('pagecache-reread-96M');
    // The terminal wraps the verdict under its table: read it as one line.
    expect(cache.replace(/\s+/g, ' ')).toMatch(
      /cache hog in 192M: lost page cache: cache hog 200M evicted its working set, [\d.]+ MiB more read from disk than alone/,
    );
    expect(cache).toMatch(/cache hog at 64M in 192M: kept its working set \(disk reads 1.0\dx alone\)/);
    const disk = section('direct-read-512M');
    expect(disk).toMatch(/direct writer: lost disk bandwidth/);
    expect(disk).toMatch(/direct writer at 20 MB\/s: kept its disk bandwidth/);
    for (const s of [cache, disk]) expect(s).not.toMatch(/scheduler’s/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const title of ['Protection: CPU', 'Protection: page cache', 'Protection: disk']) expect(html).toContain(title);

    const base = join(out, 'results.json');
    const doc = JSON.parse(readFileSync(base, 'utf8')) as ResultDocument;
    for (const cell of doc.cells) {
      if (cell.neighbourSet?.name !== 'cache hog at 64M in 192M') continue;
      for (const run of cell.runs) if (run.outcome === 'ok') run.metrics.diskReadBytes = Number(run.metrics.diskReadBytes) * 3;
    }
    const more = join(work, 'more-reads.json');
    writeFileSync(more, JSON.stringify(doc));
    const cmp = cgbench(['compare', base, more]);
    expect(cmp.status, cmp.stderr).toBe(1);
    expect(cmp.stdout).toMatch(/^disk reads\/pass .* REGRESSION /m);
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

describe('cgbench plan --target kubernetes and collect, from the command line', () => {
  const cgbench = (args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('writes the manifest alone on stdout and the next steps on stderr', () => {
    const res = cgbench(['plan', '--target', 'kubernetes', '--image', 'cgbench-workloads:x', '--namespace', 'bench']);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^# cgbench plan [0-9a-f]{12}: 36 runs of preset:cluster in 8 Indexed Job\(s\)\n/);
    expect(res.stdout.match(/^kind: Job$/gm)).toHaveLength(8);
    expect(res.stderr).toMatch(/^ {2}kubectl apply -n bench -f PLAN\.yaml$/m);
  });

  it('refuses what it cannot plan or collect, in one line, exit 2, writing nothing', () => {
    const work = mkdtempSync(join(tmpdir(), 'cgbench-e2e-k8s-'));
    try {
      const out = join(work, 'plan.yaml');
      const quick = cgbench(['plan', '--target', 'kubernetes', '--preset', 'quick', '--image', 'x', '--out', out]);
      expect(quick.status).toBe(2);
      expect(quick.stderr).toMatch(
        /limit set "50 MB\/s" \(kubernetes\): kubernetes cannot set IO throttles \(a pod has no field for them\); runtimes that can: native, docker/,
      );
      expect(existsSync(out)).toBe(false);
      writeFileSync(join(work, 'log.txt'), 'no pods here\n');
      const none = cgbench(['collect', '--preset', 'cluster', join(work, 'log.txt'), '--out', join(work, 'res')]);
      expect(none.status).toBe(2);
      expect(none.stderr.trim().split('\n')).toHaveLength(1);
      expect(none.stderr).toMatch(/no planned pod's log in .*log\.txt/);
      expect(existsSync(join(work, 'res'))).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
