// The protection view of a workload measured next to neighbours: per neighbour set, its slowdown taken apart
// into the CPU share it kept and the CPU its work cost, against the fair-share model, with the neighbours'
// own figures beside it. One grid for the terminal, Markdown and HTML; pure.

import type { Cell, ContentionView, NeighbourSummary, ResultDocument, Stats } from '../model/types.js';
import { formatBytes } from '../model/units.js';
import { DASH, type Grid } from './columns.js';
import { neighbourSetName } from './format.js';

export const PROTECTION_TEXT_COLUMNS = new Set(['limit', 'neighbours', 'neighbour figures']);

const x = (v: number | null | undefined): string => (v === null || v === undefined ? DASH : `${v.toFixed(2)}x`);
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? DASH : `${(v * 100).toFixed(0)} %`);

/** "0.64 ± 0.02": a median and its MAD. */
function spread(s: Stats | null | undefined, digits = 2): string {
  if (!s) return DASH;
  return s.n > 1 ? `${s.median.toFixed(digits)} ± ${s.mad.toFixed(digits)}` : s.median.toFixed(digits);
}

/** One neighbour in a few words: "hog x2: 1.39 CPU, 1.2e10 ops/s, 3 starts". */
export function neighbourText(n: NeighbourSummary): string {
  const parts = [n.cpus === null ? '' : `${n.cpus.toFixed(2)} CPU`];
  if (n.bytesPerSec !== null) parts.push(`${formatBytes(n.bytesPerSec)}/s`);
  else if (n.opsPerSec !== null) parts.push(`${n.opsPerSec.toExponential(2)} ops/s`);
  parts.push(`${n.starts} start${n.starts === 1 ? '' : 's'}`);
  return `${n.label}: ${parts.filter(Boolean).join(', ')}`;
}

/** Does this workload's group of cells have a protection view (some cell measured next to neighbours)? */
export function hasProtection(cells: readonly Cell[]): boolean {
  return cells.some((c) => c.summary.contention !== undefined);
}

/**
 * The view's rows: every cell of the workload, alone ones included as the references the others are
 * taken apart against. Slowdown is against the baseline (unlimited, alone); the other figures against the
 * same limit set alone. `latency` workloads show p99 against alone instead of a CPU cost.
 */
export function protectionGrid(doc: ResultDocument, cells: readonly Cell[]): Grid {
  const latency = cells[0]?.kind === 'latency';
  const head = [
    'limit',
    'neighbours',
    'slowdown',
    'CPU share',
    'expected',
    'share kept',
    latency ? 'p99 vs alone' : 'CPU per work',
    'neighbour figures',
  ];
  const rows = cells.map((c) => {
    const v: ContentionView | undefined = c.summary.contention;
    const aloneShare = v ? null : ownShareText(c, cells);
    return [
      c.limitSet,
      neighbourSetName(doc, c) ?? DASH,
      latency ? DASH : x(c.summary.slowdown ?? (c.baselineId === null ? 1 : null)),
      v ? spread(v.cpuShare) : (aloneShare ?? DASH),
      v ? (v.expectedCpuShare === null ? DASH : v.expectedCpuShare.toFixed(2)) : DASH,
      v ? pct(v.shareKept?.median) : 'reference',
      v ? (latency ? x(v.p99Ratio) : x(v.costRatio?.median)) : DASH,
      v ? v.neighbours.map(neighbourText).join('; ') || DASH : DASH,
    ];
  });
  return { head, rows, hidden: [] };
}

/** An alone cell's own CPU share, from a neighbour cell that names it as its reference. */
function ownShareText(cell: Cell, cells: readonly Cell[]): string | null {
  const share = cells.find((c) => c.summary.contention?.aloneCellId === cell.id)?.summary.contention?.aloneCpuShare;
  return share === null || share === undefined ? null : share.toFixed(2);
}

/** The model's notes and a reading of the view, one line each, for under the table. */
export function protectionNotes(cells: readonly Cell[]): string[] {
  const notes = new Set<string>();
  for (const c of cells) if (c.summary.contention?.modelNote) notes.add(c.summary.contention.modelNote);
  return [
    'slowdown = CPU per work / share kept: the share lost is the scheduler’s (limits and weights control it), ' +
      'the extra CPU per unit of work is interference no cgroup limit controls (shared cores, caches, frequency)',
    ...[...notes].map((n) => `expected: ${n}`),
  ];
}
