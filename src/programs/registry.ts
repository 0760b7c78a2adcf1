// The program registry: turns a workload's parameters into the program and argument array to run,
// and the workload's one JSON line back into metrics. Built-in programs live in native/build.

import { existsSync } from 'node:fs';
import { CgbenchError } from '../model/errors.js';
import { KNOWN_SERVER_NAMES, SERVICE_DEFAULTS, WORKLOAD_DEFAULTS } from '../model/defaults.js';
import { NATIVE_BINARIES, NATIVE_DIR, type NativeBinary, nativeBinary } from '../model/paths.js';
import { CLIENT_PLACEHOLDERS } from '../model/client.js';
import type { WorkloadKind, WorkloadMetrics, WorkloadParams } from '../model/types.js';

export interface WorkloadInfo {
  kind: WorkloadKind;
  binary: NativeBinary | null;
  summary: string;
  /** Parameters with their defaults, for `cgbench list`. */
  params: string;
}

/** Allowed values of the parameters that are choices. */
const CHOICES: Record<string, string> = { 'memory.mode': 'anon|pagecache', 'memory.access': 'mmap|read', 'io.mode': 'write|read' };

function paramsHelp(kind: keyof typeof WORKLOAD_DEFAULTS): string {
  return Object.entries(WORKLOAD_DEFAULTS[kind])
    .map(([key, value]) => {
      const choices = CHOICES[`${kind}.${key}`];
      return `${key} (${choices ? `${choices}, ` : ''}default ${value})`;
    })
    .join(', ');
}

export const WORKLOADS: WorkloadInfo[] = [
  { kind: 'cpu', binary: 'cgbench-cpu', summary: 'busy loop of N iterations on T threads (CPU quota)', params: paramsHelp('cpu') },
  {
    kind: 'memory',
    binary: 'cgbench-memory',
    summary: 'anon: allocate and touch N MiB; pagecache: re-read an N MiB file K times',
    params: paramsHelp('memory'),
  },
  {
    kind: 'io',
    binary: 'cgbench-io',
    summary: 'sequential O_DIRECT write or read of N MiB in the scratch directory',
    params: paramsHelp('io'),
  },
  {
    kind: 'latency',
    binary: 'cgbench-latency',
    summary: 'periodic requests of W us CPU on T threads; tail latency under quota',
    params: paramsHelp('latency'),
  },
  {
    kind: 'command',
    binary: null,
    summary: 'any program (argument array), timed from exec to exit; its own figures via $CGBENCH_METRICS',
    params: 'command: [program, args...], metrics (auto|protocol|fio, default auto)',
  },
  {
    kind: 'service',
    binary: null,
    summary:
      'your server under the limits, driven by cgbench-load (or your client: wrk, any that reports figures) from outside them: ' +
      'throughput and latency percentiles',
    params:
      `command: [server, args...] and port, or server: ${KNOWN_SERVER_NAMES.join('|')} (configured by cgbench, a free port); ` +
      `readyPath, readyTimeoutMs (${SERVICE_DEFAULTS.readyTimeoutMs}), protocol (http|tcp), path (/), headers, ` +
      `mode (open|closed), rate (${SERVICE_DEFAULTS.rates.join(',')}; a list is steps), connections (${SERVICE_DEFAULTS.connections}), ` +
      ` durationMs (${SERVICE_DEFAULTS.durationMs}), warmupMs (${SERVICE_DEFAULTS.warmupMs}), loadCpus; ` +
      `client: [program, args...] with ${CLIENT_PLACEHOLDERS.map((n) => `{${n}}`).join(' ')}`,
  },
];

/** The error for a native program that is not where the build puts it. */
export function notBuilt(name: string, binDir = NATIVE_DIR): CgbenchError {
  return new CgbenchError(
    'E_NATIVE_BUILD',
    `native workload ${name} is not built (looked in ${binDir})`,
    'run `npm run build` (needs a C compiler and static libc)',
  );
}

export function assertNativeBuilt(binDir = NATIVE_DIR): void {
  for (const name of NATIVE_BINARIES) if (!existsSync(nativeBinary(name, binDir))) throw notBuilt(name, binDir);
}

export interface Invocation {
  program: string;
  args: string[];
  /** True when the program prints its own JSON metrics line. */
  selfTimed: boolean;
}

/** `binDir` lets the Docker runtime point at the image's copy of the binaries. */
export function invocationFor(params: WorkloadParams, scratchDir: string, binDir = NATIVE_DIR): Invocation {
  const bin = (name: NativeBinary): string => nativeBinary(name, binDir);
  switch (params.kind) {
    case 'cpu':
      return {
        program: bin('cgbench-cpu'),
        args: ['--iterations', String(params.iterations), '--threads', String(params.threads)],
        selfTimed: true,
      };
    case 'memory':
      if (params.mode === 'anon')
        return { program: bin('cgbench-memory'), args: ['--mode', 'anon', '--mib', String(params.mib)], selfTimed: true };
      return {
        program: bin('cgbench-memory'),
        args: [
          '--mode',
          'pagecache',
          '--mib',
          String(params.mib),
          '--passes',
          String(params.passes),
          '--access',
          params.access,
          '--dir',
          scratchDir,
        ],
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
        args: [
          '--threads',
          String(params.threads),
          '--duration-ms',
          String(params.durationMs),
          '--work-us',
          String(params.workUs),
          '--interval-us',
          String(params.intervalUs),
        ],
        selfTimed: true,
      };
    case 'command':
    case 'service': {
      const [program, ...args] = params.argv;
      if (!program)
        throw new CgbenchError('E_SCENARIO', `${params.kind} workload has an empty argv`, 'give the program and its arguments as an array');
      return { program, args, selfTimed: false };
    }
  }
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The last JSON object line a workload printed, camelCased. null when there is none. */
export function parseWorkloadOutput(stdout: string): WorkloadMetrics | null {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
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
