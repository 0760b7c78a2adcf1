// The trend of every cell night by night, per host: median wall time with its interval, the value the
// model expects, and the nights the history gate would have flagged against the nights before them
// (the same pooled comparison `compare --baseline history` makes, so a marked change is a failed gate). Pure.

import { cellKey } from '../model/canonical.js';
import { groupBy } from '../model/collections.js';
import type {
  Cell,
  CellComparison,
  HistoryFilter,
  HostContext,
  HostMatchField,
  HostTrend,
  NightCandidate,
  NightCell,
  ResultDocument,
  TrendPoint,
  TrendReport,
  TrendSeries,
} from '../model/types.js';
import { compareWithHistory, nightsOfDocument, pickNights } from './baseline.js';

export interface StoredNight {
  id: string;
  doc: ResultDocument;
}

export interface TrendOptions {
  /** Nights before each night that its change mark pools. */
  windowNights: number;
  thresholdPct: number;
  match: readonly HostMatchField[];
  /** Fewer earlier nights than this: no mark (one noisy night is no baseline). Default 2. */
  minNights?: number;
}

function changedMetrics(c: CellComparison): string[] {
  const out: string[] = [];
  for (const m of c.metrics) {
    if ((m.verdict === 'regression' || m.verdict === 'improvement') && m.changePct !== null)
      out.push(`${m.label} ${m.changePct > 0 ? '+' : ''}${m.changePct.toFixed(1)} %`);
  }
  const o = c.outcomes;
  if (o.regression && o.baseOkPct !== null && o.currentOkPct !== null)
    out.push(`ok runs ${o.baseOkPct.toFixed(0)} % -> ${o.currentOkPct.toFixed(0)} %`);
  return out;
}

function point(night: StoredNight, cell: Cell, verdict: CellComparison | undefined, pooledNights: number): TrendPoint {
  const s = cell.summary;
  const baseline = cell.baselineId ? night.doc.cells.find((c) => c.id === cell.baselineId) : undefined;
  const baseMedian = baseline?.summary.medianWallNs ?? null;
  const wall = s.wall && s.wall.n >= 2 ? (s.wall.medianCi95 ?? s.wall.ci95) : null;
  return {
    docId: night.id,
    createdAt: night.doc.createdAt,
    runs: s.measuredRuns,
    medianWallNs: s.medianWallNs,
    intervalNs: wall ? [wall[0], wall[1]] : null,
    expectedWallNs: baseline && baseMedian !== null && s.expectedSlowdown !== null ? baseMedian * s.expectedSlowdown : null,
    slowdown: s.slowdown,
    expectedSlowdown: cell.baselineId === null ? null : s.expectedSlowdown,
    change: verdict ? verdict.verdict : null,
    changed: verdict ? changedMetrics(verdict) : [],
    baselineNights: verdict ? pooledNights : 0,
  };
}

function contexts(nights: readonly StoredNight[]): HostContext[] {
  const out: HostContext[] = [];
  for (const n of nights) {
    const h = n.doc.host;
    const last = out.at(-1);
    if (!last || last.kernel !== h.kernel || last.cgroupMode !== h.cgroup.mode || last.cpuModel !== h.cpuModel)
      out.push({ createdAt: n.doc.createdAt, kernel: h.kernel, cgroupMode: h.cgroup.mode, cpuModel: h.cpuModel });
  }
  return out;
}

function hostTrend(hostname: string, nights: readonly StoredNight[], opts: Required<TrendOptions>): HostTrend {
  const series = new Map<string, TrendSeries>();
  const candidates: NightCandidate[] = [];
  const cellsByPick = new Map<string, NightCell>();
  for (const night of nights) {
    // The nights before this one, as the gate would have seen them that night.
    const picks = pickNights(night.doc, candidates, opts.match, opts.windowNights);
    const perKey = groupBy(
      picks.flatMap((p) => cellsByPick.get(`${p.docId}\n${p.cellId}`) ?? []),
      (nc) => cellKey(nc.cell),
    );
    const pooled = [...perKey.values()].filter((list) => list.length >= opts.minNights).flat();
    const result = pooled.length
      ? compareWithHistory(night.doc, pooled, { thresholdPct: opts.thresholdPct, nightsPerCell: opts.windowNights, match: opts.match })
      : undefined;
    const verdicts = new Map(result?.cells.map((c) => [c.currentCellId, c]));
    for (const cell of night.doc.cells) {
      const key = cellKey(cell);
      let s = series.get(key);
      if (!s) {
        s = {
          key,
          workload: cell.workload,
          kind: cell.kind,
          runtime: cell.runtime,
          limitSet: cell.limitSet,
          limits: cell.limits,
          baseline: cell.baselineId === null,
          points: [],
        };
        series.set(key, s);
      }
      const used = perKey.get(key)?.length ?? 0;
      s.points.push(point(night, cell, used >= opts.minNights ? verdicts.get(cell.id) : undefined, used));
    }
    const mine = nightsOfDocument(night.id, night.doc);
    candidates.push(...mine.candidates);
    for (const nc of mine.cells) cellsByPick.set(`${nc.docId}\n${nc.cell.id}`, nc);
  }
  return {
    hostname,
    nights: nights.length,
    from: nights[0]?.doc.createdAt ?? '',
    to: nights.at(-1)?.doc.createdAt ?? '',
    contexts: contexts(nights),
    series: [...series.values()],
  };
}

/** Trends of the given stored nights (any order), one per host, hosts by name, nights oldest first. */
export function buildTrend(nights: readonly StoredNight[], filter: HistoryFilter, options: TrendOptions): TrendReport {
  const opts: Required<TrendOptions> = { ...options, minNights: options.minNights ?? 2 };
  const sorted = [...nights].sort((a, b) => (a.doc.createdAt < b.doc.createdAt ? -1 : a.doc.createdAt > b.doc.createdAt ? 1 : 0));
  const byHost = groupBy(sorted, (n) => n.doc.host.hostname);
  return {
    windowNights: opts.windowNights,
    thresholdPct: opts.thresholdPct,
    match: [...opts.match],
    documents: nights.length,
    filter,
    hosts: [...byHost.keys()].sort().map((h) => hostTrend(h, byHost.get(h) ?? [], opts)),
  };
}
