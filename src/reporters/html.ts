// HTML reporter: one self-contained page (chart.js inlined, no network, no external fonts) with the
// host context, the scenario, per-workload tables, warnings and interactive charts. Pure apart from
// reading chart.js's bundle from node_modules once (html-assets.ts).

import { hostEngines } from '../model/engines.js';
import { hostNames, isMultiHost } from '../model/hosts.js';
import { limitsLabel } from '../model/limits.js';
import { cpuUsedCpus, throttleRatio, workloadBytesPerSec } from '../model/metrics.js';
import { slowdownMeans } from '../model/params.js';
import type { Cell, HostInfo, ResultDocument } from '../model/types.js';
import { formatBytes, formatDurationNs } from '../model/units.js';
import { buildCharts, type ChartSpec, type WorkloadCharts } from './charts/index.js';
import { summaryGrid, TEXT_COLUMNS } from './columns.js';
import { hasProtection, PROTECTION_PROSE_COLUMNS, PROTECTION_TEXT_COLUMNS, protectionGrid, protectionNotes } from './protection.js';
import { byWorkload, cgroupText, describeParams, hostNoiseText, orderText, samplingText, warmupText } from './format.js';
import { answerLines, fitGrid, runsLine, settingsLine } from './fit.js';
import { groupWarnings } from './warnings.js';
import { BOOT, chartJsBundle, CSS } from './html-assets.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content or a quoted attribute. Everything from a scenario or a command goes through here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}

const h = escapeHtml;

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

export function facts(rows: [string, string | undefined][]): string {
  return `<dl class="facts">${rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`)
    .join('')}</dl>`;
}

/** A host's facts in two columns. */
function hostFacts(x: HostInfo): string {
  const left = facts([
    ['host', x.hostname],
    ['CPU', `${x.cpuModel} — ${x.cpuCount} cores (${x.arch})`],
    ['memory', formatBytes(x.memoryBytes)],
    ['distribution', x.distro],
    ['kernel', x.kernel],
    ['cgroup', `${cgroupText(x)}, driver ${x.cgroup.driver}`],
    ['controllers', x.cgroup.controllers.join(', ')],
  ]);
  const right = facts([
    ['cgroup root', x.cgroup.root],
    [
      'scratch disk',
      x.disk ? `${x.disk.device}, ${x.disk.fsType}${x.disk.model ? `, ${x.disk.model}` : ''} (${x.disk.scratchDir})` : undefined,
    ],
    ...hostEngines(x).map((e): [string, string] => [
      e.name,
      `${e.version} — storage ${e.storageDriver}, cgroup driver ${e.cgroupDriver}, cgroup v${e.cgroupVersion.replace(/^v/, '')}`,
    ]),
    ['Node.js', x.node],
    ['cgbench', x.cgbenchVersion],
  ]);
  return `<div class="two-col">${left}${right}</div>`;
}

/** The host, or a merged document's hosts: each under its name, with its own suite run's facts. */
function hostSection(doc: ResultDocument): string {
  if (!doc.hosts) return `<section class="card" id="host"><h2>Host</h2>${hostFacts(doc.host)}</section>`;
  const hosts = doc.hosts.map((e) => {
    const run = facts([
      ['suite', `${e.status}, started ${formatTime(e.createdAt)}`],
      ['scenario hash', e.scenarioHash === doc.scenarioHash ? undefined : e.scenarioHash],
    ]);
    return `<h3>${h(e.name)}</h3>${run}${hostFacts(e.host)}`;
  });
  return `<section class="card" id="host"><h2>Hosts (${doc.hosts.length})</h2>${hosts.join('')}</section>`;
}

/** A table: header cells (`num` ones right-aligned) and rows already rendered as <tr> elements. */
export function table(head: { text: string; num?: boolean }[], rows: string[]): string {
  const ths = head.map((c) => `<th${c.num ? ' class="num"' : ''}>${h(c.text)}</th>`).join('');
  return `<div class="table-wrap"><table><thead><tr>${ths}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function scenarioSection(doc: ResultDocument): string {
  const s = doc.scenario;
  const adaptive = s.adaptive
    ? `; adaptive: more runs (up to ${s.adaptive.maxRepetitions}) until the median's 95 % interval is within ` +
      `±${(s.adaptive.targetRel * 100).toFixed(1)} %` +
      (s.adaptive.budgetMs !== undefined ? `, while a cell's runs take under ${formatDurationNs(s.adaptive.budgetMs * 1e6)}` : '')
    : '';
  const settings = facts([
    ['name', s.name],
    ['description', s.description],
    ['source', s.source],
    ['hash', doc.scenarioHash],
    ['runtimes', s.runtimes.join(', ')],
    ['repetitions', `${s.repetitions} measured + ${warmupText(s)}${adaptive}`],
    ['run order', orderText(doc)],
    ['sampling', samplingText(doc)],
    ['host noise', hostNoiseText(doc) ?? undefined],
    ['time-out', formatDurationNs(s.timeoutMs * 1e6)],
    ['scratch directory', s.scratchDir],
  ]);
  const rows = byWorkload(doc).map((g) => {
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
  });
  const workloads = table([{ text: 'workload' }, { text: 'parameters' }, { text: 'limit sets' }], rows);
  return `<section class="card" id="scenario"><h2>Scenario</h2>${settings}<h3>Workloads and limit sets</h3>${workloads}</section>`;
}

