// Renders a comparison of two result documents (the nightly CI gate) as a terminal table, Markdown
// for a CI job summary, or JSON. Pure: the comparison comes from analysis/compare.ts.

import Table from 'cli-table3';
import type { CompareFormat } from '../model/defaults.js';
import type { CellComparison, CompareResult, MetricComparison, MetricUnit, Outcome } from '../model/types.js';
import { formatBytes, formatDurationNs } from '../model/units.js';
import { escapeMarkdown } from './markdown.js';

function value(unit: MetricUnit, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  switch (unit) {
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
  }
}

function range(unit: MetricUnit, r: [number, number] | null): string {
  if (!r) return '';
  if (unit === 'ns' || unit === 'bytes') return `${value(unit, r[0])} – ${value(unit, r[1])}`;
  if (unit === 'x') return `${r[0].toFixed(2)}–${r[1].toFixed(2)}x`;
  if (unit === 'bytes/s') return `${(r[0] / 1e6).toFixed(1)}–${(r[1] / 1e6).toFixed(1)} MB/s`;
  return `${value(unit, r[0])}–${value(unit, r[1])}`;
}

function change(m: MetricComparison): string {
  if (m.changePct === null) return '–';
  const sign = m.changePct > 0 ? '+' : '';
  return `${sign}${m.changePct.toFixed(1)} %`;
}

function evidence(m: MetricComparison): string {
  const parts: string[] = [];
  if (m.intervalsApart !== null) parts.push(m.intervalsApart ? 'CIs apart' : 'CIs overlap');
  if (m.pValue !== null) parts.push(`p=${m.pValue < 0.001 ? m.pValue.toExponential(1) : m.pValue.toFixed(3)}`);
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

function outcomesText(o: Partial<Record<Outcome, number>>): string {
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
    base: value(m.unit, m.base),
    current: value(m.unit, m.current),
    change: change(m),
    intervals:
      m.baseInterval || m.currentInterval ? `${range(m.unit, m.baseInterval) || '–'} → ${range(m.unit, m.currentInterval) || '–'}` : '',
    evidence: evidence(m),
    verdict: VERDICT_TEXT[m.verdict],
  }));
  const o = c.outcomes;
  // A cell whose runs all failed has no metrics; its outcomes are then the whole story.
  if (o.regression || outcomesText(o.base) !== outcomesText(o.current) || rows.length === 0) {
    rows.push({
      cell: id,
      metric: 'outcomes',
      base: outcomesText(o.base),
      current: outcomesText(o.current),
      change: '',
      intervals: '',
      evidence: '',
      verdict: o.regression ? 'REGRESSION' : outcomesText(o.base) === outcomesText(o.current) ? 'unchanged' : 'changed',
    });
  }
  return rows;
}

function headline(r: CompareResult): string {
  if (r.failed) {
    const cells = r.cells.filter((c) => c.verdict === 'regression').map((c) => c.currentCellId);
    return `FAIL: ${r.regressions} cell(s) with a significant regression beyond ${r.thresholdPct} %: ${cells.join('; ')}`;
  }
  const improved = r.improvements ? ` (${r.improvements} improved)` : '';
  return `PASS: no significant regression beyond ${r.thresholdPct} % in ${r.cells.length} compared cell(s)${improved}`;
}

function docLine(label: string, d: CompareResult['base']): string {
  const partial = d.status !== 'complete' ? `, ${d.status}` : '';
  return `${label}: ${d.scenario} on ${d.hostname}, ${d.createdAt} (cgbench ${d.cgbenchVersion}${partial})`;
}

const HEAD = ['cell', 'metric', 'base', 'current', 'change', '95 % intervals (base → current)', 'evidence', 'verdict'];

function renderTable(r: CompareResult): string {
  const out = [
    docLine('base   ', r.base),
    docLine('current', r.current),
    `significant = 95 % intervals apart or Mann-Whitney p < ${r.alpha}; threshold ${r.thresholdPct} %`,
    '',
  ];
  const t = new Table({ head: HEAD, style: { head: [], border: [], compact: true } });
  for (const c of r.cells) {
    rowsOf(c).forEach((row, i) =>
      t.push([i === 0 ? row.cell : '', row.metric, row.base, row.current, row.change, row.intervals, row.evidence, row.verdict]),
    );
  }
  if (r.cells.length) out.push(t.toString());
  if (r.unmatched.length) {
    out.push('', 'Not compared:');
    for (const u of r.unmatched) out.push(`  - ${u.cellId} (${u.side}): ${u.reason}`);
  }
  if (r.warnings.length) {
    out.push('', 'Warnings:');
    for (const w of r.warnings) out.push(`  ! ${w}`);
  }
  out.push('', headline(r));
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

export function renderCompare(result: CompareResult, format: CompareFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2);
    case 'md':
      return renderMd(result);
    case 'table':
      return renderTable(result);
  }
}
