// CSV reporter: one row per run (warm-ups included, flagged) with the cell's limits, the outcome, the key metrics
// and the figures workloads reported about themselves, for spreadsheets and pandas. RFC 4180: CRLF ends, quotes doubled.

import { cpuQuotaCpus, ioRateLimit } from '../model/limits.js';
import { cpuUsedCpus, runDelta, throttleRatio, workloadBytesPerSec } from '../model/metrics.js';
import type { Cell, ResultDocument, Run } from '../model/types.js';

type Value = string | number | boolean | null | undefined;

/**
 * One RFC 4180 field. Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a
 * leading apostrophe: names come from scenario files a reader did not write.
 */
export function csvField(v: Value, text = false): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const COLUMNS: [string, boolean, (c: Cell, r: Run, doc: ResultDocument) => Value][] = [
  ['scenario', true, (_c, _r, d) => d.scenario.name],
  // Host context on every row: CSVs from several machines are often concatenated.
  ['host', true, (_c, _r, d) => d.host.hostname],
  ['cpu_model', true, (_c, _r, d) => d.host.cpuModel],
  ['kernel', true, (_c, _r, d) => d.host.kernel],
  ['cgroup_mode', false, (_c, _r, d) => d.host.cgroup.mode],
  ['docker_version', true, (_c, _r, d) => d.host.docker?.version],
  ['cgbench_version', true, (_c, _r, d) => d.tool.version],
  ['cell', true, (c) => c.id],
  ['workload', true, (c) => c.workload],
  ['kind', false, (c) => c.kind],
  ['runtime', false, (c) => c.runtime],
  ['limit_set', true, (c) => c.limitSet],
  ['cpu_quota_us', false, (c) => c.limits.cpu?.quotaUs],
  ['cpu_period_us', false, (c) => (c.limits.cpu ? c.limits.cpu.periodUs : undefined)],
  ['cpu_limit_cpus', false, (c) => cpuQuotaCpus(c.limits)],
  ['memory_max_bytes', false, (c) => c.limits.memory?.maxBytes],
  ['memory_high_bytes', false, (c) => c.limits.memory?.highBytes],
  ['memory_swap_bytes', false, (c) => c.limits.memory?.swapBytes],
  // Several throttles on one run are rare; the tightest is the one that binds.
  ['io_rbps', false, (c) => ioRateLimit(c.limits, 'read').bps],
  ['io_wbps', false, (c) => ioRateLimit(c.limits, 'write').bps],
  ['io_riops', false, (c) => ioRateLimit(c.limits, 'read').iops],
  ['io_wiops', false, (c) => ioRateLimit(c.limits, 'write').iops],
  ['pids_max', false, (c) => c.limits.pids],
  ['cpuset', true, (c) => c.limits.cpuset],
  ['run', false, (_c, r) => r.index + 1],
  ['warmup', false, (_c, r) => r.warmup],
  ['outcome', false, (_c, r) => r.outcome],
  ['started_at', false, (_c, r) => r.startedAt],
  ['wall_ns', false, (_c, r) => r.metrics?.wallNs],
  ['harness_wall_ns', false, (_c, r) => r.harnessWallNs],
  ['launch_overhead_ns', false, (_c, r) => r.launchOverheadNs],
  ['startup_ns', false, (_c, r) => r.startupNs],
  ['cpu_used_cpus', false, (_c, r) => cpuUsedCpus(r)],
  ['throttle_ratio', false, (_c, r) => throttleRatio(r)],
  ['nr_throttled', false, (_c, r) => runDelta(r, (x) => x.cpu?.nrThrottled)],
  ['throttled_us', false, (_c, r) => runDelta(r, (x) => x.cpu?.throttledUs)],
  ['peak_memory_bytes', false, (_c, r) => r.after?.memory?.peakBytes],
  ['oom_kills', false, (_c, r) => runDelta(r, (x) => x.memory?.oomKills)],
  ['major_faults', false, (_c, r) => runDelta(r, (x) => x.memory?.majorFaults)],
  // What can explain a higher CPU cost per unit of work; a counter this machine cannot count is empty (the JSON says why).
  ['voluntary_ctx_switches', false, (_c, r) => r.process?.voluntaryContextSwitches],
  ['involuntary_ctx_switches', false, (_c, r) => r.process?.involuntaryContextSwitches],
  ['cpu_migrations', false, (_c, r) => r.process?.perf?.cpuMigrations.value],
  ['cycles', false, (_c, r) => r.process?.perf?.cycles.value],
  ['instructions', false, (_c, r) => r.process?.perf?.instructions.value],
  ['bytes', false, (_c, r) => r.metrics?.bytes],
  ['io_bytes_per_sec', false, (_c, r) => workloadBytesPerSec(r)],
  ['exit_code', false, (_c, r) => r.process?.exitCode],
  ['signal', false, (_c, r) => r.process?.signal],
  ['message', true, (_c, r) => (r.outcome === 'ok' ? undefined : r.message)],
];

export const CSV_COLUMNS = COLUMNS.map(([name]) => name);

/** The figures workloads reported about themselves, one column each after the fixed ones ("metric:ops"), in
 *  the order first seen; absent where no workload reported any, so such a file keeps the fixed columns only. */
function namedMetricNames(doc: ResultDocument): string[] {
  const names = new Set<string>();
  for (const c of doc.cells) for (const r of c.runs) for (const n of Object.keys(r.namedMetrics ?? {})) names.add(n);
  return [...names];
}

export function renderCsv(doc: ResultDocument): string {
  const named = namedMetricNames(doc);
  const lines = [[...CSV_COLUMNS, ...named.map((n) => csvField(`metric:${n}`, true))].join(',')];
  for (const cell of doc.cells) {
    for (const run of cell.runs) {
      const fixed = COLUMNS.map(([, text, get]) => csvField(get(cell, run, doc), text));
      lines.push([...fixed, ...named.map((n) => csvField(run.namedMetrics?.[n]?.value))].join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
