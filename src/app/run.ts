// `cgbench run`: the scenario with its overrides, the machine checked, the suite run with progress on
// stderr and signals handled, the reports written; returns what goes to stdout and the exit code.

import { join, resolve } from 'node:path';
import { unexpectedRuns } from '../analysis/expected.js';
import { parentCpus } from '../cgroup/cpuset.js';
import { detectCgroups } from '../cgroup/detect.js';
import { type DiskTarget, resolveDiskTarget } from '../cgroup/disk.js';
import { openCgroups } from '../cgroup/index.js';
import { CgbenchError, EXIT_DONE, EXIT_ENVIRONMENT, EXIT_RUNS_FAILED } from '../model/errors.js';
import type { HostInfo, ResultDocument, RuntimeName, Scenario } from '../model/types.js';
import { runtimeEntry } from '../runtimes/registry.js';
import { DEFAULT_REPORT_FORMATS } from '../model/defaults.js';
import { removeEmptyDirs } from '../model/user-files.js';
import { renderJson } from '../reporters/json.js';
import { renderTable } from '../reporters/table.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { needsScratch } from '../scheduler/cells.js';
import { modelContext, type RoundItem, runSuite } from '../scheduler/suite.js';
import { defaultScratchDir, probeScratch, requireControllers, requireRoot } from './environment.js';
import { gatherHost } from './host.js';
import { Progress } from './progress.js';
import { parsePushTarget, pushAfterSuite } from './push.js';
import { defaultOutDir, prepareOutDir, resultsPath, saveResults } from './results.js';
import { closeRuntimes, openRuntimes, type Runtimes } from './runtimes.js';
import { resolveScenario, type ScenarioOverrides } from './overrides.js';
import { withSignals } from './signals.js';
import { terminalStyle } from './color.js';
import { terminalColumns } from './streams.js';
import { type SuiteTurn, takeTurn } from './suites.js';
import { currentWriter, findStaleGroups, staleText } from './stale.js';
import { calibrationCommand, calibrationRound } from '../runtimes/calibrate.js';

export interface RunOptions extends ScenarioOverrides {
  out?: string;
  json?: boolean;
  /** Failed or timed-out runs (and unexpected OOM kills) do not fail the suite: exit 0, not 4. */
  allowFailures?: boolean;
  /** Every column of the tables, however wide. */
  wide?: boolean;
  /** The terminal's width for the tables (default: at most 100 columns). */
  width?: number;
  /** Comma-separated report formats, or "none". */
  report?: string;
  /** Docker engine address (`docker -H`); default DOCKER_HOST. */
  dockerHost?: string;
  /** A Pushgateway to send the figures to after the suite (app/push.ts), and the job they go under. */
  push?: string;
  pushJob?: string;
  /** false (--no-wait): refuse with exit 3 when another suite measures this host, instead of waiting for it. */
  wait?: boolean;
  /** Measure beside other suites instead of waiting; recorded in the document and warned in every report. */
  allowConcurrent?: boolean;
  /** Interleaved order: the shuffles' seed (default: random, recorded in the document). */
  seed?: number;
}

/** Does the suite measure this machine, so that another suite here would be in its figures? A cluster, a remote
 *  engine and the simulation do not. */
export function measuresThisHost(runtimes: readonly RuntimeName[], dockerHost?: string): boolean {
  return runtimes.some((rt) => runtimeEntry(rt)?.measuresHost({ ...(dockerHost !== undefined ? { dockerHost } : {}) }));
}

export interface RunResult {
  doc: ResultDocument;
  dir: string;
  /** The data for stdout: the tables (or the document with --json). */
  stdout: string;
  /** Lines for stderr (where reports went, with --json). */
  stderr: string;
  exitCode: number;
}

