// What an SLO can name, in one table: each figure's direction (a latency must stay below its bound, a
// throughput above), unit, key in a run's metrics and the workloads that report it; and how figures and a fit's
// knob values read. analysis/slo.ts parses and judges SLOs with it, the reporters print with it.

import type { FitKnob, FitSeries, Slo, WorkloadKind } from './types.js';
import { formatBytes, formatDurationNs } from './units.js';

export type SloUnit = 'time' | 'rate' | 'ratio' | 'own';

export interface SloFigure {
  better: 'lower' | 'higher';
  unit: SloUnit;
  /** Its key in a run's metrics (time figures in ns); absent for figures derived from several. */
  key?: string;
  /** Its name among a service run's named metrics (the load generator's figures: times in ms). */
  named?: string;
  /** The built-in workload kinds that report it (commands report what they print). */
  kinds: readonly WorkloadKind[];
  what: string;
}

const ALL: readonly WorkloadKind[] = ['cpu', 'memory', 'io', 'latency', 'command'];
const LATENCY: readonly WorkloadKind[] = ['latency', 'service'];
const pct = (key: string, what: string, named?: string): SloFigure => ({
  better: 'lower',
  unit: 'time',
  key,
  kinds: LATENCY,
  what,
  ...(named ? { named } : {}),
});

/** The figures an SLO can name besides a workload's own metrics. */
export const SLO_FIGURES: Readonly<Record<string, SloFigure>> = {
  p50: pct('p50Ns', 'median latency', 'p50'),
  p90: pct('p90Ns', '90th percentile latency', 'p90'),
  p99: pct('p99Ns', '99th percentile latency', 'p99'),
  p999: pct('p999Ns', '99.9th percentile latency', 'p99.9'),
  max: { ...pct('maxNs', 'largest latency'), kinds: ['latency'] },
  mean: { ...pct('meanNs', 'mean latency'), kinds: ['latency'] },
  throughput: {
    better: 'higher',
    unit: 'rate',
    named: 'throughput',
    kinds: ['cpu', 'memory', 'io', 'latency', 'service'],
    what: 'operations (or bytes, or answered requests) per second',
  },
  wall: { better: 'lower', unit: 'time', key: 'wallNs', kinds: ALL, what: 'run time' },
  slowdown: { better: 'lower', unit: 'ratio', kinds: ALL, what: 'run time over the unlimited run time' },
};

/** A figure as the SLO reads it: "12.3 ms", "1,234/s", "1.18x" (relative figures and slowdown as multiples). */
export function figureText(slo: Pick<Slo, 'figure' | 'relative'>, value: number | null): string {
  if (value === null || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '–';
  const unit = SLO_FIGURES[slo.figure]?.unit ?? 'own';
  if (slo.relative || unit === 'ratio') return `${value.toFixed(value < 10 ? 2 : 1)}x`;
  if (unit === 'time') return formatDurationNs(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === 'rate' ? `${text}/s` : text;
}

/** A fit's knob value in words: "0.205 CPU", "256 MiB", "2 CPUs" (a cpuset), "unlimited" (null). */
export function knobValueText(knob: FitKnob, value: number | null, series: FitSeries = 'quota'): string {
  if (value === null) return 'unlimited';
  if (series === 'cpuset') return `${value} CPU${value === 1 ? '' : 's'}`;
  if (knob === 'cpus') return `${+value.toFixed(3)} CPU`;
  return formatBytes(value);
}
