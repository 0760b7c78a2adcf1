// Reads a scenario from a YAML/JSON file or a preset in workloads/, then validates it.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CgbenchError } from '../model/errors.js';
import { PRESET_DIR } from '../model/paths.js';
import type { Scenario } from '../model/types.js';
import { pathReason, readUserFile } from '../model/user-files.js';
import { validateScenario } from './schema.js';

/** A scenario file bigger than this is not a scenario (and reading /dev/zero must not fill the memory). */
const MAX_SCENARIO_BYTES = 4 * 1024 * 1024;

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

/** A user's scenario file: read with a deadline, refused when it is a FIFO, a device or too big. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readUserFile(path, MAX_SCENARIO_BYTES);
  } catch (e) {
    throw new CgbenchError(
      'E_SCENARIO',
      `cannot read scenario ${path} (${pathReason(e)})`,
      'pass a YAML or JSON file, or use --preset NAME (see `cgbench list`)',
    );
  }
  return parseScenarioText(text, path);
}

/** A preset: one of cgbench's own files, read synchronously. */
function loadPresetFile(path: string): Scenario {
  return parseScenarioText(readFileSync(path, 'utf8'), path);
}

export function listPresets(): { name: string; description: string }[] {
  if (!existsSync(PRESET_DIR)) return [];
  return readdirSync(PRESET_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const s = loadPresetFile(join(PRESET_DIR, f));
      return { name: basename(f).replace(/\.ya?ml$/, ''), description: s.description ?? '' };
    });
}

export function loadPreset(name: string): Scenario {
  if (!/^[a-z0-9-]+$/.test(name)) throw new CgbenchError('E_SCENARIO', `unknown preset "${name}"`, 'see `cgbench list` for the presets');
  for (const ext of ['.yaml', '.yml']) {
    const path = join(PRESET_DIR, name + ext);
    if (existsSync(path)) {
      const s = loadPresetFile(path);
      return { ...s, source: `preset:${name}` };
    }
  }
  const names = listPresets()
    .map((p) => p.name)
    .join(', ');
  throw new CgbenchError('E_SCENARIO', `unknown preset "${name}"`, `available presets: ${names}`);
}
