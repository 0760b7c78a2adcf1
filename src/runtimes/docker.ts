// The docker runtime: every run is a real `docker run` of the workload image, limits as docker flags;
// the container's cgroups are adopted from its pid, so readings and the sampler work as for native.

import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CgroupSystem } from '../cgroup/index.js';
import { type CgroupGroup, monotonicNs } from '../cgroup/group.js';
import { CgbenchError } from '../model/errors.js';
import type { HostInfo, ProcessStatus, Reading, WorkloadParams } from '../model/types.js';
import { assertNativeBuilt, invocationFor, NATIVE_DIR } from '../workloads/registry.js';
import { bindMountFlag, toDockerFlags } from './docker-flags.js';
import { CGBENCH_LABEL, type DockerExec, dockerError, type DockerResult, ensureImage, IMAGE_BIN_DIR } from './docker-image.js';
import { parseLauncherStatus } from './native.js';
import { type ExitInfo, type LaunchRequest, type RunHandle, type Runtime, TailBuffer } from './runtime.js';

const STDOUT_MAX = 1 << 20;
/** Where the scratch directory is bind-mounted inside the container. */
const CONTAINER_SCRATCH = '/scratch';
const NAME_PREFIX = 'cgbench-';
const STATUS_MARK = 'CGBENCH-STATUS ';

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

export type DockerHostInfo = NonNullable<HostInfo['docker']>;

