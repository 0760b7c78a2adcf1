// Pure facts about a Limits value that several layers need: whether it limits anything, and which
// of its limits `docker run` cannot express (used by the Docker flags and by the warnings).

import type { Limits } from './types.js';

/** True when the set limits nothing (the baseline). */
export function isEmptyLimits(l: Limits): boolean {
  return !(l.cpu?.quotaUs != null || l.memory?.maxBytes != null || l.memory?.highBytes != null || (l.io && l.io.length) || l.pids !== undefined || l.cpuset !== undefined);
}

/** Limits `docker run` has no flag for, each with the reason. */
export function dockerUnsupportedLimits(limits: Limits): string[] {
  const out: string[] = [];
  if (limits.cpu?.burstUs !== undefined) out.push('cpu burst (docker run has no flag for cpu.cfs_burst_us / cpu.max.burst)');
  if (limits.memory) {
    const { maxBytes, swapBytes, highBytes } = limits.memory;
    if (maxBytes === null && swapBytes != null) out.push('memory swap without a memory max (docker limits swap only together with --memory)');
    if (highBytes != null) out.push('memory.high (docker run has no flag for it; --memory-reservation is a soft limit, not reclaim throttling)');
  }
  return out;
}
