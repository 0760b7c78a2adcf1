// `cgbench compare BASE.json CURRENT.json`: the nightly CI gate. Loads both documents, compares them
// (analysis/compare.ts) and renders the result as a terminal table, Markdown or JSON. Exit codes:
// 0 pass, 1 a significant regression beyond the threshold, 2 bad input (a CgbenchError, mapped by main).

import Table from 'cli-table3';
import { compareDocuments, compareExitCode, type CellComparison, type CompareResult, type MetricComparison, type MetricUnit } from '../analysis/compare.js';
import { CgbenchError } from '../model/errors.js';
import type { Outcome } from '../model/types.js';
import { formatBytes, formatDurationNs } from '../model/units.js';
import { escapeMarkdown } from '../reporters/markdown.js';
import { loadResultDocument } from './report.js';

export const COMPARE_FORMATS = ['table', 'md', 'json'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];
export const DEFAULT_THRESHOLD_PCT = 5;

/** "5%", "5" or "2.5 %" -> percent. */
export function parseThreshold(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : Number.NaN;
  if (!Number.isFinite(v) || v < 0 || v >= 1000) throw new CgbenchError('E_INPUT', `--threshold "${text}" is not a percentage`, 'write e.g. --threshold 5%');
  return v;
}

export function parseCompareFormat(text: string): CompareFormat {
  const f = text.trim().toLowerCase() === 'markdown' ? 'md' : text.trim().toLowerCase();
  if (!(COMPARE_FORMATS as readonly string[]).includes(f)) throw new CgbenchError('E_INPUT', `unknown compare format "${text}"`, `choose one of ${COMPARE_FORMATS.join(', ')}`);
  return f as CompareFormat;
}

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
    intervals: m.baseInterval || m.currentInterval ? `${range(m.unit, m.baseInterval) || '–'} → ${range(m.unit, m.currentInterval) || '–'}` : '',
    evidence: evidence(m),
    verdict: VERDICT_TEXT[m.verdict],
  }));
  const o = c.outcomes;
  // A cell whose runs all failed has no metrics; its outcomes are then the whole story.
  if (o.regression || outcomesText(o.base) !== outcomesText(o.current) || rows.length === 0) {
    rows.push({ cell: id, metric: 'outcomes', base: outcomesText(o.base), current: outcomesText(o.current), change: '', intervals: '', evidence: '', verdict: o.regression ? 'REGRESSION' : outcomesText(o.base) === outcomesText(o.current) ? 'unchanged' : 'changed' });
  }
  return rows;
}

function headline(r: CompareResult): string {
  const code = compareExitCode(r);
  if (code === 1) {
    const cells = r.cells.filter((c) => c.verdict === 'regression').map((c) => c.currentCellId);
    return `FAIL: ${r.regressions} cell(s) with a significant regression beyond ${r.thresholdPct} %: ${cells.join('; ')}`;
  }
  return `PASS: no significant regression beyond ${r.thresholdPct} % in ${r.cells.length} compared cell(s)${r.improvements ? ` (${r.improvements} improved)` : ''}`;
}

function docLine(label: string, d: CompareResult['base']): string {
  return `${label}: ${d.scenario} on ${d.hostname}, ${d.createdAt} (cgbench ${d.cgbenchVersion}${d.status !== 'complete' ? `, ${d.status}` : ''})`;
}

const HEAD = ['cell', 'metric', 'base', 'current', 'change', '95 % intervals (base → current)', 'evidence', 'verdict'];

function renderTable(r: CompareResult): string {
  const out = [docLine('base   ', r.base), docLine('current', r.current), `significant = 95 % intervals apart or Mann-Whitney p < ${r.alpha}; threshold ${r.thresholdPct} %`, ''];
  const t = new Table({ head: HEAD, style: { head: [], border: [], compact: true } });
  for (const c of r.cells) {
    rowsOf(c).forEach((row, i) => t.push([i === 0 ? row.cell : '', row.metric, row.base, row.current, row.change, row.intervals, row.evidence, row.verdict]));
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
  const out = [`## cgbench compare: ${compareExitCode(r) ? 'FAIL' : 'PASS'}`, '', `- ${e(docLine('base', r.base))}`, `- ${e(docLine('current', r.current))}`, `- significant = 95 % intervals apart or Mann-Whitney p < ${r.alpha}; threshold ${r.thresholdPct} %`, ''];
  if (r.cells.length) {
    out.push(`| ${HEAD.map(e).join(' | ')} |`, '| --- | --- | ---: | ---: | ---: | --- | --- | --- |');
    for (const c of r.cells) {
      rowsOf(c).forEach((row, i) => {
        const verdict = row.verdict === 'REGRESSION' ? '**REGRESSION**' : e(row.verdict);
        out.push(`| ${[i === 0 ? e(row.cell) : '', e(row.metric), e(row.base), e(row.current), e(row.change), e(row.intervals), e(row.evidence)].join(' | ')} | ${verdict} |`);
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
      return JSON.stringify({ ...result, exitCode: compareExitCode(result) }, null, 2);
    case 'md':
      return renderMd(result);
    case 'table':
      return renderTable(result);
  }
}

export interface CompareCliOptions {
  /** "5%" (default). */
  threshold?: string;
  /** table (default), md or json. */
  format?: string;
}

export interface CompareCommandResult {
  result: CompareResult;
  output: string;
  exitCode: 0 | 1;
}

/**
 * `cgbench compare BASE.json CURRENT.json [--threshold 5%] [--format table|md|json]`.
 * Bad input throws a CgbenchError (E_INPUT), which main turns into exit code 2.
 */
export function compareCommand(baseFile: string, currentFile: string, opts: CompareCliOptions = {}): CompareCommandResult {
  const thresholdPct = opts.threshold === undefined ? DEFAULT_THRESHOLD_PCT : parseThreshold(opts.threshold);
  const format = parseCompareFormat(opts.format ?? 'table');
  const base = loadResultDocument(baseFile);
  const current = loadResultDocument(currentFile);
  const result = compareDocuments(base, current, { thresholdPct });
  return { result, output: renderCompare(result, format), exitCode: compareExitCode(result) };
}
