// Every public type of cgbench: limits, workloads, scenarios, cgroup readings, runs, cells and the
// result document. The result document is the stable contract every reporter reads.

import type { SCHEMA_VERSION } from './defaults.js';
import type { Histogram } from './histogram.js';

export type CgroupMode = 'v1' | 'v2' | 'hybrid';
/** A runtime's name: a key of the runtime registry (runtimes/registry.ts). Documents may name runtimes a
 *  newer cgbench added, so readers take any name. @minLength 1 */
export type RuntimeName = string;

// The result document's JSON Schema (schema/results.schema.json) is generated from these types
// (`npm run schema`); JSDoc tags such as @minimum, @pattern and @asType integer become its constraints.

/** An ISO 8601 time with its zone, as toISOString writes it.
 *  @pattern ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$ */
export type Timestamp = string;
/** A whole number of things, 0 or more. @asType integer @minimum 0 */
export type Count = number;
/** A whole number. @asType integer */
export type Integer = number;
/** A whole number, 1 or more. @asType integer @minimum 1 */
export type PositiveInt = number;
/** A figure that cannot be negative (bytes, ns, rates). @minimum 0 */
export type NonNegative = number;
/** A scenario's hash (hex). @pattern ^[0-9a-f]{8,64}$ */
export type ScenarioHash = string;
/** A host's name in a merged document: a `cgbench merge` label or the hostname (with /kernel when two share one).
 *  @pattern ^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$ */
export type HostName = string;

/** CPU bandwidth limit. `quotaUs: null` means no quota ("max" / -1). */
export interface CpuLimit {
  quotaUs: PositiveInt | null;
  periodUs: PositiveInt;
  burstUs?: Count;
}

export interface MemoryLimit {
  /** Hard limit (v1 memory.limit_in_bytes, v2 memory.max). null = unlimited. */
  maxBytes: NonNegative | null;
  /** Swap allowed on top of maxBytes (v2 memory.swap.max, v1 memsw = max + swap). Default 0. */
  swapBytes?: NonNegative | null;
  /** v2 memory.high: reclaim throttling threshold. */
  highBytes?: NonNegative | null;
}

/** One IO throttle. `device` is what the user wrote: "scratch" (the scratch directory's disk),
 *  a block device path (/dev/vda) or "MAJ:MIN". Rates are bytes/s and IO operations/s. */
export interface IoLimit {
  device: string;
  rbps?: NonNegative;
  wbps?: NonNegative;
  riops?: NonNegative;
  wiops?: NonNegative;
}

export interface Limits {
  cpu?: CpuLimit;
  /** CPU weight against sibling groups, 1..10000 on cgroup v2's scale (v2 cpu.weight; v1 cpu.shares and
   *  docker --cpu-shares through the OCI runtimes' conversion, model/knobs.ts).
   *  @asType integer @minimum 1 @maximum 10000 */
  cpuWeight?: number;
  /** IO weight 1..1000 (BFQ's io.bfq.weight / blkio.bfq.weight): only where the disk's scheduler is BFQ.
   *  @asType integer @minimum 1 @maximum 1000 */
  ioWeight?: number;
  memory?: MemoryLimit;
  io?: IoLimit[];
  pids?: PositiveInt;
  cpuset?: string;
}

/** An IO throttle whose device has been resolved to a whole disk. */
export interface ResolvedIoLimit extends IoLimit {
  major: Count;
  minor: Count;
}

export interface ResolvedLimits extends Omit<Limits, 'io'> {
  io?: ResolvedIoLimit[];
}

/** The outcomes a run of a cell may end with and still be a result (`interrupted` never is one). */
export type ExpectedOutcome = 'ok' | 'oom-killed' | 'failed' | 'timeout';

export interface LimitSet {
  /** @minLength 1 */
  name: string;
  limits: Limits;
  /** What its runs are expected to end with, when the scenario says (otherwise analysis/expected.ts decides).
   *  @minItems 1 */
  expect?: ExpectedOutcome[];
}

export type WorkloadKind = 'cpu' | 'memory' | 'io' | 'latency' | 'command' | 'service';

/** Workload parameters, a union keyed on kind (validation fills every field's default: an anon memory
 *  workload carries the page-cache fields too). */
export type WorkloadParams =
  | { kind: 'cpu'; /** @minimum 1 */ iterations: number; threads: PositiveInt }
  | { kind: 'memory'; mode: 'anon'; /** @minimum 1 */ mib: number; passes?: PositiveInt; access?: 'mmap' | 'read' }
  | { kind: 'memory'; mode: 'pagecache'; /** @minimum 1 */ mib: number; passes: PositiveInt; access: 'mmap' | 'read' }
  | { kind: 'io'; mode: 'write' | 'read'; /** @minimum 1 */ mib: number; blockKib: PositiveInt }
  | { kind: 'latency'; threads: PositiveInt; durationMs: number; workUs: number; intervalUs: number }
  /** `metrics`: how its own figures are read (programs/metrics.ts); absent: whatever the protocol file holds. */
  | { kind: 'command'; /** @minItems 1 */ argv: string[]; metrics?: 'protocol' | 'fio' }
  | ServiceParams;

/** Servers cgbench knows how to configure itself (programs/servers.ts): it writes their configuration. */
export type KnownServer = 'nginx';

/** A server started under the cell's limits, listening on `port` of $CGBENCH_SERVICE_HOST (127.0.0.1 natively;
 *  0.0.0.0 on docker and podman, in its container's own network, which only a veth pair from this host reaches);
 *  once ready (a TCP connect, or an HTTP GET of `readyPath` answered below 500, within `readyTimeoutMs`), the load
 *  generator drives it from outside the limits for `durationMs` (after `warmupMs`), then the server is stopped
 *  (runtimes/service.ts). */
export interface ServiceParams {
  kind: 'service';
  /** The user's command; with `server`, the known server's program name (its arguments are cgbench's); with
   *  `image`, the command in place of the image's CMD (empty: the image's own). */
  argv: string[];
  /** A container image (docker, podman) whose entrypoint is the server, run as `docker run IMAGE [argv]` would. */
  image?: string;
  /** A known server: cgbench writes its configuration (loopback, `port`, no logs outside it) to a temp
   *  directory for each run and removes it after. */
  server?: KnownServer;
  /** 0: a free port chosen for each run (a known server only, whose configuration cgbench writes).
   *  @minimum 0
   *  @maximum 65535 */
  port: number;
  /** HTTP request headers the generator sends ("Name: value"). */
  headers?: string[];
  readyPath?: string;
  readyTimeoutMs: PositiveInt;
  /** What the generator speaks: HTTP/1.1 GET of `path`, or raw TCP (a line out, a line back). */
  protocol: 'http' | 'tcp';
  path: string;
  mode: LoadMode;
  /** Open loop: requests/s in total, one step per rate. */
  rates?: number[];
  connections: PositiveInt;
  durationMs: PositiveInt;
  warmupMs: NonNegative;
  /** CPUs the generator's threads are pinned to (a cpuset list); absent: one unpinned thread. */
  loadCpus?: string;
  /** A client command of the user's (wrk, hey, k6...) run instead of the built-in generator, once for
   *  `durationMs`, its placeholders ({url}, {host}, {port}...) filled in (programs/load.ts clientArgv); its
   *  figures are the metrics protocol's and a known format's (wrk's report), programs/metrics.ts. @minItems 1 */
  client?: string[];
}

/** Where a cluster runtime (swarm) may run a cell: on the node with this hostname, or on any node with
 *  this label ("key" or "key=value"); absent: any node (cells spread over the nodes). */
export interface Placement {
  /** @minLength 1 */
  node?: string;
  /** @minLength 1 */
  label?: string;
}

/** Where a neighbour runs: in its own group or container (`own`, isolated by its own limits) or in the
 *  measured workload's group or container (`same`: no isolation, the case limits exist for). */
export type NeighbourPlacement = 'own' | 'same';

/** A workload that runs beside the measured one for the length of each measured run, restarted
 *  whenever it finishes, then stopped. */
export interface NeighbourSpec {
  /** Names it in tables: "cpu 2 threads at 0.50 CPU". @minLength 1 */
  label: string;
  params: WorkloadParams;
  /** Its own limits (placement `own` only: a neighbour in the measured group shares that group's). */
  limits: Limits;
  placement: NeighbourPlacement;
}

