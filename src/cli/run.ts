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
import { DEFAULT_REPORT_FORMATS } from '../reporters/index.js';
import { renderTable } from '../reporters/table.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { FakeRuntime } from '../runtimes/fake.js';
import { createDockerRuntime } from '../runtimes/docker.js';
import { NativeRuntime } from '../runtimes/native.js';
import type { Runtime } from '../runtimes/runtime.js';
import { loadPreset, loadScenarioFile } from '../scenario/load.js';
import { startSampler } from '../sampler/sampler.js';
import { needsScratch, runSuite } from '../scheduler/suite.js';
import { Progress } from './progress.js';
import { defaultOutDir, prepareOutDir, resultsPath, saveResults } from './output.js';

export interface RunOptions {
  preset?: string;
  out?: string;
  repetitions?: number;
  warmup?: number;
  runtime?: RuntimeName[];
  scratch?: string;
  json?: boolean;
  sampleInterval?: number;
  targetCi?: number;
  maxRepetitions?: number;
  /** Comma-separated report formats, or "none". */
  report?: string;
  /** Docker engine address (`docker -H`); default DOCKER_HOST. */
  dockerHost?: string;
}

export function loadScenario(file: string | undefined, opts: RunOptions): Scenario {
  if (file && opts.preset) throw new CgbenchError('E_INPUT', 'give either a scenario file or --preset, not both');
  const base = file ? loadScenarioFile(file) : loadPreset(opts.preset ?? 'quick');
  const s: Scenario = { ...base };
  if (opts.repetitions !== undefined) s.repetitions = opts.repetitions;
  if (opts.warmup !== undefined) s.warmup = opts.warmup;
  if (opts.runtime) s.runtimes = opts.runtime;
  if (opts.scratch) s.scratchDir = opts.scratch;
  if (opts.sampleInterval !== undefined) s.sampleIntervalMs = opts.sampleInterval;
  if (opts.targetCi !== undefined || opts.maxRepetitions !== undefined) {
    const targetRel = opts.targetCi ?? s.adaptive?.targetRel ?? 0.02;
    const maxRepetitions = opts.maxRepetitions ?? s.adaptive?.maxRepetitions ?? 20;
    if (maxRepetitions < s.repetitions) throw new CgbenchError('E_INPUT', `--max-repetitions ${maxRepetitions} is below the repetitions (${s.repetitions})`, 'raise --max-repetitions or lower --repetitions');
    s.adaptive = { targetRel, maxRepetitions };
  }
  return s;
}

export function defaultScratchDir(): string {
  return process.env.CGBENCH_SCRATCH ?? process.env.TMPDIR ?? '/var/tmp';
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

  // From here on a signal ends the suite cleanly, also while set-up (an image build) is under way.
  const abort = new AbortController();
  let signalName: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalName) return;
    signalName = sig;
    process.stderr.write(`\n${sig}: stopping the running workload and writing partial results...\n`);
    abort.abort();
  };
  const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of SIGNALS) process.on(sig, onSignal);
  try {
    return await runWithSignals();
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }

  async function runWithSignals(): Promise<RunResult> {
  const dir = prepareOutDir(opts.out ?? defaultOutDir(scenario.name));
  // Report formats and paths are checked now, not after a long suite.
  const formats = opts.report === 'none' ? [] : checkOutputs(dir, opts.report ?? [...DEFAULT_REPORT_FORMATS]);
  const host = await gatherHost(cgroupInfo, disk);
  const cgroups = openCgroups(cgroupInfo);
  const runtimes: Partial<Record<RuntimeName, Runtime>> = {};
  // Docker first: an unreachable engine fails before anything else is made.
  if (scenario.runtimes.includes('docker')) {
    const docker = await createDockerRuntime({ cgroups, dockerHost: opts.dockerHost });
    runtimes.docker = docker;
    const info = docker.hostDockerInfo();
    if (info) host.docker = info;
  }
  if (wantsNative) runtimes.native = new NativeRuntime(cgroups);
  if (scenario.runtimes.includes('fake')) runtimes.fake = new FakeRuntime();

  const progress = new Progress(process.stderr);
  let doc: ResultDocument;
  try {
    doc = await runSuite({
      scenario,
      host,
      runtimes,
      scratch,
      scratchDir,
      save: (d) => saveResults(dir, d),
      onEvent: (e) => {
        if (e.type === 'suite-start') progress.setMatrix(e.doc.cells, e.perCell);
        progress.on(e);
      },
      sampler: startSampler,
      signal: abort.signal,
    });
  } finally {
    progress.stop();
    for (const rt of Object.values(runtimes)) await rt.close();
    cgroups.removeSubtreeIfEmpty();
  }
  const reports = formats.length ? await writeReports(doc, dir, formats) : [];
  if (opts.json) {
    process.stdout.write(JSON.stringify(doc, null, 1) + '\n');
    for (const p of reports) process.stderr.write(`report: ${p}\n`);
  } else {
    const lines = reports.map((p) => `report: ${p}`);
    process.stdout.write(`${renderTable(doc)}\n\n${lines.length ? lines.join('\n') + '\n' : ''}results: ${resultsPath(dir)}\n`);
  }
  const exitCode = signalName === 'SIGINT' ? 130 : signalName === 'SIGTERM' ? 143 : signalName === 'SIGHUP' ? 129 : 0;
  return { doc, dir, exitCode };
  }
}
