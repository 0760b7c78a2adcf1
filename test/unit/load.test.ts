import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cpuPerThousandNs, generatorBottleneck, loadNamedMetrics, runFigures, runLoadOf, stepFigures } from '../../src/analysis/load.js';
import { SERVICE_DEFAULTS } from '../../src/model/defaults.js';
import { histogramOf } from '../../src/model/histogram.js';
import type { LoadReport, ServiceParams } from '../../src/model/types.js';
import { loadArgv, parseLoadReport, serviceLoadSpec } from '../../src/programs/load.js';
import { KNOWN_SERVERS, samplePage } from '../../src/programs/servers.js';
import { validateScenario } from '../../src/scenario/schema.js';

/** A report line as native/load.c prints it (two steps). */
function line(over: Record<string, unknown> = {}): string {
  const step = (rate: number, startNs: number, values: number[], lag: number[]): Record<string, unknown> => ({
    rate,
    start_ns: startNs,
    duration_ns: 1e9,
    sent: values.length,
    ok: values.length,
    unsent: 0,
    errors: { status: 1, timeout: 0, read: 0, write: 0, parse: 0 },
    latency: histogramOf(values),
    lag: histogramOf(lag),
  });
  return JSON.stringify({
    workload: 'load',
    mode: 'open',
    protocol: 'http',
    threads: 1,
    connections: 4,
    arrival: 'constant',
    t0_ns: 123456789,
    wall_ns: 2.1e9,
    cpu_ns: 40e6,
    ops: 6,
    thread_busy_max: 0.12,
    timer: 'ns',
    errors: { connect: 0 },
    reconnects: 0,
    bytes_read: 1000,
    interrupted: false,
    steps: [step(100, 0, [1e6, 2e6, 3e6], [1000, 2000, 3000]), step(200, 1e9, [4e6, 5e6, 6e6], [1000, 1000, 1000])],
    series: { interval_ns: 1e8, ok: [1, 2], errors: [0, 0], p50: [1, 2], p90: [1, 2], p99: [1, 2], max: [1, 2] },
    ...over,
  });
}

describe('load generator arguments', () => {
  it('say the target, the loop and the schedule', () => {
    expect(
      loadArgv({
        target: { protocol: 'http', url: 'http://127.0.0.1:80/x', method: 'POST', headers: ['A: b'], body: '{}' },
        mode: 'open',
        rates: [100, 200.5],
        arrival: 'poisson',
        connections: 8,
        cpus: '1',
        durationMs: 5000,
        warmupMs: 500,
        timeoutMs: 1000,
      }),
    ).toEqual([
      ...['--url', 'http://127.0.0.1:80/x', '--method', 'POST', '--header', 'A: b', '--body', '{}', '--rate', '100,200.5'],
      ...[
        '--arrival',
        'poisson',
        '--connections',
        '8',
        '--cpus',
        '1',
        '--duration-ms',
        '5000',
        '--warmup-ms',
        '500',
        '--timeout-ms',
        '1000',
      ],
    ]);
    expect(
      loadArgv({ target: { protocol: 'tcp', address: '127.0.0.1:7', payloadBytes: 64 }, mode: 'closed', connections: 2, durationMs: 1000 }),
    ).toEqual(['--tcp', '127.0.0.1:7', '--payload-bytes', '64', '--closed', '--connections', '2', '--duration-ms', '1000']);
  });
});

