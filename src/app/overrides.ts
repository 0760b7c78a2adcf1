// The scenario a run uses: a file or a preset, with the command line's overrides applied and checked
// against the same rules as the scenario file's settings.

import { SCENARIO_DEFAULTS } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import type { RunOrder, RuntimeName, Scenario } from '../model/types.js';
import { RUN_RUNTIMES, runtimeEntry } from '../runtimes/registry.js';
import { loadPreset, loadScenarioFile } from '../scenario/load.js';

/** What the command line can change about a scenario. */
export interface ScenarioOverrides {
  preset?: string;
  repetitions?: number;
  warmup?: number;
  runtime?: RuntimeName[];
  scratch?: string;
  /** One interval for every cell, or auto: each cell's chosen for it. */
  sampleInterval?: number | 'auto';
  order?: RunOrder;
  /** Adaptive repetitions: target relative half-width of the median's interval (0.02 = ±2 %). */
  targetCi?: number;
  maxRepetitions?: number;
}

/** A scenario's runtimes must be ones `cgbench run` starts (the registry's `run` entries). */
function checkRuntimes(s: Scenario): void {
  const problems = s.runtimes.flatMap((name, i) => {
    const entry = runtimeEntry(name);
    if (entry?.mode === 'run') return [];
    const why = entry ? 'is planned and collected, not run (see `cgbench plan`)' : 'is not a runtime';
    return [`runtimes[${i}]: "${name}" ${why}; choose from ${RUN_RUNTIMES.join(', ')}`];
  });
  if (problems.length) throw new CgbenchError('E_SCENARIO', `invalid scenario ${s.source}: ${problems.join('; ')}`);
}

export async function resolveScenario(file: string | undefined, o: ScenarioOverrides): Promise<Scenario> {
  if (file && o.preset) throw new CgbenchError('E_INPUT', 'give either a scenario file or --preset, not both', 'drop one of them');
  const base = file ? await loadScenarioFile(file) : loadPreset(o.preset ?? SCENARIO_DEFAULTS.preset);
  const s: Scenario = { ...base };
  if (o.repetitions !== undefined) s.repetitions = o.repetitions;
  // --warmup is for every workload, also those whose own count differs.
  if (o.warmup !== undefined) {
    s.warmup = o.warmup;
    s.workloads = s.workloads.map(({ warmup: _own, ...w }) => w);
  }
  if (o.runtime) s.runtimes = o.runtime;
  checkRuntimes(s);
  if (o.scratch) s.scratchDir = o.scratch;
  if (o.sampleInterval === 'auto') {
    s.sampling = 'per-cell';
    s.sampleIntervalMs = SCENARIO_DEFAULTS.coarseSampleIntervalMs;
  } else if (o.sampleInterval !== undefined) {
    s.sampling = 'fixed';
    s.sampleIntervalMs = o.sampleInterval;
  }
  if (o.order !== undefined) s.order = o.order;
  if (o.targetCi !== undefined || o.maxRepetitions !== undefined) {
    const targetRel = o.targetCi ?? s.adaptive?.targetRel ?? SCENARIO_DEFAULTS.adaptiveTargetRel;
    const maxRepetitions = o.maxRepetitions ?? s.adaptive?.maxRepetitions ?? SCENARIO_DEFAULTS.adaptiveMaxRepetitions;
    if (maxRepetitions < s.repetitions) {
      throw new CgbenchError(
        'E_INPUT',
        `--max-repetitions ${maxRepetitions} is below the repetitions (${s.repetitions})`,
        'raise --max-repetitions or lower --repetitions',
      );
    }
    // The scenario's budget stays: the command line sets the target and the cap, not where extra runs are cheap.
    s.adaptive = { ...s.adaptive, targetRel, maxRepetitions };
  }
  return s;
}
