// Charts over a workload's limit sets: the slowdown against the limit with the model's prediction and
// the interval, and the CPU granted against the quota.

import { cpuQuotaCpus, limitsLabel } from '../../model/limits.js';
import type { Cell, Limits } from '../../model/types.js';
import { alpha, color, EXPECTED_GREY, LIMIT_RED } from './palette.js';
import { axis, baseConfig, type ChartSpec, type ChartValue, type Dataset } from './spec.js';

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

export function slowdownChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
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
    caption:
      'Median wall time under each limit divided by the median with no limits; bars are the 95 % interval, ' +
      'the dashed line is what a simple model of the limit predicts.',
    config,
  };
}

export function cpuGrantedChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  if (!cells.some((c) => c.summary.cpuQuota !== null && c.summary.cpuGranted !== null)) return null;
  const sets = limitSetOrder(cells);
  const groups = cellsByRuntime(cells);
  const multi = groups.length > 1;
  const config = baseConfig(
    `${workload}: CPU granted vs quota`,
    sets.map((s) => categoryLabel(s.name, s.limits, cells)),
    {
      x: axis({ title: 'limit set' }, 'category'),
      y: axis({ title: 'CPUs (CPU time / wall time)' }, 'linear'),
    },
  );
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
    data: sets.map((s) => cpuQuotaCpus(s.limits)),
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
    caption:
      'CPUs the group actually used on average (median over runs) against the quota (red mark): ' +
      'a bar at the mark means the quota was enforced exactly.',
    config,
  };
}
