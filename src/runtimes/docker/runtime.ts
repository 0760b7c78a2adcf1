// The docker runtime: every run is a real `docker run` of the workload image, limits as docker flags;
// the container's cgroups are adopted from its pid, so readings and the sampler work as for native.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { devicePathOf } from '../../cgroup/disk.js';
import type { CgroupSystem, GroupView } from '../../cgroup/index.js';
import { monotonicNs } from '../../model/clock.js';
import { CgbenchError } from '../../model/errors.js';
import { NATIVE_DIR } from '../../model/paths.js';
import type { Reading } from '../../model/types.js';
import { usesScratch } from '../../model/params.js';
import { assertNativeBuilt, invocationFor } from '../../programs/registry.js';
import { launcherArgv } from '../launcher.js';
import type { ExitInfo, LaunchRequest, PreflightItem, RunHandle, Runtime } from '../runtime.js';
import { type DockerExec, dockerBin, dockerCli, dockerError, hostArgs } from './cli.js';
import { ContainerRun } from './container.js';
import { type DockerHostInfo, dockerEngineInfo } from './engine.js';
import { bindMountFlag, toDockerFlags } from './flags.js';
import { ensureImage } from './image.js';
import { dockerProgramProblems } from './preflight.js';
import { CGBENCH_LABEL, CONTAINER_SCRATCH, IMAGE_BIN_DIR, NAME_PREFIX } from './names.js';

export interface DockerRuntimeOptions {
  cgroups: CgroupSystem;
  /** Engine address, passed as `docker -H`; default: DOCKER_HOST, else the client's default. */
  dockerHost?: string;
  /** The docker client (default: $CGBENCH_DOCKER_CLI or "docker" on PATH). */
  dockerBin?: string;
  /** Directory of the static binaries the image is built from (default: native/build). */
  binDir?: string;
  /** How long `docker run` may take to get the launcher running, ms (default 60 s). */
  startTimeoutMs?: number;
}

