// Reads a running group's stat files at a fixed interval. Files stay open and are re-read from
// offset 0 each tick; the kept readings are decimated so memory stays bounded on long runs.

import type { GroupView } from '../cgroup/group.js';
import { StatReader } from '../cgroup/stat-reader.js';
import { monotonicNs } from '../model/clock.js';
import type { Reading, SampleSeries } from '../model/types.js';
import { deriveSeries } from './derive.js';

/** Kept readings before decimation halves them: bounds memory whatever the run's length. */
export const MAX_KEPT = 1024;

export interface TickStats {
  ticks: number;
  meanIntervalMs: number;
  maxIntervalMs: number;
  /** Share of intervals more than 10 % off the requested interval. */
  offFraction: number;
}

export class Sampler {
  private readonly reader: StatReader;
  private kept: Reading[] = [];
  private stride = 1;
  private tick = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly t0Ns: number;
  private nextNs: number;
  private lastTickNs = 0;
  private intervalSumNs = 0;
  private intervalMaxNs = 0;
  private intervalsOff = 0;
  private intervals = 0;
  private stopped = false;

  constructor(
    group: Pick<GroupView, 'statFiles' | 'driver'>,
    private readonly intervalMs: number,
    private readonly maxKept = MAX_KEPT,
  ) {
    this.reader = new StatReader(group.statFiles, group.driver);
    this.t0Ns = monotonicNs();
    this.nextNs = this.t0Ns;
  }

  start(): this {
    this.sample();
    return this;
  }

  private sample(): void {
    if (this.stopped) return;
    const r = this.reader.read();
    this.record(r);
    const intervalNs = this.intervalMs * 1e6;
    // Schedule against absolute deadlines so timer lateness does not accumulate. Node's timers have
    // 1 ms granularity: a tick that is due (or a little late) runs at once, so 1000 Hz is sustained;
    // only when a whole interval was missed are ticks skipped.
    this.nextNs += intervalNs;
    const now = monotonicNs();
    if (now - this.nextNs > intervalNs) this.nextNs += Math.floor((now - this.nextNs) / intervalNs) * intervalNs;
    const delayMs = (this.nextNs - now) / 1e6;
    if (delayMs <= 0) this.immediate = setImmediate(() => this.sample());
    else this.timer = setTimeout(() => this.sample(), delayMs);
  }

  private record(r: Reading): void {
    if (this.lastTickNs) {
      const d = r.tNs - this.lastTickNs;
      this.intervals++;
      this.intervalSumNs += d;
      if (d > this.intervalMaxNs) this.intervalMaxNs = d;
      if (Math.abs(d - this.intervalMs * 1e6) > this.intervalMs * 1e5) this.intervalsOff++;
    }
    this.lastTickNs = r.tNs;
    if (this.tick++ % this.stride === 0) {
      this.kept.push(r);
      if (this.kept.length >= this.maxKept) {
        // Keep every other reading: counters are cumulative, so derived rates stay exact over
        // the wider intervals; only the time resolution halves.
        this.kept = this.kept.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
    }
  }

  get keptCount(): number {
    return this.kept.length;
  }

  tickStats(): TickStats {
    return {
      ticks: this.tick,
      meanIntervalMs: this.intervals ? this.intervalSumNs / this.intervals / 1e6 : 0,
      maxIntervalMs: this.intervalMaxNs / 1e6,
      offFraction: this.intervals ? this.intervalsOff / this.intervals : 0,
    };
  }

  /** Take a last reading, stop, and derive the series. */
  stop(): SampleSeries {
    if (!this.stopped) {
      if (this.timer) clearTimeout(this.timer);
      if (this.immediate) clearImmediate(this.immediate);
      const last = this.reader.read();
      this.record(last);
      if (this.kept[this.kept.length - 1] !== last) this.kept.push(last);
      this.stopped = true;
      this.reader.close();
    }
    const series = deriveSeries(this.kept, this.t0Ns, this.intervalMs * this.stride, this.tick);
    const ts = this.tickStats();
    series.tick = { meanIntervalMs: ts.meanIntervalMs, maxIntervalMs: ts.maxIntervalMs, offFraction: ts.offFraction };
    return series;
  }
}

export function startSampler(group: GroupView, intervalMs: number): { stop(): SampleSeries } {
  return new Sampler(group, intervalMs).start();
}
