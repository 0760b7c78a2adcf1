// The load generator's side of the harness: a LoadSpec becomes cgbench-load's arguments, and its one JSON
// line (native/load.c's usage) becomes a LoadReport with its histograms checked.

import { parseHistogram } from '../model/histogram.js';
import type { LoadErrors, LoadReport, LoadSeries, LoadSpec, LoadStep, ServiceParams } from '../model/types.js';

export function loadArgv(spec: LoadSpec): string[] {
  const args: string[] = [];
  const t = spec.target;
  if (t.protocol === 'http') {
    args.push('--url', t.url);
    if (t.method) args.push('--method', t.method);
    for (const h of t.headers ?? []) args.push('--header', h);
    if (t.body !== undefined) args.push('--body', t.body);
  } else {
    args.push('--tcp', t.address);
    if (t.payload !== undefined) args.push('--payload', t.payload);
    if (t.payloadBytes !== undefined) args.push('--payload-bytes', String(t.payloadBytes));
    if (t.responseBytes !== undefined) args.push('--response-bytes', String(t.responseBytes));
    if (t.responseDelim !== undefined) args.push('--response-delim', t.responseDelim);
  }
  if (spec.mode === 'closed') args.push('--closed');
  else args.push('--rate', (spec.rates ?? []).join(','));
  if (spec.arrival && spec.mode === 'open') args.push('--arrival', spec.arrival);
  args.push('--connections', String(spec.connections));
  if (spec.cpus !== undefined) args.push('--cpus', spec.cpus);
  if (spec.threads !== undefined) args.push('--threads', String(spec.threads));
  args.push('--duration-ms', String(Math.round(spec.durationMs)));
  if (spec.warmupMs) args.push('--warmup-ms', String(Math.round(spec.warmupMs)));
  if (spec.timeoutMs !== undefined) args.push('--timeout-ms', String(Math.round(spec.timeoutMs)));
  if (spec.intervalMs !== undefined) args.push('--interval-ms', String(Math.round(spec.intervalMs)));
  return args;
}

/** Latency over time is kept per interval no finer than this, ms (a 1 ms interval holds a request or two)... */
const SERIES_MIN_MS = 10;
/** ...no coarser than the generator's default (one CFS period)... */
const SERIES_MAX_MS = 100;
/** ...and in at most this many intervals over a run, so a long run's document stays small. */
const SERIES_MAX_POINTS = 2000;

/** The interval of a service's latency series: the cell's sampling interval, so a stall lines up with the samples
 *  of its throttled period, within the bounds above. */
export function serviceSeriesIntervalMs(p: ServiceParams, sampleIntervalMs: number | undefined): number {
  const steps = p.mode === 'open' ? Math.max(1, p.rates?.length ?? 1) : 1;
  const floor = Math.max(SERIES_MIN_MS, Math.ceil((steps * p.durationMs) / SERIES_MAX_POINTS));
  return Math.min(Math.max(Math.round(sampleIntervalMs ?? SERIES_MAX_MS), floor), Math.max(floor, SERIES_MAX_MS));
}

/** What the generator sends a service listening on 127.0.0.1: its parameters as a LoadSpec (a TCP service gets
 *  a line and answers a line), its latency series every `intervalMs` when given. */
export function serviceLoadSpec(p: ServiceParams, host = '127.0.0.1', intervalMs?: number): LoadSpec {
  const target: LoadSpec['target'] =
    p.protocol === 'http'
      ? { protocol: 'http', url: `http://${host}:${p.port}${p.path}`, ...(p.headers ? { headers: p.headers } : {}) }
      : { protocol: 'tcp', address: `${host}:${p.port}` };
  return {
    target,
    mode: p.mode,
    ...(p.mode === 'open' ? { rates: p.rates ?? [] } : {}),
    connections: p.connections,
    ...(p.loadCpus !== undefined ? { cpus: p.loadCpus } : {}),
    durationMs: p.durationMs,
    warmupMs: p.warmupMs,
    ...(intervalMs !== undefined ? { intervalMs } : {}),
  };
}

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const count = (o: Json, k: string): number | undefined => {
  const v = o[k];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
};
const counts = (x: unknown): number[] | undefined =>
  Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (x as number[]) : undefined;

