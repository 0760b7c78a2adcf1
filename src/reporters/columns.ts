// The summary grid every table-like reporter shows (terminal, Markdown, HTML): the columns, how a
// cell's summary reads in them, which columns mean something for each workload kind (an IO cell's
// figure is MB/s against the throttle, a fixed-duration latency run has no slowdown), which of those
// the default table keeps, and how a table narrows to fit a terminal. One place, one grid.

import { isMultiHost } from '../model/hosts.js';
import { slowdownMeans } from '../model/params.js';
import type { Cell, ResultDocument, WorkloadKind } from '../model/types.js';
import { neighbourSetName } from './format.js';
import { formatBytes, formatDurationNs, formatMetric, formatMetricSpread } from '../model/units.js';
import { stripStyle } from './style.js';

export const DASH = '–';

/** How much of the grid to show: the kind's key columns, or every column that means something for it. */
export type GridTier = 'default' | 'wide';

const ALL: readonly WorkloadKind[] = ['cpu', 'memory', 'io', 'latency', 'command', 'service'];
const TIMED: readonly WorkloadKind[] = ['cpu', 'memory', 'io', 'command'];
const CPU_BOUND: readonly WorkloadKind[] = ['cpu', 'command', 'latency', 'service'];

interface Column {
  head: string;
  /** Text (left-aligned) rather than a number. */
  text?: boolean;
  /** The kinds it means something for (--wide shows it for them); `main` of those are in the default table. */
  kinds: readonly WorkloadKind[];
  main: readonly WorkloadKind[];
  /** Kept while a table narrows to fit: the lowest goes first. The spine (limit, runs) never goes. */
  priority: number;
  /** Where a kind ranks it otherwise (an IO cell's wall time matters less than its rate and model). */
  priorityFor?: Partial<Record<WorkloadKind, number>>;
  value(cell: Cell, doc: ResultDocument): string;
}

export function fmtSlowdown(x: number | null, range?: [number, number], runsNeeded?: number): string {
  if (x === null) return DASH;
  if (range && Number.isFinite(range[1])) return `${x.toFixed(2)}x (${range[0].toFixed(2)}–${range[1].toFixed(2)})`;
  return runsNeeded !== undefined ? `${x.toFixed(2)}x (few runs)` : `${x.toFixed(2)}x`;
}

function runsText(cell: Cell): string {
  const s = cell.summary;
  const parts = Object.entries(s.outcomes).map(([k, v]) => `${v} ${k}`);
  // A run no limit set expects (failed, timed out, an unexpected OOM kill) is marked: it fails the suite.
  return (parts.join(', ') || '0') + ((s.unexpectedRuns ?? 0) > 0 ? ' !' : '');
}

function wallText(cell: Cell): string {
  const w = cell.summary.wall;
  if (!w) return DASH;
  return w.n > 1 ? `${formatDurationNs(w.median)} ± ${formatDurationNs(w.mad)}` : formatDurationNs(w.median);
}

function expectedText(cell: Cell): string {
  const s = cell.summary;
  if (s.expectedSlowdown !== null) return `${s.expectedSlowdown.toFixed(2)}x`;
  return cell.expect && !cell.expect.includes('ok') ? cell.expect.join('/') : DASH;
}

function cpuText(cell: Cell): string {
  const s = cell.summary;
  if (s.cpuGranted === null) return DASH;
  if (s.cpuQuota === null) return `${s.cpuGranted.toFixed(2)} / –`;
  return `${s.cpuGranted.toFixed(2)} / ${s.cpuQuota.toFixed(2)} (${((s.cpuEnforcement ?? 0) * 100).toFixed(0)} %)`;
}

const mb = (bps: number): string => (bps / 1e6).toFixed(1);

function ioText(cell: Cell): string {
  const s = cell.summary;
  if (s.ioBytesPerSec === null) return DASH;
  if (s.ioLimitBytesPerSec === null) return `${mb(s.ioBytesPerSec)} / –`;
  return `${mb(s.ioBytesPerSec)} / ${+mb(s.ioLimitBytesPerSec)} (${((s.ioEnforcement ?? 0) * 100).toFixed(0)} %)`;
}

