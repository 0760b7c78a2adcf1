// Runs a scenario: expands the matrix into cells, runs every repetition of every cell in order,
// and saves the result document after each run so an interrupted suite leaves a valid file.

import { randomBytes } from 'node:crypto';
import { expectedRunMs, guessedRunMs, ioSliceMs, type ModelContext } from '../analysis/expected.js';
import { relativeHalfWidth, runsForRatioInterval } from '../analysis/stats.js';
import { measuredRuns } from '../analysis/runs.js';
import { summarizeCell } from '../analysis/summary.js';
import { hostCalibration } from '../analysis/noise.js';
import { documentWarnings, warningContext } from '../analysis/warnings.js';
import type { DiskTarget } from '../cgroup/disk.js';
import { monotonicNs } from '../model/clock.js';
import { ASSUMED_TICK_COST_US } from '../model/defaults.js';
import { slowdownMeans } from '../model/params.js';
import { suiteIdFor } from '../model/owner.js';
import { CgbenchError } from '../model/errors.js';
import type {
  CalibrationRound,
  Cell,
  CellSampling,
  HostInfo,
  LauncherHost,
  LimitSet,
  LauncherStatus,
  NodeInfo,
  Placement,
  ProcessStatus,
  ResolvedLimits,
  ResultDocument,
  Run,
  RuntimeName,
  Scenario,
  SuiteConcurrency,
  Writer,
} from '../model/types.js';
import { invocationFor } from '../programs/registry.js';
import { withLauncherHost } from '../runtimes/launcher.js';
import type { ExitInfo, RunHandle, Runtime } from '../runtimes/runtime.js';
import { aloneCellIdOf, cellId, expandCells, makeCell, newDocument, resolveLimitsOf } from './cells.js';
import { classifyRun } from './classify.js';
import { seriesFromReport } from '../sampler/series.js';
import { blockOrder, interleaveGroups, seededRandom } from './order.js';
import { chooseSampling, launcherInGroup, measuredTickCostUs } from './sampling.js';
import { placementOf, takeLongestCell } from './placement.js';
import { applicable, type CellKnobs, cellKnobs } from './knobs.js';
import { type Company, preflight, where } from './preflight.js';

export type SuiteEvent =
  | { type: 'suite-start'; cells: number; runs: number; perCell: number; doc: ResultDocument }
  | { type: 'run-start'; cell: Cell; index: number; warmup: boolean; done: number; total: number }
  | { type: 'run-end'; cell: Cell; run: Run; done: number; total: number }
  | { type: 'cell-end'; cell: Cell }
  | { type: 'suite-end'; doc: ResultDocument };

export interface SuiteOptions {
  scenario: Scenario;
  host: HostInfo;
  runtimes: Partial<Record<RuntimeName, Runtime>>;
  scratch: () => DiskTarget;
  scratchDir: string;
  /** Saves the document (after every run); a rejection stops the suite. */
  save: (doc: ResultDocument) => void | Promise<void>;
  onEvent?: (e: SuiteEvent) => void;
  signal?: AbortSignal;
  /** Used in group names so parallel suites never collide (default: this process's pid and a random part). */
  suiteId?: string;
  /** Who writes the document (so a reader can tell a killed suite from a running one). */
  writer?: Writer;
  /** The parent group's CPUs ("0-1"): every cpuset is checked against them before the first run. */
  availableCpus?: string;
  /** The other suites measuring this host, asked before every save: the document and its warnings say so. */
  concurrency?: () => SuiteConcurrency;
  /** Interleaved order: the seed of the blocks' shuffles (default: random); the document records it. */
  seed?: number;
  /** Rounds after the scenario's own cells (fit's probes): asked once those are done and again after every
   *  round, until it returns none. Their cells join the document like the scenario's, in the same order. */
  next?: (doc: ResultDocument) => RoundItem[] | Promise<RoundItem[]>;
  /** Called once the status is final (complete, interrupted or failed), before the last save. */
  finish?: (doc: ResultDocument) => void;
  /** The host's own noise: one round of a fixed CPU loop, run at the suite's start and end (suites that
   *  measure this host); null when it cannot run. */
  calibrate?: { command: string; round: (at: CalibrationRound['at']) => Promise<CalibrationRound | null> };
}

