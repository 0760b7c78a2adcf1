// The formats CI tools read, through the real command line with the fake runtime, as an unprivileged user:
// the trackers' files from `run --report` and `report --format`, the same on a re-render; the gate's JUnit XML.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumer, FIXTURES, isRoot, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const NOBODY = 65534;
const PROMTOOL = consumer('/usr/bin/promtool', 'prometheus', 'promtool on metrics.txt');
const XMLLINT = consumer('/usr/bin/xmllint', 'libxml2-utils', 'xmllint on compare --junit');

const TRACKER_FILES = ['bencher.json', 'benchmark-smaller-is-better.json', 'benchmark-bigger-is-better.json', 'metrics.txt'];

describe('tracker formats from the command line', () => {
  let work: string;
  const as = isRoot ? { uid: NOBODY, gid: NOBODY } : {};

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-e2e-formats-'));
    chmodSync(work, 0o755);
    if (isRoot) chownSync(work, NOBODY, NOBODY);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function cgbench(args: string[]): SpawnSyncReturns<string> {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TMPDIR: work };
    return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: work, env, timeout: 60_000, ...as });
  }

  it('run --report writes them beside results.json; report --format writes the same again', () => {
    const out = join(work, 'quick');
    const formats = 'bencher,github-benchmark,openmetrics';
    const run = cgbench(['run', '--preset', 'quick', '--runtime', 'fake', '-r', '2', '-w', '0', '--out', out, '--report', formats]);
    expect(run.status, run.stderr).toBe(0);
    for (const f of TRACKER_FILES) expect(run.stdout).toContain(`report: ${join(out, f)}`);
    const first = TRACKER_FILES.map((f) => readFileSync(join(out, f), 'utf8'));
    const again = join(work, 'again');
    const rep = cgbench(['report', join(out, 'results.json'), '--format', formats, '--out', again]);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout.trim().split('\n')).toEqual(TRACKER_FILES.map((f) => join(again, f)));
    expect(TRACKER_FILES.map((f) => readFileSync(join(again, f), 'utf8'))).toEqual(first);
    const bmf = JSON.parse(first[0] as string) as Record<string, Record<string, { value: number }>>;
    expect(Object.keys(bmf)).toContain('cpu-loop / 10% CPU / fake');
    expect(bmf['io-write-32M / 20 MB/s / fake']?.['io-rate']?.value).toBeGreaterThan(15e6);
    if (PROMTOOL) {
      const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: first[3], encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
  });

  it('compare --junit FILE writes the gate as JUnit XML; --format junit prints the same on stdout', () => {
    const a = join(work, 'night-a');
    const b = join(work, 'night-b');
    for (const out of [a, b]) {
      const run = cgbench(['run', '--preset', 'seed', '--runtime', 'fake', '-r', '3', '-w', '0', '--out', out, '--report', 'none']);
      expect(run.status, run.stderr).toBe(0);
    }
    const file = join(work, 'gate.xml');
    const gate = cgbench(['compare', join(a, 'results.json'), join(b, 'results.json'), '--junit', file]);
    expect(gate.status, gate.stderr).toBe(0);
    expect(gate.stdout).toMatch(/^PASS: /m);
    const xml = readFileSync(file, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites>/);
    expect(xml).toMatch(/<testcase name="median wall" classname="busy-loop \/ unlimited \/ fake" time="0"\/>/);
    const stdout = cgbench(['compare', join(a, 'results.json'), join(b, 'results.json'), '--format', 'junit']);
    expect(stdout.status).toBe(0);
    // The same two documents, the same report.
    expect(stdout.stdout).toBe(xml);
    if (XMLLINT) {
      const check = spawnSync(XMLLINT, ['--noout', '--nonet', '--schema', join(FIXTURES, 'junit', 'ant-junit.xsd'), file], {
        encoding: 'utf8',
      });
      expect(check.status, check.stderr).toBe(0);
    }
  });

  it('an unknown format is refused before anything runs', () => {
    const out = join(work, 'bad');
    const res = cgbench(['run', '--preset', 'quick', '--runtime', 'fake', '--out', out, '--report', 'bencher,prometheus']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/unknown report format "prometheus".*openmetrics/);
    expect(existsSync(out)).toBe(false);
  });
});
