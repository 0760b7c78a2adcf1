// Charts over time, one set per cell: CPU use and throttling, memory against the limit, IO against the
// throttle, and pressure stall information, each with the limit drawn in.

import { cpuQuotaCpus } from '../../model/limits.js';
import type { Cell, Run, SampleSeries } from '../../model/types.js';
import { allZero, limitLine, points, RAW, rateLines, seriesLine } from './lines.js';
import { color, HIGH_ORANGE, LIMIT_RED } from './palette.js';
import { type Axis, axis, baseConfig, type ChartKind, type ChartOptions, type ChartSpec, type Dataset } from './spec.js';

const MIB = 1024 * 1024;

/** A measured run with samples; `no` counts measured runs from 1, as the tables do (warm-ups excluded). */
type SampledRun = Run & { samples: SampleSeries; no: number };

function endSec(runs: SampledRun[]): number {
  let t = 0;
  for (const r of runs) t = Math.max(t, (r.samples.tMs[r.samples.tMs.length - 1] ?? 0) / 1000);
  return t;
}

interface TimeChart {
  kind: ChartKind;
  /** Heading of the chart itself ("<workload> / <limit set>: heading"). */
  heading: string;
  /** Title in the report ("<limit set> (<runtime>[, <host>]): title"). */
  title: string;
  caption: string;
  /** The y axis on the left, and an optional second one on the right. */
  left: Axis;
  right?: Axis | undefined;
  datasets: Dataset[];
}

/** The spec of a per-cell chart over time: the same heading, title, axes and id conventions for all. */
function timeSeriesSpec(cell: Cell, id: string, c: TimeChart): ChartSpec {
  const at = cell.host === undefined ? '' : ` @ ${cell.host}`;
  const config = baseConfig(`${cell.workload} / ${cell.limitSet}${at}: ${c.heading}`, undefined, timeScales(c.left, c.right));
  config.data.datasets = c.datasets;
  return {
    id,
    kind: c.kind,
    workload: cell.workload,
    cellId: cell.id,
    title: `${cell.limitSet} (${cell.runtime}${cell.host === undefined ? '' : `, ${cell.host}`}): ${c.title}`,
    caption: c.caption,
    config,
  };
}

function timeScales(left: Axis, right?: Axis): Record<string, Record<string, unknown>> {
  const scales: Record<string, Record<string, unknown>> = {
    x: axis({ title: 'time since run start (s)', min: 0 }, 'linear'),
    y: axis({ ...left, position: 'left' }, 'linear'),
  };
  if (right) scales.y1 = axis({ ...right, position: 'right', grid: false }, 'linear');
  return scales;
}

function runLabel(r: SampledRun, many: boolean): string {
  // A killed run's line ends early for a reason the legend must give.
  const how = r.outcome === 'ok' ? '' : `(${r.outcome}) `;
  return many ? `run ${r.no} ${how}` : how;
}

function cpuTimeChart(cell: Cell, runs: SampledRun[], id: string): ChartSpec | null {
  const many = runs.length > 1;
  const datasets: Dataset[] = [];
  let throttle = false;
  runs.forEach((r, i) => {
    const used = points(r.samples, 'cpuUsedCpus');
    const ratio = points(r.samples, 'throttleRatio');
    if (used) datasets.push(...rateLines(`${runLabel(r, many)}CPUs used`, used, r.samples, color(i), 'y'));
    if (ratio) {
      throttle = true;
      datasets.push(seriesLine(`${runLabel(r, many)}throttle ratio`, ratio, color(i), 'y1', { dash: [3, 3] }));
    }
  });
  if (!datasets.length) return null;
  const quota = cpuQuotaCpus(cell.limits);
  if (quota !== null) datasets.push(limitLine(`quota ${quota.toFixed(2)} CPU`, quota, endSec(runs), LIMIT_RED));
  return timeSeriesSpec(cell, id, {
    kind: 'cpu-time',
    heading: 'CPU use and throttling',
    title: 'CPU use and throttle ratio',
    caption:
      'CPUs used per sample interval (solid, left axis) and the share of CFS periods in which the group was throttled ' +
      '(dotted, right axis); the red dashed line is the quota.',
    left: { title: 'CPUs used (solid)' },
    right: throttle ? { title: 'throttle ratio (dotted)', min: 0, max: 1 } : undefined,
    datasets,
  });
}

function memoryTimeChart(cell: Cell, runs: SampledRun[], id: string): ChartSpec | null {
  const many = runs.length > 1;
  const datasets: Dataset[] = [];
  let faults = false;
  runs.forEach((r, i) => {
    const cur = points(r.samples, 'memoryCurrentBytes', 1 / MIB);
    const maj = points(r.samples, 'majorFaultsPerSec');
    if (cur) datasets.push(seriesLine(`${runLabel(r, many)}memory in use`, cur, color(i), 'y'));
    if (maj && !allZero(maj)) {
      faults = true;
      datasets.push(seriesLine(`${runLabel(r, many)}major faults/s`, maj, color(i), 'y1', { dash: [3, 3] }));
    }
  });
  if (!datasets.length) return null;
  const end = endSec(runs);
  const m = cell.limits.memory;
  if (m?.maxBytes != null) datasets.push(limitLine(`limit ${+(m.maxBytes / MIB).toFixed(1)} MiB`, m.maxBytes / MIB, end, LIMIT_RED));
  if (m?.highBytes != null)
    datasets.push(limitLine(`memory.high ${+(m.highBytes / MIB).toFixed(1)} MiB`, m.highBytes / MIB, end, HIGH_ORANGE));
  return timeSeriesSpec(cell, id, {
    kind: 'memory-time',
    heading: 'memory in use',
    title: 'memory in use vs the limit',
    caption:
      "The group's memory.current (usage_in_bytes on v1) over the run against the limit (red dashed); " +
      'major faults (dotted) are re-reads that went to disk.',
    left: { title: 'memory in use (MiB)' },
    right: faults ? { title: 'major faults/s (dotted)' } : undefined,
    datasets,
  });
}

