// Shared test helpers: fixture loading and root/cgroup gating for integration tests.

import { type Dirent, readdirSync, readFileSync } from 'node:fs';
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
