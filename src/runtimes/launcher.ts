// The launcher's protocol, the one TypeScript side of native/launch.c: its command line, its exit
// codes, the markers it prints with --hold-stdin, and the status JSON it reports when the workload ends.

import type { ProcessStatus } from '../model/types.js';

/** Exit codes the launcher reserves (as docker run and the shell do), so they never look like a workload's. */
export const LAUNCHER_EXIT = { launcherFailed: 125, notExecutable: 126, notFound: 127 } as const;

/** Prefix of the status line on stdout with --status-stdout: "CGBENCH-STATUS {...}". */
export const STATUS_MARK = 'CGBENCH-STATUS ';

export interface LauncherArgs {
  /** cgroup.procs files to join before anything else. */
  join?: string[];
  /** Namespaces to create: "all" (default), "none", or a list such as "pid,mnt". */
  ns?: string;
  hostname?: string;
  /** File for the status JSON. */
  statusFile?: string;
  /** Handshake over stdin/stderr: READY, wait for "go", START; stay alive until stdin closes. */
  holdStdin?: boolean;
  /** Also print the status on stdout as "CGBENCH-STATUS {...}". */
  statusStdout?: boolean;
  program: string;
  args: string[];
}

/** The launcher's argument array for one run. */
export function launcherArgv(a: LauncherArgs): string[] {
  const out: string[] = [];
  for (const f of a.join ?? []) out.push('--join', f);
  if (a.ns !== undefined) out.push('--ns', a.ns);
  if (a.statusFile !== undefined) out.push('--status', a.statusFile);
  if (a.hostname !== undefined) out.push('--hostname', a.hostname);
  if (a.holdStdin) out.push('--hold-stdin');
  if (a.statusStdout) out.push('--status-stdout');
  return [...out, '--', a.program, ...a.args];
}

/** A --hold-stdin marker on stderr: READY (before the workload; the harness answers "go") or START
 *  (at the workload's exec), each with the launcher's CLOCK_MONOTONIC in ns. */
export interface LauncherMarker {
  kind: 'READY' | 'START';
  ns: number;
}

export function parseMarker(line: string): LauncherMarker | null {
  const m = /^CGBENCH-(READY|START) (\d+)$/.exec(line.trim());
  return m ? { kind: m[1] as LauncherMarker['kind'], ns: Number(m[2]) } : null;
}

/** The status JSON (exit_code, signal, wall_ns and rusage) as a ProcessStatus; undefined if unreadable. */
export function parseLauncherStatus(text: string): ProcessStatus | undefined {
  try {
    const o = JSON.parse(text.trim()) as Record<string, number | null>;
    const num = (k: string): number | undefined => (typeof o[k] === 'number' ? o[k] : undefined);
    const status: ProcessStatus = {
      exitCode: typeof o.exit_code === 'number' ? o.exit_code : null,
      signal: typeof o.signal === 'number' ? o.signal : null,
      wallNs: num('wall_ns') ?? 0,
    };
    const extra = {
      utimeUs: num('utime_us'),
      stimeUs: num('stime_us'),
      maxrssKib: num('maxrss_kib'),
      majflt: num('majflt'),
      minflt: num('minflt'),
    };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (status as unknown as Record<string, number>)[k] = v;
    return status;
  } catch {
    return undefined;
  }
}

/** The exit code a status stands for: the workload's own, or 128 + the signal that killed it. */
export function statusExitCode(status: ProcessStatus): number | null {
  return status.exitCode ?? (status.signal !== null ? 128 + status.signal : null);
}
