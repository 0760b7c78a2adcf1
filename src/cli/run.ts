// `cgbench run`: load the scenario, check the environment, run the suite with progress on stderr,
// print the tables (or the JSON document) on stdout, and clean up on every path out.

import { resolve } from 'node:path';
import { openCgroups } from '../cgroup/index.js';
import { detectCgroups } from '../cgroup/detect.js';
import type { DiskTarget } from '../cgroup/disk.js';
import { resolveDiskTarget } from '../cgroup/disk.js';
import { gatherHost } from '../host.js';
import { CgbenchError } from '../model/errors.js';
import type { ResultDocument, RuntimeName, Scenario } from '../model/types.js';
import { formatDurationNs } from '../model/units.js';
import { renderTable } from '../reporters/table.js';
import { FakeRuntime } from '../runtimes/fake.js';
import { NativeRuntime } from '../runtimes/native.js';
import type { Runtime } from '../runtimes/runtime.js';
import { loadPreset, loadScenarioFile } from '../scenario/load.js';
import { needsScratch, runSuite, type SuiteEvent } from '../scheduler/suite.js';
import { defaultOutDir, prepareOutDir, resultsPath, saveResults } from './output.js';

export interface RunOptions {
  preset?: string;
  out?: string;
  repetitions?: number;
  warmup?: number;
  runtime?: RuntimeName[];
  scratch?: string;
  json?: boolean;
}

export function loadScenario(file: string | undefined, opts: RunOptions): Scenario {
  if (file && opts.preset) throw new CgbenchError('E_INPUT', 'give either a scenario file or --preset, not both');
  const base = file ? loadScenarioFile(file) : loadPreset(opts.preset ?? 'quick');
  const s: Scenario = { ...base };
  if (opts.repetitions !== undefined) s.repetitions = opts.repetitions;
  if (opts.warmup !== undefined) s.warmup = opts.warmup;
  if (opts.runtime) s.runtimes = opts.runtime;
  if (opts.scratch) s.scratchDir = opts.scratch;
  return s;
}

export function defaultScratchDir(): string {
  return process.env.CGBENCH_SCRATCH ?? process.env.TMPDIR ?? '/var/tmp';
}

function progressLine(e: SuiteEvent): string | null {
  if (e.type === 'run-end') {
    const r = e.run;
    const what = r.outcome === 'ok' ? formatDurationNs(r.metrics.wallNs) : `${r.outcome}: ${r.message}`;
    return `[${String(e.done).padStart(String(e.total).length)}/${e.total}] ${e.cell.id}  ${r.warmup ? 'warm-up' : `run ${r.index + 1}`}  ${what}`;
  }
  if (e.type === 'suite-start') return `running ${e.runs} runs in ${e.cells} cells`;
  return null;
}

export interface RunResult {
  doc: ResultDocument;
  dir: string;
  exitCode: number;
}

export async function runCommand(file: string | undefined, opts: RunOptions): Promise<RunResult> {
  const scenario = loadScenario(file, opts);
  const wantsNative = scenario.runtimes.includes('native');
  if (wantsNative && process.getuid?.() !== 0) {
    throw new CgbenchError('E_NOT_ROOT', 'cgbench run needs root to create cgroups and namespaces for the native runtime', 'run it with sudo (or as root)');
  }
  const cgroupInfo = detectCgroups();
  if (wantsNative && cgroupInfo.missing.length) {
    throw new CgbenchError('E_CONTROLLER', `missing cgroup controllers: ${cgroupInfo.missing.join('; ')}`, 'see `cgbench doctor`');
  }
  const scratchDir = resolve(scenario.scratchDir ?? defaultScratchDir());
  let disk: DiskTarget | undefined;
  const scratch = (): DiskTarget => (disk ??= resolveDiskTarget(scratchDir));
  if (needsScratch(scenario)) scratch();

  const dir = prepareOutDir(opts.out ?? defaultOutDir(scenario.name));
  const host = await gatherHost(cgroupInfo, disk);
  const cgroups = openCgroups(cgroupInfo);
  const runtimes: Partial<Record<RuntimeName, Runtime>> = {};
  if (wantsNative) runtimes.native = new NativeRuntime(cgroups);
  if (scenario.runtimes.includes('fake')) runtimes.fake = new FakeRuntime();
  if (scenario.runtimes.includes('docker')) {
    throw new CgbenchError('E_DOCKER', 'the docker runtime is not available in this build', 'use --runtime native');
  }

  const abort = new AbortController();
  let signalName: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalName) return;
    signalName = sig;
    process.stderr.write(`\n${sig}: stopping the running workload and writing partial results...\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = (e: SuiteEvent): void => {
    const line = progressLine(e);
    if (line) process.stderr.write(line + '\n');
  };
  let doc: ResultDocument;
  try {
    doc = await runSuite({
      scenario,
      host,
      runtimes,
      scratch,
      scratchDir,
      save: (d) => saveResults(dir, d),
      onEvent: progress,
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const rt of Object.values(runtimes)) await rt.close();
    cgroups.removeSubtreeIfEmpty();
  }
  if (opts.json) process.stdout.write(JSON.stringify(doc, null, 1) + '\n');
  else process.stdout.write(`${renderTable(doc)}\n\nresults: ${resultsPath(dir)}\n`);
  const exitCode = signalName === 'SIGINT' ? 130 : signalName === 'SIGTERM' ? 143 : 0;
  return { doc, dir, exitCode };
}