function ioModelText(cell: Cell): string {
  const r = cell.summary.ioExpectedBytesPerSec;
  return r ? `${mb(r[0])}–${mb(r[1])}` : DASH;
}

/** Where in the CFS period a throttled cell's quota ran out: "12.5/100 ms" (analysis/phase.ts). */
function quotaUsedByText(cell: Cell): string {
  const p = cell.summary.phase;
  if (p?.status !== 'folded' || p.quotaUsedByMs === null) return DASH;
  return `${+p.quotaUsedByMs.toFixed(1)}/${+p.periodMs.toFixed(1)} ms`;
}

const COLUMNS: Column[] = [
  { head: 'limit', text: true, kinds: ALL, main: ALL, priority: 100, value: (c) => c.limitSet },
  { head: 'neighbours', text: true, kinds: ALL, main: ALL, priority: 99, value: (c, d) => neighbourSetName(d, c) ?? DASH },
  { head: 'host', text: true, kinds: ALL, main: ALL, priority: 99, value: (c) => c.host ?? DASH },
  // A cluster runtime's cell: the node it ran on (empty in every row, so left out, elsewhere).
  { head: 'node', text: true, kinds: ALL, main: ALL, priority: 97, value: (c) => c.node?.hostname ?? DASH },
  { head: 'runtime', text: true, kinds: ALL, main: ALL, priority: 96, value: (c) => c.runtime },
  { head: 'runs', text: true, kinds: ALL, main: ALL, priority: 98, value: runsText },
  { head: 'wall (median ± MAD)', kinds: TIMED, main: TIMED, priority: 90, priorityFor: { io: 60 }, value: wallText },
  {
    head: 'slowdown (95 % CI)',
    kinds: ['cpu', 'memory', 'command'],
    main: ['cpu', 'memory', 'command'],
    priority: 85,
    value: (c) => (slowdownMeans(c) ? fmtSlowdown(c.summary.slowdown, c.summary.slowdownRange, c.summary.slowdownRunsNeeded) : DASH),
  },
  { head: 'expected', kinds: ['cpu', 'memory', 'command'], main: ['cpu', 'memory', 'command'], priority: 70, value: expectedText },
  { head: 'CPU granted / quota', kinds: CPU_BOUND, main: CPU_BOUND, priority: 80, value: cpuText },
  { head: 'MB/s / throttle', kinds: ['io'], main: ['io'], priority: 88, value: ioText },
  { head: 'expected MB/s', kinds: ['io'], main: ['io'], priority: 75, value: ioModelText },
  {
    head: 'p50',
    kinds: ['latency'],
    main: ['latency'],
    priority: 86,
    value: (c) => (c.summary.latency ? formatDurationNs(c.summary.latency.p50Ns) : DASH),
  },
  {
    head: 'p99',
    kinds: ['latency'],
    main: ['latency'],
    priority: 89,
    value: (c) => (c.summary.latency ? formatDurationNs(c.summary.latency.p99Ns) : DASH),
  },
  {
    head: 'p99 vs base',
    kinds: ['latency'],
    main: ['latency'],
    priority: 87,
    value: (c) => (c.summary.latency?.p99Ratio !== undefined ? `${c.summary.latency.p99Ratio.toFixed(2)}x` : DASH),
  },
  {
    head: 'max latency',
    kinds: ['latency'],
    main: [],
    priority: 40,
    value: (c) => (c.summary.latency ? formatDurationNs(c.summary.latency.maxNs) : DASH),
  },
  {
    head: 'throttle ratio',
    kinds: CPU_BOUND,
    main: ['latency'],
    priority: 65,
    value: (c) => (c.summary.throttleRatio === null ? DASH : c.summary.throttleRatio.toFixed(2)),
  },
  { head: 'quota used by', kinds: CPU_BOUND, main: ['latency'], priority: 62, value: quotaUsedByText },
  {
    head: 'CPU per op vs base',
    kinds: ['cpu'],
    main: [],
    priority: 40,
    value: (c) => (c.summary.cpuCostRatio === undefined ? DASH : `${c.summary.cpuCostRatio.toFixed(2)}x`),
  },
  {
    head: 'peak memory',
    kinds: ['memory', 'command'],
    main: ['memory'],
    priority: 68,
    value: (c) => (c.summary.peakMemoryBytes === null ? DASH : formatBytes(c.summary.peakMemoryBytes)),
  },
  // The runs column already counts oom-killed runs; the group's own count is for --wide.
  { head: 'OOM kills', kinds: ['memory', 'command'], main: [], priority: 66, value: (c) => String(c.summary.oomKills) },
  {
    head: 'major faults',
    kinds: ['memory', 'command'],
    main: ['memory'],
    priority: 64,
    value: (c) => (c.summary.majorFaults === null || c.summary.majorFaults === 0 ? DASH : String(Math.round(c.summary.majorFaults))),
  },
  {
    head: 'range (min … max)',
    kinds: TIMED,
    main: [],
    priority: 30,
    value: (c) => (c.summary.wall ? `${formatDurationNs(c.summary.wall.min)} … ${formatDurationNs(c.summary.wall.max)}` : DASH),
  },
  {
    head: 'sampled every',
    kinds: ALL,
    main: [],
    priority: 15,
    value: (c) => (c.sampling ? `${+c.sampling.intervalMs.toFixed(1)} ms` : DASH),
  },
  {
    head: 'start-up',
    kinds: ALL,
    main: [],
    priority: 20,
    value: (c) => (c.summary.medianStartupNs === null ? DASH : formatDurationNs(c.summary.medianStartupNs)),
  },
];

