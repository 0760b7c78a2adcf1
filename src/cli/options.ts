// Parsers of option values for commander: each checks one value against the rule the scenario schema
// applies to the same setting, and says what is wrong in the option's own words.

import { InvalidArgumentError } from 'commander';
import { RUN_RUNTIMES, runtimeEntry } from '../app/runtimes.js';
import { BOUNDS } from '../model/defaults.js';
import type { RuntimeName } from '../model/types.js';
import { parseDurationMs, parsePercent } from '../model/units.js';

/** A count of 1 or more with no upper bound of its own (e.g. --last N). */
export function positiveInt(name: string) {
  return integerIn(name, { min: 1, max: Number.MAX_SAFE_INTEGER });
}

/** An integer within `range` (one of BOUNDS), as the scenario schema requires of the same setting. */
export function integerIn(name: string, range: { min: number; max: number }) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < range.min || n > range.max) {
      const bound = range.max === Number.MAX_SAFE_INTEGER ? `>= ${range.min}` : `from ${range.min} to ${range.max}`;
      throw new InvalidArgumentError(`${name} must be an integer ${bound}`);
    }
    return n;
  };
}

export function runtimeList(v: string): RuntimeName[] {
  const list = v.split(',').map((s) => s.trim());
  for (const r of list) {
    if (runtimeEntry(r)?.mode === 'plan')
      throw new InvalidArgumentError(`${r} runs are planned and collected: see \`cgbench plan --target ${r}\``);
    if (!RUN_RUNTIMES.includes(r)) throw new InvalidArgumentError(`unknown runtime "${r}" (${RUN_RUNTIMES.join(', ')})`);
  }
  return list;
}

const { min: INTERVAL_MIN, max: INTERVAL_MAX } = BOUNDS.sampleIntervalMs;
export const SAMPLE_INTERVAL_RANGE = `${INTERVAL_MIN}..${INTERVAL_MAX}`;

/** "auto", "100ms", "1s" or a bare number of ms, as the scenario's sampleInterval is written. */
export function sampleInterval(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const n = parseDurationMs(v);
  if (n === null || n < INTERVAL_MIN || n > INTERVAL_MAX)
    throw new InvalidArgumentError(`--sample-interval must be auto or ${SAMPLE_INTERVAL_RANGE} ms, e.g. 2ms or 100ms`);
  return n;
}

/** "2%" or "2" -> 0.02. */
export function targetCi(v: string): number {
  const pct = parsePercent(v);
  const n = pct === null ? Number.NaN : pct / 100;
  if (!Number.isFinite(n) || n <= BOUNDS.targetRel.min || n >= BOUNDS.targetRel.max) {
    throw new InvalidArgumentError('--target-ci must be a percentage above 0 and below 100 %, such as 2%');
  }
  return n;
}

/** A percentage strictly between `min` and `max` percent ("5%" or "5"), as a ratio (0.05). */
export function percentBetween(name: string, min: number, max: number, example: string) {
  return (v: string): number => {
    const pct = parsePercent(v);
    if (pct === null || !(pct > min && pct < max))
      throw new InvalidArgumentError(`${name} must be a percentage above ${min} and below ${max} %, such as ${example}`);
    return pct / 100;
  };
}

/** Repeated options collect into a list (--slo A --slo B). */
export function collect(v: string, list: string[] | undefined): string[] {
  return [...(list ?? []), v];
}
