// Facts about a workload's parameters that several layers need.

import type { WorkloadKind, WorkloadParams } from './types.js';

/** Does this workload read or write files in the scratch directory (so it must be on a real disk)? */
export function usesScratch(params: WorkloadParams): boolean {
  return params.kind === 'io' || (params.kind === 'memory' && params.mode === 'pagecache');
}

/** Kinds whose wall time carries the result, so a slowdown against the baseline means something: not
 *  io (its figure is the rate against the throttle) nor latency (it runs for a fixed time). */
export function slowdownMeans(cell: { kind: WorkloadKind }): boolean {
  return cell.kind === 'cpu' || cell.kind === 'memory' || cell.kind === 'command';
}
