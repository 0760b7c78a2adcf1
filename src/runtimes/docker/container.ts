// The launcher's stream protocol over a `docker run -i` child: the READY / START markers on stderr,
// the "go" handshake and release on stdin, and the status line on stdout (see runtimes/launcher.ts).

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { monotonicNs } from '../../model/clock.js';
import { CgbenchError } from '../../model/errors.js';
import type { ProcessStatus } from '../../model/types.js';
import { parseLauncherStatus, parseMarker, STATUS_MARK, statusExitCode } from '../launcher.js';
import { type ExitInfo, STDOUT_MAX, TailBuffer } from '../runtime.js';
import { dockerError } from './cli.js';

export interface ReadyMark {
  /** The launcher's CLOCK_MONOTONIC at its first instruction in the container. */
  containerNs: number;
  /** Harness monotonic time when the mark arrived. */
  seenNs: number;
}

export interface RunEnd {
  info: Omit<ExitInfo, 'startupNs'>;
  sawStatus: boolean;
}

/** The `docker run -i` child: parses the launcher's markers (stderr) and status line (stdout). */
export class ContainerRun {
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
        this.onEarlyEnd?.(
          new Error(dockerError(this.stderr.toString()) || `docker run exited ${code ?? signal} before the container started`),
        );
        this.finish(code, signal, undefined);
        resolve();
      });
    });
  }

  ready(timeoutMs: number): Promise<ReadyMark> {
    if (this.readyMark) return Promise.resolve(this.readyMark);
    return new Promise<ReadyMark>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new CgbenchError(
              'E_DOCKER',
              `container ${this.name} did not start within ${timeoutMs / 1000} s`,
              'check the engine (`docker info`) and its log',
            ),
          ),
        timeoutMs,
      );
      this.onReady = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.onEarlyEnd = (e) => {
        clearTimeout(timer);
        reject(
          new CgbenchError(
            'E_DOCKER',
            `docker run failed for ${this.name}: ${e.message}`,
            'check the limits of this cell against the engine (`cgbench doctor`)',
          ),
        );
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
      const mark = parseMarker(line);
      if (mark?.kind === 'READY') {
        this.readyMark = { containerNs: mark.ns, seenNs: monotonicNs() };
        this.onReady?.(this.readyMark);
      } else if (!mark) {
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
    const exitCode = status ? statusExitCode(status) : null;
    const info: RunEnd['info'] = {
      exitCode,
      signal: null,
      stdout: this.stdout,
      stderrTail: this.stderr.toString(),
      harnessWallNs: monotonicNs() - (this.goNs || this.t0),
    };
    if (status) info.process = status;
    this.resolveExit({ info, sawStatus: true });
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, error: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    const stderrTail = error ? `${this.stderr.toString()}\n${error}` : this.stderr.toString();
    this.resolveExit({
      info: { exitCode: code, signal, stdout: this.stdout, stderrTail, harnessWallNs: monotonicNs() - (this.goNs || this.t0) },
      sawStatus: false,
    });
  }
}
