// Result documents on disk: where a run's results land, saving results.json after every run, and
// loading a saved document checked against the published JSON Schema (for report and compare).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { SCHEMA_VERSION } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import { SCHEMA_PATH } from '../model/paths.js';
import type { ResultDocument } from '../model/types.js';
import {
  createFileExclusive,
  listDir,
  outputError,
  pathError,
  pathReason,
  probeWritable,
  readUserFile,
  writeFileAtomic,
} from '../model/user-files.js';
import { renderJson } from '../reporters/json.js';
import { markUnfinished } from './stale.js';

// ajv is CommonJS; under NodeNext its default export arrives as the module namespace.
const Ajv = AjvModule.default;

export function defaultOutDir(scenarioName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'scenario';
  return resolve('reports', `${stamp}-${safe}`);
}

/**
 * Create and probe the directory now: a bad path fails before the first run, not after it. Returns it and
 * the directories made for it (removed again if the suite cannot start: nothing half-written).
 *
 * A result document already there is never replaced: a DIR the user named is refused (the fix: another
 * --out, or move the old one away); a default one (reports/<time>-<scenario>, two suites in one second)
 * moves on to <time>-<scenario>-2, -3, ...
 */
export async function prepareOutDir(
  dir: string,
  opts: { signal?: AbortSignal; named?: boolean } = {},
): Promise<{ dir: string; created: string[] }> {
  const { signal } = opts;
  const base = resolve(dir);
  for (let n = 1; ; n++) {
    const abs = n === 1 ? base : `${base}-${n}`;
    let created: string[];
    try {
      created = await probeWritable(abs, { signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw outputError(e, `cannot write to output directory ${abs}`, 'pass --out DIR pointing to a writable directory');
    }
    if (!(await holdsResults(abs, signal))) return { dir: abs, created };
    if (opts.named || n >= 100) throw existingResults(abs);
  }
}

const RESULTS_FILE = 'results.json';

/** Does `dir` hold a result document already? */
export async function holdsResults(dir: string, signal?: AbortSignal): Promise<boolean> {
  return (await listDir(dir, { signal })).includes(RESULTS_FILE);
}

function existingResults(dir: string): CgbenchError {
  return new CgbenchError(
    'E_INPUT',
    `${resultsPath(dir)} already exists: cgbench never replaces a result document`,
    'pass another --out DIR, or move the old results.json away first',
  );
}

export function resultsPath(dir: string): string {
  return join(dir, RESULTS_FILE);
}

/**
 * Saved after every run: a failure (a full disk, a hung mount) stops the suite with E_DISK or E_OUTPUT; the file
 * keeps the last document that was saved whole, and no temporary copy is left beside it. The first save of a
 * document (`first`) creates the file and fails if one appeared since prepareOutDir looked (another writer).
 */
export async function saveResults(dir: string, doc: ResultDocument, opts: { first?: boolean } = {}): Promise<void> {
  const path = resultsPath(dir);
  try {
    await (opts.first ? createFileExclusive : writeFileAtomic)(path, renderJson(doc));
  } catch (e) {
    if (pathError(e).code === 'EEXIST') throw existingResults(dir);
    throw outputError(e, `cannot save ${path}`, 'check the permissions of the output directory');
  }
}

/** A result document this big is not one cgbench wrote (samples are bounded per run). */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

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
  if (e.keyword === 'additionalProperties')
    return `${at}: unknown property "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/**
 * Problems of a parsed document against schema/results.schema.json, as "path: problem" lines.
 * `allowUnknownProperties` tolerates fields a newer cgbench added within the same schemaVersion,
 * which is what a reader wants; the tests use the strict form (the schema is generated from the types).
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

const NOT_A_DOCUMENT = 'pass the results.json written by `cgbench run`';

async function readDocumentText(path: string): Promise<string> {
  try {
    return await readUserFile(path, MAX_DOCUMENT_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint =
      code === 'EISDIR'
        ? `pass the results.json inside it: ${join(path, 'results.json')}`
        : 'pass the path of a results.json written by `cgbench run`';
    throw new CgbenchError('E_INPUT', `cannot read result document ${path} (${pathReason(e)})`, hint);
  }
}

/** Read and check a result document; every problem becomes an E_INPUT error naming the file and the fix. */
export async function loadResultDocument(file: string): Promise<ResultDocument> {
  return (await loadResultFile(file)).doc;
}

/** loadResultDocument with the absolute path and the file's text (`history add` keeps the file's hash). */
export async function loadResultFile(file: string): Promise<{ path: string; text: string; doc: ResultDocument }> {
  const path = resolve(file);
  const text = await readDocumentText(path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CgbenchError(
      'E_INPUT',
      `${path} is not JSON (${(e as Error).message})`,
      'pass the results.json written by `cgbench run`, not a report or a log',
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CgbenchError('E_INPUT', `${path} is not a cgbench result document (expected a JSON object)`, NOT_A_DOCUMENT);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined)
    throw new CgbenchError('E_INPUT', `${path} has no schemaVersion: not a cgbench result document`, NOT_A_DOCUMENT);
  if (version !== SCHEMA_VERSION) {
    throw new CgbenchError(
      'E_INPUT',
      `${path} has schemaVersion ${JSON.stringify(version)}; this cgbench reads schemaVersion ${SCHEMA_VERSION}`,
      'render it with the cgbench version that wrote it, or re-run the scenario',
    );
  }
  const problems = validateResultDocument(data, { allowUnknownProperties: true });
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new CgbenchError(
      'E_INPUT',
      `${path} does not match the result schema: ${shown}${more}`,
      `see ${SCHEMA_PATH}; a hand-edited or truncated file cannot be rendered`,
    );
  }
  // A document saying `running` whose writer was killed must not look like a suite still under way.
  return { path, text, doc: markUnfinished(data as ResultDocument) };
}
