// The one clock and timer every layer uses: monotonic nanoseconds for measurements, and a promise sleep.

/** CLOCK_MONOTONIC in nanoseconds (what the C launcher and workloads report too). */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
