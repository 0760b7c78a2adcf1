// The kubernetes runtime's entry in the runtime registry: plan-only (`cgbench plan` writes the objects, kubectl
// applies them, `cgbench collect` reads the pods' logs), and what a pod's resources can express of each knob.

import { DEFAULT_CPU_PERIOD_US } from '../../model/defaults.js';
import { type KnobColumn, refuse, SET } from '../knob-rules.js';
import type { RuntimeEntry } from '../registry.js';

/** A Kubernetes CPU quantity's step, 1 millicore: 100 µs of quota in the 100 ms period every pod gets. */
export const KUBERNETES_MILLICORE_US = 100;
/** The kubelet raises a quota below 1 ms to 1 ms (10 m), so a smaller one would not be what ran. */
const KUBERNETES_MIN_QUOTA_US = 1000;

/** What a pod's `resources` can express: a CPU limit in millicores and a memory limit (requests equal them). */
export const KUBERNETES_KNOBS: KnobColumn = {
  cpu: (l) => {
    const cpu = l.cpu;
    if (!cpu || cpu.quotaUs === null) return SET;
    if (cpu.periodUs !== DEFAULT_CPU_PERIOD_US)
      return refuse(`a CPU period of ${cpu.periodUs / 1000} ms (the kubelet gives every pod 100 ms)`);
    if (cpu.quotaUs % KUBERNETES_MILLICORE_US !== 0 || cpu.quotaUs < KUBERNETES_MIN_QUOTA_US)
      return refuse(`a CPU quota of ${cpu.quotaUs} µs (a pod's cpu limit is whole millicores, 10m at least)`);
    return SET;
  },
  cpuBurst: refuse('cpu burst (a pod has no field for it)'),
  // The kubelet derives a pod's cpu.shares / cpu.weight from its CPU request, which the plan sets to the limit.
  cpuWeight: refuse("a CPU weight (a pod has no field for it; the kubelet derives it from the pod's CPU request)"),
  memoryMax: SET,
  memorySwap: (l) => (l.memory?.swapBytes === 0 ? SET : refuse('memory swap (a pod cannot ask for swap, only the node decides)')),
  memoryHigh: refuse('memory.high (a pod has no field for it)'),
  io: refuse('IO throttles (a pod has no field for them)'),
  pids: refuse("a pids limit (Kubernetes sets it per node, the kubelet's podPidsLimit, not per pod)"),
  cpuset: refuse("a cpuset (the kubelet's CPU manager picks a pod's CPUs itself)"),
  ioWeight: refuse('an IO weight (a pod has no field for it)'),
};

export const kubernetesEntry: RuntimeEntry = {
  summary: 'Indexed Jobs on a Kubernetes cluster: planned with `cgbench plan`, read back with `cgbench collect`',
  samplesInGroup: true,
  mode: 'plan',
  knobs: KUBERNETES_KNOBS,
  measuresHost: () => false,
};
