// Every chart of a result document, shared by the HTML report (drawn in the browser) and the PNG
// reporter (drawn in Node on a canvas). Configs are plain JSON (no callbacks) so the HTML can embed
// them verbatim and both outputs agree.

import type { Cell, ResultDocument } from '../../model/types.js';
import { byWorkload } from '../format.js';
import { cpuGrantedChart, ioRateChart, latencyChart, slowdownChart } from './limit-charts.js';
import type { ChartKind, ChartOptions, ChartSpec, WorkloadCharts } from './spec.js';
import { phaseCharts } from './phase-charts.js';
import { protectionChart } from './contention-charts.js';
import { responseCharts } from './fit-charts.js';
import { timeSeriesCharts } from './time-charts.js';

export type { ChartConfig, ChartKind, ChartOptions, ChartSpec, ChartValue, WorkloadCharts } from './spec.js';
export { slug } from './spec.js';
export { movingMean } from './lines.js';

export function buildCharts(doc: ResultDocument, options: ChartOptions = {}): WorkloadCharts[] {
  const opts: Required<ChartOptions> = { maxRunsPerChart: options.maxRunsPerChart ?? 3 };
  return byWorkload(doc).map((g, wi) => {
    // The charts over limit sets show each limit alone; what neighbours did is the protection chart's.
    const alone = g.cells.filter((c) => !c.neighbourSet);
    const summary = [
      // A fit's response curves first: they are what its document is for.
      ...responseCharts(doc, g.workload, wi),
      slowdownChart(g.workload, wi, alone),
      ioRateChart(g.workload, wi, alone),
      latencyChart(g.workload, wi, alone),
      cpuGrantedChart(g.workload, wi, alone),
      protectionChart(g.workload, wi, g.cells),
    ].filter((s): s is ChartSpec => s !== null);
    const timeSeries = timeSeriesCharts(g.cells, wi, opts);
    const phase = phaseCharts(g.cells, wi, doc);
    const wc: WorkloadCharts = { workload: g.workload, index: wi, summary, timeSeries, phase: phase.charts, phaseNotes: phase.notes };
    if (!timeSeries.length) {
      const anySamples = g.cells.some((c) => c.runs.some((r) => r.samples !== undefined));
      const why = anySamples
        ? 'Too few samples to draw (runs shorter than two sample intervals, or no series these charts use)'
        : 'No samples were recorded for this workload (sampling off, or runs shorter than one sample interval)';
      wc.timeSeriesNote = `${why}, so the time-series charts are omitted.`;
    }
    return wc;
  });
}

/**
 * The charts worth a PNG for one workload: its summary charts (slowdown or IO rate or latency, CPU
 * granted), the period phase of every throttled cell that has one, and one time series from the
 * cell where the limit bit hardest (runs killed or failed, else the largest slowdown), since that is
 * the one a reviewer asks about.
 */
export function keyCharts(wc: WorkloadCharts, doc: ResultDocument): ChartSpec[] {
  const out = [...wc.summary, ...wc.phase];
  if (wc.timeSeries.length) {
    const slowdownOf = (id: string | undefined): number => {
      const cell = doc.cells.find((c) => c.id === id);
      if (!cell) return 0;
      const failed = Object.entries(cell.summary.outcomes).some(([k, v]) => k !== 'ok' && (v ?? 0) > 0);
      return (failed ? 1e6 : 0) + (cell.summary.slowdown ?? 0);
    };
    const preferred: Record<string, ChartKind> = {};
    const timeKind: Partial<Record<Cell['kind'], ChartKind>> = { memory: 'memory-time', io: 'io-time', service: 'service-time' };
    for (const c of doc.cells) preferred[c.id] = timeKind[c.kind] ?? 'cpu-time';
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
