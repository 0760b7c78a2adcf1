// The Kubernetes objects of a plan, pure: one ConfigMap holding every run's command (the table the pods'
// entry point reads, native/pod.c) and one Indexed Job per distinct pod resources. A Job has a single
// pod template, so cells whose limits differ cannot share one; each Job's indices begin at its offset
// in the shared table.

import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import { podEntryPath } from '../../model/paths.js';
import type { Limits } from '../../model/types.js';
import { CONTAINER_SCRATCH, IMAGE_BIN_DIR } from '../docker/names.js';
import { KUBERNETES_MILLICORE_US } from './entry.js';

/** Every object cgbench plans carries this label (and its plan's hash under PLAN_LABEL). */
export const CGBENCH_LABEL = 'cgbench';
export const PLAN_LABEL = 'cgbench/plan';
/** Measured pods, of any plan: no two of them share a node (pod anti-affinity on this label). */
export const ROLE_LABEL = 'cgbench/role';
export const PLAN_DIR = '/cgbench/plan';
/** The ConfigMap's key holding the plan itself (its hash and scenario), for `cgbench collect --plan`. */
export const PLAN_KEY = 'plan.json';
/** A ConfigMap holds at most 1 MiB. */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;
/** Time a pod may take past the scenario's time-out (image pull, start), s. */
const START_ALLOWANCE_S = 120;

export interface JobGroup {
  resources: IResourceRequirements | undefined;
  /** What the group's cells limit, for people reading the manifest. */
  label: string;
  /** Table indices of the group's runs, consecutive from `first`. */
  first: number;
  count: number;
}

export interface ManifestInput {
  /** Base name of every object (DNS label, at most 50 characters). */
  name: string;
  namespace?: string;
  image: string;
  planHash: string;
  /** The plan as collect reads it again (JSON). */
  planJson: string;
  /** Index -> its table entry (native/pod.c's format). */
  entries: Buffer[];
  groups: JobGroup[];
  /** Pods of one Job running at once; anti-affinity keeps them on different nodes. */
  parallelism: number;
  timeoutMs: number;
  /** Some workload writes files: an emptyDir is mounted where the workloads expect the scratch directory. */
  scratch: boolean;
}

/** A pod's resources from the limits: cpu in millicores of the 100 ms period, memory in bytes. Requests
 *  equal the limits, so the scheduler reserves what the run may use. the registry's kubernetes column refused the rest. */
export function podResources(limits: Pick<Limits, 'cpu' | 'memory'>): IResourceRequirements | undefined {
  const q: Record<string, string> = {};
  if (limits.cpu && limits.cpu.quotaUs !== null) q.cpu = `${Math.round(limits.cpu.quotaUs / KUBERNETES_MILLICORE_US)}m`;
  if (limits.memory && limits.memory.maxBytes !== null) q.memory = String(Math.round(limits.memory.maxBytes));
  return Object.keys(q).length ? { limits: { ...q }, requests: { ...q } } : undefined;
}

function labels(input: ManifestInput): Record<string, string> {
  return { [CGBENCH_LABEL]: '1', [PLAN_LABEL]: input.planHash };
}

function metadata(input: ManifestInput, name: string): IConfigMap['metadata'] {
  return { name, ...(input.namespace ? { namespace: input.namespace } : {}), labels: labels(input) };
}

export function planConfigMap(input: ManifestInput): IConfigMap {
  const binaryData: Record<string, string> = {};
  input.entries.forEach((e, i) => (binaryData[`run-${i}`] = e.toString('base64')));
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(input, input.name), data: { [PLAN_KEY]: input.planJson }, binaryData };
}

function podSpec(input: ManifestInput, group: JobGroup): IPodSpec {
  const { resources } = group;
  const fromField = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    activeDeadlineSeconds: Math.ceil(input.timeoutMs / 1000) + START_ALLOWANCE_S,
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { [ROLE_LABEL]: 'measured' } }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    },
    containers: [
      {
        name: 'cgbench',
        image: input.image,
        imagePullPolicy: 'IfNotPresent',
        command: [podEntryPath(IMAGE_BIN_DIR), '--plan-dir', PLAN_DIR, '--index-offset', String(group.first)],
        env: [fromField('NODE_NAME', 'spec.nodeName'), fromField('POD_NAME', 'metadata.name')],
        ...(resources ? { resources } : {}),
        volumeMounts: [
          { name: 'plan', mountPath: PLAN_DIR, readOnly: true },
          ...(input.scratch ? [{ name: 'scratch', mountPath: CONTAINER_SCRATCH }] : []),
        ],
      },
    ],
    volumes: [{ name: 'plan', configMap: { name: input.name } }, ...(input.scratch ? [{ name: 'scratch', emptyDir: {} }] : [])],
  };
}

export function planJob(input: ManifestInput, group: JobGroup, ordinal: number): IJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...metadata(input, `${input.name}-${ordinal}`), annotations: { 'cgbench/limits': group.label } },
    spec: {
      completionMode: 'Indexed',
      completions: group.count,
      parallelism: Math.min(input.parallelism, group.count),
      // A failed run is a result (an OOM kill, a crash), not something to retry; the other indices go on.
      backoffLimitPerIndex: 0,
      template: { metadata: { labels: { ...labels(input), [ROLE_LABEL]: 'measured' } }, spec: podSpec(input, group) },
    },
  };
}

/** The ConfigMap first (the pods mount it), then the Jobs. */
export function planObjects(input: ManifestInput): [IConfigMap, ...IJob[]] {
  return [planConfigMap(input), ...input.groups.map((g, i) => planJob(input, g, i))];
}
