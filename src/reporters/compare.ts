// Renders a comparison of two result documents (the nightly CI gate) as terminal tables (one per cell,
// fitted to the terminal like run's), Markdown for a CI job summary, JSON, or JUnit XML (junit.ts). Pure: the comparison
// comes from analysis/compare.ts.

import type { CompareFormat } from '../model/defaults.js';
import type { CellComparison, CompareResult, MetricComparison, MetricUnit, Outcome } from '../model/types.js';
import { formatBytes, formatDurationNs, formatMetric, formatPValue } from '../model/units.js';
import { fitColumns, type FitRules, type Grid, truncate } from './columns.js';
import { escapeMarkdown } from './markdown.js';
import { serializeJunit } from './junit.js';
import { PLAIN, type Style } from './style.js';
import { gridLines, hiddenNote, type TableOptions, tableWidth, wrap } from './table.js';

/** A metric's value in its unit ("1.24 s", "2.05x", "48.1 MB/s"). */
export function metricValue(unit: MetricUnit, v: number | null, ownUnit = ''): string {
  if (v === null || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'own':
      return formatMetric(v, ownUnit);
    case 'ns':
      return formatDurationNs(v);
    case 'x':
      return `${v.toFixed(2)}x`;
    case 'cpus':
      return v.toFixed(3);
    case 'ratio':
      return v.toFixed(2);
    case 'bytes/s':
      return `${(v / 1e6).toFixed(1)} MB/s`;
    case 'bytes':
      return formatBytes(v);
    case 'pages':
      return v.toFixed(0);
    case 'ops/s':
      return `${v.toFixed(0)}/s`;
    case 'pct':
      return `${v.toFixed(1)} %`;
  }
}

/** A metric's 95 % interval in its unit; empty without one. */
export function metricRange(unit: MetricUnit, r: [number, number] | null, ownUnit = ''): string {
  if (!r) return '';
  if (unit === 'own') return `${metricValue(unit, r[0], ownUnit)} – ${metricValue(unit, r[1], ownUnit)}`;
  if (unit === 'ns' || unit === 'bytes') return `${metricValue(unit, r[0])} – ${metricValue(unit, r[1])}`;
  if (unit === 'x') return `${r[0].toFixed(2)}–${r[1].toFixed(2)}x`;
  if (unit === 'bytes/s') return `${(r[0] / 1e6).toFixed(1)}–${(r[1] / 1e6).toFixed(1)} MB/s`;
  return `${metricValue(unit, r[0])}–${metricValue(unit, r[1])}`;
}

/** "+12.3 %". */
export function changeText(m: MetricComparison): string {
  if (m.changePct === null) return '–';
  const sign = m.changePct > 0 ? '+' : '';
  return `${sign}${m.changePct.toFixed(1)} %`;
}

/** "CIs apart, p=0.008, n=5/5": what the verdict rests on. */
export function evidenceText(m: MetricComparison): string {
  const parts: string[] = [];
  if (m.intervalsApart !== null) parts.push(m.intervalsApart ? 'CIs apart' : 'CIs overlap');
  if (m.pValue !== null) parts.push(formatPValue(m.pValue));
  parts.push(`n=${m.baseRuns}/${m.currentRuns}`);
  return parts.join(', ');
}

const VERDICT_TEXT: Record<MetricComparison['verdict'], string> = {
  regression: 'REGRESSION',
  improvement: 'improvement',
  'within-threshold': 'within threshold',
  changed: 'changed',
  unchanged: 'unchanged',
  'not-comparable': 'not comparable',
};

/** The same outcomes in the same shares: 3 of 3 ok against 35 of 35 (a pooled history baseline) is no change. */
function sameShares(a: Partial<Record<Outcome, number>>, b: Partial<Record<Outcome, number>>): boolean {
  const total = (o: Partial<Record<Outcome, number>>): number => Object.values(o).reduce((n, v) => n + (v ?? 0), 0);
  const ta = total(a);
  const tb = total(b);
  const kinds = new Set([...Object.keys(a), ...Object.keys(b)] as Outcome[]);
  return [...kinds].every((k) => (a[k] ?? 0) * tb === (b[k] ?? 0) * ta);
}

