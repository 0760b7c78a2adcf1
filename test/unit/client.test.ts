// A service's client command: wrk's report read from real wrk 4.1 output captured on this project's machine
// (test/fixtures/wrk: --latency against the echo server at 1 ms, without --latency, an nginx answering 503, an nginx
// closing every connection), the placeholders, the scenario's checks, and how a client's exit becomes the run's.
import { describe, expect, it } from 'vitest';
import { clientArgv, clientProblems } from '../../src/model/client.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { ServiceParams } from '../../src/model/types.js';
import { isWrkOutput, readClientMetrics, readWrkOutput } from '../../src/programs/metrics.js';
import { clientMissing } from '../../src/runtimes/client.js';
import type { ClientExit } from '../../src/runtimes/runtime.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { classifyRun } from '../../src/scheduler/classify.js';
import { fixture } from '../helpers.js';

const value = (r: ReturnType<typeof readWrkOutput>, name: string): number | undefined => r.metrics[name]?.value;

describe("wrk's report", () => {
  it('gives throughput, transfer, p50/p75/p90/p99 (ms) and no errors of a clean --latency run', () => {
    const r = readWrkOutput(fixture('wrk/latency.txt'));
    expect(r.problems).toEqual([]);
    expect(r.metrics.throughput).toEqual({ value: 2172.78, unit: 'req/s', direction: 'higher-is-better' });
    expect(r.metrics.p50).toEqual({ value: 1.35, unit: 'ms', direction: 'lower-is-better' });
    expect([value(r, 'p75'), value(r, 'p90'), value(r, 'p99')]).toEqual([2.27, 3.37, 13.15]);
    expect(r.metrics.errors).toEqual({ value: 0, unit: '', direction: 'lower-is-better' });
    expect(r.metrics.transfer).toEqual({ value: 142.16 * 1024, unit: 'B/s', direction: 'higher-is-better' });
    expect(Object.keys(r.metrics)).toEqual(['throughput', 'p50', 'p75', 'p90', 'p99', 'errors', 'transfer']);
  });

  it('without --latency: throughput and errors, no percentiles', () => {
    const r = readWrkOutput(fixture('wrk/plain.txt'));
    expect(value(r, 'throughput')).toBe(3310.84);
    expect(value(r, 'p50')).toBeUndefined();
    expect(value(r, 'errors')).toBe(0);
  });

  it('non-2xx answers are errors, not throughput; microsecond percentiles become ms', () => {
    const r = readWrkOutput(fixture('wrk/non2xx.txt'));
    expect(value(r, 'throughput')).toBe(0);
    expect(value(r, 'errors')).toBe(33170);
    expect(value(r, 'p50')).toBeCloseTo(0.07, 9);
    expect(value(r, 'p99')).toBeCloseTo(3.7, 9);
  });

  it('socket errors are errors; nothing answered has no latency (not a zero one)', () => {
    const r = readWrkOutput(fixture('wrk/read-errors.txt'));
    expect(value(r, 'errors')).toBe(9532);
    expect(value(r, 'throughput')).toBe(0);
    expect(value(r, 'p50')).toBeUndefined();
  });

  it('is told from other output', () => {
    for (const f of ['latency', 'plain', 'non2xx', 'read-errors']) expect(isWrkOutput(fixture(`wrk/${f}.txt`))).toBe(true);
    expect(isWrkOutput(fixture('wrk/refused.txt'))).toBe(false);
    expect(isWrkOutput(fixture('fio/randrw.json'))).toBe(false);
    const cut = fixture('wrk/latency.txt').replace(/^\s*\d+ requests in .*$/m, '');
    expect(readWrkOutput(cut).problems).toHaveLength(1);
  });
});

