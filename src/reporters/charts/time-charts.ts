// Charts over time, one set per cell: CPU use and throttling, memory against the limit, IO against the
// throttle, and pressure stall information, each with the limit drawn in.

import { cpuQuotaCpus } from '../../model/limits.js';
import { type LatencyInterval, latencyTimeline } from '../../model/load-series.js';
import type { Cell, Run, SampleSeries } from '../../model/types.js';
import { allZero, limitLine, points, RAW, rateLines, seriesLine } from './lines.js';
import { alpha, color, HIGH_ORANGE, LIMIT_RED } from './palette.js';
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

const STALL_GREY = '#7f7f7f';

/** A service run to draw: measured, with the generator's series. */
type LoadRun = Run & { load: NonNullable<Run['load']>; no: number };

/** The run whose p99 is the median of the cell's (the lower of the middle two): one run's stalls read clearly,
 *  several overlaid do not, and each run has its own time axis. */
function medianRun(runs: LoadRun[]): LoadRun | undefined {
  const p99 = (r: LoadRun): number => r.namedMetrics?.p99?.value ?? Number.POSITIVE_INFINITY;
  const sorted = [...runs].sort((a, b) => p99(a) - p99(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function latencyLine(label: string, pts: { x: number; y: number | null }[], colour: string, width: number): Dataset {
  // Each interval's percentile held across it, as the samples' CPU is (a point would hide how long it lasted).
  return { ...seriesLine(label, pts, colour, 'y', { width, pointRadius: 0 }), stepped: 'before', spanGaps: false };
}

/**
 * A service's latency over time on the samples' time axis: p99 and p50 of the requests that arrived in each of
 * the generator's intervals (left, log) over the CPUs the group used, shaded (right), so a stall (the shading
 * gone while the quota is spent) lines up with the latency of the requests that arrived in it. One run: the
 * median by p99. A run without samples shows its latency alone; a cell without the generator's series, nothing.
 */
function serviceTimeChart(cell: Cell, id: string): ChartSpec | null {
  if (cell.params.kind !== 'service') return null;
  const params = cell.params;
  const measured = cell.runs
    .filter((r) => !r.warmup)
    .map((r, i) => ({ ...r, no: i + 1 }))
    .filter((r): r is LoadRun => r.load !== undefined);
  const run = medianRun(measured);
  const line = run ? latencyTimeline(run) : null;
  if (!run || !line || line.intervals.filter((v) => v.p99Ms !== null).length < 2) return null;
  const at = (v: LatencyInterval, key: 'p50Ms' | 'p99Ms'): { x: number; y: number | null }[] => [
    { x: v.startS, y: v[key] },
    { x: v.endS, y: v[key] },
  ];
  // Two points per interval (its start and end), a break where nobody arrived.
  const steps = (key: 'p50Ms' | 'p99Ms'): { x: number; y: number | null }[] =>
    line.intervals.flatMap((v, i) => (v[key] === null && line.intervals[i - 1]?.[key] === null ? [] : at(v, key)));
  const datasets: Dataset[] = [
    latencyLine('p99 latency', steps('p99Ms'), color(0), 2.5),
    latencyLine('p50 latency', steps('p50Ms'), color(1), 1.5),
  ];
  const samples = run.samples && run.samples.tMs.length > 1 ? run.samples : undefined;
  const used = samples ? points(samples, 'cpuUsedCpus') : null;
  const quota = cpuQuotaCpus(cell.limits);
  const periodMs = (cell.limits.cpu?.periodUs ?? 0) / 1000;
  // A throttle ratio per sample means something only when each sample spans a CFS period; finer samples show the
  // stall itself, as the CPU dropping to nothing.
  const ratio = samples && periodMs > 0 && samples.intervalMs >= periodMs ? points(samples, 'throttleRatio') : null;
  const throttle = ratio !== null && !allZero(ratio);
  if (used) {
    const area = seriesLine('CPUs used (shaded)', used, alpha(STALL_GREY, 0.5), 'y1', { width: 0.75, pointRadius: 0 });
    datasets.push({ ...area, stepped: 'before', fill: 'origin', backgroundColor: alpha(STALL_GREY, 0.2), order: 3 });
  }
  if (ratio && throttle) datasets.push(seriesLine('throttle ratio', ratio, STALL_GREY, 'y1', { dash: [2, 3], width: 1.5 }));
  const endS = Math.max(line.intervals.at(-1)?.endS ?? 0, (samples?.tMs.at(-1) ?? 0) / 1000);
  if (used && quota !== null) datasets.push(limitLine(`quota ${+quota.toFixed(3)} CPU`, quota, endS, LIMIT_RED, 'y1'));
  const warmEndS = line.startS + params.warmupMs / 1000;
  const from = samples ? 'the run start (the group’s first reading)' : "the generator's start (no samples of the group)";
  const spec = timeSeriesSpec(cell, id, {
    kind: 'service-time',
    heading: used ? 'latency over time beside CPU use' : 'latency over time',
    title: used ? `latency over time beside CPU use${quota !== null ? ' and throttling' : ''}` : 'latency over time',
    caption:
      `Run ${run.no} of ${measured.length}${measured.length > 1 ? ' (the median by p99)' : ''}: the p99 (bold) and p50 of the ` +
      `requests that arrived in each ${+line.intervalMs.toFixed(1)} ms interval, left axis, log scale` +
      `${params.mode === 'open' ? ", each timed from its place in the schedule (a stalled server's queue counts)" : ''}` +
      (used
        ? `; shaded, the CPUs the group used per ${+(samples?.intervalMs ?? 0).toFixed(1)} ms sample (right axis)` +
          `${throttle ? ', dotted the share of CFS periods throttled' : ''}${quota !== null ? ', the red dashed line the quota' : ''}. ` +
          (quota !== null
            ? 'Both are on one clock: where the shading stops while the quota is spent, the group is stalled, and the ' +
              'requests arriving then wait for the next period.'
            : 'Both are on one clock; without a CPU quota the group is never throttled, so a rise here is not a stall.')
        : '. This run has no samples of the group, so no CPU is drawn beside it.') +
      ` Time counts from ${from}; the generator starts at ${+line.startS.toFixed(2)} s` +
      `${params.warmupMs > 0 ? ` and its warm-up (not in the tables) ends at ${+warmEndS.toFixed(2)} s` : ''}.`,
    left: { title: 'latency (ms, log scale)' },
    right: used ? { title: throttle ? 'CPUs used (shaded) / throttle ratio' : 'CPUs used (shaded)', min: 0 } : undefined,
    datasets,
  });
  // Latency spans orders of magnitude between the free and the stalled intervals.
  const y = spec.config.options?.scales?.y as Record<string, unknown> | undefined;
  if (y) {
    y.type = 'logarithmic';
    delete y.beginAtZero;
    delete y.min;
  }
  return spec;
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
    const id = (k: string): string => `w${wi}-c${ci}-${k}`;
    // A service's latency chart carries its CPU and throttling: it replaces the CPU chart (one without latency falls
    // back); a service run without samples still has its latency to show.
    const service = serviceTimeChart(cell, id('service'));
    if (!runs.length) {
      if (service) out.push(service);
      return;
    }
    const f = families(cell);
    const specs = [
      service,
      f.cpu && !service ? cpuTimeChart(cell, runs, id('cpu')) : null,
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
      if (total > runs.length && s !== service) s.caption += ` The first ${runs.length} of ${total} measured runs are shown.`;
      out.push(s);
    }
  });
  return out;
}
