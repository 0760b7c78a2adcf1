// Workload registry: turns a workload's parameters into the program and argument array to run,
// and the workload's one JSON line back into metrics. Built-in programs live in native/build.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CgbenchError } from '../model/errors.js';
import type { WorkloadKind, WorkloadMetrics, WorkloadParams } from '../model/types.js';

/** Package root: src/workloads or dist/workloads are two levels below it. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NATIVE_DIR = process.env.CGBENCH_NATIVE_DIR ?? join(PACKAGE_ROOT, 'native', 'build');

export interface WorkloadInfo {
  kind: WorkloadKind;
  binary: string | null;
  summary: string;
  params: string;
}

export const WORKLOADS: WorkloadInfo[] = [
  { kind: 'cpu', binary: 'cgbench-cpu', summary: 'busy loop of N iterations on T threads (CPU quota)', params: 'iterations (2^30), threads (1)' },
  { kind: 'memory', binary: 'cgbench-memory', summary: 'anon: allocate and touch N MiB; pagecache: re-read an N MiB file K times', params: 'mode (anon|pagecache), mib, passes (3), access (mmap|read)' },
  { kind: 'io', binary: 'cgbench-io', summary: 'sequential O_DIRECT write or read of N MiB in the scratch directory', params: 'mode (write|read), mib (64), blockKib (1024)' },
  { kind: 'latency', binary: 'cgbench-latency', summary: 'periodic requests of W us CPU on T threads; tail latency under quota', params: 'threads (2), durationMs (2000), workUs (1000), intervalUs (10000)' },
  { kind: 'command', binary: null, summary: 'any program (argument array), timed from exec to exit', params: 'argv' },
];

export function nativeBinary(name: string): string {
  return join(NATIVE_DIR, name);
}

export function launcherPath(): string {
  return nativeBinary('cgbench-launch');
}

export function assertNativeBuilt(): void {
  for (const name of ['cgbench-launch', 'cgbench-cpu', 'cgbench-memory', 'cgbench-io', 'cgbench-latency']) {
    if (!existsSync(nativeBinary(name))) {
      throw new CgbenchError('E_NATIVE_BUILD', `native workload ${name} is not built (looked in ${NATIVE_DIR})`, 'run `npm run build` (needs a C compiler and static libc)');
    }
  }
}

export interface Invocation {
  program: string;
  args: string[];
  /** True when the program prints its own JSON metrics line. */
  selfTimed: boolean;
}

/** `binDir` lets the Docker runtime point at the image's copy of the binaries. */
export function invocationFor(params: WorkloadParams, scratchDir: string, binDir = NATIVE_DIR): Invocation {
  const bin = (name: string): string => join(binDir, name);
  switch (params.kind) {
    case 'cpu':
      return { program: bin('cgbench-cpu'), args: ['--iterations', String(params.iterations), '--threads', String(params.threads)], selfTimed: true };
    case 'memory':
      if (params.mode === 'anon') return { program: bin('cgbench-memory'), args: ['--mode', 'anon', '--mib', String(params.mib)], selfTimed: true };
      return {
        program: bin('cgbench-memory'),
        args: ['--mode', 'pagecache', '--mib', String(params.mib), '--passes', String(params.passes), '--access', params.access, '--dir', scratchDir],
        selfTimed: true,
      };
    case 'io':
      return {
        program: bin('cgbench-io'),
        args: ['--mode', params.mode, '--mib', String(params.mib), '--block-kib', String(params.blockKib), '--dir', scratchDir],
        selfTimed: true,
      };
    case 'latency':
      return {
        program: bin('cgbench-latency'),
        args: ['--threads', String(params.threads), '--duration-ms', String(params.durationMs), '--work-us', String(params.workUs), '--interval-us', String(params.intervalUs)],
        selfTimed: true,
      };
    case 'command': {
      const [program, ...args] = params.argv;
      if (!program) throw new CgbenchError('E_SCENARIO', 'command workload has an empty argv', 'give the program and its arguments as an array');
      return { program, args, selfTimed: false };
    }
  }
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The last JSON object line a workload printed, camelCased. null when there is none. */
export function parseWorkloadOutput(stdout: string): WorkloadMetrics | null {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  const last = lines[lines.length - 1];
  if (!last) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(last);
  } catch {
    return null;
  }
  if (typeof obj !== 'object' || obj === null) return null;
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof v === 'number' || typeof v === 'string') out[camel(k)] = v;
  }
  if (typeof out.wallNs !== 'number') return null;
  return out as WorkloadMetrics;
}