/** A workload's own figures (the metrics protocol) come after the built-in columns and go late when a table
 *  narrows: they are what the user came for. */
const NAMED_PRIORITY = 84;

function namedText(cell: Cell, name: string): string {
  const m = cell.summary.namedMetrics?.find((x) => x.name === name);
  if (!m) return DASH;
  return m.stats.n > 1 ? formatMetricSpread(m.stats.median, m.stats.mad, m.unit) : formatMetric(m.stats.median, m.unit);
}

function namedVsBaseText(cell: Cell, name: string): string {
  const m = cell.summary.namedMetrics?.find((x) => x.name === name);
  if (m?.vsBaseline === undefined) return DASH;
  return fmtSlowdown(m.vsBaseline, m.vsBaselineRange);
}

/** One column per figure the cells report (its median ± MAD), and with --wide its ratio to the baseline's. */
function namedColumns(cells: readonly Cell[]): Column[] {
  const names = new Set<string>();
  for (const c of cells) for (const m of c.summary.namedMetrics ?? []) names.add(m.name);
  return [...names].flatMap((name): Column[] => [
    { head: name, kinds: ALL, main: ALL, priority: NAMED_PRIORITY, value: (c: Cell) => namedText(c, name) },
    { head: `${name} vs base`, kinds: ALL, main: [], priority: NAMED_PRIORITY - 30, value: (c: Cell) => namedVsBaseText(c, name) },
  ]);
}

/** Every column name, in table order. */
export const SUMMARY_COLUMNS: readonly string[] = COLUMNS.map((c) => c.head);
/** Columns of text (left-aligned); the others are numbers. */
export const TEXT_COLUMNS = new Set<string>(COLUMNS.filter((c) => c.text).map((c) => c.head));
/** The table's spine, kept however narrow the terminal (a merged document's rows mean nothing without their host). */
const SPINE = new Set(['limit', 'neighbours', 'host', 'runs']);

/** A table as rows of text: what the terminal fits to a width, and Markdown and HTML show whole. */
export interface Grid {
  head: string[];
  rows: string[][];
  /** Columns left out to fit the width, for a note under the table. */
  hidden: string[];
}

export interface SummaryGrid extends Grid {
  cells: Cell[];
}

/**
 * One workload's table: the columns that mean something for its kind (the default tier keeps the
 * kind's key ones), without columns empty in every row, and the runtime (the host) only when the
 * document has several runtimes (hosts).
 */