/** A named list of neighbours a workload is measured next to; "alone" is the empty set. */
export interface NeighbourSet {
  /** @minLength 1 */
  name: string;
  neighbours: NeighbourSpec[];
  /** One parent group over the measured workload and its neighbours, with these limits (a machine, a
   *  node's allocatable or a pod in miniature); absent: each group directly under cgbench's own. */
  parent?: Limits;
}

export interface WorkloadSpec {
  /** @minLength 1 */
  name: string;
  params: WorkloadParams;
  /** Neighbour sets each limit set is measured with, "alone" (no neighbours, no parent) first; absent:
   *  alone only. @minItems 1 */
  neighbourSets?: NeighbourSet[];
  /** Cluster runtimes only: the nodes this workload's cells may run on (default: the scenario's). */
  placement?: Placement;
  /** Warm-up runs of this workload's cells, where they differ from the scenario's (a CPU loop needs none). */
  warmup?: Count;
  /** Limit sets this workload is swept over; the first without limits is its baseline. @minItems 1 */
  limitSets: LimitSet[];
}

export type RunOrder = 'interleaved' | 'sequential';

export type SamplingMode = 'per-cell' | 'fixed';

/**
 * The sampling interval a cell's runs used and why: fixed by the scenario; the coarse interval of a cell with
 * no CPU quota; a tenth of the CFS period or finer (the finest whose every tick the launcher keeps over a run
 * of the expected length, within its cost); or coarser than that because the launcher's cost allows nothing
 * finer (cost) or the runs are too long to keep ticks that fine (long-run): no period-phase view then.
 */
export interface CellSampling {
  /** @exclusiveMinimum 0 */
  intervalMs: number;
  basis: 'fixed' | 'coarse' | 'period' | 'cost' | 'long-run';
  /** The launcher's sampling CPU per tick the choice assumed, us, and whether this suite measured it. */
  tickCostUs?: NonNegative;
  tickCostMeasured?: boolean;
  /** The run length it was chosen for, ms (from the baseline and the model, or a guess from the parameters). */
  runMs?: NonNegative;
}

export interface Scenario {
  /** @minLength 1 */
  name: string;
  description?: string;
  /** Where the scenario came from (file path or "preset:NAME"). */
  source: string;
  /** @minItems 1 */
  workloads: WorkloadSpec[];
  /** @minItems 1 */
  runtimes: RuntimeName[];
  repetitions: PositiveInt;
  warmup: Count;
  /** @exclusiveMinimum 0 */
  timeoutMs: number;
  /** The launcher's sampling interval, ms: of every cell when `sampling` is fixed, else of the cells with no
   *  CPU quota (a quota's cells sample finer, see Cell.sampling). @exclusiveMinimum 0 */
  sampleIntervalMs: number;
  /** per-cell: each cell's interval chosen for it (a CPU quota's cells at a tenth of the period or finer,
   *  within the launcher's cost); fixed: `sampleIntervalMs` for every cell. Absent in older documents: fixed. */
  sampling?: SamplingMode;
  /** Keep repeating a cell until the median's 95 % interval is within ±targetRel of it, or maxRepetitions;
   *  with budgetMs, no extra run starts once the cell's runs took that long (extra runs only where cheap). */
  adaptive?: { /** @exclusiveMinimum 0 */ targetRel: number; maxRepetitions: PositiveInt; /** @exclusiveMinimum 0 */ budgetMs?: number };
  /** The order of runs on this machine: each workload's cells interleaved in randomized blocks (one run of
   *  each per block, so drift falls on every cell alike), or each cell's runs back to back. Absent in
   *  older documents: sequential. */
  order?: RunOrder;
  /** Directory for IO and page-cache files; must be on a real disk. */
  scratchDir?: string;
  /** Cluster runtimes only: the nodes cells may run on, unless a workload says otherwise. */
  placement?: Placement;
}

/** Where a group's files are: its directory in each v1 hierarchy, or its one v2 directory. */
export type GroupLocation = { driver: 'v1'; dirs: Record<string, string> } | { driver: 'v2'; dir: string };

/** Normalised cgroup readings at one instant; counters are cumulative since the group was made. */
export interface Reading {
  /** Monotonic timestamp, ns. */
  tNs: number;
  cpu?: {
    usageUs?: number;
    userUs?: number;
    systemUs?: number;
    nrPeriods?: number;
    nrThrottled?: number;
    throttledUs?: number;
    nrBursts?: number;
    burstUs?: number;
  };
  memory?: {
    currentBytes?: number;
    peakBytes?: number;
    /** v1 memory.failcnt; v2 memory.events max. */
    failcnt?: number;
    oomKills?: number;
    oomEvents?: number;
    highEvents?: number;
    majorFaults?: number;
    fileBytes?: number;
    anonBytes?: number;
    /** memory.stat workingset_refault_file: evicted page-cache pages read back soon after (pages). */
    refaults?: number;
    /** v2 memory.stat pgsteal: pages reclaimed from the group. */
    reclaimed?: number;
  };
  /** Per device "MAJ:MIN". @propertyNames {"pattern": "^\\d+:\\d+$"} */
  io?: Record<string, IoCounters>;
  pids?: { current?: number };
  psi?: Partial<Record<'cpu' | 'memory' | 'io', PressureReading>>;
}

export interface IoCounters {
  rbytes: number;
  wbytes: number;
  rios: number;
  wios: number;
}

export interface PressureReading {
  someAvg10: number;
  someTotalUs: number;
  fullAvg10?: number;
  fullTotalUs?: number;
}

/** What a workload reported about itself (camelCased from its JSON line). */
export interface WorkloadMetrics {
  wallNs: NonNegative;
  ops?: number;
  bytes?: number;
  [key: string]: number | string | undefined;
}

/** What the launcher saw of the workload process (rusage and exit). */
export interface ProcessStatus {
  exitCode: Integer | null;
  signal: Integer | null;
  wallNs: number;
  utimeUs?: number;
  stimeUs?: number;
  maxrssKib?: number;
  majflt?: number;
  minflt?: number;
  /** The launcher's own CPU time (sampling included), us, and its peak memory, KiB. */
  launcherCpuUs?: number;
  launcherMaxrssKib?: number;
  /** The launcher ran inside the measured group (container mode): its sampling counts against the limits. */
  launcherInGroup?: boolean;
  /** Voluntary context switches of the workload and the children it waited for (rusage): it blocked (IO, a
   *  sleep, a lock, a page read from disk). Absent in reports of older launchers. */
  voluntaryContextSwitches?: Count;
  /** Involuntary context switches (rusage): it was preempted (its time slice ran out, another task woke, or
   *  its group's CPU quota ran out). Absent in reports of older launchers. */
  involuntaryContextSwitches?: Count;
  /** Perf counters over the workload's run; absent in reports of older launchers and of a failed launch. */
  perf?: PerfCounters;
}

/** A figure the launcher counted, or null with the reason it is not measurable here. */
export type Counted =
  | {
      value: Count;
      /** Only when the PMU multiplexed the counter: the share of the run it counted (0..1); value is scaled
       *  up from it to the whole run. @exclusiveMinimum 0 @maximum 1 */
      countedShare?: number;
    }
  | {
      value: null;
      /** Why not (no hardware PMU on this machine, perf events not permitted here, ...). */
      reason: string;
    };

/** Perf counters on the workload, from its exec to its exit, over it and every thread and process it started
 *  (perf_event_open with inherit): the evidence that can explain a higher CPU cost per unit of work. */
export interface PerfCounters {
  /** Times the scheduler moved one of its threads to another CPU (the software event cpu-migrations): each
   *  move may leave its caches behind. */
  cpuMigrations: Counted;
  /** CPU cycles (a hardware PMU event): cycles per CPU second is the clock the workload ran at. */
  cycles: Counted;
  /** Instructions retired (a hardware PMU event): instructions per cycle is how much work each cycle did, so
   *  a slower clock is told apart from stalls (cache or TLB misses). */
  instructions: Counted;
}

/** A per-run figure the cost evidence compares (analysis/evidence.ts): CPU time, context switches, migrations,
 *  cycles and instructions per unit of work; instructions per cycle; cycles per CPU nanosecond (GHz). */
