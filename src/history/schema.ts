// The history database's tables (as Kysely types) and the migrations that build them, written once
// with Kysely's schema builder for both SQLite and PostgreSQL. A migration is never edited once
// released: a change to the schema is a new entry at the end of MIGRATIONS.

import type { Kysely } from 'kysely';

/** One row per stored result document; the host and scenario facts the filters use are columns. */
export interface DocumentsTable {
  /** sha256 of the document's canonical JSON. */
  id: string;
  /** Host, start time and scenario hash: one suite run has one document. */
  run_key: string;
  schema_version: number;
  cgbench_version: string;
  created_at: string;
  finished_at: string | null;
  status: string;
  hostname: string;
  kernel: string;
  cgroup_mode: string;
  cpu_model: string;
  cpu_count: number;
  memory_bytes: number;
  arch: string;
  distro: string;
  docker_version: string | null;
  scenario_name: string;
  scenario_hash: string;
  /** JSON array of the runtimes the document's cells ran on. */
  runtimes: string;
  cell_count: number;
  run_count: number;
  host_json: string;
  scenario_json: string;
  warnings_json: string;
  /** The file it was added from, and that file's sha256: its sample series stay there. */
  source_path: string;
  source_sha256: string;
  added_at: string;
  /** The document's fields no column holds (writer, schedule, ...), as a JSON object; null: none, or a
   *  document stored before the column existed. */
  extras_json?: string | null;
}

/** One row per cell of a stored document, with its summary's headline figures as columns. */
export interface CellsTable {
  doc_id: string;
  cell_id: string;
  /** Position in the document, which keeps the scenario's order. */
  position: number;
  /** model/canonical.ts cellKey: the same cell in every night's document. */
  cell_key: string;
  workload: string;
  kind: string;
  runtime: string;
  limit_set: string;
  baseline_cell_id: string | null;
  limits_json: string;
  params_json: string;
  summary_json: string;
  /** The outcomes a run may end with and still be a result (JSON list); null in documents that predate it. */
  expect_json: string | null;
  /** The cell's fields no column holds (its neighbour set, node, sampling, ...), as a JSON object; null: none. */
  extras_json?: string | null;
  measured_runs: number;
  median_wall_ns: number | null;
  slowdown: number | null;
  expected_slowdown: number | null;
  cpu_granted: number | null;
  throttle_ratio: number | null;
  peak_memory_bytes: number | null;
  io_bytes_per_sec: number | null;
}

/** One row per run (warm-ups included) with its per-run figures; run_json is the run without its samples. */
export interface RunsTable {
  doc_id: string;
  cell_id: string;
  /** Position in the cell's runs. */
  seq: number;
  warmup: number;
  outcome: string;
  started_at: string;
  wall_ns: number | null;
  harness_wall_ns: number;
  cpu_used_cpus: number | null;
  throttle_ratio: number | null;
  peak_memory_bytes: number | null;
  io_bytes_per_sec: number | null;
  /** Samples the run's series in the source file holds (null: none were taken). */
  samples_taken: number | null;
  run_json: string;
}

/** Applied migrations: the database's schema version is the highest. */
export interface SchemaTable {
  version: number;
  description: string;
  applied_at: string;
}

export interface HistoryDatabase {
  cgbench_schema: SchemaTable;
  cgbench_documents: DocumentsTable;
  cgbench_cells: CellsTable;
  cgbench_runs: RunsTable;
}

export interface Migration {
  version: number;
  description: string;
  up(db: Kysely<HistoryDatabase>): Promise<void>;
}

const DOUBLE = 'double precision';