export function summaryGrid(doc: ResultDocument, cells: Cell[], tier: GridTier = 'wide'): SummaryGrid {
  const kind = cells[0]?.kind ?? 'cpu';
  const shown = (head: string): boolean =>
    head === 'runtime' ? new Set(doc.cells.map((c) => c.runtime)).size > 1 : head !== 'host' || isMultiHost(doc);
  const cols = [...COLUMNS, ...namedColumns(cells)].filter((c) => (tier === 'wide' ? c.kinds : c.main).includes(kind) && shown(c.head));
  const rows = cells.map((cell) => cols.map((c) => c.value(cell, doc)));
  // The neighbours column only where the workload has neighbour sets; the rest of the spine always.
  const keep = cols.map((c, i) => (SPINE.has(c.head) && c.head !== 'neighbours') || rows.some((r) => r[i] !== DASH));
  return {
    head: cols.filter((_, i) => keep[i]).map((c) => c.head),
    rows: rows.map((r) => r.filter((_, i) => keep[i])),
    cells,
    hidden: [],
  };
}

/** Terminal columns a text takes: wide (East Asian, emoji) characters count two. */
export function textWidth(text: string): number {
  let n = 0;
  // Colour codes take no columns.
  for (const ch of stripStyle(text))
    n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic}/u.test(ch)
      ? 2
      : 1;
  return n;
}

/** Cut a text to `width` columns with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  let out = '';
  // A text cut short loses its colour rather than cut an escape code in two.
  for (const ch of stripStyle(text)) {
    if (textWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** Space between columns. */
export const GAP = 2;

function widths(grid: Grid): number[] {
  return grid.head.map((h, i) => Math.max(textWidth(h), ...grid.rows.map((r) => textWidth(r[i] ?? ''))));
}

export function gridWidth(grid: Grid): number {
  const w = widths(grid);
  return w.reduce((a, b) => a + b, 0) + GAP * Math.max(0, w.length - 1);
}

export interface FitRules {
  /** Kept while a table narrows: the lowest goes first (of equals, the rightmost). */
  priority: (head: string) => number;
  /** Never dropped. */
  spine: ReadonlySet<string>;
  /** The column whose long texts are cut to fit (names), if any. */
  cut?: string;
}

/**
 * The grid narrowed to `width` terminal columns: long names are cut to a readable 16 first, then the
 * least important columns go, then names are cut further. What went is in `hidden` (the table says
 * so, and --wide shows it).
 */
export function fitColumns<G extends Grid>(grid: G, width: number, rules: FitRules): G {
  let g = cutColumn(grid, width, rules.cut, 16);
  while (gridWidth(g) > width) {
    const droppable = g.head.filter((h) => !rules.spine.has(h));
    if (!droppable.length) break;
    // Among equals the rightmost goes first: a workload's own figures come in the order it reports them
    // (a service's throughput before its percentiles), built-in columns in reading order.
    const drop = droppable.reduce((a, b) => (rules.priority(b) <= rules.priority(a) ? b : a));
    const i = g.head.indexOf(drop);
    g = { ...g, head: g.head.filter((_, j) => j !== i), rows: g.rows.map((r) => r.filter((_, j) => j !== i)), hidden: [...g.hidden, drop] };
  }
  return cutColumn(g, width, rules.cut, 8);
}

/** A column's texts cut by what the grid is over `width`, to no less than `min` columns. */
function cutColumn<G extends Grid>(g: G, width: number, column: string | undefined, min: number): G {
  const over = gridWidth(g) - width;
  const ci = column === undefined ? -1 : g.head.indexOf(column);
  if (over <= 0 || ci < 0) return g;
  const cutWidth = Math.max(min, (widths(g)[ci] ?? 0) - over);
  return { ...g, rows: g.rows.map((r) => r.map((v, j) => (j === ci ? truncate(v, cutWidth) : v))) };
}

function priorityOf(head: string, kind: WorkloadKind): number {
  const c = COLUMNS.find((x) => x.head === head);
  // A head that is none of the built-in columns is a workload's own figure.
  return c?.priorityFor?.[kind] ?? c?.priority ?? NAMED_PRIORITY;
}

/** A workload's table narrowed to `width`: its kind decides what goes first; limit names are cut. */
export function fitGrid(grid: SummaryGrid, width: number): SummaryGrid {
  const kind = grid.cells[0]?.kind ?? 'cpu';
  return fitColumns(grid, width, { priority: (h) => priorityOf(h, kind), spine: SPINE, cut: 'limit' });
}