describe("a client's figures", () => {
  const line = (name: string, v: number): string => JSON.stringify({ name, value: v, unit: 'ms', direction: 'lower-is-better' });
  it("reads the protocol file, wrk's report, or both (the protocol's figure wins a name both give)", () => {
    expect(readClientMetrics([line('p99', 7)], 'hey says hello').metrics).toEqual({
      p99: { value: 7, unit: 'ms', direction: 'lower-is-better' },
    });
    const both = readClientMetrics([line('p99', 7)], fixture('wrk/latency.txt'));
    expect(both.problems).toEqual([]);
    expect(both.metrics.p99?.value).toBe(7);
    expect(both.metrics.throughput?.value).toBe(2172.78);
  });
  it('neither is one problem naming both ways; a bad protocol line is one too', () => {
    const none = readClientMetrics([], 'Summary: 3 requests\n');
    expect(none.problems).toHaveLength(1);
    expect(none.problems[0]).toMatch(/neither wrk's report on stdout nor JSON lines .* \$CGBENCH_METRICS/);
    expect(readClientMetrics(['{"name": "x"}'], fixture('wrk/latency.txt')).problems).toHaveLength(1);
  });
});

const service: ServiceParams = {
  kind: 'service',
  argv: ['srv'],
  port: 8080,
  readyTimeoutMs: 1000,
  protocol: 'http',
  path: '/ok',
  mode: 'open',
  rates: [500],
  connections: 16,
  durationMs: 5000,
  warmupMs: 0,
};

describe("a client's placeholders", () => {
  it('fill in each run, inside an argument too', () => {
    const t = [
      'wrk',
      '-t1',
      '-c{connections}',
      '-d{duration}',
      '--latency',
      '{url}',
      '{host}:{port}{path}',
      '{seconds}',
      '{durationMs}',
      '-R{rate}',
    ];
    expect(clientArgv(t, service, '10.253.0.2')).toEqual([
      'wrk',
      '-t1',
      '-c16',
      '-d5s',
      '--latency',
      'http://10.253.0.2:8080/ok',
      '10.253.0.2:8080/ok',
      '5',
      '5000',
      '-R500',
    ]);
  });
  it('that the service cannot fill are named', () => {
    expect(clientProblems(['x', '{uri}'], service)[0]).toMatch(/^\{uri\} is not a placeholder cgbench fills \(\{url\} /);
    expect(clientProblems(['{duration}'], { ...service, durationMs: 2500 })[0]).toMatch(/whole seconds, durationMs 2500/);
    expect(clientProblems(['{url}'], { ...service, protocol: 'tcp' })[0]).toMatch(/^\{url\} is for an HTTP service/);
    expect(clientProblems(['{rate}'], { ...service, mode: 'closed' })[0]).toMatch(/^\{rate\} needs one rate/);
    expect(clientProblems(['{url}', '{duration}', '{rate}'], service)).toEqual([]);
  });
});

describe('a client in a scenario', () => {
  const workload = (extra: object, params: object = {}): object => ({
    workloads: [{ name: 'web', kind: 'service', command: ['/bin/srv'], params: { port: 8080, ...params }, ...extra }],
  });
  const problem = (raw: object): string => {
    try {
      validateScenario(raw, 's.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(CgbenchError);
      return (e as CgbenchError).message;
    }
    throw new Error('expected a problem');
  };
  it("is kept on the service's params, its warm-up none (it runs once)", () => {
    const s = validateScenario(workload({ client: ['wrk', '-d{duration}', '{url}'] }), 's.yaml');
    expect(s.workloads[0]?.params).toMatchObject({ kind: 'service', client: ['wrk', '-d{duration}', '{url}'], warmupMs: 0 });
  });
  it('is refused where it cannot run, one line each', () => {
    expect(problem(workload({ client: ['wrk', '{uri}'] }))).toContain('workloads[0].client: {uri} is not a placeholder');
    expect(problem(workload({ client: ['wrk'] }, { warmupMs: 100 }))).toContain('workloads[0].params.warmupMs: a client runs once');
    expect(problem(workload({ client: ['wrk'] }, { rate: [1, 2] }))).toContain(
      'workloads[0].params.rate: a client runs once, not in steps',
    );
    expect(problem(workload({ client: [] }))).toContain('client');
    const cpu = { workloads: [{ name: 'c', kind: 'cpu', client: ['wrk'] }] };
    expect(problem(cpu)).toContain('workloads[0].client: only a service is driven by a client');
  });
  it('whose program is missing is the machine that cannot (exit 3), one line', () => {
    const e = clientMissing({ ...service, client: ['cgbench-no-such-client', '{url}'] });
    expect(e?.code).toBe('E_PROGRAM');
    expect(e?.message).toMatch(/^client: cgbench-no-such-client is not on PATH/);
    expect(clientMissing({ ...service, client: ['sh'] })).toBeNull();
    expect(clientMissing(service)).toBeNull();
  });
});

describe("a client's exit as the run's outcome", () => {
  const exitOf = (c: Partial<ClientExit>): ClientExit => ({
    argv: ['wrk', 'http://127.0.0.1:8080/'],
    exitCode: 0,
    signal: null,
    stdout: '',
    stderrTail: '',
    metricLines: [],
    wallNs: 5e9,
    cpuNs: 1e9,
    threadBusyMax: 0.2,
    ...c,
  });
  const classify = (c: Partial<ClientExit>) =>
    classifyRun({
      exit: { exitCode: 0, signal: null, stdout: '', stderrTail: '', harnessWallNs: 6e9, client: exitOf(c) },
      selfTimed: false,
      timedOut: false,
      interrupted: false,
      timeoutMs: 60_000,
      memoryLimited: false,
      service: true,
    });
  it("ok with wrk's figures and its cost", () => {
    const r = classify({ stdout: fixture('wrk/latency.txt') });
    expect(r.outcome).toBe('ok');
    if (r.outcome !== 'ok') return;
    expect(r.namedMetrics?.throughput?.value).toBe(2172.78);
    expect(r.client).toEqual({ cpuNs: 1e9, threadBusyMax: 0.2, wallNs: 5e9 });
    expect(r.metrics.wallNs).toBe(5e9);
  });
  it('a saturated client is named as the bottleneck', () => {
    const r = classify({ stdout: fixture('wrk/latency.txt'), threadBusyMax: 0.97 });
    expect(r.outcome === 'ok' && r.client?.bottleneck).toMatch(/^a client thread was busy 97 % of the time/);
  });
  it('a non-zero exit, a signal, no figures: failed with one line', () => {
    const refused = classify({ exitCode: 1, stdout: 'unable to connect to 127.0.0.1:18924 Connection refused' });
    expect(refused).toMatchObject({
      outcome: 'failed',
      message: 'the client wrk exited with code 1: unable to connect to 127.0.0.1:18924 Connection refused',
    });
    expect(classify({ exitCode: null, signal: 'SIGSEGV' })).toMatchObject({
      outcome: 'failed',
      message: 'the client wrk was killed by SIGSEGV',
    });
    expect(classify({ stdout: 'done\n' })).toMatchObject({
      outcome: 'failed',
      message: expect.stringMatching(/^the client printed no figures/),
    });
    expect(classify({ error: 'spawn wrk ENOENT' })).toMatchObject({
      outcome: 'failed',
      message: 'the client wrk could not be started: spawn wrk ENOENT',
    });
  });
});
