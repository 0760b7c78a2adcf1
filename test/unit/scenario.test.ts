import { describe, expect, it } from 'vitest';
import { CgbenchError } from '../../src/model/errors.js';
import { parseBytes, parseDurationMs, parseRate } from '../../src/model/units.js';
import { listPresets, loadPreset, parseScenarioText } from '../../src/scenario/load.js';
import { validateScenario } from '../../src/scenario/schema.js';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CgbenchError);
    return (e as CgbenchError).message;
  }
  throw new Error('expected an error');
}

describe('units', () => {
  it.each([
    ['64M', 64 * 1024 ** 2],
    ['64MiB', 64 * 1024 ** 2],
    ['64MB', 64e6],
    ['1G', 1024 ** 3],
    ['4096', 4096],
    ['1.5k', 1536],
    ['abc', null],
  ])('parseBytes(%s)', (input, expected) => expect(parseBytes(input)).toBe(expected));
  it('parses rates and durations', () => {
    expect(parseRate('10MB/s')).toBe(10e6);
    expect(parseRate('10MiB/s')).toBe(10 * 1024 ** 2);
    expect(parseDurationMs('100ms')).toBe(100);
    expect(parseDurationMs('2s')).toBe(2000);
    expect(parseDurationMs('500us')).toBe(0.5);
    expect(parseDurationMs('soon')).toBeNull();
  });
});

describe('scenario validation', () => {
  it('fills defaults and puts the baseline first', () => {
    const s = validateScenario({ workloads: [{ name: 'loop', kind: 'cpu', limits: [{ cpus: 0.5 }, { name: 'free' }] }] }, 'x.yaml');
    expect(s.repetitions).toBe(3);
    expect(s.warmup).toBe(1);
    expect(s.sampleIntervalMs).toBe(100);
    expect(s.runtimes).toEqual(['native']);
    expect(s.order).toBe('interleaved');
    const w = s.workloads[0];
    expect(w?.params).toEqual({ kind: 'cpu', iterations: 2 ** 30, threads: 1 });
    expect(w?.limitSets.map((l) => l.name)).toEqual(['free', '0.50 CPU']);
    expect(w?.limitSets[1]?.limits.cpu).toEqual({ quotaUs: 50000, periodUs: 100000 });
  });
  it('order: interleaved or sequential, anything else named with both', () => {
    const w = [{ name: 'loop', kind: 'cpu' }];
    expect(validateScenario({ order: 'sequential', workloads: w }, 'x').order).toBe('sequential');
    const msg = errorOf(() => validateScenario({ order: 'random', workloads: w }, 'o.yaml'));
    expect(msg).toMatch(/o\.yaml: order: order is interleaved .* or sequential/);
  });
  it('adds an unlimited baseline when none is given', () => {
    const s = validateScenario(
      { workloads: [{ name: 'w', kind: 'io', params: { mode: 'read' }, limits: [{ io: [{ rbps: '10MB/s' }] }] }] },
      'x',
    );
    expect(s.workloads[0]?.limitSets.map((l) => l.name)).toEqual(['unlimited', 'read 10 MB/s']);
    expect(s.workloads[0]?.limitSets[1]?.limits.io).toEqual([{ device: 'scratch', rbps: 10e6 }]);
  });
  it('names the file, the field and the fix for a bad field', () => {
    const msg = errorOf(() =>
      validateScenario({ workloads: [{ name: 'w', kind: 'cpu', limits: [{ cpu: { quota: 10, period: 100000 } }] }] }, 'my.yaml'),
    );
    expect(msg).toContain('my.yaml');
    expect(msg).toContain('workloads[0].limits[0].cpu.quota');
    expect(msg).toContain('1000 us');
  });
  it('rejects unknown keys, unknown kinds and bad sizes together', () => {
    const msg = errorOf(() =>
      validateScenario(
        {
          repetitons: 3,
          workloads: [
            { name: 'a', kind: 'gpu' },
            { name: 'b', kind: 'memory', limits: [{ memory: { max: 'lots' } }] },
          ],
        },
        's.yaml',
      ),
    );
    expect(msg).toContain("'repetitons'");
    expect(msg).toContain('workloads[0].kind');
    expect(msg).toContain('workloads[1].limits[0].memory.max');
    expect(msg).toContain('"lots" is not a memory size');
  });
  it('checks params per kind', () => {
    const msg = errorOf(() =>
      validateScenario({ workloads: [{ name: 'a', kind: 'io', params: { mode: 'append', blockKib: 6 } }] }, 's.yaml'),
    );
    expect(msg).toContain('workloads[0].params.mode');
    expect(msg).toContain('workloads[0].params.blockKib: blockKib must be a multiple of 4');
  });
  it('requires an argument array for command workloads', () => {
    expect(errorOf(() => validateScenario({ workloads: [{ name: 'c', kind: 'command' }] }, 's'))).toContain('workloads[0].command');
    const s = validateScenario({ workloads: [{ name: 'c', kind: 'command', command: ['/bin/true', '--x'] }] }, 's');
    expect(s.workloads[0]?.params).toEqual({ kind: 'command', argv: ['/bin/true', '--x'] });
  });
  it('rejects duplicate names and conflicting cpu forms', () => {
    const msg = errorOf(() =>
      validateScenario(
        {
          workloads: [
            {
              name: 'a',
              kind: 'cpu',
              limits: [
                { name: 'x', cpus: 1 },
                { name: 'x', cpus: 1, cpu: { quota: 5000 } },
              ],
            },
            { name: 'a', kind: 'cpu' },
          ],
        },
        's',
      ),
    );
    expect(msg).toContain('"x" is used twice');
    expect(msg).toContain('either cpus or cpu');
    expect(msg).toContain('workloads[1].name: "a" is used twice');
  });
  it('reports YAML syntax errors with the file name', () => {
    expect(errorOf(() => parseScenarioText('workloads: [\n  - name: x', 'broken.yaml'))).toMatch(/broken\.yaml: not valid YAML/);
  });
  it('loads every preset', () => {
    const names = listPresets().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['quick', 'seed']));
    const seed = loadPreset('seed');
    expect(seed.workloads[0]?.limitSets.map((l) => l.limits.cpu)).toEqual([
      { quotaUs: null, periodUs: 100000 },
      { quotaUs: 10000, periodUs: 100000 },
    ]);
    expect(errorOf(() => loadPreset('../etc'))).toContain('unknown preset');
  });
});