export type EvidenceName =
  'cpuPerUnit' | 'voluntarySwitches' | 'involuntarySwitches' | 'cpuMigrations' | 'cycles' | 'instructions' | 'ipc' | 'clockGhz';

/** One figure of a cell against its baseline: medians over each cell's measured runs. */
export interface EvidenceFigure {
  name: EvidenceName;
  /** Null where no run measured it. */
  cell: number | null;
  baseline: number | null;
  /** cell / baseline, where both are measured and the baseline's is above 0. */
  ratio?: NonNegative;
  /** Why it is not measured (the launcher's reason: no hardware PMU, perf not permitted). */
  reason?: string;
}

/** What a cell's runs counted that can explain a higher CPU cost per unit of work, against its baseline. */
export interface CostEvidence {
  /** The unit of work the counts are per: an op where both cells count ops, else a run (the same work). */
  per: 'op' | 'run';
  figures: EvidenceFigure[];
  /** Median involuntary context switches per throttled CFS period (cells whose runs were throttled). */
  involuntaryPerThrottledPeriod?: NonNegative;
  /** The baseline's costliest run in CPU per unit of work over its median (at least 1): how far the machine's own
   *  speed moved the same work's cost with no limit at all, in this suite. */
  baselineCpuMaxRatio?: NonNegative;
}

// ---------------------------------------------------------------------------------------------
// The load generator (native/load.c; argv and parsing in programs/load.ts).

/** How load is offered: on a schedule fixed in advance (open: each request timed from when it should have been
 *  sent) or as fast as answers come (closed: each connection sends again once answered). */
export type LoadMode = 'open' | 'closed';