export function outcomesText(o: Partial<Record<Outcome, number>>): string {
  const parts = Object.entries(o).map(([k, v]) => `${v} ${k}`);
  return parts.join(', ') || 'no runs';
}

interface Row {
  cell: string;
  metric: string;
  base: string;
  current: string;
  change: string;
  intervals: string;
  evidence: string;
  verdict: string;
}

function rowsOf(c: CellComparison): Row[] {
  const id = c.currentCellId;
  const rows: Row[] = c.metrics.map((m) => ({
    cell: id,
    metric: m.label,
    base: metricValue(m.unit, m.base, m.ownUnit),
    current: metricValue(m.unit, m.current, m.ownUnit),
    change: changeText(m),
    intervals:
      m.baseInterval || m.currentInterval
        ? `${metricRange(m.unit, m.baseInterval, m.ownUnit) || '–'} → ${metricRange(m.unit, m.currentInterval, m.ownUnit) || '–'}`
        : '',
    evidence: evidenceText(m),
    verdict: VERDICT_TEXT[m.verdict],
  }));
  const o = c.outcomes;
  // A cell whose runs all failed has no metrics; its outcomes are then the whole story.
  const same = sameShares(o.base, o.current);
  if (o.regression || !same || rows.length === 0) {
    rows.push({
      cell: id,
      metric: 'outcomes',
      base: outcomesText(o.base),
      current: outcomesText(o.current),
      change: '',
      intervals: '',
      evidence: '',
      verdict: o.regression ? 'REGRESSION' : same ? 'unchanged' : 'changed',
    });
  }
  return rows;
}

/** "PASS: ..." or "FAIL: ...": the gate's verdict in one sentence. */
export function headline(r: CompareResult): string {
  if (r.failed) {
    const cells = r.cells.filter((c) => c.verdict === 'regression').map((c) => c.currentCellId);
    return `FAIL: ${r.regressions} cell(s) with a significant regression beyond ${r.thresholdPct} %: ${cells.join('; ')}`;
  }
  const improved = r.improvements ? ` (${r.improvements} improved)` : '';
  return `PASS: no significant regression beyond ${r.thresholdPct} % in ${r.cells.length} compared cell(s)${improved}`;
}

/** One side of the comparison: scenario, host, time and version, or the history nights pooled. */
export function docText(d: CompareResult['base']): string {
  const hist = d.history;
  if (hist) {
    const match = hist.match.length ? `same ${hist.match.join(', ')}` : 'any host';
    return (
      `history, up to ${hist.nightsPerCell} night(s) per cell from ${hist.documents} stored document(s), ` +
      `${hist.from} .. ${hist.to}, on ${hist.hosts.join(', ')} (${match})`
    );
  }
  const partial = d.status !== 'complete' ? `, ${d.status}` : '';
  const host = d.host === undefined ? d.hostname : `host ${d.host}${d.host === d.hostname ? '' : ` (${d.hostname})`}`;
  return `${d.scenario} on ${host}, ${d.createdAt} (cgbench ${d.cgbenchVersion}${partial})`;
}

function docLine(label: string, d: CompareResult['base']): string {
  return `${label}: ${docText(d)}`;
}

const HEAD = ['cell', 'metric', 'base', 'current', 'change', '95 % intervals (base → current)', 'evidence', 'verdict'];

/** The terminal's per-cell table: the verdict and the figures stay; evidence, then intervals, go first to fit. */
const TERMINAL_HEAD = ['metric', 'base', 'current', 'change', 'verdict', 'evidence', '95 % intervals (base → current)'];
const TERMINAL_FIT: FitRules = {
  priority: (h) => (h === 'evidence' ? 2 : h === '95 % intervals (base → current)' ? 1 : 10),
  spine: new Set(['metric', 'base', 'current', 'change', 'verdict']),
  cut: 'metric',
};

/** A verdict in its colour: a regression stands out, an improvement is green, the rest plain. */
function paintVerdict(text: string, st: Style): string {
  if (text === 'REGRESSION') return st.bad(text);
  return text === 'improvement' ? st.good(text) : text;
}

