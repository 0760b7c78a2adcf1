// Terminal reporter: one cli-table3 table per workload, then the warnings. Pure: returns text.

import Table from 'cli-table3';
import type { ResultDocument } from '../model/types.js';
import { byWorkload, describeParams, SUMMARY_COLUMNS, summaryRow } from './format.js';

const ALWAYS = new Set<string>(['limit', 'runs', 'median wall', 'slowdown', 'expected']);

export function renderTable(doc: ResultDocument): string {
  const parts: string[] = [];
  const h = doc.host;
  parts.push(`cgbench ${doc.tool.version} — ${doc.scenario.name} on ${h.hostname}: ${h.kernel}, cgroup ${h.cgroup.mode}${h.cgroup.mode === 'hybrid' ? ' (v1 controllers)' : ''}, ${h.cpuCount} CPU ${h.cpuModel}`);
  const showRuntime = new Set(doc.cells.map((c) => c.runtime)).size > 1;
  for (const group of byWorkload(doc)) {
    const first = group.cells[0];
    parts.push('');
    parts.push(`${group.workload} — ${first ? describeParams(first) : ''}`);
    const rows = group.cells.map(summaryRow);
    // Show a column only where it says something for this workload (a CPU loop has no IO rate).
    const keep = SUMMARY_COLUMNS.map((c, i) => (c === 'runtime' ? showRuntime : ALWAYS.has(c) || rows.some((r) => r[i] !== '–')));
    const table = new Table({ head: SUMMARY_COLUMNS.filter((_, i) => keep[i]), style: { head: [], border: [], compact: true } });
    for (const row of rows) table.push(row.filter((_, i) => keep[i]));
    parts.push(table.toString());
  }
  if (doc.warnings.length) {
    parts.push('');
    parts.push('Warnings:');
    for (const w of doc.warnings) parts.push(`  ! ${w.message}${w.hint ? ` — ${w.hint}` : ''}`);
  }
  return parts.join('\n');
}
