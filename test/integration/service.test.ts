// Service workloads on real cgroups (root) with Debian's real nginx: started on 127.0.0.1 under each cell's
// limits, driven by the load generator from outside them, stopped by the launcher. What must hold: a quarter of
// a CPU caps nginx's throughput and raises its p99, the group's CPU stays within its quota while the generator
// books its own; bad input (a port in use, a server that exits or never listens) gets one line and its exit
// code; Ctrl-C mid-load leaves no process and no group.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openCgroups } from '../../src/cgroup/index.js';
import { latencyTimeline } from '../../src/model/load-series.js';
import { cpuUsedCpus } from '../../src/model/metrics.js';
import type { Cell, ResultDocument, Run } from '../../src/model/types.js';
import { freePort, isRoot, ROOT_DIR, writeScenario } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const NGINX = '/usr/sbin/nginx';
const hasNginx = existsSync(NGINX);

if (!isRoot) console.warn('skipping service integration tests: they need root to create cgroups');
if (!hasNginx) console.warn('skipping the nginx tests: nginx is not installed (apt-get install nginx-light)');

/** The directories cgbench wrote known servers' files to, still in the temp directory. */
const leftServerDirs = (): string[] => readdirSync(tmpdir()).filter((n) => /^cgbench-status-\d+-nginx-/.test(n));

/** nginx in the foreground, one worker, everything it writes under `dir`, answering 200 "ok" on `port`. */
function nginxCommand(dir: string, port: number): string[] {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')};`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
      `  server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } }`,
      '}',
    ].join('\n'),
  );
  return [NGINX, '-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
}

