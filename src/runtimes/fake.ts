// A fake runtime that simulates workloads under limits with a simple model and no processes, and
// reports like the launcher, so the scheduler, analysis, reporters and CLI can be tested without root.

import { monotonicNs } from '../model/clock.js';
import { CgbenchError } from '../model/errors.js';
import { DEFAULT_CPU_PERIOD_US, DEFAULT_CPU_WEIGHT, keptBudget } from '../model/defaults.js';
import { cpuQuotaCpus, cpusetSize, ioRateLimit } from '../model/limits.js';
import { expectedCpus, fairShares } from '../analysis/cpu-model.js';
import type {
  Counted,
  GroupFigures,
  LauncherReport,
  NeighbourRun,
  ProcessStatus,
  Reading,
  ResolvedLimits,
  WorkloadParams,
} from '../model/types.js';
import { hostProgramProblems } from './host-preflight.js';
import { ALL_SET } from './knob-rules.js';
import type { RuntimeEntry } from './registry.js';
import type { ExitInfo, LaunchRequest, NeighbourLaunch, PreflightItem, RunHandle, Runtime } from './runtime.js';

/** The simulated machine, roughly this development VM's figures. */
const SIM = {
  /** ns per busy-loop iteration on one CPU. */
  nsPerIteration: 0.29,
  /** CPUs a simulated program can use at most. */
  hostCpus: 2,
  /** Unthrottled disk bandwidth, bytes/s. */
  diskBps: 400e6,
  /** First-touch speed of anonymous memory, bytes/s. */
  anonTouchBps: 4e9,
  /** Re-reading a cached file, bytes/s. */
  cachedReadBps: 8e9,
  /** Memory a group uses besides its working set (the program itself). */
  baseMemoryBytes: 4 << 20,
  /** CPU a memory workload spends per wall second (it waits for pages the rest of the time). */
  memoryCpuShare: 1 / 2,
  /** CPU an O_DIRECT workload spends per wall second. */
  ioCpuShare: 1 / 20,
  /** CPU work of a command workload, ns (unknown program: a tenth of a second). */
  commandWorkNs: 1e8,
  /** The launcher's sampling CPU per tick, us. */
  tickCostUs: 30,
  /** Harness-side overhead added to each run's wall time: spawn to exit, and exec to exit. */
  harnessOverheadNs: 2_000_000,
  launcherOverheadNs: 1_000_000,
  /** v1 memory.failcnt of an OOM-killed run. */
  oomFailcnt: 5,
  pageBytes: 4096,
  /** The device the fake IO counters are booked on. */
  device: '254:0',
  /** CPU a latency workload spends beyond its requests' work (wake-ups, clock reads), as a share of it. */
  requestOverhead: 0.02,
  /** A killed workload's signal (SIGKILL) and exit code (128 + 9). */
  killSignal: 9,
  killedExitCode: 137,
  /** Of the page cache a neighbour's working set pushes past a shared memory limit, the share taken from a
   *  re-reader: the kernel's active list protects most of a working set read over and over. */
  evictedShare: 1 / 4,
  /** Share of its time an O_DIRECT workload waits for the disk (PSI io "some"). */
  ioStallShare: 0.9,
  /** How long a woken request waits for a CPU a busy neighbour of no lower weight holds (its slice). */
  wakeupWaitNs: 3_000_000,
  /** The simulated CPU's clock, Hz, and what a busy-loop iteration retires (increment, compare, branch). */
  clockHz: 3.0e9,
  instructionsPerIteration: 3,
  /** Instructions per cycle of the other kinds' CPU work: page faults and system calls do less per cycle. */
  ipc: { memory: 0.6, io: 0.8, latency: 2, command: 1.5 },
  /** Involuntary context switches a running thread gets per CPU second anyway (the tick, other tasks). */
  preemptionsPerCpuSecond: 25,
  /** Share of preemptions and throttles after which a thread resumes on another CPU. */
  migrationShare: 0.3,
  /** What the launcher says on a machine without a PMU (FakeOptions.pmu false). */
  noPmuReason: 'no hardware PMU here (as in a VM without a virtual PMU): perf_event_open: No such file or directory',
} as const;

