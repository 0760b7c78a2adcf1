// The native runtime: a cgroup made by cgbench plus Linux namespaces, no daemon. The C launcher
// joins the group before it execs the workload, so the workload never runs outside its limits.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupSystem } from '../cgroup/index.js';
import { monotonicNs } from '../model/clock.js';
import { launcherPath } from '../model/paths.js';
import type { ProcessStatus } from '../model/types.js';
import { assertNativeBuilt, invocationFor } from '../programs/registry.js';
import { hostProgramProblems } from './host-preflight.js';
import { launcherArgv, parseLauncherStatus } from './launcher.js';
import { type ExitInfo, type LaunchRequest, type PreflightItem, type RunHandle, type Runtime, STDOUT_MAX, TailBuffer } from './runtime.js';

/** Status directories are named after the cgbench process, so `cgbench clean` can tell a dead run's from a live one's. */
export const STATUS_DIR_PREFIX = 'cgbench-status-';

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
      const before = group.read();
      const inv = invocationFor(req.params, req.scratchDir);
      const statusFile = join(this.statusDir, `${req.runId}.json`);
      const args = launcherArgv({ join: group.procsFiles, statusFile, hostname: 'cgbench', program: inv.program, args: inv.args });
      const start = monotonicNs();
      const child = spawn(launcherPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const stderr = new TailBuffer(4096);
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < STDOUT_MAX) stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      const exited = new Promise<ExitInfo>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => {
          const harnessWallNs = monotonicNs() - start;
          let status: ProcessStatus | undefined;
          try {
            status = parseLauncherStatus(readFileSync(statusFile, 'utf8'));
            rmSync(statusFile, { force: true });
          } catch {
            status = undefined;
          }
          const info: ExitInfo = { exitCode: code, signal, stdout, stderrTail: stderr.toString(), harnessWallNs };
          if (status) info.process = status;
          resolve(info);
        });
      });
      return {
        pid: child.pid ?? -1,
        group,
        before,
        exited,
        kill: () => {
          child.kill('SIGKILL');
          group.killAll();
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
