// `npm run bench` (with bench/sampler.ts and bench/load.ts): interleaved run order against sequential, in one run
// on the same machine. Each preset (BENCH_ORDER_PRESETS, default seed) runs natively in both orders, each order's
// blocks in two halves run A B B A (B A A B for the next preset) and pooled: a quiet or a slow stretch of the
// machine, which lasts minutes here, then falls on both orders rather than on whichever ran in it. Per slowdown:
// its 95 % interval's relative half-width, and that width scaled to one minute of suite time (an interval narrows
// with the square root of the runs, so width x sqrt(minutes) compares suites of different lengths); and whether
// the interval holds the model's slowdown (p/q for a quota): a narrow interval that misses it is not a better one.
// And, for interleaved order, how much a block's two runs (a cell's and its baseline's) share: their rank
// correlation r, and the most a paired reading could narrow the interval, 1 / sqrt(1 - r). Order cannot narrow the
// unpaired interval at all, only move drift off one cell; pairing narrows it only by what a block's runs share.
// Both orders get the same fixed number of blocks (BENCH_ORDER_BLOCKS, default 12; a preset's adaptive
// repetitions are held to it): adaptive runs would stop each order at its own target or budget and add baseline
// runs until the distribution-free interval (all run-to-run ratios, Mann-Whitney) exists at all, so the two
// suites would differ in their runs, not only in their order. Both read the slowdown the same way (the ratio of
// the medians and that interval): the figures compare the order alone. Writes its figures as JSON under
// reports/bench/, and beside them each order's pooled result document (every run's wall and CPU time, block and
// place in the order), so a figure can be read back run by run. Needs root (native cgroups); the suites clean up
// after themselves.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Cell, ResultDocument, Run } from '../src/model/types.js';
import { measuredRuns } from '../src/analysis/runs.js';
import { median, spearman } from '../src/analysis/stats.js';
import { refreshSummaries } from '../src/scheduler/suite.js';

const ORDERS = ['interleaved', 'sequential'] as const;
type Order = (typeof ORDERS)[number];
const PRESETS = (process.env.BENCH_ORDER_PRESETS ?? 'seed').split(',').filter(Boolean);
const CLI = resolve('dist/cli/main.js');
const BLOCKS = Number(process.env.BENCH_ORDER_BLOCKS ?? 12);
/** The interval every slowdown must reach for the suite-time figure: ±5 %. */
const TARGET = 0.05;

interface CellFigure {
  cell: string;
  slowdown: number | null;
  /** Relative half-width of the 95 % interval; null without one. */
  halfWidth: number | null;
  /** halfWidth x sqrt(suite minutes): the half-width one minute of this suite would give. */
  perMinute: number | null;
  runs: number;
  /** The model's slowdown (summary.expectedSlowdown), and whether the interval holds it; null without either. */
  expected: number | null;
  holdsModel: boolean | null;
  /** Rank correlation of the cell's wall times with its baseline's run in the same block (interleaved order);
   *  null in sequential order or under 3 shared blocks. */
  blockCorrelation: number | null;
  /** The most a paired (within-block) reading could narrow this interval: 1 / sqrt(1 - r), 1 when r <= 0. Two
   *  cells of equal spread give exactly this; unequal spreads give less. */
  pairingCeiling: number | null;
}

interface OrderResult {
  /** The suite's result document (kept beside the figures, not in them). */
  doc: ResultDocument;
  preset: string;
  order: Order;
  suiteSeconds: number;
  /** Seconds from the suite's start until every slowdown's interval was within ±TARGET, read back from the runs
   *  as they finished (the summaries recomputed after each); null when the suite never got there. */
  secondsToTarget: number | null;
  cells: CellFigure[];
}

/** The cells whose slowdown this bench compares (IO throttles are exact: no drift to cancel). */
const compared = (cells: Cell[]): Cell[] => cells.filter((c) => c.baselineId !== null && c.kind !== 'io');

const halfWidthOf = (c: Cell): number | null => {
  const s = c.summary;
  return s.slowdownRange && s.slowdown ? (s.slowdownRange[1] - s.slowdownRange[0]) / 2 / s.slowdown : null;
};

/** One half of an order's blocks: its suite's document and how long it took. */
interface Half {
  doc: ResultDocument;
  seconds: number;
}

/** Seconds of suite time (its halves' own, not the other order's between them) at which each run (by seq) ended. */
type Clock = Map<number, number>;

/**
 * The two halves as one document: the second's runs numbered on after the first's (seq and block), every summary
 * recomputed over both; and the suite time at which each run ended.
 */
