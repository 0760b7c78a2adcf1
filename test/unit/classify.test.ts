import { describe, expect, it } from 'vitest';
import type { LauncherReport, LauncherStatus, Reading } from '../../src/model/types.js';
import type { ExitInfo } from '../../src/runtimes/runtime.js';
import { classifyRun, type ClassifyInput } from '../../src/scheduler/classify.js';

const r0: Reading = { tNs: 0, memory: { oomKills: 0, failcnt: 0 } };
function report(status: LauncherStatus, after: Reading | null = r0): LauncherReport {
  return after ? { before: r0, samples: [], after, status } : { before: r0, samples: [], status };
}
function input(exit: Partial<ExitInfo>, extra: Partial<ClassifyInput> = {}): ClassifyInput {
  return {
    exit: { exitCode: 0, signal: null, stdout: '', stderrTail: '', harnessWallNs: 1e9, ...exit },
    selfTimed: true,
    timedOut: false,
    interrupted: false,
    timeoutMs: 60000,
    memoryLimited: false,
    ...extra,
  };
}
const killed: LauncherStatus = { exitCode: null, signal: 9, wallNs: 5 };

describe('run classification', () => {
  it('ok with camelCased metrics', () => {
    expect(classifyRun(input({ stdout: 'noise\n{"workload":"cpu","wall_ns":123,"ops":5}\n' }))).toEqual({
      outcome: 'ok',
      metrics: { workload: 'cpu', wallNs: 123, ops: 5 },
    });
  });
  it('exit 0 without JSON is a failure', () => {
    expect(classifyRun(input({ stdout: 'hello' })).outcome).toBe('failed');
  });
  it('OOM kill from the group counter', () => {
    const after = { tNs: 1, memory: { oomKills: 1, failcnt: 40 } };
    const res = classifyRun(input({ exitCode: 137, report: report(killed, after) }, { memoryLimited: true }));
    expect(res.outcome).toBe('oom-killed');
  });
  it('SIGKILL under a memory limit that was hit is an OOM kill even without the counter', () => {
    const after = { tNs: 1, memory: { failcnt: 3 } };
    const res = classifyRun(input({ exitCode: 137, report: report(killed, after) }, { memoryLimited: true }));
    expect(res.outcome).toBe('oom-killed');
  });
  it('crash and exit codes are failures with the reason', () => {
    const segv = { exitCode: null, signal: 11, wallNs: 5 };
    expect(classifyRun(input({ exitCode: 139, report: report(segv), stderrTail: 'boom\n' }))).toEqual({
      outcome: 'failed',
      message: 'killed by SIGSEGV: boom',
    });
    const three = { exitCode: 3, signal: null, wallNs: 5 };
    expect(classifyRun(input({ exitCode: 3, report: report(three), stderrTail: 'cgbench-io: no O_DIRECT' }))).toEqual({
      outcome: 'failed',
      message: 'exit code 3: cgbench-io: no O_DIRECT',
    });
    expect(classifyRun(input({ exitCode: 127, report: report({ exitCode: 127, signal: null, wallNs: 0 }) })).outcome).toBe('failed');
  });
  it("the launcher's own account of a failed start is the message", () => {
    const error = 'cannot open stat file /sys/fs/cgroup/x/memory.current: No such file or directory';
    const status = { exitCode: null, signal: null, wallNs: 0, error };
    expect(classifyRun(input({ exitCode: 125, report: { samples: [], status }, stderrTail: 'cgbench-launch: ...' }))).toEqual({
      outcome: 'failed',
      message: `the launcher failed: ${error}`,
    });
  });
  it('a group that vanished under the launcher is a failed run that says so', () => {
    const samplingError = 'reading /sys/fs/cgroup/cpu/x/cpu.stat failed (No such device): the group was removed while the workload ran';
    const res = classifyRun(input({ report: report({ exitCode: 0, signal: null, wallNs: 5, samplingError }, null) }));
    expect(res).toEqual({ outcome: 'failed', message: `the launcher lost the group: ${samplingError}` });
  });
  it('time-out and interruption win over the exit status', () => {
    expect(classifyRun(input({ exitCode: 137 }, { timedOut: true })).outcome).toBe('timeout');
    expect(classifyRun(input({ exitCode: 137 }, { interrupted: true })).outcome).toBe('interrupted');
  });
  it('command workloads are timed by the launcher', () => {
    expect(classifyRun(input({ report: report({ exitCode: 0, signal: null, wallNs: 777 }) }, { selfTimed: false }))).toEqual({
      outcome: 'ok',
      metrics: { wallNs: 777 },
    });
  });
});
