// The host's own noise: the built-in CPU loop (one thread, no limits, no group of its own) run a few times back
// to back at a suite's start and end, so a reader can tell a noisy host from a noisy workload.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CalibrationRound } from '../model/types.js';
import { nativeBinary } from '../model/paths.js';
import { parseWorkloadOutput } from '../programs/registry.js';

const run = promisify(execFile);

/** About 30 ms of CPU per run on this class of machine; eight of them, a few hundred ms a round. */
export const CALIBRATION_ITERATIONS = 100_000_000;
export const CALIBRATION_RUNS = 8;

export function calibrationArgs(iterations = CALIBRATION_ITERATIONS): string[] {
  return ['--iterations', String(iterations), '--threads', '1'];
}

/** "cgbench-cpu --iterations 100000000 --threads 1": what the document records as the loop. */
export function calibrationCommand(iterations = CALIBRATION_ITERATIONS): string {
  return ['cgbench-cpu', ...calibrationArgs(iterations)].join(' ');
}

/** One round; null when the loop cannot run here (not built) or a signal stopped it: the suite goes on without. */
export async function calibrationRound(
  at: CalibrationRound['at'],
  opts: { runs?: number; iterations?: number; signal?: AbortSignal } = {},
): Promise<CalibrationRound | null> {
  const round: CalibrationRound = { at, startedAt: new Date().toISOString(), wallNs: [], cpuNs: [] };
  try {
    for (let i = 0; i < (opts.runs ?? CALIBRATION_RUNS); i++) {
      if (opts.signal?.aborted) return null;
      const { stdout } = await run(nativeBinary('cgbench-cpu'), calibrationArgs(opts.iterations), {
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const m = parseWorkloadOutput(stdout);
      if (!m || typeof m.cpuNs !== 'number') return null;
      round.wallNs.push(m.wallNs);
      round.cpuNs.push(m.cpuNs);
    }
  } catch {
    return null;
  }
  return round;
}
