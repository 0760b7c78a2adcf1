// The launcher's protocol, the TypeScript side of native/protocol.h: its command line, exit codes, READY
// marker, and the report it hands back (where it ran, readings of the group, tick statistics, exit, rusage).

import { readingFromV1, readingFromV2 } from '../cgroup/reading.js';
import type {
  Counted,
  GroupLocation,
  LauncherHost,
  LauncherReport,
  LauncherStatus,
  LauncherTicks,
  NodeInfo,
  PerfCounters,
  ProcessStatus,
  Reading,
} from '../model/types.js';

/** Exit codes the launcher reserves (as docker run and the shell do), so they never look like a workload's. */
export const LAUNCHER_EXIT = { launcherFailed: 125, notExecutable: 126, notFound: 127 } as const;

export interface LauncherArgs {
  /** Host mode: the group the launcher puts the workload in and samples. Container mode ("self"): the
   *  group the launcher itself is in (a container's), found from /proc/self/cgroup. */
  group?: GroupLocation | 'self';
  /** Sampling interval, ms (1..10000); without it only the before and after readings are taken. */
  sampleIntervalMs?: number;
  /** Where the report goes: a file, or "-" for stdout after the workload's own output. */
  report?: string;
  /** Namespaces to create: "all" (default), "none", or a list such as "pid,mnt". */
  ns?: string;
  hostname?: string;
  /** EOF on stdin (the harness is gone) kills the workload; the launcher prints READY on stderr. */
  watchStdin?: boolean;
  /** The metrics protocol's file: the launcher makes it, names it in the workload's environment and relays
   *  its lines in the report (metric lines). */
  metrics?: string;
  program: string;
  args: string[];
}

/** The launcher's argument array for one run. */
export function launcherArgv(a: LauncherArgs): string[] {
  const out: string[] = [];
  const g = a.group;
  if (g === 'self') out.push('--cgroup', 'self');
  else if (g?.driver === 'v2') out.push('--cgroup-dir', g.dir);
  else if (g) for (const [controller, dir] of Object.entries(g.dirs)) out.push('--cgroup-dir', `${controller}=${dir}`);
  if (a.sampleIntervalMs !== undefined) out.push('--sample-interval-us', String(Math.round(a.sampleIntervalMs * 1000)));
  if (a.report !== undefined) out.push('--report', a.report);
  if (a.ns !== undefined) out.push('--ns', a.ns);
  if (a.hostname !== undefined) out.push('--hostname', a.hostname);
  if (a.metrics !== undefined) out.push('--metrics', a.metrics);
  if (a.watchStdin) out.push('--watch-stdin');
  return [...out, '--', a.program, ...a.args];
}

/** Every line of a report starts with this; anything else on the same stream is the workload's. */
export const REPORT_PREFIX = 'CGBENCH-';
/** The report's format version (CGB_REPORT_VERSION): a report of another version is not parsed. */
export const REPORT_VERSION = 1;
/** The report's records, in the order they come (CGB_RECORDS). */
export const REPORT_RECORDS = ['REPORT', 'HOST', 'GROUP', 'BEFORE', 'SAMPLE', 'AFTER', 'TICKS', 'METRIC', 'STATUS', 'END'] as const;
/** What the launcher prints on stderr when it starts with --watch-stdin (CGB_READY). */
export const READY_MARKER = 'CGBENCH-READY';

/** "CGBENCH-READY <ns>" on stderr: the launcher's CLOCK_MONOTONIC when it started. */
export function parseReadyMarker(line: string): number | null {
  const m = new RegExp(`^${READY_MARKER} (\\d+)$`).exec(line.trim());
  return m ? Number(m[1]) : null;
}
/** The launcher's keep budget (CGB_MAX_KEPT / CGB_KEPT_COARSE) lives with the other bounds. */
export { keptBudget } from '../model/defaults.js';

type Json = Record<string, unknown>;

const num = (o: Json, k: string): number | undefined => (typeof o[k] === 'number' ? o[k] : undefined);
const str = (o: Json, k: string): string | undefined => (typeof o[k] === 'string' ? o[k] : undefined);

