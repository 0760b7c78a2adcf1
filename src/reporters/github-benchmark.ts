// github-action-benchmark's custom JSON (tools customSmallerIsBetter and customBiggerIsBetter): an array of
// { name, unit, value, range, extra } per direction, one file each, with every tracked figure of every cell
// named "<cell id> — <figure>". Pure.

import type { ResultDocument } from '../model/types.js';
import { benchmarkName, type FigureDef, figureOf, TRACKED_FIGURES } from './figures.js';

export interface CustomBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  /** "± x": the action reads a number after ±; the exact interval is in `extra`. */
  range?: string;
  extra?: string;
}

/** The two files, and which `tool:` of the action reads each. */
export const GITHUB_BENCHMARK_FILES = {
  smaller: { path: 'benchmark-smaller-is-better.json', tool: 'customSmallerIsBetter' },
  bigger: { path: 'benchmark-bigger-is-better.json', tool: 'customBiggerIsBetter' },
} as const;

/** Units the action's charts show: its own time units where they fit (it rescales s/ms/us/ns when a unit
 *  changes between commits), the value scaled from the figure's base unit. */
const DISPLAY: Record<string, { unit: string; scale: number }> = {
  seconds: { unit: 's', scale: 1 },
  ratio: { unit: 'x', scale: 1 },
  cpus: { unit: 'CPUs', scale: 1 },
  bytes_per_second: { unit: 'MB/s', scale: 1e-6 },
};
/** p99 latencies are milliseconds long; in seconds a chart of them reads 0.00. */
const P99 = { unit: 'ms', scale: 1e3 };

/** Four significant digits, always with a decimal point (the action's range parser wants "digit, then more"). */
function num(v: number): string {
  const s = v.toPrecision(4);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

function entry(
  def: FigureDef & { tracked: { title: string } },
  cellName: string,
  value: number,
  range: [number, number] | null,
  runs: number,
) {
  const shown = def.key === 'latency_p99' ? P99 : (DISPLAY[def.unit] ?? { unit: def.unit, scale: 1 });
  // Six significant digits: more than any figure measures, and no float noise in a ± of 2e-16.
  const round = (x: number): number => Number((x * shown.scale).toPrecision(6));
  const v = round(value);
  const e: CustomBenchmarkEntry = { name: `${cellName} — ${def.tracked.title}`, unit: shown.unit, value: v };
  const extra = [`median of ${runs} run(s)`];
  if (range) {
    const lo = round(range[0]);
    const hi = round(range[1]);
    // The action shows one ± figure: the interval's longer side, so the ± never understates it.
    e.range = `± ${num(Math.max(v - lo, hi - v))}`;
    extra.push(`95 % interval ${num(lo)}–${num(hi)} ${shown.unit}`);
  }
  e.extra = extra.join('; ');
  return e;
}

/** The entries of one direction; neutral figures are in neither file. */
export function githubBenchmarkEntries(doc: ResultDocument, direction: 'smaller' | 'bigger'): CustomBenchmarkEntry[] {
  const want = direction === 'smaller' ? 'lower-is-better' : 'higher-is-better';
  const out: CustomBenchmarkEntry[] = [];
  for (const cell of doc.cells) {
    for (const def of TRACKED_FIGURES) {
      if (def.direction !== want) continue;
      const f = figureOf(def, cell);
      if (f) out.push(entry(def, benchmarkName(cell), f.value, f.range, cell.summary.measuredRuns));
    }
  }
  return out;
}

export function serializeGithubBenchmark(doc: ResultDocument, direction: 'smaller' | 'bigger'): string {
  return `${JSON.stringify(githubBenchmarkEntries(doc, direction), null, 2)}\n`;
}
