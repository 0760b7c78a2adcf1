// HTML reporter: one self-contained page (chart.js inlined, no network, no external fonts) with the
// host context, the scenario, per-workload tables, warnings and interactive charts. Pure apart from
// reading chart.js's bundle from node_modules once.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { limitsLabel } from '../model/limits.js';
import { cpuUsedCpus, throttleRatio, workloadBytesPerSec } from '../model/metrics.js';
import type { Cell, ResultDocument, Run, Warning } from '../model/types.js';
import { formatBytes, formatDurationNs } from '../model/units.js';
import { buildCharts, type ChartSpec, type WorkloadCharts } from './charts/index.js';
import { summaryGrid, TEXT_COLUMNS } from './columns.js';
import { byWorkload, cgroupText, describeParams } from './format.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content or a quoted attribute. Everything from a scenario or a command goes through here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}

/**
 * JSON safe inside a <script> element: `<` cannot open `</script>` or `<!--`, and the two line
 * separators JSON allows but older JS parsers reject are escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let chartJsSource: string | undefined;

/** chart.js's UMD bundle, inlined so the report opens offline and from a CI artifact. */
export function chartJsBundle(): string {
  if (chartJsSource === undefined) {
    // The package's exports map hides dist/, so resolve its entry point and look next to it.
    const entry = createRequire(import.meta.url).resolve('chart.js');
    const src = readFileSync(join(dirname(entry), 'chart.umd.js'), 'utf8');
    // Never let the bundle close our <script> element early.
    chartJsSource = src.replace(/<\/(script)/gi, '<\\/$1');
  }
  return chartJsSource;
}

const h = escapeHtml;

const CSS = `
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --accent:#0969da; --warn:#9a6700; --warn-bg:#fff8c5; --bad:#cf222e; --ok:#1a7f37; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #eef1f4; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1440px; margin: 0 auto; padding: 24px 28px 48px; }
header.top { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin-bottom: 18px; }
header.top h1 { margin: 0 0 4px; font-size: 24px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.sub { color: var(--muted); margin: 0; }
.badge { font-size: 12px; font-weight: 600; padding: 2px 9px; border-radius: 999px; border: 1px solid currentColor; text-transform: uppercase; letter-spacing: .04em; }
.badge.complete { color: var(--ok); } .badge.interrupted, .badge.running { color: var(--warn); } .badge.failed { color: var(--bad); }
nav.toc { margin-top: 12px; display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 14px; }
nav.toc a { color: var(--accent); text-decoration: none; } nav.toc a:hover { text-decoration: underline; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin-bottom: 18px; }
section.card > h2 { margin: 0 0 2px; font-size: 20px; }
h3 { font-size: 16px; margin: 22px 0 8px; }
.params { color: var(--muted); margin: 0 0 12px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.banner { background: var(--warn-bg); border: 1px solid #d4a72c; border-radius: 8px; padding: 10px 14px; margin-bottom: 18px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 8px 0 0; align-content: start; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.two-col { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 36px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; text-align: left; white-space: nowrap; border-bottom: 1px solid var(--line); }
th { white-space: normal; vertical-align: bottom; min-width: 4em; }
th { background: var(--soft); font-weight: 600; color: #24292f; position: sticky; top: 0; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: #f3f7ff; }
td.num, th.num { text-align: right; }
tr.baseline td { color: var(--muted); }
tr.flagged td:first-child::after { content: " ⚠"; color: var(--warn); }
td.bad { color: var(--bad); font-weight: 600; }
ul.findings { margin: 12px 0 0; padding-left: 20px; } ul.findings li { margin: 2px 0; }
ul.warnings { list-style: none; margin: 0; padding: 0; }
ul.warnings li { border-left: 4px solid #d4a72c; background: var(--warn-bg); padding: 8px 12px; border-radius: 0 6px 6px 0; margin: 8px 0; }
ul.warnings .code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--warn); font-weight: 600; margin-right: 8px; }
ul.warnings .hint { display: block; color: var(--muted); font-size: 14px; }
ul.warnings a { color: inherit; text-decoration: underline dotted; text-underline-offset: 3px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 18px; margin-top: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 8px; background: #fff; break-inside: avoid; }
.chart-box { position: relative; height: 360px; }
.charts.time .chart-box { height: 380px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
.note { color: var(--muted); font-style: italic; }
details { margin-top: 14px; } summary { cursor: pointer; color: var(--accent); font-weight: 600; }
pre { background: var(--soft); padding: 8px; border-radius: 6px; white-space: pre-wrap; font-size: 12px; max-width: 900px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
footer { color: var(--muted); font-size: 13px; text-align: center; margin-top: 24px; }
#chart-error { display: none; }
@media print { body { background: #fff; } section.card, header.top { border: 0; padding: 0; } .charts { grid-template-columns: 1fr; } }
`;

