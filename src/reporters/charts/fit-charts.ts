// A fit's response curve, one chart per SLO: each probe's median figure against the knob's value with its
// one-sided bounds, coloured by its verdict, the SLO's bound as a line, the unlimited run's figure, and the answer.

import { SLO_FIGURES } from '../../model/slo.js';
import type { FitProbe, FitReport, ResultDocument, Slo } from '../../model/types.js';
import { alpha, color, EXPECTED_GREY, IMPROVEMENT_GREEN, LIMIT_RED } from './palette.js';
import { baseConfig, type ChartSpec, type ChartValue, type Dataset, slug } from './spec.js';

const ALT_LABEL: Record<FitProbe['series'], string> = {
  quota: 'quota',
  period: '20 ms period',
  burst: 'burst',
  cpuset: 'cpuset (whole CPUs)',
};

/** What the y axis shows: times in ms (the figures are ns), other figures as they are. */
function yScale(slo: Slo): { factor: number; title: string; log: boolean } {
  const unit = SLO_FIGURES[slo.figure]?.unit;
  if (slo.relative || unit === 'ratio') return { factor: 1, title: `${slo.figure} (× unlimited)`, log: false };
  if (unit === 'time') return { factor: 1e-6, title: `${slo.figure} (ms, log scale)`, log: true };
  return { factor: 1, title: unit === 'rate' ? `${slo.figure} (per second)` : slo.figure, log: false };
}

function xTitle(fit: FitReport): string {
  return fit.settings.knob === 'cpus'
    ? 'CPUs (quota / period, log scale)'
    : `${fit.settings.knob === 'memory' ? 'memory.max' : 'memory.high'} (MiB, log scale)`;
}

/** The knob's value on the x axis: CPUs as they are, bytes in MiB. A cpuset's whole CPUs are CPUs too. */
const xOf = (fit: FitReport, p: FitProbe): number => (fit.settings.knob === 'cpus' ? (p.value as number) : (p.value as number) / 2 ** 20);

function points(fit: FitReport, probes: FitProbe[], i: number, factor: number): ChartValue[] {
  return probes.flatMap((p) => {
    const m = p.checks[i]?.median;
    return p.value !== null && m != null && Number.isFinite(m) && m > 0 ? [{ x: xOf(fit, p), y: m * factor }] : [];
  });
}

/** Each probe's one-sided bounds as a vertical segment (a null breaks the line between probes). */
function whiskers(fit: FitReport, probes: FitProbe[], i: number, factor: number): ChartValue[] {
  return probes.flatMap((p) => {
    const b = p.checks[i]?.bounds;
    if (p.value === null || !b) return [];
    const x = xOf(fit, p);
    return [
      { x, y: Math.max(b[0], 1e-12) * factor },
      { x, y: b[1] * factor },
      { x, y: null },
    ];
  });
}

function responseChart(doc: ResultDocument, fit: FitReport, slo: Slo, i: number, wi: number): ChartSpec | null {
  const { factor, title, log } = yScale(slo);
  const quota = fit.probes.filter((p) => p.series === 'quota');
  const xs = fit.probes.filter((p) => p.value !== null).map((p) => xOf(fit, p));
  if (!xs.length) return null;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const scales = {
    x: { type: 'logarithmic', title: { display: true, text: xTitle(fit), font: { weight: 'bold' } } },
    y: {
      type: log ? 'logarithmic' : 'linear',
      title: { display: true, text: title, font: { weight: 'bold' } },
      ...(log ? {} : { beginAtZero: true }),
    },
  };
  const config = baseConfig(`${doc.cells[0]?.workload ?? ''}: ${slo.text} against the ${fit.settings.knob}`, undefined, scales);
  const dot = (label: string, data: ChartValue[], c: string, style: string): Dataset => ({
    type: 'line',
    label,
    data,
    showLine: false,
    borderColor: c,
    backgroundColor: c,
    pointStyle: style,
    pointRadius: 6,
    pointHoverRadius: 8,
  });
  const datasets: Dataset[] = [
    dot(
      'holds',
      points(
        fit,
        quota.filter((p) => p.verdict === 'holds'),
        i,
        factor,
      ),
      IMPROVEMENT_GREEN,
      'circle',
    ),
    dot(
      'fails',
      points(
        fit,
        quota.filter((p) => p.verdict === 'fails'),
        i,
        factor,
      ),
      LIMIT_RED,
      'crossRot',
    ),
    dot(
      'undecided',
      points(
        fit,
        quota.filter((p) => p.verdict !== 'holds' && p.verdict !== 'fails'),
        i,
        factor,
      ),
      EXPECTED_GREY,
      'triangle',
    ),
    {
      type: 'line',
      label: 'one-sided bounds',
      data: whiskers(fit, quota, i, factor),
      borderColor: alpha(EXPECTED_GREY, 0.6),
      borderWidth: 1.5,
      pointRadius: 0,
      spanGaps: false,
    },
    {
      type: 'line',
      label: `SLO: ${slo.text}`,
      data: [
        { x: x0, y: slo.bound * factor },
        { x: x1, y: slo.bound * factor },
      ],
      borderColor: LIMIT_RED,
      borderDash: [6, 4],
      borderWidth: 2,
      pointRadius: 0,
    },
  ];
  const base = quota.find((p) => p.value === null)?.checks[i]?.median;
  if (base != null && base > 0 && !(slo.relative || slo.figure === 'slowdown'))
    datasets.push({
      type: 'line',
      label: 'unlimited',
      data: [
        { x: x0, y: base * factor },
        { x: x1, y: base * factor },
      ],
      borderColor: EXPECTED_GREY,
      borderDash: [2, 3],
      borderWidth: 1.5,
      pointRadius: 0,
    });
  ['period', 'burst', 'cpuset'].forEach((series, k) => {
    const mine = fit.probes.filter((p) => p.series === series);
    if (mine.length) datasets.push(dot(ALT_LABEL[series as FitProbe['series']], points(fit, mine, i, factor), color(k + 1), 'rectRot'));
  });
  const answer = fit.answer;
  if (answer) {
    const ys = datasets
      .flatMap((d) => d.data)
      .flatMap((v) => (typeof v === 'object' && v !== null && 'y' in v && v.y !== null ? [v.y] : []));
    const x = fit.settings.knob === 'cpus' ? answer.value : answer.value / 2 ** 20;
    datasets.push({
      type: 'line',
      label: 'answer',
      data: [
        { x, y: Math.min(...ys) },
        { x, y: Math.max(...ys) },
      ],
      borderColor: color(0),
      borderWidth: 2,
      pointRadius: 0,
    });
  }
  config.data.datasets = datasets;
  return {
    id: `w${wi}-fit-${i}`,
    kind: 'fit-response',
    fileTag: slug(slo.figure),
    workload: doc.cells[0]?.workload ?? '',
    title: `Response: ${slo.text}`,
    caption:
      `Each probe's median ${slo.figure} over its runs with its one-sided bounds at ${Math.round(fit.settings.confidence * 100)} %: ` +
      'green holds, red fails, grey could not be told apart; the dashed red line is the SLO, the blue line the answer. ' +
      'Probes whose runs did not end ok have no figure to draw.',
    config,
  };
}

/** One response chart per SLO of a fit document's workload. */
export function responseCharts(doc: ResultDocument, workload: string, wi: number): ChartSpec[] {
  const fit = doc.fit;
  if (!fit || doc.cells[0]?.workload !== workload) return [];
  return fit.settings.slos.map((slo, i) => responseChart(doc, fit, slo, i, wi)).filter((c): c is ChartSpec => c !== null);
}
