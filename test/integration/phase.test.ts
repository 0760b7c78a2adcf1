// The period phase on real cgroups (root): CPU use folded onto the CFS period from 1 ms samples shows
// where in each period a throttled group runs and where it stalls.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { defaultScratchDir } from '../../src/app/environment.js';
import { resolveDiskTarget } from '../../src/cgroup/disk.js';
import { openCgroups, type CgroupSystem } from '../../src/cgroup/index.js';
import { gatherHost } from '../../src/app/host.js';
import type { HostInfo } from '../../src/model/types.js';
import { NativeRuntime } from '../../src/runtimes/native.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { isRoot, loopIterations } from '../helpers.js';
import { checkPhase, phaseScenario } from '../phase-checks.js';

const scratchDir = defaultScratchDir();
if (!isRoot) console.warn('skipping period-phase integration tests: they need root to create cgroups');

describe.skipIf(!isRoot)('period phase on real groups', () => {
  let cgroups: CgroupSystem;
  let host: HostInfo;
  let runtime: NativeRuntime;
  beforeAll(async () => {
    cgroups = openCgroups();
    host = await gatherHost(cgroups.info, resolveDiskTarget(scratchDir));
    runtime = new NativeRuntime(cgroups);
  });
  afterAll(async () => {
    await runtime?.close();
    await cgroups?.clean(cgroups.leftovers().filter((n) => n.startsWith('itphase')));
    cgroups?.removeSubtreeIfEmpty();
  });

  it('2 threads at 0.25 CPU spend the quota in the first quarter of the period; 1 thread at 0.5 CPU over half', async () => {
    // ~0.75 s of CPU: 3 s under 0.25 CPU and 1.5 s under 0.5.
    const scenario = validateScenario(phaseScenario(loopIterations(0.75)), 'phase.yaml');
    const doc = await runSuite({
      scenario,
      host,
      runtimes: { native: runtime },
      scratch: () => resolveDiskTarget(scratchDir),
      scratchDir,
      save: () => {},
      suiteId: 'itphase',
    });
    checkPhase(doc.cells);
  });
});
