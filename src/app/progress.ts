// Progress on stderr: a live line (current cell, progress, ETA) on a TTY, plain lines otherwise
// (CI logs). Data never goes here; stdout stays clean for tables and JSON.

import { expectedRunMs, meanRunMs, type ModelContext } from '../analysis/expected.js';
import type { Cell } from '../model/types.js';
import { formatDurationNs } from '../model/units.js';
import type { SuiteEvent } from '../scheduler/suite.js';

/** How often the live line is redrawn on a terminal. */
const REDRAW_MS = 250;

/** Expected remaining time: finished runs of a cell predict its next ones; unseen cells are scaled
 *  from their baseline by the model's expected slowdown, or take the mean run time so far. */
function estimateRemainingMs(
  cells: Cell[],
  perCell: number,
  current?: { cell: Cell; index: number },
  ctx: ModelContext = { hostCpus: 1 },
): number {
  const meanAll = meanRunMs(cells.flatMap((c) => c.runs));
  const byId = new Map(cells.map((c) => [c.id, c]));
  let total = 0;
  for (const cell of cells) {
    const left = perCell - cell.runs.length - (current?.cell.id === cell.id ? 1 : 0);
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

export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private current: { cell: Cell; index: number; warmup: boolean; done: number; total: number; startedMs: number } | null = null;
  private cells: Cell[] = [];
  private perCell = 1;
  private ctx: ModelContext = { hostCpus: 1 };

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly live = Boolean(out.isTTY),
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
        this.current = { cell: e.cell, index: e.index, warmup: e.warmup, done: e.done, total: e.total, startedMs: Date.now() };
        this.render();
        break;
      case 'run-end':
        this.clear();
        this.out.write(runLine(e) + '\n');
        this.current = null;
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

  private render(): void {
    if (!this.live || !this.current) return;
    const c = this.current;
    const elapsedMs = Date.now() - c.startedMs;
    const eta = estimateRemainingMs(this.cells, this.perCell, c, this.ctx) + Math.max(0, this.etaCurrent(c) - elapsedMs);
    const line = `[${c.done + 1}/${c.total}] ${c.cell.id}  ${runName(c.warmup, c.index)}  ${fmtMs(elapsedMs)}  ETA ${fmtMs(eta)}`;
    const width = this.out.columns ?? 120;
    this.clear();
    this.out.write(line.length > width - 1 ? line.slice(0, width - 2) + '…' : line);
  }

  private etaCurrent(c: { cell: Cell }): number {
    return meanRunMs(c.cell.runs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }
}
