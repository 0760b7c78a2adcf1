// The trend chart of one cell on one host: each night's median wall time with its 95 % interval, the
// wall time the model expects from that night's unlimited run, and the nights the gate flags.

import { limitsLabel } from '../../model/limits.js';
import type { TrendPoint, TrendSeries } from '../../model/types.js';
import { alpha, color, EXPECTED_GREY, IMPROVEMENT_GREEN, LIMIT_RED } from './palette.js';
import { axis, baseConfig, type ChartSpec, type ChartValue, type Dataset } from './spec.js';

const seconds = (ns: number | null): number | null => (ns === null || !Number.isFinite(ns) ? null : ns / 1e9);

/** A night's label on the x axis: its date, or date and time where one series has two nights a day. */
export function nightLabels(points: readonly Pick<TrendPoint, 'createdAt'>[]): string[] {
  const days = points.map((p) => p.createdAt.slice(0, 10));
  const unique = new Set(days).size === days.length;
  return points.map((p, i) => (unique ? (days[i] as string) : `${p.createdAt.slice(0, 10)} ${p.createdAt.slice(11, 16)}`));
}

export function seriesTitle(s: Pick<TrendSeries, 'workload' | 'limitSet' | 'runtime'>): string {
  return `${s.workload} / ${s.limitSet} (${s.runtime})`;
}

function marks(label: string, points: readonly TrendPoint[], change: TrendPoint['change'], colour: string): Dataset | null {
  if (!points.some((p) => p.change === change)) return null;
  return {
    type: 'line',
    label,
    data: points.map((p) => (p.change === change ? seconds(p.medianWallNs) : null)),
    showLine: false,
    pointStyle: 'triangle',
    pointRadius: 9,
    pointHoverRadius: 10,
    borderColor: colour,
    backgroundColor: colour,
    order: 0,
  };
}

/** `id` must be unique in the page and safe as a DOM id and a file name. */
export function trendChart(id: string, s: TrendSeries, windowNights: number): ChartSpec {
  const what = limitsLabel(s.limits);
  const title = seriesTitle(s);
  const config = baseConfig(`${title}: median wall time night by night`, nightLabels(s.points), {
    x: axis({ title: 'night' }, 'category'),
    // Not from zero: a trend is read for changes of a few percent, and the interval bars give the scale.
    y: { ...axis({ title: 'median wall time (s)' }, 'linear'), beginAtZero: false },
  });
  const c = color(0);
  config.data.datasets.push({
    type: 'line',
    label: 'median',
    data: s.points.map((p) => seconds(p.medianWallNs)),
    borderColor: c,
    backgroundColor: c,
    borderWidth: 2,
    pointRadius: s.points.length > 60 ? 1.5 : 3,
    pointHoverRadius: 5,
    spanGaps: true,
    order: 1,
  });
  config.data.datasets.push({
    type: 'bar',
    label: '95 % interval',
    data: s.points.map((p): ChartValue => {
      const lo = seconds(p.intervalNs?.[0] ?? null);
      const hi = seconds(p.intervalNs?.[1] ?? null);
      return lo !== null && hi !== null ? [lo, hi] : null;
    }),
    backgroundColor: alpha(c, 0.28),
    borderColor: c,
    borderWidth: 1,
    barPercentage: 0.5,
    categoryPercentage: 0.8,
    pointStyle: 'rect',
    order: 3,
  });
  if (s.points.some((p) => p.expectedWallNs !== null)) {
    config.data.datasets.push({
      type: 'line',
      label: 'expected (model)',
      data: s.points.map((p) => seconds(p.expectedWallNs)),
      borderColor: EXPECTED_GREY,
      backgroundColor: '#ffffff',
      borderDash: [7, 5],
      borderWidth: 2,
      pointRadius: 0,
      pointHoverRadius: 4,
      spanGaps: true,
      order: 2,
    });
  }
  for (const d of [
    marks('regression (gate fails)', s.points, 'regression', LIMIT_RED),
    marks('improvement', s.points, 'improvement', IMPROVEMENT_GREEN),
  ]) {
    if (d) config.data.datasets.push(d);
  }
  const expected = s.baseline
    ? 'an unlimited cell has no expected value'
    : "the dashed line is what the model expects from that night's unlimited run";
  return {
    id,
    kind: 'trend',
    workload: s.workload,
    title,
    caption:
      `${what === s.limitSet ? '' : `${what}. `}Median wall time of each night's measured runs, the bar its 95 % interval; ` +
      `${expected}. Triangles mark nights the history gate flags against the ${windowNights} nights before them.`,
    config,
  };
}
