// A result document as rows of the history tables, and back: what is stored of a document (all but
// the runs' sample series, which stay in the source file), its id and the key of its suite run.

import { canonicalJson, cellKey, sha256Hex } from '../model/canonical.js';
import { groupBy } from '../model/collections.js';
import { cpuUsedCpus, throttleRatio, workloadBytesPerSec } from '../model/metrics.js';
import type { Cell, CgroupMode, HostInfo, ResultDocument, Run, RuntimeName, StoredDocument } from '../model/types.js';
import type { CellsTable, DocumentsTable, RunsTable } from './schema.js';

/** A document to add, with the file it came from. */
export interface DocumentInput {
  doc: ResultDocument;
  path: string;
  /** sha256 of the file's bytes. */
  fileSha256: string;
}

export interface DocumentRows {
  document: DocumentsTable;
  cells: CellsTable[];
  runs: RunsTable[];
}

/** The same document, however its file is formatted, always gets the same id. */
export function documentId(doc: ResultDocument): string {
  return sha256Hex(canonicalJson(doc));
}

/** One suite run has one document: a second, different document with this key is refused. */
export function runKey(doc: Pick<ResultDocument, 'host' | 'createdAt' | 'scenarioHash'>): string {
  return `${doc.host.hostname} ${doc.createdAt} ${doc.scenarioHash}`;
}

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function runRow(docId: string, cell: Cell, run: Run, seq: number): RunsTable {
  const { samples, ...kept } = run;
  return {
    doc_id: docId,
    cell_id: cell.id,
    seq,
    warmup: run.warmup ? 1 : 0,
    outcome: run.outcome,
    started_at: run.startedAt,
    wall_ns: finiteOrNull(run.metrics?.wallNs),
    harness_wall_ns: run.harnessWallNs,
    cpu_used_cpus: finiteOrNull(cpuUsedCpus(run)),
    throttle_ratio: finiteOrNull(throttleRatio(run)),
    peak_memory_bytes: finiteOrNull(run.after?.memory?.peakBytes),
    io_bytes_per_sec: finiteOrNull(workloadBytesPerSec(run)),
    samples_taken: samples ? samples.taken : null,
    run_json: JSON.stringify(kept),
  };
}

/** The fields of a cell and of a document that their rows keep in columns of their own (or rows of their own). */
const CELL_COLUMNS: readonly (keyof Cell)[] = [
  'id',
  'workload',
  'kind',
  'params',
  'runtime',
  'limitSet',
  'limits',
  'expect',
  'baselineId',
  'runs',
  'summary',
];
const DOCUMENT_COLUMNS: readonly (keyof ResultDocument)[] = [
  'schemaVersion',
  'tool',
  'createdAt',
  'finishedAt',
  'status',
  'host',
  'scenario',
  'scenarioHash',
  'cells',
  'warnings',
];

/** An object's other fields, as JSON; null when there are none. */
function extrasJson<T extends object>(o: T, columns: readonly (keyof T)[]): string | null {
  const extras = Object.entries(o).filter(([k]) => !(columns as readonly string[]).includes(k));
  return extras.length ? JSON.stringify(Object.fromEntries(extras)) : null;
}

function extrasOf(json: string | null | undefined): Record<string, unknown> {
  return typeof json === 'string' ? (JSON.parse(json) as Record<string, unknown>) : {};
}

function cellRow(docId: string, cell: Cell, position: number): CellsTable {
  const s = cell.summary;
  return {
    doc_id: docId,
    cell_id: cell.id,
    position,
    cell_key: cellKey(cell),
    workload: cell.workload,
    kind: cell.kind,
    runtime: cell.runtime,
    limit_set: cell.limitSet,
    baseline_cell_id: cell.baselineId,
    limits_json: JSON.stringify(cell.limits),
    params_json: JSON.stringify(cell.params),
    summary_json: JSON.stringify(s),
    expect_json: cell.expect ? JSON.stringify(cell.expect) : null,
    extras_json: extrasJson(cell, CELL_COLUMNS),
    measured_runs: s.measuredRuns,
    median_wall_ns: finiteOrNull(s.medianWallNs),
    slowdown: finiteOrNull(s.slowdown),
    expected_slowdown: finiteOrNull(s.expectedSlowdown),
    cpu_granted: finiteOrNull(s.cpuGranted),
    throttle_ratio: finiteOrNull(s.throttleRatio),
    peak_memory_bytes: finiteOrNull(s.peakMemoryBytes),
    io_bytes_per_sec: finiteOrNull(s.ioBytesPerSec),
  };
}

