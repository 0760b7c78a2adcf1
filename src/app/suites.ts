// One measuring suite per host: every `cgbench run` that measures this machine (native, a local engine) registers
// in one directory, waits its turn behind the suites registered before it (or refuses with --no-wait), and records
// any suite that measured the host beside it (--allow-concurrent), so two suites never measure each other silently.

import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CgbenchError } from '../model/errors.js';
import type { OtherSuite, RuntimeName, SuiteConcurrency } from '../model/types.js';
import { bootId, processAlive, processStartMs } from './stale.js';

/** Where the suites of this host register: one world-writable, sticky directory (like /tmp) for every user. */
export function suitesDir(): string {
  const own = process.env.CGBENCH_SUITES_DIR;
  if (own) return own;
  return existsSync('/run/lock') ? '/run/lock/cgbench-suites' : '/tmp/cgbench-suites';
}

/** A registered suite, as its file says: queued (no `since` yet) or measuring. */
export interface SuiteEntry extends Omit<OtherSuite, 'since'> {
  /** When it joined the queue: the order of turns (ISO 8601). */
  registeredAt: string;
  /** When its turn came and it began to measure; absent while it waits. */
  since?: string;
  /** When its process started (ms since the epoch): with the boot id, tells a reused pid from the suite's. */
  processStartMs: number | null;
  bootId?: string;
  allowConcurrent: boolean;
}

/** Is the suite of this entry still running? A dead pid, or a pid reused by another process or before a reboot, is not. */
export function entryAlive(e: SuiteEntry, here = { bootId: bootId() }): boolean {
  if (e.bootId && here.bootId && e.bootId !== here.bootId) return false;
  if (!processAlive(e.pid)) return false;
  return e.processStartMs === null || processStartMs(e.pid) === e.processStartMs;
}

/** Registered before `self` (registration time, then pid): the queue's order. */
function before(a: SuiteEntry, b: SuiteEntry): boolean {
  return a.registeredAt < b.registeredAt || (a.registeredAt === b.registeredAt && a.pid < b.pid);
}

/**
 * The live suites `self` must wait for, unless it runs beside them by choice: every one registered before it (the
 * queue), and every one measuring now, also one that came later with --allow-concurrent (its choice is not this
 * suite's). Waiting suites block only those after them, so the queue cannot deadlock. Pure.
 */
export function blockers(self: SuiteEntry, live: readonly SuiteEntry[]): SuiteEntry[] {
  if (self.allowConcurrent) return [];
  return live.filter((o) => o.pid !== self.pid && (before(o, self) || o.since !== undefined));
}

/** One line naming a suite for the terminal: pid, scenario, output, start. */
export function suiteLine(e: SuiteEntry): string {
  const when = e.since ? `measuring since ${e.since.slice(11, 19)} UTC` : `waiting since ${e.registeredAt.slice(11, 19)} UTC`;
  return `pid ${e.pid}, scenario ${e.scenario} on ${e.runtimes.join('+')}, output ${e.out}, ${when}`;
}

function fileOf(dir: string, e: Pick<SuiteEntry, 'pid' | 'processStartMs'>): string {
  return join(dir, `p${e.pid}-${e.processStartMs ?? 0}.json`);
}

function parseEntry(text: string): SuiteEntry | null {
  try {
    const e = JSON.parse(text) as Partial<SuiteEntry>;
    if (typeof e.pid !== 'number' || typeof e.registeredAt !== 'string' || typeof e.scenario !== 'string') return null;
    return {
      pid: e.pid,
      scenario: e.scenario,
      out: String(e.out ?? ''),
      runtimes: Array.isArray(e.runtimes) ? e.runtimes : [],
      registeredAt: e.registeredAt,
      ...(typeof e.since === 'string' ? { since: e.since } : {}),
      processStartMs: typeof e.processStartMs === 'number' ? e.processStartMs : null,
      ...(typeof e.bootId === 'string' ? { bootId: e.bootId } : {}),
      allowConcurrent: Boolean(e.allowConcurrent),
    };
  } catch {
    return null;
  }
}

/** The live suites registered in `dir`; the files of dead ones are removed on the way (a killed suite's). */
export function liveSuites(dir: string): SuiteEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^p\d+-\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const here = { bootId: bootId() };
  const live: SuiteEntry[] = [];
  for (const n of names) {
    const path = join(dir, n);
    let e: SuiteEntry | null;
    try {
      e = parseEntry(readFileSync(path, 'utf8'));
    } catch {
      continue; // removed meanwhile
    }
    if (e && entryAlive(e, here)) live.push(e);
    else if (e) rmSync(path, { force: true });
  }
  return live.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}