function renderTable(r: CompareResult, opts: TableOptions): string {
  const st = opts.style ?? PLAIN;
  const width = tableWidth(opts);
  const fit = (text: string): string => (Number.isFinite(width) ? truncate(text, width) : text);
  const out = [
    fit(docLine('base   ', r.base)),
    fit(docLine('current', r.current)),
    ...wrap(`significant = 95 % intervals apart or Mann-Whitney p < ${r.alpha}; threshold ${r.thresholdPct} %`, width, 2),
  ];
  // One table per cell under its name, as `cgbench run` has one per workload: no cell column to widen every row.
  const hidden = new Set<string>();
  for (const c of r.cells) {
    const rows = rowsOf(c).map((row) => [
      row.metric,
      row.base,
      row.current,
      row.change,
      paintVerdict(row.verdict, st),
      row.evidence,
      row.intervals,
    ]);
    const full: Grid = { head: TERMINAL_HEAD, rows, hidden: [] };
    const grid = Number.isFinite(width) ? fitColumns(full, width, TERMINAL_FIT) : full;
    const verdict = c.verdict === 'regression' ? 'REGRESSION' : c.verdict;
    const name = fit(`${c.currentCellId}: ${verdict}`);
    out.push('', name.endsWith(verdict) ? `${st.bold(name.slice(0, -verdict.length))}${paintVerdict(verdict, st)}` : st.bold(name));
    out.push(...gridLines(grid, (h) => h !== 'base' && h !== 'current' && h !== 'change'));
    for (const h of grid.hidden) hidden.add(h);
  }
  if (hidden.size) out.push('', ...hiddenNote([...hidden], width));
  const wrapAt = Number.isFinite(width) ? width : 140;
  if (r.unmatched.length) {
    out.push('', 'Not compared:');
    for (const u of r.unmatched) out.push(...wrap(`  - ${u.cellId} (${u.side}): ${u.reason}`, wrapAt, 4));
  }
  if (r.warnings.length) {
    out.push('', 'Warnings:');
    for (const w of r.warnings) out.push(...wrap(`  ! ${w}`, wrapAt, 4).map((l, i) => (i === 0 ? `  ${st.warn('!')}${l.slice(3)}` : l)));
  }
  const verdict = wrap(headline(r), wrapAt, 2);
  out.push('', ...verdict.map((l) => (r.failed ? st.bad(l) : st.good(l))));
  return out.join('\n');
}

function renderMd(r: CompareResult): string {
  const e = (t: string): string => escapeMarkdown(t);
  const out = [
    `## cgbench compare: ${r.failed ? 'FAIL' : 'PASS'}`,
    '',
    `- ${e(docLine('base', r.base))}`,
    `- ${e(docLine('current', r.current))}`,
    `- significant = 95 % intervals apart or Mann-Whitney p < ${r.alpha}; threshold ${r.thresholdPct} %`,
    '',
  ];
  if (r.cells.length) {
    out.push(`| ${HEAD.map(e).join(' | ')} |`, '| --- | --- | ---: | ---: | ---: | --- | --- | --- |');
    for (const c of r.cells) {
      rowsOf(c).forEach((row, i) => {
        const verdict = row.verdict === 'REGRESSION' ? '**REGRESSION**' : e(row.verdict);
        const fields = [
          i === 0 ? e(row.cell) : '',
          e(row.metric),
          e(row.base),
          e(row.current),
          e(row.change),
          e(row.intervals),
          e(row.evidence),
        ];
        out.push(`| ${fields.join(' | ')} | ${verdict} |`);
      });
    }
    out.push('');
  }
  if (r.unmatched.length) {
    out.push('**Not compared**', '');
    for (const u of r.unmatched) out.push(`- ${e(u.cellId)} (${u.side}): ${e(u.reason)}`);
    out.push('');
  }
  if (r.warnings.length) {
    out.push('**Warnings**', '');
    for (const w of r.warnings) out.push(`- ${e(w)}`);
    out.push('');
  }
  out.push(`**${e(headline(r))}**`, '');
  return out.join('\n');
}

export function renderCompare(result: CompareResult, format: CompareFormat, opts: TableOptions = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2);
    case 'md':
      return renderMd(result);
    case 'table':
      return renderTable(result, opts);
    case 'junit':
      return serializeJunit(result);
  }
}
