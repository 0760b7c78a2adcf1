// The history store: one query layer (Kysely) over SQLite (better-sqlite3, one file) and PostgreSQL
// (pg, many hosts writing to one server). Opens the database the URL names, brings its schema up to
// date under a write lock, adds documents in one transaction each call, and reads them back.

import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import { sleep } from '../model/clock.js';
import { byNewest, groupBy } from '../model/collections.js';
import { engineVersions } from '../model/engines.js';
import { CgbenchError } from '../model/errors.js';
import type { HistoryAddOutcome, HistoryFilter, NightCandidate, NightCell, ResultDocument, StoredDocument } from '../model/types.js';
import {
  cellFromRows,
  type DocumentInput,
  documentFromRows,
  type DocumentRows,
  documentRows,
  hostFromRow,
  runKey,
  storedDocument,
} from './records.js';
import {
  type CellsTable,
  EXPECT_COLUMN_VERSION,
  EXTRAS_COLUMN_VERSION,
  type HistoryDatabase,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type RunsTable,
} from './schema.js';
import type { DatabaseTarget } from './url.js';

export interface OpenOptions {
  /** Make the database (the SQLite file, the tables) when it is missing: `history add` does, readers do not. */
  create: boolean;
  /** Migrate only up to this schema version (for testing migrations). Default: the latest. */
  targetVersion?: number;
}

/** How long a SQLite writer waits for another one to finish, ms. */
const SQLITE_BUSY_TIMEOUT_MS = 30_000;
/** Rows per INSERT: well under SQLite's 32766 and PostgreSQL's 65535 bound parameters. */
const INSERT_CHUNK = 400;
/** Bound parameters per IN list. */
const IN_CHUNK = 500;
/** pg_advisory_xact_lock key of the schema migration ("cgbh"). */
const PG_MIGRATION_LOCK = 0x63676268;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

interface DriverError {
  code?: string;
  message?: string;
}

function driverError(e: unknown): DriverError {
  if (e instanceof AggregateError && e.errors.length) return driverError(e.errors[0]);
  return typeof e === 'object' && e !== null ? e : { message: String(e) };
}

function isMissingTable(e: unknown): boolean {
  const d = driverError(e);
  return d.code === '42P01' || /no such table/i.test(d.message ?? '');
}

/** A driver's failure as one line that names the database and, where there is one, the fix. */
function databaseError(target: DatabaseTarget, e: unknown, doing: string): CgbenchError {
  if (e instanceof CgbenchError) return e;
  const d = driverError(e);
  const what = `${doing} ${target.shown}`;
  const why = `${d.code ? `${d.code}: ` : ''}${(d.message ?? '').split('\n')[0]}`;
  switch (d.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new CgbenchError('E_DATABASE', `cannot reach the PostgreSQL server of ${what} (${why})`, 'start it, or check host and port');
    case '28P01':
    case '28000':
      return new CgbenchError('E_DATABASE', `PostgreSQL refused the login for ${what} (${why})`, 'check the user and password in --db');
    case '3D000':
      return new CgbenchError('E_DATABASE', `${what}: the database does not exist (${why})`, 'create it first, e.g. createdb NAME');
    case 'SQLITE_NOTADB':
      return new CgbenchError('E_INPUT', `${target.shown} is not a SQLite database (${why})`, 'pass --db with a cgbench history file');
    case 'SQLITE_BUSY':
      return new CgbenchError(
        'E_DATABASE',
        `${what}: another writer held the database for ${SQLITE_BUSY_TIMEOUT_MS / 1000} s`,
        'try again',
      );
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'EACCES':
    case 'EEXIST':
    case 'ENOTDIR':
    case 'EROFS':
      return new CgbenchError('E_DATABASE', `${what}: cannot write the file (${why})`, 'check the path and its permissions');
    default:
      return new CgbenchError('E_DATABASE', `${what} failed (${why})`, 'check --db and that the database is reachable');
  }
}

