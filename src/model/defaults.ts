// The defaults and bounds of the settings a user gives, in one place: the scenario schema applies them,
// the CLI checks and states them in --help, and `cgbench list` shows the workloads' parameter defaults.

import type { KnownServer } from './types.js';

/** The result document's format version (schema/results.schema.json). */
export const SCHEMA_VERSION = 1;

/** The name of the limit set a scenario gets when it names no baseline (no limits). */
export const BASELINE_NAME = 'unlimited';
/** The neighbour set with no neighbours: every workload with neighbour sets is also measured alone. */
export const ALONE_NAME = 'alone';

/** Report formats (`--report`, `cgbench report --format`) and what `cgbench run` writes by default. */
export const REPORT_FORMATS = ['html', 'png', 'md', 'csv', 'json', 'bencher', 'github-benchmark', 'openmetrics'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const DEFAULT_REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md'];

/** `cgbench compare --format` (junit: the gate as JUnit XML, also written by --junit FILE). */
export const COMPARE_FORMATS = ['table', 'md', 'json', 'junit'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];
export const DEFAULT_COMPARE_FORMAT: CompareFormat = 'table';

/**
 * The metrics protocol (programs/metrics.ts): the environment variable naming the file a command appends its
 * figures to, one JSON object a line; and how a command workload's figures are read: `auto` keeps what the
 * file holds (none is fine), `protocol` needs at least one, `fio` also reads `fio --output-format=json` on stdout.
 */
export const METRICS_ENV = 'CGBENCH_METRICS';
export const METRICS_FORMATS = ['auto', 'protocol', 'fio'] as const;
export type MetricsFormat = (typeof METRICS_FORMATS)[number];

/** How a suite orders its runs on this machine (Scenario.order). */
export const RUN_ORDERS = ['interleaved', 'sequential'] as const;

export const SCENARIO_DEFAULTS = {
  name: 'scenario',
  repetitions: 3,
  warmup: 1,
  timeout: '120s',
  /** Each cell's interval chosen for it (scheduler/sampling.ts); a duration fixes one for every cell. */
  sampleInterval: 'auto',
  /** The interval of cells with no CPU quota when each cell's is chosen (a quota's cells sample finer). */
  coarseSampleIntervalMs: 100,
  /** The runtimes a scenario runs on when it names none (runtimes/registry.ts has them all). */
  runtimes: ['native'] as string[],
  order: 'interleaved' as (typeof RUN_ORDERS)[number],
  /** Adaptive repetitions: the median's 95 % interval half-width target and the run cap per cell. */
  adaptiveTargetRel: 0.02,
  adaptiveMaxRepetitions: 20,
  preset: 'quick',
} as const;

/** Bounds the kernel or common sense puts on settings; the schema and the CLI check the same numbers. */
export const BOUNDS = {
  sampleIntervalMs: { min: 1, max: 10_000 },
  timeoutMs: { min: 100, max: 24 * 3600_000 },
  repetitions: { min: 1, max: 1000 },
  warmup: { min: 0, max: 100 },
  maxRepetitions: { min: 2, max: 1000 },
  /** The interleaved order's shuffle seed: a 32-bit unsigned integer. */
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** Adaptive repetitions' target: a half-width strictly between 0 and 1 of the median. */
  targetRel: { min: 0, max: 1 },
  /** The kernel's CFS period range (cpu.cfs_period_us / cpu.max), and its smallest quota. */
  cpuPeriodUs: { min: 1000, max: 1_000_000 },
  cpuQuotaMinUs: 1000,
  /** cgroup v2 cpu.weight; BFQ's io.bfq.weight / blkio.bfq.weight. */
  cpuWeight: { min: 1, max: 10_000 },
  ioWeight: { min: 1, max: 1000 },
} as const;

/** The weight a group has when nobody sets one: v2 cpu.weight 100, v1 cpu.shares 1024. */
export const DEFAULT_CPU_WEIGHT = { v2: 100, v1Shares: 1024 } as const;

/** A neighbour set runs its neighbours this long before the measured run starts, ms: long enough for
 *  each to exec and reach its steady state, short against any measured run. */
export const NEIGHBOUR_SETTLE_MS = 300;

/** Ticks the launcher keeps (native/protocol.h CGB_MAX_KEPT, CGB_KEPT_COARSE), halving them when full:
 *  the fine budget at intervals under `fineBelowMs`, enough to fold a few seconds onto a CFS period. */
export const LAUNCHER_KEPT = { fine: 4096, coarse: 1024, fineBelowMs: 10 } as const;

/** The launcher's keep budget at a sampling interval (ms). */
export function keptBudget(intervalMs: number): number {
  return intervalMs < LAUNCHER_KEPT.fineBelowMs ? LAUNCHER_KEPT.fine : LAUNCHER_KEPT.coarse;
}

/**
 * The launcher's sampling may cost at most this share of the CPU it competes for: one CPU beside the group
 * (host mode), or the group's own quota when it samples from inside (container mode). The same share flags a
 * container whose sampling took more (the sampler-overhead warning).
 */
export const SAMPLING_CPU_BUDGET = 0.05;

/** The launcher's sampling CPU per tick, us, on the development VM (`npm run bench`: ~5 % of a core at 1 kHz):
 *  what a per-cell interval assumes until the suite has measured its own launcher. */
export const ASSUMED_TICK_COST_US = 50;

/** Cells throttled at the end of at least this share of their CFS periods get the period-phase chart
 *  and verdict (analysis/phase.ts); below it, a rare throttle says little about the period. */
export const PHASE_THROTTLED_SHARE = 0.1;

/** The CFS period the kernel and Docker default to, us. */
export const DEFAULT_CPU_PERIOD_US = 100_000;

/**
 * The block throttle's slice (blk-throttle.c: DFL_THROTL_SLICE_HD = HZ/10, DFL_THROTL_SLICE_SSD = HZ/50),
 * ms. A throttled group may dispatch one slice's worth at the full rate as soon as it starts: the
 * "initial allowance" that lets a short throttled run beat the rate it is limited to.
 */
export const IO_THROTTLE_SLICE_MS = { rotational: 100, nonRotational: 20 } as const;

/** Parameter defaults of the built-in workloads. */
export const WORKLOAD_DEFAULTS = {
  cpu: { iterations: 2 ** 30, threads: 1 },
  memory: { mode: 'anon', mib: 256, passes: 3, access: 'mmap' },
  io: { mode: 'write', mib: 64, blockKib: 1024 },
  latency: { threads: 2, durationMs: 2000, workUs: 1000, intervalUs: 10_000 },
} as const;

/** Parameter defaults of a service workload (ServiceParams): 2,000 requests/s open loop over 16 connections
 *  for 5 s after a 0.5 s warm-up, ready within 10 s. */
/** Servers cgbench configures itself (`server:` in a service; programs/servers.ts writes their files). */
export const KNOWN_SERVER_NAMES: readonly KnownServer[] = ['nginx'];

export const SERVICE_DEFAULTS = {
  protocol: 'http',
  path: '/',
  mode: 'open',
  rates: [2000],
  connections: 16,
  durationMs: 5000,
  warmupMs: 500,
  readyTimeoutMs: 10_000,
} as const;

/** The knobs `cgbench fit` searches (model/types.ts FitKnob). */
export const FIT_KNOBS = ['cpus', 'memory', 'memory-high'] as const;

/** `cgbench fit`'s settings when the command line does not give them. */
export const FIT_DEFAULTS = {
  /** The answer within 5 % above the smallest value that holds, each decision at 95 % one-sided. */
  precision: 0.05,
  confidence: 0.95,
  /** Runs a probe starts with, and the most it gets before it is called undecided. */
  runs: 3,
  maxRuns: 8,
  /** Interior points of the first scan. */
  scan: 3,
  /** The bottom of the range (the top: the host's CPUs, half its memory). */
  cpusBottom: 0.1,
  memoryBottomBytes: 16 * 1024 * 1024,
  /** Sampling fine enough to fold the shorter period the alternatives try (a tenth of 20 ms), where the
   *  launcher samples from outside the group (native, fake). */
  sampleIntervalMs: 2,
} as const;

/** `cgbench compare`: a significant change smaller than this (percent) does not fail the gate. */
export const DEFAULT_THRESHOLD_PCT = 5;

/** `compare --baseline history` without :N, and the nights a trend's change marks pool. */
export const DEFAULT_HISTORY_NIGHTS = 7;

/** What `--match` compares by default: a baseline night ran on the same kind of host. */
export const DEFAULT_HOST_MATCH = ['kernel', 'cgroup', 'cpu', 'runtime'] as const;

/** The history database when neither --db nor $CGBENCH_HISTORY_DB names one (under the working directory). */
export const DEFAULT_HISTORY_DB = 'reports/history.sqlite';