/** The engine address for messages: what the client will talk to. */
export function engineAddress(dockerHost?: string): string {
  return dockerHost ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

const NO_ENGINE_HINT = 'start one with eval "$(scripts/docker-up.sh)", or point DOCKER_HOST / --docker-host at a running engine';

/** A docker CLI runner bound to one engine: argument arrays only, never a shell. */
export function dockerCli(dockerHost?: string, dockerBin = process.env.CGBENCH_DOCKER_CLI ?? 'docker'): DockerExec {
  const hostArgs = dockerHost ? ['-H', dockerHost] : [];
  return (args, opts = {}) =>
    new Promise<DockerResult>((resolve, reject) => {
      const child = execFile(
        dockerBin,
        [...hostArgs, ...args],
        { encoding: 'utf8', maxBuffer: 16 << 20, timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
          if (e && e.code === 'ENOENT') {
            reject(new CgbenchError('E_DOCKER', `the docker client "${dockerBin}" is not installed`, 'scripts/docker-up.sh installs Debian\'s docker.io and starts a private engine'));
            return;
          }
          if (e && e.killed) {
            resolve({ code: null, stdout, stderr: `${stderr}\ndocker ${args[0] ?? ''} timed out after ${(opts.timeoutMs ?? 30_000) / 1000} s` });
            return;
          }
          resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
        },
      );
      if (opts.input) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
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

/** `docker info --format '{{json .}}'` -> what the result document records about the engine. */
export function parseDockerInfo(json: string): DockerHostInfo | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
  const str = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
  if (!str('ServerVersion')) return null;
  return { version: str('ServerVersion'), storageDriver: str('Driver'), cgroupDriver: str('CgroupDriver'), cgroupVersion: str('CgroupVersion') || 'unknown' };
}

/** Asks the engine for its info; a clear E_DOCKER error when there is no engine. */
export async function dockerEngineInfo(docker: DockerExec, dockerHost?: string): Promise<DockerHostInfo> {
  const res = await docker(['info', '--format', '{{json .}}'], { timeoutMs: 15_000 });
  const info = parseDockerInfo(res.stdout.trim());
  if (res.code === 0 && info) return info;
  const why = dockerError(res.stderr) || `docker info exited ${res.code}`;
  throw new CgbenchError('E_DOCKER', `no Docker engine at ${engineAddress(dockerHost)}: ${why}`, NO_ENGINE_HINT);
}

/** Does this workload read or write files in the scratch directory? */
function usesScratch(params: WorkloadParams): boolean {
  return params.kind === 'io' || (params.kind === 'memory' && params.mode === 'pagecache');
}

/** Docker names IO throttle devices by path; the kernel's name for a disk is in its uevent. */
export function devicePathOf(major: number, minor: number, sysRoot = '/sys'): string {
  try {
    const uevent = readFileSync(`${sysRoot}/dev/block/${major}:${minor}/uevent`, 'utf8');
    const name = /^DEVNAME=(.+)$/m.exec(uevent)?.[1];
    if (name) return `/dev/${name.trim()}`;
  } catch {
    // fall through to the error
  }
  throw new CgbenchError('E_IO_TARGET', `no device node known for block device ${major}:${minor}`, 'docker needs a /dev path for --device-*-bps; check `lsblk`');
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
    const bin = opts.dockerBin ?? process.env.CGBENCH_DOCKER_CLI ?? 'docker';
    const docker = dockerCli(opts.dockerHost, bin);
    const info = await dockerEngineInfo(docker, opts.dockerHost);
    const binDir = opts.binDir ?? NATIVE_DIR;
    if (!opts.binDir) assertNativeBuilt();
    const image = await ensureImage(docker, binDir);
    return new DockerRuntime(opts.cgroups, docker, { bin, hostArgs: opts.dockerHost ? ['-H', opts.dockerHost] : [] }, image, info, opts.startTimeoutMs ?? 60_000);
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
      '--name', `${NAME_PREFIX}${req.runId}`,
      '--label', `${CGBENCH_LABEL}=1`,
      '--label', `${CGBENCH_LABEL}.run=${req.runId}`,
      '--network', 'none',
      // The harness decides when the run ends; a Ctrl-C must not reach the container behind its back.
      '--sig-proxy=false',
      // Output is read from the attached streams; a json-file log would only add disk writes.
      '--log-driver', 'none',
      '--pull', 'never',
      ...flags.args,
      // Overlayfs can neither do O_DIRECT nor be throttled: IO goes to a bind-mounted real disk.
      ...(scratch ? bindMountFlag(req.scratchDir, CONTAINER_SCRATCH) : []),
      this.image,
      `${IMAGE_BIN_DIR}/cgbench-launch`,
      '--ns', 'none',
      '--hold-stdin',
      '--status-stdout',
      '--',
      inv.program,
      ...inv.args,
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
        throw new CgbenchError('E_DOCKER', `cannot read the cgroup files of container ${name} (pid ${pid}) under ${group.dirs.join(', ')}`, 'check `cgbench doctor`: the engine must use this host\'s cgroup hierarchy');
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

  private adopt(pid: number, name: string): CgroupGroup {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      throw new CgbenchError(
        'E_DOCKER',
        `container ${name} has pid ${pid}, which is not visible in this host's /proc`,
        'the Docker engine must run on this machine (not a remote DOCKER_HOST or a VM such as Docker Desktop) and cgbench must see its pid namespace',
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
    throw new CgbenchError('E_DOCKER', `could not remove container ${name}: ${dockerError(res.stderr)}`, 'run `cgbench clean` (or docker rm -f it)');
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

interface ReadyMark {
  /** The launcher's CLOCK_MONOTONIC at its first instruction in the container. */
  containerNs: number;
  /** Harness monotonic time when the mark arrived. */
  seenNs: number;
}

interface RunEnd {
  info: Omit<ExitInfo, 'startupNs'>;
  sawStatus: boolean;
}

/** The `docker run -i` child: parses the launcher's markers (stderr) and status line (stdout). */
class ContainerRun {
  killed = false;
  readonly exited: Promise<RunEnd>;
  readonly closed: Promise<void>;
  private stdout = '';
  private stdoutLine = '';
  private stderrLine = '';
  private readonly stderr = new TailBuffer(4096);
  private readyMark: ReadyMark | undefined;
  private onReady: ((m: ReadyMark) => void) | undefined;
  private onEarlyEnd: ((e: Error) => void) | undefined;
  private goNs = 0;
  private released = false;
  private resolveExit!: (e: RunEnd) => void;
  private ended = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly name: string,
    private readonly t0: number,
  ) {
    this.exited = new Promise<RunEnd>((r) => (this.resolveExit = r));
    child.stdin.on('error', () => {
      // EPIPE once the container is gone: nothing left to tell it.
    });
    // Decoded as streams, so a multi-byte character split across chunks stays whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => this.onStdout(d));
    child.stderr.on('data', (d: string) => this.onStderr(d));
    this.closed = new Promise<void>((resolve) => {
      child.on('error', (err) => {
        this.onEarlyEnd?.(err);
        this.finish(null, null, err.message);
        resolve();
      });
      child.on('close', (code, signal) => {
        this.flushLines();
        this.onEarlyEnd?.(new Error(dockerError(this.stderr.toString()) || `docker run exited ${code ?? signal} before the container started`));
        this.finish(code, signal, undefined);
        resolve();
      });
    });
  }

  ready(timeoutMs: number): Promise<ReadyMark> {
    if (this.readyMark) return Promise.resolve(this.readyMark);
    return new Promise<ReadyMark>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CgbenchError('E_DOCKER', `container ${this.name} did not start within ${timeoutMs / 1000} s`, 'check the engine (`docker info`) and its log')), timeoutMs);
      this.onReady = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.onEarlyEnd = (e) => {
        clearTimeout(timer);
        reject(new CgbenchError('E_DOCKER', `docker run failed for ${this.name}: ${e.message}`, 'check the limits of this cell against the engine (`cgbench doctor`)'));
      };
    });
  }

  /** Let the workload start: the "before" reading has been taken. */
  go(): void {
    this.onEarlyEnd = undefined;
    this.goNs = monotonicNs();
    this.child.stdin.write('go\n');
  }

  /** Close the launcher's stdin: it exits after the workload (or kills a workload still running). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.child.stdin.end();
  }

  private onStdout(text: string): void {
    const lines = (this.stdoutLine + text).split('\n');
    this.stdoutLine = lines.pop() ?? '';
    for (const line of lines) this.stdoutLineDone(line);
  }

  private stdoutLineDone(line: string): void {
    if (line.startsWith(STATUS_MARK)) {
      const status = parseLauncherStatus(line.slice(STATUS_MARK.length));
      this.finishWithStatus(status);
      return;
    }
    if (this.stdout.length < STDOUT_MAX) this.stdout += `${line}\n`;
  }

  private onStderr(text: string): void {
    const lines = (this.stderrLine + text).split('\n');
    this.stderrLine = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^CGBENCH-(READY|START) (\d+)$/.exec(line.trim());
      if (m?.[1] === 'READY') {
        this.readyMark = { containerNs: Number(m[2]), seenNs: monotonicNs() };
        this.onReady?.(this.readyMark);
      } else if (!m) {
        this.stderr.push(`${line}\n`);
      }
    }
  }

  private flushLines(): void {
    if (this.stdoutLine) this.stdoutLineDone(this.stdoutLine);
    if (this.stderrLine) this.stderr.push(this.stderrLine);
    this.stdoutLine = this.stderrLine = '';
  }

  private finishWithStatus(status: ProcessStatus | undefined): void {
    if (this.ended) return;
    this.ended = true;
    const exitCode = status ? (status.exitCode ?? (status.signal !== null ? 128 + status.signal : null)) : null;
    const info: RunEnd['info'] = { exitCode, signal: null, stdout: this.stdout, stderrTail: this.stderr.toString(), harnessWallNs: monotonicNs() - (this.goNs || this.t0) };
    if (status) info.process = status;
    this.resolveExit({ info, sawStatus: true });
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, error: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    const stderrTail = error ? `${this.stderr.toString()}\n${error}` : this.stderr.toString();
    this.resolveExit({ info: { exitCode: code, signal, stdout: this.stdout, stderrTail, harnessWallNs: monotonicNs() - (this.goNs || this.t0) }, sawStatus: false });
  }
}

/** `cgbench clean`: remove containers (and with `images`, workload images) cgbench left behind.
 *  Returns the container names removed; [] when no engine answers (nothing to clean there). */
export async function cleanDockerLeftovers(dockerHost?: string, opts: { images?: boolean; dryRun?: boolean; dockerBin?: string } = {}): Promise<string[]> {
  const docker = dockerCli(dockerHost, opts.dockerBin);
  let list: DockerResult;
  try {
    list = await docker(['ps', '--all', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.Label "cgbench"}}'], { timeoutMs: 15_000 });
  } catch {
    return []; // no client installed
  }
  if (list.code !== 0) return [];
  const found = new Map<string, string>();
  for (const line of list.stdout.split('\n')) {
    const [id, names, label] = line.trim().split(' ');
    if (!id || !names) continue;
    if (label || names.split(',').some((n) => n.startsWith(NAME_PREFIX))) found.set(id, names);
  }
  if (found.size && !opts.dryRun) {
    const res = await docker(['rm', '--force', '--volumes', ...found.keys()], { timeoutMs: 120_000 });
    if (res.code !== 0 && !/no such container/i.test(res.stderr)) {
      throw new CgbenchError('E_DOCKER', `could not remove cgbench containers: ${dockerError(res.stderr)}`, 'remove them with docker rm -f');
    }
  }
  if (opts.images && !opts.dryRun) {
    const imgs = await docker(['image', 'ls', '--quiet', '--filter', `label=${CGBENCH_LABEL}=1`]);
    const ids = [...new Set(imgs.stdout.split('\n').map((l) => l.trim()).filter(Boolean))];
    if (ids.length) await docker(['image', 'rm', '--force', ...ids]);
  }
  return [...found.values()].sort();
}
