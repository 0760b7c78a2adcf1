// `npm run bench:fit` (and part of `npm run bench`): what `cgbench fit` costs against a uniform sweep of the same
// range at the same precision (the goal: at most a third of its runs), and how close its answer lands to
// the demand computed from the workload. On the fake runtime (any user): latency workloads of known demand, with
// noise. As root, on the native runtime: the echo server (1 ms of CPU per request at 200 req/s: 0.2 CPU) with
// the fit's wall time, and the services preset's nginx when the preset exists. Writes reports/bench/fit-*.json.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import { nativeBinary } from '../src/model/paths.js';
import { freePort } from '../src/runtimes/service.js';
import type { ResultDocument } from '../src/model/types.js';

const CLI = resolve('dist', 'cli', 'main.js');
const isRoot = process.getuid?.() === 0;

interface Case {
  name: string;
  runtime: 'fake' | 'native';
  /** CPUs the workload needs, computed from its parameters (null: not known in advance). */
  demand: number | null;
  scenario: object;
  args: string[];
  env?: Record<string, string>;
}

interface Outcome {
  name: string;
  runtime: string;
  demand: number | null;
  answer: number | null;
  status: string;
  runs: number;
  sweepRuns: number;
  probes: number;
  wallS: number;
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, _out, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      res({ code: err ? (typeof code === 'number' ? code : 1) : 0, stderr });
    });
  });
}

/** A latency workload of `threads` x `workUs` every `intervalUs`: demand threads x work / interval CPUs. */
function latencyCase(threads: number, workUs: number, intervalUs: number, noise: number): Case {
  return {
    name: `latency ${threads}x${workUs}us/${intervalUs}us, noise ${noise * 100} %`,
    runtime: 'fake',
    demand: (threads * workUs) / intervalUs,
    scenario: {
      name: 'bench-fit',
      warmup: 0,
      workloads: [{ name: 'req', kind: 'latency', params: { threads, durationMs: 1000, workUs, intervalUs }, limits: [{}] }],
    },
    args: ['--slo', 'throughput >= 0.95x', '--range', '0.05..2', '--no-alternatives'],
    env: { CGBENCH_FAKE: JSON.stringify({ noise }) },
  };
}

async function echoCase(): Promise<Case> {
  const port = await freePort();
  return {
    name: 'echo server, 1 ms a request at 200 req/s',
    runtime: 'native',
    demand: 0.2,
    scenario: {
      name: 'bench-fit-echo',
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
    },
    args: ['--slo', 'throughput >= 0.95x', '--range', '0.1..0.8', '--precision', '10%', '--no-alternatives'],
  };
}

async function measure(c: Case, work: string, i: number): Promise<Outcome> {
  const file = join(work, `case-${i}.json`);
  writeFileSync(file, JSON.stringify(c.scenario));
  const out = join(work, `out-${i}`);
  const t0 = process.hrtime.bigint();
  const r = await cli(['fit', file, '--runtime', c.runtime, '--report', 'none', '--out', out, ...c.args], c.env ?? {});
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.code !== 0 && r.code !== 4) throw new Error(`${c.name}: cgbench fit exited ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
  const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultDocument;
  const fit = doc.fit;
  return {
    name: c.name,
    runtime: c.runtime,
    demand: c.demand,
    answer: fit?.answer?.value ?? null,
    status: fit?.status ?? 'missing',
    runs: fit?.runs ?? 0,
    sweepRuns: fit?.sweepRuns ?? 0,
    probes: fit?.probes.length ?? 0,
    wallS,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? resolve(args[args.indexOf('--out') + 1] as string) : resolve('reports', 'bench');
  const cases: Case[] = [latencyCase(2, 1000, 10_000, 0.02), latencyCase(1, 3000, 10_000, 0.02), latencyCase(4, 500, 5000, 0.05)];
  if (isRoot) cases.push(await echoCase());
  else process.stdout.write('not root: the native cases are left out\n');
  const work = mkdtempSync(join(tmpdir(), 'cgbench-bench-fit-'));
  const outcomes: Outcome[] = [];
  try {
    for (const [i, c] of cases.entries()) outcomes.push(await measure(c, work, i));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const t = new Table({
    head: ['case', 'runtime', 'demand', 'answer', 'vs demand', 'runs', 'sweep runs', 'share', 'wall'],
    style: { head: [], border: [] },
  });
  for (const o of outcomes) {
    const off = o.answer !== null && o.demand !== null ? `${(((o.answer - o.demand) / o.demand) * 100).toFixed(1)} %` : '–';
    t.push([
      o.name,
      o.runtime,
      o.demand?.toFixed(3) ?? '–',
      o.answer?.toFixed(3) ?? o.status,
      off,
      o.runs,
      o.sweepRuns,
      `${((o.runs / o.sweepRuns) * 100).toFixed(0)} %`,
      `${o.wallS.toFixed(1)} s`,
    ]);
  }
  const worst = Math.max(...outcomes.map((o) => o.runs / o.sweepRuns));
  process.stdout.write(
    `${t.toString()}\nruns against a uniform sweep at the same precision: at most ${(worst * 100).toFixed(0)} % ` +
      `(goal: at most a third): ${worst <= 1 / 3 ? 'yes' : 'no'}\n`,
  );
  mkdirSync(out, { recursive: true });
  const file = join(out, `fit-${new Date().toISOString().replace(/[:.]/g, '')}.json`);
  writeFileSync(file, JSON.stringify({ outcomes }, null, 2) + '\n');
  process.stdout.write(`\nwritten: ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
