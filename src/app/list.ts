// `cgbench list`: the built-in workloads with their parameters' defaults, and the presets.

import { WORKLOADS } from '../programs/registry.js';
import { listPresets } from '../scenario/load.js';

export function listText(): string {
  const lines = ['Workloads:'];
  for (const w of WORKLOADS) lines.push(`  ${w.kind.padEnd(8)} ${w.summary}\n  ${''.padEnd(8)} params: ${w.params}`);
  lines.push('', 'Presets (cgbench run --preset NAME):');
  for (const p of listPresets()) lines.push(`  ${p.name.padEnd(8)} ${p.description}`);
  return lines.join('\n');
}
