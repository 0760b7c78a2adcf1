// Where runtime-neutral Limits become cgroup file writes (v1 and v2): each knob's writes from the knob table
// (model/knobs.ts), in the table's order. Pure: returns ordered writes; the drivers perform them.

import { type FileWrite, KNOB_IDS, KNOBS } from '../model/knobs.js';
import type { ResolvedLimits } from '../model/types.js';
import { V1_GROUP_CONTROLLERS } from './files.js';

export type { FileWrite } from '../model/knobs.js';

/** The controllers of the knobs these limits set that a group joins only then (cpuset). */
function extraControllers(limits: ResolvedLimits): string[] {
  return KNOB_IDS.flatMap((id) => {
    const knob = KNOBS[id];
    return 'controller' in knob && knob.present(limits) ? [knob.controller] : [];
  });
}

/** Controllers a v1 group needs for these limits (stats controllers are always joined). */
export function v1ControllersFor(limits: ResolvedLimits): string[] {
  return [...V1_GROUP_CONTROLLERS, ...extraControllers(limits)];
}

/** `memswAvailable`: the host accounts swap (memory.memsw.* exist). */
export function toV1Writes(limits: ResolvedLimits, memswAvailable: boolean): FileWrite[] {
  return KNOB_IDS.flatMap((id) => KNOBS[id].v1(limits, { swap: memswAvailable }));
}

/** Controllers a v2 group needs enabled in its parent's cgroup.subtree_control. */
export function v2ControllersFor(limits: ResolvedLimits): string[] {
  return ['cpu', 'memory', 'io', 'pids', ...extraControllers(limits)];
}

export function toV2Writes(limits: ResolvedLimits, swapAvailable: boolean): FileWrite[] {
  return KNOB_IDS.flatMap((id) => KNOBS[id].v2(limits, { swap: swapAvailable }));
}
