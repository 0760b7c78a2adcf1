// Collection helpers shared by every layer: rows grouped by a key, and the newest-first order of
// dated records.

/** Rows grouped by `key`, each group in the rows' order, groups in order of first appearance. */
export function groupBy<T>(rows: Iterable<T>, key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** Sort comparator: the newest `createdAt` (ISO 8601 text) first. */
export function byNewest(a: { createdAt: string }, b: { createdAt: string }): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
}
