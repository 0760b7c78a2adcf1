import { describe, expect, it } from 'vitest';
import { decideKnobs } from '../../src/runtimes/knob-rules.js';
import { parsePodmanInfo, ulimitFlags } from '../../src/runtimes/podman/engine.js';
import { PODMAN_KNOBS } from '../../src/runtimes/podman/entry.js';
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
});
