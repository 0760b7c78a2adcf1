import { describe, expect, it } from 'vitest';
import { hostCalibration } from '../../src/analysis/noise.js';
import { calibrationCommand, calibrationRound } from '../../src/runtimes/calibrate.js';

describe('the calibration loop (the host noise a suite records)', () => {
  it('runs the built-in CPU loop and keeps each run’s wall and CPU time', async () => {
    const start = await calibrationRound('start', { runs: 3, iterations: 20_000_000 });
    const end = await calibrationRound('end', { runs: 3, iterations: 20_000_000 });
    expect(start?.wallNs).toHaveLength(3);
    expect(end?.cpuNs).toHaveLength(3);
    // The loop's own CPU time never exceeds its wall time (one thread); a waiting thread only widens the gap.
    for (const r of [start, end]) r?.wallNs.forEach((w, i) => expect(r.cpuNs[i]).toBeLessThanOrEqual(w * 1.01 + 1e6));
    const c = hostCalibration(calibrationCommand(), [start!, end!]);
    expect(c.wallSpread).toBeGreaterThanOrEqual(0);
    expect(c.drift).toBeGreaterThan(0);
  });

  it('stops at a signal and gives nothing half-measured', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await calibrationRound('start', { signal: ac.signal })).toBeNull();
  });
});
