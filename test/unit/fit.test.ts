// A fit run in-process over the fake runtime, through the suite's rounds: the answer against the latency
// workload's demand, an SLO found at the top of the range, an impossible one with its reason, a response that is
// not monotone reported as such, the alternatives at the answer, and the settings to paste.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DISK, TEST_HOST } from '../helpers.js';
import { fitHooks, type FitOptions, parseRange, planFit } from '../../src/app/fit.js';
import { kubernetesResources, pasteSettings, systemdProperties } from '../../src/app/fit-paste.js';
import type { HookContext } from '../../src/app/run.js';
import type { ResultDocument } from '../../src/model/types.js';
import { FakeRuntime, type FakeOptions } from '../../src/runtimes/fake.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { renderFit } from '../../src/reporters/fit.js';
import { renderHtml } from '../../src/reporters/html.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';

const host = TEST_HOST;
const disk = TEST_DISK;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cgbench-fit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario file of one workload, unlimited only. */
function scenarioFile(name: string, workload: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, workloads: [{ name, ...workload, limits: [{}] }] }));
  return path;
}

async function fit(opts: FitOptions, fake: FakeOptions = {}, file?: string): Promise<ResultDocument> {
  const plan = await planFit(file, { runtime: ['fake'], warmup: 0, ...opts });
  const runtime = new FakeRuntime(fake);
  const ctx: HookContext = { runtimes: { fake: runtime }, host, availableCpus: '0-1' };
  const hooks = fitHooks(plan);
  return runSuite({
    scenario: plan.scenario,
    host,
    runtimes: { fake: runtime },
    scratch: () => disk,
    scratchDir: '/var/tmp',
    save: () => undefined,
    next: (d) => hooks.next(d, ctx),
    finish: (d) => hooks.finish(d, ctx),
  });
}

