// The docker runtime: every run is a real `docker run` of the workload image, limits as docker flags. The
// launcher samples the container's own group (container mode) and reports on stdout, so cgbench needs
// nothing from the engine's host: a remote or rootless engine works as a local one (except for a shared
// parent group, which cgbench makes on this host for a local cgroupfs engine). Neighbours: see company.ts.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { basename } from 'node:path';
import { devicePathOf } from '../../cgroup/disk.js';
import { isSafeName } from '../../cgroup/files.js';
import type { CgroupSystem, OwnedGroup } from '../../cgroup/index.js';
import { SUBTREE } from '../../cgroup/detect.js';
import { monotonicNs } from '../../model/clock.js';
import { NEIGHBOUR_SETTLE_MS } from '../../model/defaults.js';
import { CgbenchError } from '../../model/errors.js';
import { usesScratch } from '../../model/params.js';
import { launcherPath, NATIVE_DIR } from '../../model/paths.js';
import type { ResolvedLimits, RuntimeName, ServiceParams, WorkloadParams } from '../../model/types.js';
import { assertNativeBuilt } from '../../programs/registry.js';
import { NeighbourLoop, neighbourRunId, parentRunId, startNeighbours } from '../neighbours.js';
import { driveService, exitedBeforeReady, serviceEnv } from '../service.js';
import { type ExitInfo, type LaunchRequest, type PreflightItem, type RunHandle, type Runtime, STOP_GRACE_MS } from '../runtime.js';
import { clientName, type DockerExec, dockerBin, dockerCli, dockerError, engineAddress, hostArgs } from './client.js';
import { containerCommand } from './command.js';
import { cgroupParentFlag, engineIsLocal, execArgs, holderCommand, parentProblem } from './company.js';
import { ContainerRun, type ReadyMark } from './container.js';
import { type DockerHostInfo, dockerEngineInfo } from './engine.js';
import { bindMountFlag, toDockerFlags } from './flags.js';
import { ensureImage } from './image.js';
import { CGBENCH_LABEL, CONTAINER_SCRATCH, DOCKER_TIMEOUTS, IMAGE_BIN_DIR, NAME_PREFIX } from './names.js';
import { linkContainerNetwork } from './network.js';
import { dockerProgramProblems } from './preflight.js';

export interface DockerRuntimeOptions {
  /** Engine address, passed as `docker -H`; default: DOCKER_HOST, else the client's default. */
  dockerHost?: string;
  /** The docker client (default: $CGBENCH_DOCKER_CLI or "docker" on PATH). */
  dockerBin?: string;
  /** Directory of the static binaries the image is built from (default: native/build). */
  binDir?: string;
  /** How long `docker run` may take to get the launcher running, ms (default 60 s). */
  startTimeoutMs?: number;
  /** This host's cgroups, where a shared parent group is made (a local engine with the cgroupfs driver). */
  cgroups?: CgroupSystem;
}

/** What a runtime is made of, once the engine answered and the image exists. An engine with docker's command
 *  line (podman/) is one too, with its own name and the few places its dialect differs. */
export interface Engine {
  /** The runtime's name in the document (default 'docker'). */
  runtime?: RuntimeName;
  docker: DockerExec;
  /** The client program and its `-H ADDR`, for the `docker run` child. */
  bin: string;
  hostArgs: string[];
  image: string;
  /** The static binaries the image was built from: bind-mounted read-only at IMAGE_BIN_DIR into a service's own
   *  image, whose entrypoint the launcher runs (default: native/build). */
  binDir?: string;
  info: DockerHostInfo;
  startTimeoutMs: number;
  /** Flags every `run` gets after the limits' (podman's --ulimit, which docker takes from its daemon). */
  runFlags?: string[];
  /** How `cp` streams a file of a container as tar, following symlinks (default `cp -L`). */
  cpArgs?: string[];
  /** The engine's address as given (absent: DOCKER_HOST or the client's default). */
  dockerHost?: string;
  cgroups?: CgroupSystem;
  /** The name of a group under cgbench's subtree that is the --cgroup-parent of every container without a
   *  shared parent (podman's own default, libpod_parent, stays behind in every hierarchy); removed on close(),
   *  so `cgroups` is needed with it. */
  defaultParent?: string;
}

