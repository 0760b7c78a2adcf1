// The launcher's protocol on the TypeScript side: its command line, and its report parsed from real
// launcher output (recorded on a v1 host and in the v2 lab) into readings and series.
import { describe, expect, it } from 'vitest';
import type { NodeInfo, Reading } from '../../src/model/types.js';
import { launcherArgv, parseLauncherReport, parseReadyMarker, reportStart, withLauncherHost } from '../../src/runtimes/launcher.js';
import { derivePoint, deriveSeries } from '../../src/sampler/derive.js';
import { seriesFromReport } from '../../src/sampler/series.js';
import { fixture } from '../helpers.js';

const r = (tMs: number, cpu: Reading['cpu'], extra: Partial<Reading> = {}): Reading => ({ tNs: tMs * 1e6, cpu, ...extra });

describe('launcher command line', () => {
  const prog = { program: '/bin/true', args: ['-x'] };
  it('host mode on v1: one --cgroup-dir per hierarchy', () => {
    const argv = launcherArgv({
      group: { driver: 'v1', dirs: { cpu: '/c/x', memory: '/m/x' } },
      sampleIntervalMs: 20,
      report: '/r',
      ...prog,
    });
    expect(argv).toEqual([
      '--cgroup-dir',
      'cpu=/c/x',
      '--cgroup-dir',
      'memory=/m/x',
      '--sample-interval-us',
      '20000',
      '--report',
      '/r',
      '--',
      '/bin/true',
      '-x',
    ]);
  });
  it('host mode on v2, and container mode', () => {
    expect(launcherArgv({ group: { driver: 'v2', dir: '/g' }, ...prog }).slice(0, 2)).toEqual(['--cgroup-dir', '/g']);
    const argv = launcherArgv({ group: 'self', sampleIntervalMs: 1, report: '-', ns: 'none', watchStdin: true, ...prog });
    expect(argv).toEqual([
      '--cgroup',
      'self',
      '--sample-interval-us',
      '1000',
      '--report',
      '-',
      '--ns',
      'none',
      '--watch-stdin',
      '--',
      '/bin/true',
      '-x',
    ]);
  });
  it('reads the READY marker', () => {
    expect(parseReadyMarker('CGBENCH-READY 123456789\n')).toBe(123456789);
    expect(parseReadyMarker('CGBENCH-READYX 1')).toBeNull();
  });
});