function warningsSection(doc: ResultDocument, anchorOf: (cellId: string | undefined) => string | null): string {
  const groups = groupWarnings(doc);
  if (!groups.length) return '';
  const items = groups
    .map((g) => {
      const cells = g.items
        .map((i) => {
          const anchor = anchorOf(i.cellId);
          const text = h(i.detail ? `${i.label} (${i.detail})` : i.label);
          // The full sentence stays one hover away.
          return anchor ? `<a href="#${anchor}" title="${h(i.message)}">${text}</a>` : `<span title="${h(i.message)}">${text}</span>`;
        })
        .join('; ');
      const hint = g.hint ? `<span class="hint">${h(g.hint)}</span>` : '';
      return `<li><span class="code">${h(g.code)}</span>${h(g.title)}${cells ? `: ${cells}` : ''}${hint}</li>`;
    })
    .join('');
  return `<section class="card" id="warnings"><h2>Warnings (${groups.length})</h2><ul class="warnings">${items}</ul></section>`;
}

function summaryTable(doc: ResultDocument, cells: Cell[], flagged: Set<string>): string {
  const grid = summaryGrid(doc, cells);
  const body = grid.rows.map((row, i) => {
    const cell = cells[i];
    const cls = [cell && cell.baselineId === null ? 'baseline' : '', cell && flagged.has(cell.id) ? 'flagged' : '']
      .filter(Boolean)
      .join(' ');
    const tds = row
      .map((v, j) => {
        const col = grid.head[j] ?? '';
        const bad = col === 'runs' && v.endsWith(' !');
        const classes = [TEXT_COLUMNS.has(col) ? '' : 'num', bad ? 'bad' : ''].filter(Boolean).join(' ');
        return `<td${classes ? ` class="${classes}"` : ''}>${h(v)}</td>`;
      })
      .join('');
    return `<tr${cls ? ` class="${cls}"` : ''}${cell ? ` title="${h(cell.id)}"` : ''}>${tds}</tr>`;
  });
  return table(
    grid.head.map((text) => ({ text, num: !TEXT_COLUMNS.has(text) })),
    body,
  );
}

const mbps = (bps: number): string => (bps / 1e6).toFixed(1);

/** "(docker)", "(bench-02)", "(docker, bench-02)": where a finding's cell ran, when that is not the default. */
function whereText(c: Cell): string {
  const where = [c.runtime !== 'native' ? c.runtime : '', c.host ?? ''].filter(Boolean).join(', ');
  return where ? ` (${h(where)})` : '';
}

