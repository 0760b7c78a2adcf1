// `cgbench merge A.json B.json... --out DIR`: the result documents of one scenario from several hosts
// as one document with a host dimension, and its reports. Every input is loaded and checked, and the
// reports rendered, before anything is written; each file is then written atomically.

import { resolve } from 'node:path';
import { mergeDocuments, type MergeInput } from '../analysis/merge.js';
import { DEFAULT_REPORT_FORMATS, type ReportFormat } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import type { ResultDocument } from '../model/types.js';
import { type RenderedFile, REPORTERS } from '../reporters/index.js';
import { renderTable } from '../reporters/table.js';
import { checkOutputs, writeRendered } from '../reporters/writer.js';
import { toolVersion } from './host.js';
import { defaultOutDir, loadResultFile, prepareOutDir, resultsPath, saveResults } from './results.js';
import { terminalStyle } from './color.js';
import { terminalColumns } from './streams.js';

export interface MergeOptions {
  /** Output directory. Default: reports/<time>-<scenario>-merged. */
  out?: string;
  /** Comma-separated report formats, or "none". Default: html,md. */
  report?: string;
  /** The tables: every column (--wide), or this terminal width. */
  wide?: boolean;
  width?: number;
}

export interface MergeResult {
  dir: string;
  /** results.json, then the reports, absolute. */
  paths: string[];
  doc: ResultDocument;
  /** The tables with a host column, then the paths written, as `cgbench run` prints them. */
  stdout: string;
}

/** "A.json=bench-01" -> the file and its host's name; a name never ends in .json, so "a=b.json" stays a file. */
export function parseMergeArg(arg: string): { file: string; label?: string } {
  const at = arg.lastIndexOf('=');
  const label = arg.slice(at + 1);
  if (at <= 0 || label.endsWith('.json')) return { file: arg };
  if (!label) throw new CgbenchError('E_INPUT', `${arg}: the host name after "=" is empty`, 'write FILE=NAME, e.g. A.json=bench-01');
  return { file: arg.slice(0, at), label };
}

async function loadInputs(args: readonly string[]): Promise<{ inputs: MergeInput[]; paths: string[] }> {
  const inputs: MergeInput[] = [];
  const paths: string[] = [];
  for (const arg of args) {
    const { file, label } = parseMergeArg(arg);
    const loaded = await loadResultFile(file);
    inputs.push({ file, doc: loaded.doc, ...(label ? { label } : {}) });
    paths.push(loaded.path);
  }
  return { inputs, paths };
}

async function renderAll(doc: ResultDocument, formats: readonly ReportFormat[]): Promise<[ReportFormat, RenderedFile[]][]> {
  const out: [ReportFormat, RenderedFile[]][] = [];
  for (const f of formats) out.push([f, await REPORTERS[f].render(doc)]);
  return out;
}

/** Prints nothing; the caller prints `paths`. */
export async function mergeCommand(args: readonly string[], opts: MergeOptions = {}): Promise<MergeResult> {
  const { inputs, paths: inputPaths } = await loadInputs(args);
  const outcome = mergeDocuments(inputs, toolVersion());
  if ('problem' in outcome) throw new CgbenchError('E_INPUT', outcome.problem, `${outcome.hint}; nothing was written`);
  const doc = outcome.doc;
  const wanted = resolve(opts.out ?? defaultOutDir(`${doc.scenario.name}-merged`));
  if (inputPaths.includes(resultsPath(wanted)))
    throw new CgbenchError('E_INPUT', `--out ${wanted} holds one of the inputs, which merge would overwrite`, 'pass --out DIR of its own');
  const { dir } = await prepareOutDir(wanted, { named: opts.out !== undefined });
  const formats: ReportFormat[] =
    opts.report === 'none' ? [] : await checkOutputs<ReportFormat>(dir, opts.report ?? [...DEFAULT_REPORT_FORMATS]);
  // results.json is always written; the json format would only write it twice.
  const rendered = await renderAll(
    doc,
    formats.filter((f) => f !== 'json'),
  );
  await saveResults(dir, doc, { first: true });
  const reports: string[] = [];
  for (const [format, files] of rendered) reports.push(...(await writeRendered(dir, format, files)));
  const table = renderTable(doc, { wide: Boolean(opts.wide), width: opts.width ?? terminalColumns(), style: terminalStyle() });
  const stdout = `${table}\n\n${reports.map((p) => `report: ${p}\n`).join('')}results: ${resultsPath(dir)}\n`;
  return { dir, paths: [resultsPath(dir), ...reports], doc, stdout };
}
