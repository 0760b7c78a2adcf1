// One `docker run -i` of the launcher, read as the launcher's protocol (runtimes/launcher.ts): the READY
// marker on stderr, the workload's output and then the report on stdout, stdin held open as a lifeline.

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { monotonicNs } from '../../model/clock.js';
import { CgbenchError } from '../../model/errors.js';
import { parseLauncherReport, parseReadyMarker, REPORT_PREFIX, statusExitCode } from '../launcher.js';
import { type ExitInfo, STDERR_TAIL, STDOUT_MAX, TailBuffer } from '../runtime.js';
import { dockerError } from './client.js';

export interface ReadyMark {
  /** The launcher's CLOCK_MONOTONIC when it started in the container. */
  containerNs: number;
  /** Harness monotonic time when the mark arrived. */
  seenNs: number;
}

export interface RunEnd {
  info: Omit<ExitInfo, 'startupNs'>;
  /** The launcher's report arrived (the workload's end is known from it, not from Docker). */
  sawReport: boolean;
}

/** What the child is, for its error lines: the client's name ("docker", "podman") and the command it runs
 *  ("run", "exec", "service logs"). */
export interface ChildCommand {
  client: string;
  command: string;
}

/** The `docker run -i` child of one run (or any docker child whose stdout carries a launcher report, such as
 *  `docker service logs --follow`, which never ends by itself: `onReportEnd` hears the report's last line). */
export class ContainerRun {
  readonly exited: Promise<RunEnd>;
  readonly closed: Promise<void>;
  private stdout = '';
  /** Once the launcher's report began, every further stdout line is the report's. */
  private report: string[] | null = null;
  private stdoutLine = '';
  private stderrLine = '';
  private readonly stderr = new TailBuffer(STDERR_TAIL);
  private readyMark: ReadyMark | undefined;
  private onReady: ((m: ReadyMark) => void) | undefined;
  private onEarlyEnd: ((e: Error) => void) | undefined;
  private released = false;
  /** The report's last line arrived. */
  private reportEnded = false;
  /** The stdout was replaced by a one-shot read (`replay`). */
  private replayed = false;
  private resolveExit!: (e: RunEnd) => void;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly name: string,
    private readonly t0: number,
    private readonly what: ChildCommand,
    private readonly onReportEnd?: () => void,
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
        const why = dockerError(this.stderr.toString()) || `${this.commandLine} exited ${code ?? signal} before the container started`;
        this.onEarlyEnd?.(new Error(why));
        this.finish(code, signal, undefined);
        resolve();
      });
    });
  }

  /** "podman run", "docker exec": the command as the user would type it. */
  private get commandLine(): string {
    return `${this.what.client} ${this.what.command}`;
  }

  /** Resolves when the launcher runs in the container (its READY marker). */
  ready(timeoutMs: number): Promise<ReadyMark> {
    if (this.readyMark) return Promise.resolve(this.readyMark);
    return new Promise<ReadyMark>((resolve, reject) => {
      const timer = setTimeout(() => {
        const hint = `check the engine (\`${this.what.client} info\`) and its log`;
        reject(new CgbenchError('E_DOCKER', `container ${this.name} did not start within ${timeoutMs / 1000} s`, hint));
      }, timeoutMs);
      this.onReady = (m) => {
        clearTimeout(timer);
        this.onEarlyEnd = undefined;
        resolve(m);
      };
      this.onEarlyEnd = (e) => {
        clearTimeout(timer);
        const hint = 'check the limits of this cell against the engine (`cgbench doctor`)';
        reject(new CgbenchError('E_DOCKER', `${this.commandLine} failed for ${this.name}: ${e.message}`, hint));
      };
    });
  }

  /** Close the launcher's stdin: a launcher whose workload still runs kills it (the harness is gone). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.child.stdin.end();
  }

  /**
   * Reads the child's whole stdout again from `text` (a one-shot `docker service logs` of a finished task, which
   * `--follow` can leave short), in place of what streamed in; what streams in after it is ignored. True when
   * `text` held the launcher's whole report and the stream had not.
   */
  replay(text: string): boolean {
    if (this.replayed || this.reportEnded) return false;
    if (!text.split('\n').includes(`${REPORT_PREFIX}END`)) return false;
    this.replayed = true;
    this.stdout = '';
    this.report = null;
    this.stdoutLine = '';
    for (const line of text.split('\n')) this.stdoutLineDone(line);
    return true;
  }

  private onStdout(text: string): void {
    if (this.replayed) return;
    const lines = (this.stdoutLine + text).split('\n');
    this.stdoutLine = lines.pop() ?? '';
    for (const line of lines) this.stdoutLineDone(line);
  }

  private stdoutLineDone(line: string): void {
    if (this.report) {
      this.report.push(line);
      if (line === `${REPORT_PREFIX}END`) {
        this.reportEnded = true;
        this.onReportEnd?.();
      }
    } else if (line.startsWith(`${REPORT_PREFIX}REPORT `)) this.report = [line];
    else if (this.stdout.length < STDOUT_MAX) this.stdout += `${line}\n`;
  }

  private onStderr(text: string): void {
    const lines = (this.stderrLine + text).split('\n');
    this.stderrLine = lines.pop() ?? '';
    for (const line of lines) {
      const ns = parseReadyMarker(line);
      if (ns !== null) {
        this.readyMark = { containerNs: ns, seenNs: monotonicNs() };
        this.onReady?.(this.readyMark);
      } else {
        this.stderr.push(`${line}\n`);
      }
    }
  }

  private flushLines(): void {
    if (this.stdoutLine && !this.replayed) this.stdoutLineDone(this.stdoutLine);
    if (this.stderrLine) this.stderr.push(this.stderrLine);
    this.stdoutLine = this.stderrLine = '';
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, error: string | undefined): void {
    const stderrTail = error ? `${this.stderr.toString()}\n${error}` : this.stderr.toString();
    const from = this.readyMark?.seenNs ?? this.t0;
    const info: RunEnd['info'] = { exitCode: code, signal, stdout: this.stdout, stderrTail, harnessWallNs: monotonicNs() - from };
    const report = this.report ? parseLauncherReport(this.report.join('\n')) : null;
    if (report) {
      info.report = report;
      // The container's exit code is the launcher's, which is the workload's: say it from the report.
      info.exitCode = statusExitCode(report.status);
    }
    this.resolveExit({ info, sawReport: report !== null });
  }
}
