// The Docker runtime's preflight: a command workload's program must exist, executable, inside the
// workload image. A container is created (never started) and each program's tar header read with
// `docker cp -L`, so the check sees exactly the file system the run will see.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { CgbenchError } from '../../model/errors.js';
import type { PreflightItem } from '../runtime.js';
import { clientName, type DockerExec, dockerError } from './client.js';
import { CGBENCH_LABEL, IMAGE_BIN_DIR, NAME_PREFIX } from './names.js';

/** The PATH a container gets when its image sets none (Docker's default). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DockerPreflightContext {
  docker: DockerExec;
  /** The client and its -H arguments, for the one streaming call. */
  bin: string;
  hostArgs: string[];
  image: string;
  /** How the engine's `cp` streams a file as tar following symlinks (docker: `cp -L`; podman follows them). */
  cpArgs?: string[];
}

/** A file's type and mode in a tar header (ustar): '0' regular, '5' directory, '2' symlink... */
export interface TarHeader {
  type: string;
  mode: number;
}

export function parseTarHeader(block: Buffer): TarHeader | null {
  if (block.length < 512 || block.toString('ascii', 257, 262) !== 'ustar') return null;
  const mode = parseInt(block.toString('ascii', 100, 108).replace(/\0.*$/, '').trim() || '0', 8);
  const type = block.toString('ascii', 156, 157) || '0';
  return { type: type === '\0' ? '0' : type, mode };
}

/** The first tar header `docker cp -L container:path -` streams; null when the path does not exist. */
function headerOf(ctx: DockerPreflightContext, container: string, path: string, timeoutMs = 30_000): Promise<TarHeader | null> {
  return new Promise((resolve) => {
    const child = spawn(ctx.bin, [...ctx.hostArgs, ...(ctx.cpArgs ?? ['cp', '-L']), `${container}:${path}`, '-'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (h: TarHeader | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(h);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      // Only the header is wanted: a 100 MB program must not be copied to find its mode.
      if (data.length >= 512) finish(parseTarHeader(data.subarray(0, 512)));
    });
    child.on('close', () => finish(data.length >= 512 ? parseTarHeader(data.subarray(0, 512)) : null));
    child.on('error', () => finish(null));
  });
}

async function imagePath(ctx: DockerPreflightContext): Promise<string[]> {
  const res = await ctx.docker(['image', 'inspect', '--format', '{{json .Config.Env}}', ctx.image]);
  let env: unknown;
  try {
    env = JSON.parse(res.stdout);
  } catch {
    env = null;
  }
  const path = Array.isArray(env) ? (env as string[]).find((e) => e.startsWith('PATH='))?.slice(5) : undefined;
  return (path ?? DEFAULT_PATH).split(':').filter(Boolean);
}

/** Problems with the programs of command workloads and services inside the image, one line each, each program
 *  once (a service with an image of its own or a known server runs no program of this image). */
export async function dockerProgramProblems(ctx: DockerPreflightContext, items: PreflightItem[]): Promise<string[]> {
  const commands = items.filter((i) => i.params.kind === 'command' || (i.params.kind === 'service' && !i.params.image && !i.params.server));
  if (!commands.length) return [];
  const name = `${NAME_PREFIX}preflight-${process.pid}-${randomBytes(3).toString('hex')}`;
  const created = await ctx.docker([
    'create',
    '--name',
    name,
    '--label',
    `${CGBENCH_LABEL}=1`,
    '--network',
    'none',
    ctx.image,
    `${IMAGE_BIN_DIR}/cgbench-launch`,
  ]);
  if (created.code !== 0) {
    throw new CgbenchError(
      'E_DOCKER',
      `could not create a container to check the image ${ctx.image}: ${dockerError(created.stderr)}`,
      `check the engine with \`${clientName(ctx.bin)} info\``,
    );
  }
  try {
    const dirs = await imagePath(ctx);
    const out: string[] = [];
    const seen = new Set<string>();
    for (const item of commands) {
      const program = item.params.kind === 'command' || item.params.kind === 'service' ? (item.params.argv[0] ?? '') : '';
      if (seen.has(program)) continue;
      seen.add(program);
      const candidates = program.includes('/') ? [posix.resolve('/', program)] : dirs.map((d) => posix.join(d, program));
      let found: { path: string; header: TarHeader } | null = null;
      for (const path of candidates) {
        const header = await headerOf(ctx, name, path);
        if (header) {
          found = { path, header };
          break;
        }
      }
      const inImage = `in the workload image ${ctx.image}`;
      const fix =
        item.params.kind === 'service'
          ? `it holds only cgbench's own programs (${IMAGE_BIN_DIR}); give the service image: (your server's image)`
          : `it holds only cgbench's own programs (${IMAGE_BIN_DIR}); run command workloads on the native runtime`;
      if (!found) out.push(`${item.where}: command[0] ${program} does not exist ${inImage} (${fix})`);
      else if (found.header.type !== '0' || (found.header.mode & 0o111) === 0)
        out.push(`${item.where}: command[0] ${found.path} ${inImage} is not an executable file (${fix})`);
    }
    return out;
  } finally {
    await ctx.docker(['rm', '--force', name]).catch(() => undefined);
  }
}
