// Compares two result documents cell by cell (the nightly CI gate): each metric's change, its 95 %
// intervals and whether the change is significant (intervals apart, or an exact Mann-Whitney U rank
// test on the per-run values). Pure: no I/O, no clock; rendering lives with the `compare` command.

import type { Cell, Limits, Outcome, ResultDocument, Run } from '../model/types.js';
import { describe, median } from './stats.js';
import { cpuUsedCpus, measuredRuns, throttleRatio, workloadBytesPerSec } from './summary.js';

export type CompareMetric = 'wall' | 'slowdown' | 'cpuGranted' | 'throttleRatio' | 'ioBytesPerSec' | 'peakMemory';
export type MetricUnit = 'ns' | 'x' | 'cpus' | 'ratio' | 'bytes/s' | 'bytes';

/**
 * Which way is worse. `neutral` metrics are shown but never gate: the CPU a group is granted is a
 * cause, and its effect is already judged by wall time and slowdown.
 */
export type Direction = 'lower-is-better' | 'higher-is-better' | 'neutral';

export type MetricVerdict = 'regression' | 'improvement' | 'within-threshold' | 'changed' | 'unchanged' | 'not-comparable';

export interface MetricComparison {
  metric: CompareMetric;
  label: string;
  unit: MetricUnit;
  direction: Direction;
  /** Median over the measured runs (slowdown: the summary's ratio of medians). */
  base: number | null;
  current: number | null;
  /** 95 % interval (of the mean; slowdown: the summary's slowdownRange). */
  baseInterval: [number, number] | null;
  currentInterval: [number, number] | null;
  baseRuns: number;
  currentRuns: number;
  /** (current - base) / base, in percent; null when base is 0 or missing. */
  changePct: number | null;
  /** Both intervals known (>= 2 runs each) and apart. */
  intervalsApart: boolean | null;
  /** Two-sided Mann-Whitney U p-value on the per-run values; null with no runs on one side. */
  pValue: number | null;
  significant: boolean;
  verdict: MetricVerdict;
}

export interface OutcomeComparison {
  base: Partial<Record<Outcome, number>>;
  current: Partial<Record<Outcome, number>>;
  baseOkPct: number | null;
  currentOkPct: number | null;
  /** More runs failed, were OOM-killed or timed out than before, by more than the threshold. */
  regression: boolean;
}

export interface CellComparison {
  key: string;
  workload: string;
  runtime: string;
  limitSet: string;
  baseCellId: string;
  currentCellId: string;
  /** The workload's parameters changed between the documents (compared anyway, flagged). */
  paramsDiffer: boolean;
  outcomes: OutcomeComparison;
  metrics: MetricComparison[];
  verdict: 'regression' | 'improvement' | 'unchanged';
}

export interface UnmatchedCell {
  cellId: string;
  side: 'base' | 'current';
  reason: string;
}

export interface DocumentRef {
  scenario: string;
  scenarioHash: string;
  createdAt: string;
  status: ResultDocument['status'];
  hostname: string;
  cgbenchVersion: string;
}

export interface CompareResult {
  thresholdPct: number;
  /** The significance level of the rank test. */
  alpha: number;
  base: DocumentRef;
  current: DocumentRef;
  cells: CellComparison[];
  unmatched: UnmatchedCell[];
  /** Different hosts, scenarios or partial documents: allowed, but the reader must know. */
  warnings: string[];
  regressions: number;
  improvements: number;
}

export interface CompareOptions {
  /** A significant change smaller than this (percent) does not count. */
  thresholdPct: number;
  /** Rank-test significance level. Default 0.05. */
  alpha?: number;
}

// ---------------------------------------------------------------------------------------------
// Mann-Whitney U

function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 via erf; |error| < 1.5e-7, far below what a p-value needs.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface RankTest {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  exact: boolean;
}

/** Samples up to this total size get the exact distribution; beyond it the normal approximation. */
const EXACT_LIMIT = 60;