/** A cell of a later round: a limit set of one of the scenario's workloads on one of its runtimes (made when
 *  new, warm-ups first), brought to `measured` measured runs. */
export interface RoundItem {
  workload: string;
  runtime: RuntimeName;
  limitSet: LimitSet;
  measured: number;
}

function maxMeasured(s: Scenario): number {
  return s.adaptive ? Math.max(s.repetitions, s.adaptive.maxRepetitions) : s.repetitions;
}

/** Warm-up runs of a cell: its workload's own count, else the scenario's. */
export function warmupOf(cell: Cell, s: Scenario): number {
  return s.workloads.find((w) => w.name === cell.workload)?.warmup ?? s.warmup;
}

/**
 * Adaptive repetitions: the cell's figure is pinned down well enough (or failures make more runs moot),
 * or another run would take the cell past its time budget: extra runs only where they are cheap. The
 * figure is the slowdown in interleaved order (both cells' runs spread over the same blocks), else the
 * median run time. In sequential order a baseline first gets the runs its limited cells' slowdowns need
 * for a 95 % interval (it is the fastest cell of its workload, so the cheapest place for them; interleaved
 * order gives them in extraBlock, from the runs its limited cells have).
 */
export function converged(cell: Cell, s: Scenario): boolean {
  if (!s.adaptive) return true;
  const measured = cell.runs.filter((r) => !r.warmup).length;
  const forIntervals = Math.min(s.adaptive.maxRepetitions, runsForRatioInterval(s.repetitions));
  const limited = (s.workloads.find((w) => w.name === cell.workload)?.limitSets.length ?? 0) > 1;
  const sequential = s.order !== 'interleaved';
  if (sequential && limited && cell.baselineId === null && measured < forIntervals && cell.runs.every((r) => r.outcome === 'ok'))
    return false;
  const budgetMs = s.adaptive.budgetMs;
  if (budgetMs !== undefined && cell.runs.length) {
    const spentMs = cell.runs.reduce((sum, r) => sum + r.harnessWallNs / 1e6, 0);
    if (spentMs + spentMs / cell.runs.length > budgetMs) return true;
  }
  const ok = measuredRuns(cell).map((r) => r.metrics.wallNs);
  const failed = cell.runs.filter((r) => !r.warmup && r.outcome !== 'ok').length;
  if (failed > 0 && ok.length === 0) return true;
  const { slowdown, slowdownRange, slowdownPairs } = cell.summary;
  // An IO cell's figure is its rate against the throttle, not its slowdown (model/params): its own runs' spread.
  if (slowdownPairs !== undefined && slowdownMeans(cell))
    return slowdown !== null && slowdownRange !== undefined && halfWidth(slowdownRange, slowdown) <= s.adaptive.targetRel;
  const rel = relativeHalfWidth(ok);
  return rel !== null && rel <= s.adaptive.targetRel;
}

const halfWidth = (range: [number, number], of: number): number => (range[1] - range[0]) / 2 / of;

/**
 * Interleaved order, past the scenario's repetitions: the cells of a group that get another block. A
 * limited cell that has not converged, with its baseline beside it (the two cells' runs keep spreading
 * over the same stretches of time); the baseline alone when only it needs more, or when a limited cell
 * stopped (its budget or cap) before its slowdown had an interval: the baseline, the cheapest cell, gets the
 * runs that interval needs against the limited cell's. None once every cell converged or reached the cap.
 */
export function extraBlock(group: readonly Cell[], s: Scenario): Cell[] {
  if (!s.adaptive) return [];
  const cap = s.adaptive.maxRepetitions;
  const room = (c: Cell): boolean => c.runs.filter((r) => !r.warmup).length < cap;
  const base = group.find((c) => c.baselineId === null);
  if (!base || !room(base)) return [];
  const limited = group.filter((c) => c !== base && room(c) && !converged(c, s));
  if (limited.length) return [base, ...limited];
  const measured = (c: Cell): number => measuredRuns(c).length;
  const forIntervals = group
    .filter((c) => c !== base && slowdownMeans(c) && c.summary.slowdown !== null && !c.summary.slowdownRange && measured(c) > 0)
    .map((c) => runsForRatioInterval(measured(c)));
  const more = measured(base) < Math.max(0, ...forIntervals) && base.runs.every((r) => r.outcome === 'ok');
  return more || !converged(base, s) ? [base] : [];
}

