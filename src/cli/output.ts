// Where results land: the output directory (checked before a suite starts) and the atomic writer
// of results.json, so a reader never sees a half-written document.

import { accessSync, constants, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CgbenchError } from '../model/errors.js';
import type { ResultDocument } from '../model/types.js';

export function defaultOutDir(scenarioName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:]/g, '').replace(/\..*$/, '');
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'scenario';
  return resolve('reports', `${stamp}-${safe}`);
}

/** Create and probe the directory now: a bad path fails before the first run, not after it. */
export function prepareOutDir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
    accessSync(abs, constants.W_OK);
  } catch (e) {
    throw new CgbenchError('E_OUTPUT', `cannot write to output directory ${abs} (${(e as NodeJS.ErrnoException).code})`, 'pass --out DIR pointing to a writable directory');
  }
  return abs;
}

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function resultsPath(dir: string): string {
  return join(dir, 'results.json');
}

export function saveResults(dir: string, doc: ResultDocument): void {
  writeAtomic(resultsPath(dir), JSON.stringify(doc, null, 1) + '\n');
}
