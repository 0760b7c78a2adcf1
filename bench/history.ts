// `npm run bench:history` (run from the checkout, not shipped in dist): what the history costs on both
// engines. `history add` of one quick-preset document (the CLI as a CI job runs it, and the store's
// own share), then 100 nights generated from that real document and `history trend` over them.
//
//   tsx bench/history.ts [--doc RESULTS.json] [--nights 100] [--repeats 5] [--out DIR]
//
// Without --doc it runs the quick preset natively first (root; the fake runtime otherwise, said so).
// PostgreSQL is measured when CGBENCH_TEST_PG_URL names a server (scripts/postgres-up.sh): a database
// of its own is made there and dropped afterwards.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import pg from 'pg';
import { median } from '../src/analysis/stats.js';
import { buildTrend } from '../src/analysis/trend.js';
import { loadResultFile } from '../src/app/results.js';
import { HistoryStore } from '../src/history/store.js';
import { parseDatabaseUrl } from '../src/history/url.js';
import { sha256Hex } from '../src/model/canonical.js';
import { DEFAULT_HISTORY_NIGHTS, DEFAULT_HOST_MATCH } from '../src/model/defaults.js';
import { PACKAGE_ROOT } from '../src/model/paths.js';
import type { ResultDocument } from '../src/model/types.js';
import { renderTrend } from '../src/reporters/trend.js';
import { refreshSummaries } from '../src/scheduler/suite.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function cli(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cgbench ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** A quick-preset document: the one given, else a native run (root), else the fake runtime's. */
function quickDocument(work: string): { path: string; source: string } {
  const given = arg('--doc') ?? process.env.CGBENCH_BENCH_DOC;
  if (given) return { path: resolve(given), source: `given: ${resolve(given)}` };
  const root = process.getuid?.() === 0;
  const out = join(work, 'quick');
  const runtime = root ? 'native' : 'fake';
  process.stderr.write(`running the quick preset (${runtime}) for a real document...\n`);
  const r = spawnSync(process.execPath, [CLI, 'run', '--preset', 'quick', '--runtime', runtime, '--out', out, '--report', 'none'], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`cgbench run --preset quick exited ${r.status}`);
  return { path: join(out, 'results.json'), source: `cgbench run --preset quick --runtime ${runtime}` };
}

