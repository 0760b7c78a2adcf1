// A service's client command of the user's (wrk, hey, k6...): run on this host outside the measured group (in
// cgbench's own, pinned to loadCpus like the built-in generator), its CPU read from /proc while it runs.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicNs } from '../model/clock.js';
import { METRICS_ENV } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import type { ServiceParams } from '../model/types.js';
import { clientArgv } from '../model/client.js';
import { MAX_METRIC_LINES } from '../programs/metrics.js';
import { findProgram } from './host-preflight.js';
import { type ClientExit, STDERR_TAIL, TailBuffer } from './runtime.js';

/** How often the client's threads' CPU is read. */
const CPU_POLL_MS = 100;
/** /proc's clock ticks per second (USER_HZ: 100 on every Linux architecture cgbench runs on). */
const TICKS_PER_S = 100;
/** The client's stdout kept for its report (wrk's is under 1 KiB; a chatty client's head is kept). */
const STDOUT_MAX = 1 << 20;

/** CPU ticks of each thread of `pid` now (utime + stime, /proc/PID/task/TID/stat); empty once it is gone. */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      // Fields after the command's closing parenthesis: state is the 3rd field, utime and stime the 14th and 15th.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** The service's client program not on this host: the machine cannot run the scenario (exit 3), one line. */
export function clientMissing(p: ServiceParams): CgbenchError | null {
  const program = p.client?.[0];
  if (program === undefined || findProgram(program)) return null;
  const debian = program === 'wrk' ? 'apt-get install wrk' : `install ${program}`;
  return new CgbenchError(
    'E_PROGRAM',
    `client: ${program} ${program.includes('/') ? 'does not exist' : 'is not on PATH'} (the service's load comes from it)`,
    `${debian}, give its full path, or drop client: to use the built-in generator`,
  );
}

/**
 * One run of the client against a service reached at `host`: its placeholders filled, $CGBENCH_METRICS naming
 * an empty file for the protocol's lines, pinned to `loadCpus` (taskset) when given. Resolves when it exits;
 * `onChild` gets a kill (an interrupt or time-out of the run).
 */
export async function runClient(p: ServiceParams, host: string, onChild: (kill: () => void) => void): Promise<ClientExit> {
  const dir = mkdtempSync(join(tmpdir(), `cgbench-status-${process.pid}-client-`));
  try {
    const metricsFile = join(dir, 'metrics');
    writeFileSync(metricsFile, '');
    const argv = clientArgv(p.client ?? [], p, host);
    const [bin, args] = p.loadCpus !== undefined ? ['taskset', ['-c', p.loadCpus, ...argv]] : [argv[0] as string, argv.slice(1)];
    const start = monotonicNs();
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [METRICS_ENV]: metricsFile } });
    onChild(() => child.kill('SIGINT'));
    let stdout = '';
    const stderr = new TailBuffer(STDERR_TAIL);
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < STDOUT_MAX) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    // Each thread's latest ticks: a thread that ended keeps its last reading (up to one poll short).
    const ticks = new Map<string, number>();
    let sampledNs = start;
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      const now = threadTicks(child.pid);
      if (!now.size) return;
      for (const [tid, t] of now) ticks.set(tid, t);
      sampledNs = monotonicNs();
    }, CPU_POLL_MS);
    const exit = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
      child.once('error', (e) => resolve({ code: null, signal: null, error: e.message }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    clearInterval(poll);
    const wallNs = monotonicNs() - start;
    const tickNs = 1e9 / TICKS_PER_S;
    const busiest = Math.max(0, ...ticks.values()) * tickNs;
    const lines = readFileSync(metricsFile, 'utf8')
      .split('\n')
      .slice(0, MAX_METRIC_LINES + 1);
    return {
      argv,
      exitCode: exit.code,
      signal: exit.signal,
      ...(exit.error ? { error: exit.error } : {}),
      stdout,
      stderrTail: stderr.toString(),
      metricLines: lines.at(-1) === '' ? lines.slice(0, -1) : lines,
      wallNs,
      cpuNs: [...ticks.values()].reduce((a, t) => a + t, 0) * tickNs,
      threadBusyMax: sampledNs > start ? busiest / (sampledNs - start) : 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
