// `cgbench report RESULTS.json`: re-render a saved result document in the chosen formats, and send its figures
// to a Pushgateway (--push).

import { dirname, resolve } from 'node:path';
import type { ResultDocument } from '../model/types.js';
import { DEFAULT_REPORT_FORMATS } from '../model/defaults.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { CgbenchError } from '../model/errors.js';
import { parsePushTarget, pushMetrics } from './push.js';
import { holdsResults, loadResultDocument, resultsPath } from './results.js';

export interface ReportOptions {
  /** Comma-separated formats (html,png,md,csv,json). Default: html,md. */
  format?: string;
  /** Output directory. Default: the directory of RESULTS.json. */
  out?: string;
  /** A Pushgateway to send the figures to (app/push.ts); without `format`, nothing is written. */
  push?: string;
  pushJob?: string;
}

export interface ReportResult {
  dir: string;
  paths: string[];
  doc: ResultDocument;
  /** The grouping-key URL the figures went to. */
  pushed?: string;
}

/** Prints nothing; the caller prints `paths`. */
export async function reportCommand(file: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const push = opts.push === undefined ? undefined : parsePushTarget(opts.push, opts.pushJob);
  const doc = await loadResultDocument(file);
  const dir = resolve(opts.out ?? dirname(resolve(file)));
  // `report FILE --push URL` sends the figures again (after a failed push): it rewrites no report unasked.
  const asked = opts.format ?? (push ? [] : [...DEFAULT_REPORT_FORMATS]);
  let formats = asked.length ? await checkOutputs(dir, asked) : [];
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
  const result: ReportResult = { dir, paths: [...kept, ...paths], doc };
  if (push) result.pushed = await pushMetrics(doc, push);
  return result;
}
