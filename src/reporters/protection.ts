// The protection view of a workload measured next to neighbours, in its resource's own terms: CPU share and
// CPU per work for CPU work, disk reads per pass and refaults for page-cache work, rate kept and time per IO
// for IO; each row's verdict, the neighbours' own figures. One grid for the terminal, Markdown and HTML; pure.

import type { Cell, ContentionView, NeighbourSummary, ResultDocument, Stats } from '../model/types.js';
import { formatBytes, formatDurationNs } from '../model/units.js';
import { DASH, type Grid } from './columns.js';
import { neighbourSetName } from './format.js';

/** Columns of words (left-aligned; the last two are wrapped under a terminal's table). */
export const PROTECTION_TEXT_COLUMNS = new Set(['limit', 'neighbours', 'verdict', 'neighbour figures']);
/** Of those, the sentences: a page wraps them (a terminal writes them under its table). */
export const PROTECTION_PROSE_COLUMNS = new Set(['verdict', 'neighbour figures']);

const x = (v: number | null | undefined): string => (v === null || v === undefined ? DASH : `${v.toFixed(2)}x`);
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? DASH : `${(v * 100).toFixed(0)} %`);
const bytes = (v: number | null | undefined): string => (v === null || v === undefined ? DASH : formatBytes(v));
const count = (v: number | null | undefined): string =>
  v === null || v === undefined ? DASH : v >= 1e4 ? v.toExponential(1) : v.toFixed(0);
const mbps = (v: number): string => `${(v / 1e6).toFixed(1)} MB/s`;

/** "0.64 ± 0.02": a median and its MAD. */
function spread(s: Stats | null | undefined, digits = 2): string {
  if (!s) return DASH;
  return s.n > 1 ? `${s.median.toFixed(digits)} ± ${s.mad.toFixed(digits)}` : s.median.toFixed(digits);
}

/** One neighbour in a few words, in the figures of the view's resource its own group gave: "cache hog: 1.00
 *  CPU, cache 150 MiB, disk reads 40.0 MB/s, limit mem 64 MiB, 3 starts". */
export function neighbourText(n: NeighbourSummary, resource: ContentionView['resource'] = 'unknown'): string {
  const memory = resource === 'page cache' || resource === 'memory' || resource === 'unknown';
  const disk = resource === 'page cache' || resource === 'disk' || resource === 'unknown';
  const parts = [n.cpus === null ? '' : `${n.cpus.toFixed(2)} CPU`];
  if (memory && n.cacheBytes) parts.push(`cache ${formatBytes(n.cacheBytes)}`);
  if (memory && n.peakMemoryBytes && n.peakMemoryBytes !== n.cacheBytes) parts.push(`peak memory ${formatBytes(n.peakMemoryBytes)}`);
  if (disk && n.diskReadBytesPerSec) parts.push(`disk reads ${mbps(n.diskReadBytesPerSec)}`);
  if (disk && n.diskWriteBytesPerSec) parts.push(`disk writes ${mbps(n.diskWriteBytesPerSec)}`);
  // Its own count where its group gave none (a neighbour in the measured group).
  if (!n.diskReadBytesPerSec && !n.diskWriteBytesPerSec) {
    if (n.bytesPerSec !== null) parts.push(`${formatBytes(n.bytesPerSec)}/s`);
    else if (n.opsPerSec !== null) parts.push(`${n.opsPerSec.toExponential(2)} ops/s`);
  }
  if (n.oomKills) parts.push(`${n.oomKills} OOM kill${n.oomKills === 1 ? '' : 's'}`);
  if (n.limit) parts.push(`limit ${n.limit}`);
  parts.push(`${n.starts} start${n.starts === 1 ? '' : 's'}`);
  return `${n.label}: ${parts.filter(Boolean).join(', ')}`;
}

/** Does this workload's group of cells have a protection view (some cell measured next to neighbours)? */
export function hasProtection(cells: readonly Cell[]): boolean {
  return cells.some((c) => c.summary.contention !== undefined);
}

/** The view a cell's figures come from: its own, or (an alone cell) those that name it as their reference. */
interface Row {
  cell: Cell;
  view?: ContentionView;
  /** An alone cell: the neighbour cells' views of it, for its reference figures. */
  refs: ContentionView[];
}

interface ViewColumn {
  head: string;
  mine: (v: ContentionView, c: Cell) => string;
  /** What an alone row shows (its reference figure), DASH by default. */
  alone?: (ref: ContentionView, c: Cell) => string;
  /** Shown only when some row has a figure (PSI on v2, refaults on newer kernels). */
  optional?: boolean;
}

const slowdown = (c: Cell): string => x(c.summary.slowdown ?? (c.baselineId === null ? 1 : null));

