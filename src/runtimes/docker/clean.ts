// `cgbench clean` for Docker: containers (and on request the workload images) a killed cgbench left
// behind, found by the cgbench label or name prefix.

import { CgbenchError } from '../../model/errors.js';
import { clientName, dockerBin, dockerCli, dockerError, type DockerExec, type DockerResult } from './client.js';
import { CGBENCH_LABEL, DOCKER_TIMEOUTS, NAME_PREFIX } from './names.js';

/** `cgbench clean`: remove containers (and with `images`, workload images) cgbench left behind.
 *  Returns the container names removed; [] when no engine answers (nothing to clean there). */
export async function cleanDockerLeftovers(
  dockerHost?: string,
  opts: { images?: boolean; dryRun?: boolean; dockerBin?: string; docker?: DockerExec; client?: string } = {},
): Promise<string[]> {
  // `docker`: an engine with docker's command line (podman/) brings its own.
  const docker = opts.docker ?? dockerCli(dockerHost, opts.dockerBin);
  let list: DockerResult;
  let labelled: DockerResult;
  try {
    // Two plain listings (podman's ps has no {{.Label}}): every container's names, and the labelled ones' IDs.
    list = await docker(['ps', '--all', '--no-trunc', '--format', '{{.ID}} {{.Names}}'], { timeoutMs: DOCKER_TIMEOUTS.query });
    const byLabel = ['ps', '--all', '--no-trunc', '--quiet', '--filter', `label=${CGBENCH_LABEL}`];
    labelled = await docker(byLabel, { timeoutMs: DOCKER_TIMEOUTS.query });
  } catch {
    return []; // no client installed
  }
  if (list.code !== 0) return [];
  const withLabel = new Set(labelled.code === 0 ? labelled.stdout.split('\n').map((l) => l.trim()) : []);
  const found = new Map<string, string>();
  for (const line of list.stdout.split('\n')) {
    const [id, names] = line.trim().split(' ');
    if (!id || !names) continue;
    if (withLabel.has(id) || names.split(',').some((n) => n.startsWith(NAME_PREFIX))) found.set(id, names);
  }
  if (found.size && !opts.dryRun) {
    const res = await docker(['rm', '--force', '--volumes', ...found.keys()], { timeoutMs: DOCKER_TIMEOUTS.bulk });
    if (res.code !== 0 && !/no such container/i.test(res.stderr)) {
      throw new CgbenchError(
        'E_DOCKER',
        `could not remove cgbench containers: ${dockerError(res.stderr)}`,
        `remove them with ${opts.client ?? clientName(opts.dockerBin ?? dockerBin())} rm -f`,
      );
    }
  }
  if (opts.images && !opts.dryRun) {
    const imgs = await docker(['image', 'ls', '--quiet', '--filter', `label=${CGBENCH_LABEL}=1`]);
    const ids = [
      ...new Set(
        imgs.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ];
    if (ids.length) await docker(['image', 'rm', '--force', ...ids]);
  }
  return [...found.values()].sort();
}