export interface FakeOptions {
  /** ns per busy-loop iteration on one CPU (default SIM.nsPerIteration, this machine's). */
  nsPerIteration?: number;
  /** Disk bandwidth in bytes/s when unthrottled. */
  diskBps?: number;
  /** Multiplicative noise amplitude (0 = exact). Deterministic per run id. */
  noise?: number;
  /** Simulated time scale: real milliseconds slept per simulated second (default 0: instant). */
  realMsPerSec?: number;
  /** The machine's speed drifting over the simulated clock (the runs one after another): CPU and memory work
   *  takes 1 + amplitude x sin(2 pi t / periodSec) times as long, as a busy shared VM does. Default: none. */
  drift?: { amplitude: number; periodSec: number };
  /** Whether the simulated machine has a hardware PMU (default true): without one, cycles and instructions
   *  are reported as not measurable, as the launcher reports them on a VM without a virtual PMU. */
  pmu?: boolean;
  /** A latency workload's tail multiplied by `factor` where its quota lies in [fromCpus, toCpus] (and its period is
   *  `periodUs`, when given): a response of a chosen shape, e.g. not monotone in the quota, for the tests of what
   *  reports it (cgbench fit). */
  p99Bump?: { fromCpus: number; toCpus: number; factor: number; periodUs?: number };
}

/**
 * Options from $CGBENCH_FAKE, a JSON object of FakeOptions (`{"noise": 0.02}`): how tests of the command line
 * give the simulation noise or a response of a chosen shape. Throws with one line when it is not such an object.
 */
export function fakeOptionsFrom(text: string | undefined): FakeOptions {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = null;
  }
  const o = raw as Record<string, unknown> | null;
  const num = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
  const bump = o?.p99Bump as Record<string, unknown> | undefined;
  const drift = o?.drift as Record<string, unknown> | undefined;
  const ok =
    o !== null &&
    typeof o === 'object' &&
    Object.keys(o).every((k) => ['nsPerIteration', 'diskBps', 'noise', 'realMsPerSec', 'drift', 'p99Bump', 'pmu'].includes(k)) &&
    (o.pmu === undefined || typeof o.pmu === 'boolean') &&
    ['nsPerIteration', 'diskBps', 'noise', 'realMsPerSec'].every((k) => num(o[k])) &&
    (bump === undefined || ['fromCpus', 'toCpus', 'factor'].every((k) => typeof bump[k] === 'number')) &&
    (bump?.periodUs === undefined || typeof bump.periodUs === 'number') &&
    (drift === undefined || ['amplitude', 'periodSec'].every((k) => typeof drift[k] === 'number'));
  if (!ok) throw new Error('CGBENCH_FAKE must be a JSON object of noise, nsPerIteration, diskBps, realMsPerSec, drift, p99Bump, pmu');
  return o;
}

export interface Simulated {
  wallNs: number;
  usageUs: number;
  periods: number;
  throttled: number;
  throttledUs: number;
  peakBytes: number;
  oom: boolean;
  bytes: number;
  rbytes: number;
  wbytes: number;
  majorFaults: number;
  /** Page-cache pages evicted and read back, and the stall time PSI would count, us. */
  refaults: number;
  memoryStallUs: number;
  ioStallUs: number;
  cpuStallUs: number;
  /** Page-cache workloads: bytes read from the disk in the timed phase, and the passes. */
  diskReadBytes?: number;
  passes?: number;
  /** IO workloads: the IOs issued. */
  ops?: number;
  /** latency: the requests' percentiles, ns, and how many there were. */
  latencyNs?: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number; ops: number };
  /** Times the workload blocked (IO, a page from disk, a sleep between requests). */
  blocks: number;
  /** Threads that run at once (each is preempted and throttled). */
  threads: number;
  /** Instructions the work retires, and at what rate per cycle. */
  instructions: number;
  ipc: number;
}

