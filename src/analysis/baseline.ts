// The rolling baseline of `compare --baseline history[:N]`: for every cell of tonight's document, the
// last N stored nights of the same cell on the same kind of host, pooled into one base document, so
// the gate judges tonight against the spread of many nights instead of one file's. Pure.

import { cellKey } from '../model/canonical.js';
import { engineVersions } from '../model/engines.js';
import { byNewest, groupBy } from '../model/collections.js';
import type {
  Cell,
  CompareResult,
  HostFacts,
  HostInfo,
  HostMatchField,
  NightCandidate,
  NightCell,
  ResultDocument,
  RuntimeName,
} from '../model/types.js';
import { compareDocuments } from './compare.js';
import { summarizeCell } from './summary.js';

export function hostFacts(host: HostInfo): HostFacts {
  return {
    hostname: host.hostname,
    kernel: host.kernel,
    cgroupMode: host.cgroup.mode,
    cpuModel: host.cpuModel,
    engines: engineVersions(host),
  };
}

/**
 * A night counts for a cell when its host shares the facts `match` names with tonight's: `runtime`
 * is the version of the cell's runtime's engine where it has one (the Docker Engine's for docker cells;
 * the cell's runtime itself always matches, being part of the cell), `host` the hostname.
 */
export function hostMatches(night: HostFacts, tonight: HostFacts, match: readonly HostMatchField[], runtime: RuntimeName): boolean {
  return match.every((m) => {
    switch (m) {
      case 'kernel':
        return night.kernel === tonight.kernel;
      case 'cgroup':
        return night.cgroupMode === tonight.cgroupMode;
      case 'cpu':
        return night.cpuModel === tonight.cpuModel;
      case 'host':
        return night.hostname === tonight.hostname;
      case 'runtime':
        return night.engines[runtime] === tonight.engines[runtime];
    }
  });
}

/** For each cell of `current`, its newest `nights` matching candidates (candidates may come in any order). */
export function pickNights(
  current: Pick<ResultDocument, 'cells' | 'host'>,
  candidates: readonly NightCandidate[],
  match: readonly HostMatchField[],
  nights: number,
): NightCandidate[] {
  const tonight = hostFacts(current.host);
  const byKey = groupBy(candidates, (c) => c.key);
  const out: NightCandidate[] = [];
  for (const cell of current.cells) {
    const mine = (byKey.get(cellKey(cell)) ?? []).filter((c) => hostMatches(c.facts, tonight, match, cell.runtime)).sort(byNewest);
    out.push(...mine.slice(0, nights));
  }
  return out;
}

/** A document's cells as baseline candidates, and the nights those candidates stand for. */
export function nightsOfDocument(id: string, doc: ResultDocument): { candidates: NightCandidate[]; cells: NightCell[] } {
  const facts = hostFacts(doc.host);
  return {
    candidates: doc.cells.map((cell) => ({ docId: id, cellId: cell.id, key: cellKey(cell), createdAt: doc.createdAt, facts })),
    cells: doc.cells.map((cell) => ({ docId: id, createdAt: doc.createdAt, host: doc.host, scenarioHash: doc.scenarioHash, cell })),
  };
}

/**
 * One base document made of the stored nights: each of tonight's cells with nights gets a cell of the
 * same identity whose runs are all those nights' measured runs, and a summary computed over them
 * (slowdown against the pooled baseline cell). The pooled spread is what the gate's intervals and
 * rank test then see. Tonight's cells without a stored night are left out.
 */
export function poolBaseline(current: ResultDocument, nights: readonly NightCell[]): ResultDocument {
  const byKey = groupBy(nights, (n) => cellKey(n.cell));
  const cells: Cell[] = [];
  for (const c of current.cells) {
    const mine = byKey.get(cellKey(c));
    if (!mine?.length) continue;
    const runs = [...mine]
      .sort(byNewest)
      .flatMap((n) => n.cell.runs.filter((r) => !r.warmup))
      .map((r, i) => ({ ...r, index: i }));
    cells.push({ ...c, runs, summary: c.summary });
  }
  const byId = new Map(cells.map((c) => [c.id, c]));
  for (const c of cells) {
    c.summary = summarizeCell(c, c.baselineId ? byId.get(c.baselineId) : undefined, { hostCpus: current.host.cpuCount });
  }
  const newest = [...nights].sort(byNewest)[0];
  const host = newest?.host ?? current.host;
  return {
    schemaVersion: 1,
    tool: { name: 'cgbench', version: host.cgbenchVersion },
    createdAt: newest?.createdAt ?? current.createdAt,
    finishedAt: null,
    // A night that was interrupted contributes the runs it finished; the pool itself is whole.
    status: 'complete',
    host,
    scenario: current.scenario,
    scenarioHash: newest?.scenarioHash ?? current.scenarioHash,
    cells,
    warnings: [],
  };
}

export interface HistoryCompareOptions {
  thresholdPct: number;
  /** N of history:N: the most nights pooled per cell. */
  nightsPerCell: number;
  match: readonly HostMatchField[];
}

/** Tonight against its pooled baseline: the same comparison, verdicts and exit code as two files get. */
export function compareWithHistory(current: ResultDocument, nights: readonly NightCell[], opts: HistoryCompareOptions): CompareResult {
  const base = poolBaseline(current, nights);
  const result = compareDocuments(base, current, { thresholdPct: opts.thresholdPct });
  const sorted = [...nights].sort(byNewest);
  const docs = new Set(nights.map((n) => n.docId));
  result.base = {
    ...result.base,
    history: {
      nightsPerCell: opts.nightsPerCell,
      documents: docs.size,
      from: sorted.at(-1)?.createdAt ?? '',
      to: sorted[0]?.createdAt ?? '',
      hosts: [...new Set(nights.map((n) => n.host.hostname))].sort(),
      match: [...opts.match],
    },
  };
  const pooled = new Set(base.cells.map((c) => c.id));
  const matchText = opts.match.length ? `same ${opts.match.join(', ')}` : 'any host';
  result.unmatched = result.unmatched.map((u) =>
    u.side === 'current' && !pooled.has(u.cellId) ? { ...u, reason: `no stored night of this cell on a matching host (${matchText})` } : u,
  );
  const nightsOf = groupBy(nights, (n) => cellKey(n.cell));
  const short = current.cells.map((c) => nightsOf.get(cellKey(c))?.length ?? 0).filter((k) => k > 0 && k < opts.nightsPerCell);
  if (short.length) {
    result.warnings.push(
      `${short.length} cell(s) have fewer than ${opts.nightsPerCell} stored nights on a matching host (fewest: ${Math.min(...short)}): ` +
        'their baseline is narrower than asked',
    );
  }
  return result;
}
