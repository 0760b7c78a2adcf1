import { describe, expect, it } from 'vitest';
import { cgroupParentFlag, engineIsLocal, execArgs, holderCommand, parentProblem } from '../../src/runtimes/docker/company.js';
import { neighbourRunId, parentRunId } from '../../src/runtimes/neighbours.js';
import { DockerRuntime } from '../../src/runtimes/docker/runtime.js';

const runtime = new DockerRuntime({
  docker: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }),
  bin: 'docker',
  hostArgs: [],
  image: 'cgbench-workloads:abc',
  info: { version: '26.1', storageDriver: 'overlay2', cgroupDriver: 'cgroupfs', cgroupVersion: '1' },
  startTimeoutMs: 1000,
});
const cpu = { kind: 'cpu' as const, iterations: 1000, threads: 2 };

describe('docker neighbours: names', () => {
  it('numbers every start of every neighbour under the run id', () => {
    expect(neighbourRunId('s1-c2-r0', 1, 3)).toBe('s1-c2-r0-n1-s3');
    expect(parentRunId('s1-c2-r0')).toBe('s1-c2-r0-parent');
  });
});

describe('docker neighbours: run arguments', () => {
  it('runs an own neighbour as a labelled cgbench container with its limits, unsampled', () => {
    const args = runtime.runArgs({
      runId: 'r-n0-s0',
      params: cpu,
      limits: { cpu: { quotaUs: 20000, periodUs: 100000 } },
      scratchDir: '/scratch-host',
    });
    expect(args.slice(0, 8)).toEqual(['run', '-i', '--name', 'cgbench-r-n0-s0', '--label', 'cgbench=1', '--label', 'cgbench.run=r-n0-s0']);
    expect(args).toContain('--cpu-quota');
    expect(args).not.toContain('--sample-interval-us');
    expect(args).not.toContain('--mount');
    expect(args.slice(args.indexOf('cgbench-workloads:abc') + 1)).toEqual([
      '/cgbench/bin/cgbench-launch',
      '--cgroup',
      'self',
      '--report',
      '-',
      '--ns',
      'none',
      '--watch-stdin',
      '--',
      '/cgbench/bin/cgbench-cpu',
      '--iterations',
      '1000',
      '--threads',
      '2',
    ]);
  });

  it('puts a container under a shared parent with --cgroup-parent before the image', () => {
    const args = runtime.runArgs({
      runId: 'r',
      params: cpu,
      limits: {},
      scratchDir: '/s',
      sampleIntervalMs: 100,
      cgroupParent: 'cgbench/r-parent',
    });
    const at = args.indexOf('--cgroup-parent');
    expect(args[at + 1]).toBe('/cgbench/r-parent');
    expect(at).toBeLessThan(args.indexOf('cgbench-workloads:abc'));
    expect(args).toContain('--sample-interval-us');
    expect(cgroupParentFlag('/cgbench/x')).toEqual(['--cgroup-parent', '/cgbench/x']);
  });

  it('runs the holder of same-container neighbours with the measured limits and the scratch mount its execs need', () => {
    const args = runtime.runArgs({
      runId: 'r',
      params: cpu,
      limits: { memory: { maxBytes: 64 << 20 } },
      scratchDir: '/scratch-host',
      command: holderCommand(),
      scratch: true,
    });
    expect(args).toContain('--memory');
    expect(args).toContain('--mount');
    const cmd = args.slice(args.indexOf('cgbench-workloads:abc') + 1);
    expect(cmd.slice(0, 8)).toEqual(['/cgbench/bin/cgbench-launch', '--cgroup', 'self', '--report', '-', '--ns', 'none', '--watch-stdin']);
    // An idle workload: one thread, 1 us of work a minute, for a day.
    expect(cmd.slice(8)).toEqual([
      '--',
      '/cgbench/bin/cgbench-latency',
      '--threads',
      '1',
      '--duration-ms',
      '86400000',
      '--work-us',
      '1',
      '--interval-us',
      '60000000',
    ]);
  });

  it('execs a container-mode launcher into the holder, sampled only for the measured run', () => {
    expect(execArgs('cgbench-r', cpu).slice(0, 4)).toEqual(['exec', '-i', 'cgbench-r', '/cgbench/bin/cgbench-launch']);
    expect(execArgs('cgbench-r', cpu)).not.toContain('--sample-interval-us');
    const measured = execArgs('cgbench-r', cpu, 10);
    expect(measured.slice(measured.indexOf('--sample-interval-us'), measured.indexOf('--sample-interval-us') + 2)).toEqual([
      '--sample-interval-us',
      '10000',
    ]);
    expect(measured).toContain('--watch-stdin');
  });

  it('refuses an unsafe run id', () => {
    expect(() => runtime.runArgs({ runId: '../x', params: cpu, limits: {}, scratchDir: '/s' })).toThrow(/not a valid container name/);
  });

  it('says it runs neighbours', () => {
    expect(runtime.neighbours).toBe(true);
  });
});

describe('docker neighbours: where a shared parent can be made', () => {
  const saved = process.env.DOCKER_HOST;
  it('takes a unix socket for this host and anything else for a remote engine', () => {
    delete process.env.DOCKER_HOST;
    expect(engineIsLocal()).toBe(true);
    expect(engineIsLocal('unix:///var/tmp/d/docker.sock')).toBe(true);
    expect(engineIsLocal('tcp://10.0.0.2:2375')).toBe(false);
    expect(engineIsLocal('ssh://me@box')).toBe(false);
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  });

  it('refuses a remote engine, the systemd driver, and a runtime without cgroups, each in one line', () => {
    const ok = { cgroupDriver: 'cgroupfs' };
    expect(parentProblem(ok, 'unix:///run/d.sock')).toBeNull();
    const remote = parentProblem(ok, 'tcp://10.0.0.2:2375');
    expect(remote).toMatch(/needs the Docker engine on this host, and tcp:\/\/10\.0\.0\.2:2375 is not a local socket/);
    const systemd = parentProblem({ cgroupDriver: 'systemd' }, 'unix:///run/d.sock');
    expect(systemd).toMatch(/cgroupfs cgroup driver, and unix:\/\/\/run\/d\.sock uses "systemd"/);
    expect(parentProblem(ok, 'unix:///run/d.sock', false)).toMatch(/needs this host's cgroups/);
    for (const p of [remote, systemd]) expect(p).not.toContain('\n');
  });

  it('refuses a run with a parent before it makes anything, on a remote engine', async () => {
    const calls: string[][] = [];
    const remote = new DockerRuntime({
      docker: (args) => {
        calls.push(args);
        return Promise.resolve({ code: 0, stdout: '', stderr: '' });
      },
      bin: '/nonexistent/docker',
      hostArgs: ['-H', 'tcp://10.0.0.2:2375'],
      image: 'cgbench-workloads:abc',
      info: { version: '26.1', storageDriver: 'overlay2', cgroupDriver: 'cgroupfs', cgroupVersion: '1' },
      startTimeoutMs: 1000,
      dockerHost: 'tcp://10.0.0.2:2375',
    });
    const req = { runId: 'r', params: cpu, limits: {}, scratchDir: '/s', sampleIntervalMs: 100, parent: { memory: { maxBytes: 1 << 28 } } };
    await expect(remote.launch(req)).rejects.toThrow(/tcp:\/\/10\.0\.0\.2:2375 is not a local socket/);
    expect(calls).toEqual([]);
  });
});
