// Progress on stderr: a live line (the runs in flight, progress, ETA) on a TTY, plain lines otherwise
// (CI logs). Data never goes here; stdout stays clean for tables and JSON.

import { expectedRunMs, meanRunMs, type ModelContext } from '../analysis/expected.js';
import type { Cell } from '../model/types.js';
import { formatDurationNs } from '../model/units.js';
import type { SuiteEvent } from '../scheduler/suite.js';

/** How often the live line is redrawn on a terminal. */
const REDRAW_MS = 250;

/** Expected remaining time: finished runs of a cell predict its next ones; unseen cells are scaled
 *  from their baseline by the model's expected slowdown, or take the mean run time so far. */
function estimateRemainingMs(cells: Cell[], perCell: number, inFlight: ReadonlySet<string>, ctx: ModelContext = { hostCpus: 1 }): number {
  const meanAll = meanRunMs(cells.flatMap((c) => c.runs));
  const byId = new Map(cells.map((c) => [c.id, c]));
  let total = 0;
  for (const cell of cells) {
    const left = perCell - cell.runs.length - (inFlight.has(cell.id) ? 1 : 0);
    if (left <= 0) continue;
    total += left * (expectedRunMs(cell, cell.baselineId ? byId.get(cell.baselineId) : undefined, ctx) ?? meanAll);
  }
  return total;
}

function fmtMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function runName(warmup: boolean, index: number): string {
  return warmup ? 'warm-up' : `run ${index + 1}`;
}

function runLine(e: Extract<SuiteEvent, { type: 'run-end' }>): string {
  const r = e.run;
  const what = r.outcome === 'ok' ? formatDurationNs(r.metrics.wallNs) : `${r.outcome}: ${r.message}`;
  const counter = `[${String(e.done).padStart(String(e.total).length)}/${e.total}]`;
  return `${counter} ${e.cell.id}  ${runName(r.warmup, r.index)}  ${what}`;
}

interface InFlight {
  cell: Cell;
  index: number;
  warmup: boolean;
  startedMs: number;
}

export class Progress {
  private timer: NodeJS.Timeout | null = null;
  /** The runs going on, by cell (a cell runs one run at a time; a cluster's nodes several cells at once). */
  private readonly inFlight = new Map<string, InFlight>();
  private counts = { done: 0, total: 0 };
  private cells: Cell[] = [];
  private perCell = 1;
  private ctx: ModelContext = { hostCpus: 1 };

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly live = Boolean(out.isTTY),
    private readonly now: () => number = Date.now,
  ) {}

  setMatrix(cells: Cell[], perCell: number, ctx: ModelContext): void {
    this.cells = cells;
    this.perCell = perCell;
    this.ctx = ctx;
  }

  on(e: SuiteEvent): void {
    switch (e.type) {
      case 'suite-start':
        this.out.write(`running ${e.runs} runs in ${e.cells} cells\n`);
        if (this.live) this.timer = setInterval(() => this.render(), REDRAW_MS);
        break;
      case 'run-start':
        this.inFlight.set(e.cell.id, { cell: e.cell, index: e.index, warmup: e.warmup, startedMs: this.now() });
        this.counts = { done: e.done, total: e.total };
        this.render();
        break;
      case 'run-end':
        this.clear();
        this.out.write(runLine(e) + '\n');
        this.inFlight.delete(e.cell.id);
        this.counts = { done: e.done, total: e.total };
        this.render();
        break;
      case 'suite-end':
        this.stop();
        break;
      default:
        break;
    }
  }

  private clear(): void {
    if (this.live) this.out.write('\r\x1b[2K');
  }

  /** The live line: the one run going on, or "N running: cell @node, ..." when nodes run several at once. */
  line(): string | null {
    const runs = [...this.inFlight.values()];
    const first = runs[0];
    if (!first) return null;
    const now = this.now();
    const { done, total } = this.counts;
    // Runs on several nodes go on at once: the work left is shared by as many lanes.
    const left = estimateRemainingMs(this.cells, this.perCell, new Set(this.inFlight.keys()), this.ctx) / runs.length;
    const current = Math.max(...runs.map((r) => Math.max(0, meanRunMs(r.cell.runs) - (now - r.startedMs))));
    const counter = `[${done + runs.length}/${total}]`;
    const eta = `ETA ${fmtMs(left + current)}`;
    if (runs.length === 1) {
      return `${counter} ${first.cell.id}  ${runName(first.warmup, first.index)}  ${fmtMs(now - first.startedMs)}  ${eta}`;
    }
    const at = (r: InFlight): string => (r.cell.node ? `${r.cell.id} @${r.cell.node.hostname}` : r.cell.id);
    return `${counter} ${eta}  ${runs.length} running: ${runs.map(at).join(', ')}`;
  }

  private render(): void {
    if (!this.live) return;
    const line = this.line();
    if (line === null) return;
    const width = this.out.columns ?? 120;
    this.clear();
    this.out.write(line.length > width - 1 ? line.slice(0, width - 2) + '…' : line);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }
}