/** Deterministic jitter in [-1, 1]. */
function jitter(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/**
 * Night k of the generated history: the real document on another date, every run's times scaled by
 * that night's host speed (±2 %) and its own noise (±1 %), from night 70 the CPU cells 10 % slower
 * (a planted change for the trend to mark). Summaries are computed again, as the suite would.
 */
function nightFrom(real: ResultDocument, k: number): ResultDocument {
  const doc = JSON.parse(JSON.stringify(real)) as ResultDocument;
  const start = Date.parse(real.createdAt) - (100 - k) * 86_400_000;
  const took = real.finishedAt ? Date.parse(real.finishedAt) - Date.parse(real.createdAt) : 0;
  doc.createdAt = new Date(start).toISOString();
  doc.finishedAt = real.finishedAt ? new Date(start + took).toISOString() : null;
  const night = 1 + 0.02 * jitter(k + 1);
  doc.cells.forEach((cell, ci) => {
    const step = k >= 70 && cell.kind === 'cpu' ? 1.1 : 1;
    cell.runs.forEach((run, ri) => {
      const f = night * step * (1 + 0.01 * jitter(k * 1000 + ci * 50 + ri));
      run.harnessWallNs *= f;
      if (run.metrics) run.metrics.wallNs *= f;
    });
  });
  refreshSummaries(doc);
  return doc;
}

interface EngineFigures {
  engine: string;
  addCliMs: number;
  addStoreMs: number;
  addAgainCliMs: number;
  add100CliMs: number;
  trendCliMs: number;
  trendPngCliMs: number;
  trendLoadMs: number;
  trendBuildMs: number;
  trendRenderMs: number;
}

async function measure(
  engine: string,
  fresh: () => Promise<string>,
  drop: (db: string) => Promise<void>,
  docPath: string,
  nights: string[],
  repeats: number,
  out: string,
): Promise<EngineFigures> {
  const adds: number[] = [];
  const storeAdds: number[] = [];
  const again: number[] = [];
  const file = await loadResultFile(docPath);
  const input = { doc: file.doc, path: file.path, fileSha256: sha256Hex(file.text) };
  for (let i = 0; i < repeats; i++) {
    const db = await fresh();
    try {
      adds.push(cli(['history', 'add', '--db', db, docPath]));
      again.push(cli(['history', 'add', '--db', db, docPath]));
    } finally {
      await drop(db);
    }
    // The store's own share: an open database, one document, one transaction.
    const db2 = await fresh();
    try {
      const store = await HistoryStore.open(parseDatabaseUrl(db2), { create: true });
      const t0 = performance.now();
      await store.add([input]);
      storeAdds.push(performance.now() - t0);
      await store.close();
    } finally {
      await drop(db2);
    }
  }
  const db = await fresh();
  try {
    const add100 = cli(['history', 'add', '--db', db, ...nights]);
    const trends: number[] = [];
    for (let i = 0; i < 3; i++) trends.push(cli(['history', 'trend', '--db', db, '--out', join(out, `trend-${engine}`)]));
    const png = cli(['history', 'trend', '--db', db, '--out', join(out, `trend-${engine}-png`), '--format', 'html,md,png']);
    // Where a trend's time goes, in this process.
    const store = await HistoryStore.open(parseDatabaseUrl(db), { create: false });
    const t0 = performance.now();
    const listed = await store.list();
    const docs = await store.documents(listed.map((d) => d.id));
    const t1 = performance.now();
    await store.close();
    const report = buildTrend(
      listed.map((d) => ({ id: d.id, doc: docs.get(d.id) as ResultDocument })),
      {},
      { windowNights: DEFAULT_HISTORY_NIGHTS, thresholdPct: 5, match: [...DEFAULT_HOST_MATCH] },
    );
    const t2 = performance.now();
    await renderTrend(report, 'html');
    await renderTrend(report, 'md');
    const t3 = performance.now();
    return {
      engine,
      addCliMs: median(adds),
      addStoreMs: median(storeAdds),
      addAgainCliMs: median(again),
      add100CliMs: add100,
      trendCliMs: median(trends),
      trendPngCliMs: png,
      trendLoadMs: t1 - t0,
      trendBuildMs: t2 - t1,
      trendRenderMs: t3 - t2,
    };
  } finally {
    await drop(db);
  }
}

async function main(): Promise<void> {
  const nightsWanted = Number(arg('--nights') ?? 100);
  const repeats = Number(arg('--repeats') ?? 5);
  const out = resolve(arg('--out') ?? join('reports', 'bench'));
  const work = mkdtempSync(join(tmpdir(), 'cgbench-bench-history-'));
  try {
    const quick = quickDocument(work);
    const real = JSON.parse(readFileSync(quick.path, 'utf8')) as ResultDocument;
    const runs = real.cells.reduce((n, c) => n + c.runs.length, 0);
    const bytes = readFileSync(quick.path).length;
    process.stdout.write(
      `document: ${quick.source}; ${real.cells.length} cells, ${runs} runs, ${(bytes / 1e6).toFixed(2)} MB (sample series included)\n`,
    );
    mkdirSync(join(work, 'nights'), { recursive: true });
    const nights = Array.from({ length: nightsWanted }, (_, k) => {
      const f = join(work, 'nights', `night-${String(k).padStart(3, '0')}.json`);
      writeFileSync(f, JSON.stringify(nightFrom(real, k)));
      return f;
    });
    const figures: EngineFigures[] = [];
    let n = 0;
    figures.push(
      await measure(
        'sqlite',
        () => Promise.resolve(join(work, `db${n++}`, 'history.sqlite')),
        (db) => Promise.resolve(rmSync(join(db, '..'), { recursive: true, force: true })),
        quick.path,
        nights,
        repeats,
        work,
      ),
    );
    const server = process.env.CGBENCH_TEST_PG_URL;
    if (server) {
      const admin = async (text: string): Promise<void> => {
        const c = new pg.Client({ connectionString: server });
        await c.connect();
        try {
          await c.query(text);
        } finally {
          await c.end();
        }
      };
      figures.push(
        await measure(
          'postgres',
          async () => {
            const name = `cgbench_bench_${process.pid}_${n++}`;
            await admin(`create database ${name}`);
            const u = new URL(server);
            u.pathname = `/${name}`;
            return u.toString();
          },
          (db) => admin(`drop database if exists ${new URL(db).pathname.slice(1)} with (force)`),
          quick.path,
          nights,
          repeats,
          work,
        ),
      );
    } else {
      process.stderr.write('CGBENCH_TEST_PG_URL is not set: PostgreSQL skipped (eval "$(scripts/postgres-up.sh)")\n');
    }
    const t = new Table({
      head: [
        'engine',
        `history add (CLI), median of ${repeats}`,
        'store.add alone',
        'add again (no-op, CLI)',
        `add ${nightsWanted} nights (CLI)`,
        `history trend, ${nightsWanted} nights (CLI, html+md)`,
        'trend with png',
        'trend: load / build / render',
      ],
      style: { head: [], border: [] },
    });
    const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
    for (const f of figures) {
      t.push([
        f.engine,
        ms(f.addCliMs),
        ms(f.addStoreMs),
        ms(f.addAgainCliMs),
        ms(f.add100CliMs),
        ms(f.trendCliMs),
        ms(f.trendPngCliMs),
        `${ms(f.trendLoadMs)} / ${ms(f.trendBuildMs)} / ${ms(f.trendRenderMs)}`,
      ]);
    }
    process.stdout.write(`${t.toString()}\n`);
    mkdirSync(out, { recursive: true });
    const file = join(out, `history-${new Date().toISOString().replace(/[:.]/g, '')}.json`);
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      document: quick.source,
      cells: real.cells.length,
      runs,
      bytes,
      nights: nightsWanted,
      repeats,
      figures,
    };
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`written: ${file}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
