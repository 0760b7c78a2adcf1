// Many hosts, one report, from real runs (root): two `cgbench run --runtime native` documents of one tiny
// scenario, merged (refused as the same host until labelled apart or from a host of another name),
// reported with a host dimension, re-rendered by `report`, and compared host against host.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostNameOf } from '../../src/model/hosts.js';
import type { CompareResult, ResultDocument } from '../../src/model/types.js';
import { isRoot, loopIterations, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
if (!isRoot) console.warn('skipping merge integration tests: the native runs need root to create cgroups');

const work = mkdtempSync(join(tmpdir(), 'cgbench-merge-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cgbench(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

const read = (path: string): ResultDocument => JSON.parse(readFileSync(path, 'utf8')) as ResultDocument;

// About 200 ms of CPU on this machine: a 0.5 CPU quota (50 ms per 100 ms period) throttles it in its first three periods.
const SCENARIO =
  'name: tiny-hosts\nrepetitions: 3\nwarmup: 1\nworkloads:\n' +
  `  - name: loop\n    kind: cpu\n    params: { iterations: ${loopIterations(0.2)} }\n    limits:\n      - { name: half, cpus: 0.5 }\n`;

describe.skipIf(!isRoot)('cgbench merge over two native runs', () => {
  const a = join(work, 'a', 'results.json');
  const b = join(work, 'b', 'results.json');

  beforeAll(() => {
    const file = join(work, 'tiny.yaml');
    writeFileSync(file, SCENARIO);
    for (const dir of ['a', 'b']) {
      const res = cgbench(['run', file, '--runtime', 'native', '--out', join(work, dir), '--report', 'none']);
      expect(res.status, res.stderr).toBe(0);
    }
  });

  it('refuses two documents of this host with one line, writing nothing, until they are labelled apart', () => {
    const refused = cgbench(['merge', a, b, '--out', join(work, 'never')]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/come from the same host .* \(label them apart .*nothing was written\)/);
    expect(existsSync(join(work, 'never'))).toBe(false);

    const out = join(work, 'labelled');
    const res = cgbench(['merge', `${a}=before`, `${b}=after`, '--out', out, '--report', 'md']);
    expect(res.status, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^cgbench \S+ — tiny-hosts on 2 hosts$/);
    expect(lines.slice(1, 3).map((l) => l.split(':')[0])).toEqual(['  before', '  after']);
    expect(lines.filter((l) => /^half {2,}(before|after) /.test(l)).map((l) => l.split(/ +/)[1])).toEqual(['before', 'after']);
    expect(lines.slice(-2)).toEqual([`report: ${join(out, 'report.md')}`, `results: ${join(out, 'results.json')}`]);
    const merged = read(join(out, 'results.json'));
    expect(merged.hosts?.map((e) => e.name)).toEqual(['before', 'after']);
    expect(merged.hosts?.map((e) => e.host)).toEqual([read(a).host, read(b).host]);
  });

  it('a host of another name merges as is: each cell keeps its own host and figures, side by side in the reports', () => {
    const other = join(work, 'other.json');
    const doc = read(b);
    writeFileSync(other, JSON.stringify({ ...doc, host: { ...doc.host, hostname: 'cgbench-other-host' } }));
    const out = join(work, 'merged');
    const res = cgbench(['merge', a, other, '--out', out, '--report', 'md,html,png']);
    expect(res.status, res.stderr).toBe(0);
    const merged = read(join(out, 'results.json'));
    const here = hostNameOf(hostname());
    expect(merged.hosts?.map((e) => e.name)).toEqual([here, 'cgbench-other-host']);
    expect(merged.cells.map((c) => [c.host, c.limitSet])).toEqual([
      [here, 'unlimited'],
      [here, 'half'],
      ['cgbench-other-host', 'unlimited'],
      ['cgbench-other-host', 'half'],
    ]);
    expect(merged.cells.slice(2).map((c) => c.summary)).toEqual(doc.cells.map((c) => c.summary));
    // Real figures on both hosts: the kernel throttled the half-CPU cell. Its ~200 ms of CPU at 50 ms per
    // 100 ms period span four periods, so it ran for over 300 ms: granted well below 0.75 CPU.
    for (const c of merged.cells.filter((x) => x.limitSet === 'half')) {
      expect(c.summary.throttleRatio ?? 0).toBeGreaterThan(0);
      expect(c.summary.cpuGranted ?? 1).toBeLessThan(0.75);
    }

    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const rows = md.split('\n').filter((l) => l.startsWith('| half |'));
    expect(rows.map((r) => r.split(' | ')[1])).toEqual([here, 'cgbench-other-host']);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<h3>cgbench-other-host</h3>');
    expect(existsSync(join(out, 'charts', '01-loop-slowdown.png'))).toBe(true);

    // `report` reads the merged document back and renders the same Markdown.
    const again = cgbench(['report', join(out, 'results.json'), '--format', 'md', '--out', join(work, 'again')]);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(work, 'again', 'report.md'), 'utf8')).toBe(md);
  });

  it('compare --hosts runs the gate host against host', () => {
    const res = cgbench(['compare', join(work, 'labelled', 'results.json'), '--hosts', 'before,after', '--format', 'json']);
    expect([0, 1], res.stderr).toContain(res.status);
    const result = JSON.parse(res.stdout) as CompareResult;
    expect([result.base.host, result.current.host]).toEqual(['before', 'after']);
    expect(result.cells.map((c) => c.currentCellId)).toEqual(read(b).cells.map((c) => c.id));
    expect(result.unmatched).toEqual([]);
    expect(res.status).toBe(result.exitCode);
  });
});
