// The metrics protocol: how a command hands cgbench its own named figures (value, unit, which way is
// better), and the known output formats read the same way (fio's JSON, wrk's report). Pure: text in, metrics or problems out.

import { METRICS_ENV, type MetricsFormat } from '../model/defaults.js';
import type { Direction, NamedMetric } from '../model/types.js';

/*
 * The protocol: the command appends one JSON object a line to the file named by $CGBENCH_METRICS:
 *   {"name": "ops", "value": 1234.5, "unit": "ops/s", "direction": "higher-is-better"}
 * `unit` is optional (a count); `direction` is required: "higher-is-better", "lower-is-better" or "neutral"
 * (shown, never gated). A later line with the same name replaces an earlier one.
 */

/** Lines the protocol reads of one run (the launcher relays at most this many). */
export const MAX_METRIC_LINES = 256;

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const DIRECTIONS: readonly Direction[] = ['higher-is-better', 'lower-is-better', 'neutral'];

export interface MetricsRead {
  metrics: Record<string, NamedMetric>;
  /** One line each, naming the line and the fix; any makes the run a failure. */
  problems: string[];
}

function metricOf(o: unknown, where: string, problems: string[]): [string, NamedMetric] | null {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    problems.push(`${where}: not a JSON object (write {"name": "ops", "value": 1, "unit": "ops/s", "direction": "higher-is-better"})`);
    return null;
  }
  const m = o as Record<string, unknown>;
  const extra = Object.keys(m).filter((k) => !['name', 'value', 'unit', 'direction'].includes(k));
  const bad: string[] = [];
  if (typeof m.name !== 'string' || !NAME.test(m.name)) bad.push('name must be a letter then letters, digits, _ . - (at most 64)');
  if (typeof m.value !== 'number' || !Number.isFinite(m.value)) bad.push('value must be a finite number');
  if (m.unit !== undefined && (typeof m.unit !== 'string' || m.unit.length > 16))
    bad.push('unit must be a string of at most 16 characters');
  if (typeof m.direction !== 'string' || !DIRECTIONS.includes(m.direction as Direction))
    bad.push(`direction must be one of ${DIRECTIONS.join(', ')}`);
  if (extra.length) bad.push(`unknown field ${extra.join(', ')}`);
  if (bad.length) {
    problems.push(`${where}: ${bad.join('; ')}`);
    return null;
  }
  return [m.name as string, { value: m.value as number, unit: (m.unit as string | undefined) ?? '', direction: m.direction as Direction }];
}

/** The protocol's lines (blank ones skipped). */
export function readMetricLines(lines: readonly string[]): MetricsRead {
  const metrics: Record<string, NamedMetric> = {};
  const problems: string[] = [];
  lines.forEach((line, i) => {
    const text = line.trim();
    if (!text) return;
    const where = `${METRICS_ENV} line ${i + 1}`;
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      problems.push(`${where}: not JSON: ${text.slice(0, 80)}`);
      return;
    }
    const m = metricOf(o, where, problems);
    if (m) metrics[m[0]] = m[1];
  });
  if (lines.length > MAX_METRIC_LINES) problems.push(`${METRICS_ENV}: more than ${MAX_METRIC_LINES} lines (report each figure once)`);
  return { metrics, problems };
}

// ---------------------------------------------------------------------------------------------
// fio --output-format=json

interface FioSide {
  io_bytes?: number;
  bw_bytes?: number;
  iops?: number;
  total_ios?: number;
  clat_ns?: { mean?: number; percentile?: Record<string, number> };
}

interface FioJob {
  jobname?: string;
  error?: number;
  read?: FioSide;
  write?: FioSide;
  trim?: FioSide;
}

const SIDES = ['read', 'write', 'trim'] as const;
const PERCENTILES: [string, string][] = [
  ['50.000000', 'p50'],
  ['99.000000', 'p99'],
  ['99.900000', 'p99.9'],
];

