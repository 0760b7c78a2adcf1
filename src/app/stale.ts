// What killed cgbench processes left behind (SIGKILL, a crash, a reboot): their groups, found by the
// owner pid in every group name, and result documents that still say `running`. run removes such
// groups before it starts, doctor reports them, clean removes them, report shows such a document as unfinished.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { CgroupSystem } from '../cgroup/index.js';
import { ownerPid } from '../model/owner.js';
import type { ResultDocument, Writer } from '../model/types.js';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This boot's id: a pid from before a reboot names nobody. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The process writing a result document: this one. */
export function currentWriter(): Writer {
  const w: Writer = { pid: process.pid, hostname: hostname() };
  const boot = bootId();
  if (boot) w.bootId = boot;
  return w;
}

/** When `pid` started, in ms since the epoch (from /proc: its start in ticks after boot, and the boot time). */
export function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    // USER_HZ is 100 on every Linux architecture cgbench runs on.
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

/**
 * Why the writer of a `running` document is gone, or null when it may still be running (or cannot be
 * told: another host). A live pid that started after the document was created is another process.
 */
export function writerGone(doc: Pick<ResultDocument, 'writer' | 'createdAt'>, here: Writer = currentWriter()): string | null {
  const w = doc.writer;
  if (!w || w.hostname !== here.hostname) return null;
  if (w.bootId && here.bootId && w.bootId !== here.bootId) return `its writer (pid ${w.pid} on ${w.hostname}) ran before the last reboot`;
  if (!processAlive(w.pid)) return `its writer (pid ${w.pid} on ${w.hostname}) is gone`;
  const started = processStartMs(w.pid);
  if (started !== null && started > Date.parse(doc.createdAt) + 2000)
    return `its writer (pid ${w.pid} on ${w.hostname}) is gone (the pid is another process's now)`;
  return null;
}

/** A `running` document whose writer is gone becomes `unfinished`, with a warning saying why. */
export function markUnfinished(doc: ResultDocument): ResultDocument {
  if (doc.status !== 'running') return doc;
  const why = writerGone(doc);
  if (!why) return doc;
  const runs = doc.cells.reduce((n, c) => n + c.runs.length, 0);
  doc.status = 'unfinished';
  doc.warnings.push({
    code: 'unfinished',
    message: `the suite never finished: ${why} (killed?); the ${runs} run(s) it saved are shown`,
    hint: 'rerun the scenario; `cgbench clean` removes the groups a killed suite left behind',
  });
  return doc;
}

export interface StaleGroups {
  /** Groups whose cgbench process is gone, with those owners' pids. */
  dead: string[];
  owners: number[];
  /** Groups of an older cgbench (no owner in the name) with no process in them. */
  unowned: string[];
}

export function findStaleGroups(cgroups: CgroupSystem): StaleGroups {
  const dead: string[] = [];
  const owners = new Set<number>();
  const unowned: string[] = [];
  for (const name of cgroups.leftovers()) {
    const pid = ownerPid(name);
    if (pid === null) {
      if (cgroups.pidsIn(name).length === 0) unowned.push(name);
    } else if (pid !== process.pid && !processAlive(pid)) {
      dead.push(name);
      owners.add(pid);
    }
  }
  return { dead, owners: [...owners].sort((a, b) => a - b), unowned };
}

/** One line about what killed suites left, for run's and doctor's output; '' when nothing. */
export function staleText(s: StaleGroups, removed: boolean): string {
  const lines: string[] = [];
  if (s.dead.length) {
    const who = `cgbench pid(s) ${s.owners.join(', ')}, which ${s.owners.length > 1 ? 'are' : 'is'} gone`;
    lines.push(`${removed ? 'removed' : 'found'} ${s.dead.length} group(s) left by ${who}: ${s.dead.join(', ')}`);
  }
  if (s.unowned.length) lines.push(`${s.unowned.length} empty group(s) of an older cgbench: ${s.unowned.join(', ')}`);
  return lines.join('; ');
}
