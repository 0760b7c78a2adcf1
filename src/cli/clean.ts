// `cgbench clean`: finds and removes groups, Docker containers and temp directories a crashed or
// killed cgbench left behind. Groups with live processes belong to a running suite: kept unless --force.

import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCgroups } from '../cgroup/index.js';
import { CgbenchError } from '../model/errors.js';
import { cleanDockerLeftovers } from '../runtimes/docker.js';

export interface CleanResult {
  groups: string[];
  /** Groups left alone because processes still run in them (use --force). */
  busy: string[];
  containers: string[];
  tempDirs: string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Status directories of native runs whose cgbench process is gone. */
function staleTempDirs(): string[] {
  const dir = tmpdir();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      const m = /^cgbench-status-(\d+)-/.exec(n);
      return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
    })
    .map((n) => join(dir, n));
}

export async function cleanCommand(dryRun: boolean, opts: { dockerHost?: string; images?: boolean; force?: boolean } = {}): Promise<CleanResult> {
  if (process.getuid?.() !== 0 && !dryRun) {
    throw new CgbenchError('E_NOT_ROOT', 'cgbench clean needs root to remove cgroups', 'run it with sudo');
  }
  // Containers first: removing them empties their groups. No engine answering means nothing to clean there.
  const containers = await cleanDockerLeftovers(opts.dockerHost, { dryRun, images: opts.images });
  const cgroups = openCgroups();
  const found = cgroups.leftovers();
  const busy = opts.force ? [] : found.filter((n) => cgroups.pidsIn(n).length > 0);
  const groups = found.filter((n) => !busy.includes(n));
  const tempDirs = staleTempDirs();
  if (dryRun) return { groups, busy, containers, tempDirs };
  await cgroups.clean(groups);
  cgroups.removeSubtreeIfEmpty();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  return { groups, busy, containers, tempDirs };
}
