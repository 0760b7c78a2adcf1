// `cgbench compare BASE.json CURRENT.json` and `compare --baseline history[:N] CURRENT.json`: the
// nightly CI gate. Loads the documents (or tonight's document and its stored nights), compares them
// and renders the result. Exit codes: 0 pass, 1 a significant regression beyond the threshold; bad
// input throws a CgbenchError (E_INPUT, exit 2).

import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareWithHistory, pickNights } from '../analysis/baseline.js';
import { compareDocuments, compareExitCode } from '../analysis/compare.js';
import { hostDocument } from '../analysis/merge.js';
import { HistoryStore } from '../history/store.js';
import { runKey } from '../history/records.js';
import { parseDatabaseUrl } from '../history/url.js';
import { cellKey } from '../model/canonical.js';
import { hostNames, isMultiHost } from '../model/hosts.js';
import {
  COMPARE_FORMATS,
  type CompareFormat,
  DEFAULT_COMPARE_FORMAT,
  DEFAULT_HISTORY_NIGHTS,
  DEFAULT_HOST_MATCH,
  DEFAULT_THRESHOLD_PCT,
} from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import type { CompareResult, HostMatchField, NightCell, ResultDocument } from '../model/types.js';
import { outputError, writeFileAtomic } from '../model/user-files.js';
import { parsePercent } from '../model/units.js';
import { renderCompare } from '../reporters/compare.js';
import { loadResultDocument } from './results.js';
import { terminalStyle } from './color.js';
import { terminalColumns } from './streams.js';

/** "5%", "5" or "2.5 %" -> percent; none given -> the default threshold. */
export function parseThreshold(text: string | undefined): number {
  if (text === undefined) return DEFAULT_THRESHOLD_PCT;
  const v = parsePercent(text) ?? Number.NaN;
  if (!Number.isFinite(v) || v < 0 || v >= 1000)
    throw new CgbenchError('E_INPUT', `--threshold "${text}" is not a percentage`, 'write e.g. --threshold 5%');
  return v;
}

export function parseCompareFormat(text: string): CompareFormat {
  const f = text.trim().toLowerCase() === 'markdown' ? 'md' : text.trim().toLowerCase();
  if (!(COMPARE_FORMATS as readonly string[]).includes(f)) {
    throw new CgbenchError('E_INPUT', `unknown compare format "${text}"`, `choose one of ${COMPARE_FORMATS.join(', ')}`);
  }
  return f as CompareFormat;
}

export interface CompareCliOptions {
  /** "5%" (default). */
  threshold?: string;
  /** table (default), md or json. */
  format?: string;
  /** Also append the Markdown rendering to this file (a CI job's summary, e.g. $GITHUB_STEP_SUMMARY). */
  summary?: string;
  /** Also write the gate as JUnit XML to this file (replaced whole), for CI test viewers. */
  junit?: string;
  /** The terminal table: every column (--wide), or this terminal width. */
  wide?: boolean;
  width?: number;
}

export interface HostsCompareOptions extends CompareCliOptions {
  /** "A,B": the base host and the candidate host of one merged document. */
  hosts: string;
}

export interface HistoryCompareOptions extends CompareCliOptions {
  /** "history" or "history:N". */
  baseline: string;
  /** The history database (see history/url.ts). */
  db?: string;
  /** "kernel,cgroup,cpu,runtime" (default), any subset plus "host", or "none". */
  match?: string;
}

export interface CompareCommandResult {
  result: CompareResult;
  output: string;
  exitCode: 0 | 1;
}

/** The host facts --match may name. */
export const MATCH_FIELDS: readonly HostMatchField[] = ['kernel', 'cgroup', 'cpu', 'runtime', 'host'];

/** "kernel,cgroup" -> the host facts a baseline night must share; "none" -> none. */
export function parseHostMatch(text: string | undefined): HostMatchField[] {
  if (text === undefined) return [...DEFAULT_HOST_MATCH];
  const names = text
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'none') return [];
  const out: HostMatchField[] = [];
  for (const n of names) {
    if (!(MATCH_FIELDS as readonly string[]).includes(n)) {
      throw new CgbenchError('E_INPUT', `--match: unknown host fact "${n}"`, `choose from ${MATCH_FIELDS.join(', ')}, or none`);
    }
    if (!out.includes(n as HostMatchField)) out.push(n as HostMatchField);
  }
  if (!out.length) throw new CgbenchError('E_INPUT', '--match is empty', `choose from ${MATCH_FIELDS.join(', ')}, or none`);
  return out;
}

