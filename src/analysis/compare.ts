// Compares two result documents cell by cell (the nightly CI gate): each metric's change, its 95 %
// intervals and whether the change is significant (intervals apart, or an exact Mann-Whitney U rank
// test on the per-run values). Pure: no I/O, no clock; reporters/compare.ts renders the result.

import { EXIT_REGRESSION } from '../model/errors.js';
import { canonicalJson as canonical } from '../model/canonical.js';
import { engineVersions, hostEngines } from '../model/engines.js';
import { cpuQuotaCpus } from '../model/limits.js';
import { cpuUsedCpus, throttleRatio, workloadBytesPerSec } from '../model/metrics.js';
import { slowdownMeans } from '../model/params.js';
import type {
  Cell,
  CellComparison,
  CompareMetric,
  CompareResult,
  Direction,
  DocumentRef,
  Limits,
  MetricComparison,
  MetricUnit,
  MetricVerdict,
  OutcomeComparison,
  ResultDocument,
  Run,
  UnmatchedCell,
} from '../model/types.js';
import { ownCpuShare } from './contention.js';
import { diskReadsPerPass, iopsOf, type PressureResource, readsMatter, refaultsPerPass, stallPct } from './resources.js';
import { finiteValues, measuredRuns } from './runs.js';
import { describe, mannWhitneyU, median } from './stats.js';

export interface CompareOptions {
  /** A significant change smaller than this (percent) does not count. */
  thresholdPct: number;
  /** Rank-test significance level. Default 0.05. */
  alpha?: number;
  /** Two hosts of one merged document (`compare --hosts`): their differences are the question, not a caveat. */
  acrossHosts?: boolean;
}

/** What every cell's verdict needs, resolved. */
type GateOptions = Required<Omit<CompareOptions, 'acrossHosts'>>;

// ---------------------------------------------------------------------------------------------
// Matching

export function limitsEqual(a: Limits, b: Limits): boolean {
  return canonical(a) === canonical(b);
}

/** Workload, runtime, limit set and neighbour set (alone cells keep their older key); in merged documents the
 *  host too (each host against its own). */
function matchKey(c: Cell): string {
  const key: string[] = [c.workload, c.runtime, c.limitSet];
  if (c.host !== undefined) key.push(c.host);
  if (c.neighbourSet) key.push(`next to ${c.neighbourSet.name}`);
  return JSON.stringify(key);
}

// ---------------------------------------------------------------------------------------------
// Metrics

interface MetricDef {
  metric: CompareMetric;
  label: string;
  unit: MetricUnit;
  ownUnit?: string;
  direction: Direction;
  /** Per-run values of a cell (its measured, ok runs). */
  values(cell: Cell, doc: ResultDocument): number[];
  applies(cell: Cell): boolean;
}

function baselineMedianWall(cell: Cell, doc: ResultDocument): number | null {
  const base = doc.cells.find((c) => c.id === cell.baselineId);
  if (!base) return null;
  const walls = measuredRuns(base).map((r) => r.metrics.wallNs);
  return walls.length ? median(walls) : null;
}

