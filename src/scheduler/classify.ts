// Decides a run's outcome from what the runtime saw (exit, stdout) and the launcher's report (status and
// the group's readings). Pure: an OOM kill or a crash is a value here, never an exception.

import type { MetricsFormat } from '../model/defaults.js';
import { clientBottleneck, loadNamedMetrics, runLoadOf } from '../analysis/load.js';
import type { NamedMetric, RunClient, RunLoad, WorkloadMetrics } from '../model/types.js';
import { readClientMetrics, readCommandMetrics } from '../programs/metrics.js';
import { parseWorkloadOutput } from '../programs/registry.js';
import { LAUNCHER_EXIT } from '../runtimes/launcher.js';
import type { ClientExit, ExitInfo } from '../runtimes/runtime.js';

export interface ClassifyInput {
  exit: ExitInfo;
  selfTimed: boolean;
  timedOut: boolean;
  interrupted: boolean;
  timeoutMs: number;
  memoryLimited: boolean;
  /** A command workload's own figures: how they are read (its `metrics`; absent: auto). */
  metricsFormat?: MetricsFormat;
  /** A service: its figures are the load generator's, and the server's exit is its stop, not a result. */
  service?: boolean;
}

type RunOutcomePart =
  | { outcome: 'ok'; metrics: WorkloadMetrics; namedMetrics?: Record<string, NamedMetric>; load?: RunLoad; client?: RunClient }
  | { outcome: 'oom-killed' | 'failed' | 'timeout' | 'interrupted'; message: string; metrics?: WorkloadMetrics };

const SIGNALS: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM', 2: 'SIGINT', 7: 'SIGBUS', 8: 'SIGFPE' };

/** A run's message quotes at most this much of the program's last line. */
const MESSAGE_MAX = 300;

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, MESSAGE_MAX);
}

export function classifyRun(input: ClassifyInput): RunOutcomePart {
  const { exit } = input;
  if (input.interrupted) return { outcome: 'interrupted', message: 'interrupted by the user (SIGINT/SIGTERM)' };
  if (input.timedOut) return { outcome: 'timeout', message: `killed after the ${input.timeoutMs / 1000} s time-out` };

  const status = exit.report?.status;
  const before = exit.report?.before;
  const after = exit.report?.after;
  if (status?.samplingError && !after) return { outcome: 'failed', message: `the launcher lost the group: ${status.samplingError}` };
  const oomDelta = (after?.memory?.oomKills ?? 0) - (before?.memory?.oomKills ?? 0);
  // Trust the launcher's status over the exit code: a workload may exit(137) on its own.
  const signal = status ? status.signal : exit.exitCode !== null && exit.exitCode > 128 ? exit.exitCode - 128 : null;
  const failDelta = (after?.memory?.failcnt ?? 0) - (before?.memory?.failcnt ?? 0);
  if (oomDelta > 0 || exit.oomKilled || (input.memoryLimited && signal === 9 && failDelta > 0)) {
    return {
      outcome: 'oom-killed',
      message: `killed by the OOM killer (oom_kill +${Math.max(oomDelta, 1)}, limit hit ${failDelta} times)`,
    };
  }

  if (input.service) {
    if (exit.serviceError) return { outcome: 'failed', message: exit.serviceError };
    if (exit.client) return classifyClient(exit.client);
    if (!exit.load) return { outcome: 'failed', message: 'the load generator reported nothing' };
    return { outcome: 'ok', metrics: { wallNs: exit.load.wallNs }, namedMetrics: loadNamedMetrics(exit.load), load: runLoadOf(exit.load) };
  }

  // A launcher that failed before the exec reports no exit of the workload: the launcher's code counts.
  const code = status && !status.error ? status.exitCode : exit.exitCode;
  if (code === 0) {
    if (!input.selfTimed) {
      const metrics = { wallNs: status?.wallNs ?? exit.harnessWallNs };
      // A figure the command reported wrong is a failed run, not a silently missing figure.
      const read = readCommandMetrics(input.metricsFormat ?? 'auto', exit.report?.metricLines ?? [], exit.stdout);
      if (read.problems.length) {
        const more = read.problems.length > 1 ? ` (and ${read.problems.length - 1} more)` : '';
        return { outcome: 'failed', message: `${read.problems[0] as string}${more}`, metrics };
      }
      return Object.keys(read.metrics).length ? { outcome: 'ok', metrics, namedMetrics: read.metrics } : { outcome: 'ok', metrics };
    }
    const metrics = parseWorkloadOutput(exit.stdout);
    if (metrics) return { outcome: 'ok', metrics };
    return { outcome: 'failed', message: 'the workload exited 0 but printed no JSON metrics line' };
  }
  if (signal !== null && signal > 0) {
    return {
      outcome: 'failed',
      message: `killed by ${SIGNALS[signal] ?? `signal ${signal}`}${exit.stderrTail ? `: ${lastLine(exit.stderrTail)}` : ''}`,
    };
  }
  const where =
    code === LAUNCHER_EXIT.launcherFailed
      ? 'the launcher failed'
      : code === LAUNCHER_EXIT.notFound || code === LAUNCHER_EXIT.notExecutable
        ? 'the program could not be executed'
        : `exit code ${code}`;
  // The launcher's own account of a failed start is the clearest; else the program's last words.
  const why = status?.error ?? (exit.stderrTail ? lastLine(exit.stderrTail) : '');
  return { outcome: 'failed', message: `${where}${why ? `: ${why}` : ''}` };
}

/** A service run driven by the user's client: it must exit 0 and report figures cgbench reads (one line if not). */
function classifyClient(c: ClientExit): RunOutcomePart {
  const metrics = { wallNs: c.wallNs };
  const program = c.argv[0] ?? 'the client';
  if (c.error) return { outcome: 'failed', message: `the client ${program} could not be started: ${c.error}`, metrics };
  if (c.exitCode !== 0) {
    const how = c.signal ? `was killed by ${c.signal}` : `exited with code ${c.exitCode}`;
    // wrk says why on stdout ("unable to connect to ..."), most clients on stderr.
    const why = lastLine(c.stderrTail) || lastLine(c.stdout);
    return { outcome: 'failed', message: `the client ${program} ${how}${why ? `: ${why}` : ''}`, metrics };
  }
  const read = readClientMetrics(c.metricLines, c.stdout);
  if (read.problems.length) {
    const more = read.problems.length > 1 ? ` (and ${read.problems.length - 1} more)` : '';
    return { outcome: 'failed', message: `${read.problems[0] as string}${more}`, metrics };
  }
  const bottleneck = clientBottleneck(c.threadBusyMax);
  const client: RunClient = { cpuNs: c.cpuNs, threadBusyMax: c.threadBusyMax, wallNs: c.wallNs, ...(bottleneck ? { bottleneck } : {}) };
  return { outcome: 'ok', metrics, namedMetrics: read.metrics, client };
}
