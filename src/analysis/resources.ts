// A measured run's figures in its resource's own terms: disk reads, major faults and refaults per pass of a
// page-cache working set, IOs per second and time per IO, PSI stall shares. One home for the contention view
// and the compare gate. Pure.

import { groupFigures } from '../model/metrics.js';
import type { Cell, GroupFigures, Run, WorkloadKind, WorkloadParams } from '../model/types.js';

/** What a workload's work depends on: the resource its protection view speaks of. */
export type Resource = 'cpu' | 'page cache' | 'memory' | 'disk' | 'unknown';

export function resourceOf(params: WorkloadParams): Resource {
  switch (params.kind) {
    case 'cpu':
    case 'latency':
      return 'cpu';
    case 'memory':
      return params.mode === 'pagecache' ? 'page cache' : 'memory';
    case 'io':
      return 'disk';
    case 'command':
    case 'service':
      return 'unknown';
  }
}

/** A neighbour in the measured group makes the group's counters both's: only the workload's own figures count. */
export function sharesGroup(cell: Pick<Cell, 'neighbourSet'>): boolean {
  return cell.neighbourSet?.neighbours.some((n) => n.placement === 'same') ?? false;
}

/** The measured group's figures over a run; undefined when a neighbour shares the group or a reading is missing. */
export function runGroup(r: Pick<Run, 'before' | 'after'>, shared: boolean): GroupFigures | undefined {
  return !shared && r.before && r.after ? groupFigures(r.before, r.after) : undefined;
}

type Measured = Pick<Run, 'before' | 'after' | 'metrics'>;
type CellLike = Pick<Cell, 'params' | 'neighbourSet'>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Passes over the working set a run made (a page-cache workload's), else 1: figures per pass compare runs
 *  of different lengths. */
function passesOf(r: Measured, params: WorkloadParams): number {
  const reported = num(r.metrics?.passes);
  if (reported !== undefined && reported > 0) return reported;
  return params.kind === 'memory' && params.mode === 'pagecache' ? params.passes : 1;
}

/** Kinds whose disk reads say how well memory served them: page-cache workloads, and commands (unknown work). */
export function readsMatter(kind: WorkloadKind): boolean {
  return kind === 'memory' || kind === 'command';
}

/** Bytes read from storage over a run: the workload's own count over its timed phase (/proc/self/io), else
 *  its group's reads over the run. */
export function diskReadBytes(r: Measured, cell: CellLike): number | undefined {
  return num(r.metrics?.diskReadBytes) ?? runGroup(r, sharesGroup(cell))?.ioReadBytes;
}

/** Bytes read from storage per pass over the working set. */
export function diskReadsPerPass(r: Measured, cell: CellLike): number | undefined {
  const bytes = diskReadBytes(r, cell);
  return bytes === undefined ? undefined : bytes / passesOf(r, cell.params);
}

/** Major faults per pass: the workload's own (rusage), else its group's. */
export function majorFaultsPerPass(r: Measured, cell: CellLike): number | undefined {
  const faults = num(r.metrics?.majflt) ?? runGroup(r, sharesGroup(cell))?.majorFaults;
  return faults === undefined ? undefined : faults / passesOf(r, cell.params);
}

/** Page-cache pages evicted from its group and read back, per pass (memory.stat workingset_refault_file). */
export function refaultsPerPass(r: Measured, cell: CellLike): number | undefined {
  const refaults = runGroup(r, sharesGroup(cell))?.refaults;
  return refaults === undefined ? undefined : refaults / passesOf(r, cell.params);
}

/** v2 memory.stat pgsteal: pages reclaimed from its group, per pass. */
export function reclaimedPerPass(r: Measured, cell: CellLike): number | undefined {
  const pages = runGroup(r, sharesGroup(cell))?.reclaimed;
  return pages === undefined ? undefined : pages / passesOf(r, cell.params);
}

export type PressureResource = 'cpu' | 'memory' | 'io';

/** v2 PSI "some": the share of the run, %, during which at least one of its tasks waited for the resource. */
export function stallPct(r: Measured, cell: CellLike, res: PressureResource): number | undefined {
  const g = runGroup(r, sharesGroup(cell));
  const us = res === 'cpu' ? g?.cpuStallUs : res === 'memory' ? g?.memoryStallUs : g?.ioStallUs;
  return us === undefined || !g?.spanNs ? undefined : ((us * 1000) / g.spanNs) * 100;
}

/** IOs per second of an IO workload: its own count over its own timed wall. */
export function iopsOf(r: Measured): number | undefined {
  const ops = num(r.metrics?.ops);
  const wall = r.metrics?.wallNs ?? 0;
  return ops !== undefined && wall > 0 ? (ops * 1e9) / wall : undefined;
}

/** Mean wall time per IO, us: the built-in IO workload issues one IO at a time, so this is its IO latency. */
export function usPerIo(r: Measured): number | undefined {
  const ops = num(r.metrics?.ops);
  return ops && r.metrics ? r.metrics.wallNs / ops / 1000 : undefined;
}
