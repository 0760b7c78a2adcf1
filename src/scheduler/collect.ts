// The result document of a plan whose pods ran on a cluster, from their logs: each pod's run made as a
// local run is (runFromExit), in its cell at its repetition, the nodes they ran on as the host. Pure.

import { CgbenchError } from '../model/errors.js';
import type { HostInfo, NodeInfo, ResultDocument, Run } from '../model/types.js';
import { logTail, type PodLog, podExit } from '../runtimes/kubernetes/logs.js';
import { withLauncherHost } from '../runtimes/launcher.js';
import { newDocument } from './cells.js';
import type { Plan } from './plan.js';
import { refreshSummaries, runFromExit } from './suite.js';

export interface Collected {
  doc: ResultDocument;
  /** Planned indices no log was given for. */
  missing: number[];
}

const unique = (xs: string[]): string => [...new Set(xs)].join(', ');

/** The nodes as the document's host: one node as it is, several listed (the smallest CPU count, which
 *  the models use, and each run keeps its own node). */
export function clusterHost(nodes: NodeInfo[], tool: { version: string; nodeJs: string }): HostInfo {
  const cpus = nodes.map((n) => n.cpuCount).filter((n) => n > 0);
  const mem = nodes.map((n) => n.memoryBytes ?? 0).filter((n) => n > 0);
  const v2 = nodes.length > 0 && nodes.every((n) => n.cgroupVersion === 'v2');
  return {
    hostname: unique(nodes.map((n) => n.hostname)) || 'unknown',
    kernel: unique(nodes.map((n) => n.kernel)) || 'unknown',
    distro: 'Kubernetes node (not visible from a pod)',
    arch: unique(nodes.map((n) => n.arch ?? '')) || 'unknown',
    cpuModel: unique(nodes.map((n) => n.cpuModel ?? '')) || 'unknown',
    cpuCount: cpus.length ? Math.min(...cpus) : 0,
    memoryBytes: mem.length ? Math.min(...mem) : 0,
    cgroup: { mode: v2 ? 'v2' : 'v1', driver: v2 ? 'v2' : 'v1', controllers: [], root: '(each pod its own)' },
    node: tool.nodeJs,
    cgbenchVersion: tool.version,
  };
}

/** Each planned index's pod log; a log of another plan, of an index outside it, or twice, is refused. */
function byIndex(plan: Plan, pods: PodLog[]): Map<number, PodLog> {
  const out = new Map<number, PodLog>();
  const fix = "collect with the plan (or scenario and options) the pods ran, each pod's log once";
  for (const pod of pods) {
    const { plan: hash, index, cell } = pod.identity;
    const planned = plan.runs[index]?.identity;
    if (hash !== plan.hash) throw new CgbenchError('E_INPUT', `${pod.source} is a pod of plan ${hash}, not of plan ${plan.hash}`, fix);
    if (!planned || planned.cell !== cell)
      throw new CgbenchError('E_INPUT', `${pod.source}: run ${index} (${cell}) is not in plan ${plan.hash}`, fix);
    const seen = out.get(index);
    if (seen) throw new CgbenchError('E_INPUT', `run ${index} appears twice: in ${seen.source} and ${pod.source}`, fix);
    out.set(index, pod);
  }
  return out;
}

function podRun(plan: Plan, pod: PodLog): Run {
  const { identity } = pod;
  const cell = plan.cells.find((c) => c.id === identity.cell);
  if (!cell) throw new Error(`cell ${identity.cell} missing from its own plan`);
  const startedAt = new Date(pod.startedMs ?? 0).toISOString();
  const exit = podExit(pod);
  const base = { index: identity.repetition, warmup: identity.warmup, startedAt };
  const run: Run = exit
    ? runFromExit({ ...base, exit, cell, limits: cell.limits, timedOut: false, interrupted: false, scenario: plan.scenario })
    : {
        ...base,
        outcome: 'failed',
        message:
          "the pod's log ends before the launcher's report (killed by its deadline, an eviction or an OOM kill of the whole container?)",
        harnessWallNs: 0,
        ...(logTail(pod) ? { stderrTail: logTail(pod) } : {}),
      };
  // No harness watched the pod: its start-up and overhead are unknown, not zero.
  delete run.launchOverheadNs;
  // The pod helper's node record, with what the launcher saw where the helper's lacks it (the CPU model).
  if (pod.node) run.node = withLauncherHost(pod.node, exit?.report?.host);
  return run;
}

export function collectDocument(plan: Plan, pods: PodLog[], tool: { version: string; nodeJs: string }): Collected {
  const runs = new Map([...byIndex(plan, pods)].map(([index, pod]) => [index, podRun(plan, pod)]));
  const nodes = [...new Map([...runs.values()].flatMap((r) => (r.node ? [[r.node.hostname, r.node] as const] : []))).values()];
  const doc = newDocument(
    plan.scenario,
    clusterHost(nodes, tool),
    plan.cells.map((c) => ({ ...c, runs: [] })),
  );
  const cells = new Map(doc.cells.map((c) => [c.id, c]));
  const missing: number[] = [];
  for (const planned of plan.runs) {
    const run = runs.get(planned.identity.index);
    if (run) cells.get(planned.identity.cell)?.runs.push(run);
    else missing.push(planned.identity.index);
  }
  for (const cell of doc.cells) cell.runs.sort((a, b) => a.index - b.index);
  const started = doc.cells.flatMap((c) => c.runs.map((r) => r.startedAt)).sort();
  if (started[0]) doc.createdAt = started[0];
  doc.status = missing.length ? 'interrupted' : 'complete';
  doc.finishedAt = new Date().toISOString();
  refreshSummaries(doc);
  if (missing.length) {
    const got = plan.runs.length - missing.length;
    doc.warnings.push({
      code: 'interrupted',
      message: `${got} of ${plan.runs.length} planned runs collected; no log for run(s) ${missing.join(', ')}`,
      hint: `give every pod's log (kubectl logs -l cgbench/plan=${plan.hash} --prefix --tail=-1), or rerun those indices`,
    });
  }
  return { doc, missing };
}