function fioSide(side: FioSide, prefix: string, out: Record<string, NamedMetric>): void {
  if (!side.total_ios) return;
  const higher = (value: number | undefined, unit: string, name: string): void => {
    if (typeof value === 'number' && Number.isFinite(value)) out[`${prefix}_${name}`] = { value, unit, direction: 'higher-is-better' };
  };
  higher(side.iops, 'ops/s', 'iops');
  higher(side.bw_bytes, 'B/s', 'bw');
  const clat = side.clat_ns;
  if (typeof clat?.mean === 'number') out[`${prefix}_clat_mean`] = { value: clat.mean, unit: 'ns', direction: 'lower-is-better' };
  for (const [key, name] of PERCENTILES) {
    const v = clat?.percentile?.[key];
    if (typeof v === 'number') out[`${prefix}_clat_${name}`] = { value: v, unit: 'ns', direction: 'lower-is-better' };
  }
}

/**
 * fio's JSON report (stdout of `fio --output-format=json`; text before the first "{" is skipped): per data
 * direction with IO, the IOPS, bandwidth and completion latency (mean, p50, p99, p99.9). One job gives plain
 * names (`read_iops`); several give the totals of IOPS and bandwidth plus each job's own figures under its
 * name (`randread.read_clat_p99`), as percentiles of separate jobs do not add up.
 */
export function readFioOutput(stdout: string): MetricsRead {
  const start = stdout.indexOf('{');
  let doc: { jobs?: FioJob[] } | null;
  try {
    doc = start === -1 ? null : (JSON.parse(stdout.slice(start)) as { jobs?: FioJob[] });
  } catch {
    doc = null;
  }
  const jobs = doc?.jobs;
  if (!Array.isArray(jobs) || jobs.length === 0)
    return { metrics: {}, problems: ['fio printed no JSON report on stdout (run it with --output-format=json and without --output)'] };
  const failed = jobs.filter((j) => j.error);
  if (failed.length) return { metrics: {}, problems: failed.map((j) => `fio job ${j.jobname ?? '?'} ended with error ${j.error}`) };
  const metrics: Record<string, NamedMetric> = {};
  if (jobs.length === 1) {
    for (const s of SIDES) fioSide(jobs[0]?.[s] ?? {}, s, metrics);
    return { metrics, problems: [] };
  }
  for (const s of SIDES) {
    const sides = jobs.map((j) => j[s] ?? {}).filter((x) => x.total_ios);
    if (!sides.length) continue;
    metrics[`${s}_iops`] = { value: sides.reduce((a, x) => a + (x.iops ?? 0), 0), unit: 'ops/s', direction: 'higher-is-better' };
    metrics[`${s}_bw`] = { value: sides.reduce((a, x) => a + (x.bw_bytes ?? 0), 0), unit: 'B/s', direction: 'higher-is-better' };
  }
  jobs.forEach((j, i) => {
    const name = j.jobname && NAME.test(j.jobname) ? j.jobname : `job${i}`;
    for (const s of SIDES) fioSide(j[s] ?? {}, `${name}.${s}`, metrics);
  });
  return { metrics, problems: [] };
}

/** A command's metrics by its format: the protocol file's lines and its stdout. */
export function readCommandMetrics(format: MetricsFormat, lines: readonly string[], stdout: string): MetricsRead {
  const fromProtocol = readMetricLines(lines);
  if (format === 'fio') {
    const fio = readFioOutput(stdout);
    return { metrics: { ...fio.metrics, ...fromProtocol.metrics }, problems: [...fio.problems, ...fromProtocol.problems] };
  }
  if (format === 'protocol' && !fromProtocol.problems.length && !Object.keys(fromProtocol.metrics).length)
    fromProtocol.problems.push(
      `the command reported no metrics: write JSON lines such as {"name": "ops", "value": 1, "unit": "ops/s", ` +
        `"direction": "higher-is-better"} to the file named by $${METRICS_ENV}`,
    );
  return fromProtocol;
}

// ---------------------------------------------------------------------------------------------
// wrk's report (wrk 4, stdout; `--latency` adds the percentiles)

/** wrk's time units (its format_time) in ms, and its binary byte units (format_binary) in bytes. */
const WRK_TIME_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
const WRK_BYTES: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50 };
const WRK_PERCENTILES = ['50', '75', '90', '99'] as const;

