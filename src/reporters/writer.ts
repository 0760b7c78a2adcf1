// The one place that turns rendered reports (and results.json) into files: checks the output directory
// and format names before a suite starts (a bad path fails in the first second, not after an hour of
// runs), then writes every file atomically so a reader never sees half a report. Every operation on the
// output directory is bounded (model/user-files.ts): a hung mount is an error, never a hang.

import { basename, join, resolve } from 'node:path';
import { REPORT_FORMATS, type ReportFormat } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import type { ResultDocument } from '../model/types.js';
import { listDir, outputError, probeWritable, removeFile, writeFileAtomic } from '../model/user-files.js';
import { type RenderedFile, REPORTERS } from './index.js';

/** "html,md" or ["html", "md"] -> checked, de-duplicated format names in the order given (of `allowed`). */
export function parseFormats<F extends string = ReportFormat>(
  input: string | readonly string[],
  allowed: readonly F[] = REPORT_FORMATS as unknown as readonly F[],
): F[] {
  const names = (typeof input === 'string' ? input.split(',') : input.flatMap((s) => s.split(',')))
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (!names.length) throw new CgbenchError('E_INPUT', 'no report format given', `choose from ${allowed.join(', ')}`);
  const out: F[] = [];
  for (const n of names) {
    const name = n === 'markdown' ? 'md' : n;
    if (!(allowed as readonly string[]).includes(name))
      throw new CgbenchError('E_INPUT', `unknown report format "${n}"`, `choose from ${allowed.join(', ')} (comma-separated)`);
    if (!out.includes(name as F)) out.push(name as F);
  }
  return out;
}

/**
 * Validate the format names and that `dir` (and charts/ for png) can be written. Call before a suite
 * starts. Returns the parsed formats.
 */
export async function checkOutputs<F extends string = ReportFormat>(
  dir: string,
  formats: string | readonly string[],
  signal?: AbortSignal,
  allowed: readonly F[] = REPORT_FORMATS as unknown as readonly F[],
): Promise<F[]> {
  const list = parseFormats(formats, allowed);
  const abs = resolve(dir);
  const dirs = [abs, ...((list as readonly string[]).includes('png') ? [join(abs, 'charts')] : [])];
  for (const d of dirs) {
    try {
      await probeWritable(d, { signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw outputError(e, `cannot write reports to ${d}`, 'pass --out DIR pointing to a writable directory');
    }
  }
  return list;
}

/** Render every format and write it under `dir`; returns the absolute paths written, in format order. */
export async function writeReports(doc: ResultDocument, dir: string, formats: readonly ReportFormat[]): Promise<string[]> {
  const written: string[] = [];
  for (const f of formats) written.push(...(await writeRendered(dir, f, await REPORTERS[f].render(doc))));
  return written;
}

/**
 * Write one format's rendered files under `dir` (each atomically); returns the absolute paths. The png
 * format also removes the charts a previous rendering left in charts/.
 */
export async function writeRendered(dir: string, format: string, files: readonly RenderedFile[]): Promise<string[]> {
  const abs = resolve(dir);
  const written: string[] = [];
  for (const file of files) {
    const path = resolve(abs, file.path);
    // Renderers name their files; make sure none can escape the report directory.
    if (!path.startsWith(abs + '/')) throw new Error(`reporter ${format} produced a path outside ${abs}: ${file.path}`);
    try {
      await writeFileAtomic(path, file.content);
    } catch (e) {
      throw outputError(e, `cannot write ${path}`, 'check the permissions of the output directory');
    }
    written.push(path);
  }
  if (format === 'png') await removeStaleCharts(join(abs, 'charts'), new Set(files.map((x) => basename(x.path))));
  return written;
}

/** Our own chart names ("01-workload-kind.png"): nothing else in charts/ is ever touched. */
const CHART_FILE = /^\d{2}-[a-z0-9-]+\.png$/;

/**
 * Re-rendering into the same directory must not leave the previous document's charts beside the
 * new ones, where a reader would take them for current.
 */
async function removeStaleCharts(dir: string, keep: Set<string>): Promise<void> {
  for (const n of await listDir(dir)) if (CHART_FILE.test(n) && !keep.has(n)) await removeFile(join(dir, n));
}
