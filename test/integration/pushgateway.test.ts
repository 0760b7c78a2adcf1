// `--push URL` against a real Prometheus Pushgateway (Debian's prometheus-pushgateway), started by this test on
// a free loopback port and stopped by pid whatever happens: the figures land under the job and grouping key,
// read back from the gateway's API equal to the document's; a push replaces the group; a failed push keeps
// the results and exits 3; a bad URL is refused before anything runs.

import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/model/types.js';
import { consumer, freePort, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const GATEWAY = consumer('/usr/bin/prometheus-pushgateway', 'prometheus-pushgateway', 'Pushgateway');

interface GroupMetric {
  labels: Record<string, string>;
  value: string;
}
/** One group of /api/v1/metrics: its grouping labels, and each family pushed to it by name. */
type Group = Record<string, unknown> & { labels: Record<string, string> };

describe.skipIf(!GATEWAY)('--push to a Pushgateway', () => {
  let gateway: ChildProcess | undefined;
  let url = '';
  let work = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-push-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // No persistence file: the gateway keeps everything in memory and leaves nothing behind.
    gateway = spawn(GATEWAY as string, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = await fetch(`${url}/-/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) break;
      if (Date.now() > deadline || gateway.exitCode !== null) throw new Error(`the Pushgateway did not start on ${url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (gateway?.pid !== undefined && gateway.exitCode === null) {
      const gone = new Promise((r) => gateway?.once('exit', r));
      process.kill(gateway.pid, 'SIGTERM');
      await gone;
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function cgbench(args: string[]): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: work, timeout: 60_000 });
  }

  /** The seed preset on the fake runtime, no report files, pushed to `to`. */
  function pushSeed(out: string, repetitions: number, to: string): SpawnSyncReturns<string> {
    return cgbench([
      'run',
      '--preset',
      'seed',
      '--runtime',
      'fake',
      '-r',
      String(repetitions),
      '-w',
      '0',
      '--out',
      out,
      '--report',
      'none',
      '--push',
      to,
    ]);
  }

  async function groups(): Promise<Group[]> {
    const body = (await (await fetch(`${url}/api/v1/metrics`)).json()) as { data: Group[] };
    return body.data;
  }

  async function group(labels: Record<string, string>): Promise<Group | undefined> {
    return (await groups()).find((g) => Object.entries(labels).every(([k, v]) => g.labels[k] === v));
  }

  /** One family's samples in a group, by its cell's limit set. */
  function samples(g: Group | undefined, family: string): Map<string, number> {
    const fam = g?.[family] as { metrics?: GroupMetric[] } | undefined;
    return new Map((fam?.metrics ?? []).map((m) => [m.labels.limit_set ?? '', Number(m.value)]));
  }

  it('run --push: every figure under job cgbench, scenario and host, equal to the document; report --push replaces the group', async () => {
    const out = join(work, 'seed');
    const res = pushSeed(out, 3, url);
    expect(res.status, res.stderr).toBe(0);
    const where = `${url}/metrics/job/cgbench/scenario/seed/host/${encodeURIComponent(hostname())}`;
    expect(res.stdout).toContain(`pushed: ${where}\n`);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    const g = await group({ job: 'cgbench', scenario: 'seed', host: hostname() });
    expect(g, JSON.stringify(await groups())).toBeDefined();
    const limited = doc.cells.filter((c) => c.baselineId !== null);
    const slowdown = samples(g, 'cgbench_slowdown_ratio');
    expect(slowdown.size).toBe(limited.length);
    for (const c of limited) expect(slowdown.get(c.limitSet)).toBeCloseTo(c.summary.slowdown ?? Number.NaN, 9);
    const wall = samples(g, 'cgbench_wall_seconds');
    for (const c of doc.cells) expect(wall.get(c.limitSet)).toBeCloseTo((c.summary.medianWallNs ?? 0) / 1e9, 9);
    expect(g?.['cgbench_runs']).toBeDefined();

    // The same document with a cell less, pushed again: the group is replaced, the cell's series gone.
    const fewer = { ...doc, cells: doc.cells.filter((c) => c.id !== limited[0]?.id) };
    const file = join(work, 'fewer.json');
    writeFileSync(file, JSON.stringify(fewer));
    const again = cgbench(['report', file, '--push', url]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`pushed: ${where}`);
    // Only the push: no report was written beside it.
    expect(existsSync(join(work, 'report.html'))).toBe(false);
    const replaced = samples(await group({ job: 'cgbench', scenario: 'seed', host: hostname() }), 'cgbench_slowdown_ratio');
    expect(replaced.size).toBe(limited.length - 1);
    expect(replaced.has(limited[0]?.limitSet ?? '')).toBe(false);
  });

  it('a job of its own, and a scenario name with a slash and quotes, come back as written', async () => {
    const scenario = join(work, 'odd.yaml');
    const name = 'nightly/"odd" \\ one';
    writeFileSync(
      scenario,
      `name: '${name}'\nrepetitions: 2\nwarmup: 0\nworkloads:\n  - { name: loop, kind: cpu, params: { iterations: 1000000 }, limits: [{ cpus: 0.5 }] }\n`,
    );
    const res = cgbench([
      'run',
      scenario,
      '--runtime',
      'fake',
      '--out',
      join(work, 'odd'),
      '--report',
      'none',
      '--push',
      url,
      '--push-job',
      'ci nightly',
    ]);
    expect(res.status, res.stderr).toBe(0);
    // A value with a slash goes in base64url: the gateway decodes it into the label.
    expect(res.stdout).toMatch(/pushed: .*\/metrics\/job\/ci%20nightly\/scenario@base64\/[A-Za-z0-9_-]+=*\/host\//);
    const g = await group({ job: 'ci nightly', scenario: name });
    expect(g).toBeDefined();
    expect(samples(g, 'cgbench_wall_seconds').size).toBe(2);
  });

  it('a push that fails keeps the results, says how to push them again, and exits 3', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const out = join(work, 'unreachable');
    const res = pushSeed(out, 2, closed);
    expect(res.status).toBe(3);
    expect(res.stderr).toMatch(/cannot reach the Pushgateway at .*ECONNREFUSED/);
    expect(res.stderr).toContain(`cgbench report ${join(out, 'results.json')} --push ${closed}/`);
    expect(res.stdout).toContain(`results: ${join(out, 'results.json')}`);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toMatchObject({ status: 'complete' });
    const retry = cgbench(['report', join(out, 'results.json'), '--push', url]);
    expect(retry.status, retry.stderr).toBe(0);
    // A gateway path that is no gateway refuses: exit 3, the gateway's own words.
    const refused = cgbench(['report', join(out, 'results.json'), '--push', `${url}/metrics/nojob/x`]);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toMatch(/the Pushgateway refused the push .*HTTP 4\d\d/);
  });

  it('a bad --push is refused before anything runs', () => {
    for (const bad of ['not a url', 'ftp://127.0.0.1:9091', `${url}?x=1`]) {
      const out = join(work, 'never');
      const res = cgbench(['run', '--preset', 'seed', '--runtime', 'fake', '--out', out, '--push', bad]);
      expect(res.status, bad).toBe(2);
      expect(res.stderr).toMatch(/^cgbench: --push /);
      expect(existsSync(out)).toBe(false);
    }
  });
});
