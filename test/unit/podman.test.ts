import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CgbenchError } from '../../src/model/errors.js';
import { ownerPid } from '../../src/model/owner.js';
import { DockerRuntime } from '../../src/runtimes/docker/runtime.js';
import { decideKnobs } from '../../src/runtimes/knob-rules.js';
import { parsePodmanInfo, ulimitFlags } from '../../src/runtimes/podman/engine.js';
import { PODMAN_KNOBS } from '../../src/runtimes/podman/entry.js';
import { defaultParentName } from '../../src/runtimes/podman/runtime.js';
import { RUN_RUNTIMES, runtimeEntry } from '../../src/runtimes/registry.js';

/** /proc/self/limits as Linux writes it (columns padded to 26, 21, 21 characters). */
const limits = (nofile: string, nproc: string): string =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max processes             ${nproc.padEnd(21)}${nproc.padEnd(21)}processes `,
    `Max open files            1024                 ${nofile.padEnd(21)}files     `,
  ].join('\n');

describe('podman', () => {
  it('holds nofile and nproc at the hard limits, and nproc at most at 32768 processes', () => {
    expect(ulimitFlags(limits('20000', '96367'))).toEqual(['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768']);
    expect(ulimitFlags(limits('4096', '1000'))).toEqual(['--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=1000:1000']);
    expect(ulimitFlags(limits('unlimited', 'unlimited'))).toEqual(['--ulimit', 'nofile=1048576:1048576', '--ulimit', 'nproc=32768:32768']);
  });

  it("records `podman info`'s engine as the document keeps engines (cgroup version as Docker says it)", () => {
    const info = JSON.stringify({
      host: { cgroupManager: 'cgroupfs', cgroupVersion: 'v1' },
      store: { graphDriverName: 'overlay' },
      version: { Version: '4.3.1' },
    });
    expect(parsePodmanInfo(info)).toEqual({
      name: 'Podman',
      version: '4.3.1',
      storageDriver: 'overlay',
      cgroupDriver: 'cgroupfs',
      cgroupVersion: '1',
    });
    expect(parsePodmanInfo('Error: no podman')).toBeNull();
    expect(parsePodmanInfo('{}')).toBeNull();
  });

  it('is a runtime cgbench run starts, with what podman run cannot set run without and named', () => {
    expect(RUN_RUNTIMES).toContain('podman');
    expect(runtimeEntry('podman')?.measuresHost({})).toBe(true);
    const skipped = decideKnobs(PODMAN_KNOBS, { cpu: { quotaUs: 10000, periodUs: 100000, burstUs: 5000 }, ioWeight: 5, pids: 64 });
    expect(skipped.map((d) => [d.knob, d.verdict.do])).toEqual([
      ['cpuBurst', 'skip'],
      ['ioWeight', 'skip'],
    ]);
  });

  it("puts a container without a shared parent in cgbench's default parent, never podman's libpod_parent", () => {
    const name = defaultParentName(4242);
    // Named as a suite's groups are: clean and run tell a killed cgbench's default parent by its pid.
    expect(name).toMatch(/^p4242-[0-9a-f]{6}-podman$/);
    expect(ownerPid(name)).toBe(4242);
    const podman = new DockerRuntime({
      runtime: 'podman',
      docker: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }),
      bin: 'podman',
      hostArgs: [],
      image: 'cgbench-workloads:abc',
      info: { version: '4.3.1', storageDriver: 'overlay', cgroupDriver: 'cgroupfs', cgroupVersion: '1' },
      startTimeoutMs: 1000,
      defaultParent: name,
    });
    const run = { runId: 'r', params: { kind: 'cpu' as const, iterations: 1000, threads: 1 }, limits: {}, scratchDir: '/s' };
    const parentOf = (args: string[]): string | undefined => args[args.indexOf('--cgroup-parent') + 1];
    expect(parentOf(podman.runArgs(run))).toBe(`/cgbench/${name}`);
    // A shared parent (neighbours) is the container's parent instead.
    expect(parentOf(podman.runArgs({ ...run, cgroupParent: 'cgbench/r-parent' }))).toBe('/cgbench/r-parent');
  });

  it("names podman's own command when a container does not start, not docker's", async () => {
    // A real client program that fails as podman does on a bad flag (exit 125, its error on stderr), or silently.
    const dir = mkdtempSync(join(tmpdir(), 'cgbench-podman-unit-'));
    const client = (name: string, script: string): string => {
      mkdirSync(join(dir, name));
      const bin = join(dir, name, 'podman');
      writeFileSync(bin, `#!/bin/sh\n${script}\n`);
      chmodSync(bin, 0o755);
      return bin;
    };
    const launch = (bin: string): Promise<unknown> =>
      new DockerRuntime({
        runtime: 'podman',
        docker: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }),
        bin,
        hostArgs: [],
        image: 'cgbench-workloads:abc',
        info: { version: '4.3.1', storageDriver: 'overlay', cgroupDriver: 'cgroupfs', cgroupVersion: '1' },
        startTimeoutMs: 10_000,
      }).launch({ runId: 'r', params: { kind: 'cpu', iterations: 1000, threads: 1 }, limits: {}, scratchDir: '/s', sampleIntervalMs: 100 });
    try {
      const failed = await launch(client('loud', 'echo "Error: invalid argument \\"x\\" for \\"--cpu-quota\\" flag" >&2; exit 125')).catch(
        (e: unknown) => e,
      );
      expect(failed).toBeInstanceOf(CgbenchError);
      expect((failed as CgbenchError).message).toBe('podman run failed for cgbench-r: Error: invalid argument "x" for "--cpu-quota" flag');
      const silent = await launch(client('silent', 'exit 125')).catch((e: unknown) => e);
      expect((silent as CgbenchError).message).toBe('podman run failed for cgbench-r: podman run exited 125 before the container started');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