/** What the generator is asked for. */
export interface LoadSpec {
  target: { protocol: 'http'; url: string; method?: string; headers?: string[]; body?: string } | TcpTarget;
  mode: LoadMode;
  /** Open loop: requests/s in total, one step per rate, each `durationMs` long. */
  rates?: number[];
  arrival?: 'constant' | 'poisson';
  connections: number;
  /** One generator thread per CPU of `cpus` (a cpuset list, e.g. "1" or "2-3"), else `threads` unpinned. */
  cpus?: string;
  threads?: number;
  durationMs: number;
  warmupMs?: number;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Raw TCP request/response: `payload` (or `payloadBytes` bytes ending in a newline) per request; an answer is
 *  `responseBytes` long, or ends with `responseDelim` (default a newline). */
export interface TcpTarget {
  protocol: 'tcp';
  address: string;
  payload?: string;
  payloadBytes?: number;
  responseBytes?: number;
  responseDelim?: string;
}

export interface LoadErrors {
  /** Answers with an HTTP status of 400 or more. */
  status: number;
  timeout: number;
  read: number;
  write: number;
  /** Answers that were not HTTP, or more bytes than a TCP answer's size. */
  parse: number;
}

/** One step of the schedule (the only one in closed loop). Latencies are ns, from each request's place in the
 *  schedule; `lag` is how late the generator itself sent while a connection was free (its own delay, which
 *  the latency excludes). */
export interface LoadStep {
  /** Offered requests/s; null in closed loop. */
  rate: number | null;
  /** Since the generator's t0, ns. */
  startNs: number;
  durationNs: number;
  sent: number;
  /** Answered without error. */
  ok: number;
  /** Placed in the schedule before its end but never sent: the queue the server (or generator) left. */
  unsent: number;
  /** Answers without error that arrived within the step's window (whenever their requests were placed): the
   *  step's throughput, which a backlog drained after the schedule ends cannot inflate. Absent in documents
   *  of versions before it was counted (their throughput is `ok` over the step). */
  answered?: number;
  errors: LoadErrors;
  latency: Histogram;
  lag: Histogram;
}

/** Latency by the interval requests arrived in, answers and errors by the interval they ended in. */
export interface LoadSeries {
  intervalNs: number;
  ok: number[];
  errors: number[];
  p50Ns: number[];
  p90Ns: number[];
  p99Ns: number[];
  maxNs: number[];
}

/** The generator's one JSON line, parsed. */
export interface LoadReport {
  mode: LoadMode;
  protocol: 'http' | 'tcp';
  threads: number;
  connections: number;
  arrival: 'constant' | 'poisson' | 'closed';
  /** CLOCK_MONOTONIC ns of the schedule's start: the same clock as the launcher's readings. */
  t0Ns: number;
  wallNs: number;
  /** The generator's own CPU time over the run, ns. */
  cpuNs: number;
  /** The busiest generator thread's CPU time over its wall time (1 = a full CPU: saturated). */
  threadBusyMax: number;
  /** 'ms' where the kernel lacks epoll_pwait2 and sends are up to 1 ms late. */
  timer: 'ns' | 'ms';
  connectErrors: number;
  reconnects: number;
  bytesRead: number;
  interrupted: boolean;
  steps: LoadStep[];
  series: LoadSeries;
}

// ---------------------------------------------------------------------------------------------
// What the launcher reports about one run (native/protocol.h; parsed by runtimes/launcher.ts).

export interface LauncherTicks {
  intervalMs: number;
  /** Ticks taken while the workload ran, and how many of them the report kept (by halving). */
  ticks: number;
  kept: number;
  /** Every stride-th tick was kept. */
  stride: number;
  meanIntervalMs: number;
  maxIntervalMs: number;
  /** Share of intervals more than 10 % off the target. */
  offFraction: number;
  /** CPU the sampling loop used, us. */
  cpuUs: number;
}

export interface LauncherStatus extends ProcessStatus {
  /** The launcher could not start the workload: why. */
  error?: string;
  /** The group's files could not be read any more while the workload ran (the group was removed). */
  samplingError?: string;
  /** A signal the launcher forwarded to the workload (a time-out or an interrupt). */
  forwardedSignal?: number;
}

/** Where the launcher ran (its CGBENCH-HOST line): what a cluster engine may not say about its node. */
export interface LauncherHost {
  kernel: string;
  /** "" when /proc/cpuinfo names no model. */
  cpuModel: string;
  /** The CPUs the launcher may run on (its affinity), not the node's count. */
  cpus: number;
}

export interface LauncherReport {
  /** Absent in reports of older launchers and of a failed launch. */
  host?: LauncherHost;
  group?: { mode: 'host' | 'container'; driver: 'v1' | 'v2'; files: Record<string, string>; missing: string[] };
  /** After the workload joined its groups, before it exec'd. */
  before?: Reading;
  /** The kept ticks, in order. */
  samples: Reading[];
  /** As soon as the workload exited. */
  after?: Reading;
  ticks?: LauncherTicks;
  status: LauncherStatus;
  /** What the workload wrote to the metrics protocol's file ($CGBENCH_METRICS), line by line. */
  metricLines?: string[];
}

/** Columnar, bounded sample series of one run (see sampler/). Times are ms since the run started. */
export interface SampleSeries {
  /** @exclusiveMinimum 0 */
  intervalMs: number;
  /** Number of raw samples taken, before any downsampling. */
  taken: Count;
  tMs: number[];
  series: Record<string, (number | null)[]>;
  /** How regular the sampling was: mean and max interval, share of intervals >10 % off; and the CPU the
   *  launcher's sampling loop used, us (absent in older documents). */
  tick?: { meanIntervalMs: number; maxIntervalMs: number; /** @minimum 0 @maximum 1 */ offFraction: number; cpuUs?: NonNegative };
}

export type Outcome = 'ok' | 'oom-killed' | 'failed' | 'timeout' | 'interrupted';

/** A cluster node a run or cell ran on: as its pod saw it (Kubernetes) or as its engine describes it (a
 *  Swarm node). */
export interface NodeInfo {
  hostname: string;
  pod?: string;
  kernel: string;
  arch?: string;
  cgroupVersion: 'v1' | 'v2' | 'unknown';
  /** Absent when the engine does not say (Docker reports no CPU model). */
  cpuModel?: string;
  cpuCount: Count;
  memoryBytes?: NonNegative;
  /** A Swarm node's engine version and node labels. */
  engineVersion?: string;
  labels?: Record<string, string>;
}

interface RunBase {
  index: Count;
  warmup: boolean;
  startedAt: Timestamp;
  /** Its place in the suite's order of runs (0 = the first run started), over all cells. */
  seq?: Count;
  /** Interleaved order: the block it ran in (every cell of its workload runs once per block, in a shuffled
   *  order). Absent for warm-ups and sequential order. */
  block?: Count;
  /** Harness-side time the workload's group lived, ns: native from spawn to exit (launch included),
   *  docker from the "go" handshake to the status line (container start-up excluded: see startupNs). */
  harnessWallNs: NonNegative;
  /** Harness wall minus the workload's own wall: launch and teardown overhead, ns. */
  launchOverheadNs?: number;
  /** Docker: time from `docker run` to the workload's start, ns. */
  startupNs?: number;
  /** The cluster node the run ran on (Kubernetes); absent when it ran on the document's host. */
  node?: NodeInfo;
  before?: Reading;
  after?: Reading;
  process?: ProcessStatus;
  samples?: SampleSeries;
  stderrTail?: string;
  /** What each neighbour of the cell's neighbour set did while this run ran, in the set's order. */
  neighbours?: NeighbourRun[];
  /** The figures the workload reported about itself (the metrics protocol, or a known format such as fio's). */
  namedMetrics?: Record<string, NamedMetric>;
  /** A service's run: what the load generator saw beyond the named figures (throughput and percentiles). */
  load?: RunLoad;
  /** A service driven by a client command of the user's: what it cost (its figures are the named metrics). */
  client?: RunClient;
}

/** A client command's own cost over a service run, read from /proc every 100 ms while it ran. */
export interface RunClient {
  /** Its CPU time (all threads), ns: booked outside the measured group. */
  cpuNs: NonNegative;
  /** Its busiest thread's CPU over its wall time (1 = a full CPU: the client, not the server, set the pace). */
  threadBusyMax: NonNegative;
  wallNs: NonNegative;
  /** Why the client, not the server, set the pace; absent when it did not. */
  bottleneck?: string;
}

/** The load generator's side of a service run (its figures are the run's named metrics). */
export interface RunLoad {
  mode: LoadMode;
  /** CLOCK_MONOTONIC ns of the schedule's start: the clock of the launcher's readings. */
  t0Ns: number;
  /** The generator's own CPU time, ns: booked outside the measured group. */
  cpuNs: NonNegative;
  /** The busiest generator thread's CPU over its wall time (1 = saturated). */
  threadBusyMax: NonNegative;
  /** Why the generator, not the server, set the pace (analysis/load.ts); absent when it did not. */
  bottleneck?: string;
  /** Answers, errors and latency percentiles per interval. */
  series: LoadSeries;
}

/** One neighbour over one measured run: every time it ran (it is restarted when it finishes). */
export interface NeighbourRun {
  /** @minLength 1 */
  label: string;
  placement: NeighbourPlacement;
  /** Times it was started, and how many of them finished with a result before it was stopped. */
  starts: Count;
  completed: Count;
  /** Its wall time from first start to stop, ns, and the CPU its processes used meanwhile, us. */
  wallNs: NonNegative;
  cpuUs: NonNegative;
  /** Over its completed runs: their work and their own (self-timed) wall time, ns. */
  ops?: NonNegative;
  bytes?: NonNegative;
  completedWallNs?: NonNegative;
  /** A start that failed (not a finish or the stop): what it said. */
  error?: string;
  /** Its own group's figures over its starts (each start's readings, summed); absent for a neighbour in
   *  the measured group (whose counters are the measured run's) and where the launcher read nothing. */
  group?: GroupFigures;
}

/** What a group did over one or more spans of readings (model/metrics.ts groupFigures). */
export interface GroupFigures {
  /** Wall time the readings span, ns. */
  spanNs: NonNegative;
  ioReadBytes?: number;
  ioWriteBytes?: number;
  ioReadOps?: number;
  ioWriteOps?: number;
  majorFaults?: number;
  /** Page-cache pages evicted and read back (workingset_refault_file). */
  refaults?: number;
  /** v2: pages reclaimed from the group (pgsteal). */
  reclaimed?: number;
  oomKills?: number;
  /** v2 PSI: time at least one of its tasks stalled on memory, IO or a CPU, us. */
  memoryStallUs?: number;
  ioStallUs?: number;
  cpuStallUs?: number;
  /** The most memory the group held, and its page cache at the last reading, bytes. */
  peakBytes?: number;
  fileBytes?: number;
}

/** One repetition of a cell: a union keyed on its outcome (an ok run has metrics, any other a message).
 *  @discriminator outcome */
export type Run =
  | (RunBase & { outcome: 'ok'; metrics: WorkloadMetrics })
  | (RunBase & { outcome: 'oom-killed'; message: string; metrics?: WorkloadMetrics })
  | (RunBase & { outcome: 'failed'; message: string; metrics?: WorkloadMetrics })
  | (RunBase & { outcome: 'timeout'; message: string; metrics?: WorkloadMetrics })
  | (RunBase & { outcome: 'interrupted'; message: string; metrics?: WorkloadMetrics });

/** Order statistics and spread of one metric over a cell's measured runs. */
export interface Stats {
  n: PositiveInt;
  min: number;
  max: number;
  mean: number;
  median: number;
  sd: number;
  mad: number;
  /** Coefficient of variation, sd / mean. */
  cv: number;
  /** 95 % confidence interval of the mean (Student t). */
  ci95: [number, number];
  /** Distribution-free 95 % interval of the median (order statistics); n >= 6 only. */
  medianCi95?: [number, number];
  outliers: number[];
}

export interface CellSummary {
  measuredRuns: Count;
  outcomes: Partial<Record<Outcome, Count>>;
  /** Runs (warm-ups included) that ended in an outcome the cell does not expect (failed, timeout, an
   *  unexpected OOM kill): any of them makes `cgbench run` exit 4. */
  unexpectedRuns?: Count;
  wall?: Stats;
  medianWallNs: NonNegative | null;
  slowdown: NonNegative | null;
  /** 95 % interval of the slowdown (the ratio of the cell's and its baseline's median run times), in either
   *  order: distribution-free over the ratio of the two cells' run times (the Mann-Whitney interval of the
   *  scale ratio). Absent when too few runs allow one. */
  slowdownRange?: [number, number];
  /** Without slowdownRange: measured runs this cell needs (at its baseline's count) for a 95 % interval. */
  slowdownRunsNeeded?: PositiveInt;
  /** Interleaved order: the blocks in which this cell and its baseline both have a measured run (their runs
   *  spread over the same stretches of time; the slowdown does not pair them). Absent in sequential order. */
  slowdownPairs?: PositiveInt;
  expectedSlowdown: NonNegative | null;
  /** CPUs actually used on average during the run (CPU time / wall time). */
  cpuGranted: NonNegative | null;
  /** CPUs allowed by the quota (quota / period). */
  cpuQuota: NonNegative | null;
  /** cpuGranted / cpuQuota. */
  cpuEnforcement: NonNegative | null;
  /** Δnr_throttled / Δnr_periods. */
  throttleRatio: NonNegative | null;
  /** CPU time per unit of work relative to the baseline (cpu workloads): above 1 means the same
   *  work cost more CPU under the limit, which stretches the slowdown beyond the quota's p/q. */
  cpuCostRatio?: NonNegative;
  /** The run-level evidence for a change in that cost (analysis/evidence.ts); absent without a baseline or in
   *  older documents. */
  costEvidence?: CostEvidence;
  /** Throttled time per wall second, ms/s. */
  throttledMsPerSec: NonNegative | null;
  peakMemoryBytes: NonNegative | null;
  oomKills: Count;
  majorFaults: number | null;
  /** Bytes moved per second of the workload's wall time (its own byte count), MB/s = 1e6 B/s. */
  ioBytesPerSec: NonNegative | null;
  ioLimitBytesPerSec: NonNegative | null;
  ioEnforcement: NonNegative | null;
  /** The rate the throttle allows this run, B/s: from the throttle itself to what its initial
   *  allowance (one throttle slice at the full rate) adds over the run's bytes. */
  ioExpectedBytesPerSec?: [number, number];
  /** Median docker start-up or native launch overhead, ns. */
  medianStartupNs: NonNegative | null;
  latency?: { p50Ns: number; p99Ns: number; maxNs: number; /** p99 over the baseline's p99. */ p99Ratio?: NonNegative };
  /** 95 % intervals of the medians above, for readers that print a value with its interval (trackers,
   *  metrics): distribution-free from 6 measured runs, the mean's t interval below that, none from one run. */
  ranges?: CellRanges;
  /** CPU use folded onto the CFS period (cells with a CPU quota and sampled runs). */
  phase?: PhaseView;
  /** Cells measured next to neighbours: the slowdown taken apart (analysis/contention.ts). */
  contention?: ContentionView;
  /** The figures the workload reported about itself, each over the measured runs, in the order first seen. */
  namedMetrics?: NamedMetricSummary[];
}

/** A figure a workload reported about itself (programs/metrics.ts): its value, unit and which way is better. */
export interface NamedMetric {
  value: number;
  /** As the workload wrote it ("ops/s", "ms", "B/s"); "" for a count. */
  unit: string;
  direction: Direction;
}

/** One named figure of a cell over its measured runs. */
export interface NamedMetricSummary {
  name: string;
  unit: string;
  direction: Direction;
  stats: Stats;
  /** Median over the baseline cell's median, and its distribution-free 95 % interval where the runs allow one. */
  vsBaseline?: number;
  vsBaselineRange?: [number, number];
}

/** The intervals of a cell's medians (CellSummary.ranges): each key is the median's field. */
export interface CellRanges {
  wallNs?: [number, number];
  cpuGranted?: [number, number];
  ioBytesPerSec?: [number, number];
  p99Ns?: [number, number];
}

/**
 * A cell measured next to neighbours, against its workload's alone cell under the same limits, in its
 * resource's own terms. CPU workloads: its slowdown is exactly costRatio / shareKept, the CPU share it lost
 * (the scheduler's doing, which limits and weights control) and the extra CPU time the same work cost
 * (interference no cgroup limit controls). Page-cache and memory workloads: the working set kept (disk reads
 * and faults per pass against alone, refaults). IO workloads: the rate and IOPS kept. The verdict names what
 * was lost and what protected it, or says the cause is unknown.
 */
export interface ContentionView {
  /** The cell it is taken apart against (same workload, limit set and runtime, alone). */
  /** @minLength 1 */
  aloneCellId: string;
  /** What the workload's work depends on (analysis/resources.ts): the terms its view is in. */
  resource: 'cpu' | 'page cache' | 'memory' | 'disk' | 'unknown';
  /** Per run: its wall time over the alone cell's median (1 = as fast as alone). */
  timeVsAlone: Stats | null;
  /** CPUs the measured workload used: its own CPU time over its own wall time, per measured run. */
  cpuShare: Stats | null;
  aloneCpuShare: NonNegative | null;
  /** Per run: its CPU share over the alone cell's median share (1 = it lost none). */
  shareKept: Stats | null;
  /** Per run: its CPU time per unit of work over the alone cell's median (1 = the work cost the same). */
  costRatio: Stats | null;
  /** The fair-share model's CPUs for the measured workload (by weight per CPU, capped by quotas, on the
   *  host's CPUs, with placement), and over the alone model's; null where no simple model holds. */
  expectedCpuShare: NonNegative | null;
  expectedShareKept: NonNegative | null;
  /** Why there is no model, when there is none. */
  modelNote?: string;
  /** p99 latency over the alone cell's (latency workloads). */
  p99Ratio?: NonNegative;
  /** Page-cache, memory and command workloads: what memory kept for it. */
  memory?: MemoryProtection;
  /** IO and command workloads: what the disk gave it. */
  io?: IoProtection;
  /** v2 PSI "some" (share of its wall time a task of its group waited for the resource), %, medians beside
   *  the neighbours and alone; absent without PSI (v1) or in a group a neighbour shares. */
  pressure?: Partial<Record<'cpu' | 'memory' | 'io', { pct: NonNegative; alonePct: NonNegative | null }>>;
  verdict: ProtectionVerdict;
  neighbours: NeighbourSummary[];
}

/** Memory's side of the protection view: figures per pass over the working set (per run for other kinds). */
export interface MemoryProtection {
  /** Bytes read from storage per pass (its own /proc/self/io count, else its group's reads), per run. */
  diskReadsPerPass: Stats | null;
  aloneDiskReadsPerPass: NonNegative | null;
  /** Per run: its disk reads over the alone cell's median (1 = memory served it as well as alone). */
  diskReadsVsAlone: Stats | null;
  /** Median bytes per run read from storage beyond alone: the working set it lost and read again. */
  extraDiskReadBytes: number | null;
  /** Medians per pass: major faults, and page-cache refaults (memory.stat workingset_refault_file). */
  majorFaultsPerPass: NonNegative | null;
  aloneMajorFaultsPerPass: NonNegative | null;
  refaultsPerPass: NonNegative | null;
  aloneRefaultsPerPass: NonNegative | null;
  /** v2: pages reclaimed from its group per pass (memory.stat pgsteal). */
  reclaimedPerPass: NonNegative | null;
  aloneReclaimedPerPass: NonNegative | null;
  /** OOM kills over the measured runs, beside the neighbours and alone. */
  oomKills: Count;
  aloneOomKills: Count;
}

/** The disk's side of the protection view. */
export interface IoProtection {
  /** Its bytes per second (its own count over its timed wall), per run. */
  bytesPerSec: Stats | null;
  aloneBytesPerSec: NonNegative | null;
  /** Per run: its rate over the alone cell's median (1 = the disk served it as alone). */
  rateKept: Stats | null;
  /** Medians: IOs per second, and wall time per IO, us (one IO at a time: its latency per IO). */
  iops: NonNegative | null;
  aloneIops: NonNegative | null;
  usPerIo: NonNegative | null;
  aloneUsPerIo: NonNegative | null;
}

/** The row's reading in words: the resource it lost (null: none; 'unknown': slower, no figure says why). */
export interface ProtectionVerdict {
  lost: 'cpu share' | 'cpu time' | 'latency' | 'page cache' | 'memory' | 'disk bandwidth' | 'unknown' | null;
  /** @minLength 1 */
  text: string;
}

/** One neighbour of a cell, over the cell's measured runs (medians). */
export interface NeighbourSummary {
  /** @minLength 1 */
  label: string;
  placement: NeighbourPlacement;
  /** CPUs it used while it ran (CPU time over wall time). */
  cpus: NonNegative | null;
  /** Its throughput over its completed runs (its own ops and bytes over its own wall time). */
  opsPerSec: NonNegative | null;
  bytesPerSec: NonNegative | null;
  /** Median starts per measured run (restarts included). */
  starts: NonNegative;
  /** Its own group (absent in the measured group): the most memory it held and its page cache, bytes; its
   *  OOM kills over the measured runs; the bytes per second its group read and wrote on disk. */
  peakMemoryBytes?: NonNegative | null;
  cacheBytes?: NonNegative | null;
  oomKills?: Count;
  diskReadBytesPerSec?: NonNegative | null;
  diskWriteBytesPerSec?: NonNegative | null;
  /** Its limits on the resource the view is about ("mem 64 MiB", "write 20.0 MB/s"); absent: none. */
  limit?: string;
}

/** Where in each CFS period a group ran and where it stalled: its measured runs' CPU use folded onto
 *  the phase 0..period (analysis/phase.ts). */
export interface PeriodPhase {
  status: 'folded';
  /** @exclusiveMinimum 0 */
  periodMs: number;
  /** The quota per period, ms of CPU time. @exclusiveMinimum 0 */
  quotaMs: number;
  /** Width of one phase bin, ms: the sample step or the counter's step, whichever is longer (at least 1 ms),
   *  dividing the period evenly. @exclusiveMinimum 0 */
  binMs: number;
  /** The sample step the runs were folded from, ms (interval times the launcher's stride). @exclusiveMinimum 0 */
  stepMs: number;
  /** How often the group's CPU counter moved while it could run, ms: the median gap between the samples in which
   *  it rose. The kernel counts a running task's time at the scheduler tick, so this is the tick (4 ms at
   *  HZ=250) when sampling is finer. Absent in older documents. @exclusiveMinimum 0 */
  counterStepMs?: number;
  /** Complete periods folded, over all measured runs. */
  periods: Count;
  /** CPUs in use in each phase bin: median, 10th and 90th percentile over the periods. */
  cpuMedian: number[];
  cpuP10: number[];
  cpuP90: number[];
  /** Share of the folded periods at whose end the group was throttled (nr_throttled stepped).
   *  @minimum 0 @maximum 1 */
  throttledShare: number;
  /** Median phase, ms, by which a throttled period had used 95 % of its CPU time; null: never throttled. */
  quotaUsedByMs: NonNegative | null;
  /** Median throttled time of a throttled period, ms, summed over CPUs as the kernel counts it. */
  throttledMsPerPeriod: NonNegative | null;
  /** Longest wall time from a throttled period's quota running out (as above) to the period's end, ms. */
  longestStallMs: NonNegative | null;
}

/** Why a cell's runs could not be folded onto the period, and the sampling interval that would do. */
export interface PhaseUnavailable {
  status: 'too-coarse' | 'too-irregular' | 'too-short' | 'no-boundaries';
  /** @exclusiveMinimum 0 */
  periodMs: number;
  /** @exclusiveMinimum 0 */
  stepMs: number;
  /** @minLength 1 */
  reason: string;
  /** A --sample-interval (ms) that would give the view; absent when no interval would (runs too long). */
  useIntervalMs?: number;
}

export type PhaseView = PeriodPhase | PhaseUnavailable;

export type WarningCode =
  | 'noisy'
  | 'noisy-host'
  | 'too-few-runs'
  | 'limit-no-effect'
  | 'limit-harsher-than-model'
  | 'buffered-io-v1'
  | 'memory-limit-on-cpu'
  | 'no-baseline'
  | 'runs-failed'
  | 'unsupported-limit'
  | 'interrupted'
  | 'unfinished'
  | 'sampler-overhead'
  | 'quota-burst'
  | 'phase-not-drawn'
  | 'concurrent-suites'
  | 'generator-bottleneck'
  | 'carry-over';

export interface Warning {
  /** A stable warning code; new codes may be added within schemaVersion 1, so readers must accept unknown ones.
   *  @asType string
   *  @pattern ^[a-z0-9]+(-[a-z0-9]+)*$ */
  code: WarningCode;
  cellId?: string;
  /** One sentence for readers of one warning (JSON consumers). */
  message: string;
  /** The cell's own figure, short ("± 8.1 %", "1.05x vs 4.00x"): what a grouped line lists after the cell. */
  detail?: string;
  hint?: string;
  /** Merged documents: the host (HostEntry name) a warning about a whole suite came from. */
  host?: HostName;
}

/** A limit a cell's runtime cannot set and ran without, decided before the first run. */
export interface NotApplied {
  /** The knob (model/knobs.ts KNOBS key), and what it is in words: "cpu burst". */
  knob: string;
  limit: string;
  /** Why this runtime cannot set it. */
  reason: string;
  /** Whose limit: absent for the cell's own, else 'neighbour "NAME"' or 'parent'. */
  of?: string;
  /** Runtimes that can set it, to compare with. */
  runtimes: RuntimeName[];
  /** Where to see it applied, when that is not another runtime (a cgroup v2 host). */
  hint?: string;
}

export interface Cell {
  /** @minLength 1 */
  id: string;
  /** @minLength 1 */
  workload: string;
  kind: WorkloadKind;
  params: WorkloadParams;
  runtime: RuntimeName;
  /** @minLength 1 */
  limitSet: string;
  limits: Limits;
  /** The neighbours its runs are measured next to; absent: alone (also in older documents). */
  neighbourSet?: NeighbourSet;
  /** The outcomes a run may end with and still be a result (see analysis/expected.ts); absent in older documents. */
  expect?: ExpectedOutcome[];
  /** Limits its runtime ran without (it declares them `skip` in the runtime registry); absent: every limit applied. */
  notApplied?: NotApplied[];
  /** Id of the cell this one is compared with (same workload and runtime, no limits, alone). */
  baselineId: string | null;
  /** The sampling interval its runs used and why (absent in older documents: the scenario's). */
  sampling?: CellSampling;
  /** Cluster runtimes: the node every run of this cell ran on. */
  node?: NodeInfo;
  runs: Run[];
  summary: CellSummary;
  /** Merged documents (`cgbench merge`): the name of the host it ran on, one of the document's `hosts`. */
  host?: HostName;
}

export interface HostInfo {
  hostname: string;
  kernel: string;
  distro: string;
  arch: string;
  cpuModel: string;
  cpuCount: PositiveInt;
  memoryBytes: NonNegative;
  cgroup: { mode: CgroupMode; driver: 'v1' | 'v2'; controllers: string[]; root: string };
  /** `rotational` decides the IO throttle's slice (and so its initial allowance): 100 ms, or 20 ms on SSDs. */
  disk?: { scratchDir: string; device: string; fsType: string; model?: string; rotational?: boolean };
  /** The Docker Engine of the docker runtime (older documents: of any docker cells). */
  docker?: { version: string; storageDriver: string; cgroupDriver: string; cgroupVersion: string };
  /** The engines of the other runtimes that have one, by runtime name (model/engines.ts reads both). */
  engines?: Record<RuntimeName, EngineInfo>;
  /** A VM that hands free memory back to its hypervisor (virtio-balloon free page reporting): free blocks of
   *  2^order pages, a second or two after they are freed. A run that allocates them again pays the
   *  hypervisor's faults as its own CPU time. Absent where it is off or the host is not a local one. */
  freePageReporting?: { order: NonNegative };
  node: string;
  cgbenchVersion: string;
}

/** What a runtime says about its engine, for the document, doctor and the history's host match. */
export interface EngineInfo {
  /** As reports name it: "Podman". */
  name: string;
  version: string;
  storageDriver: string;
  cgroupDriver: string;
  cgroupVersion: string;
}

/** The cgbench process writing a document, so a reader can tell a running suite from a killed one. */
export interface Writer {
  pid: PositiveInt;
  hostname: string;
  /** /proc/sys/kernel/random/boot_id: a pid means nothing after a reboot. */
  bootId?: string;
}

/** Another cgbench suite that measured this host while this one ran (so its load is in this one's figures). */
export interface OtherSuite {
  pid: PositiveInt;
  scenario: string;
  /** Its output directory. */
  out: string;
  runtimes: RuntimeName[];
  /** When it began to measure (its turn came), ISO 8601. */
  since: Timestamp;
}

/** The other measuring suites on this host: the ones this suite waited for, and any that ran beside it. */
export interface SuiteConcurrency {
  /** Started with --allow-concurrent: it did not wait for the suites before it. */
  allowed: boolean;
  /** How long it waited for earlier suites to finish before its first run, ms. */
  waitedMs: NonNegative;
  /** Suites that measured this host while this one did, in the order they were seen. */
  beside: OtherSuite[];
}

/** One host of a merged document: the name its cells carry and what its own document said of it. */
export interface HostEntry {
  /** The label given to `cgbench merge` (FILE=NAME), else the hostname (with the kernel when two hosts share one). */
  name: HostName;
  host: HostInfo;
  createdAt: Timestamp;
  finishedAt: Timestamp | null;
  status: DocumentStatus;
  writer?: Writer;
  concurrency?: SuiteConcurrency;
  /** The scenario as this host ran it: settings (repetitions, runtimes, scratch) may differ between hosts. */
  scenario: Scenario;
  scenarioHash: ScenarioHash;
  /** How this host's suite ordered its runs. */
  schedule?: Schedule;
}

/** How the suite ordered its runs: the order and, when interleaved, the seed of the blocks' shuffles
 *  (`--seed` repeats it). Each run's `seq` and `block` record where it ran. */
export interface Schedule {
  order: RunOrder;
  /** @asType integer @minimum 0 */
  seed?: number;
}

/** Where a suite run stands. `unfinished` is never written: readers set it for a `running` document whose
 *  writer (pid, host, boot) is gone (killed). */
export type DocumentStatus = 'running' | 'complete' | 'interrupted' | 'failed' | 'unfinished';

/**
 * One suite run of cgbench: host context, scenario, cells with their runs, samples and derived summary, and
 * warnings. The stable contract every reporter reads; its JSON Schema is generated from this type.
 */
/** One round of the calibration loop: a fixed CPU loop (the built-in cpu workload, one thread, no limits) run a
 *  few times back to back. */
export interface CalibrationRound {
  at: 'start' | 'end';
  startedAt: Timestamp;
  /** Each run's wall time and CPU time, ns, as the loop timed itself. */
  wallNs: NonNegative[];
  cpuNs: NonNegative[];
}

/** The host's own noise, so a reader can tell a noisy host from a noisy workload (analysis/noise.ts). */
export interface HostCalibration {
  /** What ran each time: "cgbench-cpu --iterations 100000000 --threads 1". */
  command: string;
  rounds: CalibrationRound[];
  /** MAD / median of every round's wall times together: how much the same work's time swings on this host. */
  wallSpread?: NonNegative;
  /** The same of the CPU times: the CPU's own speed, without the time spent waiting for a CPU. */
  cpuSpread?: NonNegative;
  /** The end round's median wall time over the start round's: the host's drift over the suite. */
  drift?: NonNegative;
}

export interface ResultDocument {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'cgbench'; version: string };
  createdAt: Timestamp;
  finishedAt: Timestamp | null;
  status: DocumentStatus;
  writer?: Writer;
  /** Suites that measure this host (native, a local engine): the others it waited for or ran beside. */
  concurrency?: SuiteConcurrency;
  /** The host context; in a merged document, the first host's (`hosts` has them all, each with its own
   *  schedule). */
  host: HostInfo;
  /** Merged documents only (two or more hosts): every host, in input order; each cell names its own. @minItems 2 */
  hosts?: HostEntry[];
  scenario: Scenario;
  scenarioHash: ScenarioHash;
  /** How the suite ordered its runs; absent in older documents (every cell's runs back to back). */
  schedule?: Schedule;
  /** The host's own noise, measured at the suite's start and end (suites that measure this host). */
  calibration?: HostCalibration;
  cells: Cell[];
  warnings: Warning[];
  /** `cgbench fit` documents: the search, its probes (cells of this document) and its answer. */
  fit?: FitReport;
}