export interface TurnOptions {
  scenario: string;
  out: string;
  runtimes: RuntimeName[];
  /** false: refuse (exit 3) instead of waiting when another suite measures this host. */
  wait: boolean;
  allowConcurrent: boolean;
  signal?: AbortSignal;
  /** Where the one line about waiting goes (stderr). */
  say: (line: string) => void;
  dir?: string;
  /** How often the queue is looked at while waiting, ms. */
  pollMs?: number;
}

/** This suite's place on the host, from its turn to its end. */
export interface SuiteTurn {
  /** What the document records: the wait, and every other suite seen measuring the host since the turn began. */
  readonly observe: () => SuiteConcurrency;
  /** Leaves the queue (also on every path out of the process). */
  readonly release: () => void;
}

/** How long a new suite waits before it first looks at the queue, ms. */
const REGISTER_SETTLE_MS = 100;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What a document records of a suite that measured beside it; null for one still waiting its turn. */
function measuring(e: SuiteEntry): OtherSuite | null {
  return e.since ? { pid: e.pid, scenario: e.scenario, out: e.out, runtimes: e.runtimes, since: e.since } : null;
}

/**
 * Registers this suite and returns once it may measure: no suite registered before it is still running (or
 * --allow-concurrent). Waits with one line saying for whom, or refuses at once with --no-wait (E_BUSY, exit 3).
 * A signal while waiting ends the wait (the caller sees its signal aborted).
 */
export async function takeTurn(o: TurnOptions): Promise<SuiteTurn> {
  const dir = o.dir ?? suitesDir();
  try {
    // Any user's suite (a Docker user's) registers here too: world-writable and sticky, like /tmp.
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o1777);
    }
  } catch (e) {
    throw new CgbenchError(
      'E_NOT_ROOT',
      `cannot make ${dir}, where suites measuring this host take turns (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      'run as root, or set CGBENCH_SUITES_DIR to a directory every cgbench user of this host can write',
    );
  }
  const boot = bootId();
  const self: SuiteEntry = {
    pid: process.pid,
    scenario: o.scenario,
    out: o.out,
    runtimes: o.runtimes,
    registeredAt: new Date().toISOString(),
    processStartMs: processStartMs(process.pid),
    ...(boot ? { bootId: boot } : {}),
    allowConcurrent: o.allowConcurrent,
  };
  const file = fileOf(dir, self);
  const publish = (): void => {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(self));
    renameSync(tmp, file);
  };
  publish();
  const release = (): void => {
    rmSync(file, { force: true });
    process.off('exit', release);
  };
  // A second signal exits at once: the file goes with the process, not with a later clean-up.
  process.on('exit', release);

  const started = Date.now();
  const seen = new Map<string, OtherSuite>();
  try {
    // A suite that took its time stamp just before this one may not have written its file yet: give it that
    // moment, so two suites started at once both see each other and the earlier one goes first.
    await sleep(REGISTER_SETTLE_MS, o.signal);
    // One line per suite waited for: the first in the way, named again only when another takes its place.
    let told = 0;
    for (;;) {
      const live = liveSuites(dir).filter((e) => e.pid !== self.pid);
      const waitFor = blockers(self, live);
      if (!waitFor.length) break;
      const first = waitFor[0] as SuiteEntry;
      if (!o.wait) {
        throw new CgbenchError(
          'E_BUSY',
          `another cgbench suite ${first.since ? 'is measuring' : 'is queued to measure'} this host (${suiteLine(first)})`,
          'let it finish, or drop --no-wait to wait for it; --allow-concurrent measures beside it, and every report says so',
        );
      }
      const line = `cgbench: waiting for another suite measuring this host to finish (${suiteLine(first)}); ${
        waitFor.length > 1 ? `${waitFor.length - 1} more queued before this one; ` : ''
      }--no-wait refuses instead, --allow-concurrent measures beside it\n`;
      if (first.pid !== told) o.say(line);
      told = first.pid;
      await sleep(o.pollMs ?? 1000, o.signal);
      if (o.signal?.aborted) throw new CgbenchError('E_INTERRUPTED', 'interrupted while waiting for another suite');
    }
  } catch (e) {
    release();
    throw e;
  }
  const waitedMs = Date.now() - started;
  self.since = new Date().toISOString();
  publish();
  return {
    // Whoever measures beside this suite from now on is in its figures; a suite waiting for its turn is not.
    observe: () => {
      for (const e of liveSuites(dir)) {
        const m = e.pid === self.pid ? null : measuring(e);
        if (m) seen.set(`${e.pid}-${e.processStartMs}`, m);
      }
      return { allowed: o.allowConcurrent, waitedMs, beside: [...seen.values()] };
    },
    release,
  };
}
