import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedIoLimit, ResolvedLimits } from '../../src/model/types.js';
import { DOCKER_KNOBS } from '../../src/runtimes/docker/entry.js';
import { decideKnobs } from '../../src/runtimes/knob-rules.js';
import { bindMountFlag, toDockerFlags } from '../../src/runtimes/docker/flags.js';
import { dockerError } from '../../src/runtimes/docker/client.js';
import { makeTar } from '../../src/runtimes/docker/image.js';
import { devicePathOf } from '../../src/cgroup/disk.js';
import { parseDockerInfo } from '../../src/runtimes/docker/engine.js';

const dev = (major: number, minor: number): string => (major === 254 && minor === 0 ? '/dev/vda' : `/dev/x${major}_${minor}`);
const io = (o: Partial<ResolvedIoLimit>): ResolvedLimits => ({ io: [{ device: 'scratch', major: 254, minor: 0, ...o }] });
/** What the docker runtime's column of the knob table runs without, with the reasons. */
const dockerUnsupportedLimits = (l: ResolvedLimits): string[] => decideKnobs(DOCKER_KNOBS, l).map((d) => d.verdict.reason);

describe('docker run flags from limits', () => {
  const cases: { name: string; limits: ResolvedLimits; args: string[]; unsupported?: string[] }[] = [
    { name: 'no limits', limits: {}, args: [] },
    {
      name: 'the textbook quota',
      limits: { cpu: { quotaUs: 10000, periodUs: 100000 } },
      args: ['--cpu-period', '100000', '--cpu-quota', '10000'],
    },
    { name: 'no quota: period only', limits: { cpu: { quotaUs: null, periodUs: 100000 } }, args: ['--cpu-period', '100000'] },
    {
      name: 'cpus 1.5 at a 50 ms period',
      limits: { cpu: { quotaUs: 75000, periodUs: 50000 } },
      args: ['--cpu-period', '50000', '--cpu-quota', '75000'],
    },
    {
      name: 'cpu burst is not expressible',
      limits: { cpu: { quotaUs: 10000, periodUs: 100000, burstUs: 5000 } },
      args: ['--cpu-period', '100000', '--cpu-quota', '10000'],
      unsupported: ['cpu burst (docker run has no flag for cpu.cfs_burst_us / cpu.max.burst)'],
    },
    {
      name: 'memory: no swap by default',
      limits: { memory: { maxBytes: 32 << 20 } },
      args: ['--memory', '33554432', '--memory-swap', '33554432'],
    },
    {
      name: 'memory: swap 0',
      limits: { memory: { maxBytes: 32 << 20, swapBytes: 0 } },
      args: ['--memory', '33554432', '--memory-swap', '33554432'],
    },
    {
      name: 'memory: swap on top of max',
      limits: { memory: { maxBytes: 32 << 20, swapBytes: 16 << 20 } },
      args: ['--memory', '33554432', '--memory-swap', '50331648'],
    },
    {
      name: 'memory: unlimited swap',
      limits: { memory: { maxBytes: 32 << 20, swapBytes: null } },
      args: ['--memory', '33554432', '--memory-swap', '-1'],
    },
    { name: 'memory: no max', limits: { memory: { maxBytes: null } }, args: [] },
    {
      name: 'memory.high is not expressible',
      limits: { memory: { maxBytes: 64 << 20, highBytes: 48 << 20 } },
      args: ['--memory', '67108864', '--memory-swap', '67108864'],
      unsupported: ['memory.high (docker run has no flag for it; --memory-reservation is a soft limit, not reclaim throttling)'],
    },
    // Exact bytes: docker reads "10mb" as 10 MiB, so a suffix would silently change the limit.
    { name: 'write 10 MB/s', limits: io({ wbps: 10_000_000 }), args: ['--device-write-bps', '/dev/vda:10000000'] },
    { name: 'fractional rate is rounded', limits: io({ rbps: 1_500_000.4 }), args: ['--device-read-bps', '/dev/vda:1500000'] },
    {
      name: 'every IO throttle',
      limits: io({ rbps: 50e6, wbps: 10e6, riops: 100, wiops: 200 }),
      args: [
        '--device-read-bps',
        '/dev/vda:50000000',
        '--device-write-bps',
        '/dev/vda:10000000',
        '--device-read-iops',
        '/dev/vda:100',
        '--device-write-iops',
        '/dev/vda:200',
      ],
    },
    {
      name: 'two disks',
      limits: {
        io: [
          { device: 'scratch', major: 254, minor: 0, wbps: 1e6 },
          { device: '8:0', major: 8, minor: 0, rbps: 2e6 },
        ],
      },
      args: ['--device-write-bps', '/dev/vda:1000000', '--device-read-bps', '/dev/x8_0:2000000'],
    },
    { name: 'cpuset', limits: { cpuset: '0-1,3' }, args: ['--cpuset-cpus', '0-1,3'] },
    { name: 'pids', limits: { pids: 64 }, args: ['--pids-limit', '64'] },
    {
      name: 'everything, in a stable order',
      limits: {
        cpu: { quotaUs: 20000, periodUs: 100000 },
        memory: { maxBytes: 128 << 20 },
        io: [{ device: 'scratch', major: 254, minor: 0, wbps: 5e6 }],
        cpuset: '1',
        pids: 32,
      },
      args: [
        '--cpu-period',
        '100000',
        '--cpu-quota',
        '20000',
        '--memory',
        '134217728',
        '--memory-swap',
        '134217728',
        '--device-write-bps',
        '/dev/vda:5000000',
        '--cpuset-cpus',
        '1',
        '--pids-limit',
        '32',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const args = toDockerFlags(c.limits, dev);
      expect(args).toEqual(c.args);
      expect(dockerUnsupportedLimits(c.limits)).toEqual(c.unsupported ?? []);
      // Every flag value is its own array element: nothing for a shell to split.
      for (const a of args) expect(a).not.toMatch(/\s/);
    });
  }

  it('lists unsupported limits from unresolved limits too', () => {
    expect(dockerUnsupportedLimits({ memory: { maxBytes: null, swapBytes: 1 << 20 } })).toHaveLength(1);
    expect(dockerUnsupportedLimits({ cpu: { quotaUs: 1000, periodUs: 100000 } })).toEqual([]);
  });
});

