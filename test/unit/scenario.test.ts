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
    const w = s.workloads[0];
    expect(w?.params).toEqual({ kind: 'cpu', iterations: 2 ** 30, threads: 1 });
    expect(w?.limitSets.map((l) => l.name)).toEqual(['free', '0.50 CPU']);
    expect(w?.limitSets[1]?.limits.cpu).toEqual({ quotaUs: 50000, periodUs: 100000 });
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
