// What can be checked about a suite before its first run, all at once, so a long suite never fails in
// its last cell for a reason known at the start: each runtime's own checks (a command's program exists
// where it will run, a limit it can express), every cpuset against the CPUs of the parent group, and every
// cluster cell's placement against the nodes there are.

import { CgbenchError } from '../model/errors.js';
import { cpuList } from '../model/limits.js';
import type { Cell, ResolvedLimits, RuntimeName, Scenario } from '../model/types.js';
import { clientMissing } from '../runtimes/client.js';
import type { NeighbourLaunch, PreflightItem, Runtime } from '../runtimes/runtime.js';
import type { CellKnobs } from './knobs.js';
import { placementOf, placementProblem } from './placement.js';

/** "2-7,9": a sorted CPU list written as the kernel writes one. */
export function cpuListText(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length;) {
    let j = i;
    while (j + 1 < cpus.length && (cpus[j + 1] as number) === (cpus[j] as number) + 1) j++;
    parts.push(i === j ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A cpuset naming CPUs the parent group lacks: the kernel would refuse it at the cell's first run. */
export function cpusetProblem(cpuset: string, available: string): string | null {
  if (!available) return null;
  const have = new Set(cpuList(available));
  const missing = cpuList(cpuset).filter((c) => !have.has(c));
  if (!missing.length) return null;
  const lacking = `CPU(s) ${cpuListText(missing)}, which the parent group does not have`;
  return `cpuset ${cpuset} names ${lacking} (it has ${available}; name CPUs among them)`;
}

/** Names a cell in a problem line. */
export function where(cell: Cell): string {
  return `workload "${cell.workload}", limit set "${cell.limitSet}" (${cell.runtime})`;
}

/** A neighbour cell's neighbours and shared parent, limits resolved before the first run. */
export interface Company {
  neighbours: NeighbourLaunch[];
  parent?: ResolvedLimits;
}

export interface PreflightContext {
  scenario: Scenario;
  cells: Cell[];
  resolved: Map<string, ResolvedLimits>;
  /** Each neighbour cell's neighbours with their limits resolved. */
  company?: Map<string, Company>;
  runtimes: Partial<Record<RuntimeName, Runtime>>;
  /** The parent group's CPUs ("0-1"), for cpusets; unchecked when absent. */
  availableCpus?: string;
  /** Each cell's limits against its runtime's column (knobs.ts): the refusals are problems. */
  knobs?: Map<string, CellKnobs>;
}

/** Every problem found, or none; throws one E_SCENARIO error listing them all. */
export async function preflight(ctx: PreflightContext): Promise<void> {
  const problems: string[] = [];
  // A refusal that holds for a workload on a runtime whatever its limits (its kind, image or server against what the
  // runtime can run, its neighbour set against a runtime without neighbours): said once, not for each cell.
  const said = new Set<string>();
  const once = (line: string): void => {
    if (!said.has(line)) problems.push(line);
    said.add(line);
  };
  for (const cell of ctx.cells) {
    // A service's client runs on this host whatever the runtime: without it the machine cannot drive the load (exit 3).
    const missing = cell.params.kind === 'service' ? clientMissing(cell.params) : null;
    if (missing) throw missing;
    problems.push(...(ctx.knobs?.get(cell.id)?.refused ?? []));
    const cpuset = cell.limits.cpuset;
    const p = cpuset !== undefined && ctx.availableCpus !== undefined ? cpusetProblem(cpuset, ctx.availableCpus) : null;
    if (p) problems.push(`${where(cell)}: ${p}`);
    const nodes = ctx.runtimes[cell.runtime]?.nodes;
    const placed = nodes ? placementProblem(nodes, placementOf(cell, ctx.scenario)) : null;
    if (placed) problems.push(`${where(cell)}: ${placed}`);
    const rt = ctx.runtimes[cell.runtime];
    const workload = `workload "${cell.workload}" (${cell.runtime})`;
    if (cell.params.kind === 'service' && rt && !rt.services)
      once(`${workload}: a service runs on the native, docker and podman runtimes (${cell.runtime} cannot drive it; use one of those)`);
    else if (cell.params.kind === 'service' && cell.params.image && rt && !rt.images)
      once(
        `${workload}: image: ${cell.params.image} runs a container image's entrypoint ` +
          `on docker or podman only (${cell.runtime} runs no images: use --runtime docker or podman, or give the service a command)`,
      );
    else if (cell.params.kind === 'service' && cell.params.server && rt && !rt.knownServers)
      once(
        `${workload}: server: ${cell.params.server} runs from this host's files on the native runtime only ` +
          `(${cell.runtime}: use --runtime native, or give the service image: with an nginx image of your own)`,
      );
    if (cell.neighbourSet && rt && !rt.neighbours)
      once(
        `${workload}, neighbour set "${cell.neighbourSet.name}": needs a runtime that runs neighbours beside a workload ` +
          `(native or docker; ${cell.runtime} runs one container per run)`,
      );
  }
  for (const name of ctx.scenario.runtimes) {
    const rt = ctx.runtimes[name];
    if (!rt?.preflight) continue;
    const items: PreflightItem[] = ctx.cells
      .filter((c) => c.runtime === name)
      .flatMap((c) => [
        { where: where(c), params: c.params, limits: ctx.resolved.get(c.id) as ResolvedLimits },
        ...(ctx.company?.get(c.id)?.neighbours ?? []).map((n) => ({
          where: `${where(c)}, neighbour "${n.spec.label}"`,
          params: n.spec.params,
          limits: n.limits,
        })),
      ]);
    problems.push(...(await rt.preflight(items)));
  }
  if (!problems.length) return;
  const head = problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`;
  throw new CgbenchError('E_SCENARIO', `cannot run ${ctx.scenario.source}, checked before the first run: ${head}`);
}
