// Facts about a workload's parameters that several layers need.

import type { WorkloadParams } from './types.js';

/** Does this workload read or write files in the scratch directory (so it must be on a real disk)? */
export function usesScratch(params: WorkloadParams): boolean {
  return params.kind === 'io' || (params.kind === 'memory' && params.mode === 'pagecache');
}