describe('every way of writing a limit is held to the same rules', () => {
  const limitsOf = (limits: unknown[], kind = 'memory', params: object = {}, extra: object = {}) =>
    validateScenario({ ...extra, workloads: [{ name: 'w', kind, params, limits }] }, 's.yaml');
  const problem = (limits: unknown[], kind = 'memory', params: object = {}, extra: object = {}) =>
    errorOf(() => limitsOf(limits, kind, params, extra));

  it('memory: the short form, max and high meet the same 1 MiB floor', () => {
    for (const m of [100, 0, '512K', { max: 100 }, { max: '64M', high: '100K' }]) {
      expect(problem([{ memory: m }]), JSON.stringify(m)).toMatch(/is below 1 MiB, where no workload can run; write e\.g\. 64M/);
    }
    expect(limitsOf([{ memory: '64M' }]).workloads[0]?.limitSets[1]?.limits.memory).toEqual({ maxBytes: 64 * 2 ** 20 });
    expect(problem([{ memory: {} }])).toMatch(/memory: limits nothing \(give max or high/);
    expect(problem([{ memory: { max: '64M', high: '128M' } }])).toMatch(/high \(128 MiB\) above max \(64.0 MiB\) never triggers/);
  });

  it('cpu: cpus, cpu.cpus and a quota agree on the kernel minimum, and cannot be mixed', () => {
    // One rule (the knob table's), whichever way the quota was written.
    expect(problem([{ cpus: 0.001 }], 'cpu')).toMatch(/cpu\.quota: a quota of 100 us is below the kernel's 1000 us minimum/);
    expect(problem([{ cpu: { cpus: 0.001 } }], 'cpu')).toMatch(/quota of 100 us is below the kernel's 1000 us minimum/);
    expect(problem([{ cpu: { quota: 500 } }], 'cpu')).toMatch(/cpu\.quota: a quota of 500 us is below the kernel's 1000 us minimum/);
    expect(problem([{ cpu: { cpus: 0.5, quota: 10000 } }], 'cpu')).toMatch(/cpu: give either cpus or quota, not both/);
    expect(problem([{ cpu: { quota: 10000, burst: 20000 } }], 'cpu')).toMatch(/refuses a burst \(20000 us\) above the quota/);
    expect(problem([{ cpu: { burst: 1000 } }], 'cpu')).toMatch(/a burst needs a quota/);
  });

  it('cpuset ranges must go up', () => {
    expect(problem([{ cpuset: '3-1' }], 'cpu')).toMatch(/cpuset: a range must go up, like "1-3"/);
    expect(limitsOf([{ cpuset: '0-1,3' }], 'cpu').workloads[0]?.limitSets[1]?.limits.cpuset).toBe('0-1,3');
  });

  it('no field answers a bare "Invalid input": every wrong type names the field and what to write', () => {
    const wrong: [unknown[], RegExp][] = [
      [[{ memory: true }], /memory: write a size such as 64M, or \{ max, swap, high \}/],
      [[{ memory: '64X' }], /memory\.max: "64X" is not a memory size/],
      [[{ memory: { max: [1] } }], /memory\.max: \[1\] is not a memory size/],
      [[{ memory: { swap: true, max: '64M' } }], /memory\.swap: true is not a swap size/],
      [[{ cpu: 0.5 }], /cpu: write \{ quota, period \} in microseconds, or the short form cpus: 0\.5/],
      [[{ cpu: { quota: 'lots' } }], /cpu\.quota: "lots": not a quota; write microseconds per period/],
      [[{ cpus: 'half' }], /cpus: write a number of CPUs such as 0\.5/],
      [[{ io: { wbps: 1 } }], /io: write a list of throttles/],
      [[{ io: [{ wbps: true }] }], /io\[0\]\.wbps: true is not a positive rate/],
      [[{ io: [{ riops: '10' }] }], /io\[0\]\.riops: write IO operations per second as a number/],
      [[{ pids: 'many' }], /pids: write a number of tasks/],
      [[{ cpuset: 1 }], /cpuset: write CPUs as text/],
      [[{ expect: 'banana' }], /expect\[0\]: "banana" is not an outcome; write ok, oom-killed, failed, timeout/],
      [[{ expect: 3 }], /expect: write an outcome/],
      [['x'], /limits\[0\]: write a limit set as/],
    ];
    for (const [limits, message] of wrong) {
      const msg = problem(limits);
      expect(msg, JSON.stringify(limits)).toMatch(message);
      expect(msg).not.toContain('Invalid input');
    }
    for (const extra of [{ timeout: true }, { sampleInterval: [] }, { adaptive: { target: false } }]) {
      const msg = problem([{}], 'cpu', {}, extra);
      expect(msg).toMatch(/is not a (duration|relative interval)/);
      expect(msg).not.toContain('Invalid input');
    }
    expect(errorOf(() => validateScenario(null, 'empty.yaml'))).toMatch(/empty\.yaml: the file is empty/);
  });

  it('expect: one outcome or a list, kept on the limit set', () => {
    const s = limitsOf([
      { memory: '64M', expect: 'oom-killed' },
      { name: 'b', memory: '100M', expect: ['ok', 'oom-killed'] },
    ]);
    expect(s.workloads[0]?.limitSets.map((l) => l.expect)).toEqual([undefined, ['oom-killed'], ['ok', 'oom-killed']]);
  });

  it('refuses limits whose runs cannot succeed, unless the limit set expects it', () => {
    const io = { mode: 'write', mib: 32 };
    expect(problem([{ io: [{ wbps: 10 }] }], 'io', io)).toMatch(
      /io\[0\]\.wbps: the write of 32 MiB needs at least .* at this rate, beyond the 120 s time-out \(raise the rate or timeout, or expect: timeout\)/,
    );
    expect(problem([{ io: [{ wiops: 1 }] }], 'io', io, { timeout: '10s' })).toMatch(/io\[0\]\.wiops: .* beyond the 10\.00 s time-out/);
    expect(() => limitsOf([{ io: [{ wbps: 10 }], expect: 'timeout' }], 'io', io)).not.toThrow();
    // The throttle's initial allowance (one slice) is granted: 32 MiB at 1 MB/s is 33.5 s minus 0.1 s.
    expect(() => limitsOf([{ io: [{ wbps: '1MB/s' }] }], 'io', io, { timeout: '34s' })).not.toThrow();
    expect(problem([{ pids: 4 }], 'cpu', { threads: 4 })).toMatch(/pids: 4 task\(s\) leave no room for the workload's 4 thread\(s\)/);
    expect(() => limitsOf([{ pids: 4, expect: 'failed' }], 'cpu', { threads: 4 })).not.toThrow();
    expect(problem([{}], 'latency', { durationMs: 5000 }, { timeout: '2s' })).toMatch(
      /params\.durationMs: every run lasts 5\.00 s, beyond the 2\.00 s time-out/,
    );
  });
});
