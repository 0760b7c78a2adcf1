// Reads a scenario from a YAML/JSON file or a preset in workloads/, then validates it.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CgbenchError } from '../model/errors.js';
import { PRESET_DIR } from '../model/paths.js';
import type { Scenario } from '../model/types.js';
import { validateScenario } from './schema.js';

export function parseScenarioText(text: string, source: string): Scenario {
  let raw: unknown;
  try {
    raw = extname(source) === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new CgbenchError(
      'E_SCENARIO',
      `invalid scenario ${source}: not valid ${extname(source) === '.json' ? 'JSON' : 'YAML'}: ${msg}`,
      'fix the syntax at the position given',
    );
  }
  return validateScenario(raw, source);
}

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CgbenchError(
      'E_SCENARIO',
      `cannot read scenario ${path} (${(e as NodeJS.ErrnoException).code})`,
      'check the path, or use --preset NAME (see `cgbench list`)',
    );
  }
  return parseScenarioText(text, path);
}

export function listPresets(): { name: string; description: string }[] {
  if (!existsSync(PRESET_DIR)) return [];
  return readdirSync(PRESET_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const s = loadScenarioFile(join(PRESET_DIR, f));
      return { name: basename(f).replace(/\.ya?ml$/, ''), description: s.description ?? '' };
    });
}

export function loadPreset(name: string): Scenario {
  if (!/^[a-z0-9-]+$/.test(name)) throw new CgbenchError('E_SCENARIO', `unknown preset "${name}"`, 'see `cgbench list` for the presets');
  for (const ext of ['.yaml', '.yml']) {
    const path = join(PRESET_DIR, name + ext);
    if (existsSync(path)) {
      const s = loadScenarioFile(path);
      return { ...s, source: `preset:${name}` };
    }
  }
  const names = listPresets()
    .map((p) => p.name)
    .join(', ');
  throw new CgbenchError('E_SCENARIO', `unknown preset "${name}"`, `available presets: ${names}`);
}