// Builds every chart from the embedded JSON. Kept tiny: all chart logic lives in charts.ts so the
// PNG reporter draws the same thing; here only the browser-specific options are added.
const BOOT = `
(function () {
  var err = document.getElementById('chart-error');
  if (typeof Chart === 'undefined') { err.style.display = 'block'; return; }
  var specs = JSON.parse(document.getElementById('cgbench-charts').textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#3d444d';
  Chart.defaults.borderColor = '#e3e8ee';
  specs.forEach(function (s) {
    var canvas = document.getElementById('chart-' + s.id);
    if (!canvas) return;
    s.config.options.responsive = true;
    s.config.options.maintainAspectRatio = false;
    s.config.options.plugins.title.display = false;
    if (s.legendHidden && s.legendHidden.length) {
      s.config.options.plugins.legend.labels.filter = function (item) { return s.legendHidden.indexOf(item.datasetIndex) < 0; };
    }
    new Chart(canvas, s.config);
  });
})();
`;

function formatTime(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}

function durationBetween(a: string, b: string | null): string | null {
  if (!b) return null;
  const ms = Date.parse(b) - Date.parse(a);
  return Number.isFinite(ms) && ms >= 0 ? formatDurationNs(ms * 1e6) : null;
}

function facts(rows: [string, string | undefined][]): string {
  return `<dl class="facts">${rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`)
    .join('')}</dl>`;
}

function hostSection(doc: ResultDocument): string {
  const x = doc.host;
  const left = facts([
    ['host', x.hostname],
    ['CPU', `${x.cpuModel} — ${x.cpuCount} cores (${x.arch})`],
    ['memory', formatBytes(x.memoryBytes)],
    ['distribution', x.distro],
    ['kernel', x.kernel],
    ['cgroup', `${cgroupText(doc)}, driver ${x.cgroup.driver}`],
    ['controllers', x.cgroup.controllers.join(', ')],
  ]);
  const right = facts([
    ['cgroup root', x.cgroup.root],
    [
      'scratch disk',
      x.disk ? `${x.disk.device}, ${x.disk.fsType}${x.disk.model ? `, ${x.disk.model}` : ''} (${x.disk.scratchDir})` : undefined,
    ],
    [
      'Docker',
      x.docker
        ? `${x.docker.version} — storage ${x.docker.storageDriver}, cgroup driver ${x.docker.cgroupDriver}, cgroup v${x.docker.cgroupVersion.replace(/^v/, '')}`
        : undefined,
    ],
    ['Node.js', x.node],
    ['cgbench', x.cgbenchVersion],
  ]);
  return `<section class="card" id="host"><h2>Host</h2><div class="two-col">${left}${right}</div></section>`;
}

function scenarioSection(doc: ResultDocument): string {
  const s = doc.scenario;
  const settings = facts([
    ['name', s.name],
    ['description', s.description],
    ['source', s.source],
    ['hash', doc.scenarioHash],
    ['runtimes', s.runtimes.join(', ')],
    [
      'repetitions',
      `${s.repetitions} measured + ${s.warmup} warm-up per cell${s.adaptive ? `; adaptive: more runs (up to ${s.adaptive.maxRepetitions}) until the 95 % interval is within ±${(s.adaptive.targetRel * 100).toFixed(1)} % of the mean` : ''}`,
    ],
    ['sample interval', `${s.sampleIntervalMs} ms`],
    ['time-out', formatDurationNs(s.timeoutMs * 1e6)],
    ['scratch directory', s.scratchDir],
  ]);
  const rows = byWorkload(doc)
    .map((g) => {
      const spec = s.workloads.find((w) => w.name === g.workload);
      const sets = spec
        ? spec.limitSets.map((ls) => ({ name: ls.name, limits: ls.limits }))
        : g.cells.map((c) => ({ name: c.limitSet, limits: c.limits }));
      const seen = new Set<string>();
      const limits = sets
        .filter((ls) => !seen.has(ls.name) && seen.add(ls.name))
        .map((ls) => {
          const what = limitsLabel(ls.limits);
          return what === ls.name ? h(ls.name) : `${h(ls.name)} <span class="sub">(${h(what)})</span>`;
        })
        .join('<br>');
      const first = g.cells[0];
      return `<tr><td>${h(g.workload)}</td><td><code>${first ? h(describeParams(first)) : ''}</code></td><td>${limits}</td></tr>`;
    })
    .join('');
  return `<section class="card" id="scenario"><h2>Scenario</h2>${settings}<h3>Workloads and limit sets</h3><div class="table-wrap"><table><thead><tr><th>workload</th><th>parameters</th><th>limit sets</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function warningsSection(doc: ResultDocument, anchorOf: (cellId: string | undefined) => string | null): string {
  if (!doc.warnings.length) return '';
  const items = doc.warnings
    .map((w: Warning) => {
      const anchor = anchorOf(w.cellId);
      const msg = anchor ? `<a href="#${anchor}">${h(w.message)}</a>` : h(w.message);
      return `<li><span class="code">${h(w.code)}</span>${msg}${w.hint ? `<span class="hint">${h(w.hint)}</span>` : ''}</li>`;
    })
    .join('');
  return `<section class="card" id="warnings"><h2>Warnings (${doc.warnings.length})</h2><ul class="warnings">${items}</ul></section>`;
}

