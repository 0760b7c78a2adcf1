// The podman client, and what it says about itself: the program with the global flags every call gets, its
// `podman info` as the engine the document records, and the ulimits a container may ask for on this machine.
// Pure but for the client calls.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CgbenchError } from '../../model/errors.js';
import type { EngineInfo } from '../../model/types.js';
import { dockerCli, dockerError, type DockerExec } from '../docker/client.js';
import { DOCKER_TIMEOUTS } from '../docker/names.js';

/** The client program: $CGBENCH_PODMAN_CLI or "podman" on PATH. */
export function podmanBin(): string {
  return process.env.CGBENCH_PODMAN_CLI ?? 'podman';
}

/** Before every subcommand: containers' groups as plain directories (cgroupfs), which the launcher samples from
 *  inside as under Docker and under which cgbench can put a shared parent group; systemd's manager would make
 *  them transient units instead (and needs systemd as init). */
export const PODMAN_GLOBAL_ARGS: readonly string[] = ['--cgroup-manager=cgroupfs'];

export const PODMAN_INSTALL_HINT = "install Debian's podman (apt-get install podman); cgbench runs it as root";

/** The podman client with its global flags: docker's calling convention (argument arrays, never a shell). */
export function podmanCli(bin = podmanBin()): DockerExec {
  const cli = dockerCli(undefined, bin);
  return (args, opts) => cli([...PODMAN_GLOBAL_ARGS, ...args], opts);
}

/** The client's version line; null when it is not installed. */
export async function podmanVersion(bin = podmanBin()): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)(bin, ['--version'], { encoding: 'utf8', timeout: 5000 });
    return stdout.trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

/** `podman info --format json` -> the engine the result document records ("v1" becomes "1", as Docker says it). */
export function parsePodmanInfo(json: string): EngineInfo | null {
  let o: {
    host?: { cgroupManager?: unknown; cgroupVersion?: unknown };
    store?: { graphDriverName?: unknown };
    version?: { Version?: unknown };
  };
  try {
    o = JSON.parse(json) as typeof o;
  } catch {
    return null;
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const version = str(o?.version?.Version);
  if (!version) return null;
  return {
    name: 'Podman',
    version,
    storageDriver: str(o.store?.graphDriverName),
    cgroupDriver: str(o.host?.cgroupManager),
    cgroupVersion: str(o.host?.cgroupVersion).replace(/^v/, '') || 'unknown',
  };
}

/** Asks podman for its info; one clear E_DOCKER line when it is missing or cannot work here. */
export async function podmanEngineInfo(podman: DockerExec, bin = podmanBin()): Promise<EngineInfo> {
  if ((await podmanVersion(bin)) === null)
    throw new CgbenchError('E_DOCKER', `the podman client "${bin}" is not installed`, PODMAN_INSTALL_HINT);
  const res = await podman(['info', '--format', 'json'], { timeoutMs: DOCKER_TIMEOUTS.query });
  const info = parsePodmanInfo(res.stdout);
  if (res.code === 0 && info) return info;
  const why = dockerError(res.stderr) || `podman info exited ${res.code}`;
  throw new CgbenchError('E_DOCKER', `podman cannot run containers here: ${why}`, 'check `podman info` as root');
}

/** The ulimits runc sets in a container, by `--ulimit` name: their row in /proc/self/limits, and the most a
 *  rootful podman 4.3 container can get. podman asks runc for 1048576 of each unless told, while its conmon and
 *  runc run with at most this machine's hard limits, and with 32768 processes (seen: a higher nproc is refused). */
const PODMAN_ULIMITS = {
  nofile: { row: 'Max open files', most: 1_048_576 },
  nproc: { row: 'Max processes', most: 32_768 },
} as const;

/**
 * `--ulimit` flags holding nofile and nproc (soft = hard) at what runc can set here: podman's default is above
 * the hard limit of a machine without CAP_SYS_RESOURCE to spare, and runc then refuses to start the container
 * ("error setting rlimits"). Docker's containers get the daemon's limits, which are this machine's too.
 */
export function ulimitFlags(procLimits: string): string[] {
  const out: string[] = [];
  for (const [flag, { row, most }] of Object.entries(PODMAN_ULIMITS)) {
    const line = procLimits.split('\n').find((l) => l.startsWith(row));
    const hard = line?.slice(row.length).trim().split(/\s+/)[1];
    const n = hard && /^\d+$/.test(hard) ? Math.min(Number(hard), most) : most;
    out.push('--ulimit', `${flag}=${n}:${n}`);
  }
  return out;
}
