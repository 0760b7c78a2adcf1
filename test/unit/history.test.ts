// History without a database: the database URL, documents as rows and back, the pooled baseline of
// `compare --baseline history` (the planted regression a single-file compare misses), host matching,
// the trend and its renderers.

import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithHistory, hostMatches, nightsOfDocument, pickNights } from '../../src/analysis/baseline.js';
import { compareDocuments } from '../../src/analysis/compare.js';
import { buildTrend, type StoredNight } from '../../src/analysis/trend.js';
import { parseHistoryBaseline, parseHostMatch } from '../../src/app/compare.js';
import { historyFilter } from '../../src/app/history.js';
import { documentFromRows, documentId, documentRows } from '../../src/history/records.js';
import { parseDatabaseUrl, redactUrl } from '../../src/history/url.js';
import { canonicalJson, cellKey } from '../../src/model/canonical.js';
import { DEFAULT_HOST_MATCH } from '../../src/model/defaults.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { HostMatchField, NightCell, ResultDocument } from '../../src/model/types.js';
import { renderCompare } from '../../src/reporters/compare.js';
import { renderTrendHtml, renderTrendMarkdown, trendCharts } from '../../src/reporters/trend.js';
import { buildDocument } from '../fixtures/docs/build.js';
import { buildNight, plantedNights, type PlantedNights } from '../fixtures/docs/nights.js';

const MATCH = [...DEFAULT_HOST_MATCH];

/** What the store would hand the gate: the newest `n` matching nights of each of tonight's cells. */
function nightsFor(
  tonight: ResultDocument,
  stored: readonly ResultDocument[],
  n = 7,
  match: readonly HostMatchField[] = MATCH,
): NightCell[] {
  const all = stored.map((d, i) => nightsOfDocument(`doc${i}`, d));
  const cells = new Map(all.flatMap((x) => x.cells).map((c) => [`${c.docId}\n${c.cell.id}`, c]));
  return pickNights(
    tonight,
    all.flatMap((x) => x.candidates),
    match,
    n,
  ).map((p) => cells.get(`${p.docId}\n${p.cellId}`) as NightCell);
}

const CPU_CELLS = ['cpu-loop / unlimited / fake', 'cpu-loop / 50% CPU / fake', 'cpu-loop / 10% CPU / fake'];

