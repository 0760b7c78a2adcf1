// Service-level objectives (`--slo 'p99 <= 20ms'`): the text parsed into an Slo with one clear line per
// mistake, each run's figure read from its metrics, and one probe's verdict per SLO with its confidence. Pure.

import type { OkRun } from './runs.js';
import { median, oneSidedBounds } from './stats.js';
import { SLO_FIGURES } from '../model/slo.js';
import type { Cell, Run, Slo, SloCheck, SloOp, WorkloadKind } from '../model/types.js';

const ALIASES: Record<string, string> = { 'p99.9': 'p999', median: 'p50', rps: 'throughput', tput: 'throughput' };
const TIME_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };
const OPS: Record<string, SloOp> = { '<=': '<=', '<': '<', '>=': '>=', '>': '>', '≤': '<=', '≥': '>=' };

/** A workload's own metric as its JSON line names it ("p99_ms") becomes the key the runs keep ("p99Ms"). */
function metricKey(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export class SloError extends Error {}

const fail = (text: string, problem: string): never => {
  throw new SloError(`--slo '${text}': ${problem}`);
};

/**
 * "p99 <= 20ms", "throughput >= 0.95x", "slowdown <= 1.2", "wall < 3s", "rps >= 1000/s", or a workload's own
 * metric ("errors <= 0"). Throws SloError with one line naming the problem and the fix.
 */
export function parseSlo(text: string): Slo {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|<|>|≤|≥)\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([A-Za-zµ/%]*)\s*$/.exec(text);
  if (!m) return fail(text, "write FIGURE OP VALUE, e.g. 'p99 <= 20ms', 'throughput >= 0.95x' or 'slowdown <= 1.2' (OP is <=, <, >= or >)");
  const [, rawName = '', rawOp = '', rawValue = '', rawUnit = ''] = m;
  const name = ALIASES[rawName.toLowerCase()] ?? rawName.toLowerCase();
  const op = OPS[rawOp] as SloOp;
  const value = Number(rawValue);
  const unit = rawUnit.toLowerCase();
  const figure = SLO_FIGURES[name];
  const wantsLower = op === '<=' || op === '<';
  if (figure && (figure.better === 'lower') !== wantsLower) {
    const turn = figure.better === 'lower' ? '<=' : '>=';
    return fail(text, `${name} is the ${figure.what}, where ${figure.better} is better: write ${name} ${turn} ${rawValue}${rawUnit}`);
  }
  const slo = (bound: number, relative: boolean): Slo => ({
    text: text.trim(),
    figure: figure ? name : metricKey(rawName),
    op,
    bound,
    relative,
  });
  if (!(value > 0) && !(value === 0 && !figure)) return fail(text, 'the bound must be above 0');
  if (unit === 'x') {
    if (figure?.unit === 'ratio') return slo(value, false);
    return slo(value, true);
  }
  if (!figure) {
    if (unit) return fail(text, `a workload's own metric is compared as it reports it: drop "${rawUnit}", or write a multiple like 0.9x`);
    return slo(value, false);
  }
  switch (figure.unit) {
    case 'time': {
      const f = TIME_NS[unit];
      if (f === undefined)
        return fail(text, `${name} is a time: give a unit (ns, us, ms, s), e.g. ${rawValue}ms, or a multiple of unlimited like 1.5x`);
      return slo(value * f, false);
    }
    case 'rate':
      if (unit && unit !== '/s') return fail(text, `${name} is per second: write e.g. 1000/s, or a share of unlimited like 0.95x`);
      return slo(value, false);
    case 'ratio':
      if (unit) return fail(text, `${name} is a ratio to the unlimited run: write e.g. ${name} <= 1.2`);
      return slo(value, false);
    default:
      return slo(value, false);
  }
}

/** Is lower better for this SLO's figure? (A workload's own metric: as the SLO's operator says.) */
export function lowerIsBetter(slo: Pick<Slo, 'op'>): boolean {
  return slo.op === '<=' || slo.op === '<';
}

/** Why an SLO cannot be judged on a workload of this kind, before anything runs; null when it can. */
export function sloKindProblem(slo: Slo, kind: WorkloadKind): string | null {
  const figure = SLO_FIGURES[slo.figure];
  if (figure && !figure.kinds.includes(kind))
    return `--slo '${slo.text}': a ${kind} workload does not report the ${figure.what} (${figure.kinds.join(', ')} workloads do)`;
  // Commands report their own figures, and a service the load generator's named ones (errors among them).
  if (!figure && kind !== 'command' && kind !== 'service')
    return `--slo '${slo.text}': a ${kind} workload reports no figure "${slo.figure}" (use ${Object.keys(SLO_FIGURES).join(', ')})`;
  return null;
}

