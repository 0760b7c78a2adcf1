// The one table of limit knobs: for each kind of limit, where a scenario writes it, its part of a limit set's
// label, the values the kernel accepts, and its cgroup v1 and v2 file writes. Labels, emptiness, translation
// (cgroup/translate.ts) and every runtime's column (runtimes/registry.ts) are derived from it.

import { BOUNDS, DEFAULT_CPU_PERIOD_US } from './defaults.js';
import type { Limits, ResolvedLimits } from './types.js';
import { formatBytes } from './units.js';

/** One file write: v1 names the controller whose hierarchy holds the file; v2 leaves it "". */
export interface FileWrite {
  controller: string;
  file: string;
  value: string;
}

/** What the host offers the writes: whether swap is accounted (v1 memsw files, v2 memory.swap.max). */
export interface WriteContext {
  swap: boolean;
}

export interface Knob {
  /** How a scenario writes it, for messages: "cpu.burst". */
  field: string;
  /** What it is, in a refusal or a warning: "cpu burst". */
  name: string;
  /** The limits value sets this knob. */
  present(l: Limits): boolean;
  /** Its part of the limit set's label ("0.50 CPU"), [] when absent. */
  label(l: Limits): string[];
  /** Values the kernel (or common sense) refuses: "field: problem (fix)", field relative to the limit set. */
  check(l: Limits): string[];
  /** The limits without this knob: what a runtime that cannot set it is given (runtimes/knob-rules.ts). */
  without<L extends Limits>(l: L): L;
  /** Its writes on a cgroup v1 host and a v2 host, in the order the kernel needs them. */
  v1(l: ResolvedLimits, host: WriteContext): FileWrite[];
  v2(l: ResolvedLimits, host: WriteContext): FileWrite[];
  /** A controller a group joins only when the knob is set (the stats controllers are always joined). */
  controller?: string;
  /** The knob names a disk (the scratch directory's, by default), which must then be a real one. */
  onDisk?: boolean;
}

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${+(bytes / MIB).toFixed(1)} MiB`;
const mbps = (bps: number): string => `${+(bps / 1e6).toFixed(1)} MB/s`;
const ms = (us: number): string => `${+(us / 1000).toFixed(1)} ms`;
const v1 = (controller: string, file: string, value: string | number): FileWrite => ({ controller, file, value: String(value) });
const v2 = (file: string, value: string | number): FileWrite => ({ controller: '', file, value: String(value) });
const none = (): FileWrite[] => [];
/** `l` without one of its fields. */
function omit<L extends Limits>(l: L, key: keyof Limits): L {
  const out = { ...l };
  delete out[key];
  return out;
}
/** `l` without one field of its memory limit. */
function omitMemory<L extends Limits>(l: L, key: 'swapBytes' | 'highBytes'): L {
  if (!l.memory) return l;
  const memory = { ...l.memory };
  delete memory[key];
  return { ...l, memory };
}
const ok = (): string[] => [];

/**
 * cgroup v2's cpu.weight (1..10000) as v1 cpu.shares (2..262144): the inverse of the linear mapping runc
 * applies to an OCI spec's shares on v2 (libcontainer ConvertCPUSharesToCgroupV2Value,
 * weight = 1 + (shares - 2) * 9999 / 262142), which Docker 20.10's runc uses; runc 1.3 and crun later moved
 * to a quadratic mapping that sends 1024 shares to weight 100. The linear one maps the ranges end to end,
 * not the defaults: weight 100 is 2598 shares, and an unset v1 group's 1024 shares are weight 39.
 */
export function cpuSharesFromWeight(weight: number): number {
  // The smallest shares runc maps back to this weight (its division rounds down).
  return 2 + Math.ceil(((weight - 1) * 262142) / 9999);
}

/** A weight on its scale: an integer within `range`, else the message. */
function weightProblem(
  field: string,
  value: number | undefined,
  range: { min: number; max: number },
  what: string,
  scale: string,
): string[] {
  if (value === undefined || (Number.isInteger(value) && value >= range.min && value <= range.max)) return [];
  return [`${field}: ${what} is ${range.min}..${range.max} (${scale} scale; 100 is the default)`];
}

/** Every way of writing a memory size (max, high, the short form) meets the same floor. */
function memoryFloor(field: string, bytes: number | null | undefined): string[] {
  if (bytes == null || bytes >= MIB) return [];
  return [`${field}: ${formatBytes(bytes)} is below 1 MiB, where no workload can run; write e.g. 64M, 1GiB or 100MB`];
}

const CPUSET_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;
const IO_KEYS = ['rbps', 'wbps', 'riops', 'wiops'] as const;

/**
 * The knobs, in the order their writes are made and their labels read. Order matters where the kernel
 * checks one file against another: the CFS period before the quota (a fresh group has quota -1, so any
 * period is accepted first), the v1 memory limit before memsw (memsw must stay >= the limit).
 */
export const KNOBS = {
  cpu: {
    field: 'cpu',
    name: 'cpu quota',
    present: (l) => l.cpu?.quotaUs != null,
    label: (l) => {
      if (l.cpu?.quotaUs == null) return [];
      const period = l.cpu.periodUs === DEFAULT_CPU_PERIOD_US ? '' : ` / ${+(l.cpu.periodUs / 1000).toFixed(1)} ms period`;
      return [`${(l.cpu.quotaUs / l.cpu.periodUs).toFixed(2)} CPU${period}`];
    },
    check: (l) => {
      if (!l.cpu) return [];
      const { quotaUs, periodUs } = l.cpu;
      const { cpuPeriodUs: P, cpuQuotaMinUs } = BOUNDS;
      const out: string[] = [];
      if (!Number.isInteger(periodUs) || periodUs < P.min || periodUs > P.max) out.push(`cpu.period: period must be ${P.min}..${P.max} us`);
      if (quotaUs !== null && quotaUs < cpuQuotaMinUs)
        out.push(
          `cpu.quota: a quota of ${quotaUs} us is below the kernel's ${cpuQuotaMinUs} us minimum (raise cpus, the quota or the period)`,
        );
      return out;
    },
    // A quota of null still writes: "max" / -1 with the period, which is what a fresh group has anyway.
    without: (l) => omit(l, 'cpu'),
    v1: (l) => (l.cpu ? [v1('cpu', 'cpu.cfs_period_us', l.cpu.periodUs), v1('cpu', 'cpu.cfs_quota_us', l.cpu.quotaUs ?? -1)] : []),
    v2: (l) => (l.cpu ? [v2('cpu.max', `${l.cpu.quotaUs ?? 'max'} ${l.cpu.periodUs}`)] : []),
  },
  cpuBurst: {
    field: 'cpu.burst',
    name: 'cpu burst',
    present: (l) => l.cpu?.burstUs !== undefined,
    label: (l) => (l.cpu?.burstUs !== undefined ? [`burst ${ms(l.cpu.burstUs)}`] : []),
    check: (l) => {
      const burst = l.cpu?.burstUs;
      if (burst === undefined) return [];
      if (!Number.isInteger(burst) || burst < 0) return [`cpu.burst: ${burst} is not a burst; write microseconds, 0 or more (e.g. 20000)`];
      const quota = l.cpu?.quotaUs ?? null;
      if (quota === null) return ['cpu.burst: a burst needs a quota to add to (give quota or cpus)'];
      if (burst > quota) return [`cpu.burst: the kernel refuses a burst (${burst} us) above the quota (${quota} us)`];
      return [];
    },
    without: (l) => {
      if (!l.cpu) return l;
      const { burstUs: _burst, ...cpu } = l.cpu;
      return { ...l, cpu };
    },
    v1: (l) => (l.cpu?.burstUs !== undefined ? [v1('cpu', 'cpu.cfs_burst_us', l.cpu.burstUs)] : []),
    v2: (l) => (l.cpu?.burstUs !== undefined ? [v2('cpu.max.burst', l.cpu.burstUs)] : []),
  },
  cpuWeight: {
    field: 'weight',
    name: 'cpu weight',
    present: (l) => l.cpuWeight !== undefined,
    label: (l) => (l.cpuWeight !== undefined ? [`weight ${l.cpuWeight}`] : []),
    check: (l) => weightProblem('weight', l.cpuWeight, BOUNDS.cpuWeight, 'a CPU weight', "cgroup v2's"),
    without: (l) => omit(l, 'cpuWeight'),
    v1: (l) => (l.cpuWeight !== undefined ? [v1('cpu', 'cpu.shares', cpuSharesFromWeight(l.cpuWeight))] : []),
    v2: (l) => (l.cpuWeight !== undefined ? [v2('cpu.weight', l.cpuWeight)] : []),
  },
  memoryMax: {
    field: 'memory.max',
    name: 'memory max',
    present: (l) => l.memory?.maxBytes != null,
    label: (l) => (l.memory?.maxBytes != null ? [`mem ${mib(l.memory.maxBytes)}`] : []),
    check: (l) => memoryFloor('memory.max', l.memory?.maxBytes),
    without: (l) => (l.memory ? { ...l, memory: { ...l.memory, maxBytes: null } } : l),
    v1: (l) => (l.memory?.maxBytes != null ? [v1('memory', 'memory.limit_in_bytes', l.memory.maxBytes)] : []),
    v2: (l) => (l.memory?.maxBytes != null ? [v2('memory.max', l.memory.maxBytes)] : []),
  },
  memorySwap: {
    field: 'memory.swap',
    name: 'memory swap',
    present: (l) => l.memory?.swapBytes !== undefined,
    label: (l) => {
      const swap = l.memory?.swapBytes;
      return swap === undefined ? [] : [`swap ${swap === null ? 'unlimited' : mib(swap)}`];
    },
    check: ok,
    // Swap is allowed on top of the max, 0 unless given, and only where swap is accounted. v1 counts
    // memory and swap together (memsw = max + swap), written after the limit it must not fall below.
    without: (l) => omitMemory(l, 'swapBytes'),
    v1: (l, host) => {
      const m = l.memory;
      if (!host.swap || m?.maxBytes == null || m.swapBytes === null) return [];
      return [v1('memory', 'memory.memsw.limit_in_bytes', m.maxBytes + (m.swapBytes ?? 0))];
    },
    v2: (l, host) => {
      const m = l.memory;
      if (!host.swap || m?.maxBytes == null || m.swapBytes === null) return [];
      return [v2('memory.swap.max', m.swapBytes ?? 0)];
    },
  },
  memoryHigh: {
    field: 'memory.high',
    name: 'memory.high',
    present: (l) => l.memory?.highBytes != null,
    label: (l) => (l.memory?.highBytes != null ? [`high ${mib(l.memory.highBytes)}`] : []),
    check: (l) => {
      const m = l.memory;
      const out = memoryFloor('memory.high', m?.highBytes);
      if (m?.highBytes != null && m.maxBytes != null && m.highBytes > m.maxBytes)
        out.push(`memory: high (${formatBytes(m.highBytes)}) above max (${formatBytes(m.maxBytes)}) never triggers (lower high)`);
      return out;
    },
    // v1 has no reclaim threshold of this kind (soft_limit_in_bytes acts only under global pressure).
    without: (l) => omitMemory(l, 'highBytes'),
    v1: none,
    v2: (l) => (l.memory?.highBytes != null ? [v2('memory.high', l.memory.highBytes)] : []),
  },
  io: {
    field: 'io',
    name: 'IO throttles',
    present: (l) => Boolean(l.io?.length),
    label: (l) =>
      (l.io ?? []).flatMap((io) => [
        ...(io.rbps !== undefined ? [`read ${mbps(io.rbps)}`] : []),
        ...(io.wbps !== undefined ? [`write ${mbps(io.wbps)}`] : []),
        ...(io.riops !== undefined ? [`read ${io.riops} IOPS`] : []),
        ...(io.wiops !== undefined ? [`write ${io.wiops} IOPS`] : []),
      ]),
    check: (l) =>
      (l.io ?? []).flatMap((io, i) => {
        const given = IO_KEYS.filter((k) => io[k] !== undefined);
        if (!given.length) return [`io[${i}]: an io limit needs at least one of rbps, wbps, riops, wiops`];
        return given
          .filter((k) => !((io[k] as number) > 0))
          .map((k) => `io[${i}].${k}: a throttle must be above 0 (write e.g. 10MB/s or 100)`);
      }),
    without: (l) => omit(l, 'io'),
    v1: (l) =>
      (l.io ?? []).flatMap((io) => {
        const dev = `${io.major}:${io.minor}`;
        return [
          ...(io.rbps !== undefined ? [v1('blkio', 'blkio.throttle.read_bps_device', `${dev} ${io.rbps}`)] : []),
          ...(io.wbps !== undefined ? [v1('blkio', 'blkio.throttle.write_bps_device', `${dev} ${io.wbps}`)] : []),
          ...(io.riops !== undefined ? [v1('blkio', 'blkio.throttle.read_iops_device', `${dev} ${io.riops}`)] : []),
          ...(io.wiops !== undefined ? [v1('blkio', 'blkio.throttle.write_iops_device', `${dev} ${io.wiops}`)] : []),
        ];
      }),
    // One io.max line per disk, with only the keys given: the others keep their value ("max").
    v2: (l) =>
      (l.io ?? []).flatMap((io) => {
        const keys = IO_KEYS.filter((k) => io[k] !== undefined).map((k) => `${k}=${io[k]}`);
        return keys.length ? [v2('io.max', [`${io.major}:${io.minor}`, ...keys].join(' '))] : [];
      }),
    onDisk: true,
  },
  pids: {
    field: 'pids',
    name: 'pids limit',
    present: (l) => l.pids !== undefined,
    label: (l) => (l.pids !== undefined ? [`pids ${l.pids}`] : []),
    check: (l) =>
      l.pids === undefined || (Number.isInteger(l.pids) && l.pids >= 1)
        ? []
        : [`pids: ${l.pids} is not a number of tasks (write 1 or more)`],
    without: (l) => omit(l, 'pids'),
    v1: (l) => (l.pids !== undefined ? [v1('pids', 'pids.max', l.pids)] : []),
    v2: (l) => (l.pids !== undefined ? [v2('pids.max', l.pids)] : []),
  },
  cpuset: {
    field: 'cpuset',
    name: 'cpuset',
    present: (l) => l.cpuset !== undefined,
    label: (l) => (l.cpuset !== undefined ? [`cpuset ${l.cpuset}`] : []),
    check: (l) => {
      if (l.cpuset === undefined) return [];
      if (!CPUSET_LIST.test(l.cpuset)) return ['cpuset: write CPUs like "0" or "0-1,3"'];
      const down = l.cpuset.split(',').some((r) => r.includes('-') && Number(r.split('-')[0]) > Number(r.split('-')[1]));
      return down ? ['cpuset: a range must go up, like "1-3" (not "3-1")'] : [];
    },
    without: (l) => omit(l, 'cpuset'),
    v1: (l) => (l.cpuset !== undefined ? [v1('cpuset', 'cpuset.cpus', l.cpuset)] : []),
    v2: (l) => (l.cpuset !== undefined ? [v2('cpuset.cpus', l.cpuset)] : []),
    controller: 'cpuset',
  },
  ioWeight: {
    field: 'ioWeight',
    name: 'io weight',
    present: (l) => l.ioWeight !== undefined,
    label: (l) => (l.ioWeight !== undefined ? [`io weight ${l.ioWeight}`] : []),
    check: (l) => weightProblem('ioWeight', l.ioWeight, BOUNDS.ioWeight, 'an IO weight', "BFQ's"),
    // BFQ's own files: v1 blkio.weight belonged to CFQ, which kernels since 5.0 no longer have; v2
    // io.weight is the io.cost controller's, which needs a cost model set up, where BFQ needs only BFQ.
    without: (l) => omit(l, 'ioWeight'),
    v1: (l) => (l.ioWeight !== undefined ? [v1('blkio', 'blkio.bfq.weight', l.ioWeight)] : []),
    v2: (l) => (l.ioWeight !== undefined ? [v2('io.bfq.weight', l.ioWeight)] : []),
    onDisk: true,
  },
} as const satisfies Record<string, Knob>;

/** A kind of limit: a key of KNOBS. */
export type KnobId = keyof typeof KNOBS;

/** Every knob id, in the table's order. */
export const KNOB_IDS = Object.keys(KNOBS) as KnobId[];

/** The table as [id, knob] pairs, in order. */
export function knobEntries(): [KnobId, Knob][] {
  return KNOB_IDS.map((id) => [id, KNOBS[id]]);
}

/** The knobs a limits value sets, in the table's order. */
export function knobsSet(l: Limits): KnobId[] {
  return KNOB_IDS.filter((id) => KNOBS[id].present(l));
}
