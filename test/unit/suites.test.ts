// One measuring suite per host: the queue's order, dead entries, waiting, refusing, and what a document records
// of suites that measured beside it. Real processes stand in for the other suites (their pids are live).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concurrencyWarnings } from '../../src/analysis/warnings.js';
import { blockers, liveSuites, type SuiteEntry, takeTurn } from '../../src/app/suites.js';
import { bootId, processStartMs } from '../../src/app/stale.js';
import { CgbenchError, exitCodeFor } from '../../src/model/errors.js';

function entry(pid: number, registeredAt: string, more: Partial<SuiteEntry> = {}): SuiteEntry {
  return { pid, scenario: 's', out: '/o', runtimes: ['native'], registeredAt, processStartMs: null, allowConcurrent: false, ...more };
}

describe('the queue of suites on one host', () => {
  it('waits for every suite registered before it and every one measuring, unless it runs beside them by choice', () => {
    const self = entry(50, '2026-01-01T00:00:02.000Z');
    const early = entry(90, '2026-01-01T00:00:01.000Z');
    const tie = entry(40, '2026-01-01T00:00:02.000Z');
    const queued = entry(20, '2026-01-01T00:00:03.000Z');
    const late = entry(10, '2026-01-01T00:00:03.000Z', { since: '2026-01-01T00:00:03.000Z', allowConcurrent: true });
    // A later suite that measures beside others by its own choice does not make this one measure beside it.
    expect(blockers(self, [early, tie, queued, late, self]).map((e) => e.pid)).toEqual([90, 40, 10]);
    expect(blockers({ ...self, allowConcurrent: true }, [early, tie])).toEqual([]);
  });

  let dir: string;
  let others: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cgbench-suites-'));
  });
  afterEach(() => {
    for (const p of others) p.kill('SIGKILL');
    others = [];
    rmSync(dir, { recursive: true, force: true });
  });

  /** A live process registered as a suite, `measuring` or waiting its turn. */
  function otherSuite(registeredAt: string, measuring: boolean): ChildProcess {
    const p = spawn('sleep', ['30'], { stdio: 'ignore' });
    others.push(p);
    const pid = p.pid as number;
    const boot = bootId();
    const e = entry(pid, registeredAt, {
      scenario: 'quick',
      out: '/r/q',
      processStartMs: processStartMs(pid),
      ...(boot ? { bootId: boot } : {}),
      ...(measuring ? { since: registeredAt } : {}),
    });
    writeFileSync(join(dir, `p${pid}-${e.processStartMs}.json`), JSON.stringify(e));
    return p;
  }

  it('drops the entries of suites that are gone: a dead pid, a pid reused by another process, another boot', () => {
    const live = otherSuite('2026-01-01T00:00:01.000Z', true);
    writeFileSync(join(dir, 'p999999-1.json'), JSON.stringify(entry(999_999, '2026-01-01T00:00:00.000Z', { processStartMs: 1 })));
    const reused = entry(process.pid, '2026-01-01T00:00:00.000Z', { processStartMs: 12345 });
    writeFileSync(join(dir, `p${process.pid}-12345.json`), JSON.stringify(reused));
    const rebooted = entry(process.pid, '2026-01-01T00:00:00.000Z', { processStartMs: processStartMs(process.pid), bootId: 'x' });
    writeFileSync(join(dir, `p${process.pid}-1.json`), JSON.stringify(rebooted));
    expect(liveSuites(dir).map((e) => e.pid)).toEqual([live.pid]);
    expect(readdirSync(dir)).toEqual([`p${live.pid}-${processStartMs(live.pid as number)}.json`]);
  });

  it('--no-wait refuses at once with exit 3, naming the other suite; nothing of its own is left', async () => {
    const other = otherSuite(new Date(Date.now() - 60_000).toISOString(), true);
    const said: string[] = [];
    const e = await takeTurn({
      dir,
      scenario: 'seed',
      out: '/r/s',
      runtimes: ['native'],
      wait: false,
      allowConcurrent: false,
      say: (l) => said.push(l),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CgbenchError);
    expect(exitCodeFor(e as CgbenchError)).toBe(3);
    expect((e as CgbenchError).format()).toContain(`pid ${other.pid}, scenario quick on native, output /r/q, measuring since`);
    expect(readdirSync(dir).filter((n) => n.startsWith(`p${process.pid}-`))).toEqual([]);
  });

  it('waits with one line for the suite before it, and takes its turn when that one ends', async () => {
    const other = otherSuite(new Date(Date.now() - 60_000).toISOString(), true);
    const said: string[] = [];
    setTimeout(() => other.kill('SIGKILL'), 600);
    const t0 = Date.now();
    const turn = await takeTurn({
      dir,
      scenario: 'seed',
      out: '/r/s',
      runtimes: ['native'],
      wait: true,
      allowConcurrent: false,
      say: (l) => said.push(l),
      pollMs: 50,
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^cgbench: waiting for another suite measuring this host to finish \\(pid ${other.pid}, `));
    const c = turn.observe();
    expect(c.allowed).toBe(false);
    expect(c.waitedMs).toBeGreaterThanOrEqual(550);
    expect(c.beside).toEqual([]);
    turn.release();
    expect(readdirSync(dir).filter((n) => n.startsWith(`p${process.pid}-`))).toEqual([]);
  });

  it('a signal while waiting ends the wait and leaves the queue', async () => {
    otherSuite(new Date(Date.now() - 60_000).toISOString(), true);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const e = await takeTurn({
      dir,
      scenario: 's',
      out: '/o',
      runtimes: ['native'],
      wait: true,
      allowConcurrent: false,
      say: () => undefined,
      signal: abort.signal,
      pollMs: 50,
    }).catch((x: unknown) => x);
    expect((e as CgbenchError).code).toBe('E_INTERRUPTED');
    expect(readdirSync(dir).filter((n) => n.startsWith(`p${process.pid}-`))).toEqual([]);
  });

  it('--allow-concurrent measures at once and records the suites measuring beside it, not those waiting their turn', async () => {
    const measuring = otherSuite(new Date(Date.now() - 60_000).toISOString(), true);
    otherSuite(new Date(Date.now() - 30_000).toISOString(), false);
    const turn = await takeTurn({
      dir,
      scenario: 's',
      out: '/o',
      runtimes: ['native'],
      wait: false,
      allowConcurrent: true,
      say: () => undefined,
    });
    const c = turn.observe();
    turn.release();
    expect(c.allowed).toBe(true);
    expect(c.beside.map((o) => o.pid)).toEqual([measuring.pid]);
    const [w] = concurrencyWarnings(c);
    expect(w?.code).toBe('concurrent-suites');
    expect(w?.message).toContain(`pid ${measuring.pid} (quick, native, out /r/q)`);
    expect(w?.hint).toContain('--allow-concurrent');
    expect(concurrencyWarnings({ allowed: false, waitedMs: 0, beside: [] })).toEqual([]);
  });
});
