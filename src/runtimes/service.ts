// A service's run, whatever started its server: wait until the server is ready where its runtime put it (this
// host's loopback natively, a container's own network linked to this host on docker and podman), drive it with
// the load generator (or the user's client) from outside the measured group (this process's own), then stop the
// server and hand back its exit with the generator's report. A server that exits early or never becomes ready is
// the run's error.

import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { sleep } from '../model/clock.js';
import { CgbenchError } from '../model/errors.js';
import { nativeBinary } from '../model/paths.js';
import type { KnownServer, LoadReport, ServiceParams } from '../model/types.js';
import { loadArgv, parseLoadReport, serviceLoadSpec, serviceSeriesIntervalMs } from '../programs/load.js';
import { KNOWN_SERVERS } from '../programs/servers.js';
import { findProgram } from './host-preflight.js';
import { runClient } from './client.js';
import { type ClientExit, type ExitInfo, type PreflightItem, type RunHandle, STDERR_TAIL, TailBuffer } from './runtime.js';

/** Where native services listen: loopback only, so nothing leaves the machine. */
export const SERVICE_HOST = '127.0.0.1';
/** What the server is told in its environment: the address to listen on and its port. */
export const SERVICE_ENV = { host: 'CGBENCH_SERVICE_HOST', port: 'CGBENCH_SERVICE_PORT' } as const;

/** A server's environment entries: listen on `host`, port `p.port`. */
export function serviceEnv(p: ServiceParams, host: string): Record<string, string> {
  return { [SERVICE_ENV.host]: host, [SERVICE_ENV.port]: String(p.port) };
}
/** How often readiness is tried, and how long one try may take, ms. */
const READY_POLL_MS = 50;
const READY_TRY_MS = 1000;

/** One readiness try: a TCP connect, or an HTTP GET of `path` answered below 500. */
function readyOnce(host: string, port: number, path: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (path === undefined) {
      const s = connect({ host, port, timeout: READY_TRY_MS });
      const done = (ok: boolean): void => {
        s.destroy();
        resolve(ok);
      };
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
      s.once('timeout', () => done(false));
      return;
    }
    const req = request({ host, port, path, method: 'GET', timeout: READY_TRY_MS, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function exitText(info: ExitInfo): string {
  const how = info.report?.status.signal
    ? `killed by signal ${info.report.status.signal}`
    : `exit code ${info.report?.status.exitCode ?? info.exitCode}`;
  const last = info.stderrTail.trim().split('\n').pop()?.trim();
  return last ? `${how}: ${last}` : how;
}

/** A server that exited before it was ready on host:port: why its run has no load, with its exit. */
export function exitedBeforeReady(info: ExitInfo, host: string, port: number): string {
  return `the server exited before it was ready on ${host}:${port} (${exitText(info)})`;
}

/** The generator's run: its report, or why there is none. */
async function runGenerator(
  p: ServiceParams,
  sampleIntervalMs: number | undefined,
  host: string,
  onChild: (kill: () => void) => void,
): Promise<{ report: LoadReport } | { error: string }> {
  const spec = serviceLoadSpec(p, host, serviceSeriesIntervalMs(p, sampleIntervalMs));
  const child = spawn(nativeBinary('cgbench-load'), loadArgv(spec), { stdio: ['ignore', 'pipe', 'pipe'] });
  onChild(() => child.kill('SIGINT'));
  let out = '';
  const err = new TailBuffer(STDERR_TAIL);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (c) => resolve(c));
  });
  const report = parseLoadReport(out);
  if (report) return { report };
  const why = err.toString().trim().split('\n').pop() ?? '';
  return { error: `the load generator printed no report (exit ${code})${why ? `: ${why}` : ''}` };
}

/** A service's run over a started server reached at `host`: ready, load (the generator, or the user's client),
 *  stop. `exited` carries the generator's report (`load`) or the client's exit (`client`), or the run's error
 *  (`serviceError`). The generator's latency series follows the cell's `sampleIntervalMs` (programs/load.ts). */