function pooled([first, second]: [Half, Half]): { doc: ResultDocument; seconds: number; clock: Clock } {
  const doc = structuredClone(first.doc);
  const clock: Clock = new Map();
  const ended = (h: Half, r: Run): number => (Date.parse(r.startedAt) + r.harnessWallNs / 1e6 - Date.parse(h.doc.createdAt)) / 1000;
  const all = (d: ResultDocument): Run[] => d.cells.flatMap((c) => c.runs);
  for (const r of all(doc)) if (r.seq !== undefined) clock.set(r.seq, ended(first, r));
  const seqFrom = 1 + Math.max(-1, ...all(doc).map((r) => r.seq ?? -1));
  const blockFrom = 1 + Math.max(-1, ...all(doc).map((r) => r.block ?? -1));
  for (const cell of second.doc.cells) {
    const into = doc.cells.find((c) => c.id === cell.id);
    if (!into) throw new Error(`the second half has a cell the first has not: ${cell.id}`);
    for (const r of cell.runs) {
      const run: Run = { ...r, index: into.runs.length };
      if (r.seq !== undefined) run.seq = r.seq + seqFrom;
      if (r.block !== undefined) run.block = r.block + blockFrom;
      if (run.seq !== undefined) clock.set(run.seq, first.seconds + ended(second, r));
      into.runs.push(run);
    }
  }
  refreshSummaries(doc);
  return { doc, seconds: first.seconds + second.seconds, clock };
}

/** When (seconds of suite time) the runs that had finished first gave every compared slowdown ±TARGET. */
function secondsToTarget(doc: ResultDocument, clock: Clock): number | null {
  const runs = doc.cells.flatMap((c) => c.runs).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  for (const last of runs) {
    const upTo = last.seq ?? 0;
    const prefix: ResultDocument = structuredClone(doc);
    for (const c of prefix.cells) c.runs = c.runs.filter((r) => (r.seq ?? 0) <= upTo);
    refreshSummaries(prefix);
    const widths = compared(prefix.cells).map(halfWidthOf);
    if (widths.length && widths.every((w) => w !== null && w <= TARGET)) return clock.get(upTo) ?? null;
  }
  return null;
}

/** Rank correlation of a cell's wall times with its baseline's in the blocks both ran in (their first runs there). */
function blockCorrelation(cell: Cell, baseline: Cell | undefined): number | null {
  if (!baseline) return null;
  const first = (c: Cell): Map<number, number> => {
    const m = new Map<number, number>();
    for (const r of measuredRuns(c)) if (r.block !== undefined && !m.has(r.block) && r.metrics.wallNs) m.set(r.block, r.metrics.wallNs);
    return m;
  };
  const [mine, theirs] = [first(cell), first(baseline)];
  const shared = [...mine.keys()].filter((b) => theirs.has(b));
  return spearman(
    shared.map((b) => mine.get(b) as number),
    shared.map((b) => theirs.get(b) as number),
  );
}

/** An order's figures, from its pooled halves. */
function orderFigures(preset: string, order: Order, halves: [Half, Half]): OrderResult {
  const { doc, seconds, clock } = pooled(halves);
  const cells = compared(doc.cells)
    .filter((c) => c.summary.slowdown !== null)
    .map((c) => {
      const half = halfWidthOf(c);
      const expected = c.summary.expectedSlowdown;
      const range = c.summary.slowdownRange;
      const r =
        order === 'interleaved'
          ? blockCorrelation(
              c,
              doc.cells.find((b) => b.id === c.baselineId),
            )
          : null;
      return {
        cell: `${c.workload} / ${c.limitSet}`,
        slowdown: c.summary.slowdown,
        halfWidth: half,
        perMinute: half === null ? null : half * Math.sqrt(seconds / 60),
        runs: c.summary.measuredRuns,
        expected,
        holdsModel: expected !== null && range ? range[0] <= expected && expected <= range[1] : null,
        blockCorrelation: r,
        pairingCeiling: r === null ? null : r > 0 ? 1 / Math.sqrt(1 - r) : 1,
      };
    });
  return { doc, preset, order, suiteSeconds: seconds, secondsToTarget: secondsToTarget(doc, clock), cells };
}

