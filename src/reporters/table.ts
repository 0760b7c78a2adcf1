// Terminal reporter: one borderless table per workload, sized to the terminal (at most 100 columns by
// default, narrower when the terminal is; --wide shows every column), then the warnings, one line per
// kind. Pure: returns text.

import type { HostInfo, ResultDocument } from '../model/types.js';
import { fitGrid, GAP, type Grid, summaryGrid, TEXT_COLUMNS, textWidth, truncate } from './columns.js';
import { byWorkload, cgroupText, describeParams, hostNoiseText } from './format.js';
import { hasProtection, PROTECTION_TEXT_COLUMNS, protectionGrid, protectionNotes } from './protection.js';
import { PLAIN, type Style } from './style.js';
import { groupWarnings, itemsText } from './warnings.js';

/** What the default table fits in, whatever the terminal: wider tables are for --wide. */
export const DEFAULT_TABLE_WIDTH = 100;

export interface TableOptions {
  /** Every column that means something for the workload, however wide. */
  wide?: boolean;
  /** The terminal's width; the default table fits min(this, 100). */
  width?: number;
  /** Colour (app/color.ts decides); plain by default. */
  style?: Style;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(text)));
  return right ? fill + text : text + fill;
}

/** A borderless table: the header, a rule under each column, the rows; numbers right-aligned. */
export function gridLines(grid: Grid, isText: (head: string) => boolean = (h) => TEXT_COLUMNS.has(h)): string[] {
  const w = grid.head.map((h, i) => Math.max(textWidth(h), ...grid.rows.map((r) => textWidth(r[i] ?? ''))));
  const line = (cells: string[], header = false): string =>
    cells
      .map((c, i) => pad(c, w[i] ?? 0, !header && !isText(grid.head[i] ?? '')))
      .join(' '.repeat(GAP))
      .trimEnd();
  return [line(grid.head, true), w.map((n) => '─'.repeat(n)).join(' '.repeat(GAP)), ...grid.rows.map((r) => line(r))];
}

/** The width a table gets: unbounded with --wide, else min(terminal, 100), at least 40. */
export function tableWidth(opts: TableOptions): number {
  return opts.wide ? Number.POSITIVE_INFINITY : Math.max(40, Math.min(DEFAULT_TABLE_WIDTH, opts.width ?? DEFAULT_TABLE_WIDTH));
}

/** "(not shown, to fit 80 columns: a, b; --wide shows them)", wrapped. */
export function hiddenNote(hidden: string[], width: number): string[] {
  return hidden.length ? wrap(`(not shown, to fit ${width} columns: ${hidden.join(', ')}; --wide shows them)`, width, 1) : [];
}

/** Words wrapped to `width`, continuation lines indented by `indent` spaces. */
export function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next) > width) {
      lines.push(line);
      line = `${' '.repeat(indent)}${word}`;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

const machine = (h: HostInfo): string => `${h.kernel}, cgroup ${cgroupText(h)}, ${h.cpuCount} CPU ${h.cpuModel}`;

/** "cgbench 0.1.0 — quick on vm: kernel, cgroup, CPU", or a merged document's hosts one per line. */
function headerLines(doc: ResultDocument): string[] {
  const title = `cgbench ${doc.tool.version} — ${doc.scenario.name} on`;
  const noise = hostNoiseText(doc);
  if (!doc.hosts) return [`${title} ${doc.host.hostname}: ${machine(doc.host)}`, ...(noise ? [`host noise: ${noise}`] : [])];
  return [
    `${title} ${doc.hosts.length} hosts`,
    ...doc.hosts.map((e) => `  ${e.name}: ${e.name === e.host.hostname ? '' : `${e.host.hostname}, `}${machine(e.host)}`),
  ];
}

/** `text` wrapped to `width`, its first line indented by `first` spaces and the rest by `rest`. */
function indented(text: string, width: number, first: number, rest: number): string[] {
  return wrap(`${'.'.repeat(first)}${text}`, width, rest).map((l, i) => (i === 0 ? ' '.repeat(first) + l.slice(first) : l));
}

export function renderTable(doc: ResultDocument, opts: TableOptions = {}): string {
  const width = tableWidth(opts);
  const fit = (text: string): string => (Number.isFinite(width) ? truncate(text, width) : text);
  const st = opts.style ?? PLAIN;
  const parts: string[] = headerLines(doc).map((l, i) => (i === 0 ? st.bold(fit(l)) : fit(l)));
  if (doc.status !== 'complete') parts.push(st.warn(`partial results: the suite is ${doc.status}`));
  for (const group of byWorkload(doc)) {
    const first = group.cells[0];
    parts.push('');
    parts.push(st.bold(fit(`${group.workload} — ${first ? describeParams(first) : ''}`)));
    const full = summaryGrid(doc, group.cells, opts.wide ? 'wide' : 'default');
    const grid = Number.isFinite(width) ? fitGrid(full, width) : full;
    parts.push(...gridLines(grid));
    if (grid.hidden.length)
      parts.push(...wrap(`(not shown, to fit ${width} columns: ${grid.hidden.join(', ')}; --wide shows them)`, width, 1));
    if (hasProtection(group.cells)) {
      parts.push('', st.bold(fit(`${group.workload} — protection: what each neighbour set took from it`)));
      const view = protectionGrid(doc, group.cells);
      // The verdict and the neighbours' figures go last and are the widest: they wrap under the table.
      const words = view.head.length - 2;
      const narrow = { ...view, head: view.head.slice(0, words), rows: view.rows.map((r) => r.slice(0, words)) };
      parts.push(...gridLines(narrow, (h) => PROTECTION_TEXT_COLUMNS.has(h)));
      const wrapAt = Number.isFinite(width) ? width : 140;
      view.rows.forEach((r) => {
        const [verdict, figures] = [r[words], r[words + 1]];
        if (verdict && verdict !== '–') parts.push(...indented(`${r[1] ?? ''}: ${verdict}`, wrapAt, 2, 6));
        if (figures && figures !== '–') parts.push(...indented(`neighbours: ${figures}`, wrapAt, 6, 8));
      });
      for (const n of protectionNotes(group.cells)) parts.push(...wrap(`  (${n})`, wrapAt, 3));
    }
  }
  const groups = groupWarnings(doc);
  if (groups.length) {
    parts.push('');
    parts.push(st.warn(st.bold('Warnings:')));
    const wrapAt = Number.isFinite(width) ? width : 140;
    for (const g of groups) {
      const cells = g.items.length ? `: ${itemsText(g)}` : '';
      // Coloured after wrapping: the mark, not the words, so a wrapped line measures true.
      const lines = wrap(`! ${g.title}${cells}${g.hint ? ` — ${g.hint}` : ''}`, wrapAt, 4);
      parts.push(...lines.map((l, i) => (i === 0 ? `${st.warn('!')}${l.slice(1)}` : l)));
    }
  }
  return parts.join('\n');
}