/** Whether stdout is wrk's report (its first and throughput lines), so a client's output is read as one. */
export function isWrkOutput(stdout: string): boolean {
  return /^Running \S+ test @ /m.test(stdout) && /^Requests\/sec:/m.test(stdout);
}

function wrkTimeMs(text: string | undefined): number | undefined {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text ?? '');
  const scale = m ? WRK_TIME_MS[m[2] as string] : undefined;
  return m && scale !== undefined ? Number(m[1]) * scale : undefined;
}

/**
 * wrk's report, named as the built-in generator's figures where they mean the same: `throughput` (answers
 * without error per second: wrk's Requests/sec less its non-2xx/3xx share), `p50`, `p90`, `p99` (ms; and
 * `p75`, with `--latency`), `errors` (connect, read, write and timeout errors plus non-2xx/3xx answers), and
 * `transfer` (B/s read). wrk is closed loop: its latencies are from each request's actual send, so a stalled
 * server hides its queue (coordinated omission), unlike the built-in open-loop generator's.
 */
export function readWrkOutput(stdout: string): MetricsRead {
  const rps = Number(/^Requests\/sec:\s+([\d.]+)\s*$/m.exec(stdout)?.[1]);
  const done = /^\s*(\d+) requests in ([\d.]+\w+), ([\d.]+)(\w+) read\s*$/m.exec(stdout);
  if (!Number.isFinite(rps) || !done)
    return { metrics: {}, problems: ['wrk printed no report on stdout (its "N requests in ..." and "Requests/sec:" lines)'] };
  const requests = Number(done[1]);
  const socket = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$/m.exec(stdout);
  const non2xx = Number(/^\s*Non-2xx or 3xx responses: (\d+)\s*$/m.exec(stdout)?.[1] ?? 0);
  const socketErrors = socket ? socket.slice(1, 5).reduce((a, n) => a + Number(n), 0) : 0;
  const metrics: Record<string, NamedMetric> = {
    throughput: { value: requests > 0 ? (rps * (requests - non2xx)) / requests : 0, unit: 'req/s', direction: 'higher-is-better' },
  };
  const distribution = /^\s*Latency Distribution\s*$/m.exec(stdout);
  if (distribution) {
    const after = stdout.slice(distribution.index);
    for (const p of WRK_PERCENTILES) {
      const ms = wrkTimeMs(new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm').exec(after)?.[1]);
      // wrk prints 0.00us for every percentile when nothing was answered: no latency, not a zero one.
      if (ms !== undefined && requests > 0) metrics[`p${p}`] = { value: ms, unit: 'ms', direction: 'lower-is-better' };
    }
  }
  metrics.errors = { value: socketErrors + non2xx, unit: '', direction: 'lower-is-better' };
  const transfer = /^Transfer\/sec:\s+([\d.]+)(\w+)\s*$/m.exec(stdout);
  const scale = transfer ? WRK_BYTES[transfer[2] as string] : undefined;
  if (transfer && scale !== undefined)
    metrics.transfer = { value: Number(transfer[1]) * scale, unit: 'B/s', direction: 'higher-is-better' };
  return { metrics, problems: [] };
}

/**
 * A service client's figures: the protocol file's lines, and its stdout read as a known format (wrk's report)
 * when it is one; the protocol's win where both name a figure. Neither is a problem: a client that reports
 * nothing cgbench can read measured nothing.
 */
export function readClientMetrics(lines: readonly string[], stdout: string): MetricsRead {
  const fromProtocol = readMetricLines(lines);
  const known = isWrkOutput(stdout) ? readWrkOutput(stdout) : { metrics: {}, problems: [] };
  const read = { metrics: { ...known.metrics, ...fromProtocol.metrics }, problems: [...known.problems, ...fromProtocol.problems] };
  if (!read.problems.length && !Object.keys(read.metrics).length)
    read.problems.push(
      `the client printed no figures cgbench reads: neither wrk's report on stdout nor JSON lines such as {"name": "ops", ` +
        `"value": 1, "unit": "ops/s", "direction": "higher-is-better"} in the file named by $${METRICS_ENV}`,
    );
  return read;
}