function runHalf(preset: string, order: Order, blocks: number): Half {
  const out = mkdtempSync(join(tmpdir(), 'cgbench-bench-order-'));
  try {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'run',
        '--preset',
        preset,
        '--order',
        order,
        '-r',
        String(blocks),
        '--max-repetitions',
        String(blocks),
        '--out',
        out,
        '--report',
        'none',
        '--json',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (r.status !== 0) throw new Error(`cgbench run --preset ${preset} --order ${order} exited ${r.status}`);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    return { doc, seconds: (Date.parse(doc.finishedAt ?? doc.createdAt) - Date.parse(doc.createdAt)) / 1000 };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const pct = (x: number | null): string => (x === null ? 'none' : `±${(x * 100).toFixed(1)} %`);
const inside = (holds: boolean | null): string => (holds === null ? 'no interval' : holds ? 'inside' : 'outside');

function main(): void {
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root: the suites run natively in cgroups');
  if (!Number.isInteger(BLOCKS) || BLOCKS < 4) throw new Error(`BENCH_ORDER_BLOCKS=${process.env.BENCH_ORDER_BLOCKS}: a whole number >= 4`);
  const results: OrderResult[] = [];
  const sizes = [Math.ceil(BLOCKS / 2), Math.floor(BLOCKS / 2)];
  PRESETS.forEach((preset, i) => {
    const [a, b] = i % 2 ? [...ORDERS].reverse() : ORDERS;
    const halves = new Map<Order, Half[]>(ORDERS.map((o) => [o, []]));
    for (const [order, n] of [a, b, b, a].map((o, k) => [o, sizes[k < 2 ? 0 : 1]] as const)) {
      const done = halves.get(order) as Half[];
      process.stderr.write(`bench: ${preset}, ${order} order, half ${done.length + 1} (${n} blocks)\n`);
      done.push(runHalf(preset, order, n as number));
    }
    for (const order of ORDERS) results.push(orderFigures(preset, order, halves.get(order) as [Half, Half]));
  });
  const lines: string[] = [];
  const ratios: number[] = [];
  for (const preset of PRESETS) {
    const [inter, seq] = ORDERS.map((o) => results.find((r) => r.preset === preset && r.order === o));
    const reached = (r: OrderResult | undefined): string =>
      r?.secondsToTarget == null
        ? `never within ±${TARGET * 100} %`
        : `every slowdown within ±${TARGET * 100} % after ${r.secondsToTarget.toFixed(0)} s`;
    const holds = (r: OrderResult | undefined): string => {
      const judged = (r?.cells ?? []).filter((c) => c.holdsModel !== null);
      return `${judged.filter((c) => c.holdsModel).length} of ${judged.length}`;
    };
    lines.push(
      `${preset} (${BLOCKS} blocks, in halves A B B A): interleaved ${inter?.suiteSeconds.toFixed(0)} s, ${reached(inter)}; ` +
        `sequential ${seq?.suiteSeconds.toFixed(0)} s, ${reached(seq)}; intervals that hold the model's slowdown: ` +
        `interleaved ${holds(inter)}, sequential ${holds(seq)}`,
    );
    for (const c of inter?.cells ?? []) {
      const s = seq?.cells.find((x) => x.cell === c.cell);
      const ratio = c.perMinute && s?.perMinute ? s.perMinute / c.perMinute : null;
      if (ratio !== null) ratios.push(ratio);
      lines.push(
        `  ${c.cell}: interleaved ${c.slowdown?.toFixed(2)}x ${pct(c.halfWidth)} over ${c.runs} runs (${pct(c.perMinute)} per minute); ` +
          `sequential ${s?.slowdown?.toFixed(2)}x ${pct(s?.halfWidth ?? null)} over ${s?.runs} runs ` +
          `(${pct(s?.perMinute ?? null)} per minute); ` +
          `sequential / interleaved width per minute ${ratio === null ? 'n/a (no interval)' : `${ratio.toFixed(2)}x`}` +
          (c.expected !== null
            ? `; model ${c.expected.toFixed(2)}x: interleaved ${inside(c.holdsModel)}, sequential ${inside(s?.holdsModel ?? null)}`
            : '') +
          (c.blockCorrelation !== null
            ? `; a block's two runs correlate ${c.blockCorrelation >= 0 ? '+' : ''}${c.blockCorrelation.toFixed(2)} ` +
              `(pairing them could narrow the interval ${(c.pairingCeiling as number).toFixed(2)}x at most)`
            : ''),
      );
    }
  }
  const rs = results.flatMap((r) => r.cells.flatMap((c) => (c.blockCorrelation === null ? [] : [c.blockCorrelation])));
  if (ratios.length)
    lines.push(
      `${ratios.filter((x) => x >= 1.5).length} of ${ratios.length} slowdowns 1.5x narrower per minute interleaved; ` +
        `a block's two runs correlate ${rs.length ? `${median(rs).toFixed(2)} (median of ${rs.length})` : 'n/a'}`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  const stamp = `order-${new Date().toISOString().replace(/[:.]/g, '')}`;
  const docs = join('reports/bench', stamp);
  mkdirSync(docs, { recursive: true });
  for (const r of results) writeFileSync(join(docs, `${r.preset}-${r.order}.json`), JSON.stringify(r.doc));
  const file = join('reports/bench', `${stamp}.json`);
  const figures = results.map(({ doc: _doc, ...rest }) => rest);
  writeFileSync(file, JSON.stringify({ presets: PRESETS, results: figures, widthRatios: ratios }, null, 2) + '\n');
  process.stdout.write(`written: ${file}, and each suite's document under ${docs}/\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
