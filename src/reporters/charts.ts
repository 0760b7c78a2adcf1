// Chart.js configurations built from a result document: the one definition of every chart, shared by
// the HTML report (rendered in the browser) and the PNG reporter (rendered in Node on a canvas).
// Configs are plain JSON (no callbacks) so the HTML can embed them verbatim and both outputs agree.

import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { Cell, Limits, ResultDocument, Run, SampleSeries } from '../model/types.js';
import { byWorkload } from './format.js';

export type ChartKind = 'slowdown' | 'cpu-granted' | 'cpu-time' | 'memory-time' | 'io-time' | 'pressure-time';

/** A point on a time axis, or a floating bar [low, high] on a category axis. */
export type ChartValue = number | null | [number, number] | { x: number; y: number | null };
export type ChartConfig = ChartConfiguration<'line' | 'bar', ChartValue[], string | string[]>;
type Dataset = ChartDataset<'line' | 'bar', ChartValue[]>;

export interface ChartSpec {
  /** Unique in the document and safe as a DOM id and a file name: [a-z0-9-]. */
  id: string;
  kind: ChartKind;
  workload: string;
  cellId?: string;
  title: string;
  /** One sentence on how to read the chart (shown under it in the HTML). */
  caption: string;
  config: ChartConfig;
  /**
   * Datasets left out of the legend (raw samples under their moving mean). A legend filter is a
   * callback, which JSON cannot carry, so both renderers install it from this list.
   */
  legendHidden?: number[];
}

export interface WorkloadCharts {
  workload: string;
  /** Position of the workload in the document, for stable ids and file names. */
  index: number;
  /** Charts over the limit sets: slowdown, CPU granted. */
  summary: ChartSpec[];
  /** Charts over time, per cell. */
  timeSeries: ChartSpec[];
  /** Why time-series charts are missing, when they are. */
  timeSeriesNote?: string;
}

export interface ChartOptions {
  /** Runs overlaid per time-series chart (more become unreadable). Default 3. */
  maxRunsPerChart?: number;
}

// Tableau 10: distinguishable, colour-blind friendlier than chart.js defaults, fine in print.
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'] as const;
const LIMIT_RED = '#d62728';
const HIGH_ORANGE = '#ff7f0e';
const EXPECTED_GREY = '#444444';

export function color(i: number): string {
  return PALETTE[i % PALETTE.length] as string;
}

/** #rrggbb + alpha -> rgba(), for translucent fills. */
export function alpha(hex: string, a: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'x'
  );
}

const MIB = 1024 * 1024;

/** A short label for what a limit set limits, shown under its name on category axes. */
export function limitsLabel(l: Limits): string {
  const parts: string[] = [];
  if (l.cpu && l.cpu.quotaUs !== null) parts.push(`${(l.cpu.quotaUs / l.cpu.periodUs).toFixed(2)} CPU`);
  if (l.memory?.maxBytes != null) parts.push(`mem ${+(l.memory.maxBytes / MIB).toFixed(1)} MiB`);
  if (l.memory?.highBytes != null) parts.push(`high ${+(l.memory.highBytes / MIB).toFixed(1)} MiB`);
  for (const io of l.io ?? []) {
    if (io.rbps !== undefined) parts.push(`read ${+(io.rbps / 1e6).toFixed(1)} MB/s`);
    if (io.wbps !== undefined) parts.push(`write ${+(io.wbps / 1e6).toFixed(1)} MB/s`);
    if (io.riops !== undefined) parts.push(`read ${io.riops} IOPS`);
    if (io.wiops !== undefined) parts.push(`write ${io.wiops} IOPS`);
  }
  if (l.pids !== undefined) parts.push(`pids ${l.pids}`);
  if (l.cpuset !== undefined) parts.push(`cpuset ${l.cpuset}`);
  return parts.join(', ') || 'no limits';
}

