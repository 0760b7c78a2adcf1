// JSON reporter: the result document itself, in the same layout `cgbench run` saves, so a re-rendered
// results.json is byte-identical to the original. schema/results.schema.json describes it.

import type { ResultDocument } from '../model/types.js';

export function renderJson(doc: ResultDocument): string {
  return JSON.stringify(doc, null, 1) + '\n';
}
