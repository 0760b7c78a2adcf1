// The Kubernetes plan: manifests checked against the Kubernetes API schema (kubernetes-models' validators,
// generated from the API's OpenAPI document), the run table the pods read, the limits a pod refuses, and
// pods' logs read back. Collecting logs of real containers is test/integration/kubernetes.test.ts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderManifest } from '../../src/app/plan.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { Scenario } from '../../src/model/types.js';
import { linesByPod, podExit, podLogs } from '../../src/runtimes/kubernetes/logs.js';
import { loadPreset } from '../../src/scenario/load.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { collectDocument } from '../../src/scheduler/collect.js';
import { planRuns } from '../../src/scheduler/plan.js';

type Obj = Record<string, unknown> & { kind: string };

function manifest(s: Scenario, extra: { namespace?: string; parallelism?: number } = {}): Obj[] {
  const text = renderManifest(planRuns(s), { target: 'kubernetes', image: 'registry.example/cgbench-workloads:1', ...extra });
  return parseAllDocuments(text).map((d) => d.toJS() as Obj);
}

/** Throws with the schema's message when the object is not a valid Job or ConfigMap. */
function validate(o: Obj): void {
  if (o.kind === 'Job') new Job(o as never).validate();
  else if (o.kind === 'ConfigMap') new ConfigMap(o as never).validate();
  else throw new Error(`unexpected kind ${o.kind}`);
}

const jobsOf = (objs: Obj[]) => objs.filter((o) => o.kind === 'Job') as unknown as Job[];
const clone = <T>(o: T): T => structuredClone(o);

describe('kubernetes manifest against the API schema', () => {
  const objs = manifest(loadPreset('cluster'), { namespace: 'bench', parallelism: 3 });

  it('every object of the cluster preset validates', () => {
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', ...jobsOf(objs).map(() => 'Job')]);
    for (const o of objs) expect(() => validate(o)).not.toThrow();
  });

  it('the schema rejects what the API server would: a bad enum, a missing template, a bad quantity, a wrong type', () => {
    const job = jobsOf(objs)[0] as unknown as { spec: Record<string, unknown> & { template: { spec: Record<string, unknown> } } };
    const bad: [string, (j: typeof job) => void, RegExp][] = [
      ['completionMode', (j) => (j.spec.completionMode = 'Indexd'), /completionMode must be equal to one of the allowed values/],
      [
        'template',
        (j) => delete (j.spec as { template?: unknown }).template,
        /must have required property 'template'|required property template/,
      ],
      [
        'restartPolicy',
        (j) => (j.spec.template.spec.restartPolicy = 'Sometimes'),
        /restartPolicy must be equal to one of the allowed values/,
      ],
      ['containers', (j) => delete j.spec.template.spec.containers, /required property 'containers'|required property containers/],
      [
        'cpu',
        (j) => ((j.spec.template.spec.containers as { resources?: unknown }[])[0]!.resources = { limits: { cpu: 'lots' } }),
        /limits\/cpu must match format "quantity"/,
      ],
      ['backoffLimitPerIndex', (j) => (j.spec.backoffLimitPerIndex = 'zero'), /backoffLimitPerIndex must be integer/],
    ];
    for (const [what, mutate, message] of bad) {
      const j = clone(job);
      mutate(j);
      expect(() => validate(j as unknown as Obj), what).toThrow(message);
    }
  });

  it('one completion index per run, the Jobs cover the table without gaps, one measured pod per node', () => {
    const plan = planRuns(loadPreset('cluster'));
    let next = 0;
    for (const job of jobsOf(objs)) {
      const spec = job.spec!;
      expect(spec.completionMode).toBe('Indexed');
      const command = spec.template.spec!.containers[0]!.command!;
      expect(command.slice(0, 4)).toEqual(['/cgbench/bin/cgbench-pod', '--plan-dir', '/cgbench/plan', '--index-offset']);
      expect(Number(command[4])).toBe(next);
      next += spec.completions!;
      expect(spec.parallelism).toBe(Math.min(3, spec.completions!));
      const anti = spec.template.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0]!;
      expect(anti.topologyKey).toBe('kubernetes.io/hostname');
      expect(spec.template.metadata!.labels).toMatchObject(anti.labelSelector!.matchLabels!);
      expect(job.metadata!.namespace).toBe('bench');
      for (const k of Object.keys(job.metadata!.labels!)) expect(k.startsWith('cgbench')).toBe(true);
    }
    // 4 CPU cells without warm-up, 6 memory cells with one: 4*3 + 6*4.
    expect(next).toBe(plan.runs.length);
    expect(plan.runs.length).toBe(36);
  });

  it('resources are the limits: 10 % of the 100 ms period is 100m, memory in bytes, requests equal limits', () => {
    const byLimits = new Map(
      jobsOf(objs).map((j) => [j.metadata!.annotations!['cgbench/limits'], j.spec!.template.spec!.containers[0]!.resources]),
    );
    expect(byLimits.get('0.10 CPU')).toEqual({ limits: { cpu: '100m' }, requests: { cpu: '100m' } });
    expect(byLimits.get('mem 256 MiB')).toEqual({ limits: { memory: '268435456' }, requests: { memory: '268435456' } });
    // Baselines of every workload share one Job, with no resources.
    expect(byLimits.get('unlimited')).toBeUndefined();
    expect(byLimits.has('unlimited')).toBe(true);
  });

  it("the ConfigMap's table gives each index its identity and the container-mode launcher command", () => {
    const cm = objs[0] as unknown as { binaryData: Record<string, string> };
    const plan = planRuns(loadPreset('cluster'));
    expect(Object.keys(cm.binaryData)).toHaveLength(plan.runs.length);
    for (const [i, run] of plan.runs.entries()) {
      const bytes = Buffer.from(cm.binaryData[`run-${i}`]!, 'base64').toString('utf8');
      const nl = bytes.indexOf('\n');
      expect(JSON.parse(bytes.slice(0, nl))).toEqual(run.identity);
      const argv = bytes.slice(nl + 1).split('\0');
      expect(argv.pop()).toBe('');
      expect(argv.slice(0, 1)).toEqual(['/cgbench/bin/cgbench-launch']);
      const cell = plan.cells.find((c) => c.id === run.identity.cell)!;
      // Sampled per cell: a quota's cells at a tenth of the 100 ms period or finer, the others every 100 ms.
      const us = Number(/--sample-interval-us (\d+) /.exec(argv.join(' '))?.[1]);
      expect(us).toBe(cell.sampling!.intervalMs * 1000);
      if (cell.limits.cpu?.quotaUs) expect(us).toBeLessThanOrEqual(10_000);
      else expect(us).toBe(100_000);
      expect(argv.join(' ')).toMatch(/--cgroup self --sample-interval-us \d+ --report - --ns none -- \/cgbench\/bin\/cgbench-/);
      expect(run.identity.index).toBe(i);
    }
  });
});

