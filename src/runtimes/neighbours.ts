// A neighbour's life beside one measured run, the same for every runtime: started before the run,
// started again whenever it finishes, stopped when the run ends, and booked as one NeighbourRun.

import { monotonicNs, sleep } from '../model/clock.js';
import { addGroupFigures, groupFigures } from '../model/metrics.js';
import type { NeighbourRun, NeighbourSpec } from '../model/types.js';
import { parseWorkloadOutput } from '../programs/registry.js';
import type { ExitInfo, RunHandle } from './runtime.js';

/** The run id of neighbour `i`'s own group or container slot, and of its start `k` (every runtime names them so,
 *  under the measured run's id, so `cgbench clean` finds them with it). */
export function neighbourRunId(runId: string, i: number, k?: number): string {
  return k === undefined ? `${runId}-n${i}` : `${runId}-n${i}-s${k}`;
}

/** The run id of a run's shared parent group. */
export function parentRunId(runId: string): string {
  return `${runId}-parent`;
}

/** Starts the neighbour's workload once, where its runtime puts it; the loop decides when to stop it. */
export type StartNeighbour = (start: number) => Promise<Pick<RunHandle, 'exited' | 'stop'>>;

/** A start that ends this fast without a result is a failure, not a short workload: the loop gives up. */
const FAILED_START_MS = 50;

/** A run's share of the books: the workload's CPU (rusage of all its threads, killed ones included). */
function cpuUsOf(exit: ExitInfo): number {
  const s = exit.report?.status;
  return (s?.utimeUs ?? 0) + (s?.stimeUs ?? 0);
}

/**
 * One neighbour, kept busy until `stop()`: its completed starts give its throughput (the work they report
 * over their own timed wall), every start its CPU and its own group's figures (IO, memory, faults). A start
 * that fails (exits non-zero on its own, or reports nothing) ends the loop with the error, so a broken
 * neighbour never spins.
 */
export class NeighbourLoop {
  private readonly book: NeighbourRun;
  private current: Pick<RunHandle, 'exited' | 'stop'> | undefined;
  private stopping = false;
  private readonly t0 = monotonicNs();
  private readonly done: Promise<void>;
  /** In the measured group its readings are the measured run's: only a group of its own is booked. */
  private readonly ownGroup: boolean;
  private firstStart: () => void = () => undefined;
  /** Resolves once the first start is under way (or failed). */
  readonly started: Promise<void>;

  constructor(
    spec: NeighbourSpec,
    private readonly startOnce: StartNeighbour,
  ) {
    this.book = { label: spec.label, placement: spec.placement, starts: 0, completed: 0, wallNs: 0, cpuUs: 0 };
    this.ownGroup = spec.placement === 'own';
    this.started = new Promise((resolve) => {
      this.firstStart = resolve;
    });
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const t = monotonicNs();
      try {
        this.current = await this.startOnce(this.book.starts);
      } catch (e) {
        this.book.error = `start ${this.book.starts + 1} failed: ${(e as Error).message}`;
        break;
      } finally {
        this.firstStart();
      }
      this.book.starts++;
      const exit = await this.current.exited;
      this.current = undefined;
      this.book.cpuUs += cpuUsOf(exit);
      // Each start's own readings, summed: a container per start (docker) begins with fresh counters.
      const r = exit.report;
      if (this.ownGroup && r?.before && r.after) this.book.group = addGroupFigures(this.book.group, groupFigures(r.before, r.after));
      const metrics = exit.exitCode === 0 ? parseWorkloadOutput(exit.stdout) : null;
      if (metrics) {
        this.book.completed++;
        this.book.completedWallNs = (this.book.completedWallNs ?? 0) + metrics.wallNs;
        if (typeof metrics.ops === 'number') this.book.ops = (this.book.ops ?? 0) + metrics.ops;
        if (typeof metrics.bytes === 'number') this.book.bytes = (this.book.bytes ?? 0) + metrics.bytes;
        continue;
      }
      if (this.stopping) break;
      const quick = (monotonicNs() - t) / 1e6 < FAILED_START_MS;
      const why = exit.report?.status.error ?? (exit.stderrTail.trim().split('\n').pop() || `exit ${exit.exitCode ?? exit.signal}`);
      this.book.error = `start ${this.book.starts} ended without a result${quick ? ' at once' : ''}: ${why}`;
      break;
    }
  }

  /** Stop the running start (the launcher kills its workload and still reports) and book the neighbour. */
  async stop(): Promise<NeighbourRun> {
    this.stopping = true;
    this.current?.stop();
    await this.done;
    this.book.wallNs = monotonicNs() - this.t0;
    return { ...this.book };
  }
}

/** Start every neighbour, then give them `settleMs` to exec and reach their steady state. */
export async function startNeighbours(loops: NeighbourLoop[], settleMs: number): Promise<void> {
  await Promise.all(loops.map((l) => l.started));
  if (loops.length) await sleep(settleMs);
}
