// Markdown reporter: a link-free summary for a CI job summary or a review comment (host line,
// one table per workload, warnings). Pure: returns text. Also home of the shared summary grid.

import type { Cell, ResultDocument } from '../model/types.js';
import { formatBytes } from '../model/units.js';
import { byWorkload, describeParams, SUMMARY_COLUMNS, summaryRow } from './format.js';

const ALWAYS = new Set<string>(['limit', 'runs', 'median wall', 'slowdown', 'expected']);

export interface SummaryGrid {
  head: string[];
  rows: string[][];
  cells: Cell[];
}

/**
 * The terminal table's columns for one workload, keeping only the columns that say something
 * (a CPU loop has no IO rate) so HTML, Markdown and the terminal show the same table.
 */
export function summaryGrid(doc: ResultDocument, cells: Cell[]): SummaryGrid {
  const showRuntime = new Set(doc.cells.map((c) => c.runtime)).size > 1;
  const rows = cells.map(summaryRow);
  const keep = SUMMARY_COLUMNS.map((c, i) => (c === 'runtime' ? showRuntime : ALWAYS.has(c) || rows.some((r) => r[i] !== '–')));
  return { head: SUMMARY_COLUMNS.filter((_, i) => keep[i]), rows: rows.map((r) => r.filter((_, i) => keep[i])), cells };
}

/**
 * Text from a scenario or a command, made inert: HTML is rendered by GitHub's Markdown, so `<`, `>`
 * and `&` become entities; Markdown punctuation is backslash-escaped so a name can neither break a
 * table (`|`) nor turn into emphasis, code or a link. Characters that only mean something at the
 * start of a line (`#`, `-`, `+`, `1.`) are escaped only there, so the raw text stays readable.
 */
export function escapeMarkdown(text: string, opts: { lineStart?: boolean } = {}): string {
  let out = text
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/:\/\//g, ':&#47;&#47;') // no autolinks: a summary must stay link-free
    .replace(/\bwww\./gi, 'www&#46;');
  if (opts.lineStart) out = out.replace(/^(\s*)([#+-])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
  return out;
}

function table(head: string[], rows: string[][], numeric: (h: string) => boolean): string[] {
  const out = [`| ${head.map((h) => escapeMarkdown(h)).join(' | ')} |`, `|${head.map((h) => (numeric(h) ? ' ---: ' : ' --- ')).join('|')}|`];
  for (const r of rows) out.push(`| ${r.map((c) => escapeMarkdown(c)).join(' | ')} |`);
  return out;
}

const TEXT_COLUMNS = new Set(['limit', 'runtime', 'runs']);

export function hostLine(doc: ResultDocument): string {
  const h = doc.host;
  const parts = [
    `${h.cpuModel} (${h.cpuCount} cores, ${h.arch})`,
    `${formatBytes(h.memoryBytes)} RAM`,
    `${h.distro}, kernel ${h.kernel}`,
    `cgroup ${h.cgroup.mode}${h.cgroup.mode === 'hybrid' ? ' (v1 controllers)' : ''}`,
  ];
  if (h.disk) parts.push(`disk ${h.disk.device} ${h.disk.fsType}${h.disk.model ? ` ${h.disk.model}` : ''}`);
  if (h.docker) parts.push(`Docker ${h.docker.version} (${h.docker.storageDriver}, cgroup ${h.docker.cgroupDriver} ${h.docker.cgroupVersion})`);
  parts.push(`cgbench ${h.cgbenchVersion}`);
  return parts.join(' · ');
}

export function renderMarkdown(doc: ResultDocument): string {
  const s = doc.scenario;
  const out: string[] = [];
  out.push(`## cgbench: ${escapeMarkdown(s.name)} (${doc.status})`, '');
  if (s.description) out.push(escapeMarkdown(s.description, { lineStart: true }), '');
  out.push(`**Host** ${escapeMarkdown(doc.host.hostname)}: ${escapeMarkdown(hostLine(doc))}`, '');
  out.push(
    `**Scenario** ${escapeMarkdown(s.source)} (hash ${doc.scenarioHash}): ${s.repetitions} measured run(s) + ${s.warmup} warm-up per cell, runtimes ${s.runtimes.join(', ')}, samples every ${s.sampleIntervalMs} ms, started ${doc.createdAt}${doc.finishedAt ? `, finished ${doc.finishedAt}` : ''}`,
    '',
  );
  if (doc.status !== 'complete') out.push(`> **Partial results:** the suite is ${doc.status}; only the runs that finished are included.`, '');
  for (const g of byWorkload(doc)) {
    const first = g.cells[0];
    out.push(`### ${escapeMarkdown(g.workload)}`, '');
    if (first) out.push(escapeMarkdown(describeParams(first), { lineStart: true }), '');
    const grid = summaryGrid(doc, g.cells);
    out.push(...table(grid.head, grid.rows, (h) => !TEXT_COLUMNS.has(h)), '');
  }
  if (doc.warnings.length) {
    out.push(`### Warnings (${doc.warnings.length})`, '');
    for (const w of doc.warnings) out.push(`- **${w.code}**: ${escapeMarkdown(w.message)}${w.hint ? ` *(${escapeMarkdown(w.hint)})*` : ''}`);
    out.push('');
  } else out.push('No warnings.', '');
  return out.join('\n');
}
