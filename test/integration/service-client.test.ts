// A service driven by a client command of the user's on real cgroups (root): Debian's real wrk against the echo
// server, whose every answer takes 1 ms of sleep, so wrk's p50 cannot be below 1 ms; its figures are the run's
// named figures and its CPU is booked outside the measured group. Bad input: a client that is not installed
// (exit 3), one that fails or prints nothing cgbench reads (exit 4), one line each; nothing left behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCgroups } from '../../src/cgroup/index.js';
import { nativeBinary } from '../../src/model/paths.js';
import type { ResultDocument } from '../../src/model/types.js';
import { freePort, isRoot, ROOT_DIR, runAsync, writeScenario } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const hasWrk = spawnSync('sh', ['-c', 'command -v wrk']).status === 0;

if (!isRoot) console.warn('skipping service client tests: they need root to create cgroups');
if (!hasWrk) console.warn('skipping the wrk test: wrk is not installed (apt-get install wrk)');

describe.skipIf(!isRoot)('a service driven by a client command', () => {
  const work = mkdtempSync(join(tmpdir(), 'cgbench-itclient-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function run(
    name: string,
    client: string[],
    durationMs = 2000,
  ): Promise<{ code: number | null; stderr: string; doc?: ResultDocument }> {
    const port = await freePort();
    const file = writeScenario(work, {
      name,
      warmup: 0,
      repetitions: 1,
      timeout: '30s',
      workloads: [
        {
          name: 'echo',
          kind: 'service',
          command: [nativeBinary('cgbench-echo'), '--listen', `127.0.0.1:${port}`, '--http', '--sleep-us', '1000', '--threads', '8'],
          client,
          params: { port, connections: 4, durationMs },
          limits: [{}],
        },
      ],
    });
    const out = join(work, `${name}-out`);
    const r = await runAsync('node', [CLI, 'run', file, '--report', 'none', '--out', out], 120_000);
    const results = join(out, 'results.json');
    // Nothing of the run survives it: no group, no server, no client.
    expect(openCgroups().leftovers()).toEqual([]);
    expect(spawnSync('pgrep', ['-f', `127.0.0.1:${port}`]).status).toBe(1);
    return {
      code: r.status,
      stderr: r.stderr,
      ...(existsSync(results) ? { doc: JSON.parse(readFileSync(results, 'utf8')) as ResultDocument } : {}),
    };
  }

  it.skipIf(!hasWrk)("wrk's throughput and percentiles are the run's figures; p50 is at least the 1 ms service time", async () => {
    const r = await run('itwrk', ['wrk', '-t1', '-c{connections}', '-d{duration}', '--latency', '{url}']);
    expect(r.code, r.stderr).toBe(0);
    const runOf = r.doc?.cells[0]?.runs.find((x) => !x.warmup);
    expect(runOf?.outcome).toBe('ok');
    const named = runOf?.namedMetrics ?? {};
    console.log(
      `wrk -c4 on the echo server (1 ms sleep): ${named.throughput?.value} req/s, p50 ${named.p50?.value} ms, ` +
        `p99 ${named.p99?.value} ms, client CPU ${(runOf?.client?.cpuNs ?? 0) / 1e6} ms`,
    );
    expect(named.throughput?.value).toBeGreaterThan(0);
    expect(named.p50?.value).toBeGreaterThanOrEqual(1);
    expect(named.errors?.value).toBe(0);
    // The client's CPU is its own, read from /proc: wrk spends some on 2 s of requests.
    expect(runOf?.client?.cpuNs).toBeGreaterThan(0);
    expect(r.doc?.cells[0]?.summary.namedMetrics?.map((m) => m.name)).toEqual(
      expect.arrayContaining(['throughput', 'p50', 'p99', 'errors']),
    );
  });

  it('a client that is not installed: exit 3 and one line, before the first run', async () => {
    const r = await run('itnoclient', ['cgbench-no-such-client', '{url}']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/client: cgbench-no-such-client is not on PATH/);
    expect(r.doc).toBeUndefined();
  });

  it('a client that fails or prints no figures: the run fails with its reason (exit 4)', async () => {
    const failing = await run('itclientfail', ['sh', '-c', 'echo "no route to {host}" >&2; exit 7'], 1000);
    expect(failing.code).toBe(4);
    expect(failing.doc?.cells[0]?.runs[0]).toMatchObject({
      outcome: 'failed',
      message: 'the client sh exited with code 7: no route to 127.0.0.1',
    });
    const silent = await run('itclientsilent', ['sh', '-c', 'echo done'], 1000);
    expect(silent.code).toBe(4);
    expect(silent.doc?.cells[0]?.runs[0]?.outcome).toBe('failed');
    expect(silent.stderr + JSON.stringify(silent.doc?.cells[0]?.runs[0])).toMatch(/the client printed no figures cgbench reads/);
  });
});
