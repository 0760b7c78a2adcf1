// `cgbench fit`: the smallest value of a knob that meets every SLO, found by measurement. Checks everything it
// can before the first run (the SLOs against the workload, the knob against the runtime), then runs the search's
// probes as rounds of ordinary cells of one suite and prints the answer with the settings to paste.

import { availableParallelism, totalmem } from 'node:os';
import { type AltSeries, advanceFit, ALTERNATIVES, type FitContext, newFit, probeLimitSet } from '../analysis/fit.js';
import { onGrid } from '../analysis/search.js';
import { parseSlo, SloError, sloKindProblem } from '../analysis/slo.js';
import { detectCgroups } from '../cgroup/detect.js';
import type { KnobHost } from '../runtimes/knob-rules.js';
import { runtimeEntry } from '../runtimes/registry.js';
import { DEFAULT_CPU_PERIOD_US, FIT_DEFAULTS, FIT_KNOBS } from '../model/defaults.js';
import { CgbenchError, EXIT_DONE, EXIT_NONE_FITS } from '../model/errors.js';
import { cpuList } from '../model/limits.js';
import type {
  FitKnob,
  FitProbe,
  FitReport,
  FitSeries,
  FitSettings,
  Limits,
  ProbeRole,
  ResultDocument,
  RuntimeName,
  Scenario,
  WorkloadSpec,
} from '../model/types.js';
import { parseBytes } from '../model/units.js';
import { renderFit } from '../reporters/fit.js';
import { renderJson } from '../reporters/json.js';
import { cellId } from '../scheduler/cells.js';
import type { RoundItem } from '../scheduler/suite.js';
import { cannotSet, pasteSettings } from './fit-paste.js';
import { resolveScenario } from './overrides.js';
import { resultsPath } from './results.js';
import { executeSuite, type HookContext, type RunOptions, type SuiteHooks } from './run.js';
import { terminalColumns } from './streams.js';

export interface FitOptions extends Omit<RunOptions, 'repetitions' | 'targetCi' | 'maxRepetitions' | 'allowFailures'> {
  slo?: string[];
  knob?: string;
  /** "0.1..4" (CPUs), "64M..2G" (memory). */
  range?: string;
  /** Ratios (0.05 = 5 %), parsed by the command line. */
  precision?: number;
  confidence?: number;
  runs?: number;
  maxRuns?: number;
  scan?: number;
  /** Which of the scenario's workloads (needed when it has several). */
  workload?: string;
  /** false (--no-alternatives): no shorter period, burst or cpuset at the answer. */
  alternatives?: boolean;
}

