// Warnings as readers get them, in every reporter: one line per kind (code and fix), listing the cells it
// applies to with each cell's own figure, instead of one sentence per cell. Pure.

import type { ResultDocument, Warning, WarningCode } from '../model/types.js';
import { cellLabel } from './format.js';

/** What a kind of warning says about the cells it lists. Unknown codes (from a newer cgbench) show their code. */
const TITLES: Partial<Record<WarningCode, string>> = {
  'runs-failed': 'runs failed or timed out (the suite exits 4)',
  noisy: 'noisy: the runs spread more than 3 % of their median (MAD)',
  'too-few-runs': 'no 95 % interval for the slowdown: too few runs',
  'limit-no-effect': 'the limit did not bite',
  'limit-harsher-than-model': 'slower than the limit explains',
  'buffered-io-v1': 'buffered writes escape a cgroup v1 throttle',
  'memory-limit-on-cpu': 'a memory limit does nothing to a CPU loop',
  'unsupported-limit': 'a limit was not applied',
  'no-baseline': 'no baseline to compare with',
  'quota-burst': 'the quota runs out early in each CFS period, then the group stalls',
  'phase-not-drawn': 'no period-phase view',
};

export interface WarningItem {
  cellId?: string;
  /** The cell as a reader names it: "workload / limit set" (and the runtime and host when there are several). */
  label: string;
  detail?: string;
  /** The full sentence, for a tooltip or a reader of one cell. */
  message: string;
}

export interface WarningGroup {
  code: string;
  title: string;
  hint?: string;
  items: WarningItem[];
}

/** Warnings grouped by kind (and fix, where the fix differs), in the order each kind first appears. */
export function groupWarnings(doc: ResultDocument): WarningGroup[] {
  const cells = new Map(doc.cells.map((c) => [c.id, c]));
  const groups = new Map<string, WarningGroup>();
  for (const w of doc.warnings) {
    const cell = w.cellId ? cells.get(w.cellId) : undefined;
    // A warning about the whole suite (interrupted, unfinished) is its own line.
    if (!cell) {
      const title = w.host === undefined ? w.message : `${w.host}: ${w.message}`;
      groups.set(`${groups.size}\0${w.code}`, { code: w.code, title, ...(w.hint ? { hint: w.hint } : {}), items: [] });
      continue;
    }
    const key = `${w.code}\0${w.hint ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { code: w.code, title: TITLES[w.code] ?? w.code, ...(w.hint ? { hint: w.hint } : {}), items: [] }));
    g.items.push(itemOf(w, cellLabel(doc, cell)));
  }
  return [...groups.values()];
}

function itemOf(w: Warning, label: string): WarningItem {
  const item: WarningItem = { label, message: w.message };
  if (w.cellId) item.cellId = w.cellId;
  if (w.detail) item.detail = w.detail;
  return item;
}

/** "label (detail); label (detail)": a group's cells in one run of text. */
export function itemsText(g: WarningGroup): string {
  return g.items.map((i) => (i.detail ? `${i.label} (${i.detail})` : i.label)).join('; ');
}
