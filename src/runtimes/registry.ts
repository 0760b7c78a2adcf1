// The runtime registry: every runtime cgbench knows, each declaring for every limit knob whether it sets it,
// runs without it or refuses it (knob-rules.ts), and how it opens, cleans up, checks itself (doctor) and
// describes its engine. A new runtime is one folder and one entry here; nothing else switches on its name.

import type { CgroupSystem } from '../cgroup/index.js';
import type { HostInfo, RuntimeName } from '../model/types.js';
import { dockerEntry } from './docker/entry.js';
import { fakeEntry } from './fake.js';
import type { KnobColumn } from './knob-rules.js';
import { kubernetesEntry } from './kubernetes/entry.js';
import { nativeEntry } from './native.js';
import { podmanEntry } from './podman/entry.js';
import type { Runtime } from './runtime.js';
import { swarmEntry } from './swarm/entry.js';

/** One line of `cgbench doctor`. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** What opening a runtime may use: this host's cgroups, the host context to describe its engine in, the
 *  engine address the command line gave (`--docker-host`). */
export interface OpenContext {
  cgroups: CgroupSystem;
  host: HostInfo;
  dockerHost?: string;
}

export interface CleanContext {
  dockerHost?: string;
  dryRun: boolean;
  /** Also the workload images. */
  images?: boolean;
}

/** What a runtime's clean-up removed (or with dryRun would remove). */
export interface CleanFound {
  services?: string[];
  containers?: string[];
}

export interface RuntimeEntry {
  /** What its runs are, for --help: "a container per run from a Docker Engine". */
  summary: string;
  /** `run`: `cgbench run` starts its runs; `plan`: a cluster's runs, planned by `cgbench plan` and collected. */
  mode: 'run' | 'plan';
  /** A simulation: it is never named among the runtimes that can set a limit. */
  simulation?: boolean;
  /** For every knob of the knob table: set, skip (run without it, recorded on the cell) or refuse. */
  knobs: KnobColumn;
  /** It makes groups in this host's cgroups: it needs root and the controllers, and leftover groups go first. */
  hostCgroups?: boolean;
  /** Its launcher samples from inside the measured group (container mode), so the sampling's CPU counts against
   *  the group's quota (scheduler/sampling.ts samples a small quota's cells less often). */
  samplesInGroup?: boolean;
  /** Its runs use this machine's CPUs, memory and disks, so another suite here would be in its figures. */
  measuresHost: (ctx: { dockerHost?: string }) => boolean;
  /** Makes the runtime for a suite (checks its engine, builds its image) and records its engine in ctx.host. */
  open?: (ctx: OpenContext) => Promise<Runtime>;
  /** Removes what a killed cgbench left in its engine. */
  clean?: (ctx: CleanContext) => Promise<CleanFound>;
  /** Its clean-up goes before the others' (a cluster's services, whose removal takes their containers along). */
  cleanFirst?: boolean;
  /** `cgbench doctor`'s line about it; only --runtime NAME needs it to pass. */
  doctor?: (ctx: { dockerHost?: string }) => Promise<DoctorCheck>;
}

/** Every runtime, in the order --help lists them. */
export const RUNTIMES: Readonly<Record<RuntimeName, RuntimeEntry>> = {
  native: nativeEntry,
  docker: dockerEntry,
  podman: podmanEntry,
  swarm: swarmEntry,
  fake: fakeEntry,
  kubernetes: kubernetesEntry,
};

export const RUNTIME_NAMES: readonly RuntimeName[] = Object.keys(RUNTIMES);

/** The runtimes `cgbench run` starts (a scenario's `runtimes`, --runtime). */
export const RUN_RUNTIMES: readonly RuntimeName[] = RUNTIME_NAMES.filter((n) => RUNTIMES[n]?.mode === 'run');

/** The registry's entry of a runtime; undefined for a name it does not know. */
export function runtimeEntry(name: RuntimeName): RuntimeEntry | undefined {
  return Object.hasOwn(RUNTIMES, name) ? RUNTIMES[name] : undefined;
}