export function documentRows(input: DocumentInput, addedAt: string): DocumentRows {
  const { doc } = input;
  const id = documentId(doc);
  const h = doc.host;
  const document: DocumentsTable = {
    id,
    run_key: runKey(doc),
    schema_version: doc.schemaVersion,
    cgbench_version: doc.tool.version,
    created_at: doc.createdAt,
    finished_at: doc.finishedAt,
    status: doc.status,
    hostname: h.hostname,
    kernel: h.kernel,
    cgroup_mode: h.cgroup.mode,
    cpu_model: h.cpuModel,
    cpu_count: h.cpuCount,
    memory_bytes: h.memoryBytes,
    arch: h.arch,
    distro: h.distro,
    docker_version: h.docker?.version ?? null,
    scenario_name: doc.scenario.name,
    scenario_hash: doc.scenarioHash,
    runtimes: JSON.stringify([...new Set(doc.cells.map((c) => c.runtime))]),
    cell_count: doc.cells.length,
    run_count: doc.cells.reduce((n, c) => n + c.runs.length, 0),
    host_json: JSON.stringify(h),
    scenario_json: JSON.stringify(doc.scenario),
    warnings_json: JSON.stringify(doc.warnings),
    source_path: input.path,
    source_sha256: input.fileSha256,
    added_at: addedAt,
    extras_json: extrasJson(doc, DOCUMENT_COLUMNS),
  };
  const cells = doc.cells.map((c, i) => cellRow(id, c, i));
  const runs = doc.cells.flatMap((c) => c.runs.map((r, i) => runRow(id, c, r, i)));
  return { document, cells, runs };
}

export function storedDocument(d: DocumentsTable): StoredDocument {
  return {
    id: d.id,
    createdAt: d.created_at,
    finishedAt: d.finished_at,
    status: d.status as StoredDocument['status'],
    hostname: d.hostname,
    kernel: d.kernel,
    cgroupMode: d.cgroup_mode as CgroupMode,
    cpuModel: d.cpu_model,
    runtimes: JSON.parse(d.runtimes) as RuntimeName[],
    scenario: d.scenario_name,
    scenarioHash: d.scenario_hash,
    cgbenchVersion: d.cgbench_version,
    cells: Number(d.cell_count),
    runs: Number(d.run_count),
    sourcePath: d.source_path,
    sourceSha256: d.source_sha256,
    addedAt: d.added_at,
  };
}

/** A stored cell with its runs (sorted by seq), as the document had it minus the sample series. */
export function cellFromRows(c: CellsTable, runs: RunsTable[]): Cell {
  return {
    id: c.cell_id,
    workload: c.workload,
    kind: c.kind as Cell['kind'],
    params: JSON.parse(c.params_json) as Cell['params'],
    runtime: c.runtime,
    limitSet: c.limit_set,
    limits: JSON.parse(c.limits_json) as Cell['limits'],
    ...(typeof c.expect_json === 'string' ? { expect: JSON.parse(c.expect_json) as Cell['expect'] } : {}),
    baselineId: c.baseline_cell_id,
    runs: [...runs].sort((a, b) => a.seq - b.seq).map((r) => JSON.parse(r.run_json) as Run),
    summary: JSON.parse(c.summary_json) as Cell['summary'],
    ...extrasOf(c.extras_json),
  };
}

export function hostFromRow(d: Pick<DocumentsTable, 'host_json'>): HostInfo {
  return JSON.parse(d.host_json) as HostInfo;
}

/** The stored document rebuilt: the original but for the runs' sample series. */
export function documentFromRows(d: DocumentsTable, cells: CellsTable[], runs: RunsTable[]): ResultDocument {
  const runsOf = groupBy(runs, (r) => r.cell_id);
  return {
    schemaVersion: d.schema_version as ResultDocument['schemaVersion'],
    tool: { name: 'cgbench', version: d.cgbench_version },
    createdAt: d.created_at,
    finishedAt: d.finished_at,
    status: d.status as ResultDocument['status'],
    host: hostFromRow(d),
    scenario: JSON.parse(d.scenario_json) as ResultDocument['scenario'],
    scenarioHash: d.scenario_hash,
    cells: [...cells].sort((a, b) => a.position - b.position).map((c) => cellFromRows(c, runsOf.get(c.cell_id) ?? [])),
    warnings: JSON.parse(d.warnings_json) as ResultDocument['warnings'],
    ...extrasOf(d.extras_json),
  };
}