/** Limit set name, what it limits and, when no run finished, why: an empty column must explain itself. */
function categoryLabel(limitSet: string, limits: Limits, cells: Cell[]): string | string[] {
  const lines = [limitSet];
  const what = limitsLabel(limits);
  if (what !== limitSet) lines.push(what);
  const mine = cells.filter((c) => c.limitSet === limitSet);
  if (mine.length && mine.every((c) => c.summary.measuredRuns === 0)) {
    const outcomes = new Map<string, number>();
    for (const c of mine) for (const [k, v] of Object.entries(c.summary.outcomes)) outcomes.set(k, (outcomes.get(k) ?? 0) + (v ?? 0));
    lines.push(outcomes.size ? `no result: ${[...outcomes].map(([k, v]) => `${v} ${k}`).join(', ')}` : 'no runs');
  }
  return lines.length === 1 ? limitSet : lines;
}

/** A baseline has no summary slowdown (nothing to divide by); it is 1 by definition once it has runs. */
function slowdownOf(c: Cell | undefined): number | null {
  if (!c) return null;
  if (c.baselineId === null) return c.summary.medianWallNs !== null ? 1 : null;
  return c.summary.slowdown;
}

interface Axis {
  title: string;
  min?: number;
  max?: number;
  position?: 'left' | 'right';
  grid?: boolean;
}

function axis(a: Axis, type: 'linear' | 'category'): Record<string, unknown> {
  const out: Record<string, unknown> = { type, title: { display: true, text: a.title, font: { weight: 'bold' } } };
  if (a.min !== undefined) out.min = a.min;
  if (a.max !== undefined) out.max = a.max;
  if (a.position) out.position = a.position;
  if (a.grid === false) out.grid = { drawOnChartArea: false };
  if (type === 'linear' && a.min === undefined) out.beginAtZero = true;
  return out;
}

function baseConfig(title: string, labels: (string | string[])[] | undefined, scales: Record<string, Record<string, unknown>>): ChartConfig {
  // Time charts are all lines: a zero-height legend box is stroked as a line with the dataset's own
  // dash pattern (point-style markers would drop the dash). Category charts mix dots, diamonds and
  // bars, so they keep point-style markers.
  const lines = labels === undefined;
  const config: ChartConfig = {
    type: 'line',
    data: { datasets: [] },
    options: {
      // Deterministic frames: the PNG renderer draws once, and the browser test reads pixels at load.
      animation: false,
      responsive: false,
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      plugins: {
        title: { display: true, text: title, font: { size: 16, weight: 'bold' }, padding: { top: 4, bottom: 8 } },
        legend: { position: 'bottom', labels: lines ? { boxWidth: 32, boxHeight: 0, padding: 16 } : { usePointStyle: true, boxHeight: 8, padding: 16 } },
      },
      scales: scales as NonNullable<ChartConfig['options']>['scales'],
    },
  };
  if (labels) config.data.labels = labels;
  return config;
}

function cellsByRuntime(cells: Cell[]): { runtime: string; cells: Cell[] }[] {
  const out: { runtime: string; cells: Cell[] }[] = [];
  for (const c of cells) {
    let g = out.find((x) => x.runtime === c.runtime);
    if (!g) out.push((g = { runtime: c.runtime, cells: [] }));
    g.cells.push(c);
  }
  return out;
}

function limitSetOrder(cells: Cell[]): { name: string; limits: Limits }[] {
  const seen = new Map<string, Limits>();
  for (const c of cells) if (!seen.has(c.limitSet)) seen.set(c.limitSet, c.limits);
  return [...seen].map(([name, limits]) => ({ name, limits }));
}

function slowdownChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  if (!cells.some((c) => c.summary.slowdown !== null || c.summary.expectedSlowdown !== null)) return null;
  const sets = limitSetOrder(cells);
  const groups = cellsByRuntime(cells);
  const multi = groups.length > 1;
  const config = baseConfig(
    `${workload}: slowdown vs limit`,
    sets.map((s) => categoryLabel(s.name, s.limits, cells)),
    { x: axis({ title: 'limit set' }, 'category'), y: axis({ title: 'slowdown (× wall time with no limits)' }, 'linear') },
  );
  groups.forEach((g, gi) => {
    const at = (name: string): Cell | undefined => g.cells.find((c) => c.limitSet === name);
    const suffix = multi ? ` (${g.runtime})` : '';
    const c = color(gi);
    const observed: Dataset = {
      type: 'line',
      label: `observed median${suffix}`,
      data: sets.map((s) => slowdownOf(at(s.name))),
      borderColor: c,
      backgroundColor: c,
      borderWidth: 2.5,
      pointRadius: 4.5,
      pointHoverRadius: 6,
      // Drawn over the model line: where they agree the dot sits inside the model's hollow diamond.
      order: 0,
    };
    // chart.js has no error bars: a thin floating bar [low, high] per limit set shows the interval.
    const spread: Dataset = {
      type: 'bar',
      label: `95 % interval${suffix}`,
      data: sets.map((s): ChartValue => {
        const r = at(s.name)?.summary.slowdownRange;
        return r && Number.isFinite(r[0]) && Number.isFinite(r[1]) ? [r[0], r[1]] : null;
      }),
      backgroundColor: alpha(c, 0.28),
      borderColor: c,
      borderWidth: 1,
      barPercentage: 0.25,
      categoryPercentage: multi ? 0.6 : 0.5,
      pointStyle: 'rect',
      order: 2,
    };
    const expected: Dataset = {
      type: 'line',
      label: `expected (model)${suffix}`,
      data: sets.map((s) => at(s.name)?.summary.expectedSlowdown ?? null),
      borderColor: multi ? c : EXPECTED_GREY,
      backgroundColor: '#ffffff',
      borderDash: [7, 5],
      borderWidth: 2,
      pointStyle: 'rectRot',
      pointRadius: 8,
      pointHoverRadius: 9,
      spanGaps: true,
      order: 1,
    };
    config.data.datasets.push(observed, expected, spread);
  });
  return {
    id: `w${wi}-slowdown`,
    kind: 'slowdown',
    workload,
    title: 'Slowdown vs limit',
    caption: 'Median wall time under each limit divided by the median with no limits; bars are the 95 % interval, the dashed line is what a simple model of the limit predicts.',
    config,
  };
}

function cpuGrantedChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  if (!cells.some((c) => c.summary.cpuQuota !== null && c.summary.cpuGranted !== null)) return null;
  const sets = limitSetOrder(cells);
  const groups = cellsByRuntime(cells);
  const multi = groups.length > 1;
  const config = baseConfig(`${workload}: CPU granted vs quota`, sets.map((s) => categoryLabel(s.name, s.limits, cells)), {
    x: axis({ title: 'limit set' }, 'category'),
    y: axis({ title: 'CPUs (CPU time / wall time)' }, 'linear'),
  });
  groups.forEach((g, gi) => {
    const at = (name: string): Cell | undefined => g.cells.find((c) => c.limitSet === name);
    const suffix = multi ? ` (${g.runtime})` : '';
    config.data.datasets.push({
      type: 'bar',
      label: `CPU granted${suffix}`,
      data: sets.map((s) => at(s.name)?.summary.cpuGranted ?? null),
      backgroundColor: alpha(color(gi), 0.75),
      borderColor: color(gi),
      borderWidth: 1,
      pointStyle: 'rect',
      order: 2,
    });
  });
  // The quota is a short horizontal mark over each bar: the bar should reach it and not pass it.
  config.data.datasets.push({
    type: 'line',
    label: 'quota',
    data: sets.map((s) => (s.limits.cpu && s.limits.cpu.quotaUs !== null ? s.limits.cpu.quotaUs / s.limits.cpu.periodUs : null)),
    showLine: false,
    pointStyle: 'line',
    pointRadius: 22,
    pointHoverRadius: 24,
    pointBorderWidth: 3,
    borderColor: LIMIT_RED,
    backgroundColor: LIMIT_RED,
    order: 0,
  });
  return {
    id: `w${wi}-cpu-granted`,
    kind: 'cpu-granted',
    workload,
    title: 'CPU granted vs quota',
    caption: 'CPUs the group actually used on average (median over runs) against the quota (red mark): a bar at the mark means the quota was enforced exactly.',
    config,
  };
}

