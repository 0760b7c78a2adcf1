import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/model/types.js';
import type { ExitInfo } from '../../src/runtimes/runtime.js';
import { classifyRun, type ClassifyInput } from '../../src/scheduler/classify.js';

const r0: Reading = { tNs: 0, memory: { oomKills: 0, failcnt: 0 } };
function input(exit: Partial<ExitInfo>, extra: Partial<ClassifyInput> = {}): ClassifyInput {
  return {
    exit: { exitCode: 0, signal: null, stdout: '', stderrTail: '', harnessWallNs: 1e9, ...exit },
    before: r0,
    after: r0,
    selfTimed: true,
    timedOut: false,
    interrupted: false,
    timeoutMs: 60000,
    memoryLimited: false,
    ...extra,
  };
}

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
    const res = classifyRun(
      input(
        { exitCode: 137, process: { exitCode: null, signal: 9, wallNs: 5 } },
        { after: { tNs: 1, memory: { oomKills: 1, failcnt: 40 } }, memoryLimited: true },
      ),
    );
    expect(res.outcome).toBe('oom-killed');
  });
  it('SIGKILL under a memory limit that was hit is an OOM kill even without the counter', () => {
    const res = classifyRun(
      input(
        { exitCode: 137, process: { exitCode: null, signal: 9, wallNs: 5 } },
        { after: { tNs: 1, memory: { failcnt: 3 } }, memoryLimited: true },
      ),
    );
    expect(res.outcome).toBe('oom-killed');
  });
  it('crash and exit codes are failures with the reason', () => {
    expect(classifyRun(input({ exitCode: 139, process: { exitCode: null, signal: 11, wallNs: 5 }, stderrTail: 'boom\n' }))).toEqual({
      outcome: 'failed',
      message: 'killed by SIGSEGV: boom',
    });
    expect(
      classifyRun(input({ exitCode: 3, process: { exitCode: 3, signal: null, wallNs: 5 }, stderrTail: 'cgbench-io: no O_DIRECT' })),
    ).toEqual({ outcome: 'failed', message: 'exit code 3: cgbench-io: no O_DIRECT' });
    expect(classifyRun(input({ exitCode: 127, process: { exitCode: 127, signal: null, wallNs: 0 } })).outcome).toBe('failed');
  });
  it('time-out and interruption win over the exit status', () => {
    expect(classifyRun(input({ exitCode: 137 }, { timedOut: true })).outcome).toBe('timeout');
    expect(classifyRun(input({ exitCode: 137 }, { interrupted: true })).outcome).toBe('interrupted');
  });
  it('command workloads are timed by the launcher', () => {
    expect(classifyRun(input({ process: { exitCode: 0, signal: null, wallNs: 777 } }, { selfTimed: false }))).toEqual({
      outcome: 'ok',
      metrics: { wallNs: 777 },
    });
  });
});
