// `cgbench fit` end to end with the fake runtime, as an unprivileged user: the answer and the settings on stdout
// (or the document with --json, valid against the schema), exit 4 with the reason when nothing in the range holds,
// a response that is not monotone said so, and bad input refused in one line with exit 2 before anything runs.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResultDocument } from '../../src/app/results.js';
import type { ResultDocument } from '../../src/model/types.js';
import { isRoot, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const NOBODY = 65534;

describe('cgbench fit --runtime fake, unprivileged', () => {
  let work: string;
  let latency: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-fit-e2e-'));
    chmodSync(work, 0o755);
    // Two threads of 1 ms every 10 ms: 0.2 CPU on average; one second each run keeps the documents small.
    latency = join(work, 'latency.yaml');
    writeFileSync(
      latency,
      'name: svc\nwarmup: 0\nworkloads:\n  - name: req\n    kind: latency\n' +
        '    params: { threads: 2, durationMs: 1000, workUs: 1000, intervalUs: 10000 }\n    limits: [{}]\n',
    );
    if (isRoot) chownSync(work, NOBODY, NOBODY);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const as = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
  function cgbench(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      cwd: work,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TMPDIR: work, ...env },
      timeout: 120_000,
      // The --json document of a fit is several MB (every probe's samples): above spawnSync's 1 MiB default.
      maxBuffer: 64 * 1024 * 1024,
      ...as,
    });
  }
  const fit = (out: string, ...more: string[]): string[] => ['fit', latency, '--runtime', 'fake', '--out', join(work, out), ...more];

  it('prints the answer, the probes and the settings to paste; the document holds every probe as a cell', async () => {
    const res = cgbench(fit('found', '--slo', 'p99 <= 10ms', '--range', '0.05..2', '--report', 'html,md'));
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^answer: 0\.2\d* CPU meets every SLO with 95 % confidence \(p99 <= 10ms: /m);
    expect(res.stdout).toMatch(/^value +probe +runs +p99 <= 10ms +verdict$/m);
    expect(res.stdout).toMatch(/^ {2}docker run --cpu-period 100000 --cpu-quota 2\d{4} \.\.\.$/m);
    expect(res.stdout).toMatch(/^ {2}systemctl set-property UNIT CPUQuota=2\d(\.\d)?%$/m);
    expect(res.stdout).toMatch(/^ {6}cpu: 2\d\dm$/m);
    expect(res.stdout).toMatch(/^fit took \d+ measured runs; a uniform sweep of the range at the same precision would take 234$/m);
    const doc = await loadResultDocument(join(work, 'found', 'results.json'));
    expect(doc.fit?.status).toBe('found');
    expect(doc.cells.length).toBe(doc.fit?.probes.length);
    expect(readFileSync(join(work, 'found', 'report.html'), 'utf8')).toContain('<section class="card" id="fit">');
    expect(readFileSync(join(work, 'found', 'report.md'), 'utf8')).toContain('### Fit');
  });

  it('--json prints the document alone, with its fit section', () => {
    const res = cgbench(fit('json', '--slo', 'p99 <= 10ms', '--range', '0.1..1', '--no-alternatives', '--json', '--report', 'none'));
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as ResultDocument;
    expect(doc.fit?.answer?.value).toBeGreaterThanOrEqual(0.2);
    expect(doc.fit?.alternatives).toEqual([]);
  });

  it('an impossible SLO exits 4 and says which SLO fails where', () => {
    const res = cgbench(fit('none', '--slo', 'p99 <= 0.5ms', '--range', '0.1..2'));
    expect(res.status, res.stderr).toBe(4);
    expect(res.stderr).toMatch(
      /^cgbench fit: the SLOs fail even without limits \(p99 <= 0\.5ms: 1\.0 ms .*\) and at the top of the range, 2 CPU; exit 4$/m,
    );
    expect(res.stdout).toMatch(/^no answer: the SLOs fail even without limits/m);
    const top = cgbench(fit('low-top', '--slo', 'p99 <= 10ms', '--range', '0.05..0.15'));
    expect(top.status).toBe(4);
    expect(top.stderr).toMatch(/no value in the range meets every SLO: at the top, 0\.15 CPU, it fails: p99 <= 10ms: /);
  });

  it('a response that is not monotone is reported as such', () => {
    const bump = JSON.stringify({ p99Bump: { fromCpus: 0.5, toCpus: 0.9, factor: 30 } });
    const res = cgbench(fit('bump', '--slo', 'p99 <= 10ms', '--range', '0.05..2', '--no-alternatives'), { CGBENCH_FAKE: bump });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('not monotone: more of the knob did not always help');
    expect(res.stdout).toMatch(/! holds at 0\.316 CPU but fails at 0\.795 CPU/);
  });

  it('bad input is one line, exit 2, before anything runs and with nothing written', () => {
    const cases: [string[], RegExp][] = [
      [fit('b1'), /fit needs at least one --slo/],
      [fit('b2', '--slo', 'p99 >= 10ms'), /--slo 'p99 >= 10ms': p99 is the 99th percentile latency, where lower is better/],
      [fit('b3', '--slo', 'p99 <= 10ms', '--range', '2..1'), /--range 2..1: the bottom must be below the top/],
      [fit('b4', '--slo', 'slowdown <= 1.2', '--knob', 'memory-high', '--runtime', 'docker'), /--knob memory-high on docker: memory.high/],
      [
        ['fit', '--preset', 'seed', '--runtime', 'fake', '--slo', 'p99 <= 1ms', '--out', join(work, 'b5')],
        /a cpu workload does not report the 99th/,
      ],
      [
        ['fit', '--preset', 'quick', '--runtime', 'fake', '--slo', 'wall <= 1s', '--out', join(work, 'b6')],
        /has 5 workloads; fit searches one/,
      ],
      [fit('b7', '--slo', 'p99 <= 1ms', '--precision', '0%'), /--precision must be a percentage above 0/],
    ];
    for (const [args, message] of cases) {
      const res = cgbench(args, { CGBENCH_FAKE: '' });
      expect(res.status, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    for (const d of ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']) expect(existsSync(join(work, d))).toBe(false);
    expect(cgbench(['fit', '--help']).stdout).toMatch(/Exit codes: 0 an answer was found, 4 no value in the range/);
  });
});
