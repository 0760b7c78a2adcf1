// The interleaved order of runs: a workload's cells run one run each per block, shuffled by a seeded
// generator so the order is random yet repeatable from the seed the document records. Pure.

import type { Cell } from '../model/types.js';

/** A small, fast, seedable generator (mulberry32): uniform in [0, 1). Statistical quality is ample for shuffles. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates over a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The cells interleaved together: those sharing a baseline (one workload on one runtime, every limit set
 * and neighbour set), baseline first, in matrix order: the runs a slowdown compares spread over the same
 * blocks only within such a group.
 */
export function interleaveGroups(cells: readonly Cell[]): Cell[][] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = c.baselineId ?? c.id;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()];
}

/**
 * One block's order: its members shuffled, except that a baseline with no run yet goes first, so the
 * models that scale a limited cell from its baseline (expected length, sampling interval, progress) have
 * something to scale from before the first limited run.
 */
export function blockOrder(members: readonly Cell[], random: () => number): Cell[] {
  const base = members.find((c) => c.baselineId === null && c.runs.length === 0);
  const rest = shuffled(
    members.filter((c) => c !== base),
    random,
  );
  return base ? [base, ...rest] : rest;
}
