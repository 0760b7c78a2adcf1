// The history database on both engines, through the real CLI: a SQLite file, and a real PostgreSQL
// server (scripts/postgres-up.sh; the URL in CGBENCH_TEST_PG_URL). Schema and migrations, adding
// once, refusing bad documents with nothing written, two writers at once, filters, the history gate
// and the trend. Each test gets its own SQLite file or PostgreSQL database and removes it.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCompare } from '../../src/app/compare.js';
import { historyAdd, historyList, historyShow } from '../../src/app/history.js';
import { LATEST_SCHEMA_VERSION } from '../../src/history/schema.js';
import { HistoryStore } from '../../src/history/store.js';
import { parseDatabaseUrl } from '../../src/history/url.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { ResultDocument } from '../../src/model/types.js';
import { buildNight, plantedNights, saveNights, type PlantedNights } from '../fixtures/docs/nights.js';
import { ROOT_DIR } from '../helpers.js';

const CLI = join(ROOT_DIR, 'dist', 'cli', 'main.js');
const PG_URL = process.env.CGBENCH_TEST_PG_URL;
if (!PG_URL)
  console.log('history on PostgreSQL: skipped, CGBENCH_TEST_PG_URL is not set (start a server: eval "$(scripts/postgres-up.sh)")');

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cgbench(args: string[]): Promise<Result> {
  return new Promise((resolveRun, reject) => {
    // --db is always explicit here: a developer's own $CGBENCH_HISTORY_DB must not be touched.
    const { CGBENCH_HISTORY_DB: _mine, ...env } = process.env;
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolveRun({ status, stdout, stderr }));
  });
}

/** SQL the engine runs as is, for what the query layer deliberately does not offer (indexes, a planted schema row). */
interface Engine {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  make(): Promise<string>;
  drop(url: string): Promise<void>;
  raw(url: string, text: string): Promise<Record<string, unknown>[]>;
}

let work: string;
let serial = 0;

const sqlite: Engine = {
  name: 'sqlite',
  skip: false,
  make: () => Promise.resolve(join(work, `h${serial++}`, 'history.sqlite')),
  drop: (url) => {
    rmSync(join(url, '..'), { recursive: true, force: true });
    return Promise.resolve();
  },
  raw: (url, text) => {
    const db = new Database(url);
    try {
      const stmt = db.prepare(text);
      return Promise.resolve(stmt.reader ? (stmt.all() as Record<string, unknown>[]) : (stmt.run(), []));
    } finally {
      db.close();
    }
  },
};

async function onServer<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const postgres: Engine = {
  name: 'postgres',
  skip: !PG_URL,
  async make() {
    const name = `cgbench_test_${process.pid}_${serial++}`;
    await onServer(PG_URL as string, (c) => c.query(`create database ${name}`));
    const u = new URL(PG_URL as string);
    u.pathname = `/${name}`;
    return u.toString();
  },
  async drop(url) {
    const name = new URL(url).pathname.slice(1);
    await onServer(PG_URL as string, (c) => c.query(`drop database if exists ${name} with (force)`));
  },
  raw: (url, text) => onServer(url, async (c) => (await c.query(text)).rows as Record<string, unknown>[]),
};

let planted: PlantedNights;
let files: { stored: string[]; noisy: string; regressed: string; quiet: string };
let fleet: { a: ResultDocument[]; b: ResultDocument[]; shared: ResultDocument };
let fleetFiles: { a: string[]; b: string[]; shared: string };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cgbench-history-'));
  planted = await plantedNights();
  const stored = saveNights(join(work, 'stored'), planted.stored);
  const [regressed, quiet] = saveNights(join(work, 'tonight'), [planted.regressed, planted.quiet]) as [string, string];
  files = { stored, noisy: stored.at(-1) as string, regressed, quiet };
  fleet = { a: [], b: [], shared: await buildNight({ night: 20, host: { hostname: 'bench-shared' } }) };
  for (let n = 0; n < 6; n++) {
    fleet.a.push(await buildNight({ night: n, host: { hostname: 'bench-a' } }));
    fleet.b.push(await buildNight({ night: n, host: { hostname: 'bench-b', kernel: '6.12.0-1-amd64' } }));
  }
  fleetFiles = {
    a: saveNights(join(work, 'fleet'), fleet.a, 'a'),
    b: saveNights(join(work, 'fleet'), fleet.b, 'b'),
    shared: saveNights(join(work, 'fleet'), [fleet.shared], 'shared')[0] as string,
  };
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** In the test's own process: the CLI's list is exercised where its output is the point. */
async function listed(db: string, filter: Parameters<typeof historyList>[0] = {}) {
  return (await historyList({ ...filter, db })).docs;
}