// ---------------------------------------------------------------------------------------------
// `cgbench fit`: the smallest value of a knob that meets objectives, found by measurement. analysis/slo.ts
// reads the objectives, analysis/fit.ts searches; every probe is a cell of the document.

export type SloOp = '<=' | '<' | '>=' | '>';

/** An objective on one figure of a cell's runs: "p99 <= 20ms", "throughput >= 0.95x". */
export interface Slo {
  /** As the user wrote it. */
  text: string;
  /** A figure analysis/slo.ts knows (p50, p90, p99, p999, max, mean, throughput, wall, slowdown) or the
   *  workload's own metric, by its key in the runs' metrics. */
  figure: string;
  op: SloOp;
  /** The bound: ns for times, per second for throughput, a ratio for slowdown, the metric's own unit
   *  otherwise; a multiple of the baseline's median when `relative`. */
  bound: number;
  relative: boolean;
}

/** The knobs fit searches: CPUs (a quota at the default period), memory.max, memory.high. */
export type FitKnob = 'cpus' | 'memory' | 'memory-high';

export interface FitSettings {
  knob: FitKnob;
  /** The values searched, in the knob's unit (CPUs, bytes): bottom and top. */
  range: [number, number];
  /** The answer is at most this share above the smallest value that holds (0.05). */
  precision: number;
  /** The one-sided confidence of each decision (0.95). */
  confidence: number;
  /** Measured runs a probe starts with, and the most it gets before it is called undecided. */
  runs: number;
  maxRuns: number;
  /** Probes of the first, coarse scan between the bottom and the top of the range. */
  scan: number;
  /** Probes run at once: one per node of a cluster runtime, else 1. */
  parallel: number;
  slos: Slo[];
}