function newerSchema(target: DatabaseTarget, version: number): CgbenchError {
  return new CgbenchError(
    'E_DATABASE',
    `${target.shown} has history schema version ${version}; this cgbench knows versions up to ${LATEST_SCHEMA_VERSION}`,
    'use the newer cgbench that wrote it',
  );
}

function noHistory(target: DatabaseTarget): CgbenchError {
  return new CgbenchError(
    'E_INPUT',
    `no cgbench history in ${target.shown}`,
    'add result documents first: cgbench history add RESULTS.json',
  );
}

/** Each engine's driver is loaded only when it is used: a SQLite user never loads pg, and the other way round. */
async function connect(target: DatabaseTarget, create: boolean): Promise<Kysely<HistoryDatabase>> {
  if (target.engine === 'postgres') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: target.url, max: 4, connectionTimeoutMillis: 15_000 });
    // An idle client whose server went away must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return new Kysely<HistoryDatabase>({ dialect: new PostgresDialect({ pool }) });
  }
  if (!existsSync(target.path)) {
    if (!create) {
      throw new CgbenchError(
        'E_INPUT',
        `no history database at ${target.path}`,
        'add result documents first: cgbench history add RESULTS.json',
      );
    }
    mkdirSync(dirname(target.path), { recursive: true });
  }
  const { default: SQLite } = await import('better-sqlite3');
  const file = new SQLite(target.path);
  try {
    // WAL: readers never block the one writer; busy_timeout: a second writer waits instead of failing.
    file.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    file.pragma('journal_mode = WAL');
    file.pragma('foreign_keys = ON');
  } catch (e) {
    file.close();
    throw e;
  }
  return new Kysely<HistoryDatabase>({ dialect: new SqliteDialect({ database: file }) });
}

export class HistoryStore {
  private constructor(
    readonly target: DatabaseTarget,
    private readonly db: Kysely<HistoryDatabase>,
  ) {}

  /** The schema version this store writes: the latest, or an older target (a database kept at an older version). */
  private version = LATEST_SCHEMA_VERSION;

  /**
   * Opening a SQLite file can fail with SQLITE_BUSY at once, not after busy_timeout: `PRAGMA journal_mode = WAL`
   * takes its lock without the busy handler (two processes opening a new file together: 4 of 80 opens failed
   * within 40 ms). Such an open is tried again, to the same 30 s, so that "held the database for 30 s" is true.
   */
  static async open(target: DatabaseTarget, opts: OpenOptions): Promise<HistoryStore> {
    const until = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
    for (;;) {
      try {
        return await HistoryStore.openOnce(target, opts);
      } catch (e) {
        if (driverError(e).code !== 'SQLITE_BUSY' || Date.now() > until) throw databaseError(target, e, 'opening');
        await sleep(10 + Math.random() * 40);
      }
    }
  }

