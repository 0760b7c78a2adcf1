// `cgbench compare BASE.json CURRENT.json`: the nightly CI gate. Loads both documents, compares them and
// renders the result. Exit codes: 0 pass, 1 a significant regression beyond the threshold; bad input
// throws a CgbenchError (E_INPUT, exit 2).

import { compareDocuments, compareExitCode } from '../analysis/compare.js';
import { COMPARE_FORMATS, type CompareFormat, DEFAULT_COMPARE_FORMAT, DEFAULT_THRESHOLD_PCT } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import type { CompareResult } from '../model/types.js';
import { parsePercent } from '../model/units.js';
import { renderCompare } from '../reporters/compare.js';
import { loadResultDocument } from './results.js';
import { terminalColumns } from './streams.js';

/** "5%", "5" or "2.5 %" -> percent. */
export function parseThreshold(text: string): number {
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
  /** The terminal table: every column (--wide), or this terminal width. */
  wide?: boolean;
  width?: number;
}

export interface CompareCommandResult {
  result: CompareResult;
  output: string;
  exitCode: 0 | 1;
}

export async function compareCommand(baseFile: string, currentFile: string, opts: CompareCliOptions = {}): Promise<CompareCommandResult> {
  const thresholdPct = opts.threshold === undefined ? DEFAULT_THRESHOLD_PCT : parseThreshold(opts.threshold);
  const format = parseCompareFormat(opts.format ?? DEFAULT_COMPARE_FORMAT);
  const base = await loadResultDocument(baseFile);
  const current = await loadResultDocument(currentFile);
  const result = compareDocuments(base, current, { thresholdPct });
  return {
    result,
    output: renderCompare(result, format, { wide: opts.wide, width: opts.width ?? terminalColumns() }),
    exitCode: compareExitCode(result),
  };
}
