// A scenario as a table of runs for an engine cgbench does not drive (a Kubernetes Indexed Job): every
// run of every cell, warm-ups first, numbered 0..N-1, each with the container command it runs. Pure:
// `cgbench plan` writes the table, `cgbench collect` makes it again to map the pods' logs back.

import { createHash } from 'node:crypto';
import { guessedRunMs } from '../analysis/expected.js';
import { ASSUMED_TICK_COST_US } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';
import { limitsLabel } from '../model/limits.js';
import { usesScratch } from '../model/params.js';
import type { Cell, Scenario } from '../model/types.js';
import { containerCommand } from '../runtimes/docker/command.js';
import type { PodIdentity } from '../runtimes/kubernetes/logs.js';
import { podResources } from '../runtimes/kubernetes/manifest.js';
import { expandCells, scenarioHash } from './cells.js';
import { cellKnobs } from './knobs.js';
import { where } from './preflight.js';
import { chooseSampling, launcherInGroup } from './sampling.js';
import { warmupOf } from './suite.js';

export interface PlannedRun {
  identity: PodIdentity;
  /** The container's command (the launcher and its workload) inside the image. */
  argv: string[];
}

/** Consecutive runs whose pods get the same resources: one Indexed Job. */
export interface RunGroup {
  resources: ReturnType<typeof podResources>;
  /** The limit sets of its cells, for people reading the manifest. */
  label: string;
  first: number;
  count: number;
}

export interface Plan {
  /** The scenario as collected: its cells are the kubernetes runtime's. */
  scenario: Scenario;
  cells: Cell[];
  runs: PlannedRun[];
  groups: RunGroup[];
  hash: string;
  /** Some workload writes files: the pod gets a scratch volume. */
  scratch: boolean;
}

/** The scenario whose cells run on a cluster: each workload and limit set once, whatever runtimes it names. */
function clusterScenario(s: Scenario): Scenario {
  return { ...s, runtimes: ['kubernetes'] };
}

const NO_NEIGHBOURS = 'neighbours (a plan runs one pod per run; native and docker can run them)';

/** Every limit a pod cannot express (the registry's kubernetes column, as `cgbench run` refuses for its
 *  runtimes), one line each; E_SCENARIO naming them all. What it runs without, each cell records. */
function refuseUnsupported(scenario: Scenario, cells: Cell[]): void {
  for (const c of cells) {
    const notApplied = cellKnobs(c, where(c)).notApplied;
    if (notApplied.length) c.notApplied = notApplied;
  }
  const problems = cells.flatMap((c) => [
    ...cellKnobs(c, where(c)).refused,
    // One pod per run: a neighbour would be another pod the plan cannot keep on the same node for the run's length.
    ...(c.neighbourSet ? [`workload "${c.workload}", neighbour set "${c.neighbourSet.name}": ${NO_NEIGHBOURS}`] : []),
    ...(c.params.kind === 'service'
      ? [`workload "${c.workload}": a service needs its load generator beside it (native runtime only)`]
      : []),
  ]);
  if (!problems.length) return;
  const head = problems.length === 1 ? problems[0] : `${problems.length} limits:\n  ${problems.join('\n  ')}`;
  throw new CgbenchError(
    'E_SCENARIO',
    `cannot plan ${scenario.source} for Kubernetes: ${head}`,
    'drop those limit sets, or run them with cgbench run',
  );
}

const resourcesKey = (c: Cell): string => JSON.stringify(podResources(c.limits) ?? {});

/** Cells in matrix order, those whose pods get the same resources together (stable): fewer Jobs. */
function byResources(cells: Cell[]): Cell[] {
  const keys = [...new Set(cells.map(resourcesKey))];
  return keys.flatMap((k) => cells.filter((c) => resourcesKey(c) === k));
}

function groupsOf(runs: { cell: Cell }[]): RunGroup[] {
  const groups: (RunGroup & { key: string; sets: Set<string> })[] = [];
  runs.forEach(({ cell }, i) => {
    const key = resourcesKey(cell);
    const last = groups[groups.length - 1];
    if (last?.key === key) {
      last.count++;
      last.sets.add(limitsLabel(cell.limits));
    } else
      groups.push({ key, resources: podResources(cell.limits), label: '', first: i, count: 1, sets: new Set([limitsLabel(cell.limits)]) });
  });
  return groups.map(({ key: _k, sets, ...g }) => ({ ...g, label: [...sets].join('; ') }));
}

/** The runs of a scenario on a cluster. Adaptive repetitions cannot be planned: the fixed count is. */
export function planRuns(base: Scenario): Plan {
  const scenario = clusterScenario(base);
  const cells = expandCells(scenario);
  refuseUnsupported(scenario, cells);
  const slots: { cell: Cell; repetition: number; warmup: boolean; argv: string[] }[] = [];
  for (const cell of byResources(cells)) {
    const warm = warmupOf(cell, scenario);
    // Nothing runs before the plan: the run length is a guess (the node's CPUs unknown) and the launcher's cost
    // the development VM's; in a pod it samples from inside the group.
    cell.sampling = chooseSampling(cell, scenario, {
      runMs: guessedRunMs(cell, { hostCpus: 1 }),
      tickCostUs: ASSUMED_TICK_COST_US,
      tickCostMeasured: false,
      container: launcherInGroup(cell.runtime),
    });
    const argv = containerCommand({ params: cell.params, sampleIntervalMs: cell.sampling.intervalMs, watchStdin: false });
    for (let r = 0; r < warm + scenario.repetitions; r++) slots.push({ cell, repetition: r, warmup: r < warm, argv });
  }
  const h = createHash('sha256').update(scenarioHash(scenario));
  for (const s of slots) h.update(JSON.stringify([s.cell.id, s.repetition, s.warmup, s.argv]));
  const hash = h.digest('hex').slice(0, 12);
  const runs = slots.map((s, index) => ({
    identity: { plan: hash, index, cell: s.cell.id, repetition: s.repetition, warmup: s.warmup },
    argv: s.argv,
  }));
  return { scenario, cells, runs, groups: groupsOf(slots), hash, scratch: cells.some((c) => usesScratch(c.params)) };
}

/** A run's entry in the pod's table (native/pod.c): the identity line, then each argument NUL-ended. */
export function tableEntry(run: PlannedRun): Buffer {
  return Buffer.from(`${JSON.stringify(run.identity)}\n${run.argv.map((a) => `${a}\0`).join('')}`, 'utf8');
}