/** "history" -> the default number of nights; "history:N" -> N. */
export function parseHistoryBaseline(text: string): number {
  const m = /^\s*history(?::(\d+))?\s*$/i.exec(text);
  const n = m ? (m[1] === undefined ? DEFAULT_HISTORY_NIGHTS : Number(m[1])) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new CgbenchError(
      'E_INPUT',
      `--baseline "${text}" is not history or history:N`,
      'write e.g. --baseline history:7 (the last 7 nights)',
    );
  }
  return n;
}

/** The gate's threshold and the output format, checked before any document is read. */
function gateOptions(opts: CompareCliOptions): { thresholdPct: number; format: CompareFormat } {
  return { thresholdPct: parseThreshold(opts.threshold), format: parseCompareFormat(opts.format ?? DEFAULT_COMPARE_FORMAT) };
}

async function finish(result: CompareResult, format: CompareFormat, opts: CompareCliOptions): Promise<CompareCommandResult> {
  if (opts.summary) appendSummary(opts.summary, renderCompare(result, 'md'));
  if (opts.junit) await writeJunit(opts.junit, renderCompare(result, 'junit'));
  const output = renderCompare(result, format, { wide: opts.wide, width: opts.width ?? terminalColumns(), style: terminalStyle() });
  return { result, output, exitCode: compareExitCode(result) };
}

/** Replaced whole and atomically: a test viewer never reads half a report, nor last night's beside tonight's. */
async function writeJunit(file: string, xml: string): Promise<void> {
  try {
    await writeFileAtomic(resolve(file), xml);
  } catch (e) {
    throw outputError(e, `cannot write the JUnit report ${resolve(file)}`, 'pass --junit with a writable path');
  }
}

function appendSummary(file: string, markdown: string): void {
  try {
    appendFileSync(resolve(file), `${markdown}\n`);
  } catch (e) {
    const hint = 'pass --summary with a writable file, e.g. "$GITHUB_STEP_SUMMARY"';
    throw outputError(e, `cannot append the summary to ${resolve(file)}`, hint);
  }
}

export async function compareCommand(baseFile: string, currentFile: string, opts: CompareCliOptions = {}): Promise<CompareCommandResult> {
  const { thresholdPct, format } = gateOptions(opts);
  const base = await loadResultDocument(baseFile);
  const current = await loadResultDocument(currentFile);
  requireSameShape(base, current, [baseFile, currentFile]);
  return finish(compareDocuments(base, current, { thresholdPct }), format, opts);
}

/** "A,B" -> two different host names. */
export function parseHostPair(text: string): [string, string] {
  const names = text.split(',').map((x) => x.trim());
  const [a, b] = names;
  if (names.length !== 2 || !a || !b || a === b)
    throw new CgbenchError('E_INPUT', `--hosts "${text}" is not two hosts`, 'write --hosts BASE,CANDIDATE, e.g. --hosts bench-01,bench-02');
  return [a, b];
}

function hostSide(doc: ResultDocument, file: string, name: string): ResultDocument {
  const side = hostDocument(doc, name);
  if (side) return side;
  const names = hostNames(doc);
  throw new CgbenchError(
    'E_INPUT',
    names.length ? `${file} has no host "${name}"` : `${file} is not a merged document: --hosts compares two hosts of one`,
    names.length ? `its hosts: ${names.join(', ')}` : 'cgbench merge A.json B.json --out DIR, then compare DIR/results.json --hosts A,B',
  );
}

