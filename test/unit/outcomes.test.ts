// Failure must not look like success: which outcomes a cell expects, when runs fail the suite (exit 4),
// and what is checked before the first run (programs, cpusets) so nothing is written for a suite that cannot run.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedIoRate, expectedOutcomes, isUnexpected } from '../../src/analysis/expected.js';
import { suiteVerdict } from '../../src/app/run.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { ResultDocument } from '../../src/model/types.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { findProgram, hostProgramProblems } from '../../src/runtimes/host-preflight.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { cpuListText, cpusetProblem } from '../../src/scheduler/preflight.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { HOST } from '../fixtures/docs/build.js';

const MIB = 2 ** 20;
const host = HOST;
const disk = { dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' };
const work = mkdtempSync(join(tmpdir(), 'cgbench-outcomes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function suite(raw: object, fake = new FakeRuntime(), extra: { availableCpus?: string } = {}): Promise<ResultDocument> {
  const scenario = validateScenario({ repetitions: 2, warmup: 1, runtimes: ['fake'], ...raw }, 's.yaml');
  return runSuite({ scenario, host, runtimes: { fake }, scratch: () => disk, scratchDir: '/var/tmp', save: () => {}, ...extra });
}

describe('expected outcomes', () => {
  const anon = (mib: number) => ({ kind: 'memory' as const, mode: 'anon' as const, mib });
  it('an anonymous working set above the memory limit is expected to be OOM-killed; near it either', () => {
    expect(expectedOutcomes({ params: anon(128), limits: { memory: { maxBytes: 64 * MIB } } })).toEqual(['oom-killed']);
    expect(expectedOutcomes({ params: anon(128), limits: { memory: { maxBytes: 256 * MIB } } })).toEqual(['ok']);
    expect(expectedOutcomes({ params: anon(128), limits: { memory: { maxBytes: 130 * MIB } } })).toEqual(['ok', 'oom-killed']);
    expect(expectedOutcomes({ params: anon(128), limits: { memory: { maxBytes: 64 * MIB, swapBytes: 128 * MIB } } })).toEqual([
      'ok',
      'oom-killed',
    ]);
    expect(expectedOutcomes({ params: { kind: 'cpu', iterations: 1, threads: 1 }, limits: { memory: { maxBytes: 2 * MIB } } })).toEqual([
      'ok',
    ]);
    expect(expectedOutcomes({ params: anon(128), limits: {} }, ['timeout', 'timeout'])).toEqual(['timeout']);
  });
  it('an ok run is always a result; an outcome the cell does not expect is not', () => {
    expect(isUnexpected({ outcome: 'ok' }, ['oom-killed'])).toBe(false);
    expect(isUnexpected({ outcome: 'interrupted' }, ['ok'])).toBe(false);
    expect(isUnexpected({ outcome: 'oom-killed' }, ['oom-killed'])).toBe(false);
    expect(isUnexpected({ outcome: 'oom-killed' }, ['ok'])).toBe(true);
    expect(isUnexpected({ outcome: 'timeout' }, ['ok'])).toBe(true);
    expect(isUnexpected({ outcome: 'failed' }, ['ok', 'failed'])).toBe(false);
  });
});

describe('the suite verdict (exit codes)', () => {
  it('an expected OOM kill is a result: exit 0', async () => {
    const doc = await suite({
      workloads: [{ name: 'm', kind: 'memory', params: { mode: 'anon', mib: 128 }, limits: [{ memory: '64M' }] }],
    });
    expect(doc.cells[1]?.summary.outcomes).toEqual({ 'oom-killed': 2 });
    expect(doc.cells[1]?.summary.unexpectedRuns).toBe(0);
    expect(suiteVerdict(doc, false)).toEqual({ exitCode: 0, line: '' });
  });

  it('an OOM kill the limit set does not expect fails the suite: exit 4, naming the cell', async () => {
    const doc = await suite({
      workloads: [
        { name: 'm', kind: 'memory', params: { mode: 'anon', mib: 128 }, limits: [{ name: 'tight', memory: '64M', expect: 'ok' }] },
      ],
    });
    expect(doc.cells[1]?.summary.unexpectedRuns).toBe(3);
    const v = suiteVerdict(doc, false);
    expect(v.exitCode).toBe(4);
    expect(v.line).toMatch(
      /^cgbench: 3 run\(s\) failed, timed out or were OOM-killed unexpectedly in 1 cell\(s\): m \/ tight \/ fake; exit 4/,
    );
    expect(suiteVerdict(doc, true)).toMatchObject({ exitCode: 0, line: expect.stringContaining('accepted: --allow-failures') });
    expect(doc.warnings.find((w) => w.code === 'runs-failed')?.detail).toMatch(/^3\/3 oom-killed/);
  });

  it('a cell whose every run times out fails the suite, unless it expects the time-out', async () => {
    const slow = { name: 'loop', kind: 'cpu', params: { iterations: 1e10 } };
    // 1e10 iterations simulate ~3 s, played at 100 real ms per simulated second: past the 100 ms time-out.
    const doc = await suite(
      { timeout: '100ms', warmup: 0, workloads: [{ ...slow, limits: [{}] }] },
      new FakeRuntime({ realMsPerSec: 100 }),
    );
    expect(doc.cells[0]?.summary.outcomes).toEqual({ timeout: 2 });
    expect(suiteVerdict(doc, false).exitCode).toBe(4);
    expect(doc.warnings.find((w) => w.code === 'runs-failed')?.message).toMatch(/2 of 2 run\(s\) of loop \/ unlimited \/ fake timed out/);
    const expected = await suite(
      { timeout: '100ms', warmup: 0, workloads: [{ ...slow, limits: [{ name: 'free', expect: 'timeout' }] }] },
      new FakeRuntime({ realMsPerSec: 100 }),
    );
    expect(suiteVerdict(expected, false).exitCode).toBe(0);
  });
});

describe('checked before the first run', () => {
  it('finds programs as execvp does and says what is wrong with them', () => {
    expect(findProgram('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(findProgram('no-such-program-cgbench', '/bin:/usr/bin')).toBeNull();
    const script = join(work, 'script.sh');
    writeFileSync(script, '#!/bin/sh\n');
    chmodSync(script, 0o644);
    const item = (argv: string[]) => ({ where: 'workload "c"', params: { kind: 'command' as const, argv }, limits: {} });
    expect(hostProgramProblems([item(['/bin/sh', '-c', 'true'])])).toEqual([]);
    expect(hostProgramProblems([item(['/no/such']), item(['/no/such']), item([script]), item(['nope-cgbench'])])).toEqual([
      'workload "c": command[0] /no/such does not exist (give the program\'s full path, e.g. /usr/bin/gzip)',
      `workload "c": command[0] ${script} is not executable (chmod +x it, or run it through its interpreter)`,
      'workload "c": command[0] nope-cgbench is not on PATH (give the program\'s full path, e.g. /usr/bin/gzip)',
    ]);
  });

  it('checks a cpuset against the parent group', () => {
    expect(cpuListText([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(cpusetProblem('0-1', '0-1')).toBeNull();
    expect(cpusetProblem('1,3-5', '0-3')).toBe(
      'cpuset 1,3-5 names CPU(s) 4-5, which the parent group does not have (it has 0-3; name CPUs among them)',
    );
  });

  it('a suite with such problems lists them all, before writing anything', async () => {
    const saves: ResultDocument[] = [];
    const e: unknown = await runSuite({
      scenario: validateScenario(
        {
          runtimes: ['fake'],
          workloads: [
            { name: 'c', kind: 'command', command: ['/no/such/program'] },
            { name: 'p', kind: 'cpu', limits: [{ name: 'pinned', cpuset: '0-7' }] },
          ],
        },
        'mine.yaml',
      ),
      host,
      runtimes: { fake: new FakeRuntime() },
      scratch: () => disk,
      scratchDir: '/var/tmp',
      save: (d) => void saves.push(d),
      availableCpus: '0-1',
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CgbenchError);
    expect((e as CgbenchError).code).toBe('E_SCENARIO');
    expect((e as CgbenchError).message).toMatch(/^cannot run mine\.yaml, checked before the first run: 2 problems:/);
    expect((e as CgbenchError).message).toContain('workload "p", limit set "pinned" (fake): cpuset 0-7 names CPU(s) 2-7');
    expect((e as CgbenchError).message).toContain('workload "c", limit set "unlimited" (fake): command[0] /no/such/program does not exist');
    expect(saves).toEqual([]);
  });
});

describe('the IO model', () => {
  const io = (mib: number) => ({ kind: 'io' as const, mode: 'write' as const, mib, blockKib: 1024 });
  it('allows one throttle slice at the full rate: 32 MiB at 50 MB/s may reach 58.8 MB/s', () => {
    const r = expectedIoRate({ params: io(32), limits: { io: [{ device: 'scratch', wbps: 50e6 }] } }, undefined, { hostCpus: 2 }) as [
      number,
      number,
    ];
    expect(r[0]).toBe(50e6);
    expect(r[1] / 1e6).toBeCloseTo((32 * MIB) / ((32 * MIB) / 50e6 - 0.1) / 1e6, 6);
    expect(r[1] / 1e6).toBeCloseTo(58.76, 1);
    // A non-rotational disk's slice is 20 ms: a narrower allowance.
    const ssd = expectedIoRate({ params: io(32), limits: { io: [{ device: 'scratch', wbps: 50e6 }] } }, undefined, {
      hostCpus: 2,
      ioSliceMs: 20,
    });
    expect((ssd as [number, number])[1] / 1e6).toBeCloseTo(51.5, 1);
    expect(expectedIoRate({ params: io(32), limits: {} }, undefined, { hostCpus: 2 })).toBeNull();
  });
});
