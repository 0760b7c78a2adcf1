// Charts over a workload's limit sets, each where it means something: the slowdown against the limit
// with the model's prediction and the interval (cpu, memory, command), the CPU granted against the
// quota, the IO rate against the throttle and its model (io), the tail latency (latency).

import { cpuQuotaCpus, ioRateLimit, limitsLabel } from '../../model/limits.js';
import { slowdownMeans } from '../../model/params.js';
import type { Cell, Limits } from '../../model/types.js';
import { alpha, color, EXPECTED_GREY, LIMIT_RED } from './palette.js';
import { axis, baseConfig, type ChartKind, type ChartSpec, type ChartValue, type Dataset } from './spec.js';

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

/**
 * A chart's series: one per runtime, and in a merged document one per host (and runtime), so the
 * same limit is side by side across hosts. The label is what tells them apart.
 */
function cellSeries(cells: Cell[]): { label: string; cells: Cell[] }[] {
  const severalRuntimes = new Set(cells.map((c) => c.runtime)).size > 1;
  const severalHosts = new Set(cells.map((c) => c.host)).size > 1;
  const labelOf = (c: Cell): string => (severalHosts ? [c.host ?? '', ...(severalRuntimes ? [c.runtime] : [])].join(', ') : c.runtime);
  const out: { label: string; cells: Cell[] }[] = [];
  for (const c of cells) {
    const label = labelOf(c);
    let g = out.find((x) => x.label === label);
    if (!g) out.push((g = { label, cells: [] }));
    g.cells.push(c);
  }
  return out;
}

function limitSetOrder(cells: Cell[]): { name: string; limits: Limits }[] {
  const seen = new Map<string, Limits>();
  for (const c of cells) if (!seen.has(c.limitSet)) seen.set(c.limitSet, c.limits);
  return [...seen].map(([name, limits]) => ({ name, limits }));
}

export function slowdownChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  if (!cells.every(slowdownMeans)) return null;
  if (!cells.some((c) => c.summary.slowdown !== null || c.summary.expectedSlowdown !== null)) return null;
  const sets = limitSetOrder(cells);
  const groups = cellSeries(cells);
  const multi = groups.length > 1;
  const config = baseConfig(
    `${workload}: slowdown vs limit`,
    sets.map((s) => categoryLabel(s.name, s.limits, cells)),
    { x: axis({ title: 'limit set' }, 'category'), y: axis({ title: 'slowdown (× wall time with no limits)' }, 'linear') },
  );
  groups.forEach((g, gi) => {
    const at = (name: string): Cell | undefined => g.cells.find((c) => c.limitSet === name);
    const suffix = multi ? ` (${g.label})` : '';
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
    caption:
      'Median wall time under each limit divided by the median with no limits; bars are the 95 % interval, ' +
      'the dashed line is what a simple model of the limit predicts.',
    config,
  };
}

interface BarChart {
  workload: string;
  wi: number;
  cells: Cell[];
  kind: ChartKind;
  title: string;
  caption: string;
  yTitle: string;
  series: { label: string; value: (c: Cell) => number | null }[];
  /** A short horizontal mark per limit set (the quota, the throttle): the bar should reach it. */
  mark?: { label: string; value: (limits: Limits) => number | null };
  /** A thin floating bar per cell: the range a model allows. */
  range?: { label: string; value: (c: Cell) => [number, number] | null };
}