/** What the models need of the host: its CPUs and the scratch disk's throttle slice. */
export function modelContext(host: HostInfo): ModelContext {
  return { hostCpus: host.cpuCount, ioSliceMs: ioSliceMs(host.disk), driver: host.cgroup.driver };
}

export function refreshSummaries(doc: ResultDocument): void {
  const byId = new Map(doc.cells.map((c) => [c.id, c]));
  const ctx = modelContext(doc.host);
  for (const cell of doc.cells) {
    const alone = aloneCellIdOf(cell);
    cell.summary = summarizeCell(cell, cell.baselineId ? byId.get(cell.baselineId) : undefined, ctx, alone ? byId.get(alone) : undefined);
  }
  doc.warnings = documentWarnings(doc.cells, warningContext(doc));
}

export async function runSuite(opts: SuiteOptions): Promise<ResultDocument> {
  const { scenario, signal } = opts;
  const cells = expandCells(scenario);
  // What each cell's runtime refuses (a preflight problem) or runs without (recorded on the cell, and never
  // given to the runtime), decided for every cell before the first run.
  const knobs = new Map(cells.map((c) => [c.id, cellKnobs(c, where(c), { cgroup: opts.host.cgroup })]));
  for (const c of cells) {
    const notApplied = knobs.get(c.id)?.notApplied ?? [];
    if (notApplied.length) c.notApplied = notApplied;
  }
  const knobsOf = (c: Cell): CellKnobs => knobs.get(c.id) as CellKnobs;
  // Resolve every limit before the first run: a bad device or disk fails in the first second (a limit the
  // runtime runs without needs no disk of its own).
  const resolved = new Map(cells.map((c) => [c.id, resolveLimitsOf(applicable(knobsOf(c), c.limits), opts.scratch)]));
  const company = new Map<string, Company>();
  for (const c of cells) {
    if (!c.neighbourSet) continue;
    const { neighbours, parent } = c.neighbourSet;
    const entry: Company = {
      neighbours: neighbours.map((spec) => ({
        spec,
        limits: resolveLimitsOf(applicable(knobsOf(c), spec.limits, `neighbour "${spec.label}"`), opts.scratch),
      })),
    };
    if (parent) entry.parent = resolveLimitsOf(applicable(knobsOf(c), parent, 'parent'), opts.scratch);
    company.set(c.id, entry);
  }
  for (const rt of scenario.runtimes) {
    if (!opts.runtimes[rt]) throw new CgbenchError('E_INPUT', `runtime "${rt}" is not available`, 'see `cgbench doctor`');
  }
  // And everything else that can be known now: nothing is written when the suite cannot run.
  await preflight({ scenario, cells, resolved, company, knobs, runtimes: opts.runtimes, availableCpus: opts.availableCpus });
  const doc = newDocument(scenario, opts.host, cells);
  if (opts.writer) doc.writer = opts.writer;
  const refresh = (): void => {
    if (opts.concurrency) doc.concurrency = opts.concurrency();
    refreshSummaries(doc);
  };
  if (opts.concurrency) doc.concurrency = opts.concurrency();
  const calibrate = async (at: CalibrationRound['at']): Promise<void> => {
    const round = opts.calibrate && !signal?.aborted ? await opts.calibrate.round(at) : null;
    if (opts.calibrate && round) doc.calibration = hostCalibration(opts.calibrate.command, [...(doc.calibration?.rounds ?? []), round]);
  };
  await calibrate('start');
  const perCell = scenario.warmup + scenario.repetitions;
  // Grows by one for each extra run adaptive repetitions start, so progress never reads 70/64.
  let total = cells.reduce((n, c) => n + warmupOf(c, scenario) + scenario.repetitions, 0);
  const suiteId = opts.suiteId ?? suiteIdFor(process.pid, randomBytes(3).toString('hex'));
  await opts.save(doc);
  opts.onEvent?.({ type: 'suite-start', cells: cells.length, runs: total, perCell, doc });

  // Runs on several nodes end at once: their saves go one after another, each with the document as it is.
  let done = 0;
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const next = saving.then(() => opts.save(doc));
    saving = next.catch(() => undefined);
    return next;
  };
  let stop = false;
  let seq = 0;
  const interleaved = scenario.order === 'interleaved';
  const seed = opts.seed ?? randomBytes(4).readUInt32LE(0);
  doc.schedule = interleaved ? { order: 'interleaved', seed } : { order: 'sequential' };
  const random = seededRandom(seed);
  /** Run `index` of a cell (in `block` of an interleaved group; on `node` for a cluster runtime), saved before
   *  the next starts; true when the suite must stop. */
  async function runAt(cell: Cell, index: number, block: number | undefined, node?: string): Promise<boolean> {
    if (signal?.aborted || stop) return true;
    // Chosen once, before the cell's first run (its baseline's runs and the launcher's cost known by then).
    cell.sampling ??= samplingOf(cell);
    const warmup = index < warmupOf(cell, scenario);
    opts.onEvent?.({ type: 'run-start', cell, index, warmup, done, total });
    const at = seq++;
    const { run, host, disposeError } = await runOnce({
      runtime: opts.runtimes[cell.runtime] as Runtime,
      cell,
      limits: resolved.get(cell.id) as ResolvedLimits,
      company: company.get(cell.id),
      runId: `${suiteId}-c${cells.indexOf(cell)}-r${index}`,
      index,
      warmup,
      scenario,
      scratchDir: opts.scratchDir,
      signal,
      ...(node !== undefined ? { node } : {}),
    });
    run.seq = at;
    if (block !== undefined && !warmup) run.block = block;
    cell.runs.push(run);
    // The engine may not name the node's CPU model (Docker does not): the launcher on it does.
    if (cell.node) cell.node = withLauncherHost(cell.node, host);
    done++;
    refresh();
    await save();
    opts.onEvent?.({ type: 'run-end', cell, run, done, total });
    // A group or container that cannot be removed is an environment failure: stop, run saved.
    if (disposeError) throw disposeError;
    return run.outcome === 'interrupted';
  }
  /** Every run of one cell back to back (on `node` for a cluster runtime), or in a later round the runs that bring
   *  it to `measured` measured runs; true when the suite must stop. */
  async function runCell(cell: Cell, node?: string, measured?: number): Promise<boolean> {
    const warm = warmupOf(cell, scenario);
    const want = measured ?? scenario.repetitions;
    for (let i = cell.runs.length; i < warm + (measured ?? maxMeasured(scenario)); i++) {
      if (signal?.aborted || stop) return true;
      if (i >= warm + want && (measured !== undefined || converged(cell, scenario))) break;
      if (i >= warm + want) total++;
      if (await runAt(cell, i, undefined, node)) return true;
    }
    opts.onEvent?.({ type: 'cell-end', cell });
    return false;
  }
  /**
   * A group's cells interleaved: their warm-ups (baseline first), then blocks of one run of each cell in a
   * shuffled order, `repetitions` of them, then adaptive blocks of the cells that need more; true when the
   * suite must stop.
   */
  async function runGroup(group: Cell[], measured?: Target): Promise<boolean> {
    for (const cell of group)
      for (let i = cell.runs.length; i < warmupOf(cell, scenario); i++) if (await runAt(cell, i, undefined)) return true;
    // A later round's blocks number on from the group's earlier ones: a block is one stretch of time.
    const first = measured ? 1 + Math.max(-1, ...groupOf(group).flatMap((c) => c.runs.map((r) => r.block ?? -1))) : 0;
    for (let block = first; ; block++) {
      const members = measured
        ? group.filter((c) => c.runs.filter((r) => !r.warmup).length < (measured(c) ?? 0))
        : block < scenario.repetitions
          ? group
          : extraBlock(group, scenario);
      if (!members.length) break;
      if (!measured && block >= scenario.repetitions) total += members.length;
      for (const cell of blockOrder(members, random)) if (await runAt(cell, cell.runs.length, block)) return true;
    }
    for (const cell of group) opts.onEvent?.({ type: 'cell-end', cell });
    return false;
  }
  /** Every cell of the document sharing a baseline with the group's (the runs its block numbers count). */
  const groupOf = (group: Cell[]): Cell[] => {
    const key = (c: Cell): string => c.baselineId ?? c.id;
    const keys = new Set(group.map(key));
    return cells.filter((c) => keys.has(key(c)));
  };
  /** A cluster runtime's cells over its nodes: each free node takes the next cell it may run (a cell of an
   *  earlier round goes back to its node). */
  async function runOnNodes(nodes: readonly NodeInfo[], waiting: Cell[], measured: Target): Promise<void> {
    let failure: Error | undefined;
    const where = (c: Cell): Placement | undefined => (c.node ? { node: c.node.hostname } : placed(c));
    const lane = async (node: NodeInfo): Promise<void> => {
      const next = (): Cell | undefined => takeLongestCell(waiting, node, where, cellMs);
      for (let cell = next(); cell && !stop; cell = next()) {
        cell.node ??= { ...node, labels: { ...(node.labels ?? {}) } };
        try {
          if (await runCell(cell, node.hostname, measured(cell))) stop = true;
        } catch (e) {
          failure ??= e instanceof Error ? e : new Error(String(e));
          stop = true;
        }
      }
    };
    await Promise.all(nodes.map(lane));
    if (failure) throw failure;
  }
  /** A cell's sampling interval: from its expected run length and the launcher's cost measured so far on its runtime. */
  const samplingOf = (cell: Cell): CellSampling => {
    const measured = measuredTickCostUs(cells.filter((c) => c.runtime === cell.runtime).flatMap((c) => c.runs));
    const base = cell.baselineId ? byId.get(cell.baselineId) : undefined;
    return chooseSampling(cell, scenario, {
      runMs: expectedRunMs(cell, base, ctx) ?? guessedRunMs(cell, ctx),
      tickCostUs: measured ?? ASSUMED_TICK_COST_US,
      tickCostMeasured: measured !== null,
      container: launcherInGroup(cell.runtime),
    });
  };
  const placed = (c: Cell): Placement | undefined => placementOf(c, scenario);
  const byId = new Map(cells.map((c) => [c.id, c]));
  /** A later round's measured runs for a cell; undefined: the scenario's own repetitions. */
  type Target = (c: Cell) => number | undefined;
  // The host's model context once: cellMs is asked for every waiting cell each time a node is free.
  const ctx = modelContext(opts.host);
  /** A waiting cell's expected length: what is known of it or its baseline, else a guess from its parameters. */
  const cellMs = (c: Cell): number => {
    const each = expectedRunMs(c, c.baselineId ? byId.get(c.baselineId) : undefined, ctx) ?? guessedRunMs(c, ctx);
    return each * (warmupOf(c, scenario) + scenario.repetitions);
  };
  /** The runs of `work` (in a later round, up to `measured` each): this machine's first, interleaved or one cell
   *  at a time; then each cluster runtime's, one per node at a time. A cluster spreads a workload's cells over its
   *  nodes, and pairing runs of two nodes would not cancel drift: its cells keep their runs back to back on their
   *  node. True when the suite must stop. */
  async function runWork(work: Cell[], measured?: Target): Promise<boolean> {
    const local = work.filter((c) => !opts.runtimes[c.runtime]?.nodes);
    if (interleaved) {
      for (const group of interleaveGroups(local)) if (await runGroup(group, measured)) return true;
    } else for (const cell of local) if (await runCell(cell, undefined, measured?.(cell))) return true;
    for (const name of scenario.runtimes) {
      const nodes = opts.runtimes[name]?.nodes;
      if (nodes && !stop && !signal?.aborted)
        await runOnNodes(
          nodes,
          work.filter((c) => c.runtime === name),
          measured ?? (() => undefined),
        );
    }
    return stop || Boolean(signal?.aborted);
  }
  /** A round's cells, made and checked where new (nothing of theirs runs before every one of them passes). */
  async function addRound(items: readonly RoundItem[]): Promise<{ work: Cell[]; measured: Map<string, number> }> {
    const work: Cell[] = [];
    const fresh: Cell[] = [];
    const measured = new Map<string, number>();
    for (const item of items) {
      const w = scenario.workloads.find((x) => x.name === item.workload);
      if (!w || !scenario.runtimes.includes(item.runtime)) throw new Error(`round item for unknown workload or runtime: ${item.workload}`);
      let cell = byId.get(cellId(w.name, item.runtime, item.limitSet.name));
      if (!cell) {
        cell = makeCell(w, item.runtime, item.limitSet);
        const k = cellKnobs(cell, where(cell), { cgroup: opts.host.cgroup });
        knobs.set(cell.id, k);
        if (k.notApplied.length) cell.notApplied = k.notApplied;
        resolved.set(cell.id, resolveLimitsOf(applicable(k, cell.limits), opts.scratch));
        fresh.push(cell);
      }
      if (!work.includes(cell)) work.push(cell);
      measured.set(cell.id, item.measured);
    }
    await preflight({ scenario, cells: fresh, resolved, knobs, runtimes: opts.runtimes, availableCpus: opts.availableCpus });
    for (const cell of fresh) {
      cells.push(cell);
      byId.set(cell.id, cell);
    }
    for (const cell of work) {
      const have = cell.runs.filter((r) => !r.warmup).length;
      total += (cell.runs.length ? 0 : warmupOf(cell, scenario)) + Math.max(0, (measured.get(cell.id) ?? 0) - have);
    }
    return { work, measured };
  }
  async function runCells(): Promise<void> {
    if ((await runWork(cells)) || !opts.next) return;
    for (;;) {
      const items = await opts.next(doc);
      if (!items.length || stop || signal?.aborted) return;
      const round = await addRound(items);
      if (await runWork(round.work, (c) => round.measured.get(c.id))) return;
    }
  }
  try {
    await runCells();
  } catch (e) {
    // Keep what finished: the document stays valid, marked failed, before the error propagates.
    doc.status = 'failed';
    doc.finishedAt = new Date().toISOString();
    refresh();
    opts.finish?.(doc);
    // The original error is the one to report; a save that fails too (a hung disk) must not hide it.
    await Promise.resolve(opts.save(doc)).catch(() => undefined);
    throw e;
  }
  await calibrate('end');
  doc.status = signal?.aborted ? 'interrupted' : 'complete';
  doc.finishedAt = new Date().toISOString();
  refresh();
  opts.finish?.(doc);
  if (doc.status === 'interrupted') {
    doc.warnings.push({
      code: 'interrupted',
      message: `suite interrupted after ${done} of ${total} runs`,
      hint: 'the finished runs are kept; rerun to complete',
    });
  }
  await opts.save(doc);
  opts.onEvent?.({ type: 'suite-end', doc });
  return doc;
}