/** The STATUS members carried into a LauncherStatus, by the launcher's key. */
const STATUS_NUMBERS = {
  utime_us: 'utimeUs',
  stime_us: 'stimeUs',
  maxrss_kib: 'maxrssKib',
  majflt: 'majflt',
  minflt: 'minflt',
  launcher_cpu_us: 'launcherCpuUs',
  launcher_maxrss_kib: 'launcherMaxrssKib',
  forwarded_signal: 'forwardedSignal',
  nvcsw: 'voluntaryContextSwitches',
  nivcsw: 'involuntaryContextSwitches',
} as const satisfies Record<string, keyof LauncherStatus>;
const STATUS_STRINGS = { error: 'error', sampling_error: 'samplingError' } as const satisfies Record<string, keyof LauncherStatus>;
/** The perf counters of the STATUS record (its perf_counters member), by the launcher's key. */
const PERF_COUNTERS = {
  cpu_migrations: 'cpuMigrations',
  cycles: 'cycles',
  instructions: 'instructions',
} as const satisfies Record<string, keyof PerfCounters>;
/** The counters' names in the report, in its order (CGB_PERF_COUNTERS of protocol.h). */
export const PERF_COUNTER_KEYS = Object.keys(PERF_COUNTERS);
/** Every STATUS member the parser reads; with --watch-stdin the launcher also sends stdin_eof, which it
 *  leaves (a closed stdin shows as the SIGKILL it caused). */
export const STATUS_KEYS = [
  'exit_code',
  'signal',
  'wall_ns',
  'perf_counters',
  ...Object.keys(STATUS_NUMBERS),
  ...Object.keys(STATUS_STRINGS),
];

/** One counter: {"value":N[,"counted_share":S]} or {"value":null,"reason":"..."}; a malformed one says so. */
function parseCounted(o: unknown): Counted {
  const c = (o ?? {}) as Json;
  const value = num(c, 'value');
  if (value !== undefined) {
    const share = num(c, 'counted_share');
    return share !== undefined ? { value, countedShare: share } : { value };
  }
  return { value: null, reason: str(c, 'reason') ?? 'the launcher reported no value' };
}

function parsePerf(o: Json): PerfCounters | undefined {
  if (typeof o.perf_counters !== 'object' || o.perf_counters === null) return undefined;
  const perf = o.perf_counters as Json;
  const out = {} as Record<keyof PerfCounters, Counted>;
  for (const [key, field] of Object.entries(PERF_COUNTERS)) out[field] = parseCounted(perf[key]);
  return out;
}

function parseStatus(o: Json): LauncherStatus {
  const status: LauncherStatus = {
    exitCode: num(o, 'exit_code') ?? null,
    signal: num(o, 'signal') ?? null,
    wallNs: num(o, 'wall_ns') ?? 0,
  };
  const out = status as unknown as Record<string, unknown>;
  for (const [key, field] of Object.entries(STATUS_NUMBERS)) {
    const v = num(o, key);
    if (v !== undefined) out[field] = v;
  }
  for (const [key, field] of Object.entries(STATUS_STRINGS)) {
    const v = str(o, key);
    if (v !== undefined) out[field] = v;
  }
  const perf = parsePerf(o);
  if (perf) status.perf = perf;
  return status;
}

function parseTicks(o: Json): LauncherTicks {
  const intervalNs = num(o, 'interval_ns') ?? 0;
  const intervals = num(o, 'intervals') ?? 0;
  return {
    intervalMs: intervalNs / 1e6,
    ticks: num(o, 'ticks') ?? 0,
    kept: num(o, 'kept') ?? 0,
    stride: num(o, 'stride') ?? 1,
    meanIntervalMs: (num(o, 'mean_ns') ?? 0) / 1e6,
    maxIntervalMs: (num(o, 'max_ns') ?? 0) / 1e6,
    offFraction: intervals ? (num(o, 'off') ?? 0) / intervals : 0,
    cpuUs: num(o, 'cpu_us') ?? 0,
  };
}

