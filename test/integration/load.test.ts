// The load generator (native/load.c) against servers written for the test: the echo server with a known
// service time (native/echo.c) and small Node servers for HTTP framing and errors. What it must measure: the
// service time, the queue an open loop builds in front of a server that cannot keep up (and a closed loop
// hides), errors and time-outs; and it must stop cleanly on a signal. Every server is stopped by its pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { errorCount, runFigures } from '../../src/analysis/load.js';
import { nativeBinary } from '../../src/model/paths.js';
import type { LoadReport, LoadSpec } from '../../src/model/types.js';
import { loadArgv, parseLoadReport } from '../../src/programs/load.js';
import { isRoot } from '../helpers.js';

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Root may raise priority: the test measures the generator, not the other work on a shared machine. */
const nice = (argv: string[]): string[] => (isRoot ? ['nice', '-n', '-10', ...argv] : argv);

async function startEcho(args: string[]): Promise<{ port: number; stop: () => Promise<string> }> {
  const [cmd, ...rest] = nice([nativeBinary('cgbench-echo'), ...args]);
  const child = spawn(cmd as string, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const port = await new Promise<number>((res, rej) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on [\d.]+:(\d+)/.exec(err);
      if (m) res(Number(m[1]));
    });
    child.on('exit', (code) => rej(new Error(`cgbench-echo exited (${code}): ${err}`)));
  });
  const stop = async (): Promise<string> => {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
    children.delete(child);
    return out;
  };
  return { port, stop };
}

async function load(spec: LoadSpec, opts: { interruptAfterMs?: number } = {}): Promise<{ report: LoadReport; code: number | null }> {
  const [cmd, ...rest] = nice([nativeBinary('cgbench-load'), ...loadArgv(spec)]);
  const child = spawn(cmd as string, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  if (opts.interruptAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), opts.interruptAfterMs);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  children.delete(child);
  const report = parseLoadReport(out);
  if (!report) throw new Error(`cgbench-load (exit ${code}) printed no report: ${err}${out.slice(0, 300)}`);
  return { report, code };
}

const tcp = (port: number): LoadSpec['target'] => ({ protocol: 'tcp', address: `127.0.0.1:${port}` });
const ms = (ns: number | undefined): number => (ns ?? NaN) / 1e6;

describe('the load generator measures a server with a known service time', () => {
  const stops: (() => Promise<string>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
  });

  it('open loop below capacity: p50 is the 1 ms service time; closed loop: the queue its connections make', async () => {
    // One thread that sleeps 1 ms per request: at most 1000 requests/s, never faster than 1 ms.
    const echo = await startEcho(['--sleep-us', '1000']);
    stops.push(echo.stop);
    const open = await load({ target: tcp(echo.port), mode: 'open', rates: [200], connections: 4, durationMs: 2000, warmupMs: 200 });
    const f = runFigures(open.report);
    expect(open.code).toBe(0);
    expect(f.errors).toBe(0);
    expect(open.report.steps[0]?.sent).toBe(400);
    expect(f.ok).toBe(400);
    expect(ms(f.p50Ns)).toBeGreaterThanOrEqual(1.0);
    expect(ms(f.p50Ns)).toBeLessThan(1.5);
    // Closed loop: the connections are the queue. Little's law: requests in flight (4) = throughput x latency.
    const closed = await load({ target: tcp(echo.port), mode: 'closed', connections: 4, durationMs: 1000 });
    const c = runFigures(closed.report);
    expect(c.throughputRps).toBeLessThanOrEqual(1000);
    expect(ms(c.p50Ns)).toBeGreaterThanOrEqual(1.0);
    const inFlight = c.throughputRps * ((c.meanNs ?? 0) / 1e9);
    expect(inFlight).toBeGreaterThan(4 * 0.85);
    expect(inFlight).toBeLessThan(4 * 1.1);
    const served = JSON.parse(await echo.stop()) as { ops: number };
    stops.length = 0;
    expect(served.ops).toBeGreaterThanOrEqual(400 + c.ok);
  });

  it('a server that cannot keep up: the open-loop p99 grows with the test length, the closed-loop one does not', async () => {
    // 2 ms per request on one thread: at most 500 requests/s against 750 offered.
    const echo = await startEcho(['--sleep-us', '2000']);
    stops.push(echo.stop);
    const p99 = async (mode: 'open' | 'closed', durationMs: number): Promise<number> => {
      const { report } = await load({
        target: tcp(echo.port),
        mode,
        rates: mode === 'open' ? [750] : undefined,
        connections: 4,
        durationMs,
        timeoutMs: 10_000,
      });
      const f = runFigures(report);
      expect(f.errors).toBe(0);
      // Every request placed in the schedule is sent, the queue left at the end included (within the time-out).
      if (mode === 'open') expect(f.ok).toBe((750 * durationMs) / 1000);
      return ms(f.p99Ns);
    };
    const open1 = await p99('open', 1000);
    const open2 = await p99('open', 2000);
    const closed1 = await p99('closed', 1000);
    const closed2 = await p99('closed', 2000);
    // The queue grows by at least 250 requests/s, 0.5 s of service per second of test: p99 about T/2.
    expect(open1).toBeGreaterThan(100);
    expect(open2 / open1).toBeGreaterThan(1.5);
    // Closed loop: 4 connections, about 4 x 2 ms whatever the length: no queue at either length, where the open
    // loop's is over 100 ms and grows. (Not a ratio of the two: a p99 of ~8 ms moves by half with one scheduling
    // stall on a busy machine, 1.62x in one CI run.)
    expect(closed1).toBeLessThan(40);
    expect(closed2).toBeLessThan(40);
  });

  it('Poisson arrivals keep the rate on average', async () => {
    const echo = await startEcho([]);
    stops.push(echo.stop);
    const { report } = await load({
      target: tcp(echo.port),
      mode: 'open',
      rates: [500],
      arrival: 'poisson',
      connections: 4,
      durationMs: 1000,
    });
    // Poisson count over 1 s at 500/s: sd 22; 5 sd either side.
    expect(report.steps[0]?.sent).toBeGreaterThan(390);
    expect(report.steps[0]?.sent).toBeLessThan(610);
    expect(report.arrival).toBe('poisson');
  });

  it('steps through a list of rates, each step its own figures', async () => {
    const echo = await startEcho([]);
    stops.push(echo.stop);
    const { report } = await load({ target: tcp(echo.port), mode: 'open', rates: [100, 300], connections: 2, durationMs: 500 });
    expect(report.steps.map((s) => s.rate)).toEqual([100, 300]);
    expect(report.steps.map((s) => s.sent)).toEqual([50, 150]);
    expect(report.steps[1]?.startNs).toBe(500e6);
    expect(report.series.ok.reduce((a, b) => a + b, 0)).toBe(200);
  });
});