function ioTimeChart(cell: Cell, runs: SampledRun[], id: string): ChartSpec | null {
  const many = runs.length > 1;
  const datasets: Dataset[] = [];
  runs.forEach((r, i) => {
    const read = points(r.samples, 'ioReadBps', 1e-6);
    const write = points(r.samples, 'ioWriteBps', 1e-6);
    if (read && !allZero(read)) datasets.push(...rateLines(`${runLabel(r, many)}read`, read, r.samples, color(i), 'y', [3, 3]));
    if (write && !allZero(write)) datasets.push(...rateLines(`${runLabel(r, many)}write`, write, r.samples, color(i), 'y'));
  });
  if (!datasets.length) return null;
  const end = endSec(runs);
  for (const l of cell.limits.io ?? []) {
    if (l.rbps !== undefined) datasets.push(limitLine(`read limit ${+(l.rbps / 1e6).toFixed(1)} MB/s`, l.rbps / 1e6, end, HIGH_ORANGE));
    if (l.wbps !== undefined) datasets.push(limitLine(`write limit ${+(l.wbps / 1e6).toFixed(1)} MB/s`, l.wbps / 1e6, end, LIMIT_RED));
  }
  return timeSeriesSpec(cell, id, {
    kind: 'io-time',
    heading: 'IO throughput',
    title: 'IO throughput vs the throttle',
    caption:
      'Bytes the group read (dotted) and wrote (solid) per second (1 MB = 10^6 bytes), from io.stat / blkio counters, ' +
      'against the throttle (dashed).',
    left: { title: 'throughput (MB/s)' },
    datasets,
  });
}

const PSI = [
  ['psiCpuSome', 'CPU'],
  ['psiMemorySome', 'memory'],
  ['psiIoSome', 'IO'],
] as const;

function pressureChart(cell: Cell, runs: SampledRun[], id: string): ChartSpec | null {
  const many = runs.length > 1;
  const datasets: Dataset[] = [];
  const dashes = [undefined, [6, 3], [2, 3]];
  runs.forEach((r, i) => {
    PSI.forEach(([key, label], k) => {
      const pts = points(r.samples, key);
      if (pts && !allZero(pts)) datasets.push(seriesLine(`${runLabel(r, many)}${label}`, pts, color(i), 'y', { dash: dashes[k] }));
    });
  });
  if (!datasets.length) return null;
  return timeSeriesSpec(cell, id, {
    kind: 'pressure-time',
    heading: 'pressure stall',
    title: 'pressure stall information',
    caption:
      'Share of wall time in which at least one task of the group waited for CPU (solid), memory (dashed) or IO (dotted), ' +
      'from the cgroup v2 *.pressure files.',
    left: { title: 'time some task stalled (%)', min: 0 },
    datasets,
  });
}

function sampledRuns(cell: Cell, max: number): { runs: SampledRun[]; total: number } {
  const all = cell.runs
    .filter((r) => !r.warmup)
    .map((r, i) => ({ ...r, no: i + 1 }))
    .filter((r): r is SampledRun => r.samples !== undefined && r.samples.tMs.length > 1);
  return { runs: all.slice(0, max), total: all.length };
}

/** Which time-series families say something about this cell. */
function families(cell: Cell): { cpu: boolean; memory: boolean; io: boolean } {
  const p = cell.params;
  const l = cell.limits;
  return {
    cpu: p.kind === 'cpu' || p.kind === 'latency' || p.kind === 'command' || (l.cpu !== undefined && l.cpu.quotaUs !== null),
    memory: p.kind === 'memory' || p.kind === 'command' || l.memory?.maxBytes != null || l.memory?.highBytes != null,
    io: p.kind === 'io' || (p.kind === 'memory' && p.mode === 'pagecache') || (l.io !== undefined && l.io.length > 0),
  };
}

export function timeSeriesCharts(cells: Cell[], wi: number, opts: Required<ChartOptions>): ChartSpec[] {
  const out: ChartSpec[] = [];
  cells.forEach((cell, ci) => {
    const { runs, total } = sampledRuns(cell, opts.maxRunsPerChart);
    if (!runs.length) return;
    const f = families(cell);
    const id = (k: string): string => `w${wi}-c${ci}-${k}`;
    const specs = [
      f.cpu ? cpuTimeChart(cell, runs, id('cpu')) : null,
      f.memory ? memoryTimeChart(cell, runs, id('memory')) : null,
      f.io ? ioTimeChart(cell, runs, id('io')) : null,
      pressureChart(cell, runs, id('pressure')),
    ];
    for (const s of specs) {
      if (!s) continue;
      const hidden = s.config.data.datasets.flatMap((d, i) => (RAW.has(d) ? [i] : []));
      if (hidden.length) {
        s.legendHidden = hidden;
        s.caption +=
          ' Where samples alternate between full speed and stalls (sampling near the CFS period or the throttle slice), ' +
          'pale lines are the raw samples and bold lines their moving mean.';
      }
      if (total > runs.length) s.caption += ` The first ${runs.length} of ${total} measured runs are shown.`;
      out.push(s);
    }
  });
  return out;
}