/** One sentence per limited cell saying what the limit did, for readers who skip the tables. */
function findings(cells: Cell[]): string {
  const items: string[] = [];
  for (const c of cells) {
    if (c.baselineId === null) continue;
    const s = c.summary;
    const parts: string[] = [];
    if (s.outcomes['oom-killed']) parts.push(`${s.outcomes['oom-killed']} run(s) OOM-killed`);
    if (s.slowdown !== null && slowdownMeans(c))
      parts.push(`slowdown ${s.slowdown.toFixed(2)}×${s.expectedSlowdown !== null ? ` (model: ${s.expectedSlowdown.toFixed(2)}×)` : ''}`);
    if (s.cpuGranted !== null && s.cpuQuota !== null) parts.push(`granted ${s.cpuGranted.toFixed(2)} of ${s.cpuQuota.toFixed(2)} CPU`);
    if (s.throttleRatio !== null && s.throttleRatio > 0) parts.push(`throttled in ${(s.throttleRatio * 100).toFixed(0)} % of periods`);
    if (s.ioBytesPerSec !== null && s.ioLimitBytesPerSec !== null) {
      const model = s.ioExpectedBytesPerSec ? ` (its model: ${mbps(s.ioExpectedBytesPerSec[0])}–${mbps(s.ioExpectedBytesPerSec[1])})` : '';
      parts.push(`${mbps(s.ioBytesPerSec)} MB/s against a ${mbps(s.ioLimitBytesPerSec)} MB/s throttle${model}`);
    }
    if (s.majorFaults !== null && s.majorFaults > 0) parts.push(`${Math.round(s.majorFaults)} major faults per run`);
    if (s.latency) {
      const ratio = s.latency.p99Ratio !== undefined ? ` (${s.latency.p99Ratio.toFixed(2)}× the baseline's)` : '';
      parts.push(`p99 latency ${formatDurationNs(s.latency.p99Ns)}${ratio}`);
    }
    const next = c.neighbourSet ? ` next to ${c.neighbourSet.name}` : '';
    if (parts.length) items.push(`<li><strong>${h(c.limitSet + next)}</strong>${whereText(c)}: ${h(parts.join(', '))}</li>`);
  }
  return items.length ? `<ul class="findings">${items.join('')}</ul>` : '';
}

function num(v: number | undefined | null, f: (x: number) => string): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '–' : f(v);
}

function runsTable(cells: Cell[], multiHost: boolean): string {
  const rows: string[] = [];
  let extra = '';
  for (const c of cells) {
    let measured = 0;
    for (const r of c.runs) {
      const no = r.warmup ? 'warm-up' : String(++measured);
      const wall = r.metrics?.wallNs;
      const msg = r.outcome === 'ok' ? '' : r.message;
      const nums = [
        no,
        num(wall, formatDurationNs),
        num(r.harnessWallNs, formatDurationNs),
        num(cpuUsedCpus(r), (x) => x.toFixed(3)),
        num(throttleRatio(r), (x) => x.toFixed(2)),
        num(r.after?.memory?.peakBytes, formatBytes),
        num(workloadBytesPerSec(r), (x) => (x / 1e6).toFixed(1)),
        String(r.samples ? r.samples.taken : 0),
      ].map((v) => `<td class="num">${v}</td>`);
      const outcome = `<td${r.outcome === 'ok' ? '' : ' class="bad"'}>${h(r.outcome)}</td>`;
      const [runNo, ...figures] = nums;
      const where = [`<td>${h(c.limitSet)}</td>`, ...(multiHost ? [`<td>${h(c.host ?? '')}</td>`] : []), `<td>${h(c.runtime)}</td>`];
      const cells = [...where, runNo, outcome, ...figures, `<td>${h(msg)}</td>`];
      rows.push(`<tr${r.warmup ? ' class="baseline"' : ''}>${cells.join('')}</tr>`);
      if (r.stderrTail) extra += `<p><strong>${h(c.id)}</strong> run ${no} stderr:</p><pre>${h(r.stderrTail)}</pre>`;
    }
  }
  const count = cells.reduce((n, c) => n + c.runs.length, 0);
  const numbers = ['workload wall', 'harness wall', 'CPUs used', 'throttle ratio', 'peak memory', 'MB/s', 'samples'];
  const head = [
    { text: 'limit' },
    ...(multiHost ? [{ text: 'host' }] : []),
    { text: 'runtime' },
    { text: 'run', num: true },
    { text: 'outcome' },
  ];
  head.push(...numbers.map((text) => ({ text, num: true })), { text: 'message' });
  return `<details><summary>All ${count} runs</summary>${table(head, rows)}${extra}</details>`;
}

export function figure(spec: ChartSpec): string {
  const label = h(spec.config.options?.plugins?.title?.text?.toString() ?? spec.title);
  const canvas = `<canvas id="chart-${spec.id}" role="img" aria-label="${label}"></canvas>`;
  const caption = `<figcaption><strong>${h(spec.title)}.</strong> ${h(spec.caption)}</figcaption>`;
  return `<figure><div class="chart-box">${canvas}</div>${caption}</figure>`;
}

