// The docker client program, bound to one engine: argument arrays only, never a shell; and the one line of
// its stderr that says what went wrong.

import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { CgbenchError } from '../../model/errors.js';
import { DOCKER_TIMEOUTS } from './names.js';

export interface DockerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the docker CLI with an argument array (never a shell); `input` becomes its stdin. */
export type DockerExec = (args: string[], opts?: { input?: Buffer; timeoutMs?: number }) => Promise<DockerResult>;

/** The client program: $CGBENCH_DOCKER_CLI or "docker" on PATH. */
export function dockerBin(): string {
  return process.env.CGBENCH_DOCKER_CLI ?? 'docker';
}

/** The client's own name in messages ("docker", "podman"): the engine's commands are spelled with it. */
export function clientName(bin: string): string {
  return basename(bin);
}

/** The engine address for messages: what the client will talk to. */
export function engineAddress(dockerHost?: string): string {
  return dockerHost ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** `docker -H ADDR` when an engine is named, else the client's default (DOCKER_HOST). */
export function hostArgs(dockerHost?: string): string[] {
  return dockerHost ? ['-H', dockerHost] : [];
}

export const NO_ENGINE_HINT = 'start one with eval "$(scripts/docker-up.sh)", or point DOCKER_HOST / --docker-host at a running engine';
export const INSTALL_HINT = "scripts/docker-up.sh installs Debian's docker.io and starts a private engine";

export function dockerCli(dockerHost?: string, bin = dockerBin()): DockerExec {
  return (args, opts = {}) =>
    new Promise<DockerResult>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? DOCKER_TIMEOUTS.command;
      const child = execFile(
        bin,
        [...hostArgs(dockerHost), ...args],
        { encoding: 'utf8', maxBuffer: 16 << 20, timeout: timeoutMs, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
          if (e && e.code === 'ENOENT') {
            reject(new CgbenchError('E_DOCKER', `the docker client "${bin}" is not installed`, INSTALL_HINT));
            return;
          }
          if (e && e.killed) {
            resolve({ code: null, stdout, stderr: `${stderr}\ndocker ${args[0] ?? ''} timed out after ${timeoutMs / 1000} s` });
            return;
          }
          resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
        },
      );
      if (opts.input) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
}

/** A docker error quoted in a message is cut here. */
const ERROR_MAX = 300;

/** The line of docker's stderr that says what went wrong (not its "Run 'docker run --help'" footer). */
export function dockerError(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(Run|See) 'docker .*--help'/.test(l));
  const line = [...lines].reverse().find((l) => /error/i.test(l)) ?? lines[lines.length - 1] ?? '';
  return line.replace(/^docker: /, '').slice(0, ERROR_MAX);
}
