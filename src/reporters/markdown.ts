// Markdown reporter: a link-free summary for a CI job summary or a review comment (host line,
// one table per workload with every column that means something for it, warnings one line per kind).
// Pure: returns text. Also home of Markdown escaping.

import type { FitReport, ResultDocument } from '../model/types.js';
import { answerLines, fitGrid, runsLine, settingsLine } from './fit.js';
import { hasProtection, PROTECTION_TEXT_COLUMNS, protectionGrid, protectionNotes } from './protection.js';
import { summaryGrid, TEXT_COLUMNS } from './columns.js';
import { byWorkload, describeParams, hostLine, hostNoiseText, orderText, samplingText, warmupText } from './format.js';
import { groupWarnings, itemsText } from './warnings.js';

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

/**
 * A Markdown table: `numeric` columns right-aligned; `cell` renders a cell's text (escaped by default;
 * a caller that adds emphasis escapes the text itself).
 */
export function markdownTable(
  head: readonly string[],
  rows: readonly string[][],
  numeric: (h: string, j: number) => boolean,
  cell: (text: string, j: number) => string = (text) => escapeMarkdown(text),
): string[] {
  const out = [
    `| ${head.map((h) => escapeMarkdown(h)).join(' | ')} |`,
    `|${head.map((h, j) => (numeric(h, j) ? ' ---: ' : ' --- ')).join('|')}|`,
  ];
  for (const r of rows) out.push(`| ${r.map(cell).join(' | ')} |`);
  return out;
}

/** One host's line, or a merged document's list of hosts (its name, hostname, context and run). */
function hostLines(doc: ResultDocument): string[] {
  if (!doc.hosts) return [`**Host** ${escapeMarkdown(doc.host.hostname)}: ${escapeMarkdown(hostLine(doc.host))}`];
  const own = (hash: string): string => (hash === doc.scenarioHash ? '' : `, scenario hash ${hash}`);
  return [
    `**Hosts** (${doc.hosts.length}):`,
    '',
    ...doc.hosts.map(
      (e) =>
        `- **${escapeMarkdown(e.name)}**${e.name === e.host.hostname ? '' : ` ${escapeMarkdown(e.host.hostname)}`}: ` +
        `${escapeMarkdown(hostLine(e.host))} ` +
        `(${escapeMarkdown(`${e.status}, started ${e.createdAt}${own(e.scenarioHash)}`)})`,
    ),
  ];
}

/** A fit's answer, probes, where the response went the wrong way, the alternatives and the settings to paste. */
function fitMarkdown(fit: FitReport): string[] {
  const out = ['### Fit', '', escapeMarkdown(settingsLine(fit), { lineStart: true }), ''];
  const [first, ...rest] = answerLines(fit);
  if (first) out.push(`**${escapeMarkdown(first)}**`, '');
  for (const l of rest) out.push(`- ${escapeMarkdown(l.trim())}`);
  if (rest.length) out.push('');
  const grid = fitGrid(fit);
  const numeric = new Set(['runs', ...fit.settings.slos.map((x) => x.text)]);
  out.push(...markdownTable(grid.head, grid.rows, (h) => numeric.has(h)), '');
  if (fit.inversions.length) {
    out.push('**Not monotone**: more of the knob did not always help, so the bisection may have missed a value that holds or fails:', '');
    for (const inv of fit.inversions) out.push(`- ${escapeMarkdown(inv.what)}`);
    out.push('');
  }
  if (fit.alternatives.length) {
    out.push('**Alternatives at the answer**', '');
    for (const a of fit.alternatives)
      out.push(
        `- ${escapeMarkdown(a.label)}: **${a.verdict}**: ${escapeMarkdown(a.reason)}${a.paste ? ` (${escapeMarkdown(a.paste)})` : ''}`,
      );
    out.push('');
  }
  const p = fit.paste;
  if (p) {
    out.push('**Settings to paste**', '', '```sh', ...[p.docker, p.systemd].filter(Boolean), '```');
    if (p.kubernetes) out.push('', '```yaml', p.kubernetes, '```');
    for (const n of p.notes) out.push('', `*${escapeMarkdown(n)}*`);
    out.push('');
  }
  out.push(`*${runsLine(fit)}*`, '');
  return out;
}

export function renderMarkdown(doc: ResultDocument): string {
  const s = doc.scenario;
  const out: string[] = [];
  out.push(`## cgbench: ${escapeMarkdown(s.name)} (${doc.status})`, '');
  if (s.description) out.push(escapeMarkdown(s.description, { lineStart: true }), '');
  out.push(...hostLines(doc), '');
  const settings = [
    `${s.repetitions} measured run(s) + ${warmupText(s)}`,
    `runtimes ${s.runtimes.join(', ')}`,
    `run order ${orderText(doc)}`,
    `sampling ${samplingText(doc)}`,
    ...(hostNoiseText(doc) ? [`host noise: ${hostNoiseText(doc)}`] : []),
    `started ${doc.createdAt}${doc.finishedAt ? `, finished ${doc.finishedAt}` : ''}`,
  ];
  out.push(`**Scenario** ${escapeMarkdown(s.source)} (hash ${doc.scenarioHash}): ${settings.join(', ')}`, '');
  if (doc.status !== 'complete')
    out.push(`> **Partial results:** the suite is ${doc.status}; only the runs that finished are included.`, '');
  if (doc.fit) out.push(...fitMarkdown(doc.fit));
  for (const g of byWorkload(doc)) {
    const first = g.cells[0];
    out.push(`### ${escapeMarkdown(g.workload)}`, '');
    if (first) out.push(escapeMarkdown(describeParams(first), { lineStart: true }), '');
    const grid = summaryGrid(doc, g.cells);
    out.push(...markdownTable(grid.head, grid.rows, (h) => !TEXT_COLUMNS.has(h)), '');
    if (hasProtection(g.cells)) {
      out.push(`#### ${escapeMarkdown(g.workload)}: protection`, '');
      const view = protectionGrid(doc, g.cells);
      out.push(...markdownTable(view.head, view.rows, (h) => !PROTECTION_TEXT_COLUMNS.has(h)), '');
      for (const n of protectionNotes(g.cells)) out.push(`*${escapeMarkdown(n)}*`, '');
    }
  }
  const groups = groupWarnings(doc);
  if (groups.length) {
    out.push(`### Warnings (${groups.length})`, '');
    for (const g of groups) {
      const cells = g.items.length ? `: ${escapeMarkdown(itemsText(g))}` : '';
      out.push(`- **${escapeMarkdown(g.title)}**${cells}${g.hint ? ` *(${escapeMarkdown(g.hint)})*` : ''}`);
    }
    out.push('');
  } else out.push('No warnings.', '');
  return out.join('\n');
}