export interface FitCommandResult {
  doc: ResultDocument;
  dir: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

const bad = (message: string, hint?: string): CgbenchError => new CgbenchError('E_INPUT', message, hint);

function knobOf(text: string | undefined): FitKnob {
  const k = text ?? 'cpus';
  if (!(FIT_KNOBS as readonly string[]).includes(k)) throw bad(`--knob ${k}: fit searches ${FIT_KNOBS.join(', ')}`, 'e.g. --knob cpus');
  return k as FitKnob;
}

/** "0.1..4" (CPUs; "250m" is millicores) or "64M..2G" (memory): bottom below top, both on the knob's grid. */
export function parseRange(text: string, knob: FitKnob): [number, number] {
  const parts = text.split('..');
  const example = knob === 'cpus' ? '0.1..4' : '64M..2G';
  if (parts.length !== 2) throw bad(`--range ${text}: write BOTTOM..TOP, e.g. ${example}`);
  const one = (p: string): number | null => {
    if (knob !== 'cpus') return parseBytes(p);
    const m = /^\s*(\d*\.?\d+)\s*(m?)\s*$/.exec(p);
    return m ? Number(m[1]) / (m[2] ? 1000 : 1) : null;
  };
  const [lo, hi] = parts.map(one) as [number | null, number | null];
  if (lo === null || hi === null) throw bad(`--range ${text}: not a range of ${knob === 'cpus' ? 'CPUs' : 'sizes'}; write e.g. ${example}`);
  const min = knob === 'cpus' ? 0.01 : 1024 * 1024;
  if (lo < min)
    throw bad(`--range ${text}: the bottom must be at least ${knob === 'cpus' ? "0.01 CPU (the kernel's 1 ms quota)" : '1 MiB'}`);
  if (!(hi > lo)) throw bad(`--range ${text}: the bottom must be below the top, e.g. ${example}`);
  const step = knob === 'cpus' ? 0.001 : 1024 * 1024;
  return [onGrid(lo, step), onGrid(hi, step)];
}

function defaultRange(knob: FitKnob): [number, number] {
  if (knob === 'cpus') return [FIT_DEFAULTS.cpusBottom, availableParallelism()];
  const mib = 1024 * 1024;
  return [FIT_DEFAULTS.memoryBottomBytes, Math.floor(totalmem() / 2 / mib) * mib];
}

function pickWorkload(s: Scenario, name: string | undefined): WorkloadSpec {
  const names = s.workloads.map((w) => w.name).join(', ');
  if (name !== undefined) {
    const w = s.workloads.find((x) => x.name === name);
    if (!w) throw bad(`--workload ${name}: ${s.source} has no such workload`, `its workloads: ${names}`);
    return w;
  }
  if (s.workloads.length !== 1)
    throw bad(`${s.source} has ${s.workloads.length} workloads; fit searches one`, `pass --workload NAME (${names})`);
  return s.workloads[0] as WorkloadSpec;
}

/** Why the runtime cannot set the limits a probe sets (it would refuse them, or run without them); null when it can. */
function unsupported(runtime: RuntimeName, limits: Limits, host: KnobHost | undefined): string | null {
  return cannotSet(runtime, limits, host)[0] ?? null;
}

/** The fit's scenario: the one workload, alone, on one runtime, its baseline the only limit set given. */
function fitScenario(
  s: Scenario,
  w: WorkloadSpec,
  runtime: RuntimeName,
  settings: FitSettings,
  o: { sampleGiven: boolean; alternatives: boolean },
): Scenario {
  const { neighbourSets: _alone, ...spec } = w;
  const base = w.limitSets[0];
  const out: Scenario = { ...s, workloads: [{ ...spec, limitSets: base ? [base] : [] }], runtimes: [runtime], repetitions: settings.runs };
  delete out.adaptive;
  // The period phase explains the alternatives: sample finely enough for the shorter period (a tenth of the default
  // one without them) where the launcher samples from outside the group, so the sampling costs no quota.
  if (!o.sampleGiven && settings.knob === 'cpus' && (runtime === 'native' || runtime === 'fake'))
    out.sampleIntervalMs = Math.min(out.sampleIntervalMs, o.alternatives ? FIT_DEFAULTS.sampleIntervalMs : DEFAULT_CPU_PERIOD_US / 10_000);
  return out;
}

/** The settings from the options, checked: every mistake is one line and exit 2 before anything runs. */
function fitSettings(opts: FitOptions): FitSettings {
  if (!opts.slo?.length) throw bad('fit needs at least one --slo', "e.g. --slo 'p99 <= 20ms' or --slo 'slowdown <= 1.2'");
  const slos = opts.slo.map((text) => {
    try {
      return parseSlo(text);
    } catch (e) {
      if (e instanceof SloError) throw bad(e.message);
      throw e;
    }
  });
  const knob = knobOf(opts.knob);
  const range = opts.range !== undefined ? parseRange(opts.range, knob) : defaultRange(knob);
  const runs = opts.runs ?? FIT_DEFAULTS.runs;
  const maxRuns = Math.max(runs, opts.maxRuns ?? FIT_DEFAULTS.maxRuns);
  if (opts.maxRuns !== undefined && opts.maxRuns < runs)
    throw bad(`--max-runs ${opts.maxRuns} is below --runs ${runs}`, 'raise --max-runs');
  return {
    knob,
    range,
    precision: opts.precision ?? FIT_DEFAULTS.precision,
    confidence: opts.confidence ?? FIT_DEFAULTS.confidence,
    runs,
    maxRuns,
    scan: opts.scan ?? FIT_DEFAULTS.scan,
    parallel: 1,
    slos,
  };
}

/** What a fit runs: its settings, the workload and runtime, the baseline limit set, and the alternatives it may try. */
export interface FitPlan {
  settings: FitSettings;
  scenario: Scenario;
  workload: WorkloadSpec;
  runtime: RuntimeName;
  /** Why the runtime cannot set each alternative it cannot (reported untested). */
  cannot: FitContext['cannot'];
  alternatives: boolean;
}

/** The options and the scenario checked into a plan: every mistake is one line and exit 2 before anything runs. */
export async function planFit(file: string | undefined, opts: FitOptions): Promise<FitPlan> {
  const settings = fitSettings(opts);
  const scenario = await resolveScenario(file, opts);
  const workload = pickWorkload(scenario, opts.workload);
  if (scenario.runtimes.length !== 1)
    throw bad(`fit runs on one runtime; ${scenario.source} names ${scenario.runtimes.join(', ')}`, 'pass --runtime NAME');
  const runtime = scenario.runtimes[0] as RuntimeName;
  const problems = settings.slos.map((slo) => sloKindProblem(slo, workload.params.kind)).filter((p): p is string => p !== null);
  // The host decides only where the runtime writes this host's groups (native: no memory.high on cgroup v1).
  const host: KnobHost | undefined = runtimeEntry(runtime)?.hostCgroups ? { cgroup: detectCgroups() } : undefined;
  const knobProblem = unsupported(runtime, probeLimitSet(settings.knob, 'quota', settings.range[1], [0]).limits, host);
  if (knobProblem) problems.push(`--knob ${settings.knob} on ${runtime}: ${knobProblem}`);
  if (problems.length) throw bad(problems.join('; '));
  const cannot: FitContext['cannot'] = {};
  for (const series of Object.keys(ALTERNATIVES) as AltSeries[]) {
    const why = unsupported(runtime, probeLimitSet('cpus', series, 1, [0]).limits, host);
    if (why) cannot[series] = `${runtime} cannot set it: ${why}`;
  }
  const alternatives = opts.alternatives !== false;
  const fitted = fitScenario(scenario, workload, runtime, settings, { sampleGiven: opts.sampleInterval !== undefined, alternatives });
  return { settings, scenario: fitted, workload, runtime, cannot, alternatives };
}

/** The suite's hooks that run a fit: each round's probes from the search, and the document's fit section. */
export function fitHooks(plan: FitPlan): Required<SuiteHooks> {
  const { settings, workload: w, runtime } = plan;
  const base = w.limitSets[0];
  const fitCtx = (ctx: HookContext): FitContext => ({
    cannot: plan.cannot,
    alternatives: plan.alternatives,
    cpus: cpuList(ctx.availableCpus || `0-${ctx.host.cpuCount - 1}`),
  });
  /** The document's fit section, made at the first round (when the runtime's nodes are known). */
  const fitOf = (doc: ResultDocument, ctx: HookContext): FitReport => {
    if (!doc.fit) {
      const parallel = ctx.runtimes[runtime]?.nodes?.length ?? 1;
      doc.fit = newFit({ ...settings, parallel });
      const first = doc.cells[0];
      if (first) doc.fit.probes.push(newProbe('quota', null, first.id, 'baseline'));
    }
    return doc.fit;
  };
  const next = (doc: ResultDocument, ctx: HookContext): RoundItem[] => {
    const fit = fitOf(doc, ctx);
    const c = fitCtx(ctx);
    const requests = advanceFit(fit, new Map(doc.cells.map((x) => [x.id, x])), c);
    return requests.map((r) => {
      const limitSet = r.value === null && base ? base : probeLimitSet(settings.knob, r.series, r.value ?? 0, c.cpus);
      const id = cellId(w.name, runtime, limitSet.name);
      if (!fit.probes.some((p) => p.cellId === id)) fit.probes.push(newProbe(r.series, r.value, id, r.role));
      return { workload: w.name, runtime, limitSet, measured: r.runs };
    });
  };
  const finish = (doc: ResultDocument, ctx: HookContext): void => {
    const fit = fitOf(doc, ctx);
    if (doc.status !== 'complete') {
      if (fit.status === 'searching') fit.status = 'interrupted';
      return;
    }
    const c = fitCtx(ctx);
    const limits = (series: FitSeries, value: number): Limits => probeLimitSet(settings.knob, series, value, c.cpus).limits;
    if (fit.answer) fit.paste = pasteSettings(settings.knob, limits('quota', fit.answer.value), fit.answer.used);
    for (const alt of fit.alternatives)
      if (alt.answer) {
        const p = pasteSettings(settings.knob, limits(alt.series, alt.answer.value), null);
        alt.paste = [p.docker, p.systemd, ...p.notes].filter(Boolean).join('; ');
      }
  };
  return { next, finish };
}

function newProbe(series: FitSeries, value: number | null, cellId: string, role: ProbeRole): FitProbe {
  return { series, value, cellId, role, runs: 0, failedRuns: 0, verdict: 'pending', checks: [] };
}

export async function fitCommand(file: string | undefined, opts: FitOptions): Promise<FitCommandResult> {
  const plan = await planFit(file, opts);
  const { doc, dir, reports, signalCode } = await executeSuite(plan.scenario, opts, fitHooks(plan));
  const reportLines = reports.map((p) => `report: ${p}\n`).join('');
  const fit = doc.fit;
  const text = renderFit(doc, { width: opts.width ?? terminalColumns() });
  const stdout = opts.json ? renderJson(doc) : `${text}\n\n${reportLines}results: ${resultsPath(dir)}\n`;
  const none = fit?.status === 'none';
  const line = none ? `cgbench fit: ${fit.reason ?? 'no value in the range meets every SLO'}; exit ${EXIT_NONE_FITS}\n` : '';
  return { doc, dir, stdout, stderr: (opts.json ? reportLines : '') + line, exitCode: signalCode || (none ? EXIT_NONE_FITS : EXIT_DONE) };
}