describe('kubernetes limits', () => {
  const scenarioWith = (limits: Record<string, unknown>): Scenario =>
    validateScenario(
      { name: 'k', workloads: [{ name: 'w', kind: 'cpu', params: { iterations: 1000 }, limits: [{ name: 'x', ...limits }] }] },
      'k.yaml',
    );

  it('refuses, in one line each, what a pod cannot express, naming the runtimes that can', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ io: [{ device: '8:0', rbps: '10MB/s' }] }, /kubernetes cannot set IO throttles .*; runtimes that can: native, docker, podman$/],
      [{ pids: 64 }, /pids limit .*per node.*; runtimes that can: native, docker, podman, swarm$/],
      [{ cpuset: '0' }, /cpuset .*; runtimes that can: native, docker, podman$/],
      [{ cpu: { quota: 25000, period: 50000 } }, /CPU period of 50 ms .*; runtimes that can: native, docker, podman$/],
      [{ memory: { max: '64M', swap: '64M' } }, /memory swap .*; runtimes that can: native, docker, podman$/],
      [{ cpu: { quota: 1050, period: 100000 } }, /whole millicores/],
      // Once dropped from the pod's resources without a word; a pod has no field for either.
      [{ weight: 200 }, /kubernetes cannot set a CPU weight .*; runtimes that can: native, docker, podman$/],
      [{ ioWeight: 200 }, /kubernetes cannot set an IO weight .*; runtimes that can: native, docker, podman$/],
    ];
    for (const [limits, message] of cases) {
      let err: unknown;
      try {
        planRuns(scenarioWith(limits));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(limits)).toBeInstanceOf(CgbenchError);
      expect((err as CgbenchError).code).toBe('E_SCENARIO');
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain('limit set "x"');
    }
  });

  it('plans the CPU quota and memory limits it can express', () => {
    expect(planRuns(scenarioWith({ cpus: 0.25, memory: { max: '64M' } })).runs).toHaveLength(4 + 4);
  });
});