function parseErrors(x: unknown): LoadErrors | undefined {
  if (!isObject(x)) return undefined;
  const keys = ['status', 'timeout', 'read', 'write', 'parse'] as const;
  const v = keys.map((k) => count(x, k));
  if (v.some((n) => n === undefined)) return undefined;
  const [status, timeout, read, write, parse] = v as number[];
  return { status: status as number, timeout: timeout as number, read: read as number, write: write as number, parse: parse as number };
}

function parseStep(x: unknown): LoadStep | undefined {
  if (!isObject(x)) return undefined;
  const rate = x.rate === null ? null : count(x, 'rate');
  const latency = parseHistogram(x.latency);
  const lag = parseHistogram(x.lag);
  const errors = parseErrors(x.errors);
  const nums = ['start_ns', 'duration_ns', 'sent', 'ok', 'unsent'].map((k) => count(x, k));
  if (rate === undefined || !latency || !lag || !errors || nums.some((n) => n === undefined)) return undefined;
  const [startNs, durationNs, sent, ok, unsent] = nums as number[];
  const answered = count(x, 'answered');
  return {
    rate,
    startNs: startNs as number,
    durationNs: durationNs as number,
    sent: sent as number,
    ok: ok as number,
    unsent: unsent as number,
    ...(answered !== undefined ? { answered } : {}),
    errors,
    latency,
    lag,
  };
}

function parseSeries(x: unknown): LoadSeries | undefined {
  if (!isObject(x)) return undefined;
  const intervalNs = count(x, 'interval_ns');
  const cols = ['ok', 'errors', 'p50', 'p90', 'p99', 'max'].map((k) => counts(x[k]));
  if (!intervalNs || cols.some((c) => c === undefined || c.length !== cols[0]?.length)) return undefined;
  const [ok, errors, p50Ns, p90Ns, p99Ns, maxNs] = cols as number[][];
  return {
    intervalNs,
    ok: ok as number[],
    errors: errors as number[],
    p50Ns: p50Ns as number[],
    p90Ns: p90Ns as number[],
    p99Ns: p99Ns as number[],
    maxNs: maxNs as number[],
  };
}

/** The generator's report: the last JSON line of its stdout. Null when there is none or it is malformed. */
export function parseLoadReport(stdout: string): LoadReport | null {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) return null;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObject(o) || o.workload !== 'load') return null;
  const steps = Array.isArray(o.steps) ? o.steps.map(parseStep) : [];
  const series = parseSeries(o.series);
  const nums = ['threads', 'connections', 't0_ns', 'wall_ns', 'cpu_ns', 'thread_busy_max', 'reconnects', 'bytes_read'].map((k) =>
    count(o, k),
  );
  const connectErrors = isObject(o.errors) ? count(o.errors, 'connect') : undefined;
  const mode = o.mode === 'open' || o.mode === 'closed' ? o.mode : undefined;
  const protocol = o.protocol === 'http' || o.protocol === 'tcp' ? o.protocol : undefined;
  const arrival = o.arrival === 'constant' || o.arrival === 'poisson' || o.arrival === 'closed' ? o.arrival : undefined;
  if (!mode || !protocol || !arrival || !series || connectErrors === undefined || steps.length === 0) return null;
  if (nums.some((n) => n === undefined) || steps.some((s) => s === undefined)) return null;
  const [threads, connections, t0Ns, wallNs, cpuNs, threadBusyMax, reconnects, bytesRead] = nums as number[];
  return {
    mode,
    protocol,
    threads: threads as number,
    connections: connections as number,
    arrival,
    t0Ns: t0Ns as number,
    wallNs: wallNs as number,
    cpuNs: cpuNs as number,
    threadBusyMax: threadBusyMax as number,
    timer: o.timer === 'ms' ? 'ms' : 'ns',
    connectErrors,
    reconnects: reconnects as number,
    bytesRead: bytesRead as number,
    interrupted: o.interrupted === true,
    steps: steps as LoadStep[],
    series,
  };
}