/** The values of one series as points, seconds on x; null when the series is absent or empty. */
function points(s: SampleSeries, key: string, scale = 1): { x: number; y: number | null }[] | null {
  const ys = s.series[key];
  // One value draws no line: a run shorter than two sample intervals has no time series to show.
  if (!ys || ys.filter((v) => v !== null && Number.isFinite(v)).length < 2) return null;
  return s.tMs.map((t, i) => {
    const v = ys[i];
    return { x: +(t / 1000).toFixed(4), y: v === null || v === undefined || !Number.isFinite(v) ? null : v * scale };
  });
}

function allZero(pts: { y: number | null }[]): boolean {
  return pts.every((p) => p.y === null || p.y === 0);
}

function endSec(runs: SampledRun[]): number {
  let t = 0;
  for (const r of runs) t = Math.max(t, (r.samples.tMs[r.samples.tMs.length - 1] ?? 0) / 1000);
  return t;
}

/** A horizontal limit line across the whole run. */
function limitLine(label: string, y: number, x1: number, colour: string, yAxisID = 'y'): Dataset {
  return {
    type: 'line',
    label,
    data: [
      { x: 0, y },
      { x: x1, y },
    ],
    borderColor: colour,
    backgroundColor: colour,
    borderDash: [8, 5],
    borderWidth: 2,
    pointRadius: 0,
    pointHoverRadius: 0,
    pointStyle: 'line',
    yAxisID,
    order: 0,
  };
}

interface LineStyle {
  dash?: number[] | undefined;
  width?: number;
  pointRadius?: number;
}

function seriesLine(label: string, data: { x: number; y: number | null }[], colour: string, yAxisID: string, style: LineStyle = {}): Dataset {
  const d: Dataset = {
    type: 'line',
    label,
    data,
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: style.width ?? 2,
    // Few samples (a short run): show them as dots, or a two-point line hides what was measured.
    pointRadius: style.pointRadius ?? (data.filter((p) => p.y !== null).length <= 8 ? 3 : 0),
    pointHoverRadius: 4,
    pointStyle: 'line',
    tension: 0,
    // A ratio has no value in an interval with no CFS period boundary (sampling faster than the
    // period): join across such gaps rather than drawing nothing.
    spanGaps: true,
    yAxisID,
    order: 1,
  };
  if (style.dash) d.borderDash = style.dash;
  return d;
}

/** Raw-sample datasets drawn under a moving mean: shown, but not in the legend. */
const RAW = new WeakSet<object>();

/** Window of the moving mean drawn over a spiky rate, ms. */
const SMOOTH_MS = 500;

/** Centred moving mean over exactly `k` samples; nulls are skipped, a window of nulls stays null. */
export function movingMean(pts: { x: number; y: number | null }[], k: number): { x: number; y: number | null }[] {
  const before = Math.floor(k / 2);
  const after = k - before - 1;
  return pts.map((p, i) => {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - before); j <= Math.min(pts.length - 1, i + after); j++) {
      const y = pts[j]?.y;
      if (y !== null && y !== undefined) {
        sum += y;
        n++;
      }
    }
    return { x: p.x, y: n ? sum / n : null };
  });
}

/** Successive samples jump by more than a quarter of the level: the eye needs a mean to read it. */
function spiky(pts: { y: number | null }[]): boolean {
  const ys = pts.map((p) => p.y).filter((y): y is number => y !== null);
  if (ys.length < 3) return false;
  let jumps = 0;
  let level = 0;
  for (let i = 0; i < ys.length; i++) {
    level += Math.abs(ys[i] as number);
    if (i) jumps += Math.abs((ys[i] as number) - (ys[i - 1] as number));
  }
  return level > 0 && jumps / (ys.length - 1) / (level / ys.length) > 0.25;
}

