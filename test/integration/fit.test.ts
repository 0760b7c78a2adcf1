// `cgbench fit` on real cgroups (root): the echo server spends 1 ms of its own CPU on each request and is offered
// 200 requests/s, so it needs 0.2 CPU. A quota below that cannot answer 95 % of the offered rate (the kernel's
// guarantee: the group gets at most its quota of CPU time), so the smallest quota that holds
// `throughput >= 0.95x` cannot lie below ~0.19 CPU; a machine busy with other work only pushes it up.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCgroups } from '../../src/cgroup/index.js';
import { nativeBinary } from '../../src/model/paths.js';
import type { ResultDocument } from '../../src/model/types.js';
import { freePort, isRoot, ROOT_DIR, runAsync } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');

if (!isRoot) console.warn('skipping fit integration tests: they need root to create cgroups');

describe.skipIf(!isRoot)('cgbench fit on the native runtime', () => {
  const work = mkdtempSync(join(tmpdir(), 'cgbench-itfit-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("finds the echo server's CPU demand as the smallest quota that keeps 95 % of its throughput", async () => {
    const port = await freePort();
    const scenario = join(work, 'echo.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        name: 'itfit',
        warmup: 0,
        workloads: [
          {
            name: 'echo',
            kind: 'service',
            command: [nativeBinary('cgbench-echo'), '--listen', `127.0.0.1:${port}`, '--work-us', '1000'],
            params: { port, protocol: 'tcp', mode: 'open', rate: 200, connections: 4, durationMs: 2000, warmupMs: 200 },
            limits: [{}],
          },
        ],
      }),
    );
    const out = join(work, 'out');
    const args = ['fit', scenario, '--slo', 'throughput >= 0.95x', '--range', '0.1..0.8', '--precision', '10%'];
    const r = await runAsync('node', [CLI, ...args, '--no-alternatives', '--report', 'none', '--out', out], 600_000);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    const answer = doc.fit?.answer?.value ?? NaN;
    const runs = doc.cells.reduce((n, c) => n + c.runs.filter((x) => !x.warmup).length, 0);
    console.log(`fit on the echo server (demand 0.2 CPU): ${answer} CPU in ${runs} runs (${doc.fit?.probes.length} probes)`);
    expect(doc.fit?.status).toBe('found');
    expect(answer).toBeGreaterThanOrEqual(0.2 * 0.95 * 0.9);
    expect(answer).toBeLessThanOrEqual(0.4);
    expect(r.stdout).toMatch(/^answer: 0\.\d+ CPU meets every SLO with 95 % confidence \(throughput >= 0\.95x: /m);
    expect(r.stdout).toMatch(/^ {2}docker run --cpu-period 100000 --cpu-quota \d+ \.\.\.$/m);
    // Every probe's group is gone, and so is the server.
    expect(openCgroups().leftovers()).toEqual([]);
    expect(spawnSync('pgrep', ['-f', `127.0.0.1:${port}`]).status).toBe(1);
  });
});
