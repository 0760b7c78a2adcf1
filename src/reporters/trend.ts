// The trend report of `cgbench history trend`: per host, a table of every cell's latest night against
// its expected value and the nights the gate flagged, and a chart per cell night by night; as one
// offline HTML page, Markdown for a CI summary, or PNG charts. Pure: the trend comes from analysis/trend.ts.

import type { HostTrend, TrendPoint, TrendReport, TrendSeries } from '../model/types.js';
import { formatDurationNs } from '../model/units.js';
import { seriesTitle, trendChart } from './charts/trend-charts.js';
import { slug, type ChartSpec } from './charts/index.js';
import { DASH as dash, fmtSlowdown } from './columns.js';
import { escapeHtml as h, facts, figure, htmlPage, table } from './html.js';
import type { RenderedFile } from './index.js';
import { escapeMarkdown, markdownTable } from './markdown.js';

export const TREND_FORMATS = ['html', 'png', 'md'] as const;
export type TrendFormat = (typeof TREND_FORMATS)[number];
export const DEFAULT_TREND_FORMATS: readonly TrendFormat[] = ['html', 'md'];

function duration(ns: number | null): string {
  return ns === null || !Number.isFinite(ns) ? dash : formatDurationNs(ns);
}

function intervalText(p: TrendPoint): string {
  return p.intervalNs ? ` (${formatDurationNs(p.intervalNs[0])} – ${formatDurationNs(p.intervalNs[1])})` : '';
}

function verdictText(p: TrendPoint | undefined, windowNights: number): string {
  if (!p || p.change === null) return `${dash} (too few earlier nights on a matching host)`;
  const why = p.changed.length ? `: ${p.changed.join(', ')}` : '';
  const against = ` vs ${p.baselineNights} of ${windowNights} nights`;
  if (p.change === 'regression') return `REGRESSION${why}${against}`;
  if (p.change === 'improvement') return `improvement${why}${against}`;
  return `unchanged${against}`;
}

function markedText(s: TrendSeries): string {
  const marked = s.points.filter((p) => p.change === 'regression' || p.change === 'improvement');
  if (!marked.length) return 'none';
  const shown = marked.slice(-4).map((p) => `${p.createdAt.slice(0, 10)} ${p.change === 'regression' ? '▲' : '▼'}`);
  return `${marked.length}: ${marked.length > 4 ? '… ' : ''}${shown.join(', ')}`;
}

export const TREND_COLUMNS = [
  'cell',
  'nights',
  'latest median (95 % interval)',
  'expected',
  'slowdown (expected)',
  'latest night',
  'marked nights',
];

/** One row per cell of a host: the table the HTML and Markdown reports share. */
export function trendRows(host: HostTrend, windowNights: number): string[][] {
  return host.series.map((s) => {
    const last = s.points.at(-1);
    const slowdown = last && !s.baseline ? `${fmtSlowdown(last.slowdown)} (${fmtSlowdown(last.expectedSlowdown)})` : dash;
    return [
      seriesTitle(s),
      String(s.points.length),
      last ? `${duration(last.medianWallNs)}${intervalText(last)}` : dash,
      last ? duration(last.expectedWallNs) : dash,
      slowdown,
      verdictText(last, windowNights),
      markedText(s),
    ];
  });
}

/** The first and the last night of a host, as dates. */
function nightSpan(host: HostTrend): string {
  return `${host.from.slice(0, 10)} .. ${host.to.slice(0, 10)}`;
}

function contextLine(c: HostTrend['contexts'][number]): string {
  return `kernel ${c.kernel}, cgroup ${c.cgroupMode}, ${c.cpuModel}`;
}

function headline(r: TrendReport): string {
  const match = r.match.length ? `same ${r.match.join(', ')}` : 'any host';
  return (
    `${r.documents} stored night(s) on ${r.hosts.length} host(s). Marked nights: the history gate against up to ` +
    `${r.windowNights} earlier nights of the host (${match}), threshold ${r.thresholdPct} %.`
  );
}

function filterText(r: TrendReport): string {
  const f = r.filter;
  const parts = [
    f.host ? `host ${f.host}` : '',
    f.kernel ? `kernel ${f.kernel}` : '',
    f.cgroupMode ? `cgroup ${f.cgroupMode}` : '',
    f.runtime ? `runtime ${f.runtime}` : '',
    f.scenario ? `scenario ${f.scenario}` : '',
    f.last ? `last ${f.last} documents` : '',
  ].filter(Boolean);
  return parts.length ? `Filter: ${parts.join(', ')}.` : '';
}

/** Chart ids and PNG names: h<host>-<series>, stable for a given report. */
function chartId(hi: number, si: number): string {
  return `h${hi}-${si}-trend`;
}

/** A cell none of whose nights had a run that ended ok (an OOM kill every night) has nothing to draw. */
function drawable(s: TrendSeries): boolean {
  return s.points.some((p) => p.medianWallNs !== null);
}

export function trendCharts(r: TrendReport): { host: number; series: number; spec: ChartSpec }[] {
  return r.hosts.flatMap((host, hi) =>
    host.series.flatMap((s, si) => (drawable(s) ? [{ host: hi, series: si, spec: trendChart(chartId(hi, si), s, r.windowNights) }] : [])),
  );
}

