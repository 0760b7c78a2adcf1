import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ContainerRun } from '../../src/runtimes/docker/container.js';
import { fixture } from '../helpers.js';
import type { HostInfo, LimitSet, NodeInfo, ResolvedLimits, WorkloadParams } from '../../src/model/types.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import type { LaunchRequest, RunHandle, Runtime } from '../../src/runtimes/runtime.js';
import { swarmWorkloadProblems, toSwarmFlags } from '../../src/runtimes/swarm/flags.js';
import { cellKnobs } from '../../src/scheduler/knobs.js';
import type { Cell } from '../../src/model/types.js';
import { nodeInfoOf, usableNodes } from '../../src/runtimes/swarm/nodes.js';
import { parseTaskStatus } from '../../src/runtimes/swarm/service.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { guessedRunMs } from '../../src/analysis/expected.js';
import { longestFirst, nodeMatches, placementProblem, takeCell, takeLongestCell } from '../../src/scheduler/placement.js';
import { summaryGrid } from '../../src/reporters/columns.js';
import { runSuite } from '../../src/scheduler/suite.js';

const cpu: WorkloadParams = { kind: 'cpu', iterations: 1e6, threads: 1 };
const item = (limits: ResolvedLimits, params: WorkloadParams = cpu) => ({ where: 'cell', params, limits });
/** The refusals of a swarm cell with these limits, as the suite's preflight and the plan make them. */
const swarmLimitProblems = (items: { limits: ResolvedLimits }[]): string[] =>
  items.flatMap((i) => cellKnobs({ runtime: 'swarm', limits: i.limits } as Cell, 'cell').refused);

describe('limits as Swarm service flags', () => {
  it.each<[string, ResolvedLimits, string[]]>([
    ['none', {}, []],
    ['a quota at 100 ms', { cpu: { quotaUs: 10_000, periodUs: 100_000 } }, ['--limit-cpu', '0.1']],
    ['an odd quota, exactly', { cpu: { quotaUs: 33_333, periodUs: 100_000 } }, ['--limit-cpu', '0.33333']],
    ['two CPUs', { cpu: { quotaUs: 200_000, periodUs: 100_000 } }, ['--limit-cpu', '2']],
    ['a period without quota', { cpu: { quotaUs: null, periodUs: 100_000 } }, []],
    ['memory in bytes', { memory: { maxBytes: 64 * 2 ** 20 } }, ['--limit-memory', '67108864']],
    ['pids', { pids: 64 }, ['--limit-pids', '64']],
    [
      'all three, in order',
      { pids: 8, memory: { maxBytes: 2 ** 30 }, cpu: { quotaUs: 50_000, periodUs: 100_000 } },
      ['--limit-cpu', '0.5', '--limit-memory', '1073741824', '--limit-pids', '8'],
    ],
  ])('%s', (_what, limits, flags) => {
    expect(swarmLimitProblems([item(limits)])).toEqual([]);
    expect(toSwarmFlags(limits)).toEqual(flags);
  });
});

