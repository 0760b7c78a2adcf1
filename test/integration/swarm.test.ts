// The swarm runtime on a real three-node Docker Swarm (scripts/swarm-up.sh: three dockerd in network
// namespaces of their own, reached over TCP): cells spread over the nodes, each node one run at a time, the
// quota granted on each, and nothing left behind, also when the suite is interrupted.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell, ResultDocument } from '../../src/model/types.js';
import { cgroupDirsNamed, isRoot, loopIterations, ROOT_DIR, runAsync } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const NODES = 3;

function problem(): string | null {
  if (!isRoot) return 'it needs root (network namespaces, three dockerd)';
  for (const bin of ['dockerd', 'docker', 'ip', 'nsenter']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
      return `${bin} is not installed (scripts/docker-up.sh installs docker.io)`;
  }
  return null;
}
const skip = problem();
if (skip) console.warn(`skipping the swarm test: ${skip}`);

function docker(host: string, args: string[]): string {
  return execFileSync('docker', ['-H', host, ...args], { encoding: 'utf8', timeout: 30_000 });
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l.trim());

/** Each run's [start, end] in ms, by the node its cell ran on. */
function runsByNode(cells: Cell[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const c of cells) {
    const node = c.node?.hostname ?? '?';
    for (const r of c.runs) {
      const start = Date.parse(r.startedAt);
      out.set(node, [...(out.get(node) ?? []), [start, start + r.harnessWallNs / 1e6]]);
    }
  }
  return out;
}