/** What the neighbours leave the measured workload of a resource: CPUs (the fair-share model), page cache
 *  lost a pass to a shared memory limit, and the disk's bandwidth; and what each neighbour gets. */
export interface SimCompany {
  cpus?: number;
  /** A neighbour of no lower CPU weight keeps CPUs busy: a woken request may wait for its slice. */
  busyCpus?: boolean;
  cacheLostPerPass?: number;
  diskBps?: number;
  neighbours: { cacheBytes: number; diskBps: number }[];
}

function hashNoise(id: string, amp: number): number {
  let h = 2166136261;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return 1 + amp * (((h >>> 0) % 2001) / 1000 - 1);
}

/** `company`: what its neighbours leave it (none: alone); `slower`: the machine's drift at this run. */
function simulate(
  params: WorkloadParams,
  limits: ResolvedLimits,
  opts: FakeOptions,
  id: string,
  company?: SimCompany,
  slower = 1,
): Simulated {
  const nsPerIt = opts.nsPerIteration ?? SIM.nsPerIteration;
  const diskBps = company?.diskBps ?? opts.diskBps ?? SIM.diskBps;
  const cpus = company?.cpus;
  // The machine's drift slows what runs on its CPUs, not a disk or a throttle.
  const noise = hashNoise(id, opts.noise ?? 0) * (params.kind === 'io' ? 1 : slower);
  const quota = cpuQuotaCpus(limits);
  const periodUs = limits.cpu?.periodUs ?? DEFAULT_CPU_PERIOD_US;
  const memMax = limits.memory?.maxBytes ?? null;
  const sim: Simulated = {
    wallNs: 0,
    usageUs: 0,
    periods: 0,
    throttled: 0,
    throttledUs: 0,
    peakBytes: SIM.baseMemoryBytes,
    oom: false,
    bytes: 0,
    rbytes: 0,
    wbytes: 0,
    majorFaults: 0,
    refaults: 0,
    memoryStallUs: 0,
    ioStallUs: 0,
    cpuStallUs: 0,
    blocks: 0,
    threads: 1,
    instructions: 0,
    ipc: 0,
  };
  switch (params.kind) {
    case 'cpu':
    case 'latency':
    case 'command': {
      const threads = params.kind === 'command' ? 1 : params.threads;
      const work =
        params.kind === 'cpu'
          ? params.iterations * nsPerIt * threads
          : params.kind === 'latency'
            ? params.durationMs * 1e6 * (params.workUs / params.intervalUs) * threads
            : SIM.commandWorkNs;
      // A cpuset caps the CPUs its threads can use at once, as the machine's CPUs do.
      const used = Math.min(threads, SIM.hostCpus, limits.cpuset !== undefined ? cpusetSize(limits.cpuset) : Infinity);
      const rate = Math.min(quota !== null ? Math.min(used, quota) : used, cpus ?? Infinity);
      sim.threads = used;
      if (params.kind === 'cpu') sim.instructions = params.iterations * threads * SIM.instructionsPerIteration;
      else sim.ipc = SIM.ipc[params.kind];
      // A latency thread sleeps between its requests.
      if (params.kind === 'latency') sim.blocks = Math.round((params.durationMs * 1000 * threads) / params.intervalUs);
      if (params.kind === 'latency') {
        // Beside busy neighbours a request may wake to find the CPUs taken: the tail grows by a slice.
        const wakeupNs = company?.busyCpus ? SIM.wakeupWaitNs : 0;
        // The queue and the throttle's stall come from the quota (and cpuset); a neighbour's fair share caps only the
        // CPU used, as it leaves a periodic service its demand.
        const quotaRate = quota !== null ? Math.min(used, quota) : used;
        simulateRequests(sim, params, { rate: quotaRate, used, quota, periodUs, noise, wakeupNs, shareCpus: cpus }, opts.p99Bump);
        break;
      }
      sim.wallNs = (work / rate) * noise;
      sim.usageUs = (sim.wallNs / 1000) * rate;
      // Runnable but not running: the threads' wait for a CPU the neighbours hold (PSI cpu "some").
      if (cpus !== undefined && cpus < used) sim.cpuStallUs = (sim.wallNs / 1000) * (1 - cpus / used);
      if (quota !== null) {
        sim.periods = Math.ceil(sim.wallNs / 1000 / periodUs);
        sim.throttled = rate < used ? sim.periods - 1 : 0;
        sim.throttledUs = rate < used ? (sim.wallNs / 1000) * (1 - quota / used) : 0;
      }
      break;
    }
    case 'memory': {
      const bytes = params.mib * 1048576;
      if (params.mode === 'anon') {
        sim.wallNs = (bytes / SIM.anonTouchBps) * 1e9 * noise;
        if (memMax !== null && bytes > memMax) {
          sim.oom = true;
          sim.peakBytes = memMax;
        } else sim.peakBytes = bytes;
      } else {
        // Past its own limit every pass reads the whole file again (a sequential scan thrashes an LRU);
        // beside a neighbour under a shared limit it loses what the neighbour pushes out.
        const fits = memMax === null || bytes <= memMax;
        const lost = fits ? Math.min(bytes, company?.cacheLostPerPass ?? 0) : bytes;
        const diskRead = bytes + lost * (params.passes - 1);
        const diskNs = (diskRead / diskBps) * 1e9;
        sim.wallNs = (diskNs + ((bytes * params.passes - diskRead) / SIM.cachedReadBps) * 1e9) * noise;
        sim.peakBytes = fits ? bytes : memMax;
        sim.bytes = bytes * params.passes;
        sim.majorFaults = params.access === 'mmap' ? diskRead / SIM.pageBytes : 0;
        sim.rbytes = diskRead;
        sim.diskReadBytes = diskRead;
        sim.passes = params.passes;
        sim.refaults = (lost * (params.passes - 1)) / SIM.pageBytes;
        // PSI counts a refault's wait as a memory stall (thrashing), every disk wait as IO.
        sim.memoryStallUs = ((lost * (params.passes - 1)) / diskBps) * 1e6;
        sim.ioStallUs = diskNs / 1000;
      }
      sim.usageUs = (sim.wallNs / 1000) * SIM.memoryCpuShare;
      sim.blocks = sim.majorFaults;
      sim.ipc = SIM.ipc.memory;
      break;
    }
    case 'io': {
      const bytes = params.mib * 1048576;
      const bps = Math.min(diskBps, ioRateLimit(limits, params.mode).bps ?? Infinity);
      sim.wallNs = (bytes / bps) * 1e9 * noise;
      sim.bytes = bytes;
      sim.ops = Math.ceil(bytes / (params.blockKib * 1024));
      if (params.mode === 'write') sim.wbytes = bytes;
      else sim.rbytes = bytes;
      sim.ioStallUs = (sim.wallNs / 1000) * SIM.ioStallShare;
      sim.usageUs = (sim.wallNs / 1000) * SIM.ioCpuShare;
      // Every O_DIRECT block waits for the disk.
      sim.blocks = Math.ceil(bytes / (params.blockKib * 1024));
      sim.ipc = SIM.ipc.io;
      break;
    }
  }
  return sim;
}