/** Runs that are not results fail the suite (exit 4) unless allowed; either way stderr says which cells. */
export function suiteVerdict(doc: ResultDocument, allowFailures: boolean): { exitCode: number; line: string } {
  const bad = unexpectedRuns(doc.cells);
  if (!bad.runs) return { exitCode: EXIT_DONE, line: '' };
  const cells = bad.cells.map((c) => c.id).join(', ');
  const what = `${bad.runs} run(s) failed, timed out or were OOM-killed unexpectedly in ${bad.cells.length} cell(s): ${cells}`;
  return allowFailures
    ? { exitCode: EXIT_DONE, line: `cgbench: ${what} (accepted: --allow-failures)\n` }
    : {
        exitCode: EXIT_RUNS_FAILED,
        line: `cgbench: ${what}; exit ${EXIT_RUNS_FAILED} (see the warnings; --allow-failures accepts them)\n`,
      };
}

export async function runCommand(file: string | undefined, opts: RunOptions): Promise<RunResult> {
  const scenario = await resolveScenario(file, opts);
  // A bad --push fails now, not after the suite.
  const push = opts.push === undefined ? undefined : parsePushTarget(opts.push, opts.pushJob);
  const { doc, dir, reports, signalCode } = await executeSuite(scenario, opts);
  const pushed = push ? await pushAfterSuite(doc, push, resultsPath(dir)) : undefined;
  const reportLines = reports.map((p) => `report: ${p}\n`).join('') + (pushed && !pushed.failed ? pushed.line : '');
  const table = renderTable(doc, { wide: Boolean(opts.wide), width: opts.width ?? terminalColumns(), style: terminalStyle() });
  const stdout = opts.json ? renderJson(doc) : `${table}\n\n${reportLines}results: ${resultsPath(dir)}\n`;
  const verdict = suiteVerdict(doc, Boolean(opts.allowFailures));
  const pushFailed = pushed?.failed ? pushed.line : '';
  const exitCode = signalCode || verdict.exitCode || (pushFailed ? EXIT_ENVIRONMENT : EXIT_DONE);
  return { doc, dir, stdout, stderr: (opts.json ? reportLines : '') + verdict.line + pushFailed, exitCode };
}

/** What the suite's own hooks are told: the runtimes it opened, the host, the CPUs a cpuset may name. */
export interface HookContext {
  runtimes: Runtimes;
  host: HostInfo;
  availableCpus: string | undefined;
}

/** What a command adds to a suite (fit's probes and its section): later rounds, and a last word on the document
 *  before its final save. */
export interface SuiteHooks {
  next?: (doc: ResultDocument, ctx: HookContext) => RoundItem[] | Promise<RoundItem[]>;
  finish?: (doc: ResultDocument, ctx: HookContext) => void;
}

export interface ExecutedSuite {
  doc: ResultDocument;
  dir: string;
  /** The reports written, absolute paths. */
  reports: string[];
  /** 128 + the signal that interrupted it, else 0. */
  signalCode: number;
}

/**
 * A scenario run as `cgbench run` runs one (and `fit` its probes): the machine checked, the output directory and
 * report formats checked first, a turn among the suites measuring this host, the runtimes opened, the suite run
 * with progress on stderr and signals handled, and the reports written.
 */