async function counts(engine: Engine, db: string): Promise<number[]> {
  const out: number[] = [];
  for (const t of ['cgbench_documents', 'cgbench_cells', 'cgbench_runs']) {
    const [row] = await engine.raw(db, `select count(*) as n from ${t}`);
    out.push(Number(row?.n));
  }
  return out;
}

/** A bad input: exit 2, one line on stderr naming the problem, nothing on stdout. */
function refused(r: Result, pattern: RegExp): void {
  expect(r.status, r.stdout + r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cgbench: /);
  expect(lines[0]).toMatch(pattern);
}

describe.each([sqlite, postgres])('history on $name', (engine) => {
  let db: string;
  beforeEach(async () => {
    if (!engine.skip) db = await engine.make();
  });
  afterEach(async () => {
    if (!engine.skip) await engine.drop(db);
  });

  it.skipIf(engine.skip)('builds the schema by migrations, upgrades an older one and refuses a newer one', async () => {
    const target = parseDatabaseUrl(db);
    const old = await HistoryStore.open(target, { create: true, targetVersion: 1 });
    expect(await old.schemaVersion()).toBe(1);
    const [doc] = await old.add([{ doc: planted.stored[0] as ResultDocument, path: files.stored[0] as string, fileSha256: '00' }]);
    await old.close();
    const indexes = async (): Promise<string[]> =>
      (
        await engine.raw(
          db,
          engine.name === 'sqlite'
            ? "select name from sqlite_master where type = 'index' and name like 'cgbench_documents_%' order by name"
            : // Not the primary key's and the unique constraint's own indexes (_pkey, _run_key_key).
              "select indexname as name from pg_indexes where indexname like 'cgbench_documents_%' and indexname not like '%key' order by 1",
        )
      ).map((r) => String(r.name));
    expect(await indexes()).toEqual([]);

    const store = await HistoryStore.open(target, { create: false });
    expect(await store.schemaVersion()).toBe(4);
    const applied = await store.migrations();
    expect(applied.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    expect((await store.list()).map((d) => d.id)).toEqual([doc?.id]);
    await store.close();
    expect(await indexes()).toEqual(['cgbench_documents_host_time', 'cgbench_documents_scenario', 'cgbench_documents_time']);
    // Opening an up-to-date database applies nothing again.
    const again = await HistoryStore.open(target, { create: true });
    expect(await again.migrations()).toEqual(applied);
    await again.close();

    await engine.raw(db, "insert into cgbench_schema (version, description, applied_at) values (99, 'from the future', 'x')");
    await expect(HistoryStore.open(target, { create: true })).rejects.toThrowError(CgbenchError);
    const r = await cgbench(['history', 'list', '--db', db]);
    expect(r.status).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `cgbench: ${target.shown} has history schema version 99; this cgbench knows versions up to ${LATEST_SCHEMA_VERSION} (use the newer cgbench that wrote it)`,
    ]);
    if (engine.name === 'postgres') expect(r.stderr).not.toContain(new URL(db).password);
  });

  it.skipIf(engine.skip)('reads nothing from a database that has no history yet', async () => {
    const r = await cgbench(['history', 'list', '--db', db]);
    refused(r, engine.name === 'sqlite' ? /no history database at / : /no cgbench history in postgres:\/\/cgbench:\*\*\*@/);
    if (engine.name === 'sqlite') expect(existsSync(db)).toBe(false);
  });

  it.skipIf(engine.skip)('adds a document once: again, reformatted or twice in one call is a no-op', async () => {
    const [first, second] = files.stored as [string, string];
    const a = await cgbench(['history', 'add', '--db', db, first]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^added [0-9a-f]{12} .*night-0\.json\n$/);
    const again = await cgbench(['history', 'add', '--db', db, first]);
    expect(again.stdout).toMatch(/^already stored [0-9a-f]{12} /);
    const reformatted = join(work, `reformatted-${engine.name}.json`);
    writeFileSync(reformatted, JSON.stringify(JSON.parse(readFileSync(first, 'utf8')), null, 4));
    const both = await cgbench(['history', 'add', '--db', db, reformatted, second, second]);
    expect(both.status, both.stderr).toBe(0);
    expect(
      both.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(' ').slice(0, -2).join(' ')),
    ).toEqual(['already stored', 'added', 'already stored']);
    const docs = await listed(db);
    expect(docs).toHaveLength(2);
    const perDoc = planted.stored[0] as ResultDocument;
    const runs = perDoc.cells.reduce((n, c) => n + c.runs.length, 0);
    expect(await counts(engine, db)).toEqual([2, 2 * perDoc.cells.length, 2 * runs]);
    expect(docs[0]).toMatchObject({ hostname: 'bench-01', cells: perDoc.cells.length, runs, sourcePath: first, status: 'complete' });
  });

  it.skipIf(engine.skip)(
    'refuses malformed, unknown-version, unfinished and conflicting documents with one line, writing nothing',
    async () => {
      const [good, other] = files.stored as [string, string];
      const bad = (name: string, text: string): string => {
        const f = join(work, `${engine.name}-${name}.json`);
        writeFileSync(f, text);
        return f;
      };
      const text = readFileSync(good, 'utf8');
      const doc = JSON.parse(text) as ResultDocument;
      const truncated = bad('truncated', text.slice(0, 500));
      const future = bad('future', JSON.stringify({ ...doc, schemaVersion: 2 }));
      const broken = bad('broken', JSON.stringify({ ...doc, cells: 'none' }));
      const running = bad('running', JSON.stringify({ ...doc, status: 'running' }));
      refused(await cgbench(['history', 'add', '--db', db, good, truncated]), /truncated\.json is not JSON/);
      if (engine.name === 'sqlite') expect(existsSync(db)).toBe(false);
      await historyAdd([good], { db });
      const before = await counts(engine, db);
      const oneLine = async (list: string[], pattern: RegExp): Promise<void> => {
        const e = await historyAdd(list, { db }).then(
          () => null,
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(CgbenchError);
        expect((e as CgbenchError).code).toBe('E_INPUT');
        expect((e as CgbenchError).format()).toMatch(pattern);
        expect((e as CgbenchError).format()).not.toContain('\n');
      };
      await oneLine([other, future], /has schemaVersion 2; this cgbench reads schemaVersion 1/);
      await oneLine([other, broken], /broken\.json does not match the result schema: \/cells/);
      await oneLine([other, running], /running\.json is from a suite that is still running/);
      // The same suite run with other figures (a hand-edited file): refused inside the transaction, so
      // the good document of the same call is not stored either.
      const edited = JSON.parse(text) as ResultDocument;
      const run = edited.cells[0]?.runs[1];
      if (run?.metrics) run.metrics.wallNs += 1;
      const conflicting = bad('conflicting', JSON.stringify(edited));
      refused(await cgbench(['history', 'add', '--db', db, other, conflicting]), /already has a different document of the same suite run/);
      expect(await counts(engine, db)).toEqual(before);
      expect(await listed(db)).toHaveLength(1);
    },
  );

  it.skipIf(engine.skip)('loses nothing with two writers at once, from two hosts, one document in common', async () => {
    // Each writer makes several transactions in a row, both start on an empty database (the schema
    // itself is created by whichever is first), and both add the shared document in their second call.
    const batches = (own: string[]): string[][] => [
      [own[0] as string, own[1] as string],
      [own[2] as string, fleetFiles.shared, own[3] as string],
      [own[4] as string, own[5] as string],
    ];
    const writer = async (own: string[]): Promise<Result[]> => {
      const out: Result[] = [];
      for (const b of batches(own)) out.push(await cgbench(['history', 'add', '--db', db, ...b]));
      return out;
    };
    const results = (await Promise.all([writer(fleetFiles.a), writer(fleetFiles.b)])).flat();
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const sharedLines = results.flatMap((r) => r.stdout.split('\n')).filter((l) => l.endsWith('shared-0.json'));
    expect(sharedLines.map((l) => l.split(' ')[0]).sort()).toEqual(['added', 'already']);
    const docs = await listed(db);
    expect(docs).toHaveLength(13);
    const perDoc = fleet.shared;
    const runs = perDoc.cells.reduce((n, c) => n + c.runs.length, 0);
    expect(await counts(engine, db)).toEqual([13, 13 * perDoc.cells.length, 13 * runs]);
    // Every document whole, exactly as written.
    const store = await HistoryStore.open(parseDatabaseUrl(db), { create: false });
    const back = await store.documents(docs.map((d) => d.id));
    await store.close();
    const hosts = [...back.values()].map((d) => d.host.hostname);
    expect(hosts.filter((h) => h === 'bench-a')).toHaveLength(6);
    expect(hosts.filter((h) => h === 'bench-b')).toHaveLength(6);
    const a3 = [...back.values()].find((d) => d.host.hostname === 'bench-a' && d.createdAt === fleet.a[3]?.createdAt);
    expect(a3?.cells.map((c) => c.runs.map((r) => r.metrics?.wallNs))).toEqual(
      fleet.a[3]?.cells.map((c) => c.runs.map((r) => r.metrics?.wallNs)),
    );
  });

  // Two connections whose transactions surely overlap: a pool each, the batches started together. (Not for
  // SQLite: one process holding two connections to a file would wait on itself; its writers are processes.)
  if (engine.name === 'postgres')
    it.skipIf(engine.skip)('keeps overlapping transactions of two connections apart', async () => {
      const target = parseDatabaseUrl(db);
      await (await HistoryStore.open(target, { create: true })).close();
      const [one, two] = await Promise.all([HistoryStore.open(target, { create: false }), HistoryStore.open(target, { create: false })]);
      const input = (doc: ResultDocument, path: string) => ({ doc, path, fileSha256: '00' });
      const shared = input(fleet.shared, fleetFiles.shared);
      try {
        const results = await Promise.all(
          [0, 2, 4].flatMap((i) => [
            one.add([input(fleet.a[i] as ResultDocument, `a${i}`), shared, input(fleet.a[i + 1] as ResultDocument, `a${i + 1}`)]),
            two.add([input(fleet.b[i] as ResultDocument, `b${i}`), shared, input(fleet.b[i + 1] as ResultDocument, `b${i + 1}`)]),
          ]),
        );
        expect(results.flat().filter((o) => o.added)).toHaveLength(13);
        const runs = fleet.shared.cells.reduce((n, c) => n + c.runs.length, 0);
        expect(await counts(engine, db)).toEqual([13, 13 * fleet.shared.cells.length, 13 * runs]);
      } finally {
        await one.close();
        await two.close();
      }
    });

  it.skipIf(engine.skip)('lists and shows what is stored, filtered by host, kernel, cgroup mode, runtime and scenario', async () => {
    await historyAdd([...fleetFiles.a, ...fleetFiles.b], { db });
    expect(await listed(db)).toHaveLength(12);
    expect((await listed(db, { host: 'bench-a' })).map((d) => d.hostname)).toEqual(Array(6).fill('bench-a'));
    expect((await listed(db, { kernel: '6.12.0-1-amd64' })).map((d) => d.hostname)).toEqual(Array(6).fill('bench-b'));
    expect(await listed(db, { cgroup: 'hybrid' })).toHaveLength(12);
    expect(await listed(db, { cgroup: 'v2' })).toHaveLength(0);
    expect(await listed(db, { runtime: 'fake' })).toHaveLength(12);
    expect(await listed(db, { runtime: 'docker' })).toHaveLength(0);
    const json = await cgbench(['history', 'list', '--db', db, '--json', '--scenario', 'fixture', '--host', 'bench-b', '--last', '2']);
    expect(JSON.parse(json.stdout)).toMatchObject([{ createdAt: fleet.b[4]?.createdAt }, { createdAt: fleet.b[5]?.createdAt }]);

    const table = await cgbench(['history', 'list', '--db', db, '--kernel', '6.12.0-1-amd64']);
    expect(table.stdout).toMatch(
      /│ [0-9a-f]{12} │ 2025-01-01 02:00:00 │ bench-b +│ 6\.12\.0-1-amd64 │ hybrid +│ fake +│ fixture +│ complete │/,
    );
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe('6 document(s)');
    const id = (await listed(db, { host: 'bench-a' }))[0]?.id as string;
    const show = await cgbench(['history', 'show', '--db', db, id.slice(0, 8)]);
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toContain(`document ${id}`);
    expect(show.stdout).toContain('present and unchanged');
    expect(show.stdout).toMatch(/^cpu-loop — cpu: /m);
    const stored = JSON.parse((await historyShow(id, { db, json: true })).output) as ResultDocument;
    expect(stored.createdAt).toBe(fleet.a[0]?.createdAt);
    await expect(historyShow('ffffffff', { db })).rejects.toThrowError(/no stored document has an id starting with ffffffff/);
  });

  it.skipIf(engine.skip)('gates tonight against the stored nights and draws the trend', async () => {
    await historyAdd(files.stored, { db });
    // One file against last night's: the regression hides in that night's noise.
    const single = await cgbench(['compare', files.noisy, files.regressed]);
    expect(single.status, single.stdout).toBe(0);
    const summary = join(work, `summary-${engine.name}.md`);
    const gate = await cgbench(['compare', '--baseline', 'history:7', '--db', db, files.regressed, '--summary', summary]);
    expect(gate.status, gate.stdout + gate.stderr).toBe(1);
    expect(gate.stdout).toMatch(/^base {3}: history, up to 7 night\(s\) per cell from 7 stored document\(s\)/m);
    // The verdict is the last paragraph; it wraps to the terminal's width.
    const verdict = gate.stdout.slice(gate.stdout.lastIndexOf('\nFAIL: ') + 1).replace(/\s+/g, ' ');
    expect(verdict).toMatch(/^FAIL: 3 cell\(s\) with a significant regression beyond 5 %: cpu-loop/);
    expect(readFileSync(summary, 'utf8')).toMatch(/^## cgbench compare: FAIL$/m);
    const quiet = await cgbench(['compare', '--baseline', 'history', '--db', db, files.quiet, '--format', 'md']);
    expect(quiet.status, quiet.stdout).toBe(0);
    expect(quiet.stdout).toMatch(/^## cgbench compare: PASS$/m);
    // Tonight, once stored, is never its own baseline.
    await historyAdd([files.regressed], { db });
    expect((await runCompare([files.regressed], { baseline: 'history', db })).exitCode).toBe(1);
    await expect(runCompare([files.noisy, files.regressed], { baseline: 'history', db })).rejects.toThrowError(
      /--baseline history takes one document, got 2/,
    );

    const out = join(work, `trend-${engine.name}`);
    const trend = await cgbench(['history', 'trend', '--db', db, '--out', out, '--format', 'html,md,png']);
    expect(trend.status, trend.stderr).toBe(0);
    const written = trend.stdout.trimEnd().split('\n');
    expect(written.slice(0, 2)).toEqual([join(out, 'trend.html'), join(out, 'trend.md')]);
    // A chart per cell but the one OOM-killed every night.
    expect(written.filter((p) => p.endsWith('.png'))).toHaveLength(planted.regressed.cells.length - 1);
    const md = readFileSync(join(out, 'trend.md'), 'utf8');
    expect(md).toContain('8 stored night(s) on 1 host(s)');
    expect(md.match(/\*\*REGRESSION: median wall \+1\d\.\d % vs 7 of 7 nights\*\*/g)).toHaveLength(3);
  });
});
