// `cgbench report RESULTS.json`: re-render a saved result document in the chosen formats.

import { dirname, resolve } from 'node:path';
import type { ResultDocument } from '../model/types.js';
import { DEFAULT_REPORT_FORMATS } from '../model/defaults.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { CgbenchError } from '../model/errors.js';
import { holdsResults, loadResultDocument, resultsPath } from './results.js';

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
  let formats = await checkOutputs(dir, opts.format ?? [...DEFAULT_REPORT_FORMATS]);
  const kept: string[] = [];
  // The json format is the result document itself: it is there already beside its own reports, and another
  // document of that name under --out is never replaced.
  if (formats.includes('json')) {
    const target = resultsPath(dir);
    if (target === resolve(file)) {
      formats = formats.filter((f) => f !== 'json');
      kept.push(target);
    } else if (await holdsResults(dir)) {
      throw new CgbenchError(
        'E_INPUT',
        `${target} already exists: cgbench never replaces a result document`,
        'pass another --out DIR for the json format, or leave json out of --format',
      );
    }
  }
  const paths = await writeReports(doc, dir, formats);
  return { dir, paths: [...kept, ...paths], doc };
}