describe('the load generator speaks HTTP/1.1 and counts what goes wrong', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(null)));
    server = null;
  });
  const listen = async (handler: Parameters<typeof createServer>[1]): Promise<number> => {
    server = createServer(handler);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const a = server.address();
    return typeof a === 'object' && a ? a.port : 0;
  };

  it('reads chunked and sized bodies over kept-alive connections, and counts 5xx answers as errors', async () => {
    let n = 0;
    const port = await listen((_req, res) => {
      n++;
      if (n % 4 === 0) res.writeHead(503).end('busy');
      else if (n % 2 === 0)
        res.end('sized body'); // Content-Length
      else {
        res.write('chunk one,'); // no length: chunked
        res.end('chunk two');
      }
    });
    const { report } = await load({
      target: { protocol: 'http', url: `http://127.0.0.1:${port}/x`, headers: ['X-Test: 1'] },
      mode: 'closed',
      connections: 2,
      durationMs: 500,
    });
    const s = report.steps[0];
    expect(s?.ok).toBeGreaterThan(20);
    expect(s?.errors.status).toBeGreaterThan(0);
    expect(Math.abs((s?.errors.status ?? 0) * 3 - (s?.ok ?? 0))).toBeLessThanOrEqual(3);
    expect(s?.errors.parse).toBe(0);
    expect(report.reconnects).toBe(0);
  });

  it('counts time-outs and refused connections', async () => {
    const port = await listen((_req, res) => void setTimeout(() => res.end('late'), 400));
    const slow = await load({
      target: { protocol: 'http', url: `http://127.0.0.1:${port}/` },
      mode: 'open',
      rates: [20],
      connections: 2,
      durationMs: 300,
      timeoutMs: 100,
    });
    expect(slow.report.steps[0]?.errors.timeout).toBeGreaterThan(0);
    expect(slow.report.steps[0]?.ok).toBe(0);
    await new Promise((r) => server?.close(r));
    server = null;
    const refused = await load({
      target: { protocol: 'http', url: `http://127.0.0.1:${port}/` },
      mode: 'closed',
      connections: 1,
      durationMs: 200,
    });
    expect(refused.report.connectErrors).toBeGreaterThan(0);
    expect(refused.report.steps[0]?.ok).toBe(0);
    expect(errorCount(refused.report.steps[0] as LoadReport['steps'][number])).toBe(0);
  });

  it('stops at SIGINT with the figures so far, marked interrupted', async () => {
    const port = await listen((_req, res) => res.end('ok'));
    const t0 = Date.now();
    const { report, code } = await load(
      { target: { protocol: 'http', url: `http://127.0.0.1:${port}/` }, mode: 'open', rates: [200], connections: 2, durationMs: 30_000 },
      { interruptAfterMs: 500 },
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(code).toBe(130);
    expect(report.interrupted).toBe(true);
    expect(report.steps[0]?.ok).toBeGreaterThan(0);
  });
});
