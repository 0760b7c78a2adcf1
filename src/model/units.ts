// Parsing of sizes, rates, durations and percentages, and formatting of sizes and durations. Sizes follow
// the kernel/Docker habit: "64M" and "64MiB" are binary, "64MB" is decimal; rates are sizes per second.

const BINARY: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/** Parse "512M", "1GiB", "10MB", "4096" to bytes. Returns null when the text is not a size. */
export function parseBytes(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input) : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$/i.exec(input);
  if (!m) return null;
  const value = Number(m[1]);
  const prefix = (m[2] ?? '').toLowerCase();
  const suffix = (m[3] ?? '').toLowerCase();
  // "MB" (no i) is decimal; "M", "MiB" are binary; a bare "B" is bytes.
  const factor = suffix === 'b' && prefix !== '' ? DECIMAL[prefix] : BINARY[prefix];
  if (factor === undefined) return null;
  return Math.round(value * factor);
}

/** Parse "10MB/s", "10M", 1048576 to bytes per second. */
export function parseRate(input: string | number): number | null {
  if (typeof input === 'number') return parseBytes(input);
  return parseBytes(input.replace(/\/s$/i, ''));
}

/** Parse a percentage ("5%", "2.5 %", "5") to percent points (5, 2.5, 5). With `bareIsRatio` a number
 *  without "%" is a ratio ("0.02" -> 2), as scenario files write it. Null when it is not a percentage. */
export function parsePercent(input: string | number, bareIsRatio = false): number | null {
  if (typeof input === 'number') return Number.isFinite(input) ? (bareIsRatio ? input * 100 : input) : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(input);
  if (!m) return null;
  const v = Number(m[1]);
  return m[2] === '%' || !bareIsRatio ? v : v * 100;
}

/** Parse "100ms", "2s", "1m", "500us" or a number of ms to milliseconds. */
export function parseDurationMs(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)?\s*$/i.exec(input);
  if (!m) return null;
  const value = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const factor: Record<string, number> = { us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
  return value * (factor[unit] ?? 1);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatDurationNs(ns: number): string {
  if (ns < 0) return `-${formatDurationNs(-ns)}`;
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(ns >= 1e11 ? 0 : 2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** A number with about four significant digits and no exponent for everyday magnitudes. */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e15 || (a > 0 && a < 1e-4)) return v.toPrecision(3);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a === 0) return '0';
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** A p-value as the verdicts print it: three decimals, or an exponent below 0.001 ("p=0.008", "p=2.1e-5"). */
export function formatPValue(p: number): string {
  return `p=${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`;
}

const TIME_UNITS_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** A figure a workload reported in its own unit: times and byte counts as cgbench writes its own, the rest
 *  as a number and the unit. */
export function formatMetric(value: number, unit: string): string {
  const ns = TIME_UNITS_NS[unit];
  if (ns !== undefined) return formatDurationNs(value * ns);
  if (unit === 'B' || unit === 'bytes') return formatBytes(value);
  if (unit === 'B/s') return `${formatBytes(value)}/s`;
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value);
}

/** A reported figure's median and spread ("1234 ± 12 ops/s", "1.2 ms ± 80.0 µs"): the unit once where it is
 *  the workload's own, each side scaled where cgbench writes it (times, bytes). */
export function formatMetricSpread(median: number, spread: number, unit: string): string {
  if (TIME_UNITS_NS[unit] !== undefined || unit === 'B' || unit === 'bytes' || unit === 'B/s')
    return `${formatMetric(median, unit)} ± ${formatMetric(spread, unit)}`;
  return `${formatNumber(median)} ± ${formatNumber(spread)}${unit ? ` ${unit}` : ''}`;
}
