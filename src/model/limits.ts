// Pure facts about a Limits value that several layers need: whether it limits anything, the CPUs a
// quota allows, its one human label (from the knob table, knobs.ts), its CPU list and IO rates. What a
// runtime can set of it is the runtime registry's (runtimes/registry.ts).

import { BASELINE_NAME } from './defaults.js';
import { KNOBS, knobsSet } from './knobs.js';
import type { Limits } from './types.js';

/** True when the set limits nothing (the baseline): it sets no knob. */
export function isEmptyLimits(l: Limits): boolean {
  return knobsSet(l).length === 0;
}

/** CPUs the quota allows (quota / period); null without a quota. */
export function cpuQuotaCpus(l: Limits): number | null {
  const cpu = l.cpu;
  if (!cpu || cpu.quotaUs === null) return null;
  return cpu.quotaUs / cpu.periodUs;
}

/** The CPUs of a cpuset list such as "0-1,3" (the kernel's list format), sorted. */
export function cpuList(list: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(',').map((p) => p.trim())) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let c = a; c <= (b ?? a); c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/** Number of CPUs in a cpuset list such as "0-1,3". */
export function cpusetSize(list: string): number {
  return cpuList(list).length;
}

/** The tightest byte and operation rates a throttle puts on reads or writes (null: not throttled). */
export function ioRateLimit(l: Limits, mode: 'read' | 'write'): { bps: number | null; iops: number | null } {
  let bps: number | null = null;
  let iops: number | null = null;
  for (const io of l.io ?? []) {
    const b = mode === 'write' ? io.wbps : io.rbps;
    const o = mode === 'write' ? io.wiops : io.riops;
    if (b !== undefined) bps = bps === null ? b : Math.min(bps, b);
    if (o !== undefined) iops = iops === null ? o : Math.min(iops, o);
  }
  return { bps, iops };
}

/** What a limit set limits, as one short label: "0.10 CPU, mem 64 MiB", each knob's part in the table's
 *  order. Names unnamed limit sets and labels chart axes, so a scenario's default names and the charts
 *  always agree; every knob has a part, so two sets that differ get different names. */
export function limitsLabel(l: Limits): string {
  return (
    knobsSet(l)
      .flatMap((id) => KNOBS[id].label(l))
      .join(', ') || BASELINE_NAME
  );
}