function workloadSection(doc: ResultDocument, cells: Cell[], charts: WorkloadCharts, flagged: Set<string>): string {
  const first = cells[0];
  const parts = [`<section class="card workload" id="w${charts.index}"><h2>${h(charts.workload)}</h2>`];
  if (first) parts.push(`<p class="params">${h(describeParams(first))}</p>`);
  parts.push(summaryTable(doc, cells, flagged), findings(cells));
  if (hasProtection(cells)) {
    const view = protectionGrid(doc, cells);
    parts.push('<h3>Protection: what each neighbour set took</h3>');
    parts.push(
      table(
        view.head.map((text) => ({ text, num: !PROTECTION_TEXT_COLUMNS.has(text) })),
        view.rows.map((r) => {
          // Figures stay on one line; the verdict and the neighbours' figures are sentences, which wrap.
          const cls = (head: string): string =>
            !PROTECTION_TEXT_COLUMNS.has(head) ? ' class="num"' : PROTECTION_PROSE_COLUMNS.has(head) ? ' class="prose"' : '';
          const tds = r.map((v, j) => `<td${cls(view.head[j] ?? '')}>${h(v)}</td>`);
          return `<tr>${tds.join('')}</tr>`;
        }),
      ),
    );
    for (const n of protectionNotes(cells)) parts.push(`<p class="note">${h(n)}</p>`);
  }
  // A fit's response curves sit with its answer (fitSection).
  const summary = charts.summary.filter((c) => c.kind !== 'fit-response');
  if (summary.length) parts.push(`<div class="charts">${summary.map(figure).join('')}</div>`);
  if (charts.phase.length || charts.phaseNotes.length) parts.push('<h3>Inside the CFS period</h3>');
  if (charts.phase.length) parts.push(`<div class="charts time">${charts.phase.map(figure).join('')}</div>`);
  for (const note of charts.phaseNotes) parts.push(`<p class="note">${h(note)}</p>`);
  parts.push('<h3>Over time</h3>');
  if (charts.timeSeries.length) parts.push(`<div class="charts time">${charts.timeSeries.map(figure).join('')}</div>`);
  else parts.push(`<p class="note">${h(charts.timeSeriesNote ?? 'No time series.')}</p>`);
  parts.push(runsTable(cells, isMultiHost(doc)), '</section>');
  return parts.join('');
}

/** A fit document's answer: the settings searched, the answer and its confidence, the response curves, the probes,
 *  the alternatives at the answer and the settings to paste. */
function fitSection(doc: ResultDocument, specs: ChartSpec[]): string {
  const fit = doc.fit;
  if (!fit) return '';
  const [first, ...rest] = answerLines(fit);
  const parts = [`<section class="card" id="fit"><h2>Fit</h2><p class="sub">${h(settingsLine(fit))}</p>`];
  if (first) parts.push(`<p><strong>${h(first)}</strong></p>`);
  for (const l of rest) parts.push(`<p class="note">${h(l.trim())}</p>`);
  if (fit.inversions.length)
    parts.push(
      '<div class="banner"><strong>Not monotone.</strong> More of the knob did not always help, so the bisection may have ' +
        `missed a value that holds or fails:<ul>${fit.inversions.map((i) => `<li>${h(i.what)}</li>`).join('')}</ul></div>`,
    );
  const curves = specs.filter((c) => c.kind === 'fit-response');
  if (curves.length) parts.push(`<div class="charts">${curves.map(figure).join('')}</div>`);
  const grid = fitGrid(fit);
  const numeric = new Set(['runs', ...fit.settings.slos.map((x) => x.text)]);
  parts.push('<h3>Probes</h3>');
  parts.push(
    table(
      grid.head.map((text) => ({ text, num: numeric.has(text) })),
      grid.rows.map((r, i) => {
        const answer = grid.probes[i]?.cellId === fit.answer?.cellId;
        const tds = r.map((v, j) => `<td${numeric.has(grid.head[j] ?? '') ? ' class="num"' : ''}>${h(v)}</td>`).join('');
        return `<tr${answer ? ' class="flagged"' : ''} title="${h(grid.probes[i]?.cellId ?? '')}">${tds}</tr>`;
      }),
    ),
  );
  if (fit.alternatives.length) {
    const items = fit.alternatives.map(
      (a) => `<li><strong>${h(a.label)}: ${h(a.verdict)}</strong> — ${h(a.reason)}${a.paste ? `<br><code>${h(a.paste)}</code>` : ''}</li>`,
    );
    parts.push(`<h3>Alternatives at the answer</h3><ul>${items.join('')}</ul>`);
  }
  const p = fit.paste;
  if (p) {
    const blocks = [p.docker, p.systemd, p.kubernetes].filter(Boolean).map((b) => `<pre><code>${h(b)}</code></pre>`);
    const notes = p.notes.map((n) => `<p class="note">${h(n)}</p>`);
    parts.push(`<h3>Settings to paste</h3>${blocks.join('')}${notes.join('')}`);
  }
  parts.push(`<p class="note">${h(runsLine(fit))}</p>`);
  parts.push('</section>');
  return parts.join('');
}

