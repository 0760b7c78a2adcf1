// The native runtime: a cgroup made by cgbench plus Linux namespaces, no daemon. The C launcher puts the
// workload in the group before it execs, samples the group from outside it and writes its report to a file.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupSystem, OwnedGroup } from '../cgroup/index.js';
import { monotonicNs } from '../model/clock.js';
import { launcherPath } from '../model/paths.js';
import { assertNativeBuilt, invocationFor } from '../programs/registry.js';
import { NEIGHBOUR_SETTLE_MS } from '../model/defaults.js';
import type { LauncherReport, WorkloadParams } from '../model/types.js';
import { NeighbourLoop, neighbourRunId, parentRunId, startNeighbours } from './neighbours.js';
import { hostProgramProblems } from './host-preflight.js';
import { ALL_SET, SET, skip } from './knob-rules.js';
import type { RuntimeEntry } from './registry.js';
import { launcherArgv, parseLauncherReport } from './launcher.js';
import {
  driveService,
  knownServerMissing,
  knownServerProgram,
  prepareService,
  SERVICE_HOST,
  serviceEnv,
  servicePortProblems,
} from './service.js';
import {
  type ExitInfo,
  type LaunchRequest,
  type PreflightItem,
  type RunHandle,
  type Runtime,
  STDERR_TAIL,
  STDOUT_MAX,
  STOP_GRACE_MS,
  TailBuffer,
} from './runtime.js';

/** A service's server gets every namespace but the network one: it listens on the host's loopback. */
const SERVICE_NAMESPACES = 'pid,mnt,uts,ipc';

/** Status directories are named after the cgbench process, so `cgbench clean` can tell a dead run's from a live one's. */
export const STATUS_DIR_PREFIX = 'cgbench-status-';

function readReport(file: string): LauncherReport | undefined {
  try {
    return parseLauncherReport(readFileSync(file, 'utf8')) ?? undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(file, { force: true });
  }
}

export class NativeRuntime implements Runtime {
  readonly name = 'native' as const;
  readonly neighbours = true;
  readonly services = true;
  readonly knownServers = true;
  private readonly statusDir: string;

  constructor(private readonly cgroups: CgroupSystem) {
    assertNativeBuilt();
    this.statusDir = mkdtempSync(join(tmpdir(), `${STATUS_DIR_PREFIX}${process.pid}-`));
  }

  async preflight(items: PreflightItem[]): Promise<string[]> {
    // A known server that is not installed: the machine cannot run the scenario (exit 3), not a bad input.
    for (const item of items)
      if (item.params.kind === 'service' && item.params.server && !knownServerProgram(item.params.server))
        throw knownServerMissing(item.params.server);
    return [...hostProgramProblems(items), ...(await servicePortProblems(items))];
  }

  async launch(req: LaunchRequest): Promise<RunHandle> {
    // Groups are made parent first and removed in reverse: a shared parent goes last.
    const made: OwnedGroup[] = [];
    let disposeService = (): void => undefined;
    const removeAll = async (): Promise<void> => {
      disposeService();
      for (const g of [...made].reverse()) await g.destroy();
    };
    let loops: NeighbourLoop[] = [];
    try {
      const parent = req.parent ? this.cgroups.create(parentRunId(req.runId), req.parent) : undefined;
      if (parent) made.push(parent);
      const group = this.cgroups.create(req.runId, req.limits, parent);
      made.push(group);
      loops = (req.neighbours ?? []).map((n, i) => {
        let where = group;
        if (n.spec.placement === 'own') {
          where = this.cgroups.create(neighbourRunId(req.runId, i), n.limits, parent);
          made.push(where);
        }
        // Neighbours are not sampled: their rusage and their own results are what is booked.
        return new NeighbourLoop(n.spec, (k) =>
          Promise.resolve(this.spawnRun(where, n.spec.params, neighbourRunId(req.runId, i, k), req.scratchDir)),
        );
      });
      await startNeighbours(loops, NEIGHBOUR_SETTLE_MS);
      let params = req.params;
      if (params.kind === 'service') {
        // Its port and a known server's files for this run; the directory is named like the status directory, so
        // `cgbench clean` finds it after a crash.
        const prepared = await prepareService(params, join(tmpdir(), `${STATUS_DIR_PREFIX}${process.pid}-`));
        disposeService = prepared.dispose;
        params = prepared.params;
      }
      // A service keeps the host's network: it listens on loopback (told so in its environment), where the
      // generator reaches it.
      const run =
        params.kind === 'service'
          ? driveService(
              params,
              this.spawnRun(group, params, req.runId, req.scratchDir, req.sampleIntervalMs, {
                ns: SERVICE_NAMESPACES,
                env: serviceEnv(params, SERVICE_HOST),
              }),
              req.sampleIntervalMs,
              SERVICE_HOST,
            )
          : this.spawnRun(group, params, req.runId, req.scratchDir, req.sampleIntervalMs);
      const exited = run.exited.then(async (info) => {
        if (loops.length) info.neighbours = await Promise.all(loops.map((l) => l.stop()));
        return info;
      });
      return {
        exited,
        stop: () => run.stop(),
        dispose: async () => {
          await Promise.all(loops.map((l) => l.stop()));
          await removeAll();
        },
      };
    } catch (e) {
      await Promise.all(loops.map((l) => l.stop()));
      await removeAll();
      throw e;
    }
  }