function summaryTable(doc: ResultDocument, cells: Cell[], flagged: Set<string>): string {
  const grid = summaryGrid(doc, cells);
  const head = grid.head.map((c) => `<th${TEXT_COLUMNS.has(c) ? '' : ' class="num"'}>${h(c)}</th>`).join('');
  const body = grid.rows
    .map((row, i) => {
      const cell = cells[i];
      const cls = [cell && cell.baselineId === null ? 'baseline' : '', cell && flagged.has(cell.id) ? 'flagged' : '']
        .filter(Boolean)
        .join(' ');
      const tds = row
        .map((v, j) => {
          const col = grid.head[j] ?? '';
          const bad = (col === 'OOM kills' && v !== '0') || (col === 'runs' && /\(/.test(v));
          const classes = [TEXT_COLUMNS.has(col) ? '' : 'num', bad ? 'bad' : ''].filter(Boolean).join(' ');
          return `<td${classes ? ` class="${classes}"` : ''}>${h(v)}</td>`;
        })
        .join('');
      return `<tr${cls ? ` class="${cls}"` : ''}${cell ? ` title="${h(cell.id)}"` : ''}>${tds}</tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** One sentence per limited cell saying what the limit did, for readers who skip the tables. */
function findings(cells: Cell[]): string {
  const items: string[] = [];
  for (const c of cells) {
    if (c.baselineId === null) continue;
    const s = c.summary;
    const parts: string[] = [];
    if (s.outcomes['oom-killed']) parts.push(`${s.outcomes['oom-killed']} run(s) OOM-killed`);
    if (s.slowdown !== null)
      parts.push(`slowdown ${s.slowdown.toFixed(2)}×${s.expectedSlowdown !== null ? ` (model: ${s.expectedSlowdown.toFixed(2)}×)` : ''}`);
    if (s.cpuGranted !== null && s.cpuQuota !== null) parts.push(`granted ${s.cpuGranted.toFixed(2)} of ${s.cpuQuota.toFixed(2)} CPU`);
    if (s.throttleRatio !== null && s.throttleRatio > 0) parts.push(`throttled in ${(s.throttleRatio * 100).toFixed(0)} % of periods`);
    if (s.ioBytesPerSec !== null && s.ioLimitBytesPerSec !== null)
      parts.push(`${(s.ioBytesPerSec / 1e6).toFixed(1)} MB/s against a ${(s.ioLimitBytesPerSec / 1e6).toFixed(1)} MB/s throttle`);
    if (s.majorFaults !== null && s.majorFaults > 0) parts.push(`${Math.round(s.majorFaults)} major faults per run`);
    if (s.latency) parts.push(`p99 latency ${formatDurationNs(s.latency.p99Ns)}`);
    if (parts.length)
      items.push(`<li><strong>${h(c.limitSet)}</strong>${c.runtime !== 'native' ? ` (${h(c.runtime)})` : ''}: ${h(parts.join(', '))}</li>`);
  }
  return items.length ? `<ul class="findings">${items.join('')}</ul>` : '';
}

function num(v: number | undefined | null, f: (x: number) => string): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '–' : f(v);
}

function runsTable(cells: Cell[]): string {
  const rows: string[] = [];
  let extra = '';
  for (const c of cells) {
    let measured = 0;
    for (const r of c.runs as Run[]) {
      const no = r.warmup ? 'warm-up' : String(++measured);
      const wall = r.metrics?.wallNs;
      const msg = r.outcome === 'ok' ? '' : r.message;
      rows.push(
        `<tr${r.warmup ? ' class="baseline"' : ''}><td>${h(c.limitSet)}</td><td>${h(c.runtime)}</td><td class="num">${no}</td><td${r.outcome === 'ok' ? '' : ' class="bad"'}>${h(r.outcome)}</td>` +
          `<td class="num">${num(wall, formatDurationNs)}</td><td class="num">${num(r.harnessWallNs, formatDurationNs)}</td>` +
          `<td class="num">${num(cpuUsedCpus(r), (x) => x.toFixed(3))}</td><td class="num">${num(throttleRatio(r), (x) => x.toFixed(2))}</td>` +
          `<td class="num">${num(r.after?.memory?.peakBytes, formatBytes)}</td><td class="num">${num(workloadBytesPerSec(r), (x) => (x / 1e6).toFixed(1))}</td>` +
          `<td class="num">${r.samples ? r.samples.taken : 0}</td><td>${h(msg)}</td></tr>`,
      );
      if (r.stderrTail) extra += `<p><strong>${h(c.id)}</strong> run ${no} stderr:</p><pre>${h(r.stderrTail)}</pre>`;
    }
  }
  const count = cells.reduce((n, c) => n + c.runs.length, 0);
  return `<details><summary>All ${count} runs</summary><div class="table-wrap" style="margin-top:8px"><table><thead><tr><th>limit</th><th>runtime</th><th class="num">run</th><th>outcome</th><th class="num">workload wall</th><th class="num">harness wall</th><th class="num">CPUs used</th><th class="num">throttle ratio</th><th class="num">peak memory</th><th class="num">MB/s</th><th class="num">samples</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${extra}</details>`;
}

function figure(spec: ChartSpec): string {
  return `<figure><div class="chart-box"><canvas id="chart-${spec.id}" role="img" aria-label="${h(spec.config.options?.plugins?.title?.text?.toString() ?? spec.title)}"></canvas></div><figcaption><strong>${h(spec.title)}.</strong> ${h(spec.caption)}</figcaption></figure>`;
}

function workloadSection(doc: ResultDocument, cells: Cell[], charts: WorkloadCharts, flagged: Set<string>): string {
  const first = cells[0];
  const parts = [`<section class="card workload" id="w${charts.index}"><h2>${h(charts.workload)}</h2>`];
  if (first) parts.push(`<p class="params">${h(describeParams(first))}</p>`);
  parts.push(summaryTable(doc, cells, flagged), findings(cells));
  if (charts.summary.length) parts.push(`<div class="charts">${charts.summary.map(figure).join('')}</div>`);
  parts.push('<h3>Over time</h3>');
  if (charts.timeSeries.length) parts.push(`<div class="charts time">${charts.timeSeries.map(figure).join('')}</div>`);
  else parts.push(`<p class="note">${h(charts.timeSeriesNote ?? 'No time series.')}</p>`);
  parts.push(runsTable(cells), '</section>');
  return parts.join('');
}

export function renderHtml(doc: ResultDocument): string {
  const groups = byWorkload(doc);
  const charts = buildCharts(doc);
  const specs = charts.flatMap((c) => [...c.summary, ...c.timeSeries]);
  const sectionOf = new Map<string, string>();
  groups.forEach((g, i) => g.cells.forEach((c) => sectionOf.set(c.id, `w${i}`)));
  const flagged = new Set(doc.warnings.map((w) => w.cellId).filter((x): x is string => x !== undefined));
  const s = doc.scenario;
  const took = durationBetween(doc.createdAt, doc.finishedAt);
  const toc = [
    doc.warnings.length ? `<a href="#warnings">Warnings (${doc.warnings.length})</a>` : '',
    ...groups.map((g, i) => `<a href="#w${i}">${h(g.workload)}</a>`),
    '<a href="#host">Host</a>',
    '<a href="#scenario">Scenario</a>',
  ].filter(Boolean);
  const banner =
    doc.status === 'complete'
      ? ''
      : `<div class="banner"><strong>Partial results.</strong> The suite is <strong>${h(doc.status)}</strong>: only the runs that finished before it stopped are shown.</div>`;
  const body = [
    `<header class="top"><h1>${h(s.name)} <span class="badge ${h(doc.status)}">${h(doc.status)}</span></h1>`,
    `<p class="sub">cgbench ${h(doc.tool.version)} on <strong>${h(doc.host.hostname)}</strong> · started ${h(formatTime(doc.createdAt))}${took ? ` · took ${h(took)}` : ''} · ${doc.cells.length} cells, ${doc.cells.reduce((n, c) => n + c.runs.length, 0)} runs · cgroup ${h(doc.host.cgroup.mode)} · ${h(doc.host.kernel)}</p>`,
    s.description ? `<p>${h(s.description)}</p>` : '',
    `<nav class="toc">${toc.join('')}</nav></header>`,
    `<div class="banner" id="chart-error">Charts could not be drawn: the inlined chart.js did not load.</div>`,
    banner,
    warningsSection(doc, (id) => (id === undefined ? null : (sectionOf.get(id) ?? null))),
    ...groups.map((g, i) => workloadSection(doc, g.cells, charts[i] as WorkloadCharts, flagged)),
    hostSection(doc),
    scenarioSection(doc),
    `<footer>Generated by cgbench ${h(doc.tool.version)} from a schema v${doc.schemaVersion} result document. Self-contained: works offline.</footer>`,
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cgbench ${h(doc.tool.version)}">
<title>${h(s.name)} — cgbench report (${h(doc.host.hostname)})</title>
<style>${CSS}</style>
</head>
<body>
<div class="page">
${body}
</div>
<script>${chartJsBundle()}</script>
<script type="application/json" id="cgbench-charts">${jsonForScript(specs)}</script>
<script>${BOOT}</script>
</body>
</html>
`;
}