export function renderHtml(doc: ResultDocument): string {
  const groups = byWorkload(doc);
  const charts = buildCharts(doc);
  const specs = charts.flatMap((c) => [...c.summary, ...c.phase, ...c.timeSeries]);
  const sectionOf = new Map<string, string>();
  groups.forEach((g, i) => g.cells.forEach((c) => sectionOf.set(c.id, `w${i}`)));
  const flagged = new Set(doc.warnings.map((w) => w.cellId).filter((x): x is string => x !== undefined));
  const s = doc.scenario;
  const took = durationBetween(doc.createdAt, doc.finishedAt);
  const toc = [
    doc.fit ? '<a href="#fit">Fit</a>' : '',
    doc.warnings.length ? `<a href="#warnings">Warnings (${groupWarnings(doc).length})</a>` : '',
    ...groups.map((g, i) => `<a href="#w${i}">${h(g.workload)}</a>`),
    `<a href="#host">${doc.hosts ? 'Hosts' : 'Host'}</a>`,
    '<a href="#scenario">Scenario</a>',
  ].filter(Boolean);
  const banner =
    doc.status === 'complete'
      ? ''
      : `<div class="banner"><strong>Partial results.</strong> The suite is <strong>${h(doc.status)}</strong>: ` +
        'only the runs that finished before it stopped are shown.</div>';
  const runs = doc.cells.reduce((n, c) => n + c.runs.length, 0);
  const where = doc.hosts
    ? [`cgbench ${h(doc.tool.version)} on <strong>${doc.hosts.length} hosts</strong> (${h(hostNames(doc).join(', '))})`]
    : [`cgbench ${h(doc.tool.version)} on <strong>${h(doc.host.hostname)}</strong>`];
  const sub = [
    ...where,
    `started ${h(formatTime(doc.createdAt))}${took ? ` · took ${h(took)}` : ''}`,
    `${doc.cells.length} cells, ${runs} runs`,
    ...(doc.hosts ? [] : [`cgroup ${h(doc.host.cgroup.mode)}`, h(doc.host.kernel)]),
  ];
  const body = [
    `<header class="top"><h1>${h(s.name)} <span class="badge ${h(doc.status)}">${h(doc.status)}</span></h1>`,
    `<p class="sub">${sub.join(' · ')}</p>`,
    s.description ? `<p>${h(s.description)}</p>` : '',
    `<nav class="toc">${toc.join('')}</nav></header>`,
    banner,
    fitSection(doc, specs),
    warningsSection(doc, (id) => (id === undefined ? null : (sectionOf.get(id) ?? null))),
    ...groups.map((g, i) => workloadSection(doc, g.cells, charts[i] as WorkloadCharts, flagged)),
    hostSection(doc),
    scenarioSection(doc),
    `<footer>Generated by cgbench ${h(doc.tool.version)} from a schema v${doc.schemaVersion} result document. ` +
      'Self-contained: works offline.</footer>',
  ].join('\n');
  return htmlPage({
    title: `${s.name} — cgbench report (${doc.hosts ? hostNames(doc).join(', ') : doc.host.hostname})`,
    generator: `cgbench ${doc.tool.version}`,
    body,
    specs,
  });
}

/**
 * The page around a report's body: the stylesheet, chart.js inlined, the chart specs as JSON and the
 * script that draws them (html-assets.ts), and the banner it shows when chart.js did not load.
 */
export function htmlPage(page: { title: string; generator: string; body: string; specs: ChartSpec[] }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${h(page.generator)}">
<title>${h(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
<div class="page">
<div class="banner" id="chart-error">Charts could not be drawn: the inlined chart.js did not load.</div>
${page.body}
</div>
<script>${chartJsBundle()}</script>
<script type="application/json" id="cgbench-charts">${jsonForScript(page.specs)}</script>
<script>${BOOT}</script>
</body>
</html>
`;
}
