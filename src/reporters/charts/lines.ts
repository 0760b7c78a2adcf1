// Lines over time: samples as points, limit lines, and the moving mean drawn over a spiky rate (sampling
// near the CFS period aliases a throttled group into full speed and nothing, one sample to the next).

import type { SampleSeries } from '../../model/types.js';
import { alpha } from './palette.js';
import type { Dataset } from './spec.js';

/** The values of one series as points, seconds on x; null when the series is absent or empty. */
export function points(s: SampleSeries, key: string, scale = 1): { x: number; y: number | null }[] | null {
  const ys = s.series[key];
  // One value draws no line: a run shorter than two sample intervals has no time series to show.
  if (!ys || ys.filter((v) => v !== null && Number.isFinite(v)).length < 2) return null;
  return s.tMs.map((t, i) => {
    const v = ys[i];
    return { x: +(t / 1000).toFixed(4), y: v === null || v === undefined || !Number.isFinite(v) ? null : v * scale };
  });
}

export function allZero(pts: { y: number | null }[]): boolean {
  return pts.every((p) => p.y === null || p.y === 0);
}

/** A horizontal limit line across the whole run. */
export function limitLine(label: string, y: number, x1: number, colour: string, yAxisID = 'y'): Dataset {
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

export interface LineStyle {
  dash?: number[] | undefined;
  width?: number;
  pointRadius?: number;
}

export function seriesLine(
  label: string,
  data: { x: number; y: number | null }[],
  colour: string,
  yAxisID: string,
  style: LineStyle = {},
): Dataset {
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
export const RAW = new WeakSet<object>();

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
export function rateLines(
  label: string,
  pts: { x: number; y: number | null }[],
  s: SampleSeries,
  colour: string,
  yAxisID: string,
  dash?: number[],
): Dataset[] {
  // Short runs get a shorter window rather than no mean: every run of a chart should read alike.
  // An even window cancels the typical on/off alternation exactly (one sample in, one out).
  const k = 2 * Math.max(1, Math.min(Math.round(SMOOTH_MS / s.intervalMs / 2), Math.floor(pts.length / 4)));
  if (pts.length < 8 || !spiky(pts)) return [seriesLine(label, pts, colour, yAxisID, { dash })];
  const raw = seriesLine(`${label} (every ${+s.intervalMs.toFixed(0)} ms)`, pts, alpha(colour, 0.35), yAxisID, {
    dash,
    width: 1,
    pointRadius: 0,
  });
  RAW.add(raw);
  return [
    seriesLine(`${label} (${+((k * s.intervalMs) / 1000).toFixed(2)} s mean)`, movingMean(pts, k), colour, yAxisID, {
      dash,
      width: 2.5,
      pointRadius: 0,
    }),
    raw,
  ];
}
