// Terminal reporter: one cli-table3 table per workload, then the warnings. Pure: returns text.

import Table from 'cli-table3';
import type { ResultDocument } from '../model/types.js';
import { summaryGrid } from './columns.js';
import { byWorkload, cgroupText, describeParams } from './format.js';

export function renderTable(doc: ResultDocument): string {
  const parts: string[] = [];
  const h = doc.host;
  const machine = `${h.kernel}, cgroup ${cgroupText(doc)}, ${h.cpuCount} CPU ${h.cpuModel}`;
  parts.push(`cgbench ${doc.tool.version} — ${doc.scenario.name} on ${h.hostname}: ${machine}`);
  for (const group of byWorkload(doc)) {
    const first = group.cells[0];
    parts.push('');
    parts.push(`${group.workload} — ${first ? describeParams(first) : ''}`);
    const grid = summaryGrid(doc, group.cells);
    const table = new Table({ head: grid.head, style: { head: [], border: [], compact: true } });
    for (const row of grid.rows) table.push(row);
    parts.push(table.toString());
  }
  if (doc.warnings.length) {
    parts.push('');
    parts.push('Warnings:');
    for (const w of doc.warnings) parts.push(`  ! ${w.message}${w.hint ? ` — ${w.hint}` : ''}`);
  }
  return parts.join('\n');
}
