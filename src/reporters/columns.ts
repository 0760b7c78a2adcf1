// The summary grid every table-like reporter shows (terminal, Markdown, HTML): the columns, how a
// cell's summary reads in them, and which columns a workload's table keeps. One place, one table.

import type { Cell, ResultDocument } from '../model/types.js';
import { formatBytes, formatDurationNs } from '../model/units.js';

export const SUMMARY_COLUMNS = [
  'limit',
  'runtime',
  'runs',
  'median wall',
  'spread (MAD)',
  'slowdown',
  'expected',
  'CPU granted / quota',
  'throttle ratio',
  'CPU per op vs base',
  'peak memory',
  'OOM kills',
  'IO MB/s (limit)',
  'latency p50 / p99',
  'start-up',
] as const;

/** Columns shown even when every row is empty: the table's spine. */
const ALWAYS = new Set<string>(['limit', 'runs', 'median wall', 'slowdown', 'expected']);
/** Columns of text (left-aligned); the others are numbers. */
export const TEXT_COLUMNS = new Set<string>(['limit', 'runtime', 'runs']);

const dash = '–';

export function fmtSlowdown(x: number | null, range?: [number, number]): string {
  if (x === null) return dash;
  const r = range && Number.isFinite(range[1]) ? ` (${range[0].toFixed(2)}–${range[1].toFixed(2)})` : '';
  return `${x.toFixed(2)}x${r}`;
}

function runsText(cell: Cell): string {
  const s = cell.summary;
  const counted = cell.runs.filter((r) => !r.warmup).length;
  const outcomes = Object.entries(s.outcomes)
    .filter(([k]) => k !== 'ok')
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return `${s.outcomes.ok ?? 0}/${counted} ok${outcomes ? ` (${outcomes})` : ''}`;
}

function cpuText(cell: Cell): string {
  const s = cell.summary;
  if (s.cpuGranted === null) return dash;
  if (s.cpuQuota === null) return `${s.cpuGranted.toFixed(3)} / –`;
  return `${s.cpuGranted.toFixed(3)} / ${s.cpuQuota.toFixed(3)} (${((s.cpuEnforcement ?? 0) * 100).toFixed(0)} %)`;
}

function ioText(cell: Cell): string {
  const s = cell.summary;
  if (s.ioBytesPerSec === null) return dash;
  return `${(s.ioBytesPerSec / 1e6).toFixed(1)}${s.ioLimitBytesPerSec !== null ? ` (${(s.ioLimitBytesPerSec / 1e6).toFixed(0)})` : ''}`;
}

export function summaryRow(cell: Cell): string[] {
  const s = cell.summary;
  return [
    cell.limitSet,
    cell.runtime,
    runsText(cell),
    s.medianWallNs === null ? dash : formatDurationNs(s.medianWallNs),
    s.wall ? `± ${formatDurationNs(s.wall.mad)} (CV ${(s.wall.cv * 100).toFixed(1)} %)` : dash,
    fmtSlowdown(s.slowdown, s.slowdownRange),
    s.expectedSlowdown === null ? dash : `${s.expectedSlowdown.toFixed(2)}x`,
    cpuText(cell),
    s.throttleRatio === null ? dash : s.throttleRatio.toFixed(2),
    s.cpuCostRatio === undefined ? dash : `${s.cpuCostRatio.toFixed(2)}x`,
    s.peakMemoryBytes === null ? dash : formatBytes(s.peakMemoryBytes),
    String(s.oomKills),
    ioText(cell),
    s.latency ? `${formatDurationNs(s.latency.p50Ns)} / ${formatDurationNs(s.latency.p99Ns)}` : dash,
    s.medianStartupNs === null ? dash : formatDurationNs(s.medianStartupNs),
  ];
}

export interface SummaryGrid {
  head: string[];
  rows: string[][];
  cells: Cell[];
}

/**
 * One workload's table: only the columns that say something for it (a CPU loop has no IO rate), and
 * the runtime column only when the document has several runtimes.
 */
export function summaryGrid(doc: ResultDocument, cells: Cell[]): SummaryGrid {
  const showRuntime = new Set(doc.cells.map((c) => c.runtime)).size > 1;
  const rows = cells.map(summaryRow);
  const keep = SUMMARY_COLUMNS.map((c, i) => (c === 'runtime' ? showRuntime : ALWAYS.has(c) || rows.some((r) => r[i] !== dash)));
  return { head: SUMMARY_COLUMNS.filter((_, i) => keep[i]), rows: rows.map((r) => r.filter((_, i) => keep[i])), cells };
}
