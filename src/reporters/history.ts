// What `cgbench history list` and `history show` print: the stored documents as a table (or JSON),
// and one stored document's provenance above its usual tables. Pure: returns text.

import Table from 'cli-table3';
import type { ResultDocument, StoredDocument } from '../model/types.js';
import { renderTable } from './table.js';

/** Ids are sha256 hex; this many digits name a document in practice, like a short git hash. */
export const SHORT_ID = 12;

export function renderHistoryList(docs: readonly StoredDocument[]): string {
  if (!docs.length) return 'no stored documents match';
  const t = new Table({
    head: ['id', 'started', 'host', 'kernel', 'cgroup', 'runtimes', 'scenario', 'status', 'cells', 'runs'],
    style: { head: [], border: [], compact: true },
  });
  for (const d of docs) {
    t.push([
      d.id.slice(0, SHORT_ID),
      d.createdAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
      d.hostname,
      d.kernel,
      d.cgroupMode,
      d.runtimes.join(','),
      d.scenario,
      d.status,
      String(d.cells),
      String(d.runs),
    ]);
  }
  return `${t.toString()}\n${docs.length} document(s)`;
}

/** Whether the file a document was added from still holds it (its time series live there). */
export type SourceState = 'unchanged' | 'changed' | 'missing';

export function renderHistoryShow(stored: StoredDocument, doc: ResultDocument, source: SourceState): string {
  const state =
    source === 'unchanged'
      ? 'present and unchanged: its sample series are there'
      : source === 'changed'
        ? 'changed since it was added: its sample series may no longer match'
        : 'missing: the sample series are gone, the stored figures remain';
  return [
    `document ${stored.id}`,
    `added ${stored.addedAt} from ${stored.sourcePath} (sha256 ${stored.sourceSha256.slice(0, 16)}…, ${state})`,
    '',
    renderTable(doc),
  ].join('\n');
}
