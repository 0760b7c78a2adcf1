// Commands that report their own figures, on real cgroups (root): a script speaking the metrics protocol
// through the launcher's file, Debian's real fio on the scratch disk with its JSON read, and the runs that
// must fail (a malformed line, a protocol command that reports nothing), through the CLI with its exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultScratchDir } from '../../src/app/environment.js';
import type { Cell, ResultDocument } from '../../src/model/types.js';
import { isRoot, ROOT_DIR, writeScenario } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const scratchDir = defaultScratchDir();
const hasFio = spawnSync('sh', ['-c', 'command -v fio']).status === 0;

if (!isRoot) console.warn('skipping metrics integration tests: they need root to create cgroups');
if (!hasFio) console.warn('skipping the fio test: fio is not installed (apt-get install fio)');

describe.skipIf(!isRoot)('commands that report their own metrics', () => {
  const work = mkdtempSync(join(tmpdir(), 'cgbench-itmetrics-'));
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    for (const f of readdirSync(scratchDir)) if (f.startsWith('cgbench-itfio')) rmSync(join(scratchDir, f), { force: true });
  });

  function run(name: string, scenario: object): { code: number | null; stderr: string; doc: ResultDocument | null } {
    const file = writeScenario(work, { name, repetitions: 3, warmup: 0, scratchDir, ...scenario });
    const out = join(work, `${name}-out`);
    const r = spawnSync('node', [CLI, 'run', file, '--out', out, '--report', 'csv'], { encoding: 'utf8', timeout: 120_000 });
    const results = join(out, 'results.json');
    return {
      code: r.status,
      stderr: r.stderr,
      doc: existsSync(results) ? (JSON.parse(readFileSync(results, 'utf8')) as ResultDocument) : null,
    };
  }
  const cell = (doc: ResultDocument | null, limitSet: string): Cell => doc?.cells.find((c) => c.limitSet === limitSet) as Cell;

  it('a script writing the protocol: its figures reach the runs, the summary, the table and the CSV', () => {
    const script = join(work, 'ops.sh');
    // Work of fixed CPU cost; it reports its own rate and a constant, each with a unit and a direction.
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        'start=$(date +%s%N); i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done; end=$(date +%s%N)',
        'echo "{\\"name\\":\\"ops\\",\\"value\\":$((50000 * 1000000000 / (end - start))),\\"unit\\":\\"ops/s\\",\\"direction\\":\\"higher-is-better\\"}" >> "$CGBENCH_METRICS"',
        'echo \'{"name":"answer","value":42,"direction":"neutral"}\' >> "$CGBENCH_METRICS"',
      ].join('\n'),
      { mode: 0o755 },
    );
    const r = run('itproto', {
      workloads: [{ name: 'ops', kind: 'command', command: [script], metrics: 'protocol', limits: [{ name: 'twentieth', cpus: 0.05 }] }],
    });
    expect(r.code, r.stderr).toBe(0);
    const base = cell(r.doc, 'unlimited');
    const limited = cell(r.doc, 'twentieth');
    for (const run of limited.runs) expect(run.namedMetrics?.answer).toEqual({ value: 42, unit: '', direction: 'neutral' });
    const ops = limited.summary.namedMetrics?.find((m) => m.name === 'ops');
    expect(ops?.unit).toBe('ops/s');
    // A twentieth of a CPU: the script's own rate falls with the CPU the quota allows (on a busy shared
    // machine the unlimited runs may get a fraction of a CPU, so only half is asserted).
    expect(ops?.vsBaseline).toBeLessThan(0.5);
    // Each run's figure is its own: the script's rate x the run's wall time (exec to exit, which holds the
    // loop and the shell's start) is the loop's 50,000 iterations and a little more.
    for (const run of limited.runs) {
      const done = ((run.namedMetrics?.ops?.value ?? 0) * (run.outcome === 'ok' ? run.metrics.wallNs : 0)) / 1e9;
      expect(done).toBeGreaterThan(50_000 * 0.99);
      expect(done).toBeLessThan(50_000 * 1.5);
    }
    expect(base.summary.namedMetrics?.map((m) => m.name)).toEqual(['ops', 'answer']);
    const csv = readFileSync(join(work, 'itproto-out', 'results.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/,metric:ops,metric:answer$/);
  });

  it('a malformed line or a protocol command that reports nothing fails its runs: exit 4, one line naming the fix', () => {
    const bad = run('itbad', {
      workloads: [
        { name: 'bad', kind: 'command', command: ['/bin/sh', '-c', 'echo "ops=12" >> "$CGBENCH_METRICS"'], limits: [{}] },
        { name: 'silent', kind: 'command', command: ['/bin/true'], metrics: 'protocol', limits: [{}] },
      ],
    });
    expect(bad.code).toBe(4);
    const badRun = cell(bad.doc, 'unlimited').runs[0];
    expect(badRun?.outcome).toBe('failed');
    expect(badRun && 'message' in badRun ? badRun.message : '').toBe('CGBENCH_METRICS line 1: not JSON: ops=12');
    const silent = bad.doc?.cells.find((c) => c.workload === 'silent')?.runs[0];
    expect(silent && 'message' in silent ? silent.message : '').toMatch(/the command reported no metrics: write JSON lines/);
    expect(bad.stderr).toMatch(/bad/);
  });

  it.skipIf(!hasFio)("Debian's fio with its JSON read: random reads under an IOPS throttle", () => {
    const fio = (name: string): string[] => [
      'fio',
      `--name=${name}`,
      `--filename=${join(scratchDir, `cgbench-itfio-${name}.dat`)}`,
      '--size=16M',
      '--rw=randread',
      '--bs=4k',
      '--direct=1',
      '--runtime=2',
      '--time_based',
      '--unlink=1',
      '--output-format=json',
    ];
    const r = run('itfio', {
      repetitions: 1,
      workloads: [
        { name: 'fio', kind: 'command', command: fio('randread'), metrics: 'fio', limits: [{ name: '200 IOPS', io: [{ riops: 200 }] }] },
      ],
    });
    expect(r.code, r.stderr).toBe(0);
    const free = cell(r.doc, 'unlimited').summary.namedMetrics?.find((m) => m.name === 'read_iops');
    const throttled = cell(r.doc, '200 IOPS').summary.namedMetrics?.find((m) => m.name === 'read_iops');
    console.log(`fio random 4k reads: ${free?.stats.median.toFixed(0)} IOPS unlimited, ${throttled?.stats.median.toFixed(0)} at 200 IOPS`);
    expect(throttled?.direction).toBe('higher-is-better');
    // The throttle holds the rate; its first slice's allowance lets a few more through over 2 s.
    expect(throttled?.stats.median).toBeLessThan(200 * 1.15);
    expect(throttled?.stats.median).toBeGreaterThan(200 * 0.8);
    expect(free?.stats.median).toBeGreaterThan(400);
    expect(cell(r.doc, '200 IOPS').summary.namedMetrics?.some((m) => m.name === 'read_clat_p99')).toBe(true);
  });
});