/** The migration that added cgbench_cells.expect_json; a store kept at an older version writes without it. */
export const EXPECT_COLUMN_VERSION = 3;
/** The migration that added the extras_json columns of documents and cells (likewise). */
export const EXTRAS_COLUMN_VERSION = 4;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'documents, cells and runs',
    async up(db) {
      await db.schema
        .createTable('cgbench_documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('run_key', 'text', (c) => c.notNull().unique())
        .addColumn('schema_version', 'integer', (c) => c.notNull())
        .addColumn('cgbench_version', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('kernel', 'text', (c) => c.notNull())
        .addColumn('cgroup_mode', 'text', (c) => c.notNull())
        .addColumn('cpu_model', 'text', (c) => c.notNull())
        .addColumn('cpu_count', 'integer', (c) => c.notNull())
        .addColumn('memory_bytes', DOUBLE, (c) => c.notNull())
        .addColumn('arch', 'text', (c) => c.notNull())
        .addColumn('distro', 'text', (c) => c.notNull())
        .addColumn('docker_version', 'text')
        .addColumn('scenario_name', 'text', (c) => c.notNull())
        .addColumn('scenario_hash', 'text', (c) => c.notNull())
        .addColumn('runtimes', 'text', (c) => c.notNull())
        .addColumn('cell_count', 'integer', (c) => c.notNull())
        .addColumn('run_count', 'integer', (c) => c.notNull())
        .addColumn('host_json', 'text', (c) => c.notNull())
        .addColumn('scenario_json', 'text', (c) => c.notNull())
        .addColumn('warnings_json', 'text', (c) => c.notNull())
        .addColumn('source_path', 'text', (c) => c.notNull())
        .addColumn('source_sha256', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('cgbench_cells')
        .addColumn('doc_id', 'text', (c) => c.notNull().references('cgbench_documents.id').onDelete('cascade'))
        .addColumn('cell_id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('cell_key', 'text', (c) => c.notNull())
        .addColumn('workload', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('runtime', 'text', (c) => c.notNull())
        .addColumn('limit_set', 'text', (c) => c.notNull())
        .addColumn('baseline_cell_id', 'text')
        .addColumn('limits_json', 'text', (c) => c.notNull())
        .addColumn('params_json', 'text', (c) => c.notNull())
        .addColumn('summary_json', 'text', (c) => c.notNull())
        .addColumn('measured_runs', 'integer', (c) => c.notNull())
        .addColumn('median_wall_ns', DOUBLE)
        .addColumn('slowdown', DOUBLE)
        .addColumn('expected_slowdown', DOUBLE)
        .addColumn('cpu_granted', DOUBLE)
        .addColumn('throttle_ratio', DOUBLE)
        .addColumn('peak_memory_bytes', DOUBLE)
        .addColumn('io_bytes_per_sec', DOUBLE)
        .addPrimaryKeyConstraint('cgbench_cells_pk', ['doc_id', 'cell_id'])
        .execute();
      await db.schema
        .createTable('cgbench_runs')
        .addColumn('doc_id', 'text', (c) => c.notNull())
        .addColumn('cell_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('warmup', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('wall_ns', DOUBLE)
        .addColumn('harness_wall_ns', DOUBLE, (c) => c.notNull())
        .addColumn('cpu_used_cpus', DOUBLE)
        .addColumn('throttle_ratio', DOUBLE)
        .addColumn('peak_memory_bytes', DOUBLE)
        .addColumn('io_bytes_per_sec', DOUBLE)
        .addColumn('samples_taken', 'integer')
        .addColumn('run_json', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('cgbench_runs_pk', ['doc_id', 'cell_id', 'seq'])
        .addForeignKeyConstraint('cgbench_runs_cell_fk', ['doc_id', 'cell_id'], 'cgbench_cells', ['doc_id', 'cell_id'], (fk) =>
          fk.onDelete('cascade'),
        )
        .execute();
    },
  },
  {
    version: 2,
    description: 'indexes for the filters and the baseline look-up',
    async up(db) {
      // history list/trend filter by host and time; compare --baseline looks cells up by key.
      await db.schema.createIndex('cgbench_documents_host_time').on('cgbench_documents').columns(['hostname', 'created_at']).execute();
      await db.schema.createIndex('cgbench_documents_time').on('cgbench_documents').column('created_at').execute();
      await db.schema.createIndex('cgbench_documents_scenario').on('cgbench_documents').column('scenario_name').execute();
      await db.schema.createIndex('cgbench_cells_key').on('cgbench_cells').column('cell_key').execute();
      await db.schema.createIndex('cgbench_cells_runtime').on('cgbench_cells').columns(['runtime', 'doc_id']).execute();
    },
  },
  {
    version: EXPECT_COLUMN_VERSION,
    description: "a cell's expected outcomes (scenario expect:)",
    async up(db) {
      await db.schema.alterTable('cgbench_cells').addColumn('expect_json', 'text').execute();
    },
  },
  {
    version: EXTRAS_COLUMN_VERSION,
    description: "the fields of a document and of a cell that no column holds (the run order, a cell's sampling, ...)",
    async up(db) {
      // One JSON column each, so a new field of the result document needs no migration of its own.
      await db.schema.alterTable('cgbench_documents').addColumn('extras_json', 'text').execute();
      await db.schema.alterTable('cgbench_cells').addColumn('extras_json', 'text').execute();
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);