describe('the history database URL', () => {
  it('selects SQLite for paths and PostgreSQL for postgres:// URLs, and hides passwords', () => {
    expect(parseDatabaseUrl('reports/h.sqlite', {})).toMatchObject({
      engine: 'sqlite',
      path: expect.stringMatching(/\/reports\/h\.sqlite$/),
    });
    expect(parseDatabaseUrl('sqlite:///var/tmp/h.db', {})).toMatchObject({ engine: 'sqlite', path: '/var/tmp/h.db' });
    expect(parseDatabaseUrl('file:h.db', {})).toMatchObject({ engine: 'sqlite', path: expect.stringMatching(/\/h\.db$/) });
    expect(parseDatabaseUrl(undefined, { CGBENCH_HISTORY_DB: '/x/y.sqlite' })).toMatchObject({ engine: 'sqlite', path: '/x/y.sqlite' });
    expect(parseDatabaseUrl(undefined, {})).toMatchObject({ engine: 'sqlite', path: expect.stringMatching(/\/reports\/history\.sqlite$/) });
    const pg = parseDatabaseUrl('postgres://u:secret@db.example:5433/hist', {});
    expect(pg).toMatchObject({ engine: 'postgres', url: 'postgres://u:secret@db.example:5433/hist' });
    expect(pg.shown).toBe('postgres://u:***@db.example:5433/hist');
    expect(redactUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
    for (const bad of ['mysql://h/db', ':memory:', '  ', 'postgres://']) {
      expect(() => parseDatabaseUrl(bad, {})).toThrowError(CgbenchError);
    }
  });
});

describe('documents as rows', () => {
  it('keeps everything but the sample series, and the same document always gets the same id', async () => {
    const doc = await buildDocument({ hostileNames: true });
    expect(doc.cells.some((c) => c.runs.some((r) => r.samples))).toBe(true);
    const rows = documentRows({ doc, path: '/r/results.json', fileSha256: 'ab' }, '2025-01-01T00:00:00.000Z');
    expect(rows.cells).toHaveLength(doc.cells.length);
    expect(rows.runs).toHaveLength(doc.cells.reduce((n, c) => n + c.runs.length, 0));
    expect(rows.runs.every((r) => !r.run_json.includes('"samples"'))).toBe(true);
    const back = documentFromRows(rows.document, rows.cells, rows.runs);
    const withoutSamples = JSON.parse(JSON.stringify(doc)) as ResultDocument;
    for (const c of withoutSamples.cells) for (const r of c.runs) delete r.samples;
    expect(back).toEqual(withoutSamples);
    // Key order and formatting do not change the id; content does.
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const shuffled = reversed(doc) as ResultDocument;
    expect(Object.keys(shuffled)[0]).toBe(Object.keys(doc).at(-1));
    expect(documentId(shuffled)).toBe(documentId(doc));
    expect(documentId({ ...doc, createdAt: '2030-01-01T00:00:00.000Z' })).not.toBe(documentId(doc));
  });

  it('keys a cell by workload, runtime, limit set, limits and parameters, whatever the key order', async () => {
    const doc = await buildDocument({ hostileNames: false, samples: false });
    const cell = doc.cells[1]!;
    const reordered = { ...cell, limits: JSON.parse(canonicalJson(cell.limits)) as typeof cell.limits };
    expect(cellKey(reordered)).toBe(cellKey(cell));
    expect(cellKey({ ...cell, params: { kind: 'cpu', iterations: 5, threads: 1 } })).not.toBe(cellKey(cell));
    expect(new Set(doc.cells.map(cellKey)).size).toBe(doc.cells.length);
  });
});

describe('the history gate (compare --baseline history)', () => {
  let p: PlantedNights;
  beforeAll(async () => {
    p = await plantedNights();
  });

  it('catches a planted 15 % regression that a single-file compare against last night misses', () => {
    // Last night was slow and noisy: against it, tonight looks like more of the same.
    const single = compareDocuments(p.noisy, p.regressed, { thresholdPct: 5 });
    expect(single.failed).toBe(false);
    const nights = nightsFor(p.regressed, p.stored);
    const gate = compareWithHistory(p.regressed, nights, { thresholdPct: 5, nightsPerCell: 7, match: MATCH });
    expect(gate.failed).toBe(true);
    const failing = gate.cells.filter((c) => c.verdict === 'regression').map((c) => c.currentCellId);
    expect(failing.sort()).toEqual([...CPU_CELLS].sort());
    const wall = gate.cells.find((c) => c.currentCellId === CPU_CELLS[0])?.metrics.find((m) => m.metric === 'wall');
    expect(wall?.changePct).toBeGreaterThan(12);
    expect(wall?.changePct).toBeLessThan(18);
    // The pooled spread: every stored night's measured runs.
    expect(wall?.baseRuns).toBe(7 * 5);
    expect(gate.base.history).toMatchObject({ nightsPerCell: 7, documents: 7, hosts: ['bench-01'], match: MATCH });
    expect(renderCompare(gate, 'md')).toContain('history, up to 7 night(s) per cell from 7 stored document(s)');
  });

  it('passes a night without a change, noisy night and all', () => {
    const gate = compareWithHistory(p.quiet, nightsFor(p.quiet, p.stored), { thresholdPct: 5, nightsPerCell: 7, match: MATCH });
    expect(gate.failed).toBe(false);
    expect(gate.cells).toHaveLength(p.quiet.cells.length);
  });

  it('pools only the last N nights, newest first', () => {
    const three = nightsFor(p.regressed, p.stored, 3);
    expect(new Set(three.map((n) => n.createdAt))).toEqual(new Set(p.stored.slice(-3).map((d) => d.createdAt)));
    const gate = compareWithHistory(p.regressed, three, { thresholdPct: 5, nightsPerCell: 3, match: MATCH });
    expect(gate.cells[0]?.metrics.find((m) => m.metric === 'wall')?.baseRuns).toBe(15);
  });
});

describe('matching hosts', () => {
  it('pools nights of the same kernel, cgroup mode, CPU and Docker version unless told otherwise', async () => {
    const tonight = await buildNight({ night: 9 });
    const same = await buildNight({ night: 1, host: { hostname: 'bench-02' } });
    const kernel = await buildNight({ night: 2, host: { kernel: '6.12.0-1-amd64' } });
    const cpu = await buildNight({ night: 3, host: { cpuModel: 'AMD EPYC 7B13' } });
    const cgroup = await buildNight({ night: 4, host: { cgroup: { ...tonight.host.cgroup, mode: 'v2', driver: 'v2' } } });
    const stored = [same, kernel, cpu, cgroup];
    const days = (n: NightCell[]): string[] => [...new Set(n.map((x) => x.createdAt.slice(0, 10)))].sort();
    // A fleet: another host of the same kind counts, other kinds do not.
    expect(days(nightsFor(tonight, stored))).toEqual(['2025-01-02']);
    expect(days(nightsFor(tonight, stored, 7, ['host']))).toEqual(['2025-01-03', '2025-01-04', '2025-01-05']);
    expect(days(nightsFor(tonight, stored, 7, ['cgroup']))).toEqual(['2025-01-02', '2025-01-03', '2025-01-04']);
    expect(days(nightsFor(tonight, stored, 7, []))).toHaveLength(4);
    // Nothing matches: tonight's cells are not compared, and say why.
    const gate = compareWithHistory(tonight, nightsFor(tonight, [kernel]), { thresholdPct: 5, nightsPerCell: 7, match: MATCH });
    expect(gate.cells).toHaveLength(0);
    expect(gate.failed).toBe(false);
    expect(gate.unmatched[0]?.reason).toBe('no stored night of this cell on a matching host (same kernel, cgroup, cpu, runtime)');
    expect(gate.warnings).toContain('no cell matched: nothing was compared');
  });

  it("counts a docker cell's night only on the same Docker Engine version when runtime is matched", () => {
    const tonight = { hostname: 'a', kernel: 'k', cgroupMode: 'v2', cpuModel: 'c', engines: { docker: '24.0.7' } } as const;
    const older = { ...tonight, engines: { docker: '20.10.24' } };
    expect(hostMatches(older, tonight, MATCH, 'docker')).toBe(false);
    expect(hostMatches(older, tonight, MATCH, 'native')).toBe(true);
    expect(hostMatches(older, tonight, ['kernel', 'cgroup', 'cpu'], 'docker')).toBe(true);
    expect(hostMatches({ ...tonight, hostname: 'b' }, tonight, [...MATCH, 'host'], 'native')).toBe(false);
  });

  it('parses --match, --baseline and the filters, refusing what they do not know', () => {
    expect(parseHostMatch(undefined)).toEqual(MATCH);
    expect(parseHostMatch('kernel, host')).toEqual(['kernel', 'host']);
    expect(parseHostMatch('none')).toEqual([]);
    expect(() => parseHostMatch('kernel,gpu')).toThrowError(/unknown host fact "gpu"/);
    expect(parseHistoryBaseline('history')).toBe(7);
    expect(parseHistoryBaseline('history:14')).toBe(14);
    for (const bad of ['history:0', 'yesterday.json', 'history:x']) expect(() => parseHistoryBaseline(bad)).toThrowError(CgbenchError);
    expect(historyFilter({ host: 'a', cgroup: 'v2', runtime: 'docker', last: 3 })).toEqual({
      host: 'a',
      cgroupMode: 'v2',
      runtime: 'docker',
      last: 3,
    });
    expect(() => historyFilter({ cgroup: 'v3' })).toThrowError(/--cgroup "v3"/);
    expect(() => historyFilter({ runtime: 'lxc' })).toThrowError(/--runtime "lxc"/);
  });
});

describe('the trend', () => {
  let nights: StoredNight[];
  beforeAll(async () => {
    const p = await plantedNights();
    const other = [];
    for (let n = 0; n < 3; n++) other.push(await buildNight({ night: n, host: { hostname: 'bench-<b>|2' } }));
    nights = [...p.stored, p.regressed, ...other].map((doc, i) => ({ id: `${i}`.padStart(64, '0'), doc }));
  });

  it('gives every cell its nights per host and marks the nights the gate fails', () => {
    const r = buildTrend(nights, {}, { windowNights: 7, thresholdPct: 5, match: MATCH });
    expect(r.hosts.map((h) => h.hostname)).toEqual(['bench-01', 'bench-<b>|2']);
    const host = r.hosts[0]!;
    expect(host.nights).toBe(8);
    expect(host.contexts).toHaveLength(1);
    const loop = host.series.find((s) => s.workload === 'cpu-loop' && s.limitSet === '50% CPU')!;
    expect(loop.points).toHaveLength(8);
    // Too few earlier nights for the first two; then the gate's verdict night by night.
    expect(loop.points.slice(0, 2).map((x) => x.change)).toEqual([null, null]);
    expect(loop.points.at(-1)?.change).toBe('regression');
    expect(loop.points.at(-1)?.changed.join()).toMatch(/median wall \+1[2-8]\.\d %/);
    // The quiet nights pass; the slow noisy night is itself a change (10 % slower).
    expect(loop.points.slice(2, 6).map((x) => x.change)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    // The expected value: the model's slowdown times that night's unlimited median.
    const base = host.series.find((s) => s.workload === 'cpu-loop' && s.baseline)!;
    const last = loop.points.at(-1)!;
    expect(last.expectedWallNs).toBeCloseTo((base.points.at(-1)!.medianWallNs as number) * (last.expectedSlowdown as number), 0);
    expect(base.points.every((x) => x.expectedWallNs === null)).toBe(true);
    expect(last.intervalNs?.[0]).toBeLessThanOrEqual(last.medianWallNs as number);
    expect(last.intervalNs?.[1]).toBeGreaterThanOrEqual(last.medianWallNs as number);
  });

  it('starts a new baseline where the host changed kernel', async () => {
    const upgraded = [];
    for (let n = 10; n < 13; n++) upgraded.push(await buildNight({ night: n, host: { kernel: '6.12.0-1-amd64' } }));
    const all = [...nights, ...upgraded.map((doc, i) => ({ id: `k${i}`.padStart(64, '0'), doc }))];
    const host = buildTrend(all, {}, { windowNights: 7, thresholdPct: 5, match: MATCH }).hosts[0]!;
    expect(host.contexts.map((c) => c.kernel)).toEqual(['6.1.0-18-amd64', '6.12.0-1-amd64']);
    const points = host.series[0]!.points;
    expect(points.slice(-3).map((x) => x.change)).toEqual([null, null, 'unchanged']);
    expect(points.at(-1)?.baselineNights).toBe(2);
  });

  it('renders HTML with one chart per cell and Markdown, names as text', () => {
    const r = buildTrend(nights, { scenario: 'fixture' }, { windowNights: 7, thresholdPct: 5, match: MATCH });
    const html = renderTrendHtml(r);
    // One chart per cell, but for the cell OOM-killed every night (nothing to draw; a note says so).
    const cells = r.hosts.reduce((n, h) => n + h.series.length, 0);
    expect(trendCharts(r)).toHaveLength(cells - r.hosts.length);
    expect(html.match(/<canvas /g)).toHaveLength(cells - r.hosts.length);
    expect(html.match(/mem-anon \/ 64M \(below\) \(fake\): no night had a measured run that ended ok/g)).toHaveLength(2);
    expect(html).toContain('bench-&lt;b&gt;|2');
    expect(html).not.toContain('<b>|2');
    expect(html).toContain('Filter: scenario fixture.');
    const md = renderTrendMarkdown(r);
    expect(md).toContain('### bench-&lt;b&gt;\\|2');
    expect(md).toMatch(/\| cpu-loop \/ 50% CPU \(fake\) \| 8 \| .* \| \*\*REGRESSION: median wall \+1\d\.\d % vs 7 of 7 nights\*\* \|/);
    const empty = buildTrend([], {}, { windowNights: 7, thresholdPct: 5, match: MATCH });
    expect(renderTrendHtml(empty)).toContain('No stored night matches the filter.');
    expect(renderTrendMarkdown(empty)).toContain('No stored night matches the filter.');
  });
});
