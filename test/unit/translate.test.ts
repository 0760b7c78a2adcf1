import { describe, expect, it } from 'vitest';
import { toV1Writes, toV2Writes } from '../../src/cgroup/translate.js';
import type { ResolvedLimits } from '../../src/model/types.js';

const all: ResolvedLimits = {
  cpu: { quotaUs: 10000, periodUs: 100000, burstUs: 5000 },
  memory: { maxBytes: 128 << 20, swapBytes: 0, highBytes: 100 << 20 },
  io: [{ device: 'scratch', major: 254, minor: 0, rbps: 50e6, wbps: 10e6, riops: 100, wiops: 200 }],
  pids: 64,
  cpuset: '0',
};

describe('limit translation', () => {
  it('maps every limit to v1 files in a kernel-safe order', () => {
    expect(toV1Writes(all, true)).toEqual([
      { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
      { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '10000' },
      { controller: 'cpu', file: 'cpu.cfs_burst_us', value: '5000' },
      { controller: 'memory', file: 'memory.limit_in_bytes', value: String(128 << 20) },
      { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(128 << 20) },
      { controller: 'blkio', file: 'blkio.throttle.read_bps_device', value: '254:0 50000000' },
      { controller: 'blkio', file: 'blkio.throttle.write_bps_device', value: '254:0 10000000' },
      { controller: 'blkio', file: 'blkio.throttle.read_iops_device', value: '254:0 100' },
      { controller: 'blkio', file: 'blkio.throttle.write_iops_device', value: '254:0 200' },
      { controller: 'pids', file: 'pids.max', value: '64' },
      { controller: 'cpuset', file: 'cpuset.cpus', value: '0' },
    ]);
  });
  // In the knob table's order; memory.high and memory.max do not depend on each other in a fresh group.
  it('maps every limit to v2 files', () => {
    expect(toV2Writes(all, true).map((w) => [w.file, w.value])).toEqual([
      ['cpu.max', '10000 100000'],
      ['cpu.max.burst', '5000'],
      ['memory.max', String(128 << 20)],
      ['memory.swap.max', '0'],
      ['memory.high', String(100 << 20)],
      ['io.max', '254:0 rbps=50000000 wbps=10000000 riops=100 wiops=200'],
      ['pids.max', '64'],
      ['cpuset.cpus', '0'],
    ]);
  });
  it('writes "max" / -1 for an unlimited quota and skips swap without accounting', () => {
    const l: ResolvedLimits = { cpu: { quotaUs: null, periodUs: 100000 }, memory: { maxBytes: 1 << 30, swapBytes: 1 << 20 } };
    expect(toV2Writes(l, false).map((w) => `${w.file}=${w.value}`)).toEqual(['cpu.max=max 100000', `memory.max=${1 << 30}`]);
    expect(toV1Writes(l, true).map((w) => `${w.file}=${w.value}`)).toEqual([
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=-1',
      `memory.limit_in_bytes=${1 << 30}`,
      `memory.memsw.limit_in_bytes=${(1 << 30) + (1 << 20)}`,
    ]);
  });
  it('writes only the io.max keys given', () => {
    expect(toV2Writes({ io: [{ device: '8:0', major: 8, minor: 0, wbps: 1000 }] }, true)).toEqual([
      { controller: '', file: 'io.max', value: '8:0 wbps=1000' },
    ]);
  });
});
