// `cgbench history add|list|show|trend`: result documents into the history database (SQLite file or
// PostgreSQL) and back out as lists, one document's tables, or the trend report. Every input is
// checked before the database is touched, so a bad document writes nothing.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildTrend } from '../analysis/trend.js';
import type { DocumentInput } from '../history/records.js';
import { HistoryStore } from '../history/store.js';
import { parseDatabaseUrl } from '../history/url.js';
import { sha256Hex } from '../model/canonical.js';
import { DEFAULT_HISTORY_NIGHTS } from '../model/defaults.js';
import { RUNTIME_NAMES } from '../runtimes/registry.js';
import { CgbenchError } from '../model/errors.js';
import type { CgroupMode, HistoryAddOutcome, HistoryFilter, StoredDocument, TrendReport } from '../model/types.js';
import { renderHistoryList, renderHistoryShow, SHORT_ID, type SourceState } from '../reporters/history.js';
import { DEFAULT_TREND_FORMATS, renderTrend, TREND_FORMATS } from '../reporters/trend.js';
import { checkOutputs, writeRendered } from '../reporters/writer.js';
import { parseHostMatch, parseThreshold } from './compare.js';
import { loadResultFile } from './results.js';

export interface HistoryDbOptions {
  /** SQLite path or postgres:// URL; default $CGBENCH_HISTORY_DB, else reports/history.sqlite. */
  db?: string;
}

/** The filters as the CLI passes them. */
export interface HistoryFilterOptions extends HistoryDbOptions {
  host?: string;
  kernel?: string;
  cgroup?: string;
  runtime?: string;
  scenario?: string;
  last?: number;
}

/** The cgroup modes --cgroup may name. */
export const CGROUP_MODES: readonly CgroupMode[] = ['v1', 'v2', 'hybrid'];

export function historyFilter(opts: HistoryFilterOptions): HistoryFilter {
  const f: HistoryFilter = {};
  if (opts.host !== undefined) f.host = opts.host;
  if (opts.kernel !== undefined) f.kernel = opts.kernel;
  if (opts.scenario !== undefined) f.scenario = opts.scenario;
  if (opts.cgroup !== undefined) {
    if (!(CGROUP_MODES as readonly string[]).includes(opts.cgroup))
      throw new CgbenchError('E_INPUT', `--cgroup "${opts.cgroup}" is not a cgroup mode`, `choose from ${CGROUP_MODES.join(', ')}`);
    f.cgroupMode = opts.cgroup as CgroupMode;
  }
  if (opts.runtime !== undefined) {
    if (!RUNTIME_NAMES.includes(opts.runtime))
      throw new CgbenchError('E_INPUT', `--runtime "${opts.runtime}" is not a runtime`, `choose from ${RUNTIME_NAMES.join(', ')}`);
    f.runtime = opts.runtime;
  }
  if (opts.last !== undefined) f.last = opts.last;
  return f;
}

async function withStore<T>(opts: HistoryDbOptions, create: boolean, fn: (store: HistoryStore) => Promise<T>): Promise<T> {
  const store = await HistoryStore.open(parseDatabaseUrl(opts.db), { create });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export interface HistoryAddResult {
  db: string;
  outcomes: HistoryAddOutcome[];
  output: string;
}

/** Check every file first (schema, version, a finished suite), then store them all in one transaction. */
export async function historyAdd(files: readonly string[], opts: HistoryDbOptions = {}): Promise<HistoryAddResult> {
  if (!files.length)
    throw new CgbenchError('E_INPUT', 'history add needs at least one results.json', 'cgbench history add RESULTS.json...');
  const target = parseDatabaseUrl(opts.db);
  const inputs: DocumentInput[] = [];
  for (const f of files) {
    const { path, text, doc } = await loadResultFile(f);
    // A running document whose writer is gone was marked unfinished: neither belongs in the history.
    if (doc.status === 'running' || doc.status === 'unfinished') {
      throw new CgbenchError(
        'E_INPUT',
        `${path} is from a suite that is still running`,
        'add it once the suite has finished; nothing was written',
      );
    }
    if (doc.hosts)
      throw new CgbenchError(
        'E_INPUT',
        `${path} is a merged document (cgbench merge): the history keeps each host's own nights`,
        "add each host's own results.json; nothing was written",
      );
    inputs.push({ doc, path, fileSha256: sha256Hex(text) });
  }
  const outcomes = await withStore(opts, true, (store) => store.add(inputs));
  const lines = outcomes.map((o) => `${o.added ? 'added' : 'already stored'} ${o.id.slice(0, SHORT_ID)} ${o.path}`);
  return { db: target.shown, outcomes, output: lines.join('\n') };
}

export async function historyList(
  opts: HistoryFilterOptions & { json?: boolean } = {},
): Promise<{ docs: StoredDocument[]; output: string }> {
  const filter = historyFilter(opts);
  const docs = await withStore(opts, false, (store) => store.list(filter));
  return { docs, output: opts.json ? JSON.stringify(docs, null, 2) : renderHistoryList(docs) };
}

function sourceState(d: StoredDocument): SourceState {
  try {
    return sha256Hex(readFileSync(d.sourcePath)) === d.sourceSha256 ? 'unchanged' : 'changed';
  } catch {
    return 'missing';
  }
}

/** One stored document: its tables (or, with --json, the document as stored: all but the sample series). */
export async function historyShow(id: string, opts: HistoryDbOptions & { json?: boolean } = {}): Promise<{ output: string }> {
  return withStore(opts, false, async (store) => {
    const stored = await store.find(id);
    const doc = (await store.documents([stored.id])).get(stored.id);
    if (!doc) throw new CgbenchError('E_INPUT', `document ${stored.id} vanished while it was read`, 'try again');
    return { output: opts.json ? JSON.stringify(doc, null, 2) : renderHistoryShow(stored, doc, sourceState(stored)) };
  });
}

export interface TrendOptions extends HistoryFilterOptions {
  /** Output directory (default reports/trend). */
  out?: string;
  /** html,png,md (default html,md). */
  format?: string;
  /** Earlier nights each night's change mark pools (default 7). */
  window?: number;
  threshold?: string;
  match?: string;
}

export async function historyTrend(opts: TrendOptions = {}): Promise<{ dir: string; paths: string[]; report: TrendReport }> {
  const filter = historyFilter(opts);
  const thresholdPct = parseThreshold(opts.threshold);
  const match = parseHostMatch(opts.match);
  const dir = resolve(opts.out ?? resolve('reports', 'trend'));
  // A bad output path fails before the database is read.
  const formats = await checkOutputs(dir, opts.format ?? [...DEFAULT_TREND_FORMATS], undefined, TREND_FORMATS);
  const nights = await withStore(opts, false, async (store) => {
    const listed = await store.list(filter);
    const docs = await store.documents(listed.map((d) => d.id));
    return listed.flatMap((d) => {
      const doc = docs.get(d.id);
      return doc ? [{ id: d.id, doc }] : [];
    });
  });
  const report = buildTrend(nights, filter, { windowNights: opts.window ?? DEFAULT_HISTORY_NIGHTS, thresholdPct, match });
  const paths: string[] = [];
  for (const f of formats) paths.push(...(await writeRendered(dir, f, await renderTrend(report, f))));
  return { dir, paths, report };
}