const wait = (res: 'cpu' | 'memory' | 'io', head: string): ViewColumn => ({
  head,
  optional: true,
  mine: (v) => {
    const p = v.pressure?.[res];
    return p ? `${p.pct.toFixed(0)} %` : DASH;
  },
  alone: (r) => {
    const a = r.pressure?.[res]?.alonePct;
    return a === null || a === undefined ? DASH : `${a.toFixed(0)} %`;
  },
});

const CPU_COLUMNS: ViewColumn[] = [
  { head: 'slowdown', mine: (_, c) => slowdown(c), alone: (_, c) => slowdown(c) },
  { head: 'CPU share', mine: (v) => spread(v.cpuShare), alone: (r) => (r.aloneCpuShare === null ? DASH : r.aloneCpuShare.toFixed(2)) },
  { head: 'expected', mine: (v) => (v.expectedCpuShare === null ? DASH : v.expectedCpuShare.toFixed(2)) },
  { head: 'share kept', mine: (v) => pct(v.shareKept?.median), alone: () => 'reference' },
  { head: 'CPU per work', mine: (v) => x(v.costRatio?.median) },
  wait('cpu', 'CPU wait'),
];

const p99 = (c: Cell): string => (c.summary.latency ? formatDurationNs(c.summary.latency.p99Ns) : DASH);

const LATENCY_COLUMNS: ViewColumn[] = [
  { head: 'p99', mine: (_, c) => p99(c), alone: (_, c) => p99(c) },
  { head: 'p99 vs alone', mine: (v) => x(v.p99Ratio), alone: () => 'reference' },
  { head: 'CPU share', mine: (v) => spread(v.cpuShare), alone: (r) => (r.aloneCpuShare === null ? DASH : r.aloneCpuShare.toFixed(2)) },
  { head: 'share kept', mine: (v) => pct(v.shareKept?.median) },
  wait('cpu', 'CPU wait'),
];

const MEMORY_COLUMNS: ViewColumn[] = [
  { head: 'slowdown', mine: (_, c) => slowdown(c), alone: (_, c) => slowdown(c) },
  { head: 'time vs alone', mine: (v) => x(v.timeVsAlone?.median), alone: () => 'reference' },
  {
    head: 'disk reads/pass',
    mine: (v) => (v.memory?.diskReadsPerPass ? bytes(v.memory.diskReadsPerPass.median) : DASH),
    alone: (r) => bytes(r.memory?.aloneDiskReadsPerPass),
  },
  { head: 'reads vs alone', mine: (v) => x(v.memory?.diskReadsVsAlone?.median) },
  {
    head: 'major faults/pass',
    optional: true,
    mine: (v) => (v.memory?.majorFaultsPerPass ? count(v.memory.majorFaultsPerPass) : DASH),
    alone: (r) => (r.memory?.aloneMajorFaultsPerPass ? count(r.memory.aloneMajorFaultsPerPass) : DASH),
  },
  {
    head: 'refaults/pass',
    optional: true,
    mine: (v) => count(v.memory?.refaultsPerPass),
    alone: (r) => count(r.memory?.aloneRefaultsPerPass),
  },
  {
    head: 'reclaimed/pass',
    optional: true,
    mine: (v) => count(v.memory?.reclaimedPerPass),
    alone: (r) => count(r.memory?.aloneReclaimedPerPass),
  },
  wait('memory', 'memory wait'),
  {
    head: 'OOM kills',
    optional: true,
    mine: (v) => (v.memory && (v.memory.oomKills || v.memory.aloneOomKills) ? String(v.memory.oomKills) : DASH),
    alone: (r) => (r.memory?.aloneOomKills ? String(r.memory.aloneOomKills) : DASH),
  },
];

const DISK_COLUMNS: ViewColumn[] = [
  {
    head: 'MB/s',
    mine: (v) =>
      v.io?.bytesPerSec ? spread({ ...v.io.bytesPerSec, median: v.io.bytesPerSec.median / 1e6, mad: v.io.bytesPerSec.mad / 1e6 }, 1) : DASH,
    alone: (r) => (r.io?.aloneBytesPerSec ? (r.io.aloneBytesPerSec / 1e6).toFixed(1) : DASH),
  },
  { head: 'rate kept', mine: (v) => pct(v.io?.rateKept?.median), alone: () => 'reference' },
  { head: 'IOPS', mine: (v) => count(v.io?.iops), alone: (r) => count(r.io?.aloneIops) },
  {
    head: 'per IO',
    mine: (v) => (v.io?.usPerIo ? `${v.io.usPerIo.toFixed(0)} us` : DASH),
    alone: (r) => (r.io?.aloneUsPerIo ? `${r.io.aloneUsPerIo.toFixed(0)} us` : DASH),
  },
  wait('io', 'IO wait'),
];

