// What a runtime does with each limit knob, as it declares it in the runtime registry: set it, run without it
// (skip: the cell records it), or refuse the cell before anything runs. A column names every knob of the knob
// table (model/knobs.ts), so a runtime that forgets one does not compile. Pure.

import { KNOB_IDS, KNOBS, type KnobId } from '../model/knobs.js';
import type { CgroupMode, Limits } from '../model/types.js';

export type KnobVerdict = { do: 'set' } | { do: 'skip'; reason: string; hint?: string } | { do: 'refuse'; reason: string };

/** What a runtime may know of the host when it decides (absent: whether it can at all, anywhere). */
export interface KnobHost {
  cgroup: { mode: CgroupMode; driver: 'v1' | 'v2' };
}

/** A verdict, or one that depends on the limits' values (a quota's period) or the host (a v1 kernel). */
export type KnobRule = KnobVerdict | ((l: Limits, host?: KnobHost) => KnobVerdict);

/** A runtime's column of the knob table: a rule for every knob. */
export type KnobColumn = { readonly [K in KnobId]: KnobRule };

export const SET: KnobVerdict = { do: 'set' };
/** The runtime runs without the knob; `reason` says why, `hint` where to see it applied. */
export function skip(reason: string, hint?: string): KnobVerdict {
  return hint === undefined ? { do: 'skip', reason } : { do: 'skip', reason, hint };
}
/** The runtime cannot run a cell with the knob: it is refused before the first run. */
export function refuse(reason: string): KnobVerdict {
  return { do: 'refuse', reason };
}
/** Every knob set: the column of a runtime that writes the cgroup files itself. */
export const ALL_SET: KnobColumn = Object.fromEntries(KNOB_IDS.map((id) => [id, SET])) as Record<KnobId, KnobVerdict>;

export interface KnobDecision {
  knob: KnobId;
  /** The knob in words ("cpu burst"). */
  limit: string;
  verdict: Exclude<KnobVerdict, { do: 'set' }>;
}

/** The knobs `l` sets that the column does not: each skipped or refused, with the reason. */
export function decideKnobs(column: KnobColumn, l: Limits, host?: KnobHost): KnobDecision[] {
  const out: KnobDecision[] = [];
  for (const id of KNOB_IDS) {
    if (!KNOBS[id].present(l)) continue;
    const rule = column[id];
    const verdict = typeof rule === 'function' ? rule(l, host) : rule;
    if (verdict.do !== 'set') out.push({ knob: id, limit: KNOBS[id].name, verdict });
  }
  return out;
}

/** What the runtime is given: the limits without the knobs it skips, so it can never pass one on. */
export function applicableLimits<L extends Limits>(l: L, decisions: readonly KnobDecision[]): L {
  return decisions.filter((d) => d.verdict.do === 'skip').reduce((out, d) => KNOBS[d.knob].without(out), l);
}
