// The launcher's protocol has two sides, native/protocol.h and the TypeScript that reads its reports; this
// holds every constant and stat-file list of the TypeScript side to the C header, read from its source.
// (test/integration/launcher.test.ts holds the parser to the real launcher's output.)
import { describe, expect, it } from 'vitest';
import { STAT_FILES, readingFromV1, readingFromV2 } from '../../src/cgroup/reading.js';
import { V1_GROUP_CONTROLLERS } from '../../src/cgroup/files.js';
import { BOUNDS, LAUNCHER_KEPT, METRICS_ENV } from '../../src/model/defaults.js';
import { MAX_METRIC_LINES } from '../../src/programs/metrics.js';
import {
  LAUNCHER_EXIT,
  PERF_COUNTER_KEYS,
  READY_MARKER,
  REPORT_PREFIX,
  REPORT_RECORDS,
  REPORT_VERSION,
} from '../../src/runtimes/launcher.js';
import { fixtureTree, protocolHeader } from '../helpers.js';

const h = protocolHeader();

describe('native/protocol.h and the TypeScript side agree', () => {
  it('on the exit codes, the report version, its records and the READY marker', () => {
    expect(LAUNCHER_EXIT).toEqual({
      launcherFailed: h.numbers.CGB_EXIT_LAUNCH,
      notExecutable: h.numbers.CGB_EXIT_NOEXEC,
      notFound: h.numbers.CGB_EXIT_NOTFOUND,
    });
    expect(REPORT_VERSION).toBe(h.numbers.CGB_REPORT_VERSION);
    expect(REPORT_PREFIX).toBe(h.strings.CGB_RECORD_PREFIX);
    expect([...REPORT_RECORDS]).toEqual(h.lists.CGB_RECORDS);
    expect(READY_MARKER).toBe(h.strings.CGB_READY);
  });

  it('on the metrics protocol: its environment variable and how many lines are relayed', () => {
    expect(METRICS_ENV).toBe(h.strings.CGB_METRICS_ENV);
    expect(MAX_METRIC_LINES).toBe(h.numbers.CGB_MAX_METRIC_LINES);
  });

  it('on the perf counters the STATUS record carries, in their order', () => {
    expect(PERF_COUNTER_KEYS).toEqual(h.lists.CGB_PERF_COUNTERS);
  });

  it('on the sampling interval bounds and the keep budget', () => {
    expect(BOUNDS.sampleIntervalMs.min * 1000).toBe(h.numbers.CGB_INTERVAL_MIN_US);
    expect(BOUNDS.sampleIntervalMs.max * 1000).toBe(h.numbers.CGB_INTERVAL_MAX_US);
    expect(LAUNCHER_KEPT.fine).toBe(h.numbers.CGB_MAX_KEPT);
    expect(LAUNCHER_KEPT.coarse).toBe(h.numbers.CGB_KEPT_COARSE);
    expect(LAUNCHER_KEPT.fineBelowMs * 1000).toBe(h.numbers.CGB_FINE_BELOW_US);
  });

  it('on the v1 hierarchies a group spans, which hold every v1 stat file', () => {
    expect([...V1_GROUP_CONTROLLERS]).toEqual(h.lists.CGB_V1_CONTROLLERS);
    for (const { key } of h.statFiles.v1) expect(V1_GROUP_CONTROLLERS).toContain(key.split('/')[0]);
  });

  it('on the stat files, their order and which may be missing', () => {
    expect(h.statFiles.v1.length).toBeGreaterThan(5);
    expect(h.statFiles.v2.length).toBeGreaterThan(5);
    expect(STAT_FILES).toEqual(h.statFiles);
  });

  it.each(['v1', 'v2'] as const)('%s: every file the launcher sends changes the reading, so the parser reads each one', (driver) => {
    const parse = driver === 'v1' ? readingFromV1 : readingFromV2;
    const texts = fixtureTree(driver);
    expect(Object.keys(texts).sort()).toEqual(h.statFiles[driver].map((f) => f.key).sort());
    const whole = parse(1, texts);
    for (const { key } of h.statFiles[driver]) {
      const { [key]: _dropped, ...rest } = texts;
      expect(parse(1, rest), `${key} is sent but not read`).not.toEqual(whole);
    }
  });
});