function columnsFor(cell: Cell | undefined, resource: ContentionView['resource'] | undefined): ViewColumn[] {
  if (cell?.kind === 'latency') return LATENCY_COLUMNS;
  switch (resource) {
    case 'page cache':
    case 'memory':
      return MEMORY_COLUMNS;
    case 'disk':
      return DISK_COLUMNS;
    case 'unknown':
      return [...MEMORY_COLUMNS.slice(0, 4), wait('cpu', 'CPU wait'), wait('memory', 'memory wait'), wait('io', 'IO wait')];
    default:
      return CPU_COLUMNS;
  }
}

/**
 * The view's rows: every cell of the workload, alone ones included as the references the others are
 * taken apart against (their own figures where the view gives them, "reference" in the vs-alone column).
 * Slowdown is against the baseline (unlimited, alone); the other figures against the same limit set alone.
 */
export function protectionGrid(doc: ResultDocument, cells: readonly Cell[]): Grid {
  const rows: Row[] = cells.map((cell) => {
    const view = cell.summary.contention;
    if (view) return { cell, view, refs: [] };
    return { cell, refs: cells.flatMap((c) => (c.summary.contention?.aloneCellId === cell.id ? [c.summary.contention] : [])) };
  });
  const resource = rows.find((r) => r.view)?.view?.resource;
  const all = columnsFor(cells[0], resource);
  // An alone row's figure from the first view of it that has one (a view in a shared group has no PSI).
  const value = (col: ViewColumn, r: Row): string => {
    if (r.view) return col.mine(r.view, r.cell);
    const alone = col.alone;
    return (alone && r.refs.map((ref) => alone(ref, r.cell)).find((v) => v !== DASH)) || DASH;
  };
  // A column no row has a figure for (PSI on v1, refaults before 5.9) says nothing: it goes.
  const columns = all.filter((col) => !col.optional || rows.some((r) => value(col, r) !== DASH));
  const head = ['limit', 'neighbours', ...columns.map((c) => c.head), 'verdict', 'neighbour figures'];
  const body = rows.map((r) => [
    r.cell.limitSet,
    neighbourSetName(doc, r.cell) ?? DASH,
    ...columns.map((col) => value(col, r)),
    r.view ? r.view.verdict.text : DASH,
    r.view ? r.view.neighbours.map((n) => neighbourText(n, r.view?.resource)).join('; ') || DASH : DASH,
  ]);
  return { head, rows: body, hidden: [] };
}

/** How to read the view, one line each, for under the table: in the resource's own terms, never the
 *  scheduler's for a memory or IO loss. */
export function protectionNotes(cells: readonly Cell[]): string[] {
  const notes = new Set<string>();
  for (const c of cells) if (c.summary.contention?.modelNote) notes.add(c.summary.contention.modelNote);
  const view = cells.find((c) => c.summary.contention)?.summary.contention;
  const out: string[] = [];
  const latency = cells[0]?.kind === 'latency';
  switch (view?.resource) {
    case 'cpu':
      out.push(
        latency
          ? 'p99 against the same limits alone; the CPU share is its own CPU time over its wall time, the share kept against alone: ' +
              'a share lost is the scheduler’s (limits and weights control it), a longer tail with the share kept is a wait for a CPU ' +
              'that only a CPU pressure figure (v2 PSI) shows'
          : 'slowdown = CPU per work / share kept: the share lost is the scheduler’s (limits and weights control it), ' +
              'the extra CPU per unit of work is interference no cgroup limit controls (shared cores, caches, frequency)',
      );
      out.push(...[...notes].map((n) => `expected: ${n}`));
      break;
    case 'page cache':
    case 'memory':
      out.push(
        'disk reads per pass over its working set (its own /proc/self/io count) against alone: more means the page cache lost ' +
          'its working set to reclaim, which a neighbour’s memory use under a shared memory limit causes and a memory limit on ' +
          'the neighbour prevents; refaults are evicted pages read back (memory.stat workingset_refault_file); its CPU share ' +
          'is not a figure here (a reader waiting for the disk uses less CPU, which no scheduler decided)',
      );
      break;
    case 'disk':
      out.push(
        'rate kept: its bytes per second against alone; per IO: its wall time per IO (one IO at a time, so its latency); ' +
          'a disk’s bandwidth is shared by IO, not by the CPU scheduler: IO throttles (io.max, blkio) or IO weights protect it',
      );
      break;
    case 'unknown':
      out.push('a command’s work is unknown: a loss is named only where a measured figure (disk reads, PSI) moved, else it is unknown');
      break;
    case undefined:
      break;
  }
  return out;
}