  /** Connect and migrate; the driver's own error on failure (open() words it). */
  private static async openOnce(target: DatabaseTarget, opts: OpenOptions): Promise<HistoryStore> {
    const store = new HistoryStore(target, await connect(target, opts.create));
    try {
      store.version = opts.targetVersion ?? LATEST_SCHEMA_VERSION;
      await store.migrate(store.version, opts.create);
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  async close(): Promise<void> {
    await this.db.destroy().catch(() => {});
  }

  /** The highest applied migration; null when the database has no cgbench schema at all. */
  async schemaVersion(db: Kysely<HistoryDatabase> = this.db): Promise<number | null> {
    try {
      const row = await db
        .selectFrom('cgbench_schema')
        .select((eb) => eb.fn.max('version').as('v'))
        .executeTakeFirst();
      return row?.v == null ? 0 : Number(row.v);
    } catch (e) {
      if (isMissingTable(e)) return null;
      throw e;
    }
  }

  /**
   * One writer at a time, in one transaction: SQLite's BEGIN IMMEDIATE takes the write lock before the
   * first read (a deferred transaction that reads first cannot upgrade while another writer commits),
   * waiting up to busy_timeout; on PostgreSQL rows lock themselves, and `lock` adds an advisory lock
   * for what rows cannot guard (creating the tables).
   */
  private async write<T>(lock: boolean, fn: (db: Kysely<HistoryDatabase>) => Promise<T>): Promise<T> {
    if (this.target.engine === 'sqlite') {
      return this.db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await fn(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (e) {
          await sql`rollback`.execute(conn).catch(() => {});
          throw e;
        }
      });
    }
    return this.db.transaction().execute(async (trx) => {
      if (lock) await sql`select pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`.execute(trx);
      return fn(trx);
    });
  }

  /** Apply the migrations the database lacks, up to `target`; refuse a schema newer than this code. */
  private async migrate(target: number, create: boolean): Promise<void> {
    const seen = await this.schemaVersion();
    if (seen !== null && seen > LATEST_SCHEMA_VERSION) throw newerSchema(this.target, seen);
    if (seen !== null && seen >= target) return;
    if (seen === null && !create) throw noHistory(this.target);
    await this.write(true, async (db) => {
      await db.schema
        .createTable('cgbench_schema')
        .ifNotExists()
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .execute();
      // Read again under the lock: another process may have migrated meanwhile.
      const current = (await this.schemaVersion(db)) ?? 0;
      if (current > LATEST_SCHEMA_VERSION) throw newerSchema(this.target, current);
      for (const m of MIGRATIONS) {
        if (m.version <= current || m.version > target) continue;
        await m.up(db);
        await db
          .insertInto('cgbench_schema')
          .values({ version: m.version, description: m.description, applied_at: new Date().toISOString() })
          .execute();
      }
    });
  }

  /** Applied migrations, oldest first. */
  async migrations(): Promise<{ version: number; description: string; appliedAt: string }[]> {
    const rows = await this.db.selectFrom('cgbench_schema').selectAll().orderBy('version').execute();
    return rows.map((r) => ({ version: Number(r.version), description: r.description, appliedAt: r.applied_at }));
  }

  /**
   * Store documents, all or none: one transaction for the whole call. A document already stored is
   * skipped (added: false); a different document of an already stored suite run is refused, and with
   * it the whole call. Inserts go in id order, so two writers with overlapping batches lock rows in
   * the same order and cannot deadlock.
   */
  async add(inputs: readonly DocumentInput[], now = new Date()): Promise<HistoryAddOutcome[]> {
    const addedAt = now.toISOString();
    const prepared = inputs.map((input) => ({ input, rows: documentRows(input, addedAt) }));
    const order = [...prepared].sort((a, b) => (a.rows.document.id < b.rows.document.id ? -1 : 1));
    try {
      const added = await this.write(false, async (db) => {
        const fresh = new Set<string>();
        for (const { input, rows } of order) {
          const { document, cells } = this.columnsOf(rows);
          const inserted = await db
            .insertInto('cgbench_documents')
            .values(document)
            .onConflict((oc) => oc.doNothing())
            .returning('id')
            .executeTakeFirst();
          if (!inserted) {
            await this.explainConflict(db, input, rows.document.id);
            continue;
          }
          fresh.add(rows.document.id);
          for (const part of chunks(cells, INSERT_CHUNK)) await db.insertInto('cgbench_cells').values(part).execute();
          for (const part of chunks(rows.runs, INSERT_CHUNK)) await db.insertInto('cgbench_runs').values(part).execute();
        }
        return fresh;
      });
      return prepared.map(({ input, rows }) => ({
        path: input.path,
        id: rows.document.id,
        // The same file twice in one call: the first is added, the second is the no-op.
        added: added.delete(rows.document.id),
      }));
    } catch (e) {
      throw databaseError(this.target, e, 'adding to');
    }
  }

  /** The rows with only the columns this store's schema version has (a store kept at an older version). */
  private columnsOf(rows: DocumentRows): Pick<DocumentRows, 'document' | 'cells'> {
    const extras = this.version >= EXTRAS_COLUMN_VERSION;
    const expect = this.version >= EXPECT_COLUMN_VERSION;
    const { extras_json: _doc, ...document } = rows.document;
    const cells = rows.cells.map((c) => {
      const { extras_json: _cell, expect_json, ...rest } = c;
      return { ...rest, ...(expect ? { expect_json } : {}), ...(extras ? { extras_json: c.extras_json ?? null } : {}) } as CellsTable;
    });
    return { document: extras ? rows.document : document, cells };
  }

  /** Not inserted: the same document is already there (fine), or another one of the same suite run (refused). */
  private async explainConflict(db: Kysely<HistoryDatabase>, input: DocumentInput, id: string): Promise<void> {
    const same = await db.selectFrom('cgbench_documents').select('id').where('id', '=', id).executeTakeFirst();
    if (same) return;
    const other = await db.selectFrom('cgbench_documents').select('id').where('run_key', '=', runKey(input.doc)).executeTakeFirst();
    const d = input.doc;
    throw new CgbenchError(
      'E_INPUT',
      `${input.path}: ${this.target.shown} already has a different document of the same suite run ` +
        `(${d.scenario.name} on ${d.host.hostname}, started ${d.createdAt}; stored as ${(other?.id ?? '?').slice(0, 12)})`,
      'a suite run is added once, when it has finished; nothing was written',
    );
  }

  async list(filter: HistoryFilter = {}): Promise<StoredDocument[]> {
    try {
      let q = this.db.selectFrom('cgbench_documents').selectAll();
      if (filter.host !== undefined) q = q.where('hostname', '=', filter.host);
      if (filter.kernel !== undefined) q = q.where('kernel', '=', filter.kernel);
      if (filter.cgroupMode !== undefined) q = q.where('cgroup_mode', '=', filter.cgroupMode);
      if (filter.scenario !== undefined) q = q.where('scenario_name', '=', filter.scenario);
      const runtime = filter.runtime;
      if (runtime !== undefined) {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('cgbench_cells')
              .select('cgbench_cells.doc_id')
              .whereRef('cgbench_cells.doc_id', '=', 'cgbench_documents.id')
              .where('cgbench_cells.runtime', '=', runtime),
          ),
        );
      }
      q = q.orderBy('created_at', 'desc').orderBy('id');
      if (filter.last !== undefined) q = q.limit(filter.last);
      const rows = await q.execute();
      return rows.map(storedDocument).reverse();
    } catch (e) {
      throw databaseError(this.target, e, 'reading');
    }
  }

  /** The document whose id starts with `prefix` (at least 4 hex digits, like a short git hash). */
  async find(prefix: string): Promise<StoredDocument> {
    const p = prefix.trim().toLowerCase();
    if (!/^[0-9a-f]{4,64}$/.test(p)) {
      throw new CgbenchError(
        'E_INPUT',
        `"${prefix}" is not a document id`,
        'pass 4 or more hex digits of an id from `cgbench history list`',
      );
    }
    let rows;
    try {
      rows = await this.db.selectFrom('cgbench_documents').selectAll().where('id', 'like', `${p}%`).limit(2).execute();
    } catch (e) {
      throw databaseError(this.target, e, 'reading');
    }
    const [first, second] = rows;
    if (!first) throw new CgbenchError('E_INPUT', `no stored document has an id starting with ${p}`, 'see `cgbench history list`');
    if (second) throw new CgbenchError('E_INPUT', `more than one stored document has an id starting with ${p}`, 'give more digits');
    return storedDocument(first);
  }

  /** Stored documents rebuilt (all but the sample series), keyed by id. */
  async documents(ids: readonly string[]): Promise<Map<string, ResultDocument>> {
    const out = new Map<string, ResultDocument>();
    try {
      for (const part of chunks(ids, IN_CHUNK)) {
        const docs = await this.db.selectFrom('cgbench_documents').selectAll().where('id', 'in', part).execute();
        const cells = await this.db.selectFrom('cgbench_cells').selectAll().where('doc_id', 'in', part).execute();
        const runs = await this.db.selectFrom('cgbench_runs').selectAll().where('doc_id', 'in', part).execute();
        const cellsOf = groupBy(cells, (c) => c.doc_id);
        const runsOf = groupBy(runs, (r) => r.doc_id);
        for (const d of docs) out.set(d.id, documentFromRows(d, cellsOf.get(d.id) ?? [], runsOf.get(d.id) ?? []));
      }
    } catch (e) {
      throw databaseError(this.target, e, 'reading');
    }
    return out;
  }

  /**
   * Every stored night of these cells (by cell key) that started before `before`, newest first, with
   * the host facts a baseline matches on; the current document itself (by its run key) is left out.
   */
  async nightCandidates(keys: readonly string[], before: string, currentRunKey: string): Promise<NightCandidate[]> {
    const out: NightCandidate[] = [];
    try {
      for (const part of chunks(keys, IN_CHUNK)) {
        const rows = await this.db
          .selectFrom('cgbench_cells as c')
          .innerJoin('cgbench_documents as d', 'd.id', 'c.doc_id')
          .select([
            'c.doc_id',
            'c.cell_id',
            'c.cell_key',
            'd.created_at',
            'd.hostname',
            'd.kernel',
            'd.cgroup_mode',
            'd.cpu_model',
            'd.host_json',
          ])
          .where('c.cell_key', 'in', part)
          .where('d.created_at', '<', before)
          .where('d.run_key', '<>', currentRunKey)
          .orderBy('d.created_at', 'desc')
          .execute();
        for (const r of rows) {
          out.push({
            docId: r.doc_id,
            cellId: r.cell_id,
            key: r.cell_key,
            createdAt: r.created_at,
            facts: {
              hostname: r.hostname,
              kernel: r.kernel,
              cgroupMode: r.cgroup_mode as NightCandidate['facts']['cgroupMode'],
              cpuModel: r.cpu_model,
              engines: engineVersions(hostFromRow(r)),
            },
          });
        }
      }
    } catch (e) {
      throw databaseError(this.target, e, 'reading');
    }
    return out.sort(byNewest);
  }

  /** The chosen nights' cells with their runs and their documents' context. */
  async nightCells(picks: readonly Pick<NightCandidate, 'docId' | 'cellId'>[]): Promise<NightCell[]> {
    const wanted = new Set(picks.map((p) => JSON.stringify([p.docId, p.cellId])));
    const docIds = [...new Set(picks.map((p) => p.docId))];
    const cellIds = [...new Set(picks.map((p) => p.cellId))];
    const pick = <T extends { doc_id: string; cell_id: string }>(rows: T[]): T[] =>
      rows.filter((r) => wanted.has(JSON.stringify([r.doc_id, r.cell_id])));
    const out: NightCell[] = [];
    try {
      for (const part of chunks(docIds, IN_CHUNK)) {
        const docs = await this.db
          .selectFrom('cgbench_documents')
          .select(['id', 'created_at', 'host_json', 'scenario_hash'])
          .where('id', 'in', part)
          .execute();
        const cells: CellsTable[] = [];
        const runs: RunsTable[] = [];
        for (const cpart of chunks(cellIds, IN_CHUNK)) {
          cells.push(
            ...pick(
              await this.db.selectFrom('cgbench_cells').selectAll().where('doc_id', 'in', part).where('cell_id', 'in', cpart).execute(),
            ),
          );
          runs.push(
            ...pick(
              await this.db.selectFrom('cgbench_runs').selectAll().where('doc_id', 'in', part).where('cell_id', 'in', cpart).execute(),
            ),
          );
        }
        const byId = new Map(docs.map((d) => [d.id, d]));
        const runsOf = groupBy(runs, (r) => JSON.stringify([r.doc_id, r.cell_id]));
        for (const c of cells) {
          const d = byId.get(c.doc_id);
          if (!d) continue;
          out.push({
            docId: d.id,
            createdAt: d.created_at,
            host: hostFromRow(d),
            scenarioHash: d.scenario_hash,
            cell: cellFromRows(c, runsOf.get(JSON.stringify([c.doc_id, c.cell_id])) ?? []),
          });
        }
      }
    } catch (e) {
      throw databaseError(this.target, e, 'reading');
    }
    return out;
  }
}
