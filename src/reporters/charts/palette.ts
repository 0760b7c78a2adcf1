// The colours of every chart: a colour-blind friendlier palette and the fixed colours of limit lines.

// Tableau 10: distinguishable, colour-blind friendlier than chart.js defaults, fine in print.
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'] as const;
export const LIMIT_RED = '#d62728';
export const HIGH_ORANGE = '#ff7f0e';
export const EXPECTED_GREY = '#444444';
export const IMPROVEMENT_GREEN = '#1a7f37';

export function color(i: number): string {
  return PALETTE[i % PALETTE.length] as string;
}

/** #rrggbb + alpha -> rgba(), for translucent fills. */
export function alpha(hex: string, a: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