/**
 * A rate over time. Sampling at or near the CFS period (100 ms) or an IO throttle's slice aliases:
 * a throttled group alternates between full speed and nothing from one sample to the next. Such a
 * series is drawn thin and pale, with a bold moving mean over ~0.5 s on top, which is the rate the
 * limit actually allows.
 */
function rateLines(label: string, pts: { x: number; y: number | null }[], s: SampleSeries, colour: string, yAxisID: string, dash?: number[]): Dataset[] {
  // Short runs get a shorter window rather than no mean: every run of a chart should read alike.
  // An even window cancels the typical on/off alternation exactly (one sample in, one out).
  const k = 2 * Math.max(1, Math.min(Math.round(SMOOTH_MS / s.intervalMs / 2), Math.floor(pts.length / 4)));
  if (pts.length < 8 || !spiky(pts)) return [seriesLine(label, pts, colour, yAxisID, { dash })];
  const raw = seriesLine(`${label} (every ${+s.intervalMs.toFixed(0)} ms)`, pts, alpha(colour, 0.35), yAxisID, { dash, width: 1, pointRadius: 0 });
  RAW.add(raw);
  return [seriesLine(`${label} (${+((k * s.intervalMs) / 1000).toFixed(2)} s mean)`, movingMean(pts, k), colour, yAxisID, { dash, width: 2.5, pointRadius: 0 }), raw];
}

/** A measured run with samples; `no` counts measured runs from 1, as the tables do (warm-ups excluded). */
type SampledRun = Run & { samples: SampleSeries; no: number };

