// The shape of a chart: what a chart spec holds (a chart.js config as plain JSON, with its title,
// caption and ids), and the axes and base config every chart starts from.

import type { ChartConfiguration, ChartDataset } from 'chart.js';

export type ChartKind =
  | 'slowdown'
  | 'cpu-granted'
  | 'io-rate'
  | 'latency'
  | 'protection'
  | 'cpu-time'
  | 'service-time'
  | 'memory-time'
  | 'io-time'
  | 'pressure-time'
  | 'period-phase'
  | 'trend'
  | 'fit-response';

/** A point on a time axis, or a floating bar [low, high] on a category axis. */
export type ChartValue = number | null | [number, number] | { x: number; y: number | null };
export type ChartConfig = ChartConfiguration<'line' | 'bar', ChartValue[], string | string[]>;
export type Dataset = ChartDataset<'line' | 'bar', ChartValue[]>;

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
  /** Tells charts of one kind, workload and cell apart in a PNG's file name ([a-z0-9-]). */
  fileTag?: string;
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
  /** CPU in use across the CFS period, per throttled cell (charts/phase-charts.ts). */
  phase: ChartSpec[];
  /** Throttled cells without that chart: why, and the sampling interval that would draw it. */
  phaseNotes: string[];
}

export interface ChartOptions {
  /** Runs overlaid per time-series chart (more become unreadable). Default 3. */
  maxRunsPerChart?: number;
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

export interface Axis {
  title: string;
  min?: number;
  max?: number;
  position?: 'left' | 'right';
  grid?: boolean;
}

export function axis(a: Axis, type: 'linear' | 'category'): Record<string, unknown> {
  const out: Record<string, unknown> = { type, title: { display: true, text: a.title, font: { weight: 'bold' } } };
  if (a.min !== undefined) out.min = a.min;
  if (a.max !== undefined) out.max = a.max;
  if (a.position) out.position = a.position;
  if (a.grid === false) out.grid = { drawOnChartArea: false };
  if (type === 'linear' && a.min === undefined) out.beginAtZero = true;
  return out;
}

export function baseConfig(
  title: string,
  labels: (string | string[])[] | undefined,
  scales: Record<string, Record<string, unknown>>,
): ChartConfig {
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
        legend: {
          position: 'bottom',
          labels: lines ? { boxWidth: 32, boxHeight: 0, padding: 16 } : { usePointStyle: true, boxHeight: 8, padding: 16 },
        },
      },
      scales: scales,
    },
  };
  if (labels) config.data.labels = labels;
  return config;
}
