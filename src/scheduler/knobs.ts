// A cell's limits against its runtime's column of the knob table (runtimes/registry.ts): what is refused before
// anything runs (one line per limit, the same for every runtime, in `run` and in `plan`), and what the runtime
// runs without, which the cell records and the runtime is never given.

import type { Cell, Limits, NotApplied, RuntimeName } from '../model/types.js';
import { applicableLimits, decideKnobs, type KnobDecision, type KnobHost } from '../runtimes/knob-rules.js';
import { RUNTIME_NAMES, runtimeEntry } from '../runtimes/registry.js';

/** One limits value a cell's runs set: its own (`of` absent), a neighbour's or its shared parent's. */
interface LimitsOf {
  of?: string;
  limits: Limits;
}

function limitsOf(cell: Cell): LimitsOf[] {
  const set = cell.neighbourSet;
  return [
    { limits: cell.limits },
    ...(set?.neighbours ?? []).map((n) => ({ of: `neighbour "${n.label}"`, limits: n.limits })),
    ...(set?.parent ? [{ of: 'parent', limits: set.parent }] : []),
  ];
}

/** The runtimes (simulations aside) whose column sets this knob at these values, anywhere. */
export function runtimesThatCan(d: KnobDecision, l: Limits, except: RuntimeName): RuntimeName[] {
  return RUNTIME_NAMES.filter((name) => {
    const entry = runtimeEntry(name);
    if (!entry || entry.simulation || name === except) return false;
    return !decideKnobs(entry.knobs, l).some((x) => x.knob === d.knob);
  });
}

export interface CellKnobs {
  /** Problem lines: a limit the runtime refuses. */
  refused: string[];
  /** What the runtime runs without. */
  notApplied: NotApplied[];
  /** Each limits value's decisions, in limitsOf's order (own first), for applicableLimits. */
  decisions: { of?: string; decisions: KnobDecision[] }[];
}

/** `where` names the cell in a problem line. An unknown runtime decides nothing (its own check says so). */
export function cellKnobs(cell: Cell, where: string, host?: KnobHost): CellKnobs {
  const out: CellKnobs = { refused: [], notApplied: [], decisions: [] };
  const column = runtimeEntry(cell.runtime)?.knobs;
  if (!column) return out;
  for (const { of, limits } of limitsOf(cell)) {
    const decisions = decideKnobs(column, limits, host);
    out.decisions.push({ ...(of !== undefined ? { of } : {}), decisions });
    for (const d of decisions) {
      const can = runtimesThatCan(d, limits, cell.runtime);
      const whose = of === undefined ? '' : `${of}: `;
      if (d.verdict.do === 'refuse') {
        const others = can.length ? `runtimes that can: ${can.join(', ')}` : 'no runtime can';
        out.refused.push(`${where}: ${whose}${cell.runtime} cannot set ${d.verdict.reason}; ${others}`);
      } else {
        const n: NotApplied = { knob: d.knob, limit: d.limit, reason: d.verdict.reason, runtimes: can };
        if (d.verdict.hint !== undefined) n.hint = d.verdict.hint;
        if (of !== undefined) n.of = of;
        out.notApplied.push(n);
      }
    }
  }
  return out;
}

/** `limits` as the runtime gets them: without what it runs without. `of` picks whose decisions apply. */
export function applicable<L extends Limits>(knobs: CellKnobs, limits: L, of?: string): L {
  const mine = knobs.decisions.find((d) => d.of === of);
  return mine ? applicableLimits(limits, mine.decisions) : limits;
}
