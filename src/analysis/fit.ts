// `cgbench fit` between rounds: every probe judged against the SLOs, the knob's search (search.ts), then the
// alternatives at its answer (a shorter period, a burst, whole CPUs), the answer itself, and where the response
// was not monotone. Pure: the app turns the requests into cells, runs them and calls again.

import { DEFAULT_CPU_PERIOD_US } from '../model/defaults.js';
import type {
  Cell,
  ExpectedOutcome,
  FitAlternative,
  FitInversion,
  FitKnob,
  FitProbe,
  FitReport,
  FitSeries,
  FitSettings,
  LimitSet,
  Limits,
  ProbeRole,
  SloCheck,
} from '../model/types.js';
import { figureText, knobValueText } from '../model/slo.js';
import { phaseSentence } from './phase-verdict.js';
import { nextStep, type SearchPoint, type SearchSpace, sweepRuns } from './search.js';
import { cellFigure, checkSlo, lowerIsBetter } from './slo.js';

export type AltSeries = Exclude<FitSeries, 'quota'>;

/** The shorter period tried at the answer: a fifth of the default, as the period-phase advice suggests. */
export const FIT_SHORT_PERIOD_US = DEFAULT_CPU_PERIOD_US / 5;
/** The kernel's smallest quota, us: a period's CPUs cannot go below it. */
const MIN_QUOTA_US = 1000;
const MIB = 1024 * 1024;
/** A figure at least this share of its bound worse with more of the knob is an inversion (smaller ones are noise). */
const INVERSION_SHARE = 0.1;
const MAX_INVERSIONS = 5;
/** Every outcome is a result for a probe: a run killed or timed out misses the SLOs, it is not an error. */
const ANY_OUTCOME: ExpectedOutcome[] = ['ok', 'oom-killed', 'failed', 'timeout'];

export const ALTERNATIVES: Record<AltSeries, string> = {
  period: `${FIT_SHORT_PERIOD_US / 1000} ms period`,
  burst: 'burst of one quota',
  cpuset: 'whole CPUs (cpuset)',
};

export interface FitContext {
  /** Why the runtime cannot set an alternative's knob; absent where it can. */
  cannot: Partial<Record<AltSeries, string>>;
  /** Try the alternatives at the answer (cpus only). */
  alternatives: boolean;
  /** The CPUs a cpuset may name, in order. */
  cpus: readonly number[];
}

/** Bring the probe of `series` at `value` (null: the baseline) to `runs` measured runs, making it if new. */
export interface FitRequest {
  series: FitSeries;
  value: number | null;
  role: ProbeRole;
  runs: number;
}

/** The search space of the knob itself or of an alternative below the plain answer's failing value `top`. */
export function fitSpace(s: FitSettings, series: FitSeries, top?: number): SearchSpace {
  const step = s.knob === 'cpus' ? 0.001 : MIB;
  const base = { precision: s.precision, scale: 'log' as const, step, parallel: s.parallel, runs: s.runs };
  if (series === 'quota') return { ...base, range: s.range, scan: s.scan, baseline: true };
  const hi = top ?? s.range[1];
  const alt = { ...base, scan: 0, baseline: false };
  if (series === 'cpuset') return { ...alt, scale: 'linear', step: 1, range: [1, Math.max(1, Math.floor(hi))] };
  const bottom = series === 'period' ? Math.max(s.range[0], MIN_QUOTA_US / FIT_SHORT_PERIOD_US) : s.range[0];
  return { ...alt, range: [Math.min(bottom, hi), hi] };
}