function hostSection(host: HostTrend, hi: number, r: TrendReport, specs: ChartSpec[]): string {
  const rows = trendRows(host, r.windowNights).map((row, si) => {
    const s = host.series[si];
    const last = s?.points.at(-1);
    const cls = last?.change === 'regression' ? ' class="flagged"' : s?.baseline ? ' class="baseline"' : '';
    const tds = row.map((v, j) => {
      const bad = j === 5 && v.startsWith('REGRESSION');
      const num = j === 1 || j === 2 || j === 3;
      const classes = [num ? 'num' : '', bad ? 'bad' : ''].filter(Boolean).join(' ');
      return `<td${classes ? ` class="${classes}"` : ''}>${h(v)}</td>`;
    });
    return `<tr${cls}>${tds.join('')}</tr>`;
  });
  const head = TREND_COLUMNS.map((text, j) => ({ text, num: j >= 1 && j <= 3 }));
  const ctx = host.contexts.length
    ? `<h3>Host context</h3><ul class="findings">${host.contexts
        .map((c) => `<li><strong>${h(c.createdAt.slice(0, 10))}</strong>: ${h(contextLine(c))}</li>`)
        .join('')}</ul>`
    : '';
  const byWorkload = new Map<string, { figures: string[]; notes: string[] }>();
  host.series.forEach((s, si) => {
    const group = byWorkload.get(s.workload) ?? { figures: [], notes: [] };
    byWorkload.set(s.workload, group);
    const spec = specs.find((x) => x.id === chartId(hi, si));
    if (spec) group.figures.push(figure(spec));
    else
      group.notes.push(`<p class="note">${h(seriesTitle(s))}: no night had a measured run that ended ok, so there is nothing to draw.</p>`);
  });
  const workloads = [...byWorkload].map(
    ([w, g]) => `<h3>${h(w)}</h3>${g.figures.length ? `<div class="charts">${g.figures.join('')}</div>` : ''}${g.notes.join('')}`,
  );
  const sub = facts([
    ['nights', `${host.nights}, ${nightSpan(host)}`],
    ['cells', String(host.series.length)],
  ]);
  return `<section class="card" id="h${hi}"><h2>${h(host.hostname)}</h2>${sub}${ctx}${table(head, rows)}${workloads.join('')}</section>`;
}

export function renderTrendHtml(r: TrendReport): string {
  const specs = trendCharts(r).map((c) => c.spec);
  const toc = r.hosts.map((host, i) => `<a href="#h${i}">${h(host.hostname)}</a>`);
  const body = [
    `<header class="top"><h1>cgbench history trend</h1><p class="sub">${h(headline(r))} ${h(filterText(r))}</p>`,
    `<nav class="toc">${toc.join('')}</nav></header>`,
    r.hosts.length ? '' : '<div class="banner">No stored night matches the filter.</div>',
    ...r.hosts.map((host, i) => hostSection(host, i, r, specs)),
    '<footer>Generated by cgbench from the history database. Self-contained: works offline.</footer>',
  ].join('\n');
  return htmlPage({ title: 'cgbench history trend', generator: 'cgbench history trend', body, specs });
}

export function renderTrendMarkdown(r: TrendReport): string {
  const e = (t: string): string => escapeMarkdown(t);
  const out = ['## cgbench history trend', '', e(headline(r)), ''];
  const f = filterText(r);
  if (f) out.push(e(f), '');
  if (!r.hosts.length) out.push('No stored night matches the filter.', '');
  for (const host of r.hosts) {
    out.push(`### ${e(host.hostname)}`, '', `${host.nights} night(s), ${nightSpan(host)}`, '');
    if (host.contexts.length > 1) {
      for (const c of host.contexts) out.push(`- since ${c.createdAt.slice(0, 10)}: ${e(contextLine(c))}`);
      out.push('');
    }
    const numeric = (_: string, j: number): boolean => j >= 1 && j <= 4;
    const cell = (v: string, j: number): string => (j === 5 && v.startsWith('REGRESSION') ? `**${e(v)}**` : e(v));
    out.push(...markdownTable(TREND_COLUMNS, trendRows(host, r.windowNights), numeric, cell), '');
  }
  return out.join('\n');
}

function pngName(r: TrendReport, hi: number, si: number): string {
  const host = r.hosts[hi];
  const s = host?.series[si];
  const what = s ? slug(`${s.workload}-${s.limitSet}-${s.runtime}`) : 'x';
  return `charts/${String(hi + 1).padStart(2, '0')}-${slug(host?.hostname ?? 'host')}-${String(si + 1).padStart(2, '0')}-${what}.png`;
}

/** The files of one format, relative to the output directory. */
export async function renderTrend(r: TrendReport, format: TrendFormat): Promise<RenderedFile[]> {
  switch (format) {
    case 'html':
      return [{ path: 'trend.html', content: renderTrendHtml(r) }];
    case 'md':
      return [{ path: 'trend.md', content: renderTrendMarkdown(r) }];
    case 'png': {
      // Loaded on demand: the native canvas binding is only needed when PNGs are asked for.
      const { renderChartPng } = await import('./png.js');
      const files: RenderedFile[] = [];
      for (const c of trendCharts(r)) {
        const host = r.hosts[c.host];
        const span = host ? `${host.hostname} · ${nightSpan(host)}` : '';
        const footer = `cgbench history trend · ${span}`;
        files.push({ path: pngName(r, c.host, c.series), content: await renderChartPng(c.spec, footer) });
      }
      return files;
    }
  }
}
