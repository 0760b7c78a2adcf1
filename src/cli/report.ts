// `cgbench report RESULTS.json`: load a saved result document (checked against the published JSON
// Schema) and re-render it in the chosen formats. Also home of the document loader `compare` uses.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { CgbenchError } from '../model/errors.js';
import type { ResultDocument } from '../model/types.js';
import { DEFAULT_REPORT_FORMATS } from '../reporters/index.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { PACKAGE_ROOT } from '../workloads/registry.js';

// ajv is CommonJS; under NodeNext its default export arrives as the module namespace.
const Ajv = AjvModule.default;

export const SCHEMA_PATH = join(PACKAGE_ROOT, 'schema', 'results.schema.json');
export const SCHEMA_VERSION = 1;

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
  }
  return validator;
}

function describeError(e: ErrorObject): string {
  const at = e.instancePath || '(top level)';
  if (e.keyword === 'additionalProperties') return `${at}: unknown property "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/**
 * Problems of a parsed document against schema/results.schema.json, as "path: problem" lines.
 * `allowUnknownProperties` tolerates fields a newer cgbench added within the same schemaVersion,
 * which is what a reader wants; the tests use the strict form to keep schema and types in step.
 */
export function validateResultDocument(data: unknown, opts: { allowUnknownProperties?: boolean } = {}): string[] {
  const validate = compiled();
  if (validate(data)) return [];
  let errors = validate.errors ?? [];
  if (opts.allowUnknownProperties) errors = errors.filter((e) => e.keyword !== 'additionalProperties');
  // if/then failures repeat their branch's errors; keep the specific ones.
  errors = errors.filter((e) => e.keyword !== 'if');
  return [...new Set(errors.map(describeError))];
}

/** Read and check a result document; every problem becomes an E_INPUT error naming the file and the fix. */
export function loadResultDocument(file: string): ResultDocument {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CgbenchError('E_INPUT', `cannot read result document ${path} (${code ?? (e as Error).message})`, code === 'EISDIR' ? `pass the results.json inside it: ${join(path, 'results.json')}` : 'pass the path of a results.json written by `cgbench run`');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CgbenchError('E_INPUT', `${path} is not JSON (${(e as Error).message})`, 'pass the results.json written by `cgbench run`, not a report or a log');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CgbenchError('E_INPUT', `${path} is not a cgbench result document (expected a JSON object)`, 'pass the results.json written by `cgbench run`');
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new CgbenchError(
      'E_INPUT',
      version === undefined ? `${path} has no schemaVersion: not a cgbench result document` : `${path} has schemaVersion ${JSON.stringify(version)}; this cgbench reads schemaVersion ${SCHEMA_VERSION}`,
      version === undefined ? 'pass the results.json written by `cgbench run`' : 'render it with the cgbench version that wrote it, or re-run the scenario',
    );
  }
  const problems = validateResultDocument(data, { allowUnknownProperties: true });
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ');
    throw new CgbenchError('E_INPUT', `${path} does not match the result schema: ${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`, `see ${SCHEMA_PATH}; a hand-edited or truncated file cannot be rendered`);
  }
  return data as ResultDocument;
}

export interface ReportOptions {
  /** Comma-separated formats (html,png,md,csv,json). Default: html,md. */
  format?: string;
  /** Output directory. Default: the directory of RESULTS.json. */
  out?: string;
}

export interface ReportResult {
  dir: string;
  paths: string[];
}

/** `cgbench report RESULTS.json [--format ...] [--out DIR]`. Prints nothing; the caller prints `paths`. */
export async function reportCommand(file: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const doc = loadResultDocument(file);
  const dir = resolve(opts.out ?? dirname(resolve(file)));
  const formats = checkOutputs(dir, opts.format ?? [...DEFAULT_REPORT_FORMATS]);
  const paths = await writeReports(doc, dir, formats);
  return { dir, paths };
}