  /** One launcher in `group` running one workload: its exit (with the launcher's report) and a stop. */
  private spawnRun(
    group: OwnedGroup,
    params: WorkloadParams,
    runId: string,
    scratchDir: string,
    sampleIntervalMs?: number,
    how: { ns?: string; env?: Record<string, string> } = {},
  ): Pick<RunHandle, 'exited' | 'stop'> {
    const inv = invocationFor(params, scratchDir);
    const reportFile = join(this.statusDir, `${runId}.report`);
    const args = launcherArgv({
      group: group.location,
      ...(sampleIntervalMs !== undefined ? { sampleIntervalMs } : {}),
      report: reportFile,
      hostname: 'cgbench',
      ...(how.ns !== undefined ? { ns: how.ns } : {}),
      // A command may report its own figures: the launcher makes the file beside the report and relays it.
      ...(params.kind === 'command' ? { metrics: join(this.statusDir, `${runId}.metrics`) } : {}),
      program: inv.program,
      args: inv.args,
    });
    const start = monotonicNs();
    const env = how.env ? { ...process.env, ...how.env } : process.env;
    const child = spawn(launcherPath(), args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    const stderr = new TailBuffer(STDERR_TAIL);
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < STDOUT_MAX) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    let escalation: NodeJS.Timeout | undefined;
    const exited = new Promise<ExitInfo>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(escalation);
        const info: ExitInfo = { exitCode: code, signal, stdout, stderrTail: stderr.toString(), harnessWallNs: monotonicNs() - start };
        const report = readReport(reportFile);
        if (report) info.report = report;
        resolve(info);
      });
    });
    return {
      exited,
      stop: () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // The launcher kills the workload on SIGTERM and still writes its report (the after
        // reading); one that does not exit in time is killed with its whole group.
        child.kill('SIGTERM');
        escalation ??= setTimeout(() => {
          child.kill('SIGKILL');
          group.killAll();
        }, STOP_GRACE_MS);
      },
    };
  }

  close(): Promise<void> {
    rmSync(this.statusDir, { recursive: true, force: true });
    return Promise.resolve();
  }
}

/** The native runtime's entry in the runtime registry: it writes the knob table's files itself. */
export const nativeEntry: RuntimeEntry = {
  summary: 'a cgroup made by cgbench plus new namespaces on this machine, no daemon (the default)',
  mode: 'run',
  knobs: {
    ...ALL_SET,
    memoryHigh: (_l, host) =>
      host?.cgroup.driver === 'v1'
        ? skip(
            'memory.high (it exists only on cgroup v2, and this host is v1)',
            'run on a cgroup v2 host (or the v2 lab: npm run test:v2 / scripts/v2lab/run.sh) to see reclaim throttling',
          )
        : SET,
  },
  hostCgroups: true,
  measuresHost: () => true,
  open: ({ cgroups }) => Promise.resolve(new NativeRuntime(cgroups)),
};
