// The swarm runtime's entry in the runtime registry: what a Swarm service can carry of each knob (the rest is
// refused before the first run), and how the runtime opens on a manager and cleans up its services.

import { DEFAULT_CPU_PERIOD_US } from '../../model/defaults.js';
import { type KnobColumn, refuse, SET } from '../knob-rules.js';
import type { RuntimeEntry } from '../registry.js';
import { cleanSwarmLeftovers } from './clean.js';
import { createSwarmRuntime } from './runtime.js';

/**
 * What `docker service create` (Engine API 1.41) can set: a CPU limit as NanoCPUs at the engine's fixed
 * 100 ms period, a memory max and a pids limit. A memory limit gets the engine's default swap.
 */
export const SWARM_KNOBS: KnobColumn = {
  cpu: (l) =>
    l.cpu && l.cpu.periodUs !== DEFAULT_CPU_PERIOD_US
      ? refuse(`cpu period ${l.cpu.periodUs} us (Swarm's --limit-cpu fixes it at ${DEFAULT_CPU_PERIOD_US} us)`)
      : SET,
  cpuBurst: refuse('cpu burst (a Swarm service has no setting for it)'),
  cpuWeight: refuse('cpu weight (a service has no --cpu-shares)'),
  memoryMax: SET,
  memorySwap: refuse('memory swap (a service gets the engine default)'),
  memoryHigh: refuse('memory high (a service has no setting for it)'),
  io: refuse('IO throttles (a service has none)'),
  pids: SET,
  cpuset: (l) => refuse(`cpuset ${l.cpuset} (a service has no setting for it)`),
  ioWeight: refuse('io weight (a service has none)'),
};

export const swarmEntry: RuntimeEntry = {
  summary: 'a Swarm job per run on the nodes of a swarm, manager at --docker-host',
  samplesInGroup: true,
  mode: 'run',
  knobs: SWARM_KNOBS,
  // A cluster's nodes, not this machine (the test swarm's nodes share its kernel, but not its suite's turn).
  measuresHost: () => false,
  open: ({ dockerHost }) => createSwarmRuntime({ dockerHost }),
  clean: ({ dockerHost, dryRun }) => cleanSwarmLeftovers(dockerHost, { dryRun }),
  cleanFirst: true,
};
