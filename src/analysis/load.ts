// Figures of one load generator run: throughput, latency percentiles, errors, the generator's own CPU per
// request, and whether the generator (not the server) was the bottleneck. Pure.

import { histogramMean, mergeHistograms, quantile } from '../model/histogram.js';
import type { LoadReport, LoadStep, NamedMetric, RunLoad } from '../model/types.js';

/** A generator thread this busy (CPU time over wall time) had no CPU to spare: it was the bottleneck. */
export const GENERATOR_BUSY_LIMIT = 0.9;
/** Open loop: sending this late while a connection was free means the generator fell behind its schedule. */
export const GENERATOR_LAG_LIMIT_NS = 1e6;

export interface LoadFigures {
  /** Offered requests/s (null in closed loop) and the answers that arrived per second of the step (a queue the
   *  server drains after the schedule's end is not throughput: it shows in the latencies and `unsent`). */
  offeredRps: number | null;
  throughputRps: number;
  ok: number;
  errors: number;
  unsent: number;
  p50Ns?: number;
  p90Ns?: number;
  p99Ns?: number;
  p999Ns?: number;
  maxNs?: number;
  meanNs?: number;
  /** The generator's own lateness, p99 (open loop). */
  lagP99Ns?: number;
}

export function errorCount(step: LoadStep): number {
  const e = step.errors;
  return e.status + e.timeout + e.read + e.write + e.parse;
}

export function stepFigures(step: LoadStep): LoadFigures {
  const h = step.latency;
  return {
    offeredRps: step.rate,
    throughputRps: step.durationNs > 0 ? ((step.answered ?? step.ok) * 1e9) / step.durationNs : 0,
    ok: step.ok,
    errors: errorCount(step),
    unsent: step.unsent,
    p50Ns: quantile(h, 0.5),
    p90Ns: quantile(h, 0.9),
    p99Ns: quantile(h, 0.99),
    p999Ns: quantile(h, 0.999),
    maxNs: h.count ? h.max : undefined,
    meanNs: histogramMean(h),
    lagP99Ns: quantile(step.lag, 0.99),
  };
}

/** All steps as one (a single-rate run's figures; the sum over a list of rates). */
export function runFigures(report: LoadReport): LoadFigures {
  const steps = report.steps;
  const durationNs = steps.reduce((s, x) => s + x.durationNs, 0);
  const merged: LoadStep = {
    rate: steps.every((s) => s.rate !== null) ? steps.reduce((s, x) => s + (x.rate ?? 0) * x.durationNs, 0) / (durationNs || 1) : null,
    startNs: steps[0]?.startNs ?? 0,
    durationNs,
    sent: steps.reduce((s, x) => s + x.sent, 0),
    ok: steps.reduce((s, x) => s + x.ok, 0),
    unsent: steps.reduce((s, x) => s + x.unsent, 0),
    ...(steps.every((x) => x.answered !== undefined) ? { answered: steps.reduce((s, x) => s + (x.answered ?? 0), 0) } : {}),
    errors: {
      status: steps.reduce((s, x) => s + x.errors.status, 0),
      timeout: steps.reduce((s, x) => s + x.errors.timeout, 0),
      read: steps.reduce((s, x) => s + x.errors.read, 0),
      write: steps.reduce((s, x) => s + x.errors.write, 0),
      parse: steps.reduce((s, x) => s + x.errors.parse, 0),
    },
    latency: mergeHistograms(steps.map((s) => s.latency)),
    lag: mergeHistograms(steps.map((s) => s.lag)),
  };
  return stepFigures(merged);
}

/** The generator's CPU per 1,000 answered requests, ns. */
export function cpuPerThousandNs(report: LoadReport): number | undefined {
  const ok = report.steps.reduce((s, x) => s + x.ok, 0);
  return ok > 0 ? (report.cpuNs / ok) * 1000 : undefined;
}

/** Why the generator, not the server, limited this run; null when it did not. */
export function generatorBottleneck(report: LoadReport): string | null {
  if (report.threadBusyMax >= GENERATOR_BUSY_LIMIT)
    return `a generator thread was busy ${(report.threadBusyMax * 100).toFixed(0)} % of the time (give it more CPUs or connections)`;
  if (report.mode === 'open') {
    const lag = quantile(mergeHistograms(report.steps.map((s) => s.lag)), 0.99);
    if (lag !== undefined && lag > GENERATOR_LAG_LIMIT_NS)
      return `the generator sent late (p99 ${(lag / 1e6).toFixed(1)} ms behind its schedule with a connection free): its CPU was short`;
  }
  return null;
}

/** Why a client command of the user's (its busiest thread this busy), not the server, set the pace; null when it did not. */
export function clientBottleneck(threadBusyMax: number): string | null {
  return threadBusyMax >= GENERATOR_BUSY_LIMIT
    ? `a client thread was busy ${(threadBusyMax * 100).toFixed(0)} % of the time (give it more threads or CPUs, params.loadCpus)`
    : null;
}

/** A service run's figures as named metrics (they reach tables, compare and history like a command's own):
 *  throughput, latency percentiles in ms, errors (time-outs and unsent requests included), and the generator's
 *  CPU per 1,000 answers (shown, never gated). */
export function loadNamedMetrics(report: LoadReport): Record<string, NamedMetric> {
  const f = runFigures(report);
  const out: Record<string, NamedMetric> = {
    throughput: { value: f.throughputRps, unit: 'req/s', direction: 'higher-is-better' },
  };
  const ms = (name: string, ns: number | undefined): void => {
    if (ns !== undefined) out[name] = { value: ns / 1e6, unit: 'ms', direction: 'lower-is-better' };
  };
  ms('p50', f.p50Ns);
  ms('p90', f.p90Ns);
  ms('p99', f.p99Ns);
  ms('p99.9', f.p999Ns);
  out.errors = { value: f.errors + f.unsent + report.connectErrors, unit: '', direction: 'lower-is-better' };
  const cpu = cpuPerThousandNs(report);
  if (cpu !== undefined) out['generator-cpu'] = { value: cpu / 1e6, unit: 'ms', direction: 'neutral' };
  return out;
}

/** What a service run keeps of the generator's report beyond its named figures. */
export function runLoadOf(report: LoadReport): RunLoad {
  const bottleneck = generatorBottleneck(report);
  return {
    mode: report.mode,
    t0Ns: report.t0Ns,
    cpuNs: report.cpuNs,
    threadBusyMax: report.threadBusyMax,
    ...(bottleneck ? { bottleneck } : {}),
    series: report.series,
  };
}
