// `cgbench collect` on logs of real containers of the cgbench image. No Kubernetes cluster runs on this
// machine, so each planned pod is started the way a kubelet would start it, by `docker run`: the Job's
// container command, JOB_COMPLETION_INDEX and the downward-API variables in its environment, the
// ConfigMap's table mounted read-only, an emptyDir for the scratch volume, and the pod's cpu and memory
// limits as the kubelet turns them into CFS quota (milli-CPU x 100 ms / 1000) and a memory limit.
// Pods run one at a time (one node). Their logs are saved as kubectl would give them, then collected.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateResultDocument } from '../../src/app/results.js';
import type { ResultDocument } from '../../src/model/types.js';
import { NATIVE_DIR } from '../../src/model/paths.js';
import { dockerCli } from '../../src/runtimes/docker/client.js';
import { ensureImage } from '../../src/runtimes/docker/image.js';
import { isRoot, loopIterations, ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const NODE = 'cgbench-node-1';
/** Marks the containers this test starts as pods. */
const POD_LABEL = 'cgbench.test=kubernetes-pod';

function docker(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

function cgbench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function engineProblem(): string | null {
  if (!isRoot) return 'they need root (the Docker socket)';
  const r = docker('version', '--format', '{{.Server.Version}}');
  return r.status === 0
    ? null
    : `no Docker engine answers (${r.stderr.trim().split('\n').pop() ?? ''}); start one with eval "$(scripts/docker-up.sh)"`;
}

const skipReason = engineProblem();
if (skipReason) console.warn(`skipping the Kubernetes collect test: ${skipReason}`);

/** The loop takes 1 s of CPU on this machine: 50 periods at 20 %, so the period the run starts in (granted
 *  in full, whatever part of it is left) stays within the 3 % the quota checks allow. */
const scenario = (): string => `
name: k8s-it
repetitions: 2
warmup: 0
timeout: 60s
sampleInterval: 100ms
workloads:
  - name: cpu-loop
    kind: cpu
    params: { iterations: ${loopIterations(1)}, threads: 1 }
    limits:
      - { name: unlimited }
      - { name: 20% CPU, cpus: 0.2 }
      - { name: 10% CPU, cpus: 0.1 }
  - name: mem-anon-96M
    kind: memory
    params: { mode: anon, mib: 96 }
    warmup: 1
    limits:
      - { name: unlimited }
      - { name: 48M (below), memory: { max: 48M } }
  - name: pagecache-32M
    kind: memory
    params: { mode: pagecache, mib: 32, passes: 2 }
`;

/** What the kubelet makes of a container's resources.limits: CFS quota in the 100 ms period, a memory limit without swap. */
function kubeletFlags(limits: Record<string, string> | undefined): string[] {
  const flags: string[] = [];
  const cpu = limits?.cpu;
  if (cpu) flags.push('--cpu-period', '100000', '--cpu-quota', String((Number(cpu.replace(/m$/, '')) * 100000) / 1000));
  if (limits?.memory) flags.push('--memory', limits.memory, '--memory-swap', limits.memory);
  return flags;
}

/** One pod of a Job, as `docker run` with the pod's environment, volumes and limits; stdout and stderr in
 *  one file, as a container runtime writes a pod's log. */
function runPod(a: { job: IJob; index: number; image: string; tableDir: string; scratch: string; log: string }): Promise<void> {
  const pod = a.job.spec!.template.spec!;
  const c = pod.containers[0]!;
  const name = `${a.job.metadata!.name}-${a.index}`;
  const args = [
    'run', '--rm', '--name', name, '--label', 'cgbench=1', '--label', POD_LABEL, '--network', 'none', '--pull', 'never', '--hostname', name,
    '-e', `JOB_COMPLETION_INDEX=${a.index}`, '-e', `NODE_NAME=${NODE}`, '-e', `POD_NAME=${name}`,
    '--mount', `type=bind,source=${a.tableDir},target=${c.volumeMounts![0]!.mountPath},readonly`,
    ...(c.volumeMounts!.length > 1 ? ['--mount', `type=bind,source=${a.scratch},target=${c.volumeMounts![1]!.mountPath}`] : []),
    ...kubeletFlags(c.resources?.limits as Record<string, string> | undefined),
    '--entrypoint', c.command![0]!, a.image, ...c.command!.slice(1),
  ]; // prettier-ignore
  const fd = openSync(a.log, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('close', () => {
      closeSync(fd);
      resolve();
    });
  });
}

describe.skipIf(skipReason !== null)('cgbench collect on logs of real cgbench containers', () => {
  let work: string;
  let doc: ResultDocument;
  let planFile: string;
  let podDir: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cgbench-k8s-'));
    const image = await ensureImage(dockerCli(), NATIVE_DIR);
    writeFileSync(join(work, 'scenario.yaml'), scenario());
    planFile = join(work, 'plan.yaml');
    const plan = cgbench(['plan', '--target', 'kubernetes', join(work, 'scenario.yaml'), '--image', image, '--out', planFile]);
    expect(plan.status, plan.stderr).toBe(0);
    const objs = parseAllDocuments(readFileSync(planFile, 'utf8')).map((d) => d.toJS() as IJob | IConfigMap);
    const cm = objs[0] as IConfigMap;
    const tableDir = join(work, 'configmap');
    mkdirSync(tableDir);
    for (const [key, b64] of Object.entries(cm.binaryData ?? {})) writeFileSync(join(tableDir, key), Buffer.from(b64, 'base64'));
    podDir = join(work, 'pods');
    mkdirSync(podDir);
    for (const job of objs.slice(1) as IJob[]) {
      for (let index = 0; index < job.spec!.completions!; index++) {
        const scratch = mkdtempSync(join(work, 'emptydir-'));
        await runPod({ job, index, image, tableDir, scratch, log: join(podDir, `${job.metadata!.name}-${index}.log`) });
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    const out = join(work, 'out');
    const res = cgbench(['collect', '--plan', planFile, podDir, '--out', out, '--report', 'md,html']);
    expect(res.status, res.stderr).toBe(0);
    doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
  }, 300_000);

  afterAll(() => {
    // Only this test's containers: other suites may share the engine.
    const left = docker('ps', '-a', '--format', '{{.Names}}', '--filter', `label=${POD_LABEL}`).stdout.split('\n').filter(Boolean);
    if (left.length) docker('rm', '-f', ...left);
    if (work) rmSync(work, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it('makes a valid result document with every planned run in its cell, on the node it ran on', () => {
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.status).toBe('complete');
    const runs = Object.fromEntries(doc.cells.map((c) => [c.id, c.runs.map((r) => `${r.index}${r.warmup ? 'w' : ''}:${r.outcome}`)]));
    expect(runs).toEqual({
      'cpu-loop / unlimited / kubernetes': ['0:ok', '1:ok'],
      'cpu-loop / 20% CPU / kubernetes': ['0:ok', '1:ok'],
      'cpu-loop / 10% CPU / kubernetes': ['0:ok', '1:ok'],
      'mem-anon-96M / unlimited / kubernetes': ['0w:ok', '1:ok', '2:ok'],
      'mem-anon-96M / 48M (below) / kubernetes': ['0w:oom-killed', '1:oom-killed', '2:oom-killed'],
      'pagecache-32M / unlimited / kubernetes': ['0:ok', '1:ok'],
    });
    for (const run of doc.cells.flatMap((c) => c.runs)) {
      expect(run.node?.hostname).toBe(NODE);
      expect(run.node?.pod).toMatch(/^cgbench-k8s-it-[0-9a-f]{8}-\d+-\d+$/);
      expect(run.node?.cpuCount).toBeGreaterThan(0);
      expect(run.node?.cpuModel).toMatch(/\S/);
    }
    expect(doc.host.hostname).toBe(NODE);
  });

  it('grants the CPU the quota allows, and the pod was throttled', () => {
    for (const [id, quota] of [
      ['cpu-loop / 20% CPU / kubernetes', 0.2],
      ['cpu-loop / 10% CPU / kubernetes', 0.1],
    ] as const) {
      const s = doc.cells.find((c) => c.id === id)!.summary;
      console.log(
        `${id}: granted ${s.cpuGranted?.toFixed(4)} CPU of ${quota}, throttle ratio ${s.throttleRatio?.toFixed(3)}, slowdown ${s.slowdown?.toFixed(2)}`,
      );
      expect(s.cpuQuota).toBeCloseTo(quota, 6);
      // The kernel never grants more than the quota; other load on the machine can only take from it
      // (small quotas, so that a busy 2-CPU machine still leaves the container its quota).
      expect(s.cpuGranted! / quota).toBeLessThan(1.03);
      expect(s.cpuGranted! / quota).toBeGreaterThan(0.9);
      expect(s.throttleRatio).toBeGreaterThan(0);
    }
  });

  it('reads the same runs from kubectl logs --prefix output, and refuses logs of another plan', () => {
    const text = doc.cells
      .flatMap((c) => c.runs.map((r) => r.node!.pod!))
      .map((pod) =>
        readFileSync(join(podDir, `${pod}.log`), 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => `[pod/${pod}/cgbench] ${l}`)
          .join('\n'),
      )
      .join('\n');
    const file = join(work, 'kubectl-logs.txt');
    writeFileSync(file, `${text}\n`);
    const res = cgbench(['collect', '--plan', planFile, file, '--out', join(work, 'out2'), '--report', 'none', '--json']);
    expect(res.status, res.stderr).toBe(0);
    const again = JSON.parse(res.stdout) as ResultDocument;
    expect(again.cells.map((c) => c.runs.length)).toEqual(doc.cells.map((c) => c.runs.length));
    const other = join(work, 'other.yaml');
    writeFileSync(other, scenario().replace('repetitions: 2', 'repetitions: 3'));
    const bad = cgbench(['collect', '--scenario', other, file, '--out', join(work, 'out3')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/is a pod of plan [0-9a-f]{12}, not of plan/);
  });
});