/**
 * Two-sided Mann-Whitney U test. Exact for small samples, ties included: the permutation
 * distribution of the first sample's (mid)rank sum is counted by dynamic programming over doubled
 * midranks, which are integers. That is what benchmark repetitions need: n is 3 to 10, far too
 * small for the normal approximation.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): RankTest {
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, p: 1, exact: true };
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  const rank2: number[] = new Array<number>(n).fill(0);
  const tieSizes: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    for (let k = i; k <= j; k++) rank2[k] = i + 1 + (j + 1); // twice the midrank of ranks i+1..j+1
    tieSizes.push(j - i + 1);
    i = j + 1;
  }
  let r1x2 = 0;
  all.forEach((x, i) => {
    if (x.first) r1x2 += rank2[i] as number;
  });
  const u = r1x2 / 2 - (n1 * (n1 + 1)) / 2;
  const meanX2 = n1 * (n + 1);
  const observed = Math.abs(r1x2 - meanX2);

  if (n <= EXACT_LIMIT) {
    const maxSum = n * (n + 1);
    // ways[k][s]: subsets of k items whose doubled ranks sum to s.
    const ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
    (ways[0] as Float64Array)[0] = 1;
    rank2.forEach((r, i) => {
      for (let k = Math.min(i + 1, n1); k >= 1; k--) {
        const to = ways[k] as Float64Array;
        const from = ways[k - 1] as Float64Array;
        for (let s = maxSum; s >= r; s--) to[s] = (to[s] as number) + (from[s - r] as number);
      }
    });
    const dist = ways[n1] as Float64Array;
    let total = 0;
    let tail = 0;
    for (let s = 0; s <= maxSum; s++) {
      const w = dist[s] as number;
      if (!w) continue;
      total += w;
      if (Math.abs(s - meanX2) >= observed - 1e-9) tail += w;
    }
    return { u, p: Math.min(1, tail / total), exact: true };
  }

  const tieTerm = tieSizes.reduce((acc, t) => acc + (t ** 3 - t), 0) / (n * (n - 1));
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm));
  if (sigma === 0) return { u, p: 1, exact: false };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / sigma;
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), exact: false };
}

// ---------------------------------------------------------------------------------------------
// Matching

/** Stable JSON with sorted keys, so two equal limit objects compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function limitsEqual(a: Limits, b: Limits): boolean {
  return canonical(a) === canonical(b);
}

function matchKey(c: Cell): string {
  return JSON.stringify([c.workload, c.runtime, c.limitSet]);
}

// ---------------------------------------------------------------------------------------------
// Metrics

interface MetricDef {
  metric: CompareMetric;
  label: string;
  unit: MetricUnit;
  direction: Direction;
  /** Per-run values of a cell (its measured, ok runs). */
  values(cell: Cell, doc: ResultDocument): number[];
  applies(cell: Cell): boolean;
}