/**
 * Periodic requests (the latency workload) against the CPUs a quota leaves: demand d = threads x work /
 * interval. With the quota above d and its overheads (wake-ups, the clock reads: SIM.requestOverhead of d),
 * nothing waits; within them, that share of periods is throttled and the requests in its stall wait for the
 * next period; below d the queue grows for the whole run, and so does the tail. Beside busy neighbours a woken
 * request may wait a slice for a CPU. Monotone in the quota, as the real workload is, unless a bump says otherwise.
 */
function simulateRequests(
  sim: Simulated,
  p: Extract<WorkloadParams, { kind: 'latency' }>,
  c: {
    rate: number;
    used: number;
    quota: number | null;
    periodUs: number;
    noise: number;
    wakeupNs: number;
    shareCpus?: number | undefined;
  },
  bump: FakeOptions['p99Bump'],
): void {
  const durationNs = p.durationMs * 1e6;
  const demand = (p.threads * p.workUs) / p.intervalUs;
  const overhead = demand * SIM.requestOverhead;
  const workNs = p.workUs * 1000 * c.noise;
  const stallNs = c.rate < c.used ? (1 - c.rate / c.used) * c.periodUs * 1000 : 0;
  const throttledShare = c.rate >= demand + overhead ? 0 : c.rate >= demand ? (demand + overhead - c.rate) / overhead : 1;
  const backlogNs = c.rate < demand ? (demand / c.rate - 1) * durationNs : 0;
  let tailNs = throttledShare * stallNs + 0.99 * backlogNs + c.wakeupNs;
  const inBump = bump && c.quota !== null && c.quota >= bump.fromCpus && c.quota <= bump.toCpus;
  if (inBump && (bump.periodUs === undefined || bump.periodUs === c.periodUs))
    tailNs = Math.max(0, (workNs + tailNs) * bump.factor - workNs);
  const extra = tailNs * c.noise;
  sim.wallNs = durationNs + backlogNs;
  sim.usageUs = (Math.min(demand, c.rate, c.shareCpus ?? Infinity) * sim.wallNs) / 1000;
  // The mean wait for a CPU held by a neighbour (half a slice) per request interval is the share PSI counts.
  sim.cpuStallUs = (sim.wallNs / 1000) * Math.min(1, c.wakeupNs / 2 / (p.intervalUs * 1000));
  if (c.quota !== null) {
    sim.periods = Math.ceil(sim.wallNs / 1000 / c.periodUs);
    sim.throttled = Math.round(sim.periods * throttledShare);
    sim.throttledUs = (sim.throttled * stallNs) / 1000;
  }
  const ops = p.threads * Math.floor((p.durationMs * 1000) / p.intervalUs);
  sim.latencyNs = {
    p50: workNs + (backlogNs > 0 ? backlogNs / 2 : 0),
    p90: workNs + extra * 0.5,
    p99: workNs + extra,
    p999: workNs + extra * 1.1,
    max: workNs + extra * 1.2,
    mean: workNs + extra * 0.3,
    ops,
  };
}

