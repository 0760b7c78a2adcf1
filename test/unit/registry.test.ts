import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentWarnings } from '../../src/analysis/warnings.js';
import { type CgbenchError } from '../../src/model/errors.js';
import { KNOB_IDS } from '../../src/model/knobs.js';
import type { Cell, ResolvedLimits, Scenario } from '../../src/model/types.js';
import { DOCKER_KNOBS } from '../../src/runtimes/docker/entry.js';
import { toDockerFlags } from '../../src/runtimes/docker/flags.js';
import { DockerRuntime } from '../../src/runtimes/docker/runtime.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { applicableLimits, decideKnobs, type KnobColumn, SET } from '../../src/runtimes/knob-rules.js';
import { RUNTIME_NAMES, RUNTIMES } from '../../src/runtimes/registry.js';
import type { LaunchRequest, RunHandle, Runtime } from '../../src/runtimes/runtime.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { planRuns } from '../../src/scheduler/plan.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { HOST } from '../fixtures/docs/build.js';
import { KNOB_SAMPLES } from '../fixtures/knob-samples.js';

const DISK = { dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' };

/** A runtime that runs every launch on the fake runtime and keeps the requests it was given. */
function recorder(): { rt: Runtime; requests: LaunchRequest[] } {
  const fake = new FakeRuntime();
  const requests: LaunchRequest[] = [];
  const rt: Runtime = {
    name: 'recorder',
    launch: (req: LaunchRequest): Promise<RunHandle> => {
      requests.push(req);
      return fake.launch(req);
    },
    close: () => Promise.resolve(),
  };
  return { rt, requests };
}

function scenarioOn(runtime: string, limits: Record<string, unknown>[]): Scenario {
  return validateScenario({ runtimes: [runtime], repetitions: 1, warmup: 0, workloads: [{ name: 'w', kind: 'cpu', limits }] }, 's.yaml');
}

async function suiteOn(runtime: string, limits: Record<string, unknown>[]) {
  const { rt, requests } = recorder();
  const doc = await runSuite({
    scenario: scenarioOn(runtime, limits),
    host: HOST,
    runtimes: { [runtime]: rt },
    scratch: () => DISK,
    scratchDir: '/var/tmp',
    save: () => {},
  });
  return { doc, requests };
}

const errorOf = async (p: Promise<unknown>): Promise<CgbenchError> => {
  try {
    await p;
  } catch (e) {
    return e as CgbenchError;
  }
  throw new Error('expected an error');
};

describe('the runtime registry', () => {
  it('gives every runtime a verdict on every knob', () => {
    // @ts-expect-error -- a column that forgets a knob does not compile (nor does a runtime with one)
    const forgot: KnobColumn = { cpu: SET };
    expect(Object.keys(forgot)).toHaveLength(1);
    for (const name of RUNTIME_NAMES) {
      const column = RUNTIMES[name]?.knobs as KnobColumn;
      expect(Object.keys(column).sort(), name).toEqual([...KNOB_IDS].sort());
      for (const id of KNOB_IDS) expect(() => decideKnobs(column, KNOB_SAMPLES[id]), `${name} ${id}`).not.toThrow();
    }
    expect(RUNTIMES.kubernetes?.mode).toBe('plan');
    expect(RUNTIMES.kubernetes?.open).toBeUndefined();
  });

  it('never hands docker an io weight below 10: it runs without it and the cell says so (the engine refused it)', async () => {
    const low: ResolvedLimits = { ioWeight: 5 };
    const decisions = decideKnobs(DOCKER_KNOBS, low);
    expect(decisions.map((d) => [d.knob, d.verdict.do])).toEqual([['ioWeight', 'skip']]);
    expect(toDockerFlags(applicableLimits(low, decisions), () => '/dev/vda')).toEqual([]);
    expect(toDockerFlags(applicableLimits({ ioWeight: 10 }, decideKnobs(DOCKER_KNOBS, { ioWeight: 10 })), () => '/dev/vda')).toEqual([
      '--blkio-weight',
      '10',
    ]);

    // Through the suite: the launch request and the docker run arguments built from it.
    const { doc, requests } = await suiteOn('docker', [{ name: 'low', ioWeight: 5, cpus: 0.5 }]);
    const cell = doc.cells.find((c) => c.limitSet === 'low') as Cell;
    expect(cell.notApplied).toEqual([
      {
        knob: 'ioWeight',
        limit: 'io weight',
        reason: "an io weight of 5 (docker's --blkio-weight takes 10..1000)",
        runtimes: ['native'],
      },
    ]);
    const req = requests.find((r) => r.limits.cpu?.quotaUs === 50_000) as LaunchRequest;
    expect(req.limits.ioWeight).toBeUndefined();
    const docker = new DockerRuntime({
      docker: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }),
      bin: 'docker',
      hostArgs: [],
      image: 'cgbench-workloads:test',
      info: { version: '20.10.24', storageDriver: 'overlay2', cgroupDriver: 'cgroupfs', cgroupVersion: '1' },
      startTimeoutMs: 1000,
    });
    const args = docker.runArgs({ runId: 'r1', params: req.params, limits: req.limits, scratchDir: '/var/tmp' });
    expect(args).not.toContain('--blkio-weight');
    expect(args).toContain('--cpu-quota');
    const warning = doc.warnings.find((w) => w.code === 'unsupported-limit' && w.cellId === cell.id);
    expect(warning?.message).toMatch(/docker cannot set an io weight of 5 .*; the runs went ahead without it/);
    expect(warning?.hint).toBe('compare with the native runtime, which sets it');
  });

  it('refuses in preflight exactly as the plan does, before anything runs', async () => {
    const limits = [
      { name: 'weighted', weight: 200 },
      { name: 'pinned', cpuset: '0' },
    ];
    const planned = (() => {
      try {
        planRuns(scenarioOn('native', limits));
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    // The same scenario on the kubernetes column in a suite (the plan's cells are the kubernetes runtime's).
    const { rt, requests } = recorder();
    const k8s = await errorOf(
      runSuite({
        scenario: { ...scenarioOn('native', limits), runtimes: ['kubernetes'] },
        host: HOST,
        runtimes: { kubernetes: rt },
        scratch: () => DISK,
        scratchDir: '/var/tmp',
        save: () => {},
      }),
    );
    const lines = (m: string): string[] => m.split('\n').filter((l) => l.includes('cannot set'));
    expect(lines(k8s.message)).toHaveLength(2);
    expect(lines(k8s.message).map((l) => l.trim())).toEqual(lines(planned).map((l) => l.trim()));
    expect(k8s.code).toBe('E_SCENARIO');
    expect(requests.filter((r) => r.limits.cpuWeight !== undefined || r.limits.cpuset !== undefined)).toEqual([]);
  });

  it('records what a runtime ran without; analysis reads the record, never the runtime name', async () => {
    const { doc } = await suiteOn('fake', [{ name: 'x', cpus: 0.5 }]);
    const cell: Cell = {
      ...(doc.cells[1] as Cell),
      id: 'w / x / any',
      runtime: 'any-future-runtime',
      notApplied: [{ knob: 'cpuBurst', limit: 'cpu burst', reason: 'cpu burst (it has no flag for it)', runtimes: ['native'] }],
    };
    const warnings = documentWarnings([cell], { cgroupMode: 'v2', driver: 'v2' });
    expect(warnings.map((w) => w.message)).toContain(
      'w / x / any: any-future-runtime cannot set cpu burst (it has no flag for it); the runs went ahead without it',
    );
    // No runtime's name appears as a literal in analysis/: what differs between runtimes is data on the cell.
    const dir = join(import.meta.dirname, '../../src/analysis');
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const name of RUNTIME_NAMES) expect(text, `${f} names '${name}'`).not.toContain(`'${name}'`);
    }
  });

  it('records the native runtime running without memory.high on a cgroup v1 host, and none on v2', async () => {
    const high = [{ name: 'high', memory: { high: '64M' } }];
    const v1 = await suiteOn('native', high);
    expect(v1.doc.cells.find((c) => c.limitSet === 'high')?.notApplied?.[0]).toMatchObject({ knob: 'memoryHigh', hint: /cgroup v2/ });
    expect(v1.requests.find((r) => r.limits.memory)?.limits.memory?.highBytes).toBeUndefined();
    const { rt } = recorder();
    const v2 = await runSuite({
      scenario: scenarioOn('native', high),
      host: { ...HOST, cgroup: { ...HOST.cgroup, mode: 'v2', driver: 'v2' } },
      runtimes: { native: rt },
      scratch: () => DISK,
      scratchDir: '/var/tmp',
      save: () => {},
    });
    expect(v2.cells.some((c) => c.notApplied)).toBe(false);
  });
});