/** The limit set of a probe: its name (unique per series and value), its limits, and any outcome as a result. */
export function probeLimitSet(knob: FitKnob, series: FitSeries, value: number, cpus: readonly number[]): LimitSet {
  const quotaUs = (periodUs: number): number => Math.max(MIN_QUOTA_US, Math.round(value * periodUs));
  let limits: Limits;
  let name = knobValueText(knob, value, series);
  if (knob === 'memory') limits = { memory: { maxBytes: value } };
  else if (knob === 'memory-high') {
    limits = { memory: { maxBytes: null, highBytes: value } };
    name = `high ${name}`;
  } else if (series === 'period') {
    limits = { cpu: { quotaUs: quotaUs(FIT_SHORT_PERIOD_US), periodUs: FIT_SHORT_PERIOD_US } };
    name = `${name} / ${ALTERNATIVES.period}`;
  } else if (series === 'burst') {
    const q = quotaUs(DEFAULT_CPU_PERIOD_US);
    limits = { cpu: { quotaUs: q, periodUs: DEFAULT_CPU_PERIOD_US, burstUs: q } };
    name = `${name} + burst`;
  } else if (series === 'cpuset') {
    limits = { cpuset: cpus.slice(0, value).join(',') };
    name = `cpuset ${name}`;
  } else limits = { cpu: { quotaUs: quotaUs(DEFAULT_CPU_PERIOD_US), periodUs: DEFAULT_CPU_PERIOD_US } };
  return { name, limits, expect: [...ANY_OUTCOME] };
}

export function newFit(settings: FitSettings): FitReport {
  const sweep = sweepRuns(fitSpace(settings, 'quota'));
  return { settings, status: 'searching', probes: [], inversions: [], alternatives: [], runs: 0, sweepRuns: sweep };
}

const isRelative = (slo: FitSettings['slos'][number]): boolean => slo.relative || slo.figure === 'slowdown';

/** Every probe's checks and verdict from its cell's runs; `pending` while undecided below the most runs. */
export function judgeProbes(fit: FitReport, cells: ReadonlyMap<string, Cell>): void {
  const s = fit.settings;
  const baseProbe = fit.probes.find((p) => p.value === null);
  const base = baseProbe ? cells.get(baseProbe.cellId) : undefined;
  fit.runs = 0;
  for (const p of fit.probes) {
    const cell = cells.get(p.cellId);
    const runs = cell?.runs.filter((r) => !r.warmup) ?? [];
    p.runs = runs.length;
    p.failedRuns = runs.filter((r) => r.outcome !== 'ok').length;
    fit.runs += runs.length;
    p.checks = s.slos.map((slo): SloCheck => {
      // The baseline is what relative SLOs are measured against: it meets them by definition.
      if (p.value === null && isRelative(slo)) return { slo: slo.text, median: 1, bounds: null, verdict: 'holds' };
      return checkSlo(slo, runs, base ? cellFigure(base, slo) : null, s.confidence);
    });
    const verdicts = p.checks.map((c) => c.verdict);
    if (!runs.length) p.verdict = 'pending';
    else if (verdicts.includes('fails')) p.verdict = 'fails';
    else if (verdicts.every((v) => v === 'holds')) p.verdict = 'holds';
    else p.verdict = p.runs < s.maxRuns ? 'pending' : 'undecided';
  }
}

function pointsOf(fit: FitReport, series: FitSeries): SearchPoint[] {
  return fit.probes.filter((p) => p.series === series).map((p) => ({ value: p.value, verdict: p.verdict, runs: p.runs }));
}

function probeAt(fit: FitReport, series: FitSeries, value: number | null): FitProbe | undefined {
  return fit.probes.find((p) => p.series === series && p.value === value);
}

const requests = (series: FitSeries, probes: { value: number | null; role: ProbeRole; runs: number }[]): FitRequest[] =>
  probes.map((p) => ({ series, ...p }));

/** The SLO a probe misses worst, with its figure: "p99 <= 20ms: 41.2 ms (95 % bound 35.1 ms)". */
function missText(fit: FitReport, p: FitProbe): string {
  const s = fit.settings;
  const conf = `${Math.round(s.confidence * 1000) / 10} %`;
  if (p.failedRuns) return `${p.failedRuns} of ${p.runs} runs did not end ok (each misses every SLO)`;
  const parts = p.checks.flatMap((c, i) => {
    const slo = s.slos[i];
    if (!slo || c.verdict === 'holds' || c.median === null) return [];
    const bound = c.bounds ? (lowerIsBetter(slo) ? c.bounds[0] : c.bounds[1]) : null;
    const b = bound !== null ? ` (${conf} bound ${figureText(slo, bound)})` : '';
    return [`${slo.text}: ${figureText(slo, c.median)}${b}${c.verdict === 'undecided' ? `, undecided after ${p.runs} runs` : ''}`];
  });
  return parts.join('; ') || 'no figure to judge';
}

