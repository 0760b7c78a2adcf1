// Where cgbench's own files are: the package root, the built native programs, the presets and the
// result schema. Computed once from this module's location (src/model or dist/model).

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Package root: src/model and dist/model are two levels below it. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The static C programs built by `npm run build` (CGBENCH_NATIVE_DIR overrides, e.g. for tests). */
export const NATIVE_DIR = process.env.CGBENCH_NATIVE_DIR ?? join(PACKAGE_ROOT, 'native', 'build');

/** Every native program cgbench runs: the launcher, the built-in workloads, the pod's entry point that picks
 *  a Kubernetes pod's run, the load generator and the echo server with a known service time (and so the
 *  workload image's contents). */
export const NATIVE_BINARIES = [
  'cgbench-launch',
  'cgbench-cpu',
  'cgbench-memory',
  'cgbench-io',
  'cgbench-latency',
  'cgbench-pod',
  'cgbench-load',
  'cgbench-echo',
] as const;
export type NativeBinary = (typeof NATIVE_BINARIES)[number];

/** Scenario presets (`cgbench run --preset NAME`). */
export const PRESET_DIR = join(PACKAGE_ROOT, 'workloads');

/** The JSON Schema of the result document. */
export const SCHEMA_PATH = join(PACKAGE_ROOT, 'schema', 'results.schema.json');

export function nativeBinary(name: NativeBinary, binDir = NATIVE_DIR): string {
  return join(binDir, name);
}

export function launcherPath(binDir = NATIVE_DIR): string {
  return nativeBinary('cgbench-launch', binDir);
}

/** The first program of a planned Kubernetes pod (native/pod.c). */
export function podEntryPath(binDir = NATIVE_DIR): string {
  return nativeBinary('cgbench-pod', binDir);
}
