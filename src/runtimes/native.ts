// The native runtime: a cgroup made by cgbench plus Linux namespaces, no daemon. The C launcher puts the
// workload in the group before it execs, samples the group from outside it and writes its report to a file.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupSystem } from '../cgroup/index.js';
import { monotonicNs } from '../model/clock.js';
import { launcherPath } from '../model/paths.js';
import { assertNativeBuilt, invocationFor } from '../programs/registry.js';
import type { LauncherReport } from '../model/types.js';
import { hostProgramProblems } from './host-preflight.js';
import { launcherArgv, parseLauncherReport } from './launcher.js';
import {
  type ExitInfo,
  type LaunchRequest,
  type PreflightItem,
  type RunHandle,
  type Runtime,
  STDERR_TAIL,
  STDOUT_MAX,
  STOP_GRACE_MS,
  TailBuffer,
} from './runtime.js';

/** Status directories are named after the cgbench process, so `cgbench clean` can tell a dead run's from a live one's. */
export const STATUS_DIR_PREFIX = 'cgbench-status-';

function readReport(file: string): LauncherReport | undefined {
  try {
    return parseLauncherReport(readFileSync(file, 'utf8')) ?? undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(file, { force: true });
  }
}

export class NativeRuntime implements Runtime {
  readonly name = 'native' as const;
  private readonly statusDir: string;

  constructor(private readonly cgroups: CgroupSystem) {
    assertNativeBuilt();
    this.statusDir = mkdtempSync(join(tmpdir(), `${STATUS_DIR_PREFIX}${process.pid}-`));
  }

  preflight(items: PreflightItem[]): Promise<string[]> {
    return Promise.resolve(hostProgramProblems(items));
  }

  async launch(req: LaunchRequest): Promise<RunHandle> {
    const group = this.cgroups.create(req.runId, req.limits);
    try {
      const inv = invocationFor(req.params, req.scratchDir);
      const reportFile = join(this.statusDir, `${req.runId}.report`);
      const args = launcherArgv({
        group: group.location,
        sampleIntervalMs: req.sampleIntervalMs,
        report: reportFile,
        hostname: 'cgbench',
        program: inv.program,
        args: inv.args,
      });
      const start = monotonicNs();
      const child = spawn(launcherPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const stderr = new TailBuffer(STDERR_TAIL);
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < STDOUT_MAX) stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      let escalation: NodeJS.Timeout | undefined;
      const exited = new Promise<ExitInfo>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(escalation);
          const info: ExitInfo = { exitCode: code, signal, stdout, stderrTail: stderr.toString(), harnessWallNs: monotonicNs() - start };
          const report = readReport(reportFile);
          if (report) info.report = report;
          resolve(info);
        });
      });
      return {
        exited,
        stop: () => {
          // The launcher kills the workload on SIGTERM and still writes its report (the after
          // reading); one that does not exit in time is killed with its whole group.
          child.kill('SIGTERM');
          escalation ??= setTimeout(() => {
            child.kill('SIGKILL');
            group.killAll();
          }, STOP_GRACE_MS);
        },
        dispose: () => group.destroy(),
      };
    } catch (e) {
      await group.destroy();
      throw e;
    }
  }

  close(): Promise<void> {
    rmSync(this.statusDir, { recursive: true, force: true });
    return Promise.resolve();
  }
}
