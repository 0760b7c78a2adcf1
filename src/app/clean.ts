// `cgbench clean`: finds and removes groups, Swarm services, Docker containers and temp directories a crashed or
// killed cgbench left behind. Groups with live processes of a live cgbench belong to a running suite:
// kept unless --force; those of a cgbench that is gone are removed, orphaned workloads killed.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCgroups } from '../cgroup/index.js';
import { ownerPid } from '../model/owner.js';
import { STATUS_DIR_PREFIX } from '../runtimes/native.js';
import { RUNTIMES } from '../runtimes/registry.js';
import { requireRoot } from './environment.js';
import { findStaleGroups, processAlive } from './stale.js';

export interface CleanResult {
  groups: string[];
  /** Groups left alone because processes still run in them (use --force). */
  busy: string[];
  /** Swarm services (jobs), when the engine is a swarm manager. */
  services: string[];
  containers: string[];
  tempDirs: string[];
  /** Pids of `docker service logs --follow` readers a killed cgbench left (they follow a removed job forever). */
  logReaders: number[];
}

/** Status directories of native runs whose cgbench process is gone. */
function staleTempDirs(): string[] {
  const dir = tmpdir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      if (!n.startsWith(STATUS_DIR_PREFIX)) return false;
      const m = /^(\d+)-/.exec(n.slice(STATUS_DIR_PREFIX.length));
      return m !== null && Number(m[1]) !== process.pid && !processAlive(Number(m[1]));
    })
    .map((n) => join(dir, n));
}

/** The swarm runtime's log readers (`docker ... service logs --follow --raw cgbench-p<pid>-...`) whose cgbench is gone. */
function staleLogReaders(): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  return pids.flatMap((p) => {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      return [];
    }
    const at = argv.indexOf('logs');
    if (at < 1 || argv[at - 1] !== 'service' || !argv.includes('--follow')) return [];
    const owner = ownerPid(argv[argv.length - 1] ?? '');
    return owner !== null && owner !== process.pid && !processAlive(owner) ? [Number(p)] : [];
  });
}

export async function cleanCommand(
  dryRun: boolean,
  opts: { dockerHost?: string; images?: boolean; force?: boolean } = {},
): Promise<CleanResult> {
  if (!dryRun) requireRoot('cgbench clean', 'to remove cgroups');
  // Each runtime's engine: a cluster's services first (their tasks' containers go with them), then
  // containers, whose removal empties their groups. No engine answering means nothing to clean there.
  const services: string[] = [];
  const containers: string[] = [];
  const entries = Object.values(RUNTIMES).filter((e) => e.clean);
  for (const entry of [...entries.filter((e) => e.cleanFirst), ...entries.filter((e) => !e.cleanFirst)]) {
    const found = await entry.clean?.({
      dryRun,
      ...(opts.dockerHost ? { dockerHost: opts.dockerHost } : {}),
      ...(opts.images ? { images: true } : {}),
    });
    services.push(...(found?.services ?? []));
    containers.push(...(found?.containers ?? []));
  }
  const cgroups = openCgroups();
  const found = cgroups.leftovers();
  // A group whose owner is gone is a leftover even with processes in it (an orphaned workload):
  // only groups of a live (or unknown) owner that still run something are a suite's.
  const dead = new Set(findStaleGroups(cgroups).dead);
  const busy = opts.force ? [] : found.filter((n) => !dead.has(n) && cgroups.pidsIn(n).length > 0);
  const groups = found.filter((n) => !busy.includes(n));
  const tempDirs = staleTempDirs();
  const logReaders = staleLogReaders();
  if (dryRun) return { groups, busy, services, containers, tempDirs, logReaders };
  for (const pid of logReaders) process.kill(pid, 'SIGTERM');
  await cgroups.clean(groups);
  cgroups.removeSubtreeIfEmpty();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  return { groups, busy, services, containers, tempDirs, logReaders };
}

/** What clean did (or with --dry-run would do), one line per kind. */
export function renderClean(found: CleanResult, dryRun: boolean): string {
  const verb = dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  if (found.groups.length) lines.push(`${verb} ${found.groups.length} group(s): ${found.groups.join(', ')}`);
  if (found.services.length) lines.push(`${verb} ${found.services.length} service(s): ${found.services.join(', ')}`);
  if (found.containers.length) lines.push(`${verb} ${found.containers.length} container(s): ${found.containers.join(', ')}`);
  if (found.logReaders.length)
    lines.push(`${dryRun ? 'would stop' : 'stopped'} ${found.logReaders.length} log reader(s) of a killed cgbench`);
  if (found.tempDirs.length) lines.push(`${verb} ${found.tempDirs.length} temp dir(s): ${found.tempDirs.join(', ')}`);
  if (found.busy.length) {
    lines.push(
      `kept ${found.busy.length} group(s) with running processes (a suite still running?): ${found.busy.join(', ')}; --force removes them`,
    );
  }
  return lines.length ? lines.join('\n') : 'nothing to clean';
}