describe('load generator report', () => {
  it('is read with its steps, histograms and series', () => {
    const r = parseLoadReport(`noise\n${line()}\n`);
    expect(r?.steps.map((s) => s.rate)).toEqual([100, 200]);
    expect(r?.series.p99Ns).toEqual([1, 2]);
    expect(r?.t0Ns).toBe(123456789);
  });
  it('is refused when malformed', () => {
    expect(parseLoadReport('')).toBeNull();
    expect(parseLoadReport('{not json')).toBeNull();
    expect(parseLoadReport(line({ workload: 'cpu' }))).toBeNull();
    expect(parseLoadReport(line({ steps: [] }))).toBeNull();
    expect(parseLoadReport(line({ mode: 'sideways' }))).toBeNull();
    expect(parseLoadReport(line({ series: { interval_ns: 1, ok: [1], errors: [] } }))).toBeNull();
  });
  it('gives per-step and whole-run figures', () => {
    const r = parseLoadReport(line());
    if (!r) throw new Error('no report');
    const s = stepFigures(r.steps[1] as (typeof r.steps)[number]);
    expect(s.throughputRps).toBe(3);
    expect(s.errors).toBe(1);
    const all = runFigures(r);
    expect(all.ok).toBe(6);
    expect(all.errors).toBe(2);
    expect(all.offeredRps).toBe(150);
    expect(all.maxNs).toBe(6e6);
    expect(all.p50Ns).toBeCloseTo(3e6, -4);
    expect(cpuPerThousandNs(r)).toBeCloseTo((40e6 / 6) * 1000, 3);
  });
  it('counts as throughput only the answers that arrived within the step, not a backlog drained after it', () => {
    const base = JSON.parse(line()) as { steps: Record<string, unknown>[] };
    // 3 answered in each 1 s step, of which 1 and 2 arrived within it: a server that fell behind.
    const r = parseLoadReport(JSON.stringify({ ...base, steps: base.steps.map((st, i) => ({ ...st, answered: i + 1 })) }));
    if (!r) throw new Error('no report');
    expect(r.steps.map((st) => st.answered)).toEqual([1, 2]);
    expect(stepFigures(r.steps[1] as (typeof r.steps)[number]).throughputRps).toBe(2);
    expect(runFigures(r).throughputRps).toBe(1.5);
    expect(runFigures(r).ok).toBe(6);
  });
  it('blames the generator when a thread was saturated or it sent late', () => {
    expect(generatorBottleneck(parseLoadReport(line()) as NonNullable<ReturnType<typeof parseLoadReport>>)).toBeNull();
    const busy = parseLoadReport(line({ thread_busy_max: 0.97 }));
    expect(busy && generatorBottleneck(busy)).toMatch(/busy 97 %/);
    const late = JSON.parse(line()) as { steps: { lag: unknown }[] };
    for (const s of late.steps) s.lag = histogramOf([5e6, 5e6, 5e6]);
    const lateReport = parseLoadReport(JSON.stringify(late));
    expect(lateReport && generatorBottleneck(lateReport)).toMatch(/sent late \(p99 5\.0 ms/);
  });
});

describe('service workloads', () => {
  const service = (params: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
    workloads: [{ name: 'web', kind: 'service', command: ['/usr/sbin/nginx'], params, ...extra }],
  });
  const problem = (raw: unknown): string => {
    try {
      validateScenario(raw, 's.yaml');
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };

  it('takes a server command and a port; the load has defaults and becomes the generator spec', () => {
    const s = validateScenario(service({ port: 8080, rate: [500, 1000], loadCpus: '1' }), 's.yaml');
    const p = s.workloads[0]?.params as ServiceParams;
    expect(p).toMatchObject({ kind: 'service', argv: ['/usr/sbin/nginx'], port: 8080, rates: [500, 1000], mode: 'open', protocol: 'http' });
    expect(serviceLoadSpec(p)).toEqual({
      target: { protocol: 'http', url: 'http://127.0.0.1:8080/' },
      mode: 'open',
      rates: [500, 1000],
      connections: SERVICE_DEFAULTS.connections,
      cpus: '1',
      durationMs: SERVICE_DEFAULTS.durationMs,
      warmupMs: SERVICE_DEFAULTS.warmupMs,
    });
    const closed = validateScenario(service({ port: 7000, protocol: 'tcp', mode: 'closed' }), 's.yaml').workloads[0]
      ?.params as ServiceParams;
    expect(serviceLoadSpec(closed).target).toEqual({ protocol: 'tcp', address: '127.0.0.1:7000' });
    expect(closed.rates).toBeUndefined();
  });

  it('names what is missing or contradictory', () => {
    expect(problem(service({}))).toMatch(/workloads\[0\]\.params\.port: a service needs port/);
    expect(problem(service({ port: 80 }, { command: undefined }))).toMatch(/workloads\[0\]\.command: a service needs command/);
    expect(problem(service({ port: 80, mode: 'closed', rate: 100 }))).toMatch(/params\.rate: a closed loop has no rate/);
    expect(problem(service({ port: 80, durationMs: 200_000 }))).toMatch(/params: a run may last .* beyond the .* time-out/);
    const asNeighbour = {
      workloads: [{ name: 'c', kind: 'cpu', neighbours: [{ name: 'n', run: [{ kind: 'service', command: ['/bin/true'] }] }] }],
    };
    expect(problem(asNeighbour)).toMatch(/a neighbour cannot be a service/);
  });

  it('server: nginx takes no command, a free port per run unless given, ready on GET /, headers to the generator', () => {
    const raw = (params: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
      workloads: [{ name: 'web', kind: 'service', server: 'nginx', params, ...extra }],
    });
    const p = validateScenario(raw({ headers: ['Accept-Encoding: gzip'] }), 's.yaml').workloads[0]?.params as ServiceParams;
    expect(p).toMatchObject({ kind: 'service', server: 'nginx', argv: ['nginx'], port: 0, readyPath: '/' });
    expect(serviceLoadSpec({ ...p, port: 4242 }).target).toEqual({
      protocol: 'http',
      url: 'http://127.0.0.1:4242/',
      headers: ['Accept-Encoding: gzip'],
    });
    expect(problem(raw({}, { command: ['/bin/true'] }))).toMatch(/\.server: give command or server, not both/);
    expect(problem(raw({}, { server: 'apache' }))).toMatch(/server is a server cgbench configures itself: nginx/);
    expect(problem(raw({ headers: ['no colon'] }))).toMatch(/a header is "Name: value" on one line/);
    expect(problem(service({ port: 0 }))).toMatch(/params\.port: 0 \(a free port per run\) is for a known server/);
    expect(problem({ workloads: [{ name: 'c', kind: 'cpu', server: 'nginx' }] })).toMatch(/\.server: only a service runs a known server/);
  });

  it('image: a container image whose entrypoint is the server, its command in place of the CMD; not with server:', () => {
    const raw = (extra: Record<string, unknown>): unknown => ({
      workloads: [{ name: 'web', kind: 'service', image: 'my-server:1.0', params: { port: 8080 }, ...extra }],
    });
    expect(validateScenario(raw({}), 's.yaml').workloads[0]?.params).toMatchObject({ image: 'my-server:1.0', argv: [], port: 8080 });
    expect(validateScenario(raw({ command: ['--workers', '1'] }), 's.yaml').workloads[0]?.params).toMatchObject({
      image: 'my-server:1.0',
      argv: ['--workers', '1'],
    });
    expect(problem(raw({ server: 'nginx' }))).toMatch(/\.server: give image or server, not both/);
    expect(problem(raw({ image: '-x' }))).toMatch(/image is a container image reference/);
    expect(problem({ workloads: [{ name: 'c', kind: 'cpu', image: 'x' }] })).toMatch(/\.image: only a service runs a container image/);
  });

  it("nginx's files: loopback at the port, everything it writes under its directory, a page gzip has work on", () => {
    const [conf, page] = KNOWN_SERVERS.nginx.files('/tmp/x', 4242);
    expect(conf?.text).toContain('listen 127.0.0.1:4242;');
    expect(conf?.text).toContain('daemon off;');
    // Every file it names is under its directory (no /var/log, no /run); /ok is a location.
    const files = [...(conf?.text.matchAll(/ (\/[^ ;]*)/g) ?? [])].map((m) => m[1]).filter((f) => f !== '/ok');
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(f).toMatch(/^\/tmp\/x\//);
    expect(conf?.text).toContain('access_log off;');
    expect(page?.name).toBe('www/index.html');
    expect(page?.text.length).toBeGreaterThanOrEqual(32 * 1024);
    expect(samplePage(4096)).toBe(samplePage(4096));
    const ratio = gzipSync(page?.text ?? '', { level: 1 }).length / (page?.text.length ?? 1);
    expect(ratio).toBeGreaterThan(0.2);
    expect(ratio).toBeLessThan(0.7);
    expect(KNOWN_SERVERS.nginx.argv('/usr/sbin/nginx', '/tmp/x')).toEqual([
      '/usr/sbin/nginx',
      '-p',
      '/tmp/x',
      '-e',
      '/tmp/x/error.log',
      '-c',
      '/tmp/x/nginx.conf',
    ]);
  });

  it("turns the generator's report into named figures, and keeps its series and cost on the run", () => {
    const report = parseLoadReport(line()) as LoadReport;
    const named = loadNamedMetrics(report);
    expect(named.throughput).toEqual({ value: 3, unit: 'req/s', direction: 'higher-is-better' });
    expect(named.p50?.unit).toBe('ms');
    expect(named.p50?.value).toBeCloseTo(3, 1);
    expect(named.errors).toEqual({ value: 2, unit: '', direction: 'lower-is-better' });
    expect(named['generator-cpu']?.direction).toBe('neutral');
    const load = runLoadOf(report);
    expect(load).toMatchObject({ mode: 'open', t0Ns: 123456789, cpuNs: 40e6 });
    expect(load.bottleneck).toBeUndefined();
    expect(runLoadOf(parseLoadReport(line({ thread_busy_max: 0.95 })) as LoadReport).bottleneck).toMatch(/busy 95 %/);
  });
});