describe('limits Swarm cannot express are refused, naming the runtimes that can', () => {
  it.each<[string, ResolvedLimits, RegExp]>([
    [
      'a 20 ms period',
      { cpu: { quotaUs: 2_000, periodUs: 20_000 } },
      /swarm cannot set cpu period 20000 us .*; runtimes that can: native, docker, podman$/,
    ],
    ['a burst', { cpu: { quotaUs: 10_000, periodUs: 100_000, burstUs: 5_000 } }, /cpu burst .*; runtimes that can: native$/],
    // A pod has no swap either, which is what swap 0 asks for.
    ['swap', { memory: { maxBytes: 2 ** 26, swapBytes: 0 } }, /memory swap .*; runtimes that can: native, docker, podman, kubernetes$/],
    ['memory.high', { memory: { maxBytes: null, highBytes: 2 ** 26 } }, /memory high .*; runtimes that can: native$/],
    [
      'an IO throttle',
      { io: [{ device: 'scratch', major: 254, minor: 0, wbps: 1e7 }] },
      /IO throttles .*; runtimes that can: native, docker, podman$/,
    ],
    ['a cpuset', { cpuset: '0' }, /cpuset 0 .*; runtimes that can: native, docker, podman$/],
  ])('%s', (_what, limits, message) => {
    const problems = swarmLimitProblems([item(limits)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^cell: /);
    expect(problems[0]).toMatch(message);
  });

  it('refuses workloads that need the scratch disk or a program of this machine', () => {
    const io: WorkloadParams = { kind: 'io', mode: 'write', mib: 8, blockKib: 1024 };
    const command: WorkloadParams = { kind: 'command', argv: ['/bin/true'] };
    expect(swarmWorkloadProblems([item({}, io), item({}, command)])).toEqual([
      expect.stringMatching(/a io workload needs the scratch directory/),
      expect.stringMatching(/command workload .*native, docker/),
    ]);
  });

  it('are refused before the first run, all in one error', async () => {
    const scenario = validateScenario(
      {
        runtimes: ['swarm'],
        workloads: [
          {
            name: 'loop',
            kind: 'cpu',
            limits: [
              { name: 'short', cpu: { quota: 2000, period: 20000 } },
              { name: 'pinned', cpuset: '0' },
            ],
          },
        ],
      },
      's.yaml',
    );
    let saves = 0;
    const run = runSuite({ ...suiteBase(), scenario, runtimes: { swarm: nodesRuntime(['a']).rt }, save: () => void saves++ });
    await expect(run).rejects.toThrow(/checked before the first run: 2 problems:\n.*"short".*cpu period 20000 us.*\n.*"pinned".*cpuset 0/);
    expect(saves).toBe(0);
  });
});

const node = (hostname: string, labels: Record<string, string> = {}): NodeInfo => ({
  hostname,
  kernel: '6.1.0',
  cgroupVersion: 'v2',
  cpuCount: 2,
  memoryBytes: 2 ** 33,
  engineVersion: '20.10.24',
  labels,
});

describe('placement', () => {
  const a = node('a', { disk: 'ssd' });
  const b = node('b', { disk: 'hdd', gpu: '' });
  it('matches hostnames and labels (key, or key=value)', () => {
    expect(nodeMatches(a, undefined)).toBe(true);
    expect(nodeMatches(a, { node: 'a' })).toBe(true);
    expect(nodeMatches(a, { node: 'b' })).toBe(false);
    expect(nodeMatches(b, { label: 'gpu' })).toBe(true);
    expect(nodeMatches(a, { label: 'disk=ssd' })).toBe(true);
    expect(nodeMatches(b, { label: 'disk=ssd' })).toBe(false);
    expect(nodeMatches(a, { node: 'a', label: 'gpu' })).toBe(false);
  });
  it('names the nodes when none matches', () => {
    expect(placementProblem([a, b], { label: 'disk=nvme' })).toBe(
      'no node matches placement label disk=nvme (the nodes: a, b; change placement or label a node)',
    );
    expect(placementProblem([a, b], { node: 'b' })).toBeNull();
  });
  it('gives a free node the cells pinned to it before spread ones', () => {
    const waiting = [{ p: undefined }, { p: { node: 'b' } }, { p: { node: 'a' } }];
    expect(takeCell(waiting, b, (c) => c.p)).toEqual({ p: { node: 'b' } });
    expect(takeCell(waiting, b, (c) => c.p)).toEqual({ p: undefined });
    expect(takeCell(waiting, b, (c) => c.p)).toBeUndefined();
    expect(takeCell(waiting, a, (c) => c.p)).toEqual({ p: { node: 'a' } });
  });

  type C = { id: string; baselineId: string | null; ms: number; p?: { node: string } };
  const cell = (id: string, ms: number, baselineId: string | null = null, p?: { node: string }): C => ({ id, baselineId, ms, p });
  const ms = (c: C): number => c.ms;

  it('orders waiting cells longest first, a baseline with the longest of its limited cells and before them', () => {
    const waiting = [cell('w', 4), cell('x', 1), cell('x/10%', 10, 'x'), cell('x/50%', 2, 'x'), cell('y', 4), cell('z', 1, null)];
    expect(longestFirst(waiting, ms).map((c) => c.id)).toEqual(['x', 'x/10%', 'w', 'y', 'x/50%', 'z']);
    // Once the baseline is taken its limited cells rank by their own estimates.
    expect(
      longestFirst(
        waiting.filter((c) => c.id !== 'x'),
        ms,
      ).map((c) => c.id),
    ).toEqual(['x/10%', 'w', 'y', 'x/50%', 'z']);
  });

  it('keeps cells pinned to a node first for it', () => {
    const waiting = [cell('long', 10), cell('pinned', 1, null, { node: 'b' })];
    expect(takeLongestCell(waiting, b, (c) => c.p, ms)?.id).toBe('pinned');
    expect(takeLongestCell(waiting, b, (c) => c.p, ms)?.id).toBe('long');
    expect(waiting).toEqual([]);
  });

  /** When the last node finishes, free nodes taking cells with `take` (ms simulated, no clock). */
  const makespan = (cells: C[], nodes: number, take: (w: C[], n: NodeInfo) => C | undefined): number => {
    const waiting = [...cells];
    const free = Array.from({ length: nodes }, (_, i) => ({ n: node(`n${i}`), at: 0 }));
    let end = 0;
    for (;;) {
      free.sort((x, y) => x.at - y.at);
      const lane = free[0]!;
      const c = take(waiting, lane.n);
      if (!c) return end;
      lane.at += c.ms;
      end = Math.max(end, lane.at);
    }
  };

  it('finishes unequal cells sooner than scenario order: a long cell is never taken last', () => {
    const cells = [cell('a', 1), cell('b', 1), cell('c', 1), cell('d', 1), cell('long', 5)];
    expect(makespan(cells, 2, (w, n) => takeCell(w, n, (c) => c.p))).toBe(7);
    expect(makespan(cells, 2, (w, n) => takeLongestCell(w, n, (c) => c.p, ms))).toBe(5);
  });

  it('guesses run lengths from the parameters before anything ran', () => {
    const ctx = { hostCpus: 2 };
    const loop: WorkloadParams = { kind: 'cpu', iterations: 2 ** 31, threads: 1 };
    expect(guessedRunMs({ params: loop, limits: {} }, ctx)).toBeCloseTo(859, 0);
    expect(guessedRunMs({ params: loop, limits: { cpu: { quotaUs: 10_000, periodUs: 100_000 } } }, ctx)).toBeCloseTo(8590, -1);
    const write: WorkloadParams = { kind: 'io', mode: 'write', mib: 32, blockKib: 1024 };
    const throttled = { io: [{ device: 'scratch', wbps: 20e6 }] } as never;
    expect(guessedRunMs({ params: write, limits: throttled }, ctx)).toBeCloseTo((32 * 1024 * 1024) / 20e3, 0);
  });
});

describe('node facts and task states from the engine', () => {
  it('takes hostname and labels from the node, kernel, cgroup and CPUs from its engine', () => {
    const n = {
      Spec: { Labels: { 'cgbench.engine': 'tcp://x:2375' } },
      Description: { Hostname: 'n1', Engine: { EngineVersion: '20.10.24' } },
    };
    const info = { Name: 'n1', KernelVersion: '6.1.0-18-amd64', CgroupVersion: '2', NCPU: 8, MemTotal: 16e9, ServerVersion: '20.10.24' };
    expect(nodeInfoOf(n, info)).toEqual({
      hostname: 'n1',
      kernel: '6.1.0-18-amd64',
      cgroupVersion: 'v2',
      cpuCount: 8,
      memoryBytes: 16e9,
      engineVersion: '20.10.24',
      labels: { 'cgbench.engine': 'tcp://x:2375' },
    });
  });
  it('uses only Ready, Active nodes', () => {
    const nodes = [
      { Status: { State: 'ready' }, Spec: { Availability: 'active' } },
      { Status: { State: 'down' }, Spec: { Availability: 'active' } },
      { Status: { State: 'ready' }, Spec: { Availability: 'drain' } },
    ];
    expect(usableNodes(nodes)).toEqual([nodes[0]]);
  });
  it('reads a task status', () => {
    const json =
      '{"Timestamp":"2026-12-02T15:55:44Z","State":"rejected","Err":"No such image: cgbench-workloads:x","ContainerStatus":{"ExitCode":0}}';
    expect(parseTaskStatus(json)).toEqual({ state: 'rejected', exitCode: 0, error: 'No such image: cgbench-workloads:x' });
    expect(parseTaskStatus('{}')).toBeNull();
  });
});

const host = { hostname: 'h', cpuCount: 2, cgroup: { mode: 'v2', driver: 'v2', controllers: [], root: '' } } as unknown as HostInfo;
const suiteBase = () => ({
  host,
  scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
  scratchDir: '/var/tmp',
});

/** A cluster runtime over the fake one: `nodes` with the in-flight runs per node and overall recorded. */
function nodesRuntime(hostnames: string[], labels: Record<string, Record<string, string>> = {}) {
  const fake = new FakeRuntime({ realMsPerSec: 20 });
  const inFlight = new Map<string, number>();
  const seen = { perNode: 0, overall: 0, nodes: [] as string[] };
  const rt: Runtime = {
    name: 'swarm',
    nodes: hostnames.map((h) => node(h, labels[h])),
    // As the swarm runtime's own preflight.
    preflight: (items) => Promise.resolve(swarmWorkloadProblems(items)),
    async launch(req: LaunchRequest): Promise<RunHandle> {
      const at = req.node ?? '?';
      inFlight.set(at, (inFlight.get(at) ?? 0) + 1);
      seen.perNode = Math.max(seen.perNode, inFlight.get(at) ?? 0);
      seen.overall = Math.max(
        seen.overall,
        [...inFlight.values()].reduce((s, n) => s + n, 0),
      );
      seen.nodes.push(at);
      const h = await fake.launch(req);
      // As the launcher on the node reports it: Docker names no CPU model, the launcher does.
      const exited = h.exited.then((e) =>
        e.report ? { ...e, report: { ...e.report, host: { kernel: '6.1.0', cpuModel: `CPU of ${at}`, cpus: 1 } } } : e,
      );
      return { ...h, exited, dispose: () => h.dispose().then(() => void inFlight.set(at, (inFlight.get(at) ?? 1) - 1)) };
    },
    close: () => fake.close(),
  };
  return { rt, seen };
}

describe('a cluster runtime in the suite', () => {
  const limitSets: Partial<LimitSet>[] = [{ name: 'free' }, { name: 'half', cpus: 0.5 } as never, { name: 'tenth', cpus: 0.1 } as never];
  const scenario = (extra: Record<string, unknown> = {}) =>
    validateScenario(
      {
        repetitions: 2,
        warmup: 1,
        runtimes: ['swarm'],
        workloads: [{ name: 'loop', kind: 'cpu', params: { iterations: 1e8 }, limits: limitSets, ...extra }],
      },
      's.yaml',
    );

  it('runs the nodes at once, one run per node, each cell on one node', async () => {
    const { rt, seen } = nodesRuntime(['a', 'b', 'c']);
    const doc = await runSuite({ ...suiteBase(), scenario: scenario(), runtimes: { swarm: rt }, save: () => undefined });
    expect(doc.status).toBe('complete');
    expect(seen.perNode).toBe(1);
    expect(seen.overall).toBe(3);
    expect(new Set(doc.cells.map((c) => c.node?.hostname))).toEqual(new Set(['a', 'b', 'c']));
    expect(doc.cells.every((c) => c.runs.length === 3)).toBe(true);
    // The tables name each cell's node; a document of this machine's runs has no node column.
    const grid = summaryGrid(doc, doc.cells);
    expect(grid.rows.map((r) => r[grid.head.indexOf('node')])).toEqual(doc.cells.map((c) => c.node?.hostname));
    const here = { ...doc, cells: doc.cells.map(({ node: _node, ...c }) => c) };
    expect(summaryGrid(here, here.cells).head).not.toContain('node');
    expect(doc.cells.every((c) => c.node?.cpuModel === `CPU of ${c.node?.hostname}` && c.node.cpuCount > 1)).toBe(true);
  });

  it('keeps pinned cells on their node', async () => {
    const { rt, seen } = nodesRuntime(['a', 'b'], { b: { disk: 'ssd' } });
    const doc = await runSuite({
      ...suiteBase(),
      scenario: scenario({ placement: { label: 'disk=ssd' } }),
      runtimes: { swarm: rt },
      save: () => undefined,
    });
    expect(doc.cells.map((c) => c.node?.hostname)).toEqual(['b', 'b', 'b']);
    expect(new Set(seen.nodes)).toEqual(new Set(['b']));
  });

  it('refuses a placement no node meets before the first run', async () => {
    const { rt } = nodesRuntime(['a']);
    const run = runSuite({
      ...suiteBase(),
      scenario: scenario({ placement: { node: 'z' } }),
      runtimes: { swarm: rt },
      save: () => undefined,
    });
    await expect(run).rejects.toThrow(/no node matches placement node z \(the nodes: a;/);
  });
});

describe('a report that `docker service logs --follow` left short', () => {
  // A real child standing in for the follower: what is written to cat's stdin streams out as its stdout.
  const follower = () => spawn('cat', [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const report = fixture('launcher/report-v1-host.txt');

  it('is read from the one-shot log in place of the stream, and what streams in after it is ignored', async () => {
    const child = follower();
    const run = new ContainerRun(child, 'cgbench-x', 0, { client: 'docker', command: 'service logs' });
    const head = report.split('\n').slice(0, 2).join('\n');
    child.stdin.write(`workload says hi\n${head}\n`);
    await new Promise((r) => setTimeout(r, 100));
    expect(run.replay(`workload says hi\n${report}`)).toBe(true);
    expect(run.replay(`workload says hi\n${report}`)).toBe(false);
    child.stdin.end('a late duplicate line\n');
    const end = await run.exited;
    expect(end.sawReport).toBe(true);
    expect(end.info.stdout).toBe('workload says hi\n');
    expect(end.info.report?.status).toBeDefined();
  });

  it('is not replaced by a one-shot log that lacks the report too, nor once the stream had it', async () => {
    const short = follower();
    const a = new ContainerRun(short, 'cgbench-a', 0, { client: 'docker', command: 'service logs' });
    expect(a.replay('workload says hi\n')).toBe(false);
    short.stdin.end('workload says hi\n');
    expect((await a.exited).sawReport).toBe(false);

    const whole = follower();
    const b = new ContainerRun(whole, 'cgbench-b', 0, { client: 'docker', command: 'service logs' }, () => whole.stdin.end());
    whole.stdin.write(report.endsWith('\n') ? report : `${report}\n`);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.replay(report)).toBe(false);
    expect((await b.exited).sawReport).toBe(true);
  });
});
