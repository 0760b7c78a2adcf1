// The native runtime: a cgroup made by cgbench plus Linux namespaces, no daemon. The C launcher
// joins the group before it execs the workload, so the workload never runs outside its limits.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupSystem } from '../cgroup/index.js';
import { monotonicNs } from '../cgroup/group.js';
import type { ProcessStatus } from '../model/types.js';
import { assertNativeBuilt, invocationFor, launcherPath } from '../workloads/registry.js';
import { type ExitInfo, type LaunchRequest, type RunHandle, type Runtime, TailBuffer } from './runtime.js';

const STDOUT_MAX = 1 << 20;

export function parseLauncherStatus(text: string): ProcessStatus | undefined {
  try {
    const o = JSON.parse(text.trim()) as Record<string, number | null>;
    const num = (k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
    const status: ProcessStatus = {
      exitCode: typeof o.exit_code === 'number' ? o.exit_code : null,
      signal: typeof o.signal === 'number' ? o.signal : null,
      wallNs: num('wall_ns') ?? 0,
    };
    const extra = { utimeUs: num('utime_us'), stimeUs: num('stime_us'), maxrssKib: num('maxrss_kib'), majflt: num('majflt'), minflt: num('minflt') };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (status as unknown as Record<string, number>)[k] = v;
    return status;
  } catch {
    return undefined;
  }
}

export class NativeRuntime implements Runtime {
  readonly name = 'native' as const;
  private readonly statusDir: string;

  constructor(private readonly cgroups: CgroupSystem) {
    assertNativeBuilt();
    // The pid in the name lets `cgbench clean` tell a dead run's directory from a live one's.
    this.statusDir = mkdtempSync(join(tmpdir(), `cgbench-status-${process.pid}-`));
  }

  async launch(req: LaunchRequest): Promise<RunHandle> {
    const group = this.cgroups.create(req.runId, req.limits);
    try {
      const before = group.read();
      const inv = invocationFor(req.params, req.scratchDir);
      const statusFile = join(this.statusDir, `${req.runId}.json`);
      const args = [
        ...group.procsFiles.flatMap((f) => ['--join', f]),
        '--status', statusFile,
        '--hostname', 'cgbench',
        '--',
        inv.program,
        ...inv.args,
      ];
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

  async close(): Promise<void> {
    rmSync(this.statusDir, { recursive: true, force: true });
  }
}