const METRICS: MetricDef[] = [
  {
    metric: 'wall',
    label: 'median wall',
    unit: 'ns',
    direction: 'lower-is-better',
    values: (c) => measuredRuns(c).map((r) => r.metrics.wallNs),
    applies: () => true,
  },
  {
    metric: 'slowdown',
    label: 'slowdown',
    unit: 'x',
    direction: 'lower-is-better',
    values: (c, doc) => {
      const b = baselineMedianWall(c, doc);
      return b ? measuredRuns(c).map((r) => r.metrics.wallNs / b) : [];
    },
    // A baseline's slowdown is 1 by definition: nothing to compare. An IO cell's figure is its rate, a
    // fixed-duration latency run's wall time says nothing: their slowdown means nothing either.
    applies: (c) => c.baselineId !== null && c.baselineId !== c.id && slowdownMeans(c),
  },
  {
    metric: 'cpuGranted',
    label: 'CPU granted',
    unit: 'cpus',
    direction: 'neutral',
    values: (c) => finiteValues(measuredRuns(c).map(cpuUsedCpus)),
    applies: () => true,
  },
  {
    metric: 'throttleRatio',
    label: 'throttle ratio',
    unit: 'ratio',
    direction: 'lower-is-better',
    values: (c) => finiteValues(measuredRuns(c).map(throttleRatio)),
    applies: (c) => cpuQuotaCpus(c.limits) !== null,
  },
  {
    metric: 'ioBytesPerSec',
    label: 'IO throughput',
    unit: 'bytes/s',
    direction: 'higher-is-better',
    values: (c) => finiteValues(measuredRuns(c).map(workloadBytesPerSec)),
    applies: (c) => c.summary.ioBytesPerSec !== null,
  },
  {
    metric: 'diskReadsPerPass',
    label: 'disk reads/pass',
    unit: 'bytes',
    direction: 'lower-is-better',
    values: (c) => finiteValues(measuredRuns(c).map((r) => diskReadsPerPass(r, c))),
    applies: (c) => readsMatter(c.kind),
  },
  {
    metric: 'refaultsPerPass',
    label: 'refaults/pass',
    unit: 'pages',
    direction: 'lower-is-better',
    values: (c) => finiteValues(measuredRuns(c).map((r) => refaultsPerPass(r, c))),
    applies: (c) => readsMatter(c.kind),
  },
  {
    metric: 'iops',
    label: 'IOPS',
    unit: 'ops/s',
    direction: 'higher-is-better',
    values: (c) => finiteValues(measuredRuns(c).map(iopsOf)),
    applies: (c) => c.kind === 'io',
  },
  {
    metric: 'cpuShare',
    label: 'own CPU share',
    unit: 'cpus',
    direction: 'neutral',
    values: (c) => finiteValues(measuredRuns(c).map(ownCpuShare)),
    applies: (c) => c.neighbourSet !== undefined,
  },
  ...(['cpu', 'memory', 'io'] as const).map(stallMetric),
  {
    metric: 'peakMemory',
    label: 'peak memory',
    unit: 'bytes',
    direction: 'lower-is-better',
    values: (c) => finiteValues(measuredRuns(c).map((r: Run) => r.after?.memory?.peakBytes)),
    applies: () => true,
  },
];

/** PSI stall shares are shown, never gated: a share near 0 % doubles on noise (v2 only). */
function stallMetric(res: PressureResource): MetricDef {
  return {
    metric: `${res}Stall`,
    label: `${res === 'io' ? 'IO' : res === 'cpu' ? 'CPU' : res} PSI`,
    unit: 'pct',
    direction: 'neutral',
    values: (c) => finiteValues(measuredRuns(c).map((r) => stallPct(r, c, res))),
    applies: () => true,
  };
}

/** The figures either cell's workload reported about itself, each compared with the direction it declared
 *  (the current document's word where the two differ). */
function namedDefs(b: Cell, c: Cell): MetricDef[] {
  const defs = new Map<string, MetricDef>();
  for (const m of [...(b.summary.namedMetrics ?? []), ...(c.summary.namedMetrics ?? [])]) {
    defs.set(m.name, {
      metric: 'named',
      label: m.name,
      unit: 'own',
      ownUnit: m.unit,
      direction: m.direction,
      values: (cell) => finiteValues(measuredRuns(cell).map((r) => r.namedMetrics?.[m.name]?.value)),
      applies: (cell) => cell.summary.namedMetrics?.some((x) => x.name === m.name) ?? false,
    });
  }
  return [...defs.values()];
}

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