/** The group's counters a share `f` of the way through the simulated run. */
function readingAt(sim: Simulated, f: number, tNs: number): Reading {
  return {
    tNs,
    cpu: {
      usageUs: sim.usageUs * f,
      nrPeriods: Math.round(sim.periods * f),
      nrThrottled: Math.round(sim.throttled * f),
      throttledUs: sim.throttledUs * f,
    },
    memory: {
      currentBytes: sim.peakBytes * f,
      peakBytes: sim.peakBytes * f,
      oomKills: sim.oom && f >= 1 ? 1 : 0,
      failcnt: sim.oom && f >= 1 ? SIM.oomFailcnt : 0,
      majorFaults: sim.majorFaults * f,
      refaults: sim.refaults * f,
    },
    io: {
      [SIM.device]: {
        rbytes: sim.rbytes * f,
        wbytes: sim.wbytes * f,
        rios: (sim.rbytes ? (sim.ops ?? 0) : 0) * f,
        wios: (sim.wbytes ? (sim.ops ?? 0) : 0) * f,
      },
    },
    psi: {
      cpu: { someAvg10: 0, someTotalUs: sim.cpuStallUs * f },
      memory: { someAvg10: 0, someTotalUs: sim.memoryStallUs * f },
      io: { someAvg10: 0, someTotalUs: sim.ioStallUs * f },
    },
  };
}

/** What the launcher would count over a simulated run: a context switch each time the workload blocks, or a
 *  thread is preempted or throttled; a share of those resume on another CPU; cycles at the simulated clock. */