describe('cgbench fit over the fake runtime', () => {
  it("finds the latency workload's CPU within the precision of its demand (threads x work / interval)", async () => {
    const doc = await fit({ preset: 'latency', slo: ['p99 <= 10ms'], range: '0.05..2', precision: 0.05 }, { noise: 0.02 });
    const f = doc.fit;
    expect(f?.status).toBe('found');
    const demand = (2 * 1000) / 10_000;
    const a = f?.answer;
    expect(a?.failsBelow).not.toBeNull();
    // Below the demand the queue grows, so the answer is above it; the probe below the answer is within the
    // precision of it.
    expect(a?.value).toBeGreaterThanOrEqual(demand);
    expect(a?.failsBelow?.value).toBeLessThanOrEqual(demand * 1.05);
    expect((a?.value ?? 0) / (a?.failsBelow?.value ?? 1)).toBeLessThanOrEqual(1.05 + 1e-9);
    // Every probe is a cell of the document, with its runs; the baseline first.
    for (const p of f?.probes ?? []) expect(doc.cells.find((c) => c.id === p.cellId)?.runs.length).toBe(p.runs);
    expect(f?.probes[0]).toMatchObject({ value: null, role: 'baseline', verdict: 'holds' });
    expect(f?.runs).toBeLessThanOrEqual((f?.sweepRuns ?? 0) / 3);
    expect(f?.inversions).toEqual([]);
    expect(f?.paste?.docker).toMatch(/^docker run --cpu-period 100000 --cpu-quota \d+ \.\.\.$/);
    expect(renderFit(doc)).toMatch(/^answer: 0\.2\d+ CPU meets every SLO with 95 % confidence/m);
  });

  it('an SLO that holds unlimited and fails everywhere below is found at the top', async () => {
    const loop = scenarioFile('loop', { kind: 'cpu', params: { iterations: 1e8, threads: 1 } });
    const doc = await fit({ slo: ['slowdown <= 1.01'], range: '0.2..1', alternatives: false }, {}, loop);
    expect(doc.fit?.answer).toMatchObject({ value: 1, at: 'top' });
    expect(renderFit(doc)).toContain('at the top of the range');
  });

  it('an impossible SLO ends with none and the reason, naming the SLO and where it fails', async () => {
    const doc = await fit({ preset: 'latency', slo: ['p99 <= 0.5ms'], range: '0.1..2' });
    expect(doc.fit?.status).toBe('none');
    expect(doc.fit?.reason).toMatch(/^the SLOs fail even without limits \(p99 <= 0.5ms: 1\.0 ms/);
    // It stops at the top: no scan, no bisection.
    expect(doc.fit?.probes.map((p) => p.role)).toEqual(['baseline', 'top']);
  });

  it('a response that is not monotone is reported as such, not hidden', async () => {
    const doc = await fit(
      { preset: 'latency', slo: ['p99 <= 10ms'], range: '0.05..2' },
      { p99Bump: { fromCpus: 0.5, toCpus: 0.9, factor: 30 } },
    );
    const inv = doc.fit?.inversions ?? [];
    expect(inv.length).toBeGreaterThan(0);
    expect(inv[0]?.what).toMatch(/^holds at 0\.316 CPU but fails at 0\.795 CPU/);
    expect(renderFit(doc)).toContain('not monotone');
    expect(renderHtml(doc)).toContain('Not monotone.');
    expect(renderMarkdown(doc)).toContain('**Not monotone**');
  });

  it('tries a shorter period, a burst and whole CPUs at the answer, and says which was lower', async () => {
    // Four threads of 3 ms every 10 ms: 1.2 CPUs on average, which one whole CPU cannot give. The fake's tail is
    // made five times shorter at the 20 ms period around the answer: that alternative then holds lower.
    const wide = scenarioFile('wide', { kind: 'latency', params: { threads: 4, durationMs: 1000, workUs: 3000, intervalUs: 10000 } });
    const shorter = { fromCpus: 1, toCpus: 1.3, factor: 0.2, periodUs: 20_000 };
    const doc = await fit({ slo: ['p99 <= 20ms'], range: '0.5..2' }, { p99Bump: shorter }, wide);
    const alts = doc.fit?.alternatives ?? [];
    expect(alts.map((a) => a.series)).toEqual(['period', 'burst', 'cpuset']);
    const cpuset = alts.find((a) => a.series === 'cpuset');
    expect(cpuset?.verdict).toBe('not-lower');
    expect(cpuset?.reason).toMatch(/^fails at 1 CPU, where the plain quota fails too/);
    const period = alts.find((a) => a.series === 'period');
    expect(period?.verdict).toBe('lower');
    expect(period?.answer?.value).toBeLessThan(doc.fit?.answer?.value ?? 0);
    expect(period?.reason).toMatch(/^holds at 1\.\d+ CPU, \d+ % below the plain 1\.\d+ CPU; at 1\.\d+ CPU the plain quota: /);
    expect(period?.paste).toMatch(/--cpu-period 20000 --cpu-quota \d+ .*CPUQuotaPeriodSec=20ms/);
    // The fake models no burst: it is no better than the plain quota.
    expect(alts.find((a) => a.series === 'burst')?.verdict).toBe('not-lower');
    expect(renderFit(doc)).toMatch(/^ {2}20 ms period: lower — holds at/m);
  });
});

describe('settings to paste', () => {
  it('turns a CPU answer into docker flags, a resources block with the used CPU as request, and CPUQuota', () => {
    const limits = { cpu: { quotaUs: 44_700, periodUs: 100_000 } };
    const p = pasteSettings('cpus', limits, 0.2104);
    expect(p.docker).toBe('docker run --cpu-period 100000 --cpu-quota 44700 ...');
    expect(p.systemd).toBe('systemctl set-property UNIT CPUQuota=44.7%');
    expect(p.kubernetes).toBe(
      ['resources:', '  requests:', '    cpu: 211m        # what it used at the limit', '  limits:', '    cpu: 447m'].join('\n'),
    );
    expect(p.notes).toEqual([]);
  });

  it('names what a target cannot express', () => {
    const period = pasteSettings('cpus', { cpu: { quotaUs: 6000, periodUs: 20_000 } }, null);
    expect(period.systemd).toContain('CPUQuotaPeriodSec=20ms');
    expect(period.kubernetes).toBe('');
    expect(period.notes.join(' ')).toMatch(/Kubernetes: a CPU period of 20 ms/);
    const high = pasteSettings('memory-high', { memory: { maxBytes: null, highBytes: 256 * 2 ** 20 } }, null);
    expect(high.docker).toBe('');
    expect(high.systemd).toBe('systemctl set-property UNIT MemoryHigh=256M');
    expect(high.notes.join(' ')).toMatch(/docker: memory.high/);
    expect(systemdProperties({ memory: { maxBytes: 3 * 2 ** 20 + 1 } }).properties).toEqual(['MemoryMax=3145729', 'MemorySwapMax=0']);
    expect(kubernetesResources({ memory: { maxBytes: 2 ** 28 } }, null)).toBe(
      ['resources:', '  requests:', '    memory: 268435456', '  limits:', '    memory: 268435456'].join('\n'),
    );
  });

  it('reads ranges of CPUs (millicores too) and of sizes, and refuses bad ones in one line', () => {
    expect(parseRange('0.1..4', 'cpus')).toEqual([0.1, 4]);
    expect(parseRange('250m..2', 'cpus')).toEqual([0.25, 2]);
    expect(parseRange('64M..1G', 'memory')).toEqual([64 * 2 ** 20, 2 ** 30]);
    expect(() => parseRange('4..0.1', 'cpus')).toThrow(/the bottom must be below the top/);
    expect(() => parseRange('0.1-4', 'cpus')).toThrow(/write BOTTOM..TOP/);
    expect(() => parseRange('0.001..1', 'cpus')).toThrow(/at least 0.01 CPU/);
  });
});