function compareMetric(def: MetricDef, b: Cell, bDoc: ResultDocument, c: Cell, cDoc: ResultDocument, opts: GateOptions): MetricComparison {
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
    ...(def.ownUnit !== undefined ? { ownUnit: def.ownUnit } : {}),
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

function compareCells(b: Cell, bDoc: ResultDocument, c: Cell, cDoc: ResultDocument, opts: GateOptions): CellComparison {
  const metrics = [...METRICS, ...namedDefs(b, c)]
    .filter((d) => d.applies(b) || d.applies(c))
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
  const improvement =
    !regression &&
    (metrics.some((m) => m.verdict === 'improvement') || (baseOk !== null && currentOk !== null && currentOk - baseOk > opts.thresholdPct));
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
  return {
    scenario: doc.scenario.name,
    scenarioHash: doc.scenarioHash,
    createdAt: doc.createdAt,
    status: doc.status,
    hostname: doc.host.hostname,
    cgbenchVersion: doc.tool.version,
  };
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
  // Each engine either side names (the Docker Engine, Podman), by the runtime it belongs to.
  const [xv, yv] = [engineVersions(x), engineVersions(y)];
  const names = new Map([...hostEngines(x), ...hostEngines(y)].map((e) => [e.runtime, e.name]));
  for (const [runtime, name] of names) check(name, xv[runtime], yv[runtime]);
  return out;
}

function hostWarning(base: ResultDocument, current: ResultDocument, acrossHosts: boolean): string | null {
  const diff = hostDifferences(base, current).join('; ');
  if (!diff) return null;
  return acrossHosts
    ? `the hosts differ in: ${diff}`
    : `the documents come from different machines or setups (${diff}): differences may be the host's, not the code's`;
}

export function compareDocuments(base: ResultDocument, current: ResultDocument, options: CompareOptions): CompareResult {
  const opts: GateOptions = { thresholdPct: options.thresholdPct, alpha: options.alpha ?? 0.05 };
  const warnings: string[] = [];
  const hostDiff = hostWarning(base, current, options.acrossHosts === true);
  if (hostDiff) warnings.push(hostDiff);
  if (base.scenarioHash !== current.scenarioHash)
    warnings.push(
      `the scenarios differ (hash ${base.scenarioHash} vs ${current.scenarioHash}): ` +
        'only cells with the same workload, runtime and limits are compared',
    );
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
  // A limit set renamed between the documents (a default name that changed with cgbench) is still the
  // same cell when its workload, runtime and limits are: match it by its limits, and say so.
  const sameCell = (b: Cell, c: Cell): boolean =>
    b.workload === c.workload &&
    b.runtime === c.runtime &&
    b.host === c.host &&
    b.neighbourSet?.name === c.neighbourSet?.name &&
    limitsEqual(b.limits, c.limits);
  const byLimits = (c: Cell): Cell | undefined => base.cells.find((b) => !used.has(matchKey(b)) && sameCell(b, c));
  for (const c of current.cells) {
    let b = byKey.get(matchKey(c));
    if (!b) {
      b = byLimits(c);
      if (b) warnings.push(`${c.id}: matched "${b.limitSet}" in the base document by its limits (the limit set's name differs)`);
    }
    if (!b) {
      unmatched.push({ cellId: c.id, side: 'current', reason: 'no cell with this workload, runtime and limit set in the base document' });
      continue;
    }
    used.add(matchKey(b));
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
  const regressions = cells.filter((c) => c.verdict === 'regression').length;
  const failed = regressions > 0;
  return {
    thresholdPct: opts.thresholdPct,
    alpha: opts.alpha,
    base: ref(base),
    current: ref(current),
    cells,
    unmatched,
    warnings,
    regressions,
    improvements: cells.filter((c) => c.verdict === 'improvement').length,
    failed,
    exitCode: failed ? EXIT_REGRESSION : 0,
  };
}

/** The CI gate: 1 when any matched cell has a significant regression beyond the threshold. */
export function compareExitCode(result: CompareResult): 0 | 1 {
  return result.exitCode;
}
