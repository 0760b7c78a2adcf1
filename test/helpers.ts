// Shared test helpers: fixture loading, root/cgroup gating for integration tests, and loop sizes measured on
// the machine the tests run on.

import { execFile, execFileSync } from 'node:child_process';
import { type Dirent, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { HostInfo } from '../src/model/types.js';
export { freePort } from '../src/runtimes/service.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = join(TEST_DIR, '..');
export const FIXTURES = join(TEST_DIR, 'fixtures');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Every file of a fixture directory, keyed as the readers expect ("controller/file" for v1). */
export function fixtureTree(dir: 'v1' | 'v2'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(FIXTURES, dir))) {
    const key = dir === 'v1' ? f.replace('_', '/') : f;
    out[key] = readFileSync(join(FIXTURES, dir, f), 'utf8');
  }
  return out;
}

export const isRoot = process.getuid?.() === 0;

/**
 * Cgroup directories named `name` anywhere under /sys/fs/cgroup (up to six levels down), not only at a
 * hierarchy's root: a relative --cgroup-parent lands under the daemon's own group where that group is not
 * the root (e.g. memory/<the starting shell's group>/<parent>).
 */
export function cgroupDirsNamed(name: string, dir = '/sys/fs/cgroup', depth = 6): string[] {
  if (depth === 0) return [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const path = join(dir, e.name);
      return [...(e.name === name ? [path] : []), ...cgroupDirsNamed(name, path, depth - 1)];
    });
}

let nsPerIteration: number | undefined;

/**
 * Busy-loop iterations (per thread) that take about `cpuSeconds` of one CPU here. Tests that need a run of
 * a given length (enough CFS periods, a neighbour that overlaps the whole run) size their loops with it:
 * one iteration costs 0.12 ns on one CPU this project runs on and 0.47 ns on another, so a fixed count is
 * a fixed length on one machine only. Measured once per test file: the fastest of three short loops.
 */
export function loopIterations(cpuSeconds: number): number {
  if (nsPerIteration === undefined) {
    const probe = 2 ** 28;
    const bin = join(ROOT_DIR, 'native', 'build', 'cgbench-cpu');
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const out = JSON.parse(execFileSync(bin, ['--iterations', String(probe)], { encoding: 'utf8' })) as { cpu_ns: number };
      best = Math.min(best, out.cpu_ns / probe);
    }
    nsPerIteration = best;
  }
  return Math.max(1, Math.round((cpuSeconds * 1e9) / nsPerIteration));
}

/**
 * A real program that tests check cgbench's output with (promtool, xmllint, a shell): its path, or null after
 * printing why the tests that need it skip and the Debian package that brings it (scripts/test-all.sh installs them).
 */
export function consumer(path: string, pkg: string, what: string): string | null {
  if (existsSync(path)) return path;
  console.log(`${what}: skipped, ${path} is missing (apt-get install -y ${pkg})`);
  return null;
}

/** native/protocol.h as data, read from the C source itself, so a test can hold the TypeScript side to it. */
export interface ProtocolHeader {
  /** Every `#define NAME <integer>`. */
  numbers: Record<string, number>;
  /** Every `#define NAME "text"`. */
  strings: Record<string, string>;
  /** Every `#define NAME { "a", "b" }`. */
  lists: Record<string, string[]>;
  /** The stat-file tables (CGB_V1_FILES, CGB_V2_FILES) as the report keys them. */
  statFiles: Record<'v1' | 'v2', { key: string; optional: boolean }[]>;
}

export function protocolHeader(): ProtocolHeader {
  // Comments hold example records and quotes: they are not part of the protocol's values.
  const text = readFileSync(join(ROOT_DIR, 'native', 'protocol.h'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const out: ProtocolHeader = { numbers: {}, strings: {}, lists: {}, statFiles: { v1: [], v2: [] } };
  for (const m of text.matchAll(/^#define (\w+) (.+)$/gm)) {
    const [, name = '', value = ''] = m;
    if (/^\d+$/.test(value)) out.numbers[name] = Number(value);
    else if (/^"[^"]*"$/.test(value)) out.strings[name] = value.slice(1, -1);
    else if (/^\{.*\}$/.test(value)) out.lists[name] = [...value.matchAll(/"([^"]*)"/g)].map((x) => x[1] ?? '');
  }
  for (const [driver, name] of [
    ['v1', 'CGB_V1_FILES'],
    ['v2', 'CGB_V2_FILES'],
  ] as const) {
    const table = new RegExp(`${name}\\[\\] = \\{([\\s\\S]*?)\\n\\};`).exec(text)?.[1] ?? '';
    for (const row of table.matchAll(/\{ (NULL|"[^"]+"), "([^"]+)", ([01]) \}/g)) {
      const [, controller = '', file = '', optional] = row;
      out.statFiles[driver].push({ key: controller === 'NULL' ? file : `${controller.slice(1, -1)}/${file}`, optional: optional === '1' });
    }
  }
  return out;
}

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A command run without blocking the test worker (spawnSync over a minute starves vitest's own messages and
 * fails the file with "Timeout calling onTaskUpdate"); resolves with its exit status whatever it is.
 */
export function runAsync(cmd: string, args: string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
    });
  });
}

/** The host a fake suite records (unit tests of the scheduler, sampling and fit), and its scratch disk. */
export const TEST_HOST: HostInfo = {
  hostname: 'test',
  kernel: '6.1.0',
  distro: 'Debian 12',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpuCount: 2,
  memoryBytes: 8 * 2 ** 30,
  cgroup: { mode: 'v2', driver: 'v2', controllers: ['cpu', 'memory', 'io', 'pids'], root: '/sys/fs/cgroup/cgbench' },
  node: 'v20',
  cgbenchVersion: '0.0.0-test',
};
export const TEST_DISK = { dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' };

/** A scenario written as `<dir>/<name>.json` for `cgbench run`; returns its path. */
export function writeScenario(dir: string, scenario: { name: string } & Record<string, unknown>): string {
  const file = join(dir, `${scenario.name}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}