/** One container of a run: the measured workload's, a neighbour's, or the holder of `same` neighbours. */
export interface ContainerSpec {
  /** The container is cgbench-<runId>. */
  runId: string;
  params: WorkloadParams;
  limits: ResolvedLimits;
  scratchDir: string;
  /** Absent: sampled only before and after (neighbours). */
  sampleIntervalMs?: number;
  /** A shared parent's path from the hierarchy roots (`--cgroup-parent`). */
  cgroupParent?: string;
  /** Run this instead of the launcher of `params` (the holder, company.ts). */
  command?: string[];
  /** Mount the scratch directory whatever `params` needs (a holder whose execs need it). */
  scratch?: boolean;
}

/** A server listens on every address of its container's own network, which only the veth pair reaches. */
const CONTAINER_SERVICE_HOST = '0.0.0.0';

/** A started run of one launcher: what its handle is built from. */
interface Started {
  run: ContainerRun;
  child: ChildProcessWithoutNullStreams;
  startupNs: number;
}

/** Waits for `p` at most `ms`, without keeping the process alive for the timer. */
export function within(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
    void p.finally(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Start-up from `t0` to the launcher's start (its own clock, `launcherNs`), which is this machine's clock
 *  only when the engine is local; otherwise count until word of the start arrived (`seenNs`, network
 *  latency included). */
export function startupFrom(t0: number, launcherNs: number, seenNs: number): number {
  return launcherNs > t0 && launcherNs <= seenNs ? launcherNs - t0 : seenNs - t0;
}

interface ContainerState {
  exitCode: number | null;
  oomKilled: boolean;
}

export class DockerRuntime implements Runtime {
  /** 'docker'; an engine with docker's command line (podman) runs its containers through this class too. */
  readonly name: RuntimeName;
  readonly neighbours = true;
  readonly services = true;
  readonly images = true;
  /** Containers this runtime made that are not removed yet (close() removes any survivors). */
  private readonly live = new Set<string>();
  private readonly docker: DockerExec;
  readonly image: string;

  constructor(private readonly engine: Engine) {
    this.docker = engine.docker;
    this.image = engine.image;
    this.name = engine.runtime ?? 'docker';
  }

  /** Command workloads' programs must exist in the image (see preflight.ts); a service needs the engine on this
   *  host (its container's network is linked to this one) and its own image, if it names one, in the engine. */
  async preflight(items: PreflightItem[]): Promise<string[]> {
    const { bin, hostArgs: host, cpArgs } = this.engine;
    const out = await dockerProgramProblems(
      { docker: this.docker, bin, hostArgs: host, image: this.image, ...(cpArgs ? { cpArgs } : {}) },
      items,
    );
    const service = items.find((i) => i.params.kind === 'service');
    if (service && !engineIsLocal(this.engine.dockerHost))
      out.push(
        `${service.where}: a service needs the engine on this host (the load generator reaches the server's container ` +
          `over a veth pair made here), and ${engineAddress(this.engine.dockerHost)} is not a local socket: ` +
          'use a local engine or --runtime native',
      );
    const seen = new Set<string>();
    for (const item of items) {
      const image = item.params.kind === 'service' ? item.params.image : undefined;
      if (!image || seen.has(image)) continue;
      seen.add(image);
      const res = await this.docker(['image', 'inspect', '--format', '{{.Id}}', image]);
      if (res.code !== 0)
        out.push(
          `${item.where}: image ${image} is not in the ${this.name} engine, and cgbench pulls nothing ` +
            `(${clientName(bin)} pull, load or build it first)`,
        );
    }
    return out;
  }

  /** Engine version, storage driver, cgroup driver and version, for the result document. */
  hostDockerInfo(): DockerHostInfo {
    return { ...this.engine.info };
  }

  /** The `docker run` arguments of one container: limits as flags, the scratch mount, the launcher in container mode. */
  runArgs(req: ContainerSpec): string[] {
    if (!isSafeName(req.runId)) {
      throw new CgbenchError('E_INPUT', `run id "${req.runId}" is not a valid container name suffix`);
    }
    const flags = toDockerFlags(req.limits, devicePathOf);
    const scratch = req.scratch === true || usesScratch(req.params);
    return [
      'run',
      '-i',
      '--name',
      `${NAME_PREFIX}${req.runId}`,
      '--label',
      `${CGBENCH_LABEL}=1`,
      '--label',
      `${CGBENCH_LABEL}.run=${req.runId}`,
      '--network',
      'none',
      // The harness decides when the run ends; a Ctrl-C must not reach the container behind its back.
      '--sig-proxy=false',
      // Output is read from the attached streams; a json-file log would only add disk writes.
      '--log-driver',
      'none',
      '--pull',
      'never',
      ...flags,
      ...(this.engine.runFlags ?? []),
      ...(req.params.kind === 'service' ? this.serviceFlags(req.params) : []),
      ...(req.cgroupParent ? cgroupParentFlag(req.cgroupParent) : this.defaultParentFlag()),
      // Overlayfs can neither do O_DIRECT nor be throttled: IO goes to a bind-mounted real disk.
      ...(scratch ? bindMountFlag(req.scratchDir, CONTAINER_SCRATCH) : []),
      ...(req.params.kind === 'service' && req.params.image ? [req.params.image] : [this.image]),
      // With --entrypoint (a service's own image) the launcher is the entrypoint and the rest its arguments.
      ...(req.command ??
        containerCommand({
          params: req.params,
          watchStdin: true,
          ...(req.sampleIntervalMs !== undefined ? { sampleIntervalMs: req.sampleIntervalMs } : {}),
        }).slice(req.params.kind === 'service' && req.params.image ? 1 : 0)),
    ];
  }

  /** A server's flags: where to listen, in its environment; in its own image, cgbench's static binaries mounted
   *  read-only where the image has none and the launcher as the entrypoint (it runs the image's). */
  private serviceFlags(p: ServiceParams): string[] {
    const env = Object.entries(serviceEnv(p, CONTAINER_SERVICE_HOST)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    if (!p.image) return env;
    return [...env, ...bindMountFlag(this.engine.binDir ?? NATIVE_DIR, IMAGE_BIN_DIR, true), '--entrypoint', launcherPath(IMAGE_BIN_DIR)];
  }

  private defaultParentFlag(): string[] {
    const name = this.engine.defaultParent;
    return name ? cgroupParentFlag(`${SUBTREE}/${name}`) : [];
  }

  launch(req: LaunchRequest): Promise<RunHandle> {
    if (req.params.kind === 'service') return this.launchService(req, req.params);
    if (!req.neighbours?.length && !req.parent) return this.launchContainer(req);
    return this.launchWithCompany(req);
  }

  /** A service: its server's container under the limits (loopback only), a veth pair from this host into that
   *  network once the launcher runs, then driveService's readiness, load from this host and stop. */
  private async launchService(req: LaunchRequest, p: ServiceParams): Promise<RunHandle> {
    if (req.neighbours?.length || req.parent)
      throw new CgbenchError('E_SCENARIO', `a service runs alone on ${this.name} (neighbours and a shared parent: use --runtime native)`);
    const params = p.image ? { ...p, argv: await this.imageCommand(p.image, p.argv) } : p;
    const server = await this.launchContainer({ ...req, params });
    let address: string;
    try {
      address = await linkContainerNetwork(await this.pid(`${NAME_PREFIX}${req.runId}`));
    } catch (e) {
      // A server that exited at once has no network to link: its run says so, with its exit.
      server.stop();
      const info = await server.exited;
      if (info.report) {
        info.serviceError = exitedBeforeReady(info, CONTAINER_SERVICE_HOST, params.port);
        return { exited: Promise.resolve(info), stop: () => undefined, dispose: () => server.dispose() };
      }
      await server.dispose();
      throw new CgbenchError('E_DOCKER', `could not link the service's container to this host: ${(e as Error).message}`);
    }
    const run = driveService(params, server, req.sampleIntervalMs, address);
    return { exited: run.exited, stop: () => run.stop(), dispose: () => server.dispose() };
  }

  /** What a service's own image runs, as `docker run IMAGE [COMMAND]` would: its entrypoint, then `command` in
   *  place of its CMD when given. */
  private async imageCommand(image: string, command: string[]): Promise<string[]> {
    const res = await this.docker(['image', 'inspect', '--format', '{{json .Config}}', image]);
    let config: { Entrypoint?: unknown; Cmd?: unknown } = {};
    try {
      config = JSON.parse(res.stdout) as typeof config;
    } catch {
      // reported below
    }
    if (res.code !== 0)
      throw new CgbenchError('E_DOCKER', `could not inspect image ${image}: ${dockerError(res.stderr) || res.stdout.trim()}`);
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    const argv = [...strings(config.Entrypoint), ...(command.length ? command : strings(config.Cmd))];
    if (!argv.length)
      throw new CgbenchError('E_SCENARIO', `image ${image} has neither an entrypoint nor a command`, 'give the service a command');
    return argv;
  }

  /** A running container's main process on this host. */
  private async pid(name: string): Promise<number> {
    const res = await this.docker(['inspect', '--format', '{{.State.Pid}}', name]);
    const pid = Number(res.stdout.trim());
    if (res.code !== 0 || !Number.isInteger(pid) || pid <= 0)
      throw new Error(`no pid for ${name}: ${dockerError(res.stderr) || res.stdout.trim()}`);
    return pid;
  }

  /** Starts one docker client child (`docker run -i` or `docker exec -i`) and waits for its launcher's
   *  READY; on failure the client is killed and `container`, when it is this run's own, removed. */
  private async startLauncher(args: string[], name: string, container: string | null): Promise<Started> {
    const t0 = monotonicNs();
    // Own process group: a terminal's Ctrl-C goes to cgbench only, which then ends the run itself.
    const { bin, hostArgs: host } = this.engine;
    const child = spawn(bin, [...host, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const run = new ContainerRun(child, name, t0, { client: clientName(bin), command: args[0] ?? 'run' });
    let ready: ReadyMark;
    try {
      ready = await run.ready(this.engine.startTimeoutMs);
    } catch (e) {
      run.release();
      // Stop the client first: otherwise it may still create the container after our rm -f.
      child.kill('SIGKILL');
      await within(run.closed, STOP_GRACE_MS);
      if (container) await this.remove(container).catch(() => undefined); // the launch error is the one to report
      if (e instanceof CgbenchError) throw e;
      throw new CgbenchError('E_DOCKER', `could not start ${name}: ${(e as Error).message}`);
    }
    return { run, child, startupNs: startupFrom(t0, ready.containerNs, ready.seenNs) };
  }

  /** One container running one launcher (the measured workload, a neighbour's start, or the holder). */
  private async launchContainer(spec: ContainerSpec): Promise<RunHandle & { startupNs: number }> {
    const args = this.runArgs(spec);
    const name = `${NAME_PREFIX}${spec.runId}`;
    this.live.add(name);
    const { run, startupNs } = await this.startLauncher(args, name, name);
    let stopped = false;
    let removal: Promise<void> | undefined;
    const remove = (): Promise<void> => (removal ??= this.remove(name));
    const exited = run.exited.then(async (e): Promise<ExitInfo> => {
      const info: ExitInfo = { ...e.info, startupNs };
      if (!e.sawReport && !stopped) {
        // The whole container died (not just the workload): Docker knows whether it was an OOM kill.
        const state = await this.state(name);
        if (state) {
          if (state.oomKilled) info.oomKilled = true;
          if (info.exitCode === null && state.exitCode !== null) info.exitCode = state.exitCode;
        }
      }
      return info;
    });
    let disposed: Promise<void> | undefined;
    return {
      startupNs,
      exited,
      stop: () => {
        if (stopped) return;
        stopped = true;
        // SIGTERM to the launcher (PID 1, which has a handler) kills the workload and lets the
        // launcher report; a container that does not end in time is removed by force.
        void this.docker(['kill', '--signal', 'TERM', name])
          .then(() => within(run.closed, STOP_GRACE_MS))
          .then(() => remove().catch(() => undefined));
      },
      dispose: () =>
        (disposed ??= (async () => {
          run.release();
          await within(run.closed, STOP_GRACE_MS);
          await remove();
        })()),
    };
  }

  /** One launcher `docker exec`ed into the running `container` (placement `same`): its stop closes the
   *  launcher's stdin (it kills the workload and still reports, as on SIGTERM); the container's removal
   *  ends whatever is left. */
  private async execIn(
    container: string,
    runId: string,
    params: WorkloadParams,
    sampleIntervalMs?: number,
  ): Promise<RunHandle & { startupNs: number }> {
    if (!isSafeName(runId)) throw new CgbenchError('E_INPUT', `run id "${runId}" is not a valid name suffix`);
    const { run, child, startupNs } = await this.startLauncher(
      execArgs(container, params, sampleIntervalMs),
      `${container} exec ${runId}`,
      null,
    );
    let escalation: NodeJS.Timeout | undefined;
    void run.closed.then(() => clearTimeout(escalation));
    return {
      startupNs,
      exited: run.exited.then((e) => ({ ...e.info })),
      stop: () => {
        run.release();
        escalation ??= setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      },
      dispose: async () => {
        run.release();
        await within(run.closed, STOP_GRACE_MS);
        child.kill('SIGKILL');
      },
    };
  }

  /**
   * A run with neighbours or a shared parent. Made in this order, removed in reverse: the parent group
   * (this host's cgroups, --cgroup-parent of every container), the holder container when a neighbour shares
   * the measured one, the neighbours (sibling containers, or execs into the holder), restarted by
   * NeighbourLoop until the measured run ends, then the measured run (its own container, or an exec into
   * the holder). Removing the holder ends every exec in it; neighbours' containers are removed as each
   * start ends, and the parent only once all containers in it are gone.
   */
  private async launchWithCompany(req: LaunchRequest): Promise<RunHandle> {
    const neighbours = req.neighbours ?? [];
    let parent: OwnedGroup | undefined;
    let holder: (RunHandle & { name: string; startupNs: number }) | undefined;
    let loops: NeighbourLoop[] = [];
    const removals: Promise<void>[] = [];
    const removeAll = async (): Promise<void> => {
      await Promise.all(loops.map((l) => l.stop()));
      await holder?.dispose();
      await Promise.allSettled(removals);
      if (parent) await this.removeParent(parent);
    };
    try {
      parent = req.parent ? this.makeParent(req.runId, req.parent) : undefined;
      const cgroupParent = parent?.relPath;
      const shared = neighbours.filter((n) => n.spec.placement === 'same');
      if (shared.length) {
        const h = await this.launchContainer({
          runId: req.runId,
          params: req.params,
          limits: req.limits,
          scratchDir: req.scratchDir,
          command: holderCommand(),
          scratch: [req.params, ...shared.map((n) => n.spec.params)].some(usesScratch),
          ...(cgroupParent ? { cgroupParent } : {}),
        });
        holder = { ...h, name: `${NAME_PREFIX}${req.runId}` };
      }
      const inHolder = holder?.name;
      loops = neighbours.map(
        (n, i) =>
          new NeighbourLoop(n.spec, async (k) => {
            const runId = neighbourRunId(req.runId, i, k);
            if (n.spec.placement === 'same' && inHolder) return this.execIn(inHolder, runId, n.spec.params);
            const h = await this.launchContainer({
              runId,
              params: n.spec.params,
              limits: n.limits,
              scratchDir: req.scratchDir,
              ...(cgroupParent ? { cgroupParent } : {}),
            });
            // Each start's container goes as soon as it ended, while the loop starts the next one.
            return { exited: h.exited.finally(() => removals.push(h.dispose())), stop: () => h.stop() };
          }),
      );
      await startNeighbours(loops, NEIGHBOUR_SETTLE_MS);
      const measured = inHolder
        ? await this.execIn(inHolder, req.runId, req.params, req.sampleIntervalMs)
        : await this.launchContainer({ ...req, ...(cgroupParent ? { cgroupParent } : {}) });
      const exited = measured.exited.then(async (info) => {
        if (holder) {
          // The measured container's start-up is the holder's; its OOM kill, if it died whole, Docker's.
          info.startupNs = holder.startupNs;
          const state = info.report ? null : await this.state(holder.name);
          if (state?.oomKilled) info.oomKilled = true;
        }
        info.neighbours = await Promise.all(loops.map((l) => l.stop()));
        return info;
      });
      let disposed: Promise<void> | undefined;
      return {
        exited,
        stop: () => measured.stop(),
        dispose: () =>
          (disposed ??= (async () => {
            await measured.dispose();
            await removeAll();
          })()),
      };
    } catch (e) {
      await removeAll().catch(() => undefined); // the launch error is the one to report
      throw e;
    }
  }

  /** The shared parent group on this host, which --cgroup-parent names to the engine. */
  private makeParent(runId: string, limits: ResolvedLimits): OwnedGroup {
    const problem = parentProblem(this.engine.info, this.engine.dockerHost, this.engine.cgroups !== undefined);
    if (problem || !this.engine.cgroups) throw new CgbenchError('E_SCENARIO', problem ?? 'no cgroups');
    return this.engine.cgroups.create(parentRunId(runId), limits);
  }

  /** Removes the parent group, then the directories the engine made for it in the v1 hierarchies cgbench's
   *  group lacks (runc makes the container's path in every hierarchy); the containers are gone by now. */
  private async removeParent(parent: OwnedGroup): Promise<void> {
    await parent.destroy();
    await this.engine.cgroups?.clean([basename(parent.relPath)]);
  }

  private async state(name: string): Promise<ContainerState | null> {
    const res = await this.docker(['inspect', '--format', '{{json .State}}', name]);
    if (res.code !== 0) return null;
    try {
      const s = JSON.parse(res.stdout) as { ExitCode?: unknown; OOMKilled?: unknown };
      return { exitCode: typeof s.ExitCode === 'number' ? s.ExitCode : null, oomKilled: s.OOMKilled === true };
    } catch {
      return null;
    }
  }

  private async remove(name: string): Promise<void> {
    // -v: also the anonymous volumes (none today); "No such container" means someone was faster.
    const res = await this.docker(['rm', '--force', '--volumes', name], { timeoutMs: DOCKER_TIMEOUTS.remove });
    if (res.code === 0 || /no such container/i.test(res.stderr)) {
      this.live.delete(name);
      return;
    }
    throw new CgbenchError(
      'E_DOCKER',
      `could not remove container ${name}: ${dockerError(res.stderr)}`,
      `run \`cgbench clean\` (or ${clientName(this.engine.bin)} rm -f it)`,
    );
  }

  async close(): Promise<void> {
    // Normally empty: every run removes its container in dispose().
    for (const name of [...this.live]) await this.remove(name).catch(() => undefined);
    // The default parent's directories in every hierarchy (conmon's group in it too), once its containers are gone.
    const name = this.engine.defaultParent;
    if (name) await this.engine.cgroups?.clean([name]);
  }
}

/** Checks the engine answers (E_DOCKER when not), then builds the workload image if these binaries have
 *  none yet. */
export async function createDockerRuntime(opts: DockerRuntimeOptions): Promise<DockerRuntime> {
  const bin = opts.dockerBin ?? dockerBin();
  const docker = dockerCli(opts.dockerHost, bin);
  const info = await dockerEngineInfo(docker, opts.dockerHost);
  const binDir = opts.binDir ?? NATIVE_DIR;
  if (!opts.binDir) assertNativeBuilt();
  const image = await ensureImage(docker, binDir, clientName(bin));
  const startTimeoutMs = opts.startTimeoutMs ?? DOCKER_TIMEOUTS.start;
  return new DockerRuntime({
    docker,
    bin,
    hostArgs: hostArgs(opts.dockerHost),
    image,
    binDir,
    info,
    startTimeoutMs,
    ...(opts.dockerHost !== undefined ? { dockerHost: opts.dockerHost } : {}),
    ...(opts.cgroups ? { cgroups: opts.cgroups } : {}),
  });
}