describe('launcher report', () => {
  it('parses a real v1 report: group, readings (deltas carried forward), ticks and status', () => {
    const rep = parseLauncherReport(fixture('launcher/report-v1-host.txt'));
    expect(rep).not.toBeNull();
    if (!rep) return;
    expect(rep.group?.mode).toBe('host');
    expect(rep.group?.driver).toBe('v1');
    expect(Object.keys(rep.group?.files ?? {})).toContain('memory/memory.stat');
    expect(rep.ticks).toMatchObject({ intervalMs: 100, stride: 1 });
    expect(rep.samples.length).toBe(rep.ticks?.kept);
    expect(rep.samples.length).toBeGreaterThan(10);
    const all = [rep.before, ...rep.samples, rep.after] as Reading[];
    for (const x of all) {
      // Unchanged files are left out of SAMPLE lines; the parser carries them forward.
      expect(x.memory?.failcnt).toBeDefined();
      expect(x.cpu?.usageUs).toBeGreaterThanOrEqual(0);
    }
    for (let i = 1; i < all.length; i++) {
      expect((all[i] as Reading).tNs).toBeGreaterThan((all[i - 1] as Reading).tNs);
      expect((all[i] as Reading).cpu?.usageUs).toBeGreaterThanOrEqual((all[i - 1] as Reading).cpu?.usageUs ?? 0);
    }
    expect(rep.status).toMatchObject({ exitCode: 0, signal: null });
    expect(rep.status.wallNs).toBeGreaterThan(0);
    expect(rep.status.launcherCpuUs).toBeGreaterThan(0);
    expect(rep.status.error).toBeUndefined();
  });

  it('turns the report into a run series: CPU near the 20 % quota, throttled in nearly every period', () => {
    const rep = parseLauncherReport(fixture('launcher/report-v1-host.txt'));
    const s = rep ? seriesFromReport(rep) : null;
    expect(s?.tMs.length).toBe((rep?.samples.length ?? 0) + 1);
    // Intervals shorter than the 100 ms period can hold up to two quotas; weighted over the run the
    // group got its 20 %.
    const t = [0, ...(s?.tMs ?? [])];
    const cpu = (s?.series.cpuUsedCpus ?? []) as number[];
    const busy = cpu.reduce((sum, c, i) => sum + c * ((t[i + 1] as number) - (t[i] as number)), 0);
    expect(busy / (t.at(-1) as number)).toBeGreaterThan(0.18);
    expect(busy / (t.at(-1) as number)).toBeLessThan(0.25);
    for (const ratio of s?.series.throttleRatio ?? []) if (ratio !== null) expect(ratio).toBeGreaterThan(0.9);
    expect(s?.tick?.meanIntervalMs).toBeCloseTo(100, 0);
  });

  it('parses a real v2 report (recorded in the v2 lab): PSI and memory.peak, a 20 % quota', () => {
    const rep = parseLauncherReport(fixture('launcher/report-v2-host.txt'));
    expect(rep?.group).toMatchObject({ mode: 'host', driver: 'v2', missing: [] });
    expect(rep?.before?.psi?.cpu).toBeDefined();
    expect(rep?.after?.memory?.peakBytes).toBeGreaterThan(0);
    const s = rep ? seriesFromReport(rep) : null;
    expect(Object.keys(s?.series ?? {})).toEqual(
      expect.arrayContaining(['cpuUsedCpus', 'throttleRatio', 'psiCpuSome', 'memoryCurrentBytes']),
    );
    const used = (rep?.after?.cpu?.usageUs ?? 0) - (rep?.before?.cpu?.usageUs ?? 0);
    const wall = ((rep?.after?.tNs ?? 0) - (rep?.before?.tNs ?? 0)) / 1e3;
    expect(used / wall).toBeGreaterThan(0.18);
    expect(used / wall).toBeLessThan(0.22);
  });

  it('finds the report after the workload output and takes the last of several', () => {
    const text = fixture('launcher/report-v1-host.txt');
    const stream = `{"wall_ns":1}\nCGBENCH-REPORTING is not a marker\n${text}`;
    expect(reportStart(stream)).toBe(stream.indexOf('CGBENCH-REPORT 1'));
    expect(parseLauncherReport(stream)?.samples.length).toBeGreaterThan(10);
  });

  it('is null when the report is cut off, has another version or a broken line', () => {
    const text = fixture('launcher/report-v1-host.txt');
    expect(parseLauncherReport(text.replace('CGBENCH-END\n', ''))).toBeNull();
    expect(parseLauncherReport(text.replace('CGBENCH-REPORT 1', 'CGBENCH-REPORT 2'))).toBeNull();
    expect(parseLauncherReport(text.replace('CGBENCH-TICKS {', 'CGBENCH-TICKS {{'))).toBeNull();
    expect(parseLauncherReport('nothing here')).toBeNull();
  });

  it('reads where the launcher ran (its HOST line), and reports without one', () => {
    const rep = parseLauncherReport(fixture('launcher/report-v1-with-host.txt'));
    expect(rep?.host).toEqual({ kernel: '6.18.44-fc-v1045', cpuModel: 'Intel(R) Xeon(R) Processor', cpus: 2 });
    expect(rep?.status.exitCode).toBe(0);
    expect(rep?.after?.cpu?.usageUs).toBeGreaterThan(rep?.before?.cpu?.usageUs ?? Infinity);
    // Older launchers and failed launches print none: the report is whole without it.
    expect(parseLauncherReport(fixture('launcher/report-v1-host.txt'))?.host).toBeUndefined();
  });

  it("completes a node's record with the launcher's CPU model, keeping what the node says", () => {
    const host = { kernel: '6.1.0-9', cpuModel: 'Intel(R) Xeon(R) Processor', cpus: 1 };
    const node: NodeInfo = { hostname: 'n1', kernel: '6.1.0-9', cgroupVersion: 'v2', cpuCount: 8, engineVersion: '20.10.24' };
    expect(withLauncherHost(node, host)).toEqual({ ...node, cpuModel: 'Intel(R) Xeon(R) Processor' });
    expect(withLauncherHost({ ...node, cpuModel: 'Ampere Altra' }, host).cpuModel).toBe('Ampere Altra');
    expect(withLauncherHost({ ...node, kernel: '', cpuCount: 0 }, host)).toMatchObject({ kernel: '6.1.0-9', cpuCount: 1 });
    expect(withLauncherHost(node, { ...host, cpuModel: '' })).toEqual(node);
    expect(withLauncherHost(node, undefined)).toBe(node);
  });

  it("carries a failed launch's reason", () => {
    const rep = parseLauncherReport(
      '\nCGBENCH-REPORT 1\nCGBENCH-STATUS {"exit_code":null,"signal":null,"wall_ns":null,"error":"no group directory for the cpu controller"}\nCGBENCH-END\n',
    );
    expect(rep?.status).toEqual({ exitCode: null, signal: null, wallNs: 0, error: 'no group directory for the cpu controller' });
    expect(rep?.before).toBeUndefined();
    expect(rep && seriesFromReport(rep)).toBeNull();
  });

  it('reads the evidence for CPU cost: context switches, and each perf counter as a count or the reason it is none', () => {
    const status = {
      exit_code: 0,
      signal: null,
      wall_ns: 5,
      nvcsw: 3,
      nivcsw: 41,
      perf_counters: {
        cpu_migrations: { value: 7 },
        cycles: { value: 9000, counted_share: 0.5 },
        instructions: { value: null, reason: 'no hardware PMU on this machine: perf_event_open: No such file or directory' },
      },
    };
    const rep = parseLauncherReport(`CGBENCH-REPORT 1\nCGBENCH-STATUS ${JSON.stringify(status)}\nCGBENCH-END\n`);
    expect(rep?.status).toEqual({
      exitCode: 0,
      signal: null,
      wallNs: 5,
      voluntaryContextSwitches: 3,
      involuntaryContextSwitches: 41,
      perf: {
        cpuMigrations: { value: 7 },
        cycles: { value: 9000, countedShare: 0.5 },
        instructions: { value: null, reason: 'no hardware PMU on this machine: perf_event_open: No such file or directory' },
      },
    });
    // An older launcher's report has neither; a counter missing from the object is reported as missing, not as 0.
    const old = parseLauncherReport('CGBENCH-REPORT 1\nCGBENCH-STATUS {"exit_code":0,"signal":null,"wall_ns":5}\nCGBENCH-END\n');
    expect(old?.status.perf).toBeUndefined();
    const partial = parseLauncherReport(
      'CGBENCH-REPORT 1\nCGBENCH-STATUS {"exit_code":0,"signal":null,"wall_ns":5,"perf_counters":{}}\nCGBENCH-END\n',
    );
    expect(partial?.status.perf?.cycles).toEqual({ value: null, reason: 'the launcher reported no value' });
  });
});