export function driveService(
  p: ServiceParams,
  server: Pick<RunHandle, 'exited' | 'stop'>,
  sampleIntervalMs?: number,
  host: string = SERVICE_HOST,
): Pick<RunHandle, 'exited' | 'stop'> {
  let gone: ExitInfo | undefined;
  let stopped = false;
  let killLoad: (() => void) | undefined;
  void server.exited.then((info) => (gone = info));
  const drive = async (): Promise<{ load?: LoadReport; client?: ClientExit; error?: string }> => {
    const deadline = Date.now() + p.readyTimeoutMs;
    for (;;) {
      if (stopped) return { error: 'stopped before the server was ready' };
      if (gone) return { error: exitedBeforeReady(gone, host, p.port) };
      if (await readyOnce(host, p.port, p.readyPath)) break;
      if (Date.now() >= deadline) {
        const check = p.readyPath ? `GET ${p.readyPath} answered below 500` : 'a TCP connect';
        return {
          error:
            `the server was not ready on ${host}:${p.port} within ${p.readyTimeoutMs} ms (no ${check}; ` +
            `does it listen on port ${p.port} of $${SERVICE_ENV.host}? raise params.readyTimeoutMs if it starts slowly)`,
        };
      }
      await sleep(READY_POLL_MS);
    }
    const onChild = (kill: () => void): void => {
      killLoad = kill;
      if (stopped) kill();
    };
    // A client of the user's: its exit and output are read with the run's outcome (scheduler/classify.ts).
    if (p.client) {
      const client = await runClient(p, host, onChild);
      if (gone) return { client, error: `the server exited during the load (${exitText(gone)})` };
      return { client };
    }
    const run = await runGenerator(p, sampleIntervalMs, host, onChild);
    if ('error' in run) return { error: run.error };
    // A server gone before the generator finished was not measured to the end.
    if (gone) return { load: run.report, error: `the server exited during the load (${exitText(gone)})` };
    return { load: run.report };
  };
  const exited = drive().then(async (d) => {
    server.stop();
    const info = await server.exited;
    if (d.load) info.load = d.load;
    if (d.client) info.client = d.client;
    if (d.error) info.serviceError = d.error;
    return info;
  });
  return {
    exited,
    stop: () => {
      stopped = true;
      killLoad?.();
      server.stop();
    },
  };
}

/** A free port on 127.0.0.1: one the kernel hands out for a bind to port 0, released at once. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: SERVICE_HOST, port: 0, exclusive: true }, () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port from a bind to port 0'))));
    });
  });
}

/** Where a known server's program is: on PATH, or where distributions install it (a user's PATH may lack sbin). */
export function knownServerProgram(server: KnownServer): string | null {
  const info = KNOWN_SERVERS[server];
  return findProgram(info.program) ?? info.paths.map((p) => findProgram(p)).find((p) => p !== null) ?? null;
}

/** A missing known server: the machine cannot run the scenario (exit 3), one line naming the package. */
export function knownServerMissing(server: KnownServer): CgbenchError {
  const info = KNOWN_SERVERS[server];
  return new CgbenchError(
    'E_PROGRAM',
    `server: ${server} needs ${info.program}, which is not installed: not on PATH nor at ${info.paths.join(', ')}`,
    `${info.install}, or give the service a command of your own`,
  );
}

/**
 * A service's parameters for one run: a port of 0 becomes a free one; a known server gets its files in a new
 * directory named `dirPrefix` + its name + a random tail (readable by the unprivileged user its workers may switch
 * to) and its command line over them. `dispose` removes the directory.
 */
export async function prepareService(p: ServiceParams, dirPrefix: string): Promise<{ params: ServiceParams; dispose: () => void }> {
  const port = p.port === 0 ? await freePort() : p.port;
  if (!p.server) return { params: { ...p, port }, dispose: () => undefined };
  const program = knownServerProgram(p.server);
  if (!program) throw knownServerMissing(p.server);
  const info = KNOWN_SERVERS[p.server];
  const dir = mkdtempSync(`${dirPrefix}${p.server}-`);
  try {
    chmodSync(dir, 0o755);
    for (const f of info.files(dir, port)) {
      const file = join(dir, f.name);
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(file, f.text, { mode: 0o644 });
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { params: { ...p, port, argv: info.argv(program, dir) }, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether something already listens on 127.0.0.1:port (a bind there fails). */
function portInUse(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.listen({ host: SERVICE_HOST, port, exclusive: true }, () => s.close(() => resolve(null)));
  });
}

/** Services whose port is taken before the first run: one line each, each port once. */
export async function servicePortProblems(items: PreflightItem[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<number>();
  for (const item of items) {
    // Port 0: a free one is chosen for each run.
    if (item.params.kind !== 'service' || item.params.port === 0 || seen.has(item.params.port)) continue;
    seen.add(item.params.port);
    const code = await portInUse(item.params.port);
    if (code === 'EADDRINUSE')
      out.push(
        `${item.where}: port ${item.params.port} on ${SERVICE_HOST} is in use (stop what listens there, or give params.port another)`,
      );
    else if (code) out.push(`${item.where}: cannot listen on ${SERVICE_HOST}:${item.params.port} to check it is free (${code})`);
  }
  return out;
}