interface RunOnceArgs {
  runtime: Runtime;
  cell: Cell;
  limits: ResolvedLimits;
  company: Company | undefined;
  runId: string;
  index: number;
  warmup: boolean;
  scenario: Scenario;
  scratchDir: string;
  signal: AbortSignal | undefined;
  node?: string;
}

/** What the result document keeps of the launcher's status: the workload's exit and rusage, and the
 *  launcher's own CPU. */
function processOf(status: LauncherStatus): ProcessStatus {
  const { error: _error, samplingError: _lost, forwardedSignal: _fwd, ...process } = status;
  return process;
}

export interface RunExit {
  exit: ExitInfo;
  cell: Cell;
  /** Whether a memory limit was set decides whether a SIGKILL with failcnt up is an OOM kill. */
  limits: Pick<ResolvedLimits, 'memory'>;
  index: number;
  warmup: boolean;
  startedAt: string;
  timedOut: boolean;
  interrupted: boolean;
  scenario: Scenario;
}

/** A run as the result document keeps it, from what its runtime saw and the launcher reported. Pure:
 *  `cgbench collect` makes the runs of a cluster's pods with it from their logs. */
export function runFromExit(a: RunExit): Run {
  const { exit } = a;
  const report = exit.report;
  const part = classifyRun({
    exit,
    // Whether the program times itself does not depend on where its files go; a service's is timed by its load
    // (an image's service has no argv of its own).
    selfTimed: a.cell.params.kind !== 'service' && invocationFor(a.cell.params, '').selfTimed,
    timedOut: a.timedOut,
    interrupted: a.interrupted,
    timeoutMs: a.scenario.timeoutMs,
    memoryLimited: a.limits.memory?.maxBytes != null,
    ...(a.cell.params.kind === 'command' && a.cell.params.metrics ? { metricsFormat: a.cell.params.metrics } : {}),
    ...(a.cell.params.kind === 'service' ? { service: true } : {}),
  });
  // A neighbour that broke off left the run partly alone: it measured nothing the cell asks for.
  const broken = exit.neighbours?.find((n) => n.error !== undefined);
  const judged: typeof part =
    broken && part.outcome === 'ok'
      ? { outcome: 'failed', message: `neighbour "${broken.label}": ${broken.error}`, metrics: part.metrics }
      : part;
  const run: Run = { ...judged, index: a.index, warmup: a.warmup, startedAt: a.startedAt, harnessWallNs: exit.harnessWallNs };
  if (report?.before) run.before = report.before;
  if (report?.after) run.after = report.after;
  // Launch overhead: harness wall minus the launcher's exec-to-exit wall, so a workload's own
  // untimed preparation (writing the file an IO read test reads) does not count as overhead.
  const innerNs = report?.status.wallNs || part.metrics?.wallNs;
  if (innerNs) run.launchOverheadNs = Math.max(0, exit.harnessWallNs - innerNs);
  if (exit.startupNs !== undefined) run.startupNs = exit.startupNs;
  if (report) run.process = processOf(report.status);
  // Container mode: the launcher samples from inside the measured group, so its CPU counts against the limits.
  if (run.process && report?.group?.mode === 'container') run.process.launcherInGroup = true;
  const samples = report ? seriesFromReport(report) : null;
  if (samples) run.samples = samples;
  if (judged.outcome !== 'ok' && exit.stderrTail) run.stderrTail = exit.stderrTail;
  if (exit.neighbours) run.neighbours = exit.neighbours;
  return run;
}