/** A probe's verdict: every SLO holds with the confidence, one fails with it, or the runs allowed could not tell. */
export type ProbeVerdict = 'holds' | 'fails' | 'undecided';

/** One SLO at one probe: its figure over the runs and what the statistics say. */
export interface SloCheck {
  slo: string;
  /** Median of the runs' figures (relative SLOs: a multiple of the baseline's median); null without ok runs. */
  median: number | null;
  /** One-sided bounds of that median at the confidence (low, high); null from fewer than two ok runs. */
  bounds: [number, number] | null;
  /** `order`: the median's order statistics; `t`: the mean's t bounds (too few runs for order statistics). */
  method?: 'order' | 't';
  verdict: ProbeVerdict;
}

/** Which part of the search asked for a probe. */
export type ProbeRole = 'baseline' | 'top' | 'scan' | 'bisect' | 'bottom';

/** The knob itself (`quota`: the plain setting) or an alternative tried at the answer. */
export type FitSeries = 'quota' | 'period' | 'burst' | 'cpuset';

export interface FitProbe {
  series: FitSeries;
  /** The knob's value (CPUs, bytes; whole CPUs for a cpuset); null: the baseline, unlimited. */
  value: number | null;
  cellId: string;
  role: ProbeRole;
  /** Measured runs, and those that did not end ok (each misses every SLO: a killed service meets none). */
  runs: number;
  failedRuns: number;
  /** `pending`: its runs are still under way, or it needs more of them. */
  verdict: ProbeVerdict | 'pending';
  checks: SloCheck[];
}