function simulatedEvidence(
  sim: Simulated,
  pmu: boolean,
): Pick<ProcessStatus, 'voluntaryContextSwitches' | 'involuntaryContextSwitches' | 'perf'> {
  const cpuSeconds = sim.usageUs / 1e6;
  const involuntary = Math.round(sim.throttled * sim.threads + cpuSeconds * SIM.preemptionsPerCpuSecond);
  const cycles = Math.round(cpuSeconds * SIM.clockHz);
  const instructions = Math.round(sim.instructions || cycles * sim.ipc);
  const noPmu: Counted = { value: null, reason: SIM.noPmuReason };
  return {
    // Starting and joining its threads blocks too.
    voluntaryContextSwitches: Math.round(sim.blocks) + sim.threads + 1,
    involuntaryContextSwitches: involuntary,
    perf: {
      cpuMigrations: { value: Math.round(involuntary * SIM.migrationShare) },
      cycles: pmu ? { value: cycles } : noPmu,
      instructions: pmu ? { value: instructions } : noPmu,
    },
  };
}

/** What the launcher would report: before, ticks every interval (kept by halving, as it does), after. */
function simulatedReport(sim: Simulated, intervalMs: number, startNs: number, ended: 'exit' | 'stopped', pmu: boolean): LauncherReport {
  const intervalNs = intervalMs * 1e6;
  const ticks = Math.max(0, Math.floor(sim.wallNs / intervalNs));
  let stride = 1;
  while (Math.ceil(ticks / stride) >= keptBudget(intervalMs)) stride *= 2;
  const samples: Reading[] = [];
  for (let k = 0; k < ticks; k += stride) {
    const t = (k + 1) * intervalNs;
    samples.push(readingAt(sim, t / sim.wallNs, startNs + t));
  }
  const killed = ended === 'stopped' || sim.oom;
  return {
    group: { mode: 'host', driver: 'v2', files: {}, missing: [] },
    before: readingAt(sim, 0, startNs),
    samples,
    after: readingAt(sim, 1, startNs + Math.round(sim.wallNs)),
    ticks: {
      intervalMs,
      ticks,
      kept: samples.length,
      stride,
      cpuUs: ticks * SIM.tickCostUs,
      meanIntervalMs: intervalMs,
      maxIntervalMs: intervalMs,
      offFraction: 0,
    },
    status: {
      exitCode: killed ? null : 0,
      signal: killed ? SIM.killSignal : null,
      wallNs: Math.round(sim.wallNs) + SIM.launcherOverheadNs,
      ...simulatedEvidence(sim, pmu),
      ...(ended === 'stopped' ? { forwardedSignal: 15 } : {}),
    },
  };
}

/** A neighbour's demand on the disk, bytes/s: an IO workload's (up to its throttle), a page-cache re-reader's
 *  whose file outgrows its cache; 0 for the rest. */
function diskDemand(params: WorkloadParams, limits: ResolvedLimits, cacheBytes: number, diskBps: number): number {
  if (params.kind === 'io') return Math.min(diskBps, ioRateLimit(limits, params.mode).bps ?? Infinity);
  if (params.kind === 'memory' && params.mode === 'pagecache' && cacheBytes < params.mib * 1048576) return diskBps;
  return 0;
}

/** The page cache a neighbour holds: its file, up to its own memory limit and the shared parent's. */
function cacheOf(params: WorkloadParams, limits: ResolvedLimits, parentMax: number): number {
  if (params.kind !== 'memory' || params.mode !== 'pagecache') return 0;
  return Math.min(params.mib * 1048576, limits.memory?.maxBytes ?? Infinity, parentMax);
}

/** What the neighbours leave a measured run, and what each gets: CPUs by the fair-share model, page cache by
 *  what their working sets push past a shared memory limit, the disk by fair shares of the IO demands. */
