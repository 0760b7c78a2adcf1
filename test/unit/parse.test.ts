import { describe, expect, it } from 'vitest';
import { layoutFromMountInfo } from '../../src/cgroup/detect.js';
import {
  parseBlkioThrottle,
  parseFlatKeyed,
  pickFlatKeys,
  parseIoStat,
  parseMountInfo,
  parsePressure,
  parseSingle,
} from '../../src/cgroup/parse.js';
import { readingFromV1, readingFromV2 } from '../../src/cgroup/reading.js';
import { fixture, fixtureTree } from '../helpers.js';

describe('stat file parsers', () => {
  it('parses v1 cpu.stat', () => {
    expect(parseFlatKeyed(fixture('v1/cpu_cpu.stat'))).toEqual({
      nr_periods: 17,
      nr_throttled: 15,
      throttled_time: 1023371788,
      nr_bursts: 0,
      burst_time: 0,
    });
  });
  it('picks keys from anywhere in a flat-keyed file without prefix confusion', () => {
    const text = fixture('v1/memory_memory.stat');
    expect(pickFlatKeys(text, ['cache', 'total_pgmajfault', 'pgmajfault', 'absent'])).toEqual({
      cache: 12288,
      total_pgmajfault: 3,
      pgmajfault: 3,
    });
    expect(pickFlatKeys('rss 5\ntotal_rss 9\n', ['rss', 'total_rss'])).toEqual({ rss: 5, total_rss: 9 });
    expect(parseFlatKeyed('a 1\nb max\nc -1\nbad\n')).toEqual({ a: 1, b: Infinity, c: -1 });
  });
  it('parses single values and max', () => {
    expect(parseSingle('12345\n')).toBe(12345);
    expect(parseSingle('max\n')).toBe(Infinity);
    expect(parseSingle('')).toBeNull();
  });
  it('parses v1 blkio throttle tables, ignoring Sync/Async/Total', () => {
    expect(parseBlkioThrottle(fixture('v1/blkio_blkio.throttle.io_service_bytes'))).toEqual({ '254:0': { read: 667648, write: 4202496 } });
  });
  it('parses v2 io.stat per device', () => {
    expect(parseIoStat(fixture('v2/io.stat'))).toEqual({
      '254:0': { rbytes: 1048576, wbytes: 33554432, rios: 8, wios: 32 },
      '8:0': { rbytes: 4096, wbytes: 0, rios: 1, wios: 0 },
    });
  });
  it('parses PSI some and full', () => {
    expect(parsePressure(fixture('v2/cpu.pressure'))).toEqual({
      someAvg10: 88.12,
      someTotalUs: 2712000,
      fullAvg10: 87.9,
      fullTotalUs: 2700000,
    });
    expect(parsePressure('')).toBeNull();
  });
  it('parses mountinfo with escaped paths', () => {
    const [m] = parseMountInfo('40 30 0:37 / /mnt/with\\040space rw - ext4 /dev/sda1 rw,relatime\n');
    expect(m?.mountPoint).toBe('/mnt/with space');
    expect(m?.fsType).toBe('ext4');
  });
});

describe('layout detection', () => {
  it('sees this machine as hybrid with v1 controllers', () => {
    const l = layoutFromMountInfo(fixture('mountinfo-hybrid.txt'));
    expect(l.mode).toBe('hybrid');
    expect(l.driver).toBe('v1');
    expect(l.v1Mounts.cpu).toBe('/sys/fs/cgroup/cpu');
    expect(l.v1Mounts.blkio).toBe('/sys/fs/cgroup/blkio');
    expect(l.v2Mount).toBe('/sys/fs/cgroup/unified');
  });
  it('sees a unified host as v2', () => {
    const l = layoutFromMountInfo(fixture('mountinfo-v2.txt'));
    expect(l).toEqual({ mode: 'v2', driver: 'v2', v1Mounts: {}, v2Mount: '/sys/fs/cgroup' });
  });
  it('handles co-mounted cpu,cpuacct on legacy v1', () => {
    const l = layoutFromMountInfo(fixture('mountinfo-v1-cocpu.txt'));
    expect(l.mode).toBe('v1');
    expect(l.v1Mounts.cpu).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(l.v1Mounts.cpuacct).toBe('/sys/fs/cgroup/cpu,cpuacct');
  });
});

describe('normalised readings', () => {
  it('normalises a real v1 group (units: us, bytes)', () => {
    const r = readingFromV1(1, fixtureTree('v1'));
    expect(r.cpu).toEqual({
      usageUs: 310248.584,
      userUs: 170000,
      systemUs: 130000,
      nrPeriods: 17,
      nrThrottled: 15,
      throttledUs: 1023371.788,
      nrBursts: 0,
      burstUs: 0,
    });
    expect(r.memory?.oomKills).toBe(1);
    expect(r.memory?.majorFaults).toBe(3);
    expect(r.memory?.refaults).toBe(163);
    expect(r.memory?.reclaimed).toBeUndefined();
    expect(r.memory?.failcnt).toBeGreaterThan(0);
    expect(r.io?.['254:0']).toEqual({ rbytes: 667648, wbytes: 4202496, rios: expect.any(Number), wios: expect.any(Number) });
  });
  it('normalises a v2 group from the kernel formats', () => {
    const r = readingFromV2(5, fixtureTree('v2'));
    expect(r).toEqual({
      tNs: 5,
      cpu: {
        usageUs: 1003421,
        userUs: 998000,
        systemUs: 5421,
        nrPeriods: 30,
        nrThrottled: 29,
        throttledUs: 2712345,
        nrBursts: 0,
        burstUs: 0,
      },
      memory: {
        currentBytes: 67108864,
        peakBytes: 67112960,
        failcnt: 112,
        oomKills: 1,
        oomEvents: 1,
        highEvents: 0,
        majorFaults: 7,
        fileBytes: 1048576,
        anonBytes: 66060288,
        refaults: 12,
        reclaimed: 2801,
      },
      io: { '254:0': { rbytes: 1048576, wbytes: 33554432, rios: 8, wios: 32 }, '8:0': { rbytes: 4096, wbytes: 0, rios: 1, wios: 0 } },
      pids: { current: 3 },
      psi: {
        cpu: { someAvg10: 88.12, someTotalUs: 2712000, fullAvg10: 87.9, fullTotalUs: 2700000 },
        memory: { someAvg10: 1.5, someTotalUs: 45000, fullAvg10: 1.2, fullTotalUs: 40000 },
        io: { someAvg10: 0, someTotalUs: 0, fullAvg10: 0, fullTotalUs: 0 },
      },
    });
  });
  it('tolerates missing files', () => {
    expect(readingFromV2(1, {})).toEqual({ tNs: 1 });
  });
});