describe('bind mounts', () => {
  it('passes plain paths as they are', () => {
    expect(bindMountFlag('/var/tmp', '/scratch')).toEqual(['--mount', 'type=bind,source=/var/tmp,target=/scratch']);
  });
  it('quotes CSV fields that contain commas, quotes or colons safely', () => {
    expect(bindMountFlag('/data/a,b', '/scratch')).toEqual(['--mount', 'type=bind,"source=/data/a,b",target=/scratch']);
    expect(bindMountFlag('/data/say "hi"', '/scratch')).toEqual(['--mount', 'type=bind,"source=/data/say ""hi""",target=/scratch']);
    expect(bindMountFlag('/data/a:b', '/scratch')).toEqual(['--mount', 'type=bind,source=/data/a:b,target=/scratch']);
  });
});

describe('device paths', () => {
  it('reads DEVNAME from the disk uevent', () => {
    const sys = mkdtempSync(join(tmpdir(), 'cgbench-sys-'));
    try {
      mkdirSync(join(sys, 'dev/block/259:0'), { recursive: true });
      writeFileSync(join(sys, 'dev/block/259:0/uevent'), 'MAJOR=259\nMINOR=0\nDEVNAME=nvme0n1\nDEVTYPE=disk\n');
      expect(devicePathOf(259, 0, sys)).toBe('/dev/nvme0n1');
      expect(() => devicePathOf(8, 0, sys)).toThrow(/no device node known for block device 8:0/);
    } finally {
      rmSync(sys, { recursive: true, force: true });
    }
  });
});

describe('docker info', () => {
  it('keeps engine version, storage driver, cgroup driver and version', () => {
    const json = JSON.stringify({
      ServerVersion: '20.10.24+dfsg1',
      Driver: 'overlay2',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: '1',
      NCPU: 2,
    });
    expect(parseDockerInfo(json)).toEqual({
      version: '20.10.24+dfsg1',
      storageDriver: 'overlay2',
      cgroupDriver: 'cgroupfs',
      cgroupVersion: '1',
    });
  });
  it('sees no engine in the client-only answer of an unreachable daemon', () => {
    expect(parseDockerInfo(JSON.stringify({ ServerVersion: '', Driver: '', ClientInfo: { Version: '28.2.2' } }))).toBeNull();
    expect(parseDockerInfo('not json')).toBeNull();
  });
});

describe('docker error messages', () => {
  it('keep the line that says what went wrong, not the --help footer', () => {
    expect(
      dockerError(
        "docker: Error response from daemon: Minimum memory limit allowed is 6MB\n\nRun 'docker run --help' for more information\n",
      ),
    ).toBe('Error response from daemon: Minimum memory limit allowed is 6MB');
    expect(dockerError('Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?\n')).toBe(
      'Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?',
    );
    expect(dockerError('')).toBe('');
  });
});

describe('image tarball', () => {
  it('writes ustar headers with valid checksums, root ownership and padded data', () => {
    const tar = makeTar([
      { name: 'tmp', mode: 0o1777 },
      { name: 'cgbench/bin/x', mode: 0o755, data: Buffer.from('hello') },
    ]);
    expect(tar.length).toBe(512 + 512 + 512 + 1024);
    const header = tar.subarray(0, 512);
    expect(header.toString('utf8', 0, 4)).toBe('tmp/');
    expect(header.toString('ascii', 100, 107)).toBe('0001777');
    expect(header.toString('ascii', 156, 157)).toBe('5');
    expect(header.toString('ascii', 257, 262)).toBe('ustar');
    const stored = parseInt(header.toString('ascii', 148, 154), 8);
    const copy = Buffer.from(header);
    copy.write('        ', 148, 'ascii');
    expect(stored).toBe(copy.reduce((s, b) => s + b, 0));
    const file = tar.subarray(512, 1024);
    expect(file.toString('ascii', 124, 135)).toBe('00000000005');
    expect(tar.toString('utf8', 1024, 1029)).toBe('hello');
  });
});