/** A probe as the answer refers to it. */
export interface FitPoint {
  value: number;
  cellId: string;
}

export interface FitAnswer extends FitPoint {
  /** The probe below it that failed (or stayed undecided); null when the answer is the bottom of the range. */
  failsBelow: FitPoint | null;
  /** Where in the range: the top (the workload needs all it allows), the bottom (lower the range to see
   *  further), or inside. */
  at: 'top' | 'bottom' | 'inside';
  checks: SloCheck[];
  /** What the workload used, in the knob's unit (CPU time over wall time; peak memory): at the answer and
   *  unlimited. What a recommender from usage would see. */
  used: number | null;
  usedUnlimited: number | null;
}

/** An alternative to the plain quota at the answer: a shorter period, a burst, whole CPUs (cpuset). */
export interface FitAlternative {
  series: Exclude<FitSeries, 'quota'>;
  /** "20 ms period", "burst of one quota", "whole CPUs (cpuset)". */
  label: string;
  /** `lower`: meets every SLO below the plain answer; `not-lower`: fails where the plain quota fails;
   *  `untested`: not measured (the reason says why). */
  verdict: 'lower' | 'not-lower' | 'untested';
  /** The smallest value found that holds. */
  answer?: FitPoint;
  /** One or two sentences: what was measured, and the period phase's why where it was drawn. */
  reason: string;
  /** Its answer as settings (docker flags, systemd properties, what cannot be expressed). */
  paste?: string;
}

/** Where the response went the wrong way: a value that holds below one that fails, or a figure significantly
 *  worse with more of the knob. */
export interface FitInversion {
  lower: FitPoint;
  /** value null: unlimited. */
  higher: { value: number | null; cellId: string };
  what: string;
}

/** The answer as settings to paste. */
export interface FitPaste {
  /** `docker run` flags. */
  docker: string;
  /** A Kubernetes container's `resources:` block (YAML). */
  kubernetes: string;
  /** `systemctl set-property UNIT ...` properties. */
  systemd: string;
  /** What a target cannot express (memory.high in Kubernetes and Docker), one line each. */
  notes: string[];
}

export interface FitReport {
  settings: FitSettings;
  status: 'searching' | 'found' | 'none' | 'interrupted';
  probes: FitProbe[];
  answer?: FitAnswer;
  /** No value in the range meets every SLO: which fails where (at the top, or even unlimited). */
  reason?: string;
  inversions: FitInversion[];
  alternatives: FitAlternative[];
  paste?: FitPaste;
  /** Measured runs fit took, and what a uniform sweep of the range at the same precision and runs would take. */
  runs: number;
  sweepRuns: number;
}

// ---------------------------------------------------------------------------------------------
// Comparing two result documents (`cgbench compare`): computed by analysis/compare.ts, rendered by
// reporters/compare.ts.

/** `named`: a figure the workload reported about itself (its name is the comparison's label); unit `own`: its
 *  unit as the workload wrote it (MetricComparison.ownUnit). */