/** Two hosts of one merged document: the first is the base, the second the candidate. */
export async function hostsCompareCommand(file: string, opts: HostsCompareOptions): Promise<CompareCommandResult> {
  const [a, b] = parseHostPair(opts.hosts);
  const { thresholdPct, format } = gateOptions(opts);
  const doc = await loadResultDocument(file);
  const result = compareDocuments(hostSide(doc, file, a), hostSide(doc, file, b), { thresholdPct, acrossHosts: true });
  return finish({ ...result, base: { ...result.base, host: a }, current: { ...result.current, host: b } }, format, opts);
}

/** Merged documents compare with merged ones (host by host); one host against a suite's own document goes through --hosts. */
function requireSameShape(base: ResultDocument, current: ResultDocument, files: [string, string]): void {
  if (isMultiHost(base) === isMultiHost(current)) return;
  const merged = isMultiHost(base) ? files[0] : files[1];
  throw new CgbenchError(
    'E_INPUT',
    `${merged} is a merged document and the other is not: their cells cannot be matched`,
    'compare two merged documents, or two hosts of one with --hosts A,B',
  );
}

/** The stored nights of `current`'s cells: for each, the newest `nights` before it on a matching host. */
export async function storedNights(
  store: HistoryStore,
  current: ResultDocument,
  nights: number,
  match: readonly HostMatchField[],
): Promise<NightCell[]> {
  const keys = [...new Set(current.cells.map(cellKey))];
  const candidates = await store.nightCandidates(keys, current.createdAt, runKey(current));
  return store.nightCells(pickNights(current, candidates, match, nights));
}

/** Tonight's document against the last N stored nights of each of its cells (the history store). */
export async function historyCompareCommand(currentFile: string, opts: HistoryCompareOptions): Promise<CompareCommandResult> {
  const nightsPerCell = parseHistoryBaseline(opts.baseline);
  const { thresholdPct, format } = gateOptions(opts);
  const match = parseHostMatch(opts.match);
  const target = parseDatabaseUrl(opts.db);
  const current = await loadResultDocument(currentFile);
  if (isMultiHost(current))
    throw new CgbenchError(
      'E_INPUT',
      `${currentFile} is a merged document: the history holds each host's own nights`,
      "gate each host's own results.json against the history",
    );
  const store = await HistoryStore.open(target, { create: false });
  let nights: NightCell[];
  try {
    nights = await storedNights(store, current, nightsPerCell, match);
  } finally {
    await store.close();
  }
  return finish(compareWithHistory(current, nights, { thresholdPct, nightsPerCell, match }), format, opts);
}

/** `compare` as the CLI calls it: two documents, or one with --baseline history[:N]. */
export async function runCompare(
  files: readonly string[],
  opts: CompareCliOptions & Partial<HistoryCompareOptions> & Partial<HostsCompareOptions>,
): Promise<CompareCommandResult> {
  if (opts.hosts !== undefined) {
    const [file, extra] = files;
    const history = opts.baseline ?? opts.db ?? opts.match;
    if (file === undefined || extra !== undefined || history !== undefined)
      throw new CgbenchError(
        'E_INPUT',
        `--hosts takes one merged document${history !== undefined ? ' and no --baseline, --db or --match' : `, got ${files.length}`}`,
        'compare MERGED.json --hosts BASE,CANDIDATE',
      );
    return hostsCompareCommand(file, { ...opts, hosts: opts.hosts });
  }
  if (opts.baseline !== undefined) {
    const [current, extra] = files;
    if (current === undefined || extra !== undefined) {
      throw new CgbenchError(
        'E_INPUT',
        `--baseline history takes one document, got ${files.length}`,
        'compare --baseline history:7 CURRENT.json',
      );
    }
    return historyCompareCommand(current, { ...opts, baseline: opts.baseline });
  }
  const [base, current, extra] = files;
  if (base === undefined || current === undefined || extra !== undefined) {
    throw new CgbenchError(
      'E_INPUT',
      `compare takes two documents, got ${files.length}`,
      'compare BASE.json CURRENT.json, or --baseline history:N CURRENT.json',
    );
  }
  if (opts.db !== undefined || opts.match !== undefined) {
    throw new CgbenchError('E_INPUT', '--db and --match only apply with --baseline history[:N]', 'add --baseline history:N, or drop them');
  }
  return compareCommand(base, current, opts);
}