function simulateCompany(req: LaunchRequest, opts: FakeOptions): SimCompany | undefined {
  const company = req.neighbours ?? [];
  if (!company.length) return undefined;
  const diskBps = opts.diskBps ?? SIM.diskBps;
  const model = expectedCpus(
    req,
    company.map((n) => n.spec),
    req.parent,
    { hostCpus: SIM.hostCpus },
  );
  const parentMax = req.parent?.memory?.maxBytes ?? Infinity;
  const caches = company.map((n) => cacheOf(n.spec.params, n.spec.placement === 'same' ? req.limits : n.limits, parentMax));
  const out: SimCompany = { neighbours: [] };
  if (model.cpus !== null) out.cpus = model.cpus;
  const weight = (l: ResolvedLimits): number => l.cpuWeight ?? DEFAULT_CPU_WEIGHT.v2;
  out.busyCpus = company.some(
    (n) =>
      (n.spec.params.kind === 'cpu' || n.spec.params.kind === 'latency') &&
      (n.spec.placement === 'same' || weight(n.limits) >= weight(req.limits)),
  );
  const p = req.params;
  if (p.kind === 'memory' && p.mode === 'pagecache' && Number.isFinite(parentMax)) {
    const mine = p.mib * 1048576;
    const theirs = caches.reduce((a, b) => a + b, 0);
    const overflow = Math.max(0, mine + theirs + SIM.baseMemoryBytes - parentMax);
    out.cacheLostPerPass = (overflow * mine * SIM.evictedShare) / (mine + theirs);
  }
  const demands = company.map((n, i) =>
    diskDemand(n.spec.params, n.spec.placement === 'same' ? req.limits : n.limits, caches[i] ?? 0, diskBps),
  );
  const own = p.kind === 'io' ? Math.min(diskBps, ioRateLimit(req.limits, p.mode).bps ?? Infinity) : 0;
  const [mineBps = 0, ...theirBps] = fairShares(
    [own, ...demands].map((demand) => ({ demand, weight: 1 })),
    diskBps,
  );
  if (p.kind === 'io' && demands.some((d) => d > 0)) out.diskBps = mineBps;
  out.neighbours = company.map((_, i) => ({ cacheBytes: caches[i] ?? 0, diskBps: theirBps[i] ?? 0 }));
  return out;
}

/** What the neighbours did over a simulated run: the CPUs the measured workload left, split by what each
 *  would use (its threads, capped by its quota), started once and stopped with the run; a neighbour in a
 *  group of its own books that group's cache and disk traffic. */
function simulatedNeighbours(company: NeighbourLaunch[], sim: Simulated, measuredUs: number, shared?: SimCompany): NeighbourRun[] {
  const wallUs = sim.wallNs / 1000;
  const demand = company.map(({ spec, limits }) => {
    const threads = spec.params.kind === 'cpu' || spec.params.kind === 'latency' ? spec.params.threads : 1;
    return Math.min(threads, cpuQuotaCpus(limits) ?? Infinity);
  });
  const total = demand.reduce((a, b) => a + b, 0);
  const left = Math.max(0, SIM.hostCpus - (wallUs > 0 ? measuredUs / wallUs : 0));
  return company.map(({ spec }, i) => {
    const run: NeighbourRun = {
      label: spec.label,
      placement: spec.placement,
      starts: 1,
      completed: 0,
      wallNs: Math.round(sim.wallNs),
      cpuUs: Math.round(wallUs * Math.min(demand[i] ?? 0, total > 0 ? (left * (demand[i] ?? 0)) / total : 0)),
    };
    const got = shared?.neighbours[i];
    if (spec.placement === 'own' && got) {
      const moved = (got.diskBps * sim.wallNs) / 1e9;
      const writes = spec.params.kind === 'io' && spec.params.mode === 'write';
      const group: GroupFigures = {
        spanNs: Math.round(sim.wallNs),
        ioReadBytes: writes ? 0 : moved,
        ioWriteBytes: writes ? moved : 0,
        peakBytes: SIM.baseMemoryBytes + got.cacheBytes,
        // A page-cache workload's file goes when it exits: its group's last reading holds no cache.
        fileBytes: 0,
        oomKills: 0,
      };
      run.group = group;
    }
    return run;
  });
}

export class FakeRuntime implements Runtime {
  readonly name = 'fake' as const;
  readonly neighbours = true;
  /** Runs currently "alive", for leak tests. */
  readonly live = new Set<string>();
  /** The simulated clock: the simulated runs' wall time so far, ns. */
  private clockNs = 0;

  constructor(private readonly opts: FakeOptions = {}) {}