describe('derived series', () => {
  it('computes CPU, throttling, memory, IO and PSI per interval', () => {
    const a: Reading = {
      tNs: 1e9,
      cpu: { usageUs: 1_000_000, nrPeriods: 10, nrThrottled: 9, throttledUs: 900_000 },
      memory: { currentBytes: 100, peakBytes: 200, majorFaults: 5 },
      io: { '254:0': { rbytes: 0, wbytes: 1_000_000, rios: 0, wios: 10 }, '8:0': { rbytes: 500, wbytes: 0, rios: 1, wios: 0 } },
      psi: { cpu: { someAvg10: 0, someTotalUs: 1_000_000, fullTotalUs: 500_000 } },
    };
    const b: Reading = {
      tNs: 1.5e9,
      cpu: { usageUs: 1_050_000, nrPeriods: 15, nrThrottled: 14, throttledUs: 1_350_000 },
      memory: { currentBytes: 150, peakBytes: 250, majorFaults: 55 },
      io: { '254:0': { rbytes: 0, wbytes: 6_000_000, rios: 0, wios: 15 }, '8:0': { rbytes: 1500, wbytes: 0, rios: 3, wios: 0 } },
      psi: { cpu: { someAvg10: 0, someTotalUs: 1_450_000, fullTotalUs: 600_000 } },
    };
    expect(derivePoint(a, b)).toEqual({
      cpuUsedCpus: 0.1,
      throttleRatio: 1,
      throttledMsPerSec: 900,
      periodsEnded: 5,
      throttledPeriods: 5,
      memoryCurrentBytes: 150,
      memoryPeakBytes: 250,
      majorFaultsPerSec: 100,
      ioReadBps: 2000,
      ioWriteBps: 10_000_000,
      ioReadIops: 4,
      ioWriteIops: 10,
      psiCpuSome: 90,
      psiCpuFull: 20,
      psiMemorySome: null,
      psiMemoryFull: null,
      psiIoSome: null,
      psiIoFull: null,
    });
  });
  it('gives null throttle ratio when no period elapsed and drops empty series', () => {
    const s = deriveSeries(
      [
        r(0, { usageUs: 0, nrPeriods: 3, nrThrottled: 3 }),
        r(20, { usageUs: 0, nrPeriods: 3, nrThrottled: 3 }),
        r(120, { usageUs: 10_000, nrPeriods: 4, nrThrottled: 4 }),
      ],
      0,
      20,
      3,
    );
    expect(s.tMs).toEqual([20, 120]);
    expect(s.series.throttleRatio).toEqual([null, 1]);
    expect(s.series.cpuUsedCpus).toEqual([0, 0.1]);
    expect(s.series.memoryCurrentBytes).toBeUndefined();
    expect(s.series.psiCpuSome).toBeUndefined();
  });
});
