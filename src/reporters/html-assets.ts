// What the HTML report carries besides its content: the stylesheet, chart.js's bundle (inlined so the
// page opens offline and from a CI artifact) and the small script that draws the charts.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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

export const CSS = `
:root {
  --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --accent:#0969da;
  --warn:#9a6700; --warn-bg:#fff8c5; --bad:#cf222e; --ok:#1a7f37;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: #eef1f4;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 1440px; margin: 0 auto; padding: 24px 28px 48px; }
header.top { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin-bottom: 18px; }
header.top h1 { margin: 0 0 4px; font-size: 24px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.sub { color: var(--muted); margin: 0; }
.badge {
  font-size: 12px; font-weight: 600; padding: 2px 9px; border-radius: 999px; border: 1px solid currentColor;
  text-transform: uppercase; letter-spacing: .04em;
}
.badge.complete { color: var(--ok); } .badge.interrupted, .badge.running { color: var(--warn); }
.badge.failed, .badge.unfinished { color: var(--bad); }
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
td.prose { white-space: normal; min-width: 16em; max-width: 40em; }
tr.baseline td { color: var(--muted); }
tr.flagged td:first-child::after { content: " ⚠"; color: var(--warn); }
td.bad { color: var(--bad); font-weight: 600; }
ul.findings { margin: 12px 0 0; padding-left: 20px; } ul.findings li { margin: 2px 0; }
ul.warnings { list-style: none; margin: 0; padding: 0; }
ul.warnings li { border-left: 4px solid #d4a72c; background: var(--warn-bg); padding: 8px 12px; border-radius: 0 6px 6px 0; margin: 8px 0; }
ul.warnings .code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--warn);
  font-weight: 600; margin-right: 8px;
}
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
export const BOOT = `
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
