// A fake runtime that simulates workloads under limits with a simple model and no processes,
// so the scheduler, analysis, reporters and CLI can be tested without root, cgroups or Docker.

import type { CgroupGroup } from '../cgroup/group.js';
import { monotonicNs } from '../cgroup/group.js';
import type { Reading, ResolvedLimits, WorkloadParams } from '../model/types.js';
import type { ExitInfo, LaunchRequest, RunHandle, Runtime } from './runtime.js';

export interface FakeOptions {
  /** ns per busy-loop iteration on one CPU (default ~0.29 ns, this machine's). */
  nsPerIteration?: number;
  /** Disk bandwidth in bytes/s when unthrottled. */
  diskBps?: number;
  /** Multiplicative noise amplitude (0 = exact). Deterministic per run id. */
  noise?: number;
  /** Simulated time scale: real milliseconds slept per simulated second (default 0: instant). */
  realMsPerSec?: number;
}

interface Simulated {
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
}

function hashNoise(id: string, amp: number): number {
  let h = 2166136261;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return 1 + amp * (((h >>> 0) % 2001) / 1000 - 1);
}

export function simulate(params: WorkloadParams, limits: ResolvedLimits, opts: FakeOptions, id: string): Simulated {
  const nsPerIt = opts.nsPerIteration ?? 0.29;
  const diskBps = opts.diskBps ?? 400e6;
  const noise = hashNoise(id, opts.noise ?? 0);
  const quota = limits.cpu && limits.cpu.quotaUs !== null ? limits.cpu.quotaUs / limits.cpu.periodUs : null;
  const periodUs = limits.cpu?.periodUs ?? 100_000;
  const memMax = limits.memory?.maxBytes ?? null;
  const sim: Simulated = { wallNs: 0, usageUs: 0, periods: 0, throttled: 0, throttledUs: 0, peakBytes: 4 << 20, oom: false, bytes: 0, rbytes: 0, wbytes: 0, majorFaults: 0 };
  switch (params.kind) {
    case 'cpu':
    case 'latency':
    case 'command': {
      const threads = params.kind === 'command' ? 1 : params.threads;
      const work = params.kind === 'cpu' ? params.iterations * nsPerIt * threads : params.kind === 'latency' ? params.durationMs * 1e6 * (params.workUs / params.intervalUs) * threads : 1e8;
      const used = Math.min(threads, 2);
      const rate = quota !== null ? Math.min(used, quota) : used;
      sim.wallNs = params.kind === 'latency' ? params.durationMs * 1e6 : (work / rate) * noise;
      sim.usageUs = (sim.wallNs / 1000) * rate;
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
        sim.wallNs = (bytes / 4e9) * 1e9 * noise;
        if (memMax !== null && bytes > memMax) {
          sim.oom = true;
          sim.peakBytes = memMax;
        } else sim.peakBytes = bytes;
      } else {
        const fits = memMax === null || bytes <= memMax;
        const perPass = fits ? bytes / 8e9 : bytes / diskBps;
        sim.wallNs = (bytes / diskBps + perPass * (params.passes - 1)) * 1e9 * noise;
        sim.peakBytes = fits ? bytes : (memMax as number);
        sim.bytes = bytes * params.passes;
        sim.majorFaults = fits ? bytes / 4096 : (bytes / 4096) * params.passes;
        sim.rbytes = fits ? bytes : bytes * params.passes;
      }
      sim.usageUs = sim.wallNs / 1000 / 2;
      break;
    }
    case 'io': {
      const bytes = params.mib * 1048576;
      let bps = diskBps;
      for (const l of limits.io ?? []) {
        const b = params.mode === 'write' ? l.wbps : l.rbps;
        if (b !== undefined) bps = Math.min(bps, b);
      }
      sim.wallNs = (bytes / bps) * 1e9 * noise;
      sim.bytes = bytes;
      if (params.mode === 'write') sim.wbytes = bytes;
      else sim.rbytes = bytes;
      sim.usageUs = sim.wallNs / 1000 / 20;
      break;
    }
  }
  return sim;
}

class FakeGroup implements CgroupGroup {
  readonly driver = 'v2' as const;
  readonly procsFiles: string[] = [];
  readonly statFiles: Record<string, string> = {};
  readonly dirs: string[] = [];
  progress = 0;
  constructor(
    readonly relPath: string,
    private readonly sim: Simulated,
  ) {}
  apply(): void {}
  read(): Reading {
    const f = this.progress;
    return {
      tNs: monotonicNs(),
      cpu: { usageUs: this.sim.usageUs * f, nrPeriods: Math.round(this.sim.periods * f), nrThrottled: Math.round(this.sim.throttled * f), throttledUs: this.sim.throttledUs * f },
      memory: { currentBytes: this.sim.peakBytes * f, peakBytes: this.sim.peakBytes * f, oomKills: this.sim.oom && f >= 1 ? 1 : 0, failcnt: this.sim.oom && f >= 1 ? 5 : 0, majorFaults: this.sim.majorFaults * f },
      io: { '254:0': { rbytes: this.sim.rbytes * f, wbytes: this.sim.wbytes * f, rios: 0, wios: 0 } },
    };
  }
  pids(): number[] {
    return [];
  }
  killAll(): void {}
  async destroy(): Promise<void> {}
}

export class FakeRuntime implements Runtime {
  readonly name = 'fake' as const;
  /** Groups currently "alive", for leak tests. */
  readonly live = new Set<string>();

  constructor(private readonly opts: FakeOptions = {}) {}

  async launch(req: LaunchRequest): Promise<RunHandle> {
    const sim = simulate(req.params, req.limits, this.opts, req.runId);
    const group = new FakeGroup(`cgbench/${req.runId}`, sim);
    const before = group.read();
    this.live.add(req.runId);
    let kill: () => void = () => {};
    const exited = new Promise<ExitInfo>((resolve) => {
      const finish = (killed: boolean): void => {
        group.progress = 1;
        const metrics: Record<string, number | string> = { workload: req.params.kind, wall_ns: Math.round(sim.wallNs) };
        if (sim.bytes) metrics.bytes = sim.bytes;
        resolve({
          exitCode: killed ? 137 : sim.oom ? 137 : 0,
          signal: null,
          stdout: killed || sim.oom ? '' : JSON.stringify(metrics) + '\n',
          stderrTail: '',
          harnessWallNs: Math.round(sim.wallNs) + 2_000_000,
          process: { exitCode: killed || sim.oom ? null : 0, signal: killed || sim.oom ? 9 : null, wallNs: Math.round(sim.wallNs) + 1_000_000 },
        });
      };
      const delay = ((this.opts.realMsPerSec ?? 0) * sim.wallNs) / 1e9;
      const t = setTimeout(() => finish(false), delay);
      kill = () => {
        clearTimeout(t);
        finish(true);
      };
    });
    return {
      pid: -1,
      group,
      before,
      exited,
      kill: () => kill(),
      dispose: async () => {
        this.live.delete(req.runId);
      },
    };
  }

  async close(): Promise<void> {}
}