function finite(values: (number | undefined | null)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function baselineMedianWall(cell: Cell, doc: ResultDocument): number | null {
  const base = doc.cells.find((c) => c.id === cell.baselineId);
  if (!base) return null;
  const walls = measuredRuns(base).map((r) => r.metrics.wallNs);
  return walls.length ? median(walls) : null;
}

const METRICS: MetricDef[] = [
  { metric: 'wall', label: 'median wall', unit: 'ns', direction: 'lower-is-better', values: (c) => measuredRuns(c).map((r) => r.metrics.wallNs), applies: () => true },
  {
    metric: 'slowdown',
    label: 'slowdown',
    unit: 'x',
    direction: 'lower-is-better',
    values: (c, doc) => {
      const b = baselineMedianWall(c, doc);
      return b ? measuredRuns(c).map((r) => r.metrics.wallNs / b) : [];
    },
    // A baseline's slowdown is 1 by definition: nothing to compare.
    applies: (c) => c.baselineId !== null && c.baselineId !== c.id,
  },
  { metric: 'cpuGranted', label: 'CPU granted', unit: 'cpus', direction: 'neutral', values: (c) => finite(measuredRuns(c).map(cpuUsedCpus)), applies: () => true },
  { metric: 'throttleRatio', label: 'throttle ratio', unit: 'ratio', direction: 'lower-is-better', values: (c) => finite(measuredRuns(c).map(throttleRatio)), applies: (c) => c.limits.cpu?.quotaUs != null },
  {
    metric: 'ioBytesPerSec',
    label: 'IO throughput',
    unit: 'bytes/s',
    direction: 'higher-is-better',
    values: (c) => finite(measuredRuns(c).map(workloadBytesPerSec)),
    applies: (c) => c.summary.ioBytesPerSec !== null,
  },
  { metric: 'peakMemory', label: 'peak memory', unit: 'bytes', direction: 'lower-is-better', values: (c) => finite(measuredRuns(c).map((r: Run) => r.after?.memory?.peakBytes)), applies: () => true },
];

function interval(def: MetricDef, cell: Cell, values: number[]): [number, number] | null {
  if (def.metric === 'slowdown') return cell.summary.slowdownRange ?? null;
  const d = describe(values);
  return d ? d.ci95 : null;
}

function pointOf(def: MetricDef, cell: Cell, values: number[]): number | null {
  if (def.metric === 'slowdown') return cell.summary.slowdown;
  return values.length ? median(values) : null;
}

function changePct(base: number | null, current: number | null): number | null {
  if (base === null || current === null) return null;
  if (base === 0) return current === 0 ? 0 : null;
  return ((current - base) / Math.abs(base)) * 100;
}

function compareMetric(def: MetricDef, b: Cell, bDoc: ResultDocument, c: Cell, cDoc: ResultDocument, opts: Required<CompareOptions>): MetricComparison {
  const bv = def.values(b, bDoc);
  const cv = def.values(c, cDoc);
  const base = pointOf(def, b, bv);
  const current = pointOf(def, c, cv);
  const bi = interval(def, b, bv);
  const ci = interval(def, c, cv);
  const change = changePct(base, current);
  // One run has a zero-width interval: "apart" would call any difference significant.
  const intervalsApart = bi && ci && bv.length >= 2 && cv.length >= 2 ? bi[1] < ci[0] || ci[1] < bi[0] : null;
  const pValue = bv.length && cv.length ? mannWhitneyU(bv, cv).p : null;
  const significant = intervalsApart === true || (pValue !== null && pValue < opts.alpha);
  let verdict: MetricVerdict;
  if (base === null || current === null || change === null) verdict = 'not-comparable';
  else if (!significant || change === 0) verdict = 'unchanged';
  else if (def.direction === 'neutral') verdict = 'changed';
  else if (Math.abs(change) <= opts.thresholdPct) verdict = 'within-threshold';
  else {
    const worse = def.direction === 'lower-is-better' ? change > 0 : change < 0;
    verdict = worse ? 'regression' : 'improvement';
  }
  return {
    metric: def.metric,
    label: def.label,
    unit: def.unit,
    direction: def.direction,
    base,
    current,
    baseInterval: bi,
    currentInterval: ci,
    baseRuns: bv.length,
    currentRuns: cv.length,
    changePct: change,
    intervalsApart,
    pValue,
    significant,
    verdict,
  };
}

function okPct(cell: Cell): number | null {
  const counted = cell.runs.filter((r) => !r.warmup).length;
  return counted ? ((cell.summary.outcomes.ok ?? 0) / counted) * 100 : null;
}

function compareCells(b: Cell, bDoc: ResultDocument, c: Cell, cDoc: ResultDocument, opts: Required<CompareOptions>): CellComparison {
  const metrics = METRICS.filter((d) => d.applies(b) || d.applies(c))
    .map((d) => compareMetric(d, b, bDoc, c, cDoc, opts))
    // A metric neither side measured (no cpu.stat on a host, say) is noise in the output.
    .filter((m) => m.base !== null || m.current !== null);
  const baseOk = okPct(b);
  const currentOk = okPct(c);
  const outcomes: OutcomeComparison = {
    base: b.summary.outcomes,
    current: c.summary.outcomes,
    baseOkPct: baseOk,
    currentOkPct: currentOk,
    regression: baseOk !== null && currentOk !== null && baseOk - currentOk > opts.thresholdPct,
  };
  const regression = outcomes.regression || metrics.some((m) => m.verdict === 'regression');
  const improvement = !regression && (metrics.some((m) => m.verdict === 'improvement') || (baseOk !== null && currentOk !== null && currentOk - baseOk > opts.thresholdPct));
  return {
    key: matchKey(c),
    workload: c.workload,
    runtime: c.runtime,
    limitSet: c.limitSet,
    baseCellId: b.id,
    currentCellId: c.id,
    paramsDiffer: canonical(b.params) !== canonical(c.params),
    outcomes,
    metrics,
    verdict: regression ? 'regression' : improvement ? 'improvement' : 'unchanged',
  };
}

function ref(doc: ResultDocument): DocumentRef {
  return { scenario: doc.scenario.name, scenarioHash: doc.scenarioHash, createdAt: doc.createdAt, status: doc.status, hostname: doc.host.hostname, cgbenchVersion: doc.tool.version };
}

function hostDifferences(a: ResultDocument, b: ResultDocument): string[] {
  const out: string[] = [];
  const x = a.host;
  const y = b.host;
  const check = (what: string, p: string | number | undefined, q: string | number | undefined): void => {
    if (p !== q) out.push(`${what} ${p ?? '(none)'} -> ${q ?? '(none)'}`);
  };
  check('host', x.hostname, y.hostname);
  check('CPU', x.cpuModel, y.cpuModel);
  check('cores', x.cpuCount, y.cpuCount);
  check('memory', x.memoryBytes, y.memoryBytes);
  check('kernel', x.kernel, y.kernel);
  check('cgroup', x.cgroup.mode, y.cgroup.mode);
  check('disk', x.disk?.device, y.disk?.device);
  check('Docker', x.docker?.version, y.docker?.version);
  return out;
}

export function compareDocuments(base: ResultDocument, current: ResultDocument, options: CompareOptions): CompareResult {
  const opts: Required<CompareOptions> = { thresholdPct: options.thresholdPct, alpha: options.alpha ?? 0.05 };
  const warnings: string[] = [];
  const hostDiff = hostDifferences(base, current);
  if (hostDiff.length) warnings.push(`the documents come from different machines or setups (${hostDiff.join('; ')}): differences may be the host's, not the code's`);
  if (base.scenarioHash !== current.scenarioHash) warnings.push(`the scenarios differ (hash ${base.scenarioHash} vs ${current.scenarioHash}): only cells with the same workload, runtime and limits are compared`);
  for (const [side, doc] of [
    ['base', base],
    ['current', current],
  ] as const) {
    if (doc.status !== 'complete') warnings.push(`the ${side} document is ${doc.status}: cells it did not finish are missing or partial`);
  }

  const byKey = new Map(base.cells.map((c) => [matchKey(c), c]));
  const used = new Set<string>();
  const cells: CellComparison[] = [];
  const unmatched: UnmatchedCell[] = [];
  for (const c of current.cells) {
    const key = matchKey(c);
    const b = byKey.get(key);
    if (!b) {
      unmatched.push({ cellId: c.id, side: 'current', reason: 'no cell with this workload, runtime and limit set in the base document' });
      continue;
    }
    used.add(key);
    if (!limitsEqual(b.limits, c.limits)) {
      unmatched.push({ cellId: c.id, side: 'current', reason: `limit set "${c.limitSet}" has different limits in the two documents` });
      continue;
    }
    const cmp = compareCells(b, base, c, current, opts);
    if (cmp.paramsDiffer) warnings.push(`${c.id}: the workload's parameters differ between the documents; its times are not comparable`);
    cells.push(cmp);
  }
  for (const b of base.cells) {
    if (!used.has(matchKey(b))) unmatched.push({ cellId: b.id, side: 'base', reason: 'missing from the current document' });
  }
  if (!cells.length) warnings.push('no cell matched: nothing was compared');
  return {
    thresholdPct: opts.thresholdPct,
    alpha: opts.alpha,
    base: ref(base),
    current: ref(current),
    cells,
    unmatched,
    warnings,
    regressions: cells.filter((c) => c.verdict === 'regression').length,
    improvements: cells.filter((c) => c.verdict === 'improvement').length,
  };
}

/** The CI gate: 1 when any matched cell has a significant regression beyond the threshold. */
export function compareExitCode(result: CompareResult): 0 | 1 {
  return result.regressions > 0 ? 1 : 0;
}
