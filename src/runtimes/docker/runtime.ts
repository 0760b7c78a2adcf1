// The docker runtime: every run is a real `docker run` of the workload image, limits as docker flags. The
// launcher samples the container's own group (container mode) and reports on stdout, so cgbench needs
// nothing from the engine's host: a remote or rootless engine works as a local one.

import { spawn } from 'node:child_process';
import { devicePathOf } from '../../cgroup/disk.js';
import { isSafeName } from '../../cgroup/files.js';
import { monotonicNs } from '../../model/clock.js';
import { CgbenchError } from '../../model/errors.js';
import { usesScratch } from '../../model/params.js';
import { NATIVE_DIR } from '../../model/paths.js';
import { assertNativeBuilt } from '../../programs/registry.js';
import { type ExitInfo, type LaunchRequest, type PreflightItem, type RunHandle, type Runtime, STOP_GRACE_MS } from '../runtime.js';
import { type DockerExec, dockerBin, dockerCli, dockerError, hostArgs } from './client.js';
import { containerCommand } from './command.js';
import { ContainerRun, type ReadyMark } from './container.js';
import { type DockerHostInfo, dockerEngineInfo } from './engine.js';
import { bindMountFlag, toDockerFlags } from './flags.js';
import { ensureImage } from './image.js';
import { CGBENCH_LABEL, CONTAINER_SCRATCH, DOCKER_TIMEOUTS, NAME_PREFIX } from './names.js';
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
}

/** What a runtime is made of, once the engine answered and the image exists. */
interface Engine {
  docker: DockerExec;
  /** The client program and its `-H ADDR`, for the `docker run` child. */
  bin: string;
  hostArgs: string[];
  image: string;
  info: DockerHostInfo;
  startTimeoutMs: number;
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
  readonly name = 'docker' as const;
  /** Containers this runtime made that are not removed yet (close() removes any survivors). */
  private readonly live = new Set<string>();
  private readonly docker: DockerExec;
  readonly image: string;

  constructor(private readonly engine: Engine) {
    this.docker = engine.docker;
    this.image = engine.image;
  }

  /** Command workloads' programs must exist in the image (see preflight.ts). */
  preflight(items: PreflightItem[]): Promise<string[]> {
    return dockerProgramProblems({ docker: this.docker, bin: this.engine.bin, hostArgs: this.engine.hostArgs, image: this.image }, items);
  }

  /** Engine version, storage driver, cgroup driver and version, for the result document. */
  hostDockerInfo(): DockerHostInfo {
    return { ...this.engine.info };
  }

  /** The `docker run` arguments of one run: limits as flags, the scratch mount, the launcher in container mode. */
  runArgs(req: LaunchRequest): string[] {
    if (!isSafeName(req.runId)) {
      throw new CgbenchError('E_INPUT', `run id "${req.runId}" is not a valid container name suffix`);
    }
    const flags = toDockerFlags(req.limits, devicePathOf);
    const scratch = usesScratch(req.params);
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
      // Overlayfs can neither do O_DIRECT nor be throttled: IO goes to a bind-mounted real disk.
      ...(scratch ? bindMountFlag(req.scratchDir, CONTAINER_SCRATCH) : []),
      this.image,
      ...containerCommand({ params: req.params, sampleIntervalMs: req.sampleIntervalMs, watchStdin: true }),
    ];
  }

  async launch(req: LaunchRequest): Promise<RunHandle> {
    const args = this.runArgs(req);
    const name = `${NAME_PREFIX}${req.runId}`;
    this.live.add(name);
    const t0 = monotonicNs();
    // Own process group: a terminal's Ctrl-C goes to cgbench only, which then ends the run itself.
    const { bin, hostArgs: host } = this.engine;
    const child = spawn(bin, [...host, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const run = new ContainerRun(child, name, t0);
    let ready: ReadyMark;
    try {
      ready = await run.ready(this.engine.startTimeoutMs);
    } catch (e) {
      run.release();
      // Stop the client first: otherwise it may still create the container after our rm -f.
      child.kill('SIGKILL');
      await within(run.closed, STOP_GRACE_MS);
      await this.remove(name).catch(() => undefined); // the launch error is the one to report
      if (e instanceof CgbenchError) throw e;
      throw new CgbenchError('E_DOCKER', `could not start container ${name}: ${(e as Error).message}`);
    }
    const startupNs = startupFrom(t0, ready.containerNs, ready.seenNs);
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
      'run `cgbench clean` (or docker rm -f it)',
    );
  }

  async close(): Promise<void> {
    // Normally empty: every run removes its container in dispose().
    for (const name of [...this.live]) await this.remove(name).catch(() => undefined);
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
  const image = await ensureImage(docker, binDir);
  const startTimeoutMs = opts.startTimeoutMs ?? DOCKER_TIMEOUTS.start;
  return new DockerRuntime({ docker, bin, hostArgs: hostArgs(opts.dockerHost), image, info, startTimeoutMs });
}