  /** The programs a simulated command would run must exist on this host, as for native. */
  preflight(items: PreflightItem[]): Promise<string[]> {
    return Promise.resolve(hostProgramProblems(items));
  }

  launch(req: LaunchRequest): Promise<RunHandle> {
    const company = req.neighbours ?? [];
    const shared = simulateCompany(req, this.opts);
    const drift = this.opts.drift;
    const slower = drift ? 1 + drift.amplitude * Math.sin((2 * Math.PI * this.clockNs) / 1e9 / drift.periodSec) : 1;
    const sim = simulate(req.params, req.limits, this.opts, req.runId, shared, slower);
    this.clockNs += sim.wallNs;
    const startNs = monotonicNs();
    this.live.add(req.runId);
    let stop: () => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => {
      const finish = (ended: 'exit' | 'stopped'): void => {
        const killed = ended === 'stopped' || sim.oom;
        const metrics: Record<string, number | string> = { workload: req.params.kind, wall_ns: Math.round(sim.wallNs) };
        if (sim.bytes) metrics.bytes = sim.bytes;
        if (req.params.kind === 'cpu' || req.params.kind === 'latency') metrics.cpu_ns = Math.round(sim.usageUs * 1000);
        if (sim.diskReadBytes !== undefined) Object.assign(metrics, { disk_read_bytes: Math.round(sim.diskReadBytes), passes: sim.passes });
        if (sim.ops !== undefined) metrics.ops = sim.ops;
        const l = sim.latencyNs;
        if (l)
          Object.assign(metrics, {
            ops: l.ops,
            p50_ns: Math.round(l.p50),
            p90_ns: Math.round(l.p90),
            p99_ns: Math.round(l.p99),
            p999_ns: Math.round(l.p999),
            max_ns: Math.round(l.max),
            mean_ns: Math.round(l.mean),
          });
        const report = simulatedReport(sim, req.sampleIntervalMs, startNs, ended, this.opts.pmu ?? true);
        // A simulated command that speaks the metrics protocol reports its throughput and the time per request.
        if (req.params.kind === 'command' && req.params.metrics === 'protocol' && !killed)
          report.metricLines = [
            JSON.stringify({ name: 'ops', value: (1e9 * 1e4) / sim.wallNs, unit: 'ops/s', direction: 'higher-is-better' }),
            JSON.stringify({ name: 'request', value: sim.wallNs / 1e4 / 1e6, unit: 'ms', direction: 'lower-is-better' }),
          ];
        resolve({
          exitCode: killed ? SIM.killedExitCode : 0,
          signal: null,
          stdout: killed ? '' : JSON.stringify(metrics) + '\n',
          stderrTail: '',
          harnessWallNs: Math.round(sim.wallNs) + SIM.harnessOverheadNs,
          report,
          ...(company.length ? { neighbours: simulatedNeighbours(company, sim, req.params.kind === 'cpu' ? sim.usageUs : 0, shared) } : {}),
        });
      };
      const delay = ((this.opts.realMsPerSec ?? 0) * sim.wallNs) / 1e9;
      const t = setTimeout(() => finish('exit'), delay);
      stop = () => {
        clearTimeout(t);
        finish('stopped');
      };
    });
    return Promise.resolve({
      exited,
      stop: () => stop(),
      dispose: () => {
        this.live.delete(req.runId);
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The fake runtime's entry in the runtime registry: a simulation that "sets" every knob. */
export const fakeEntry: RuntimeEntry = {
  summary: 'a simulation for trying scenarios without root',
  mode: 'run',
  simulation: true,
  knobs: ALL_SET,
  measuresHost: () => false,
  // $CGBENCH_FAKE gives tests of the command line noise or a response of a chosen shape.
  open: () => {
    try {
      return Promise.resolve(new FakeRuntime(fakeOptionsFrom(process.env.CGBENCH_FAKE)));
    } catch (e) {
      return Promise.reject(new CgbenchError('E_INPUT', (e as Error).message, 'e.g. CGBENCH_FAKE=\'{"noise":0.02}\', or unset it'));
    }
  },
};
