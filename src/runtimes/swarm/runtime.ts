// The swarm runtime: every run is a Swarm job (`docker service create --mode replicated-job`) pinned to one
// node, limits as service flags, the launcher in container mode; its report comes back through
// `docker service logs --follow`, the job's task state says when it died without one.

import { spawn } from 'node:child_process';
import { isSafeName } from '../../cgroup/files.js';
import { monotonicNs } from '../../model/clock.js';
import { CgbenchError } from '../../model/errors.js';
import { launcherPath, NATIVE_DIR } from '../../model/paths.js';
import type { NodeInfo } from '../../model/types.js';
import { assertNativeBuilt, invocationFor } from '../../programs/registry.js';
import { launcherArgv } from '../launcher.js';
import { type ExitInfo, type LaunchRequest, type PreflightItem, type RunHandle, type Runtime, STOP_GRACE_MS } from '../runtime.js';
import { clientName, type DockerExec, dockerBin, dockerCli, dockerError, hostArgs } from '../docker/client.js';
import { ContainerRun } from '../docker/container.js';
import { dockerEngineInfo } from '../docker/engine.js';
import { ensureImage } from '../docker/image.js';
import { CGBENCH_LABEL, CONTAINER_SCRATCH, DOCKER_TIMEOUTS, IMAGE_BIN_DIR, NAME_PREFIX } from '../docker/names.js';
import { startupFrom, within } from '../docker/runtime.js';
import { nodeConstraint, swarmWorkloadProblems, toSwarmFlags } from './flags.js';
import { distributeImage, type SwarmNode, swarmNodes } from './nodes.js';
import { removeService, type TaskStatus, taskStatus, removeServiceContainers } from './service.js';

export interface SwarmRuntimeOptions {
  /** The manager's engine (`docker -H`); default DOCKER_HOST. */
  dockerHost?: string;
  dockerBin?: string;
  binDir?: string;
}

interface Swarm {
  manager: DockerExec;
  bin: string;
  dockerHost?: string;
  image: string;
  nodes: SwarmNode[];
}

/** How often a running job's task is asked for its state, ms: a death without a report shows within it. */
const TASK_POLL_MS = 1_000;
/** Task states after which no report can come. */
const FINAL_STATES = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

export class SwarmRuntime implements Runtime {
  readonly name = 'swarm' as const;
  readonly nodes: readonly NodeInfo[];
  /** Services this runtime made that are not removed yet (close() removes any survivors). */
  private readonly live = new Set<string>();

  constructor(private readonly swarm: Swarm) {
    this.nodes = swarm.nodes.map((n) => n.info);
  }

  preflight(items: PreflightItem[]): Promise<string[]> {
    return Promise.resolve(swarmWorkloadProblems(items));
  }

  /** The `docker service create` arguments of one run on `node`. */
  createArgs(req: LaunchRequest, node: string): string[] {
    if (!isSafeName(req.runId)) throw new CgbenchError('E_INPUT', `run id "${req.runId}" is not a valid service name suffix`);
    const inv = invocationFor(req.params, CONTAINER_SCRATCH, IMAGE_BIN_DIR);
    const labels = [`${CGBENCH_LABEL}=1`, `${CGBENCH_LABEL}.run=${req.runId}`];
    return [
      'service',
      'create',
      '--detach',
      '--quiet',
      '--name',
      `${NAME_PREFIX}${req.runId}`,
      ...labels.flatMap((l) => ['--label', l, '--container-label', l]),
      '--mode',
      'replicated-job',
      '--restart-condition',
      'none',
      // The image was loaded into every node (no registry): never ask one for it.
      '--no-resolve-image',
      '--stop-grace-period',
      `${STOP_GRACE_MS / 1000}s`,
      ...nodeConstraint(node),
      ...toSwarmFlags(req.limits),
      this.swarm.image,
      launcherPath(IMAGE_BIN_DIR),
      ...launcherArgv({
        group: 'self',
        sampleIntervalMs: req.sampleIntervalMs,
        report: '-',
        ns: 'none',
        program: inv.program,
        args: inv.args,
      }),
    ];
  }

  private nodeOf(hostname: string | undefined): SwarmNode {
    const node = this.swarm.nodes.find((n) => n.info.hostname === hostname);
    if (!node) throw new CgbenchError('E_INPUT', `no swarm node "${hostname ?? ''}" to run on`);
    return node;
  }

