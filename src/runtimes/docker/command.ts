// The container-mode command line every engine starts in the workload image (a `docker run`, a
// Kubernetes pod): the launcher sampling its own group, its report on stdout after the workload's output.

import { launcherPath } from '../../model/paths.js';
import type { WorkloadParams } from '../../model/types.js';
import { invocationFor } from '../../programs/registry.js';
import { launcherArgv } from '../launcher.js';
import { CONTAINER_METRICS, CONTAINER_SCRATCH, IMAGE_BIN_DIR } from './names.js';

export interface ContainerCommand {
  params: WorkloadParams;
  /** How often the launcher samples the group's stat files, ms; absent: only before and after (neighbours). */
  sampleIntervalMs?: number;
  /** EOF on stdin kills the workload (the harness is attached); an engine that attaches nothing says false. */
  watchStdin: boolean;
}

/** The launcher and its arguments inside the image: the container's own group (`--cgroup self`), no
 *  namespaces of its own (the engine made them), the workload's files under the scratch mount. */
export function containerCommand(c: ContainerCommand): string[] {
  const inv = invocationFor(c.params, CONTAINER_SCRATCH, IMAGE_BIN_DIR);
  return [
    launcherPath(IMAGE_BIN_DIR),
    ...launcherArgv({
      group: 'self',
      ...(c.sampleIntervalMs !== undefined ? { sampleIntervalMs: c.sampleIntervalMs } : {}),
      report: '-',
      ns: 'none',
      watchStdin: c.watchStdin,
      // A command may report its own figures; the launcher relays them in the report on stdout.
      ...(c.params.kind === 'command' ? { metrics: CONTAINER_METRICS } : {}),
      program: inv.program,
      args: inv.args,
    }),
  ];
}
