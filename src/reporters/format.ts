// Shared cell formatting for the table-like reporters (terminal, Markdown, HTML): one place decides
// how a summary number reads, so every format shows the same thing.

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

const dash = '–';

export function fmtSlowdown(x: number | null, range?: [number, number]): string {
  if (x === null) return dash;
  const r = range && Number.isFinite(range[1]) ? ` (${range[0].toFixed(2)}–${range[1].toFixed(2)})` : '';
  return `${x.toFixed(2)}x${r}`;
}

export function summaryRow(cell: Cell): string[] {
  const s = cell.summary;
  const counted = cell.runs.filter((r) => !r.warmup).length;
  const outcomes = Object.entries(s.outcomes)
    .filter(([k]) => k !== 'ok')
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const runs = `${s.outcomes.ok ?? 0}/${counted} ok${outcomes ? ` (${outcomes})` : ''}`;
  const cpu =
    s.cpuGranted === null ? dash : s.cpuQuota !== null ? `${s.cpuGranted.toFixed(3)} / ${s.cpuQuota.toFixed(3)} (${((s.cpuEnforcement ?? 0) * 100).toFixed(0)} %)` : `${s.cpuGranted.toFixed(3)} / –`;
  const io =
    s.ioBytesPerSec === null ? dash : `${(s.ioBytesPerSec / 1e6).toFixed(1)}${s.ioLimitBytesPerSec !== null ? ` (${(s.ioLimitBytesPerSec / 1e6).toFixed(0)})` : ''}`;
  return [
    cell.limitSet,
    cell.runtime,
    runs,
    s.medianWallNs === null ? dash : formatDurationNs(s.medianWallNs),
    s.wall ? `± ${formatDurationNs(s.wall.mad)} (CV ${(s.wall.cv * 100).toFixed(1)} %)` : dash,
    fmtSlowdown(s.slowdown, s.slowdownRange),
    s.expectedSlowdown === null ? dash : `${s.expectedSlowdown.toFixed(2)}x`,
    cpu,
    s.throttleRatio === null ? dash : s.throttleRatio.toFixed(2),
    s.cpuCostRatio === undefined ? dash : `${s.cpuCostRatio.toFixed(2)}x`,
    s.peakMemoryBytes === null ? dash : formatBytes(s.peakMemoryBytes),
    String(s.oomKills),
    io,
    s.latency ? `${formatDurationNs(s.latency.p50Ns)} / ${formatDurationNs(s.latency.p99Ns)}` : dash,
    s.medianStartupNs === null ? dash : formatDurationNs(s.medianStartupNs),
  ];
}

/** Cells grouped by workload, in scenario order. */
export function byWorkload(doc: ResultDocument): { workload: string; cells: Cell[] }[] {
  const out: { workload: string; cells: Cell[] }[] = [];
  for (const cell of doc.cells) {
    let g = out.find((x) => x.workload === cell.workload);
    if (!g) out.push((g = { workload: cell.workload, cells: [] }));
    g.cells.push(cell);
  }
  // Same limit side by side across runtimes.
  for (const g of out) {
    const order = [...new Set(g.cells.map((c) => c.limitSet))];
    g.cells.sort((a, b) => order.indexOf(a.limitSet) - order.indexOf(b.limitSet));
  }
  return out;
}

export function describeParams(cell: Cell): string {
  const p = cell.params;
  switch (p.kind) {
    case 'cpu':
      return `cpu: ${p.iterations} iterations x ${p.threads} thread(s)`;
    case 'memory':
      return p.mode === 'anon' ? `memory: touch ${p.mib} MiB anonymous` : `memory: re-read ${p.mib} MiB file x${p.passes} (${p.access})`;
    case 'io':
      return `io: O_DIRECT ${p.mode} ${p.mib} MiB in ${p.blockKib} KiB blocks`;
    case 'latency':
      return `latency: ${p.threads} thread(s), ${p.workUs} us work every ${p.intervalUs} us for ${p.durationMs} ms`;
    case 'command':
      return `command: ${JSON.stringify(p.argv)}`;
  }
}