describe("pods' logs", () => {
  const plan = planRuns(
    validateScenario(
      { name: 'k', repetitions: 2, warmup: 0, workloads: [{ name: 'w', kind: 'cpu', params: { iterations: 1000 } }] },
      'k.yaml',
    ),
  );
  const report = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'launcher', 'report-v2-host.txt'), 'utf8').trimEnd();
  const node = (host: string): string =>
    `CGBENCH-NODE {"hostname":"${host}","pod":"p","kernel":"6.1.0","arch":"x86_64","cgroup":"v2","cpu_model":"Test CPU","cpus":4,"memory_bytes":8589934592,"unix_ms":1700000000000}`;
  const podText = (i: number, host: string): string[] => [
    `CGBENCH-POD ${JSON.stringify(plan.runs[i]!.identity)}`,
    node(host),
    '{"wall_ns":1000000,"ops":1000}',
    ...report.split('\n'),
  ];

  it('separates pods interleaved by kubectl --prefix, and pods concatenated without it', () => {
    const a = podText(0, 'node-a');
    const b = podText(1, 'node-b');
    const interleaved = a.flatMap((l, i) => [`[pod/p0/cgbench] ${l}`, ...(b[i] !== undefined ? [`[pod/p1/cgbench] ${b[i]}`] : [])]);
    const prefixed = linesByPod(interleaved.join('\n'), 'logs.txt').flatMap((p) => podLogs(p.source, p.lines).pods);
    const plain = podLogs('logs.txt', [...a, ...b]).pods;
    for (const pods of [prefixed, plain]) {
      expect(pods.map((p) => [p.identity.index, p.node?.hostname])).toEqual([
        [0, 'node-a'],
        [1, 'node-b'],
      ]);
      for (const p of pods) expect(podExit(p)?.report?.status).toBeDefined();
    }
    const { doc, missing } = collectDocument(plan, prefixed, { version: '0.0.0', nodeJs: 'v20' });
    expect(missing).toEqual([]);
    expect(doc.cells[0]!.runs.map((r) => [r.index, r.outcome, r.node?.hostname])).toEqual([
      [0, 'ok', 'node-a'],
      [1, 'ok', 'node-b'],
    ]);
    expect(doc.host.hostname).toBe('node-a, node-b');
  });

  it("takes the CPU model from the launcher's HOST line where the pod helper names none", () => {
    const withHost = (i: number, host: string, model: string): string[] =>
      podText(i, host).map((l) =>
        l.startsWith('CGBENCH-NODE ')
          ? l.replace('"cpu_model":"Test CPU"', '"cpu_model":""')
          : l === 'CGBENCH-REPORT 1'
            ? `${l}\nCGBENCH-HOST {"kernel":"6.1.0","cpu_model":"${model}","cpus":2}`
            : l,
      );
    const pods = podLogs('x', [...withHost(0, 'node-a', 'Neoverse-N1'), ...podText(1, 'node-b')].join('\n').split('\n')).pods;
    const { doc } = collectDocument(plan, pods, { version: '0', nodeJs: 'v20' });
    expect(doc.cells[0]!.runs.map((r) => [r.node?.cpuModel, r.node?.cpuCount])).toEqual([
      ['Neoverse-N1', 4],
      ['Test CPU', 4],
    ]);
    expect(doc.host.cpuModel).toBe('Neoverse-N1, Test CPU');
  });

  it('refuses a log of another plan, and counts runs without a log as missing', () => {
    const other = podLogs(
      'x',
      podText(0, 'n').map((l) => l.replace(plan.hash, 'ffffffffffff')),
    ).pods;
    expect(() => collectDocument(plan, other, { version: '0', nodeJs: 'v20' })).toThrow(/plan ffffffffffff, not of plan/);
    const { doc, missing } = collectDocument(plan, podLogs('x', podText(1, 'n')).pods, { version: '0', nodeJs: 'v20' });
    expect(missing).toEqual([0]);
    expect(doc.status).toBe('interrupted');
  });
});
