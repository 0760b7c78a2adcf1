// `cgbench plan --target kubernetes`: the scenario's runs as a ConfigMap and Indexed Jobs for kubectl,
// written to a file or stdout, with what to do next on stderr. Nothing here talks to a cluster.

import { stringify } from 'yaml';
import { CgbenchError } from '../model/errors.js';
import type { Scenario } from '../model/types.js';
import { outputError, writeFileAtomic } from '../model/user-files.js';
import { CONFIG_MAP_MAX_BYTES, PLAN_LABEL, planObjects } from '../runtimes/kubernetes/manifest.js';
import { type Plan, planRuns, tableEntry } from '../scheduler/plan.js';
import { resolveScenario, type ScenarioOverrides } from './overrides.js';

export const PLAN_TARGETS = ['kubernetes'] as const;
/** Without a scenario: the preset of the limits a pod can express. */
export const PLAN_PRESET = 'cluster';

export interface PlanOptions extends ScenarioOverrides {
  target?: string;
  image?: string;
  out?: string;
  namespace?: string;
  parallelism?: number;
}

export interface PlanResult {
  /** The manifest when it goes to stdout, else ''. */
  stdout: string;
  stderr: string;
}

/** What collect reads back from the ConfigMap (`cgbench collect --plan`). */
export interface PlanRecord {
  hash: string;
  scenario: Scenario;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Room for "-<job>" and the pod's "-<index>" within a 63-character hostname. */
const NAME_MAX = 50;

/** "cgbench-<scenario>-<hash>", a DNS label whatever the scenario is called. */
export function planName(scenarioName: string, hash: string): string {
  const room = NAME_MAX - 'cgbench--'.length - 8;
  const safe = scenarioName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return ['cgbench', safe, hash.slice(0, 8)].filter(Boolean).join('-');
}

function checkOptions(o: PlanOptions): { image: string } {
  if (o.target !== 'kubernetes')
    throw new CgbenchError('E_INPUT', `unknown --target "${o.target ?? ''}"`, `choose ${PLAN_TARGETS.join(', ')}`);
  if (!o.image || /\s/.test(o.image))
    throw new CgbenchError('E_INPUT', '--image is required: the cgbench workload image the nodes can pull', 'see README, Kubernetes');
  if (o.namespace !== undefined && !DNS_LABEL.test(o.namespace))
    throw new CgbenchError('E_INPUT', `--namespace "${o.namespace}" is not a DNS label`, 'use lowercase letters, digits and -');
  return { image: o.image };
}

/** The manifest text: the ConfigMap and the Jobs as one multi-document YAML file. */
export function renderManifest(plan: Plan, o: PlanOptions & { image: string }): string {
  const name = planName(plan.scenario.name, plan.hash);
  const entries = plan.runs.map(tableEntry);
  const record: PlanRecord = { hash: plan.hash, scenario: plan.scenario };
  const planJson = JSON.stringify(record);
  const bytes = planJson.length + entries.reduce((n, e) => n + Math.ceil(e.length / 3) * 4, 0);
  if (bytes > CONFIG_MAP_MAX_BYTES) {
    throw new CgbenchError(
      'E_SCENARIO',
      `the plan's ${plan.runs.length} runs need ${bytes} bytes, more than a ConfigMap holds (1 MiB)`,
      'plan fewer repetitions or split the scenario',
    );
  }
  const objects = planObjects({
    name,
    namespace: o.namespace,
    image: o.image,
    planHash: plan.hash,
    planJson,
    entries,
    groups: plan.groups,
    parallelism: o.parallelism ?? 1,
    timeoutMs: plan.scenario.timeoutMs,
    scratch: plan.scratch,
  });
  const head = `# cgbench plan ${plan.hash}: ${plan.runs.length} runs of ${plan.scenario.source} in ${plan.groups.length} Indexed Job(s)\n`;
  return head + objects.map((obj) => stringify(obj, { lineWidth: 0 })).join('---\n');
}

/** What to run next, for stderr. */
function nextSteps(plan: Plan, file: string | undefined, namespace: string | undefined): string {
  const f = file ?? 'PLAN.yaml';
  const ns = namespace ? ` -n ${namespace}` : '';
  const sel = `-l ${PLAN_LABEL}=${plan.hash}`;
  const lines = [
    `cgbench: planned ${plan.runs.length} runs of ${plan.cells.length} cells in ${plan.groups.length} Indexed Job(s)`,
    `  kubectl apply${ns} -f ${f}`,
    `  kubectl get jobs${ns} ${sel} --watch   # until each is Complete or Failed (a failed run fails its Job, not the others)`,
    `  kubectl logs${ns} ${sel} --prefix --tail=-1 > logs.txt`,
    `  cgbench collect --plan ${f} logs.txt --out DIR`,
    `  kubectl delete${ns} -f ${f}`,
  ];
  const reps = plan.scenario.repetitions;
  if (plan.scenario.adaptive) lines.splice(1, 0, `  (adaptive repetitions cannot be planned: ${reps} repetitions per cell)`);
  return `${lines.join('\n')}\n`;
}

export async function planCommand(file: string | undefined, o: PlanOptions): Promise<PlanResult> {
  const { image } = checkOptions(o);
  const plan = planRuns(await resolveScenario(file, { ...o, preset: file ? o.preset : (o.preset ?? PLAN_PRESET) }));
  const text = renderManifest(plan, { ...o, image });
  const toStdout = !o.out || o.out === '-';
  if (!toStdout) {
    const out = o.out as string;
    await writeFileAtomic(out, text).catch((e: unknown) => {
      throw outputError(e, `cannot write ${out}`, 'pass --out FILE in a writable directory, or - for stdout');
    });
  }
  return { stdout: toStdout ? text : '', stderr: nextSteps(plan, toStdout ? undefined : o.out, o.namespace) };
}
