// The period-phase chart, one per throttled cell: the CPUs in use against the phase 0..period, folded
// over every sampled period (median, with the 10th-90th percentile band), the quota's average line, and
// the stretch after the quota ran out shaded. Cells throttled without the view get a note saying why.

import { PHASE_THROTTLED_SHARE } from '../../model/defaults.js';
import type { Cell, PeriodPhase, ResultDocument } from '../../model/types.js';
import { alpha, color, LIMIT_RED } from './palette.js';
import { axis, baseConfig, type ChartSpec, type Dataset, slug } from './spec.js';

const STALL_GREY = '#7f7f7f';
const ms = (x: number): string => `${+x.toFixed(1)} ms`;

function line(label: string, data: { x: number; y: number }[], colour: string, extra: Partial<Dataset> = {}): Dataset {
  return {
    type: 'line',
    label,
    data,
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 2,
    pointRadius: 0,
    pointHoverRadius: 3,
    pointStyle: 'line',
    tension: 0,
    ...extra,
  } as Dataset;
}

/** Bin values as a step line over the phase: each bin's value held across its width. */
function steps(values: number[], binMs: number): { x: number; y: number }[] {
  return values.flatMap((y, j) => [
    { x: +(j * binMs).toFixed(3), y },
    { x: +((j + 1) * binMs).toFixed(3), y },
  ]);
}

function datasets(p: PeriodPhase, top: number): Dataset[] {
  const out: Dataset[] = [];
  const band = alpha(color(0), 0.25);
  out.push(line('10th percentile', steps(p.cpuP10, p.binMs), band, { borderWidth: 0, order: 3 }));
  out.push(line('10th–90th percentile of the periods', steps(p.cpuP90, p.binMs), band, { borderWidth: 0, fill: '-1', order: 3 }));
  out.push(line('CPUs in use (median over the periods)', steps(p.cpuMedian, p.binMs), color(0), { borderWidth: 2.5, order: 1 }));
  const quota = p.quotaMs / p.periodMs;
  const quotaLine = [
    { x: 0, y: quota },
    { x: p.periodMs, y: quota },
  ];
  out.push(line(`quota ${+quota.toFixed(2)} CPU on average`, quotaLine, LIMIT_RED, { borderDash: [8, 5], order: 0 }));
  if (p.quotaUsedByMs !== null) {
    const stall = [
      { x: p.quotaUsedByMs, y: top },
      { x: p.periodMs, y: top },
    ];
    const label = `quota used up: stalled ${ms(p.periodMs - p.quotaUsedByMs)} until the period ends`;
    const shade = { borderWidth: 3, borderColor: alpha(STALL_GREY, 0.6), fill: 'origin', order: 4 } as const;
    out.push(line(label, stall, alpha(STALL_GREY, 0.22), shade));
  }
  return out;
}

function caption(cell: Cell, p: PeriodPhase, doc: ResultDocument): string {
  const verdict = doc.warnings.find((w) => w.code === 'quota-burst' && w.cellId === cell.id)?.message;
  const figures =
    `${p.periods} periods folded in ${ms(p.binMs)} bins from samples every ${ms(p.stepMs)}` +
    (p.counterStepMs !== undefined && p.counterStepMs > p.stepMs
      ? ` (the group's CPU counter moved only every ${ms(p.counterStepMs)}, at the kernel's scheduler tick)`
      : '') +
    '; ' +
    `throttled at the end of ${Math.round(p.throttledShare * 100)} % of them` +
    (p.throttledMsPerPeriod !== null ? `, ${ms(p.throttledMsPerPeriod)} throttled per period (summed over CPUs)` : '');
  const read = 'Phase 0 is the period boundary (located from the nr_periods steps); the shaded stretch is where the quota had run out.';
  return `${verdict ? `${verdict.slice(cell.id.length + 2)}. ` : ''}${figures}. ${read}`;
}

function phaseChart(cell: Cell, p: PeriodPhase, wi: number, doc: ResultDocument): ChartSpec {
  const peak = Math.max(p.quotaMs / p.periodMs, ...p.cpuP90);
  const top = Math.max(0.1, Math.ceil(peak * 1.15 * 10) / 10);
  const scales = {
    x: axis({ title: `phase in the ${ms(p.periodMs)} CFS period (ms)`, min: 0, max: p.periodMs }, 'linear'),
    y: axis({ title: 'CPUs in use', min: 0, max: top }, 'linear'),
  };
  const config = baseConfig(`${cell.workload} / ${cell.limitSet}: inside the CFS period`, undefined, scales);
  config.data.datasets = datasets(p, top);
  return {
    id: `w${wi}-phase-${slug(cell.limitSet)}-${slug(cell.runtime)}`,
    kind: 'period-phase',
    workload: cell.workload,
    cellId: cell.id,
    title: `${cell.limitSet} (${cell.runtime}): CPU in use across the period`,
    caption: caption(cell, p, doc),
    config,
    legendHidden: [0],
  };
}

const throttled = (c: Cell): boolean => (c.summary.throttleRatio ?? 0) >= PHASE_THROTTLED_SHARE;

/** The period-phase charts of a workload's throttled cells, and notes for those without one. */
export function phaseCharts(cells: Cell[], wi: number, doc: ResultDocument): { charts: ChartSpec[]; notes: string[] } {
  const charts: ChartSpec[] = [];
  const notes: string[] = [];
  for (const c of cells) {
    const p = c.summary.phase;
    if (!p || !throttled(c)) continue;
    if (p.status === 'folded') {
      if (p.throttledShare >= PHASE_THROTTLED_SHARE) charts.push(phaseChart(c, p, wi, doc));
      continue;
    }
    const use = p.useIntervalMs !== undefined ? `--sample-interval ${p.useIntervalMs}ms would give it` : 'shorter runs would give it';
    notes.push(`${c.limitSet} (${c.runtime}): no period-phase view: ${p.reason}; ${use}.`);
  }
  return { charts, notes };
}