/** Bars of a figure per limit set (per runtime), with the limit as a mark and a model's range. */
function barChart(b: BarChart): ChartSpec | null {
  if (!b.cells.some((c) => b.series.some((s) => s.value(c) !== null))) return null;
  const sets = limitSetOrder(b.cells);
  const groups = cellSeries(b.cells);
  const multi = groups.length > 1;
  const config = baseConfig(
    `${b.workload}: ${b.title}`,
    sets.map((s) => categoryLabel(s.name, s.limits, b.cells)),
    { x: axis({ title: 'limit set' }, 'category'), y: axis({ title: b.yTitle }, 'linear') },
  );
  groups.forEach((g, gi) => {
    const at = (name: string): Cell | undefined => g.cells.find((c) => c.limitSet === name);
    const suffix = multi ? ` (${g.label})` : '';
    const values = (value: (c: Cell) => ChartValue): ChartValue[] =>
      sets.map((s) => {
        const cell = at(s.name);
        return cell ? value(cell) : null;
      });
    const bar = (label: string, data: ChartValue[], c: string, fill: number, order: number): Dataset => ({
      type: 'bar',
      label: `${label}${suffix}`,
      data,
      backgroundColor: alpha(c, fill),
      borderColor: c,
      borderWidth: 1,
      pointStyle: 'rect',
      order,
    });
    b.series.forEach((series, si) => {
      config.data.datasets.push(bar(series.label, values(series.value), color(gi * b.series.length + si), 0.75, 2));
    });
    // The model's range as a thin floating bar beside the figure.
    if (b.range) config.data.datasets.push({ ...bar(b.range.label, values(b.range.value), EXPECTED_GREY, 0.35, 1), barPercentage: 0.25 });
  });
  const mark = b.mark;
  if (mark)
    config.data.datasets.push({
      type: 'line',
      label: mark.label,
      data: sets.map((s) => mark.value(s.limits)),
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
    id: `w${b.wi}-${b.kind}`,
    kind: b.kind,
    workload: b.workload,
    title: b.title[0]?.toUpperCase() + b.title.slice(1),
    caption: b.caption,
    config,
  };
}

export function cpuGrantedChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  if (!cells.some((c) => c.summary.cpuQuota !== null && c.summary.cpuGranted !== null)) return null;
  return barChart({
    workload,
    wi,
    cells,
    kind: 'cpu-granted',
    title: 'CPU granted vs quota',
    yTitle: 'CPUs (CPU time / wall time)',
    caption:
      'CPUs the group actually used on average (median over runs) against the quota (red mark): ' +
      'a bar at the mark means the quota was enforced exactly.',
    series: [{ label: 'CPU granted', value: (c) => c.summary.cpuGranted }],
    // The quota is a short horizontal mark over each bar: the bar should reach it and not pass it.
    mark: { label: 'quota', value: cpuQuotaCpus },
  });
}

const mbps = (v: number | null): number | null => (v === null ? null : v / 1e6);

/** An IO cell's figure is its rate against the throttle, not a slowdown against the (noisy) disk. */
export function ioRateChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  const first = cells[0];
  if (first?.params.kind !== 'io') return null;
  const mode = first.params.mode;
  return barChart({
    workload,
    wi,
    cells,
    kind: 'io-rate',
    title: 'IO rate vs throttle',
    yTitle: 'MB/s (1 MB = 10^6 bytes)',
    caption:
      "The workload's own rate (median over runs) against the throttle (red mark); the grey bar is the model's range, " +
      'from the throttle up to what its initial allowance (one throttle slice at the full rate) adds.',
    series: [{ label: `${mode} rate`, value: (c) => mbps(c.summary.ioBytesPerSec) }],
    mark: { label: 'throttle', value: (limits) => mbps(ioRateLimit(limits, mode).bps) },
    range: {
      label: 'model',
      value: (c) => {
        const r = c.summary.ioExpectedBytesPerSec;
        return r ? [r[0] / 1e6, r[1] / 1e6] : null;
      },
    },
  });
}

/** A fixed-duration latency workload shows a limit in its tail, not its wall time. */
export function latencyChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  if (cells[0]?.kind !== 'latency') return null;
  const ms = (ns: number | undefined): number | null => (ns === undefined ? null : ns / 1e6);
  return barChart({
    workload,
    wi,
    cells,
    kind: 'latency',
    title: 'latency vs limit',
    yTitle: 'request latency (ms)',
    caption: 'Median and 99th percentile of the request latency (medians over runs): a quota shows in the tail.',
    series: [
      { label: 'p50', value: (c) => ms(c.summary.latency?.p50Ns) },
      { label: 'p99', value: (c) => ms(c.summary.latency?.p99Ns) },
    ],
  });
}