function parseHost(o: Json): LauncherHost {
  return { kernel: str(o, 'kernel') ?? '', cpuModel: str(o, 'cpu_model') ?? '', cpus: num(o, 'cpus') ?? 0 };
}

/** A node's record completed with what the launcher saw on it: the CPU model (which `docker info` lacks)
 *  and the kernel where the node's own record has none. The node's CPU count stays its own (the
 *  launcher's is its affinity), unless the record has none. */
export function withLauncherHost(node: NodeInfo, host: LauncherHost | undefined): NodeInfo {
  if (!host) return node;
  const out = { ...node };
  if (!out.cpuModel && host.cpuModel) out.cpuModel = host.cpuModel;
  if (!out.kernel && host.kernel) out.kernel = host.kernel;
  if (!out.cpuCount && host.cpus) out.cpuCount = host.cpus;
  return out;
}

/** Where a report (the last one, if the stream holds several) begins in `text`; -1 when there is none. */
export function reportStart(text: string): number {
  const at = text.lastIndexOf(`${REPORT_PREFIX}REPORT `);
  return at === -1 || (at > 0 && text[at - 1] !== '\n') ? -1 : at;
}

/**
 * The report in `text` (a report file, or a stream whose workload output precedes it), with every
 * reading parsed by the stat-file parsers of cgroup/reading.ts. Null when there is no complete report.
 * SAMPLE lines carry only the files that changed; the others are carried forward from the line before.
 */
export function parseLauncherReport(text: string): LauncherReport | null {
  const start = reportStart(text);
  if (start === -1) return null;
  let driver: 'v1' | 'v2' = 'v1';
  let texts: Record<string, string | undefined> = {};
  const report: Partial<LauncherReport> & { samples: Reading[] } = { samples: [] };
  let ended = false;
  const reading = (o: Json, delta: boolean): Reading => {
    const files = (o.f ?? {}) as Record<string, string>;
    texts = delta ? { ...texts, ...files } : { ...files };
    const t = num(o, 't') ?? 0;
    return driver === 'v2' ? readingFromV2(t, texts) : readingFromV1(t, texts);
  };
  for (const line of text.slice(start).split('\n')) {
    if (!line.startsWith(REPORT_PREFIX)) continue;
    const sp = line.indexOf(' ');
    const kind = line.slice(REPORT_PREFIX.length, sp === -1 ? undefined : sp);
    if (kind === 'END') {
      ended = true;
      break;
    }
    if (kind === 'REPORT') {
      if (Number(line.slice(sp + 1)) !== REPORT_VERSION) return null;
      continue;
    }
    let o: Json;
    try {
      o = JSON.parse(line.slice(sp + 1)) as Json;
    } catch {
      return null;
    }
    if (kind === 'GROUP') {
      driver = o.driver === 'v2' ? 'v2' : 'v1';
      const group = { mode: o.mode === 'container' ? 'container' : 'host', driver, files: (o.files ?? {}) as Record<string, string> };
      report.group = { ...group, missing: Array.isArray(o.missing) ? (o.missing as string[]) : [] } as LauncherReport['group'];
    } else if (kind === 'BEFORE') report.before = reading(o, false);
    else if (kind === 'SAMPLE') report.samples.push(reading(o, true));
    else if (kind === 'AFTER') report.after = reading(o, false);
    else if (kind === 'TICKS') report.ticks = parseTicks(o);
    else if (kind === 'HOST') report.host = parseHost(o);
    else if (kind === 'STATUS') report.status = parseStatus(o);
    else if (kind === 'METRIC' && typeof o.line === 'string') (report.metricLines ??= []).push(o.line);
  }
  if (!ended || !report.status) return null;
  const out = report as LauncherReport;
  return out;
}

/** The exit code a status stands for: the workload's own, or 128 + the signal that killed it. */
export function statusExitCode(status: ProcessStatus): number | null {
  return status.exitCode ?? (status.signal !== null ? 128 + status.signal : null);
}
