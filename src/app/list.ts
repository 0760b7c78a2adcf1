// `cgbench list`: the built-in workloads with their parameters' defaults, the presets, and the runtimes.

import { WORKLOADS } from '../programs/registry.js';
import { RUNTIME_NAMES, RUNTIMES } from '../runtimes/registry.js';
import { listPresets } from '../scenario/load.js';

export function listText(): string {
  const lines = ['Workloads:'];
  for (const w of WORKLOADS) lines.push(`  ${w.kind.padEnd(8)} ${w.summary}\n  ${''.padEnd(8)} params: ${w.params}`);
  lines.push('', 'Presets (cgbench run --preset NAME):');
  for (const p of listPresets()) lines.push(`  ${p.name.padEnd(10)} ${p.description}`);
  lines.push('', "Runtimes (cgbench run --runtime NAME,...; a scenario's runtimes):");
  for (const name of RUNTIME_NAMES) lines.push(`  ${name.padEnd(10)} ${RUNTIMES[name]?.summary ?? ''}`);
  return lines.join('\n');
}

/** The presets' names, for `--preset` completion. */
export function presetNames(): string[] {
  return listPresets().map((p) => p.name);
}