/** Why no value in the range meets every SLO, naming the SLO that fails where. */
function noneReason(fit: FitReport, at: 'top' | 'baseline'): string {
  const s = fit.settings;
  const top = probeAt(fit, 'quota', s.range[1]);
  const base = probeAt(fit, 'quota', null);
  if (at === 'baseline' && base)
    return `the SLOs fail even without limits (${missText(fit, base)}) and at the top of the range, ${knobValueText(s.knob, s.range[1])}`;
  const what = top ? missText(fit, top) : 'not measured';
  const undecided = top?.verdict === 'undecided' ? 'cannot be shown to hold' : 'fails';
  return `no value in the range meets every SLO: at the top, ${knobValueText(s.knob, s.range[1])}, it ${undecided}: ${what}`;
}

function usedOf(knob: FitKnob, cell: Cell | undefined): number | null {
  if (!cell) return null;
  return knob === 'cpus' ? cell.summary.cpuGranted : cell.summary.peakMemoryBytes;
}

/** The period phase's word on a cell: where in each period it ran out of quota and how long it stalled. */
function phaseWhy(cell: Cell | undefined): string {
  if (!cell) return 'not measured';
  if (cell.limits.cpu?.quotaUs == null) return 'no quota, so never throttled';
  const p = cell.summary.phase;
  if (!p) return 'no period-phase view (no samples)';
  if (p.status !== 'folded') return `no period-phase view (${p.reason})`;
  if (p.throttledShare === 0) return `never throttled in ${p.periods} periods`;
  return phaseSentence(cell, p) ?? `throttled at the end of ${Math.round(p.throttledShare * 100)} % of its ${p.periods} periods`;
}

/** Each alternative at the answer: its own search below the plain quota's failing value, or why it is untested. */
function alternativesStep(fit: FitReport, cells: ReadonlyMap<string, Cell>, ctx: FitContext): FitRequest[] {
  const s = fit.settings;
  const answer = fit.answer;
  fit.alternatives = [];
  if (s.knob !== 'cpus' || !ctx.alternatives || !answer) return [];
  const out: FitRequest[] = [];
  const plainFail = answer.failsBelow;
  for (const series of Object.keys(ALTERNATIVES) as AltSeries[]) {
    const label = ALTERNATIVES[series];
    const alt: FitAlternative = { series, label, verdict: 'untested', reason: '' };
    fit.alternatives.push(alt);
    const cannot = ctx.cannot[series];
    if (cannot) {
      alt.reason = cannot;
      continue;
    }
    if (!plainFail) {
      alt.reason = 'the plain quota holds at the bottom of the range: no failing value to beat';
      continue;
    }
    const space = fitSpace(s, series, plainFail.value);
    if (series === 'cpuset' && (plainFail.value < 1 || ctx.cpus.length < 1)) {
      alt.reason = `the plain answer, ${knobValueText(s.knob, answer.value)}, is already less than one whole CPU`;
      continue;
    }
    const step = nextStep(space, pointsOf(fit, series));
    if (step.action === 'run') {
      out.push(...requests(series, step.probes));
      alt.reason = 'being measured';
      continue;
    }
    const top = space.range[1];
    const topProbe = probeAt(fit, series, top);
    const plainWhy = phaseWhy(cells.get(plainFail.cellId));
    const altWhy = phaseWhy(topProbe ? cells.get(topProbe.cellId) : undefined);
    const why = `at ${knobValueText(s.knob, plainFail.value)} the plain quota: ${plainWhy}; with the ${label}: ${altWhy}`;
    if (step.action === 'none') {
      alt.verdict = 'not-lower';
      const misses = topProbe ? missText(fit, topProbe) : '';
      alt.reason = `fails at ${knobValueText(s.knob, top, series)}, where the plain quota fails too (${misses}); ${why}`;
      continue;
    }
    const found = probeAt(fit, series, step.value) as FitProbe;
    alt.verdict = 'lower';
    alt.answer = { value: step.value, cellId: found.cellId };
    const saving = Math.round((1 - step.value / answer.value) * 100);
    const plain = knobValueText(s.knob, answer.value);
    alt.reason = `holds at ${knobValueText(s.knob, step.value, series)}, ${saving} % below the plain ${plain}; ${why}`;
  }
  return out;
}

