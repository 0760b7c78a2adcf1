// The runtime interface: how a workload is started inside a container under limits. One
// implementation per runtime (native, docker, fake); the scheduler starts runs only through this.

import type {
  LauncherReport,
  LoadReport,
  NeighbourRun,
  NeighbourSpec,
  NodeInfo,
  ResolvedLimits,
  RuntimeName,
  WorkloadParams,
} from '../model/types.js';

/** A neighbour of one run: what it runs and its limits with their devices resolved. */
export interface NeighbourLaunch {
  spec: NeighbourSpec;
  limits: ResolvedLimits;
}

export interface LaunchRequest {
  /** Unique, filesystem-safe id of this run; becomes the group or container name suffix. */
  runId: string;
  params: WorkloadParams;
  limits: ResolvedLimits;
  scratchDir: string;
  /** How often the launcher samples the group's stat files, ms. */
  sampleIntervalMs: number;
  /** Cluster runtimes: the hostname of the node the scheduler gave this run. */
  node?: string;
  /** Started before the workload, kept busy (restarted when they finish) until it exits, then stopped. */
  neighbours?: NeighbourLaunch[];
  /** One parent group over the workload and its neighbours, with these limits. */
  parent?: ResolvedLimits;
}

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderrTail: string;
  /** Harness-side wall time of the run, ns (native: spawn to exit; docker: from the launcher's
   *  READY to its report, so container start-up is reported only in startupNs). */
  harnessWallNs: number;
  /** The launcher's report (readings, ticks, exit and rusage); absent when the launcher died first. */
  report?: LauncherReport;
  /** Docker: container start-up latency. */
  startupNs?: number;
  /** The runtime itself saw an OOM kill (e.g. Docker State.OOMKilled). */
  oomKilled?: boolean;
  /** What each neighbour did meanwhile, in the request's order. */
  neighbours?: NeighbourRun[];
  /** A service: the load generator's report (runtimes/service.ts). */
  load?: LoadReport;
  /** A service: why its run failed (never ready, exited early, no generator report). */
  serviceError?: string;
  /** A service driven by a client command of the user's: how it ended and what it printed (runtimes/client.ts). */
  client?: ClientExit;
}

/** A service's client command after its run. */
export interface ClientExit {
  /** As run, its placeholders filled in. */
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  /** It could not be started (spawn's error). */
  error?: string;
  stdout: string;
  stderrTail: string;
  /** The lines it wrote to the file named by $CGBENCH_METRICS. */
  metricLines: string[];
  wallNs: number;
  /** Its threads' CPU time, ns, and the busiest one's share of the wall time (read from /proc while it ran). */
  cpuNs: number;
  threadBusyMax: number;
}

export interface RunHandle {
  readonly exited: Promise<ExitInfo>;
  /** End the workload early (time-out, interrupt): the launcher kills it and still reports. */
  stop(): void;
  /** Remove the group or container. Call after `exited`; safe to call twice. */
  dispose(): Promise<void>;
}

/** One cell as a runtime's preflight sees it: what it will run, and under which limits. */
export interface PreflightItem {
  /** Names the cell in a problem: 'workload "mine", limit set "pinned"'. */
  where: string;
  params: WorkloadParams;
  limits: ResolvedLimits;
}

export interface Runtime {
  readonly name: RuntimeName;
  /** A cluster runtime's nodes: the suite gives each cell one node and runs one run per node at a time,
   *  the nodes at once. Absent: every run on this machine, one after another. */
  readonly nodes?: readonly NodeInfo[];
  /** It can run neighbours beside a workload and a parent group over them (LaunchRequest.neighbours). */
  readonly neighbours?: boolean;
  /** It can start a service's server under the limits with the load generator outside them (runtimes/service.ts). */
  readonly services?: boolean;
  /** It can run a service's server from a container image's entrypoint (`image:`). */
  readonly images?: boolean;
  /** It can run a known server (`server: nginx`) from this host's files, whose configuration cgbench writes there. */
  readonly knownServers?: boolean;
  /** What can be checked before the first run (a command's program exists where it will run): one
   *  line per problem, naming the field and the fix. Optional: a runtime without it checks nothing. */
  preflight?(items: PreflightItem[]): Promise<string[]>;
  launch(req: LaunchRequest): Promise<RunHandle>;
  /** Release what the runtime made for the whole suite (temp dirs, images). */
  close(): Promise<void>;
}

/** A workload's stdout is kept up to this many characters (its JSON metrics line comes last). */
export const STDOUT_MAX = 1 << 20;

/** The end of a run's stderr kept for its outcome's message and the report, characters. */
export const STDERR_TAIL = 4096;

/** Keep the last `max` characters of a stream. */
export class TailBuffer {
  private text = '';
  constructor(private readonly max: number) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.slice(-this.max);
  }
}

/** How long a stopped launcher may take to write its report before it and its group are killed. */
export const STOP_GRACE_MS = 5_000;
