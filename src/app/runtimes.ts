// The runtimes a suite needs, made once for it from the runtime registry (each records its engine in the host
// context); on a failure, what was made is closed again.

import type { CgroupSystem } from '../cgroup/index.js';
import { CgbenchError } from '../model/errors.js';
import type { HostInfo, RuntimeName } from '../model/types.js';
import { RUN_RUNTIMES, runtimeEntry } from '../runtimes/registry.js';
import type { Runtime } from '../runtimes/runtime.js';

export type Runtimes = Partial<Record<RuntimeName, Runtime>>;

/** The registry's names and entries, for the command line's wiring (cli/ sees runtimes only through app/). */
export { RUN_RUNTIMES, RUNTIME_NAMES, RUNTIMES, runtimeEntry } from '../runtimes/registry.js';

/** Makes the runtimes `names`; records their engines in `host`. On failure, what was made is closed. */
export async function openRuntimes(names: RuntimeName[], cgroups: CgroupSystem, host: HostInfo, dockerHost?: string): Promise<Runtimes> {
  const runtimes: Runtimes = {};
  try {
    for (const name of names) {
      const open = runtimeEntry(name)?.open;
      if (!open)
        throw new CgbenchError('E_INPUT', `runtime "${name}" cannot be started by cgbench run`, `choose from ${RUN_RUNTIMES.join(', ')}`);
      runtimes[name] = await open({ cgroups, host, ...(dockerHost !== undefined ? { dockerHost } : {}) });
    }
  } catch (e) {
    await closeRuntimes(runtimes);
    throw e;
  }
  return runtimes;
}

export async function closeRuntimes(runtimes: Runtimes): Promise<void> {
  for (const rt of Object.values(runtimes)) if (rt) await rt.close();
}
