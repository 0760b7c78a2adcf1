// Identity by content: a stable JSON text of any value (keys sorted), and the key of a cell across
// documents (same workload, runtime, limit set, limits and parameters), which history stores and
// the trend and baseline match on.

import { createHash } from 'node:crypto';
import type { Cell } from './types.js';

/** Stable JSON with sorted keys, so two equal objects compare equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

// A trend over 100 nights asks for the same cells' keys tens of thousands of times; a cell's identity
// fields are fixed when its scenario is expanded, so the key is kept with the object.
const keys = new WeakMap<object, string>();

/** The same cell in another night's document: equal workload, runtime, limit set, limits and parameters. */
export function cellKey(c: Pick<Cell, 'workload' | 'runtime' | 'limitSet' | 'limits' | 'params' | 'neighbourSet'>): string {
  let key = keys.get(c);
  if (key === undefined) {
    // A cell alone keeps the key it had before neighbour sets existed, so its history goes on.
    const parts: unknown[] = [c.workload, c.runtime, c.limitSet, c.limits, c.params];
    if (c.neighbourSet) parts.push(c.neighbourSet);
    key = sha256Hex(canonicalJson(parts)).slice(0, 32);
    keys.set(c, key);
  }
  return key;
}
