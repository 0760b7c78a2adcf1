// Services on docker and podman: the echo server (1 ms of CPU a request) in a container under each cell's limits,
// once from cgbench's own image (command:) and once as the entrypoint of an image of its own (image:, built here
// offline from the static binary), its network linked to this host by a veth pair, driven from the host outside
// the container's limits. What must hold: a p50 of at least the service time, a tenth of a CPU capping throughput
// near the quota's 100 requests/s with a growing queue, and nothing left (containers, veth pairs, the test image);
// image: on the native runtime is refused with one line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeBinary } from '../../src/model/paths.js';
import type { Cell, ResultDocument } from '../../src/model/types.js';
import { makeTar } from '../../src/runtimes/docker/image.js';
import { isRoot, ROOT_DIR, runAsync, writeScenario } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const ENGINES = { docker: ['docker'], podman: ['podman', '--cgroup-manager=cgroupfs'] } as const;
/** The test's own image: the echo server as its entrypoint, listening on every address of its network. */
const IMAGE = `cgbench-itsvc-echo:${process.pid}`;
const PORT = 7000;

function engine(name: keyof typeof ENGINES, args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const [bin, ...flags] = ENGINES[name];
  return spawnSync(bin, [...flags, ...args], { encoding: 'utf8', timeout: 60_000, ...(input ? { input } : {}) });
}
const engineWorks = (name: keyof typeof ENGINES): boolean => isRoot && engine(name, ['info']).status === 0;
const named = (c: Cell | undefined, name: string): number => c?.summary.namedMetrics?.find((m) => m.name === name)?.stats.median ?? NaN;
const vethLeft = (): string[] => spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout.match(/ cgb[0-9a-z]+-[0-9a-z]+@/g) ?? [];

const work = mkdtempSync(join(tmpdir(), 'cgbench-itsvc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A scenario of the echo server from cgbench's image and from the test's image, unlimited and at 0.1 CPU. */
function scenario(name: string, imageOnly = false): string {
  const params = { port: PORT, protocol: 'tcp', rate: 250, connections: 4, durationMs: 2000, warmupMs: 300 };
  return writeScenario(work, {
    name,
    warmup: 0,
    repetitions: 1,
    timeout: '60s',
    limits: [{ name: 'tenth', cpus: 0.1 }],
    workloads: [
      ...(imageOnly
        ? []
        : [
            {
              name: 'echo',
              kind: 'service',
              command: ['/cgbench/bin/cgbench-echo', '--listen', `0.0.0.0:${PORT}`, '--work-us', '1000'],
              params,
            },
          ]),
      { name: 'own-image', kind: 'service', image: IMAGE, params },
    ],
  });
}

for (const name of ['docker', 'podman'] as const) {
  const works = engineWorks(name);
  if (!works) console.warn(`skipping ${name} service tests: ${name} info fails here (root and a running engine needed)`);
  describe.skipIf(!works)(`services on ${name}`, () => {
    beforeAll(() => {
      // FROM scratch, offline: the static echo server alone, as the entrypoint; its arguments as the CMD.
      const tar = makeTar([
        { name: 'echo', mode: 0o755, data: readFileSync(nativeBinary('cgbench-echo')) },
        { name: 'tmp', mode: 0o1777 },
      ]);
      const cmd = JSON.stringify(['--listen', `0.0.0.0:${PORT}`, '--work-us', '1000']);
      const r = engine(name, ['import', '--change', 'ENTRYPOINT ["/echo"]', '--change', `CMD ${cmd}`, '-', IMAGE], tar);
      expect(r.status, r.stderr).toBe(0);
    });
    afterAll(() => {
      // Whatever a failed run left of cgbench's (a killed cgbench's containers), then the test's image.
      spawnSync('node', [CLI, 'clean'], { encoding: 'utf8', timeout: 120_000 });
      engine(name, ['rmi', '--force', IMAGE]);
    });

    it('a server that exits at once: the run fails saying it exited before it was ready, with its exit and last line', async () => {
      const file = writeScenario(work, {
        name: `itsvc-gone-${name}`,
        warmup: 0,
        repetitions: 1,
        timeout: '60s',
        workloads: [{ name: 'gone', kind: 'service', command: ['/cgbench/bin/cgbench-echo', '--no-such-flag'], params: { port: PORT } }],
      });
      const out = join(work, `out-gone-${name}`);
      const r = await runAsync('node', [CLI, 'run', file, '--runtime', name, '--out', out, '--report', 'none'], 120_000);
      expect(r.status, r.stderr).not.toBe(0);
      const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
      const run = doc.cells[0]?.runs[0];
      expect(run?.outcome).toBe('failed');
      expect(run && 'message' in run ? run.message : '').toMatch(
        /the server exited before it was ready on .*exit code \d+: .*unknown option '--no-such-flag'/,
      );
      expect(engine(name, ['ps', '-a', '--filter', 'label=cgbench', '-q']).stdout.trim()).toBe('');
      expect(vethLeft()).toEqual([]);
    });

    it("the echo server from cgbench's image and from its own: its service time as p50, 0.1 CPU caps it; nothing left", async () => {
      const out = join(work, `out-${name}`);
      // Not spawnSync: a minute's block starves vitest's worker.
      const r = await runAsync('node', [CLI, 'run', scenario(`itsvc-${name}`), '--runtime', name, '--out', out], 240_000);
      expect(r.status, r.stderr).toBe(0);
      const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
      for (const workload of ['echo', 'own-image']) {
        const free = doc.cells.find((c) => c.workload === workload && c.limitSet === 'unlimited');
        const tenth = doc.cells.find((c) => c.workload === workload && c.limitSet === 'tenth');
        console.log(
          `${name} ${workload}, echo 1 ms at 250 req/s: unlimited ${named(free, 'throughput').toFixed(0)} req/s ` +
            `p50 ${named(free, 'p50').toFixed(2)} ms; 0.1 CPU ${named(tenth, 'throughput').toFixed(0)} req/s p50 ${named(tenth, 'p50').toFixed(2)} ms`,
        );
        // A request costs 1 ms of CPU: its latency is at least that. Unlimited keeps up with the offered rate; a
        // tenth of a CPU cannot, so its queue grows for the whole run.
        expect(named(free, 'p50')).toBeGreaterThanOrEqual(1);
        expect(named(tenth, 'p50')).toBeGreaterThan(named(free, 'p50') * 10);
        // 0.1 CPU is 100 ms a second: at most ~100 answers of 1 ms each (one period of slack), whatever the offered 250.
        expect(named(tenth, 'throughput')).toBeLessThan(100 * 1.25);
        expect(named(free, 'throughput')).toBeGreaterThan(named(tenth, 'throughput') * 1.5);
      }
      expect(engine(name, ['ps', '-a', '--filter', 'label=cgbench', '-q']).stdout.trim()).toBe('');
      // The host side of each veth pair (cgb<pid>-<n>) went with its container.
      expect(vethLeft()).toEqual([]);
    });
  });
}

describe.skipIf(!isRoot)('image: on the native runtime', () => {
  it('is refused before the first run: one line naming the runtimes that can, exit 2', () => {
    const r = spawnSync('node', [CLI, 'run', scenario('itsvc-native', true), '--runtime', 'native', '--out', join(work, 'out-native')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`image: ${IMAGE} runs a container image's entrypoint on docker or podman only`);
  });
});