/** The most runs in flight at once over `spans`. */
function maxInFlight(spans: [number, number][]): number {
  const edges = spans.flatMap(([a, b]) => [[a, 1] as const, [b, -1] as const]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

describe.skipIf(skip !== null)('swarm runtime on a three-node test swarm', () => {
  // CI (scripts/test-all.sh) starts the swarm and says where; otherwise this test starts and stops it.
  let manager = process.env.CGBENCH_SWARM_HOST ?? '';
  const started = !manager;
  const work = mkdtempSync(join(tmpdir(), 'cgbench-swarm-'));
  const engines: string[] = [];

  beforeAll(() => {
    if (started) {
      const out = execFileSync(join(ROOT_DIR, 'scripts', 'swarm-up.sh'), [String(NODES)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 240_000,
      });
      manager = /CGBENCH_SWARM_HOST=(\S+)/.exec(out)?.[1] ?? '';
    }
    expect(manager).toMatch(/^tcp:\/\/[\d.]+:2375$/);
    for (const id of lines(docker(manager, ['node', 'ls', '--quiet']))) {
      engines.push(docker(manager, ['node', 'inspect', '--format', '{{index .Spec.Labels "cgbench.engine"}}', id]).trim());
    }
    expect(engines).toHaveLength(NODES);
  }, 300_000);

  /** Nothing of cgbench's on the swarm: no service, no container on any node, no container group. */
  function expectNothingLeft(): void {
    expect(lines(docker(manager, ['service', 'ls', '--quiet', '--filter', 'label=cgbench']))).toEqual([]);
    for (const engine of engines) expect(lines(docker(engine, ['ps', '--all', '--quiet']))).toEqual([]);
    for (let i = 1; i <= NODES; i++) {
      for (const dir of cgroupDirsNamed(`cgbench-swarm${i}`)) {
        expect(readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())).toEqual([]);
      }
    }
  }

  afterAll(() => {
    if (started) {
      execFileSync(join(ROOT_DIR, 'scripts', 'swarm-down.sh'), { stdio: 'inherit', timeout: 180_000 });
      // No daemon, namespace, data or node group left.
      expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain('cgbench-swarm');
      expect(existsSync('/var/tmp/cgbench-swarm')).toBe(false);
      for (let i = 1; i <= NODES; i++) expect(cgroupDirsNamed(`cgbench-swarm${i}`)).toEqual([]);
    }
    rmSync(work, { recursive: true, force: true });
  }, 200_000);

  function scenario(name: string, iterations: number, cpus: number[]): string {
    const file = join(work, `${name}.yaml`);
    const limits = cpus.map((c) => `      - { name: "${c} CPU", cpus: ${c} }`);
    const yaml = [`name: ${name}`, 'repetitions: 2', 'warmup: 0', 'runtimes: [swarm]', 'workloads:'];
    writeFileSync(
      file,
      [...yaml, '  - name: loop', '    kind: cpu', `    params: { iterations: ${iterations} }`, '    limits:', ...limits].join('\n'),
    );
    return file;
  }

  it('spreads the cells over the three nodes, one run per node at a time, and grants each quota within 3 %', () => {
    const out = join(work, 'spread');
    const res = spawnSync(
      'node',
      [CLI, 'run', scenario('spread', loopIterations(0.6), [0.1, 0.15, 0.2]), '--docker-host', manager, '--out', out, '--report', 'none'],
      {
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(new Set(doc.cells.map((c) => c.node?.hostname))).toEqual(new Set(['cgbench-swarm1', 'cgbench-swarm2', 'cgbench-swarm3']));
    for (const c of doc.cells) {
      expect(c.node?.kernel).toBeTruthy();
      expect(c.node?.cpuCount).toBeGreaterThan(0);
      // Docker names no CPU model: the launcher's HOST line on the node does.
      expect(typeof c.node?.cpuModel === 'string' && c.node.cpuModel.length > 0).toBe(true);
      expect(c.runs.every((r) => r.outcome === 'ok')).toBe(true);
      const s = c.summary;
      if (s.cpuQuota === null) continue;
      console.log(`swarm ${c.limitSet} on ${c.node?.hostname}: granted ${s.cpuGranted?.toFixed(4)} of ${s.cpuQuota} CPU`);
      expect(Math.abs((s.cpuGranted ?? 0) / s.cpuQuota - 1)).toBeLessThanOrEqual(0.03);
    }
    const byNode = runsByNode(doc.cells);
    for (const [node, spans] of byNode) expect(maxInFlight(spans), node).toBe(1);
    expect(maxInFlight([...byNode.values()].flat())).toBe(NODES);
    expectNothingLeft();
  }, 300_000);

  it("fits a loop's CPUs on the swarm, probes on several nodes at once, and leaves nothing", async () => {
    // 0.3 s of one CPU's work: under a quota q its wall time is at least 0.3 / q (the kernel grants no more), so
    // `wall <= 2s` cannot hold below 0.15 CPU (0.11 with this machine's ±25 % speed), above the range's bottom. An
    // absolute SLO: three nodes on this machine's two CPUs slow every run, the unlimited baseline's too, so ratios
    // to it mislead here.
    const file = join(work, 'fit.yaml');
    writeFileSync(
      file,
      ['name: fit', 'warmup: 0', 'runtimes: [swarm]', 'workloads:', '  - name: loop', '    kind: cpu'].join('\n') +
        `\n    params: { iterations: ${loopIterations(0.3)} }\n    limits: [{}]\n`,
    );
    const out = join(work, 'fit');
    const args = ['fit', file, '--slo', 'wall <= 2s', '--range', '0.05..1', '--precision', '20%', '--no-alternatives'];
    const res = await runAsync('node', [CLI, ...args, '--docker-host', manager, '--report', 'none', '--out', out], 300_000);
    expect(res.status, res.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    const answer = doc.fit?.answer?.value ?? NaN;
    console.log(`swarm fit of wall <= 2s for 0.3 CPU-s: ${answer} CPU in ${doc.fit?.runs} runs over ${doc.fit?.probes.length} probes`);
    expect(answer).toBeGreaterThanOrEqual(0.11);
    expect(answer).toBeLessThanOrEqual(1);
    const byNode = runsByNode(doc.cells);
    expect(byNode.size).toBeGreaterThan(1);
    for (const [node, spans] of byNode) expect(maxInFlight(spans), node).toBe(1);
    expect(maxInFlight([...byNode.values()].flat())).toBeGreaterThan(1);
    expectNothingLeft();
  }, 300_000);

  /** Starts `cgbench run` of a long suite and resolves once a job runs on every node. */
  async function startLongSuite(out: string) {
    const child = spawn(
      'node',
      [CLI, 'run', scenario('interrupted', 2 ** 36, [0.1, 0.2]), '--docker-host', manager, '--out', out, '--report', 'none'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (lines(docker(manager, ['service', 'ls', '--quiet', '--filter', 'label=cgbench'])).length < NODES && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, 1_500));
    return { child, exited, stderr: () => stderr };
  }

  it('removes every service and container when the suite is interrupted', async () => {
    const out = join(work, 'interrupted');
    const { child, exited, stderr } = await startLongSuite(out);
    child.kill('SIGINT');
    expect(await exited, stderr()).toBe(130);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
    expect(doc.status).toBe('interrupted');
    expect(doc.cells.flatMap((c) => c.runs).filter((r) => r.outcome === 'interrupted')).toHaveLength(NODES);
    expectNothingLeft();
  }, 200_000);

  it('leaves services for `cgbench clean` when killed, which removes them, their containers and log readers', async () => {
    const { child, exited } = await startLongSuite(join(work, 'killed'));
    child.kill('SIGKILL');
    await exited;
    expect(lines(docker(manager, ['service', 'ls', '--quiet', '--filter', 'label=cgbench']))).toHaveLength(NODES);
    const clean = spawnSync('node', [CLI, 'clean', '--docker-host', manager], { encoding: 'utf8', timeout: 120_000 });
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`removed ${NODES} service(s)`);
    expect(clean.stdout).toContain(`stopped ${NODES} log reader(s)`);
    expectNothingLeft();
    const readers = spawnSync('pgrep', ['-f', `service logs --follow --raw cgbench-p${child.pid}-`], { encoding: 'utf8' });
    expect(readers.stdout.trim()).toBe('');
  }, 200_000);
});
