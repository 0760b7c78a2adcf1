// Noise told once: the host's own spread (a fixed CPU loop at the suite's start and end) and, per workload, how
// far its cells' runs spread and how many runs (or blocks) its slowdowns' intervals would need to reach a
// target. Pure.

import { slowdownMeans } from '../model/params.js';
import type { CalibrationRound, Cell, HostCalibration } from '../model/types.js';
import { measuredRuns } from './runs.js';
import { logSpread, mad, median, runsForTarget } from './stats.js';

/** A spread (MAD / median) above this is noisy: about a 5 % coefficient of variation for normal noise, but
 *  one stray run among three cannot trigger it, nor hide a real spread. */
export const NOISY_MAD = 0.03;
/** The interval a workload's noise line aims at when the scenario sets no adaptive target: ±5 %. */
export const DEFAULT_TARGET = 0.05;

const spreadOf = (values: readonly number[]): number | undefined => {
  const m = median(values);
  return values.length >= 2 && m > 0 ? mad(values) / m : undefined;
};

/** The calibration record with its figures (over every round's runs together, and the end's drift). */
export function hostCalibration(command: string, rounds: CalibrationRound[]): HostCalibration {
  const out: HostCalibration = { command, rounds };
  const walls = rounds.flatMap((r) => r.wallNs);
  const cpus = rounds.flatMap((r) => r.cpuNs);
  const wallSpread = spreadOf(walls);
  const cpuSpread = spreadOf(cpus);
  if (wallSpread !== undefined) out.wallSpread = wallSpread;
  if (cpuSpread !== undefined) out.cpuSpread = cpuSpread;
  const start = rounds.find((r) => r.at === 'start');
  const end = rounds.find((r) => r.at === 'end');
  if (start?.wallNs.length && end?.wallNs.length) out.drift = median(end.wallNs) / median(start.wallNs);
  return out;
}

/** One workload's noise: its cells' spreads and what a target interval of its slowdowns would take. */
export interface WorkloadNoise {
  workload: string;
  /** Cells with at least two measured runs, and those whose spread is above NOISY_MAD. */
  cells: number;
  noisyCells: string[];
  /** The smallest and largest spread (MAD / median of wall times) among its cells. */
  spread: [number, number];
  /** The widest slowdown interval's half-width relative to its slowdown, where intervals exist. */
  widestSlowdown?: { cellId: string; halfWidth: number };
  /** Runs per cell (interleaved: blocks) a ±target interval of every slowdown would need, from the widest
   *  spread seen; and how many the cells had. */
  needed?: number;
  had?: number;
  /** Interleaved order: counted in blocks (one run of each cell per block). */
  blocks: boolean;
}

/**
 * Per workload (and runtime, host): its cells' spreads, and the runs its slowdowns' 95 % intervals would need
 * to reach ±target, from the two cells' log spreads together (a ratio of two samples of n runs each).
 */
export function workloadNoise(cells: readonly Cell[], target = DEFAULT_TARGET): WorkloadNoise[] {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = `${c.workload}\0${c.runtime}\0${c.host ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: WorkloadNoise[] = [];
  for (const group of groups.values()) {
    const spreads: [Cell, number][] = [];
    for (const c of group) {
      const w = c.summary.wall;
      if (w && w.n >= 2 && w.median > 0) spreads.push([c, w.mad / w.median]);
    }
    if (!spreads.length) continue;
    const values = spreads.map(([, s]) => s);
    const noise: WorkloadNoise = {
      workload: group[0]?.workload ?? '',
      cells: spreads.length,
      noisyCells: spreads.filter(([, s]) => s > NOISY_MAD).map(([c]) => c.id),
      spread: [Math.min(...values), Math.max(...values)],
      blocks: false,
    };
    let needed = 0;
    let had = Number.POSITIVE_INFINITY;
    for (const c of group) {
      const base = c.baselineId ? byId.get(c.baselineId) : undefined;
      const s = c.summary;
      // An IO cell's figure is its rate against the throttle: its slowdown says nothing (model/params).
      if (!base || !slowdownMeans(c) || s.slowdown === null || !(s.slowdown > 0)) continue;
      if (s.slowdownRange) {
        const half = (s.slowdownRange[1] - s.slowdownRange[0]) / 2 / s.slowdown;
        if (!noise.widestSlowdown || half > noise.widestSlowdown.halfWidth) noise.widestSlowdown = { cellId: c.id, halfWidth: half };
      }
      const mine = measuredRuns(c);
      const theirs = measuredRuns(base);
      if (mine.length < 2 || theirs.length < 2) continue;
      const walls = (runs: typeof mine): number[] => runs.map((r) => r.metrics.wallNs);
      needed = Math.max(needed, runsForTarget(Math.hypot(logSpread(walls(mine)), logSpread(walls(theirs))), target));
      had = Math.min(had, mine.length);
      if (mine.some((r) => r.block !== undefined)) noise.blocks = true;
    }
    if (needed > 0 && Number.isFinite(had)) {
      noise.needed = needed;
      noise.had = had;
    }
    out.push(noise);
  }
  return out;
}
