// `cgbench run`: the scenario with its overrides, the machine checked, the suite run with progress on
// stderr and signals handled, the reports written; returns what goes to stdout and the exit code.

import { resolve } from 'node:path';
import { detectCgroups } from '../cgroup/detect.js';
import { type DiskTarget, resolveDiskTarget } from '../cgroup/disk.js';
import { openCgroups } from '../cgroup/index.js';
import { CgbenchError } from '../model/errors.js';
import type { ResultDocument } from '../model/types.js';
import { DEFAULT_REPORT_FORMATS } from '../reporters/index.js';
import { renderJson } from '../reporters/json.js';
import { renderTable } from '../reporters/table.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { startSampler } from '../sampler/sampler.js';
import { needsScratch } from '../scheduler/cells.js';
import { runSuite } from '../scheduler/suite.js';
import { defaultScratchDir, probeScratch, requireControllers, requireRoot } from './environment.js';
import { gatherHost } from './host.js';
import { Progress } from './progress.js';
import { defaultOutDir, prepareOutDir, resultsPath, saveResults } from './results.js';
import { closeRuntimes, openRuntimes } from './runtimes.js';
import { resolveScenario, type ScenarioOverrides } from './scenario.js';
import { withSignals } from './signals.js';

export interface RunOptions extends ScenarioOverrides {
  out?: string;
  json?: boolean;
  /** Comma-separated report formats, or "none". */
  report?: string;
  /** Docker engine address (`docker -H`); default DOCKER_HOST. */
  dockerHost?: string;
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

export async function runCommand(file: string | undefined, opts: RunOptions): Promise<RunResult> {
  const scenario = await resolveScenario(file, opts);
  const wantsNative = scenario.runtimes.includes('native');
  if (wantsNative) requireRoot('cgbench run', 'to create cgroups and namespaces for the native runtime');
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
    const dir = await prepareOutDir(opts.out ?? defaultOutDir(scenario.name), signals.signal).catch(interrupted);
    // Report formats and paths are checked now, not after a long suite.
    const formats =
      opts.report === 'none' ? [] : await checkOutputs(dir, opts.report ?? [...DEFAULT_REPORT_FORMATS], signals.signal).catch(interrupted);
    const host = await gatherHost(cgroupInfo, disk);
    const cgroups = openCgroups(cgroupInfo);
    const runtimes = await openRuntimes(scenario.runtimes, cgroups, host, opts.dockerHost);
    const progress = new Progress(process.stderr);
    let doc: ResultDocument;
    try {
      doc = await runSuite({
        scenario,
        host,
        runtimes,
        scratch,
        scratchDir,
        save: async (d) => saveResults(dir, d),
        onEvent: (e) => {
          if (e.type === 'suite-start') progress.setMatrix(e.doc.cells, e.perCell, { hostCpus: host.cpuCount });
          progress.on(e);
        },
        sampler: startSampler,
        signal: signals.signal,
      });
    } finally {
      progress.stop();
      await closeRuntimes(runtimes);
      cgroups.removeSubtreeIfEmpty();
    }
    const reports = formats.length ? await writeReports(doc, dir, formats) : [];
    const reportLines = reports.map((p) => `report: ${p}\n`).join('');
    const stdout = opts.json ? renderJson(doc) : `${renderTable(doc)}\n\n${reportLines}results: ${resultsPath(dir)}\n`;
    return { doc, dir, stdout, stderr: opts.json ? reportLines : '', exitCode: signals.exitCode() };
  }, announce);
}