  async launch(req: LaunchRequest): Promise<RunHandle> {
    const node = this.nodeOf(req.node);
    const name = `${NAME_PREFIX}${req.runId}`;
    const t0 = monotonicNs();
    this.live.add(name);
    const created = await this.swarm.manager(this.createArgs(req, node.info.hostname), { timeoutMs: DOCKER_TIMEOUTS.start });
    if (created.code !== 0) {
      await this.remove(name).catch(() => undefined);
      const why = dockerError(created.stderr);
      throw new CgbenchError('E_DOCKER', `could not create service ${name}: ${why}`, 'check the swarm with `docker node ls`');
    }
    const job = new Job(this.swarm, name, t0);
    let disposed: Promise<void> | undefined;
    return {
      exited: job.exited,
      // Removing the service stops its container (SIGTERM: the launcher kills the workload); what it
      // still reports within the grace is read, then the reader stops.
      stop: () =>
        void this.remove(name).then(
          () => job.stopReading(STOP_GRACE_MS),
          () => job.stopReading(0),
        ),
      dispose: () =>
        (disposed ??= (async () => {
          await this.remove(name);
          await job.end();
          await removeServiceContainers(dockerCli(node.engine, this.swarm.bin), name);
        })()),
    };
  }

  private async remove(name: string): Promise<void> {
    await removeService(this.swarm.manager, name);
    this.live.delete(name);
  }

  async close(): Promise<void> {
    for (const name of [...this.live]) await this.remove(name).catch(() => undefined);
  }
}

/** One job's report stream and task state, until the report's end or the task's. */
class Job {
  readonly exited: Promise<ExitInfo>;
  private readonly logs;
  private readonly run: ContainerRun;
  private polling: NodeJS.Timeout | undefined;

  constructor(
    private readonly swarm: Swarm,
    private readonly name: string,
    private readonly t0: number,
  ) {
    const args = [...hostArgs(swarm.dockerHost), 'service', 'logs', '--follow', '--raw', name];
    this.logs = spawn(swarm.bin, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.run = new ContainerRun(this.logs, name, t0, { client: clientName(swarm.bin), command: 'service logs' }, () => this.logs.kill());
    this.exited = this.watch();
  }

  private async watch(): Promise<ExitInfo> {
    let last: TaskStatus | null = null;
    const poll = async (): Promise<void> => {
      last = (await taskStatus(this.swarm.manager, this.name)) ?? last;
      // A task that ended before its report streamed in: `--follow` can lag or drop a finished task's last lines
      // (a whole report lost in CI), so read its log once more from the start, then stop following.
      if (last && FINAL_STATES.has(last.state)) void this.reread().finally(() => this.logs.kill());
      else this.polling = setTimeout(() => void poll(), TASK_POLL_MS);
    };
    this.polling = setTimeout(() => void poll(), TASK_POLL_MS);
    const end = await this.run.exited;
    clearTimeout(this.polling);
    const info: ExitInfo = { ...end.info };
    const before = end.info.report?.before?.tNs;
    if (before !== undefined) info.startupNs = startupFrom(this.t0, before, this.t0 + end.info.harnessWallNs);
    if (!end.sawReport) {
      const task: TaskStatus | null = (await taskStatus(this.swarm.manager, this.name)) ?? last;
      info.exitCode = task?.exitCode ?? null;
      info.signal = null;
      if (task?.error) info.stderrTail = `${info.stderrTail}\n${task.state}: ${task.error}`.trim();
    }
    return info;
  }

  /** The finished task's whole log, read once without `--follow`, in place of the stream when it holds the report
   *  the stream lacks; when it does not either, the stream gets the grace to deliver it. */
  private async reread(): Promise<void> {
    const once = await this.swarm.manager(['service', 'logs', '--raw', this.name], { timeoutMs: DOCKER_TIMEOUTS.query }).catch(() => null);
    if (once?.code === 0 && this.run.replay(once.stdout)) return;
    await new Promise((r) => setTimeout(r, STOP_GRACE_MS));
  }

  /** Stops reading the logs `afterMs` from now. */
  stopReading(afterMs: number): void {
    setTimeout(() => this.logs.kill(), afterMs).unref();
  }

  /** Stops reading the logs (after the service is gone) and waits for the reader to exit. */
  async end(): Promise<void> {
    clearTimeout(this.polling);
    this.logs.kill();
    await within(this.run.closed, STOP_GRACE_MS);
  }
}

/** Checks the manager answers and lists its nodes (E_DOCKER when not), builds the workload image if these
 *  binaries have none yet, and loads it into every node that lacks it. */
export async function createSwarmRuntime(opts: SwarmRuntimeOptions): Promise<SwarmRuntime> {
  const bin = opts.dockerBin ?? dockerBin();
  const manager = dockerCli(opts.dockerHost, bin);
  await dockerEngineInfo(manager, opts.dockerHost);
  const nodes = await swarmNodes(manager, bin);
  const binDir = opts.binDir ?? NATIVE_DIR;
  if (!opts.binDir) assertNativeBuilt();
  const image = await ensureImage(manager, binDir, clientName(bin));
  await distributeImage({ bin, manager: opts.dockerHost, tag: image, nodes });
  const swarm: Swarm = { manager, bin, image, nodes };
  if (opts.dockerHost) swarm.dockerHost = opts.dockerHost;
  return new SwarmRuntime(swarm);
}
