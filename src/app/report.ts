// `cgbench report RESULTS.json`: re-render a saved result document in the chosen formats.

import { dirname, resolve } from 'node:path';
import type { ResultDocument } from '../model/types.js';
import { DEFAULT_REPORT_FORMATS } from '../model/defaults.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { loadResultDocument } from './results.js';

export interface ReportOptions {
  /** Comma-separated formats (html,png,md,csv,json). Default: html,md. */
  format?: string;
  /** Output directory. Default: the directory of RESULTS.json. */
  out?: string;
}

export interface ReportResult {
  dir: string;
  paths: string[];
  doc: ResultDocument;
}

/** Prints nothing; the caller prints `paths`. */
export async function reportCommand(file: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const doc = await loadResultDocument(file);
  const dir = resolve(opts.out ?? dirname(resolve(file)));
  const formats = await checkOutputs(dir, opts.format ?? [...DEFAULT_REPORT_FORMATS]);
  const paths = await writeReports(doc, dir, formats);
  return { dir, paths, doc };
}