export async function executeSuite(scenario: Scenario, opts: RunOptions, hooks: SuiteHooks = {}): Promise<ExecutedSuite> {
  // A runtime that makes groups in this host's cgroups (native) needs root and the controllers.
  const ownGroups = scenario.runtimes.find((rt) => runtimeEntry(rt)?.hostCgroups);
  const wantsNative = ownGroups !== undefined;
  if (wantsNative) requireRoot('cgbench run', `to create cgroups and namespaces for the ${ownGroups} runtime`);
  const cgroupInfo = detectCgroups();
  if (wantsNative) requireControllers(cgroupInfo);
  const scratchDir = resolve(scenario.scratchDir ?? defaultScratchDir());
  let disk: DiskTarget | undefined;
  const scratch = (): DiskTarget => (disk ??= resolveDiskTarget(scratchDir));
  if (needsScratch(scenario)) {
    await probeScratch(scratchDir);
    scratch();
  }

  // From here on a signal ends the suite cleanly, also while set-up (an image build) is under way.
  const announce = (sig: NodeJS.Signals, second: boolean): void => {
    process.stderr.write(
      second
        ? `\n${sig} again: exiting now without waiting for the clean-up (\`cgbench clean\` removes anything left behind)\n`
        : `\n${sig}: stopping; the runs that finished are kept (a second signal exits at once)...\n`,
    );
  };
  return withSignals(async (signals) => {
    const interrupted = (e: unknown): never => {
      // A signal during set-up: nothing ran, nothing to keep; the exit code is the signal's.
      if (signals.signal.aborted)
        throw new CgbenchError('E_INTERRUPTED', 'interrupted before the first run', undefined, signals.exitCode());
      throw e;
    };
    const out = await prepareOutDir(opts.out ?? defaultOutDir(scenario.name), {
      signal: signals.signal,
      named: opts.out !== undefined,
    }).catch(interrupted);
    const dir = out.dir;
    let saved = false;
    let turn: SuiteTurn | undefined;
    try {
      // Report formats and paths are checked now, not after a long suite.
      const formats =
        opts.report === 'none'
          ? []
          : await checkOutputs(dir, opts.report ?? [...DEFAULT_REPORT_FORMATS], signals.signal).catch(interrupted);
      // One measuring suite per host: wait for the ones before this one (or refuse, or run beside them).
      if (measuresThisHost(scenario.runtimes, opts.dockerHost)) {
        turn = await takeTurn({
          scenario: scenario.name,
          out: dir,
          runtimes: scenario.runtimes,
          wait: opts.wait !== false,
          allowConcurrent: Boolean(opts.allowConcurrent),
          signal: signals.signal,
          say: (line) => process.stderr.write(line),
        }).catch(interrupted);
      }
      const host = await gatherHost(cgroupInfo, disk);
      const cgroups = openCgroups(cgroupInfo);
      // Groups of a cgbench that was killed (SIGKILL) would keep their orphaned workloads running beside ours.
      if (wantsNative) {
        const stale = findStaleGroups(cgroups);
        if (stale.dead.length) await cgroups.clean(stale.dead);
        const text = staleText(stale, true);
        if (text) process.stderr.write(`cgbench: ${text}${stale.unowned.length ? ' (`cgbench clean` removes those)' : ''}\n`);
      }
      const runtimes = await openRuntimes(scenario.runtimes, cgroups, host, opts.dockerHost);
      const progress = new Progress(process.stderr);
      const availableCpus = parentCpus(cgroupInfo);
      const ctx: HookContext = { runtimes, host, availableCpus };
      const { next, finish } = hooks;
      let doc: ResultDocument;
      try {
        doc = await runSuite({
          scenario,
          host,
          runtimes,
          scratch,
          scratchDir,
          save: async (d) => {
            // The first save creates results.json, and fails if another writer made one since the check above.
            await saveResults(dir, d, { first: !saved });
            saved = true;
          },
          onEvent: (e) => {
            if (e.type === 'suite-start') progress.setMatrix(e.doc.cells, e.perCell, modelContext(host));
            progress.on(e);
          },
          signal: signals.signal,
          availableCpus,
          writer: currentWriter(),
          ...(turn ? { concurrency: turn.observe } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(next ? { next: (d: ResultDocument) => next(d, ctx) } : {}),
          ...(finish ? { finish: (d: ResultDocument) => finish(d, ctx) } : {}),
          ...(measuresThisHost(scenario.runtimes, opts.dockerHost)
            ? { calibrate: { command: calibrationCommand(), round: (at) => calibrationRound(at, { signal: signals.signal }) } }
            : {}),
        });
      } finally {
        progress.stop();
        await closeRuntimes(runtimes);
        cgroups.removeSubtreeIfEmpty();
      }
      const reports = formats.length ? await writeReports(doc, dir, formats) : [];
      return { doc, dir, reports, signalCode: signals.exitCode() };
    } catch (e) {
      // The suite could not start (a preflight problem, Docker unreachable): leave nothing half-written.
      if (!saved) await removeEmptyDirs([...out.created, join(dir, 'charts')]).catch(() => undefined);
      throw e;
    } finally {
      turn?.release();
    }
  }, announce);
}