/** Where the response went the wrong way: a value that holds below one that fails, or a figure significantly
 *  (one-sided bounds apart, and by a tenth of the SLO's bound) worse with more of the knob. */
export function inversionsOf(fit: FitReport): FitInversion[] {
  const s = fit.settings;
  const rank = (v: number | null): number => (v === null ? Number.POSITIVE_INFINITY : v);
  const decided = fit.probes
    .filter((p) => p.series === 'quota' && (p.verdict === 'holds' || p.verdict === 'fails'))
    .sort((a, b) => rank(a.value) - rank(b.value));
  const text = (v: number | null): string => (v === null ? 'unlimited' : knobValueText(s.knob, v));
  const out: FitInversion[] = [];
  const seen = new Set<string>();
  const add = (lower: FitProbe, higher: FitProbe, what: string): void => {
    const key = `${lower.cellId}|${higher.cellId}`;
    if (seen.has(key) || lower.value === null || out.length >= MAX_INVERSIONS) return;
    seen.add(key);
    out.push({ lower: { value: lower.value, cellId: lower.cellId }, higher: { value: higher.value, cellId: higher.cellId }, what });
  };
  for (const f of decided.filter((p) => p.verdict === 'fails')) {
    const h = decided.filter((p) => p.verdict === 'holds' && rank(p.value) < rank(f.value)).at(-1);
    if (h) add(h, f, `holds at ${text(h.value)} but fails at ${text(f.value)} (${missText(fit, f)})`);
  }
  s.slos.forEach((slo, i) => {
    const lower = lowerIsBetter(slo);
    const usable = decided.filter((p) => p.checks[i]?.bounds && p.checks[i]?.median != null && !(p.value === null && isRelative(slo)));
    for (const [bi, b] of usable.entries()) {
      const cb = b.checks[i] as SloCheck & { bounds: [number, number]; median: number };
      const a = usable.slice(0, bi).find((x) => {
        const ca = x.checks[i] as SloCheck & { bounds: [number, number]; median: number };
        const gap = lower ? cb.median - ca.median : ca.median - cb.median;
        const apart = lower ? ca.bounds[1] < cb.bounds[0] : ca.bounds[0] > cb.bounds[1];
        return apart && gap >= INVERSION_SHARE * Math.abs(slo.bound);
      });
      if (!a) continue;
      const ca = a.checks[i] as SloCheck & { median: number };
      add(
        a,
        b,
        `${slo.figure} is worse with more: ${figureText(slo, cb.median)} at ${text(b.value)} against ${figureText(slo, ca.median)} ` +
          `at ${text(a.value)} (one-sided bounds apart)`,
      );
    }
  });
  return out;
}

/**
 * One step of the fit: judges every probe, then asks for the next runs, of the knob's search or, once it has
 * its answer, of the alternatives' (all at once). An empty list means the fit is over: `status`, `answer` or
 * `reason`, `alternatives` and `inversions` are final.
 */
export function advanceFit(fit: FitReport, cells: ReadonlyMap<string, Cell>, ctx: FitContext): FitRequest[] {
  judgeProbes(fit, cells);
  const s = fit.settings;
  fit.inversions = inversionsOf(fit);
  const step = nextStep(fitSpace(s, 'quota'), pointsOf(fit, 'quota'));
  if (step.action === 'run') return requests('quota', step.probes);
  if (step.action === 'none') {
    fit.status = 'none';
    fit.reason = noneReason(fit, step.at);
    delete fit.answer;
    fit.alternatives = [];
    return [];
  }
  const probe = probeAt(fit, 'quota', step.value) as FitProbe;
  const below = step.failsBelow === null ? undefined : probeAt(fit, 'quota', step.failsBelow);
  const baseProbe = probeAt(fit, 'quota', null);
  fit.answer = {
    value: step.value,
    cellId: probe.cellId,
    failsBelow: below && below.value !== null ? { value: below.value, cellId: below.cellId } : null,
    at: step.at,
    checks: probe.checks,
    used: usedOf(s.knob, cells.get(probe.cellId)),
    usedUnlimited: usedOf(s.knob, baseProbe ? cells.get(baseProbe.cellId) : undefined),
  };
  const more = alternativesStep(fit, cells, ctx);
  if (more.length) return more;
  fit.status = 'found';
  delete fit.reason;
  return [];
}
