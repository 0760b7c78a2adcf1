// A fit document's own view (`cgbench fit`): the probes that decided it (one grid for the terminal, Markdown and
// HTML), the answer with its confidence, where the response went the wrong way, the alternatives at the answer,
// and the settings to paste. Pure: returns text.

import type { FitProbe, FitReport, ResultDocument, Slo, SloCheck } from '../model/types.js';
import { figureText, knobValueText } from '../model/slo.js';
import { formatBytes } from '../model/units.js';
import { DASH, type Grid, textWidth } from './columns.js';
import { cgroupText, describeParams } from './format.js';
import { tableWidth, type TableOptions, wrap } from './table.js';

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`;

const SERIES_TEXT: Record<FitProbe['series'], string> = { quota: '', period: '20 ms period', burst: 'burst', cpuset: 'cpuset' };

function checkText(slo: Slo, c: SloCheck | undefined): string {
  if (!c || c.median === null) return DASH;
  const b = c.bounds ? ` (${figureText(slo, c.bounds[0])}–${figureText(slo, c.bounds[1])})` : '';
  return `${figureText(slo, c.median)}${b}`;
}

/** The median and the bound that decided it: "9.9 ms, at worst 10.4 ms" where it holds, "36 ms, at best 31 ms"
 *  where it fails (with too few runs for bounds, the median alone). */
function worstText(slo: Slo, c: SloCheck | undefined): string {
  if (!c || c.median === null) return DASH;
  if (!c.bounds) return figureText(slo, c.median);
  const lower = slo.op === '<=' || slo.op === '<';
  const [best, worst] = lower ? [c.bounds[0], c.bounds[1]] : [c.bounds[1], c.bounds[0]];
  const failing = c.verdict === 'fails';
  return `${figureText(slo, c.median)}, at ${failing ? 'best' : 'worst'} ${figureText(slo, failing ? best : worst)}`;
}

/** Probes in reading order: the knob's own, unlimited first and then downwards, then each alternative's. */
export function orderedProbes(fit: FitReport): FitProbe[] {
  const rank = (p: FitProbe): number => (p.value === null ? Number.POSITIVE_INFINITY : p.value);
  const series = ['quota', 'period', 'burst', 'cpuset'];
  return [...fit.probes].sort((a, b) => series.indexOf(a.series) - series.indexOf(b.series) || rank(b) - rank(a));
}

/** One row per probe: value, how, why, runs, each SLO's median with its one-sided bounds, the verdict. */
export function fitGrid(fit: FitReport): Grid & { probes: FitProbe[] } {
  const s = fit.settings;
  const head = ['value', 'probe', 'runs', ...s.slos.map((x) => x.text), 'verdict'];
  const answer = fit.answer?.cellId;
  const probes = orderedProbes(fit);
  const rows = probes.map((p) => [
    knobValueText(s.knob, p.value, p.series),
    [SERIES_TEXT[p.series], p.role].filter(Boolean).join(' '),
    `${p.runs}${p.failedRuns ? ` (${p.failedRuns} not ok)` : ''}`,
    ...s.slos.map((slo, i) => checkText(slo, p.checks[i])),
    p.cellId === answer ? `${p.verdict} ◀ answer` : p.verdict,
  ]);
  return { head, rows, hidden: [], probes };
}

/** What the fit found, in lines: the answer with its confidence and the probe below it, or why there is none. */
export function answerLines(fit: FitReport): string[] {
  const s = fit.settings;
  const value = (v: number | null): string => knobValueText(s.knob, v);
  const conf = pct(s.confidence);
  if (fit.status === 'interrupted' || fit.status === 'searching')
    return [`no answer: the search was ${fit.status === 'searching' ? 'cut short' : 'interrupted'} after ${fit.runs} runs`];
  if (fit.status === 'none' || !fit.answer) return [`no answer: ${fit.reason ?? 'no value in the range meets every SLO'}`];
  const a = fit.answer;
  const figures = s.slos.map((slo, i) => `${slo.text}: ${worstText(slo, a.checks[i])}`).join('; ');
  const lines = [`answer: ${value(a.value)} meets every SLO with ${conf} confidence (${figures})`];
  const below = a.failsBelow ? fit.probes.find((p) => p.cellId === a.failsBelow?.cellId) : undefined;
  if (below) {
    const misses = below.failedRuns
      ? `${below.failedRuns} of ${below.runs} runs did not end ok`
      : s.slos.map((slo, i) => `${slo.figure} ${worstText(slo, below.checks[i])}`).join('; ');
    lines.push(`  below it, ${value(below.value)} ${below.verdict === 'undecided' ? 'could not be shown to hold' : 'fails'} (${misses})`);
  }
  if (a.at === 'top') lines.push('  at the top of the range: the workload needs all the range allows (probes below it fail)');
  if (a.at === 'bottom') lines.push('  at the bottom of the range: it may need less (lower the bottom of --range to look further)');
  if (a.used !== null) {
    const used = s.knob === 'cpus' ? `${a.used.toFixed(2)} CPU` : formatBytes(a.used);
    const free =
      a.usedUnlimited === null
        ? ''
        : `, ${s.knob === 'cpus' ? `${a.usedUnlimited.toFixed(2)} CPU` : formatBytes(a.usedUnlimited)} unlimited`;
    const what = s.knob === 'cpus' ? 'used on average' : 'peak memory';
    lines.push(`  ${what}: ${used} at the answer${free} (what a recommender from usage sees)`);
  }
  return lines;
}

/** The response's inversions, the alternatives and the settings, as lines (each may be long: callers wrap). */
export function detailLines(fit: FitReport): string[] {
  const out: string[] = [];
  if (fit.inversions.length) {
    out.push('', 'not monotone: more of the knob did not always help, so the bisection may have missed a value that holds or fails:');
    for (const inv of fit.inversions) out.push(`  ! ${inv.what}`);
  }
  if (fit.alternatives.length) {
    out.push('', 'alternatives at the answer:');
    for (const alt of fit.alternatives) {
      out.push(`  ${alt.label}: ${alt.verdict} — ${alt.reason}`);
      if (alt.paste) out.push(`    ${alt.paste}`);
    }
  }
  const p = fit.paste;
  if (p) {
    out.push('', 'settings to paste:');
    if (p.docker) out.push(`  ${p.docker}`);
    if (p.systemd) out.push(`  ${p.systemd}`);
    if (p.kubernetes) out.push(...p.kubernetes.split('\n').map((l) => `  ${l}`));
    for (const n of p.notes) out.push(`  (${n})`);
  }
  out.push('', runsLine(fit));
  return out;
}

/** What the search cost against a uniform sweep of the range at the same precision. */
export function runsLine(fit: FitReport): string {
  return `fit took ${fit.runs} measured runs; a uniform sweep of the range at the same precision would take ${fit.sweepRuns}`;
}

/** The settings line: knob, range, precision, confidence, runs, SLOs. */
export function settingsLine(fit: FitReport): string {
  const s = fit.settings;
  const knob = s.knob === 'cpus' ? 'cpus (quota at the 100 ms period)' : s.knob === 'memory' ? 'memory.max' : 'memory.high';
  return (
    `fit ${knob} from ${knobValueText(s.knob, s.range[0])} to ${knobValueText(s.knob, s.range[1])}, precision ${pct(s.precision)}, ` +
    `confidence ${pct(s.confidence)}, ${s.runs}..${s.maxRuns} runs a probe; SLOs: ${s.slos.map((x) => x.text).join(', ')}`
  );
}

export function renderFit(doc: ResultDocument, opts: TableOptions = {}): string {
  const fit = doc.fit;
  const where = `${doc.host.hostname}: ${doc.host.kernel}, cgroup ${cgroupText(doc.host)}`;
  const head = `cgbench ${doc.tool.version} — ${doc.scenario.name} on ${where}`;
  if (!fit) return `${head}\nno fit section: the suite ended before its first probe (${doc.status})`;
  const first = doc.cells[0];
  const parts = [head, `${first?.workload ?? ''} — ${first ? describeParams(first) : ''} (${first?.runtime ?? ''})`, settingsLine(fit), ''];
  const grid = fitGrid(fit);
  const w = grid.head.map((h, i) => Math.max(h.length, ...grid.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], header = false): string =>
    cells
      .map((c, i) => (i >= 2 && !header && i < cells.length - 1 ? c.padStart(w[i] ?? 0) : c.padEnd(w[i] ?? 0)))
      .join('  ')
      .trimEnd();
  parts.push(line(grid.head, true), w.map((n) => '─'.repeat(n)).join('  '), ...grid.rows.map((r) => line(r)), '');
  // Sentences wrap to the table width, continuation lines under their own indent; the grid and YAML stay whole.
  const width = tableWidth(opts);
  for (const l of [...answerLines(fit), ...detailLines(fit)]) {
    const indent = l.length - l.trimStart().length;
    const lines = Number.isFinite(width) && textWidth(l) > width ? wrap(l.trimStart(), width - indent, 4) : [l.trimStart()];
    parts.push(...lines.map((x) => ' '.repeat(indent) + x));
  }
  return parts.join('\n');
}
