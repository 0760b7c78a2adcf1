// Shared test helpers: fixture loading and root/cgroup gating for integration tests.

import { readdirSync, readFileSync } from 'node:fs';
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