describe.skipIf(!isRoot || !hasNginx)('services: nginx under limits, load from outside them', () => {
  const work = mkdtempSync(join(tmpdir(), 'cgbench-itservice-'));
  const holders: Server[] = [];
  afterAll(() => {
    for (const h of holders) h.close();
    rmSync(work, { recursive: true, force: true });
  });

  const scenarioFile = (name: string, scenario: object): string => writeScenario(work, { name, warmup: 0, timeout: '60s', ...scenario });
  function run(name: string, scenario: object): { code: number | null; stderr: string; doc: ResultDocument | null } {
    const out = join(work, `${name}-out`);
    const r = spawnSync('node', [CLI, 'run', scenarioFile(name, scenario), '--out', out], { encoding: 'utf8', timeout: 180_000 });
    const results = join(out, 'results.json');
    return {
      code: r.status,
      stderr: r.stderr,
      doc: existsSync(results) ? (JSON.parse(readFileSync(results, 'utf8')) as ResultDocument) : null,
    };
  }
  const cell = (doc: ResultDocument | null, limitSet: string): Cell => doc?.cells.find((c) => c.limitSet === limitSet) as Cell;
  const named = (c: Cell, name: string): number => c.summary.namedMetrics?.find((m) => m.name === name)?.stats.median ?? NaN;

  it('a quarter of a CPU caps throughput and stalls the tail; the group stays within its quota, the generator outside', async () => {
    const port = await freePort();
    const r = run('itnginx', {
      repetitions: 2,
      workloads: [
        {
          name: 'nginx',
          kind: 'service',
          command: nginxCommand(mkdtempSync(join(work, 'nginx-')), port),
          // Closed loop: the connections keep the server busy, so the quota is what caps the rate.
          params: { port, readyPath: '/', mode: 'closed', connections: 8, durationMs: 2000, warmupMs: 300 },
          limits: [{ name: 'quarter', cpus: 0.25 }],
        },
      ],
    });
    expect(r.code, r.stderr).toBe(0);
    const free = cell(r.doc, 'unlimited');
    const quarter = cell(r.doc, 'quarter');
    const line =
      `nginx closed loop, 8 connections: unlimited ${named(free, 'throughput').toFixed(0)} req/s p99 ` +
      `${named(free, 'p99').toFixed(2)} ms p99.9 ${named(free, 'p99.9').toFixed(2)} ms; 0.25 CPU ${named(quarter, 'throughput').toFixed(0)} req/s p99 ` +
      `${named(quarter, 'p99').toFixed(2)} ms p99.9 ${named(quarter, 'p99.9').toFixed(2)} ms`;
    console.log(line);
    expect(named(quarter, 'throughput')).toBeLessThan(named(free, 'throughput'));
    // The requests in flight when the quota runs out wait for the next period (most of its 100 ms). With 8
    // connections that is 8 requests a period, whose share of the answers is below 1 % once the server answers more
    // than 800 a period (a quiet machine: 20,726 req/s at 0.25 CPU), so p99 need not show it; p99.9 does up to 8,000 a
    // period (80,000 req/s in a quarter CPU, far beyond nginx).
    expect(named(quarter, 'p99.9')).toBeGreaterThan(named(free, 'p99.9'));
    expect(named(quarter, 'p99.9')).toBeGreaterThan(20);
    for (const run of quarter.runs) {
      expect(run.outcome).toBe('ok');
      // The group's CPU over its life is within its quota (the kernel's guarantee, one period of slack)...
      expect(cpuUsedCpus(run) ?? 1).toBeLessThan(0.25 * 1.2);
      // ...while the generator, outside it, reported CPU of its own.
      expect(run.load?.cpuNs).toBeGreaterThan(0);
      expect(run.load?.series.ok.length).toBeGreaterThan(10);
    }
    // Latency over time: the generator's series on the samples' clock, at the cell's sampling interval (10 ms at
    // least), from the group's first reading and covering the warm-up and the load, the samples spanning it too.
    for (const c of [free, quarter]) {
      for (const run of c.runs) {
        const line = latencyTimeline(run);
        const loadS = (2000 + 300) / 1000;
        expect(line?.intervalMs).toBe(Math.min(100, Math.max(10, c.sampling?.intervalMs ?? 100)));
        if (!line || !run.before || !run.after || !run.samples) throw new Error(`${c.id}: no series or no samples`);
        expect(line.startS).toBeGreaterThan(0);
        expect(line.startS).toBeLessThan((run.after.tNs - run.before.tNs) / 1e9 - loadS);
        const answered = line.intervals.filter((v) => v.ok > 0);
        expect((answered.at(-1)?.endS ?? 0) - line.startS).toBeGreaterThanOrEqual(loadS);
        expect(answered.at(-1)?.endS ?? Infinity).toBeLessThanOrEqual((run.samples.tMs.at(-1) ?? 0) / 1000 + line.intervalMs / 1000);
        // A server answers only while it runs: unlimited, in most intervals; under a quarter of a CPU, in at most 25 ms of
        // each 100 ms period, so at 10 ms intervals in about 3 of every 10 (98 of 230 in one CI run): there, answers in
        // at least half the periods.
        const everyS = c === free ? line.intervalMs / 1000 : 0.1;
        expect(line.intervals.filter((v) => v.p99Ms !== null).length).toBeGreaterThan(loadS / everyS / 2);
      }
    }
    expect(quarter.summary.namedMetrics?.map((m) => m.name)).toEqual(expect.arrayContaining(['throughput', 'p50', 'p99', 'errors']));
  });

  it('the services preset: cgbench configures nginx on a free port, holds it to 0.25 CPU, leaves nothing behind', () => {
    // The preset's closed-loop workload, shortened: its unlimited and 0.25 CPU cells, one run of 1 s each.
    const preset = parse(readFileSync(join(ROOT_DIR, 'workloads', 'services.yaml'), 'utf8')) as {
      workloads: { name: string; params: object; limits: { name: string }[] }[];
    };
    const closed = preset.workloads.find((w) => w.name === 'nginx-closed');
    expect(closed).toBeDefined();
    const before = leftServerDirs();
    const r = run('itpreset', {
      repetitions: 1,
      workloads: [
        {
          ...closed,
          params: { ...closed?.params, durationMs: 1000, warmupMs: 200 },
          limits: closed?.limits.filter((l) => l.name === '0.25 CPU'),
        },
      ],
    });
    expect(r.code, r.stderr).toBe(0);
    const free = cell(r.doc, 'unlimited');
    const quarter = cell(r.doc, '0.25 CPU');
    console.log(
      `services preset, closed loop: unlimited ${named(free, 'throughput').toFixed(0)} req/s, 0.25 CPU ${named(quarter, 'throughput').toFixed(0)} req/s`,
    );
    // One short run each on a shared machine: the unlimited run may get less CPU from the others than the quota
    // grants (488 against 849 req/s at a load average of 15), so the cap is asserted as the kernel's guarantee.
    for (const c of [free, quarter]) expect(c.runs.map((x) => x.outcome)).toEqual(['ok']);
    expect(named(quarter, 'throughput')).toBeGreaterThan(0);
    expect(cpuUsedCpus(quarter.runs[0] as Run) ?? 1).toBeLessThan(0.25 * 1.2);
    // Its configuration directory is gone, and so is every nginx it started.
    expect(leftServerDirs()).toEqual(before);
    expect(spawnSync('pgrep', ['-f', 'cgbench-status-.*nginx'], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });

  it('server: nginx on a machine without nginx: one line, exit 3, before any run', () => {
    // Hide the binary in a mount namespace of this command only (a bind of /dev/null is no regular file).
    const file = scenarioFile('itnonginx', { workloads: [{ name: 'nginx', kind: 'service', server: 'nginx' }] });
    const out = join(work, 'itnonginx-out');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind /dev/null ${NGINX} && exec node ${CLI} run ${file} --out ${out}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('server: nginx needs nginx, which is not installed: not on PATH nor at /usr/sbin/nginx');
    expect(r.stderr).toContain('apt-get install nginx-light');
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });

  it('a port in use is refused before the first run: one line, exit 2', async () => {
    const port = await freePort();
    const holder = createServer();
    holders.push(holder);
    await new Promise<void>((res) => holder.listen(port, '127.0.0.1', res));
    const r = run('itinuse', {
      workloads: [{ name: 'nginx', kind: 'service', command: nginxCommand(mkdtempSync(join(work, 'nginx-')), port), params: { port } }],
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(r.doc).toBeNull();
  });

  it('a server that exits early or never listens fails its runs with the reason: exit 4', async () => {
    const port = await freePort();
    const r = run('itbadserver', {
      repetitions: 1,
      workloads: [
        { name: 'exits', kind: 'service', command: ['/bin/sh', '-c', 'echo no config >&2; exit 3'], params: { port } },
        { name: 'deaf', kind: 'service', command: ['/bin/sleep', '30'], params: { port, readyTimeoutMs: 500 } },
      ],
    });
    expect(r.code).toBe(4);
    const exits = r.doc?.cells.find((c) => c.workload === 'exits')?.runs[0];
    expect(exits && 'message' in exits ? exits.message : '').toMatch(/the server exited before it was ready .*exit code 3: no config/);
    const deaf = r.doc?.cells.find((c) => c.workload === 'deaf')?.runs[0];
    expect(deaf && 'message' in deaf ? deaf.message : '').toMatch(/the server was not ready on 127\.0\.0\.1:\d+ within 500 ms/);
  });

  it('Ctrl-C mid-load leaves no process and no group', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(work, 'nginx-'));
    const out = join(work, 'itctrlc-out');
    const file = scenarioFile('itctrlc', {
      repetitions: 1,
      workloads: [{ name: 'nginx', kind: 'service', command: nginxCommand(dir, port), params: { port, durationMs: 20_000, rate: 500 } }],
    });
    const child = spawn('node', [CLI, 'run', file, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Interrupt once the load runs: nginx answers on its port.
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(dir, 'nginx.pid')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const left = spawnSync('pgrep', ['-f', `${dir}|cgbench-load`], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
    expect(openCgroups().leftovers()).toEqual([]);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.status).toBe('interrupted');
  });
});
