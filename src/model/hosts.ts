// The host dimension of a result document: a merged document (`cgbench merge`) holds several hosts and
// each of its cells names the one it ran on; a document of one suite run has one host and names none.

import type { HostEntry, ResultDocument } from './types.js';

/** What a host's name may be (schema hostName): no comma (`--hosts A,B`), no "=" (`FILE=NAME`), no spaces. */
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$/;

/** A hostname (or hostname/kernel) made into a host name: characters a name may not hold become "-". */
export function hostNameOf(text: string): string {
  const name = text
    .replace(/[^A-Za-z0-9._:/+-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return name || 'host';
}

/** More than one host: the reporters show the host dimension (a host column, a series per host). */
export function isMultiHost(doc: Pick<ResultDocument, 'hosts'>): boolean {
  return (doc.hosts?.length ?? 0) > 1;
}

/** A cell's id in a merged document: its own id and the host's name, so ids stay unique across hosts. */
export function hostCellId(id: string, host: string): string {
  return `${id} @ ${host}`;
}

/** The id a cell had in its host's own document (the inverse of hostCellId). */
export function ownCellId(id: string, host: string): string {
  const suffix = ` @ ${host}`;
  return id.endsWith(suffix) ? id.slice(0, -suffix.length) : id;
}

/** The host entry of a document of one suite run, under `name`. */
export function entryOf(doc: ResultDocument, name: string): HostEntry {
  const entry: HostEntry = {
    name,
    host: doc.host,
    createdAt: doc.createdAt,
    finishedAt: doc.finishedAt,
    status: doc.status,
    scenario: doc.scenario,
    scenarioHash: doc.scenarioHash,
  };
  if (doc.writer) entry.writer = doc.writer;
  if (doc.concurrency) entry.concurrency = doc.concurrency;
  if (doc.schedule) entry.schedule = doc.schedule;
  return entry;
}

/** The names of a document's hosts, in order ([] for a document of one suite run). */
export function hostNames(doc: Pick<ResultDocument, 'hosts'>): string[] {
  return (doc.hosts ?? []).map((e) => e.name);
}