/** The spec of a per-cell chart over time: the same heading, title and id conventions for all. */
function timeSeriesSpec(cell: Cell, id: string, kind: ChartKind, heading: string, title: string, caption: string, scales: Record<string, Record<string, unknown>>, datasets: Dataset[]): ChartSpec {
  const config = baseConfig(`${cell.workload} / ${cell.limitSet}: ${heading}`, undefined, scales);
  config.data.datasets = datasets;
  return { id, kind, workload: cell.workload, cellId: cell.id, title: `${cell.limitSet} (${cell.runtime}): ${title}`, caption, config };
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
  const cpu = cell.limits.cpu;
  if (cpu && cpu.quotaUs !== null) datasets.push(limitLine(`quota ${(cpu.quotaUs / cpu.periodUs).toFixed(2)} CPU`, cpu.quotaUs / cpu.periodUs, endSec(runs), LIMIT_RED));
  return timeSeriesSpec(cell, id, 'cpu-time', 'CPU use and throttling', 'CPU use and throttle ratio', 'CPUs used per sample interval (solid, left axis) and the share of CFS periods in which the group was throttled (dotted, right axis); the red dashed line is the quota.', timeScales({ title: 'CPUs used (solid)' }, throttle ? { title: 'throttle ratio (dotted)', min: 0, max: 1 } : undefined), datasets);
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
  if (m?.highBytes != null) datasets.push(limitLine(`memory.high ${+(m.highBytes / MIB).toFixed(1)} MiB`, m.highBytes / MIB, end, HIGH_ORANGE));
  return timeSeriesSpec(cell, id, 'memory-time', 'memory in use', 'memory in use vs the limit', "The group's memory.current (usage_in_bytes on v1) over the run against the limit (red dashed); major faults (dotted) are re-reads that went to disk.", timeScales({ title: 'memory in use (MiB)' }, faults ? { title: 'major faults/s (dotted)' } : undefined), datasets);
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
  return timeSeriesSpec(cell, id, 'io-time', 'IO throughput', 'IO throughput vs the throttle', 'Bytes the group read (dotted) and wrote (solid) per second (1 MB = 10^6 bytes), from io.stat / blkio counters, against the throttle (dashed).', timeScales({ title: 'throughput (MB/s)' }), datasets);
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
  return timeSeriesSpec(cell, id, 'pressure-time', 'pressure stall', 'pressure stall information', 'Share of wall time in which at least one task of the group waited for CPU (solid), memory (dashed) or IO (dotted), from the cgroup v2 *.pressure files.', timeScales({ title: 'time some task stalled (%)', min: 0 }), datasets);
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

function timeSeriesCharts(cells: Cell[], wi: number, opts: Required<ChartOptions>): ChartSpec[] {
  const out: ChartSpec[] = [];
  cells.forEach((cell, ci) => {
    const { runs, total } = sampledRuns(cell, opts.maxRunsPerChart);
    if (!runs.length) return;
    const f = families(cell);
    const id = (k: string): string => `w${wi}-c${ci}-${k}`;
    const specs = [f.cpu ? cpuTimeChart(cell, runs, id('cpu')) : null, f.memory ? memoryTimeChart(cell, runs, id('memory')) : null, f.io ? ioTimeChart(cell, runs, id('io')) : null, pressureChart(cell, runs, id('pressure'))];
    for (const s of specs) {
      if (!s) continue;
      const hidden = s.config.data.datasets.flatMap((d, i) => (RAW.has(d) ? [i] : []));
      if (hidden.length) {
        s.legendHidden = hidden;
        s.caption += ' Where samples alternate between full speed and stalls (sampling near the CFS period or the throttle slice), pale lines are the raw samples and bold lines their moving mean.';
      }
      if (total > runs.length) s.caption += ` The first ${runs.length} of ${total} measured runs are shown.`;
      out.push(s);
    }
  });
  return out;
}

export function buildCharts(doc: ResultDocument, options: ChartOptions = {}): WorkloadCharts[] {
  const opts: Required<ChartOptions> = { maxRunsPerChart: options.maxRunsPerChart ?? 3 };
  return byWorkload(doc).map((g, wi) => {
    const summary = [slowdownChart(g.workload, wi, g.cells), cpuGrantedChart(g.workload, wi, g.cells)].filter((s): s is ChartSpec => s !== null);
    const timeSeries = timeSeriesCharts(g.cells, wi, opts);
    const wc: WorkloadCharts = { workload: g.workload, index: wi, summary, timeSeries };
    if (!timeSeries.length) {
      const anySamples = g.cells.some((c) => c.runs.some((r) => r.samples !== undefined));
      wc.timeSeriesNote = anySamples
        ? 'Too few samples to draw (runs shorter than two sample intervals, or no series these charts use), so the time-series charts are omitted.'
        : 'No samples were recorded for this workload (sampling off, or runs shorter than one sample interval), so the time-series charts are omitted.';
    }
    return wc;
  });
}

/**
 * The charts worth a PNG for one workload: slowdown, CPU granted, and one time series from the
 * cell where the limit bit hardest (runs killed or failed, else the largest slowdown), since that is
 * the one a reviewer asks about.
 */
export function keyCharts(wc: WorkloadCharts, doc: ResultDocument): ChartSpec[] {
  const out = [...wc.summary];
  if (wc.timeSeries.length) {
    const slowdownOf = (id: string | undefined): number => {
      const cell = doc.cells.find((c) => c.id === id);
      if (!cell) return 0;
      const failed = Object.entries(cell.summary.outcomes).some(([k, v]) => k !== 'ok' && (v ?? 0) > 0);
      return (failed ? 1e6 : 0) + (cell.summary.slowdown ?? 0);
    };
    const preferred: Record<string, ChartKind> = {};
    for (const c of doc.cells) preferred[c.id] = c.kind === 'memory' ? 'memory-time' : c.kind === 'io' ? 'io-time' : 'cpu-time';
    const ranked = [...wc.timeSeries].sort((a, b) => {
      const pa = a.cellId !== undefined && preferred[a.cellId] === a.kind ? 1 : 0;
      const pb = b.cellId !== undefined && preferred[b.cellId] === b.kind ? 1 : 0;
      return slowdownOf(b.cellId) - slowdownOf(a.cellId) || pb - pa;
    });
    const best = ranked[0];
    if (best) out.push(best);
  }
  return out;
}