async function runOnce(a: RunOnceArgs): Promise<{ run: Run; host?: LauncherHost; disposeError?: Error }> {
  const startedAt = new Date().toISOString();
  const t0 = monotonicNs();
  let handle: RunHandle;
  try {
    handle = await a.runtime.launch({
      runId: a.runId,
      params: a.cell.params,
      limits: a.limits,
      scratchDir: a.scratchDir,
      sampleIntervalMs: a.cell.sampling?.intervalMs ?? a.scenario.sampleIntervalMs,
      ...(a.node !== undefined ? { node: a.node } : {}),
      ...(a.company ? { neighbours: a.company.neighbours } : {}),
      ...(a.company?.parent ? { parent: a.company.parent } : {}),
    });
  } catch (e) {
    // A launch failure that is the environment's fault (no root, no controller) stops the suite.
    if (e instanceof CgbenchError) throw e;
    return {
      run: {
        outcome: 'failed',
        message: `launch failed: ${(e as Error).message}`,
        index: a.index,
        warmup: a.warmup,
        startedAt,
        harnessWallNs: monotonicNs() - t0,
      },
    };
  }
  let timedOut = false;
  let interrupted = false;
  const timer = setTimeout(() => {
    timedOut = true;
    handle.stop();
  }, a.scenario.timeoutMs);
  const onAbort = (): void => {
    interrupted = true;
    handle.stop();
  };
  a.signal?.addEventListener('abort', onAbort, { once: true });
  if (a.signal?.aborted) onAbort();
  let run: Run;
  let host: LauncherHost | undefined;
  try {
    const exit = await handle.exited;
    host = exit.report?.host;
    run = runFromExit({
      exit,
      cell: a.cell,
      limits: a.limits,
      index: a.index,
      warmup: a.warmup,
      startedAt,
      timedOut,
      interrupted,
      scenario: a.scenario,
    });
  } finally {
    clearTimeout(timer);
    a.signal?.removeEventListener('abort', onAbort);
  }
  // The run is complete before its group goes: a failed removal must not lose it.
  let disposeError: Error | undefined;
  try {
    await handle.dispose();
  } catch (e) {
    disposeError = e instanceof Error ? e : new Error(String(e));
  }
  return { run, host, disposeError };
}