/** A run's figure for the SLO, before any baseline ratio; undefined when the run does not report it. */
export function runFigure(run: OkRun, slo: Pick<Slo, 'figure'>): number | undefined {
  const m = run.metrics;
  const num = (k: string): number | undefined => {
    const v = m[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const figure = SLO_FIGURES[slo.figure];
  // A service's figures (and a command's own) are named metrics: a built-in figure by its name there (times in
  // ms), an own metric by its name as reported or as the SLO wrote it ("hit_ratio" read as "hitRatio").
  const named = run.namedMetrics;
  if (named) {
    const own = figure
      ? figure.named !== undefined
        ? named[figure.named]
        : undefined
      : (named[slo.figure] ?? Object.entries(named).find(([k]) => metricKey(k) === slo.figure)?.[1]);
    if (own && Number.isFinite(own.value)) {
      if (figure?.unit !== 'time') return own.value;
      const perUnit = TIME_NS[own.unit];
      return perUnit === undefined ? undefined : own.value * perUnit;
    }
  }
  if (slo.figure === 'throughput') {
    const work = num('ops') ?? num('bytes');
    return work !== undefined && m.wallNs > 0 ? work / (m.wallNs / 1e9) : undefined;
  }
  if (slo.figure === 'slowdown') return m.wallNs;
  return num(figure?.key ?? slo.figure);
}

/** The figure's median over a cell's ok measured runs (the baseline's, for relative SLOs and slowdown). */
export function cellFigure(cell: Pick<Cell, 'runs'>, slo: Pick<Slo, 'figure'>): number | null {
  const ok = cell.runs.filter((r): r is OkRun => !r.warmup && r.outcome === 'ok');
  const values = ok.map((r) => runFigure(r, slo)).filter((v): v is number => v !== undefined);
  return values.length ? median(values) : null;
}

/** The value the bound is compared with: the figure itself, or over the baseline's median. */
function compared(slo: Slo, raw: number, base: number | null): number | undefined {
  if (slo.figure === 'slowdown' || slo.relative) return base !== null && base > 0 ? raw / base : undefined;
  return raw;
}

const meets = (v: number, op: SloOp, bound: number): boolean =>
  op === '<=' ? v <= bound : op === '<' ? v < bound : op === '>=' ? v >= bound : v > bound;

/**
 * One SLO at one probe: holds when the worst plausible median (the one-sided bound at `confidence`) meets the
 * bound, fails when the best plausible one misses it, otherwise undecided (more runs may tell). A run that did
 * not end ok misses the SLO (a killed or timed-out service meets none), so any such run fails the probe.
 * `base`: the baseline cell's median of the figure, for relative SLOs and slowdown.
 */
export function checkSlo(slo: Slo, runs: readonly Run[], base: number | null, confidence: number): SloCheck {
  const measured = runs.filter((r) => !r.warmup);
  const ok = measured.filter((r): r is OkRun => r.outcome === 'ok');
  const values = ok.map((r) => runFigure(r, slo)).flatMap((v) => (v === undefined ? [] : [compared(slo, v, base)]));
  const finite = values.filter((v): v is number => v !== undefined);
  const out: SloCheck = { slo: slo.text, median: finite.length ? median(finite) : null, bounds: null, verdict: 'undecided' };
  if (measured.length > ok.length) return { ...out, verdict: 'fails' };
  const b = finite.length === values.length ? oneSidedBounds(finite, confidence) : null;
  if (!b) return out;
  // Times, rates and ratios are never below zero: a t-interval's low end of a spread-out latency can be.
  const floor = (SLO_FIGURES[slo.figure]?.unit ?? 'own') === 'own' && !slo.relative ? -Infinity : 0;
  out.bounds = [Math.max(floor, b.low), Math.max(floor, b.high)];
  out.method = b.method;
  const [worst, best] = lowerIsBetter(slo) ? [b.high, b.low] : [b.low, b.high];
  if (meets(worst, slo.op, slo.bound)) out.verdict = 'holds';
  else if (!meets(best, slo.op, slo.bound)) out.verdict = 'fails';
  return out;
}