/** Waits for `p` at most `ms`, without keeping the process alive for the timer. */
function within(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
    void p.finally(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

function hasCounters(r: Reading): boolean {
  return r.cpu?.usageUs !== undefined || r.memory?.currentBytes !== undefined;
}

interface ContainerState {
  exitCode: number | null;
  oomKilled: boolean;
}

export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  /** Containers this runtime made that are not removed yet (close() removes any survivors). */
  private readonly live = new Set<string>();
  private readonly startTimeoutMs: number;

  private constructor(
    private readonly cgroups: CgroupSystem,
    private readonly docker: DockerExec,
    private readonly dockerArgs: { bin: string; hostArgs: string[] },
    readonly image: string,
    private readonly info: DockerHostInfo,
    startTimeoutMs: number,
  ) {
    this.startTimeoutMs = startTimeoutMs;
  }

  /** Checks the engine answers, then builds the workload image if these binaries have none yet. */
  static async create(opts: DockerRuntimeOptions): Promise<DockerRuntime> {
    const bin = opts.dockerBin ?? dockerBin();
    const docker = dockerCli(opts.dockerHost, bin);
    const info = await dockerEngineInfo(docker, opts.dockerHost);
    const binDir = opts.binDir ?? NATIVE_DIR;
    if (!opts.binDir) assertNativeBuilt();
    const image = await ensureImage(docker, binDir);
    return new DockerRuntime(
      opts.cgroups,
      docker,
      { bin, hostArgs: hostArgs(opts.dockerHost) },
      image,
      info,
      opts.startTimeoutMs ?? 60_000,
    );
  }

  /** Command workloads' programs must exist in the image (see preflight.ts). */
  preflight(items: PreflightItem[]): Promise<string[]> {
    return dockerProgramProblems(
      { docker: this.docker, bin: this.dockerArgs.bin, hostArgs: this.dockerArgs.hostArgs, image: this.image },
      items,
    );
  }

  /** Engine version, storage driver, cgroup driver and version, for the result document. */
  hostDockerInfo(): DockerHostInfo {
    return { ...this.info };
  }

  /** The `docker run` arguments of one run: limits as flags, the scratch mount, the launcher's handshake. */
  runArgs(req: LaunchRequest): string[] {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$/.test(req.runId)) {
      throw new CgbenchError('E_INPUT', `run id "${req.runId}" is not a valid container name suffix`);
    }
    const flags = toDockerFlags(req.limits, (major, minor) => devicePathOf(major, minor));
    const scratch = usesScratch(req.params);
    const inv = invocationFor(req.params, CONTAINER_SCRATCH, IMAGE_BIN_DIR);
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
      `${IMAGE_BIN_DIR}/cgbench-launch`,
      ...launcherArgv({ ns: 'none', holdStdin: true, statusStdout: true, program: inv.program, args: inv.args }),
    ];
  }

  async launch(req: LaunchRequest): Promise<RunHandle> {
    const args = this.runArgs(req);
    const name = `${NAME_PREFIX}${req.runId}`;
    this.live.add(name);
    const t0 = monotonicNs();
    // Own process group: a terminal's Ctrl-C goes to cgbench only, which then ends the run itself.
    const child = spawn(this.dockerArgs.bin, [...this.dockerArgs.hostArgs, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const run = new ContainerRun(child, name, t0);
    try {
      const ready = await run.ready(this.startTimeoutMs);
      const pid = await this.containerPid(name);
      const group = this.adopt(pid, name);
      const before = group.read();
      if (!hasCounters(before)) {
        throw new CgbenchError(
          'E_DOCKER',
          `cannot read the cgroup files of container ${name} (pid ${pid}) under ${group.dirs.join(', ')}`,
          "check `cgbench doctor`: the engine must use this host's cgroup hierarchy",
        );
      }
      run.go();
      const startupNs = ready.containerNs > t0 && ready.containerNs <= ready.seenNs ? ready.containerNs - t0 : ready.seenNs - t0;
      let removal: Promise<void> | undefined;
      const remove = (): Promise<void> => (removal ??= this.remove(name));
      const exited = run.exited.then(async (e): Promise<ExitInfo> => {
        const info: ExitInfo = { ...e.info, startupNs };
        if (!e.sawStatus && !run.killed) {
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
        pid,
        group,
        before,
        exited,
        kill: () => {
          run.killed = true;
          // SIGKILL to the container's PID 1 (our launcher) ends the container at once; rm -f makes
          // sure. Never signal the adopted group's members: that group is Docker's, not ours.
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
          remove().catch(() => undefined); // dispose() awaits the same removal and reports a failure
        },
        dispose: () =>
          (disposed ??= (async () => {
            // EOF on stdin lets the launcher (PID 1) exit, which ends the container cleanly.
            run.release();
            await within(run.closed, 5_000);
            await remove();
          })()),
      };
    } catch (e) {
      run.killed = true;
      run.release();
      // Stop the client first: otherwise it may still create the container after our rm -f.
      child.kill('SIGKILL');
      await within(run.closed, 5_000);
      await this.remove(name).catch(() => undefined); // the launch error is the one to report
      if (e instanceof CgbenchError) throw e;
      throw new CgbenchError('E_DOCKER', `could not start container ${name}: ${(e as Error).message}`);
    }
  }

  private async containerPid(name: string): Promise<number> {
    const res = await this.docker(['inspect', '--format', '{{.State.Pid}}', name]);
    const pid = Number(res.stdout.trim());
    if (res.code !== 0 || !Number.isInteger(pid) || pid <= 0) {
      throw new CgbenchError('E_DOCKER', `cannot find the pid of container ${name}: ${dockerError(res.stderr) || res.stdout.trim()}`);
    }
    return pid;
  }

  private adopt(pid: number, name: string): GroupView {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      throw new CgbenchError(
        'E_DOCKER',
        `container ${name} has pid ${pid}, which is not visible in this host's /proc`,
        'the Docker engine must run on this machine (not a remote DOCKER_HOST or a VM such as Docker Desktop) ' +
          'and cgbench must see its pid namespace',
      );
    }
    return this.cgroups.adoptFromProcCgroup(text);
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
    const res = await this.docker(['rm', '--force', '--volumes', name], { timeoutMs: 60_000 });
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

/** Factory for the CLI: checks the engine is reachable (E_DOCKER when not) and the image is built. */
export function createDockerRuntime(opts: DockerRuntimeOptions): Promise<DockerRuntime> {
  return DockerRuntime.create(opts);
}