export type CompareMetric =
  | 'wall'
  | 'slowdown'
  | 'cpuGranted'
  | 'throttleRatio'
  | 'ioBytesPerSec'
  | 'diskReadsPerPass'
  | 'refaultsPerPass'
  | 'iops'
  | 'cpuShare'
  | 'cpuStall'
  | 'memoryStall'
  | 'ioStall'
  | 'peakMemory'
  | 'named';
export type MetricUnit = 'ns' | 'x' | 'cpus' | 'ratio' | 'bytes/s' | 'bytes' | 'pages' | 'ops/s' | 'pct' | 'own';

/**
 * Which way is worse. `neutral` metrics are shown but never gate: the CPU a group is granted is a
 * cause, and its effect is already judged by wall time and slowdown.
 */
export type Direction = 'lower-is-better' | 'higher-is-better' | 'neutral';

export type MetricVerdict = 'regression' | 'improvement' | 'within-threshold' | 'changed' | 'unchanged' | 'not-comparable';

export interface MetricComparison {
  metric: CompareMetric;
  label: string;
  unit: MetricUnit;
  /** A named figure's own unit ("ops/s"; "" for a count). */
  ownUnit?: string;
  direction: Direction;
  /** Median over the measured runs (slowdown: the summary's ratio of medians). */
  base: number | null;
  current: number | null;
  /** 95 % interval (of the mean; slowdown: the summary's slowdownRange). */
  baseInterval: [number, number] | null;
  currentInterval: [number, number] | null;
  baseRuns: number;
  currentRuns: number;
  /** (current - base) / base, in percent; null when base is 0 or missing. */
  changePct: number | null;
  /** Both intervals known (>= 2 runs each) and apart. */
  intervalsApart: boolean | null;
  /** Two-sided Mann-Whitney U p-value on the per-run values; null with no runs on one side. */
  pValue: number | null;
  significant: boolean;
  verdict: MetricVerdict;
}

export interface OutcomeComparison {
  base: Partial<Record<Outcome, number>>;
  current: Partial<Record<Outcome, number>>;
  baseOkPct: number | null;
  currentOkPct: number | null;
  /** More runs failed, were OOM-killed or timed out than before, by more than the threshold. */
  regression: boolean;
}

export interface CellComparison {
  key: string;
  workload: string;
  runtime: string;
  limitSet: string;
  baseCellId: string;
  currentCellId: string;
  /** The workload's parameters changed between the documents (compared anyway, flagged). */
  paramsDiffer: boolean;
  outcomes: OutcomeComparison;
  metrics: MetricComparison[];
  verdict: 'regression' | 'improvement' | 'unchanged';
}

export interface UnmatchedCell {
  cellId: string;
  side: 'base' | 'current';
  reason: string;
}

export interface DocumentRef {
  scenario: string;
  scenarioHash: string;
  createdAt: string;
  status: ResultDocument['status'];
  hostname: string;
  cgbenchVersion: string;
  /** Set when the side is one host of a merged document (`compare --hosts A,B`): its name there. */
  host?: string;
  /** Set when the base is pooled from the history store (`compare --baseline history[:N]`). */
  history?: HistoryBaselineRef;
}

export interface CompareResult {
  thresholdPct: number;
  /** The significance level of the rank test. */
  alpha: number;
  base: DocumentRef;
  current: DocumentRef;
  cells: CellComparison[];
  unmatched: UnmatchedCell[];
  /** Different hosts, scenarios or partial documents: allowed, but the reader must know. */
  warnings: string[];
  regressions: number;
  improvements: number;
  /** The gate's verdict: a significant regression beyond the threshold in some cell. */
  failed: boolean;
  /** What `cgbench compare` exits with: 1 on a regression, else 0. */
  exitCode: 0 | 1;
}

// ---------------------------------------------------------------------------------------------
// History (`cgbench history`, `compare --baseline history`): what the store keeps, computed into
// baselines and trends by analysis/baseline.ts and analysis/trend.ts, rendered by reporters/.

/** A stored result document, as `history list` shows it. */
export interface StoredDocument {
  /** sha256 of the document's canonical JSON: the same document always gets the same id. */
  id: string;
  createdAt: string;
  finishedAt: string | null;
  status: ResultDocument['status'];
  hostname: string;
  kernel: string;
  cgroupMode: CgroupMode;
  cpuModel: string;
  runtimes: RuntimeName[];
  scenario: string;
  scenarioHash: string;
  cgbenchVersion: string;
  cells: number;
  runs: number;
  /** The file the document was added from, and its sha256 then: the sample series stay in that file. */
  sourcePath: string;
  sourceSha256: string;
  addedAt: string;
}

/** Which stored documents a command looks at; every field narrows, none means all. */
export interface HistoryFilter {
  host?: string;
  kernel?: string;
  cgroupMode?: CgroupMode;
  /** Documents with at least one cell on this runtime. */
  runtime?: RuntimeName;
  scenario?: string;
  /** Only the most recent N documents (after the other filters). */
  last?: number;
}

export interface HistoryAddOutcome {
  path: string;
  id: string;
  /** False when the store already had this document (adding it again is a no-op). */
  added: boolean;
}

/** Host facts a baseline night must share with the current document (`--match`); the cell's runtime always matches. */
export type HostMatchField = 'kernel' | 'cgroup' | 'cpu' | 'runtime' | 'host';

/** The host facts `--match` compares, as stored with each document. */
export interface HostFacts {
  hostname: string;
  kernel: string;
  cgroupMode: CgroupMode;
  cpuModel: string;
  /** Each runtime's engine version, by runtime name (model/engines.ts): the Docker Engine's, Podman's. */
  engines: Record<RuntimeName, string>;
}

/** A stored night of a cell before its runs are loaded: enough to choose a baseline's nights. */
export interface NightCandidate {
  docId: string;
  cellId: string;
  /** model/canonical.ts cellKey. */
  key: string;
  createdAt: string;
  facts: HostFacts;
}

/** One stored night of a cell: the cell as stored (its runs without sample series) and its document's context. */
export interface NightCell {
  docId: string;
  createdAt: string;
  host: HostInfo;
  scenarioHash: string;
  cell: Cell;
}

export interface HistoryBaselineRef {
  /** The most nights pooled per cell (N of history:N). */
  nightsPerCell: number;
  /** Distinct stored documents the pooled cells come from. */
  documents: number;
  /** createdAt of the oldest and newest pooled night. */
  from: string;
  to: string;
  hosts: string[];
  match: HostMatchField[];
}

/** One night of one cell in a trend. */
export interface TrendPoint {
  docId: string;
  createdAt: string;
  /** Measured runs that ended ok. */
  runs: number;
  medianWallNs: number | null;
  /** 95 % interval of the median (order statistics, n >= 6), else of the mean. */
  intervalNs: [number, number] | null;
  /** The model's expected slowdown times this night's baseline median; null for baselines or with no model. */
  expectedWallNs: number | null;
  slowdown: number | null;
  expectedSlowdown: number | null;
  /** The history gate's verdict for this night against the nights before it; null with too few such nights. */
  change: 'regression' | 'improvement' | 'unchanged' | null;
  /** The metrics behind a regression or improvement, e.g. "median wall +15.2 %". */
  changed: string[];
  /** Nights the verdict pooled. */
  baselineNights: number;
}

export interface TrendSeries {
  key: string;
  workload: string;
  kind: WorkloadKind;
  runtime: RuntimeName;
  limitSet: string;
  limits: Limits;
  /** The workload's unlimited cell (no slowdown, no expected value). */
  baseline: boolean;
  points: TrendPoint[];
}

/** A night where the host's kernel, cgroup mode or CPU differs from the night before (or the first night). */
export interface HostContext {
  createdAt: string;
  kernel: string;
  cgroupMode: CgroupMode;
  cpuModel: string;
}

export interface HostTrend {
  hostname: string;
  nights: number;
  from: string;
  to: string;
  contexts: HostContext[];
  series: TrendSeries[];
}

export interface TrendReport {
  /** Nights before each night that its change mark pools (N of history:N). */
  windowNights: number;
  thresholdPct: number;
  match: HostMatchField[];
  documents: number;
  filter: HistoryFilter;
  hosts: HostTrend[];
}
