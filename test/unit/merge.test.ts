// Many hosts, one document: merging keeps each host's context and names every cell's host, refuses
// what cannot be one document, and the reporters and compare show the host dimension.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostDocument, type MergeInput, mergeDocuments, type MergeOutcome } from '../../src/analysis/merge.js';
import { hostsCompareCommand, runCompare } from '../../src/app/compare.js';
import { historyAdd } from '../../src/app/history.js';
import { mergeCommand, parseMergeArg } from '../../src/app/merge.js';
import { validateResultDocument } from '../../src/app/results.js';
import { CgbenchError } from '../../src/model/errors.js';
import type { HostInfo, ResultDocument } from '../../src/model/types.js';
import { buildCharts } from '../../src/reporters/charts/index.js';
import { renderHtml } from '../../src/reporters/html.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { pngFooter } from '../../src/reporters/png.js';
import { renderTable } from '../../src/reporters/table.js';
import { buildDocument, HOST } from '../fixtures/docs/build.js';

const NS_PER_IT = 0.29;
const HOST_B: HostInfo = { ...HOST, hostname: 'bench-02', kernel: '6.12.0-1-amd64', cgroup: { ...HOST.cgroup, mode: 'v2', driver: 'v2' } };
const common = { hostileNames: false, samples: false, repetitions: 5 } as const;

let a: ResultDocument;
let b: ResultDocument;
let bSlower: ResultDocument;
let merged: ResultDocument;
const dirs: string[] = [];

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cgbench-merge-'));
  dirs.push(d);
  return d;
}

function ok(outcome: MergeOutcome): ResultDocument {
  if (!('doc' in outcome)) throw new Error(`refused: ${outcome.problem}`);
  return outcome.doc;
}

function refusal(outcome: MergeOutcome): string {
  if ('doc' in outcome) throw new Error('merged, but should have been refused');
  return `${outcome.problem} (${outcome.hint})`;
}

/** The one line the CLI prints for a known error: its message and its hint. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CgbenchError) return e.format();
    throw e;
  }
  throw new Error('expected a refusal');
}

const input = (file: string, doc: ResultDocument, label?: string): MergeInput => ({ file, doc, ...(label ? { label } : {}) });

beforeAll(async () => {
  a = await buildDocument({ ...common, suiteId: 'host-a' });
  b = await buildDocument({ ...common, suiteId: 'host-b', hostInfo: HOST_B });
  // The second host runs the CPU loop 15 % slower.
  bSlower = await buildDocument({ ...common, suiteId: 'host-b', hostInfo: HOST_B, nsPerIteration: NS_PER_IT * 1.15 });
  merged = ok(mergeDocuments([input('A.json', a), input('B.json', b)], '0.1.0'));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('merge: one document of many hosts', () => {
  it("keeps each host's context and names every cell's host", () => {
    expect(merged.hosts?.map((e) => e.name)).toEqual(['bench-01', 'bench-02']);
    expect(merged.hosts?.map((e) => e.host)).toEqual([a.host, b.host]);
    expect(merged.hosts?.map((e) => e.scenarioHash)).toEqual([a.scenarioHash, b.scenarioHash]);
    expect(merged.host).toEqual(a.host);
    expect(merged.cells).toHaveLength(a.cells.length + b.cells.length);
    expect(new Set(merged.cells.map((c) => c.id)).size).toBe(merged.cells.length);
    for (const c of merged.cells) {
      expect(c.host === 'bench-01' || c.host === 'bench-02').toBe(true);
      // A cell's baseline is its own host's unlimited cell, never another host's.
      if (c.baselineId !== null) expect(merged.cells.find((x) => x.id === c.baselineId)?.host).toBe(c.host);
    }
    // Every cell keeps the summary its own host's analysis gave it.
    const own = merged.cells.filter((c) => c.host === 'bench-02').map((c) => c.summary);
    expect(own).toEqual(b.cells.map((c) => c.summary));
    expect(validateResultDocument(merged)).toEqual([]);
  });

  it('gives back each host as the document its own suite wrote', () => {
    expect(hostDocument(merged, 'bench-01')).toEqual({ ...a, tool: { name: 'cgbench', version: a.host.cgbenchVersion } });
    expect(hostDocument(merged, 'bench-02')).toEqual({ ...b, tool: { name: 'cgbench', version: b.host.cgbenchVersion } });
    expect(hostDocument(merged, 'nope')).toBeNull();
  });

  it('merges a merged document with another host, and labels name hosts', async () => {
    const c = await buildDocument({ ...common, suiteId: 'host-c', hostInfo: { ...HOST, hostname: 'bench-03' } });
    const three = ok(mergeDocuments([input('M.json', merged), input('C.json', c, 'third')], '0.1.0'));
    expect(three.hosts?.map((e) => e.name)).toEqual(['bench-01', 'bench-02', 'third']);
    expect(three.cells.filter((x) => x.host === 'third')).toHaveLength(c.cells.length);
    expect(hostDocument(three, 'bench-02')).toEqual(hostDocument(merged, 'bench-02'));
  });

  it('tells hosts that share a hostname apart by their kernel', () => {
    const sameName = { ...b, host: { ...b.host, hostname: 'bench-01' } };
    const m = ok(mergeDocuments([input('A.json', a), input('B.json', sameName)], '0.1.0'));
    expect(m.hosts?.map((e) => e.name)).toEqual(['bench-01/6.1.0-18-amd64', 'bench-01/6.12.0-1-amd64']);
  });

  it('is complete only when every host is; a failed host fails it', () => {
    const stopped = ok(mergeDocuments([input('A.json', a), input('B.json', { ...b, status: 'interrupted' })], '0.1.0'));
    expect(stopped.status).toBe('interrupted');
    expect(stopped.hosts?.[1]?.status).toBe('interrupted');
    expect(ok(mergeDocuments([input('A.json', { ...a, status: 'failed' }), input('B.json', b)], '0.1.0')).status).toBe('failed');
  });

  it('refuses what cannot be one document, with one line naming the files and the fix', () => {
    expect(refusal(mergeDocuments([input('A.json', a)], '0.1.0'))).toMatch(/two or more hosts/);
    const other = { ...b, scenario: { ...b.scenario, name: 'seed' } };
    expect(refusal(mergeDocuments([input('A.json', a), input('B.json', other)], '0.1.0'))).toMatch(
      /^A\.json and B\.json ran different scenarios \("fixture" and "seed"\)/,
    );
    const [w0, ...rest] = b.scenario.workloads;
    const changed = {
      ...b,
      scenario: { ...b.scenario, workloads: [{ ...w0!, params: { kind: 'cpu' as const, iterations: 5, threads: 1 } }, ...rest] },
    };
    expect(refusal(mergeDocuments([input('A.json', a), input('B.json', changed)], '0.1.0'))).toMatch(
      /different versions of scenario "fixture": workload "cpu-loop"/,
    );
    expect(refusal(mergeDocuments([input('A.json', a), input('A2.json', a)], '0.1.0'))).toMatch(
      /^A\.json and A2\.json come from the same host \(bench-01, kernel 6\.1\.0-18-amd64\) \(label them apart/,
    );
    expect(refusal(mergeDocuments([input('A.json', a, 'x'), input('B.json', b, 'x')], '0.1.0'))).toMatch(/would both be host "x"/);
    expect(refusal(mergeDocuments([input('A.json', a, 'a b'), input('B.json', b)], '0.1.0'))).toMatch(/"a b" cannot name a host/);
    expect(refusal(mergeDocuments([input('M.json', merged, 'x'), input('C.json', a, 'c')], '0.1.0'))).toMatch(/a label names one host/);
    expect(refusal(mergeDocuments([input('A.json', a), input('B.json', { ...b, status: 'running' })], '0.1.0'))).toMatch(
      /B\.json is from a suite that is still running/,
    );
  });

  it('the same host twice merges once labelled apart', () => {
    const m = ok(mergeDocuments([input('A.json', a, 'before'), input('A2.json', a, 'after')], '0.1.0'));
    expect(m.hosts?.map((e) => e.name)).toEqual(['before', 'after']);
  });

  it('FILE=NAME names a host; a name never ends in .json', () => {
    expect(parseMergeArg('a/results.json=bench-01')).toEqual({ file: 'a/results.json', label: 'bench-01' });
    expect(parseMergeArg('a=b.json')).toEqual({ file: 'a=b.json' });
    expect(parseMergeArg('results.json')).toEqual({ file: 'results.json' });
    expect(() => parseMergeArg('results.json=')).toThrow(/host name after "=" is empty/);
  });
});

describe('merge command: checked inputs, atomic output, nothing written on refusal', () => {
  it('writes results.json and the reports; refusals write nothing', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'A.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'B.json'), JSON.stringify(b));
    const res = await mergeCommand([join(dir, 'A.json'), `${join(dir, 'B.json')}=second`], { out: join(dir, 'out'), report: 'md' });
    expect(res.paths).toEqual([join(dir, 'out', 'results.json'), join(dir, 'out', 'report.md')]);
    const written = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as ResultDocument;
    expect(written.hosts?.map((e) => e.name)).toEqual(['bench-01', 'second']);

    writeFileSync(join(dir, 'not.json'), JSON.stringify({ hello: 1 }));
    const refused = mergeCommand([join(dir, 'A.json'), join(dir, 'not.json')], { out: join(dir, 'never') });
    await expect(refused).rejects.toThrow(/no schemaVersion: not a cgbench result document/);
    const twice = mergeCommand([join(dir, 'A.json'), join(dir, 'A.json')], { out: join(dir, 'never') });
    expect(await failure(twice)).toMatch(/same host.*nothing was written/);
    writeFileSync(join(dir, 'v2.json'), JSON.stringify({ ...b, schemaVersion: 2 }));
    await expect(mergeCommand([join(dir, 'A.json'), join(dir, 'v2.json')], { out: join(dir, 'never') })).rejects.toThrow(
      /schemaVersion 2; this cgbench reads schemaVersion 1/,
    );
    expect(() => readFileSync(join(dir, 'never', 'results.json'))).toThrow(/ENOENT/);
    // The output directory must not be an input's: merge would overwrite it.
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'results.json'), JSON.stringify(a));
    const own = mergeCommand([join(dir, 'a', 'results.json'), join(dir, 'B.json')], { out: join(dir, 'a') });
    await expect(own).rejects.toThrow(/holds one of the inputs/);
  });

  it('history add refuses a merged document: the history keeps each host on its own', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'merged.json'), JSON.stringify(merged));
    const add = historyAdd([join(dir, 'merged.json')], { db: join(dir, 'h.sqlite') });
    await expect(add).rejects.toThrow(/is a merged document/);
  });
});

describe('reporters: the host dimension', () => {
  it('a single-host document renders exactly as its host of a merged one does, with no host column', () => {
    const alone = hostDocument(merged, 'bench-01') as ResultDocument;
    expect(renderMarkdown(alone)).toBe(renderMarkdown({ ...a, tool: alone.tool }));
    expect(renderMarkdown(a)).not.toMatch(/\| host \|/);
    expect(renderMarkdown(a)).toMatch(/^\*\*Host\*\* bench-01: /m);
  });

  it('Markdown: a host column, the same limit side by side on each host, every host listed', () => {
    const md = renderMarkdown(merged);
    expect(md).toMatch(/^\*\*Hosts\*\* \(2\):$/m);
    expect(md).toMatch(/^- \*\*bench-01\*\*: .*kernel 6\.1\.0-18-amd64 · cgroup hybrid/m);
    expect(md).toMatch(/^- \*\*bench-02\*\*: .*kernel 6\.12\.0-1-amd64 · cgroup v2/m);
    const rows = md.split('\n').filter((l) => l.startsWith('| 50% CPU |') || l.startsWith('| 10% CPU |'));
    expect(rows.map((r) => r.split(' | ').slice(0, 2).join(' | '))).toEqual([
      '| 50% CPU | bench-01',
      '| 50% CPU | bench-02',
      '| 10% CPU | bench-01',
      '| 10% CPU | bench-02',
    ]);
    expect(md).toMatch(/^\| limit \| host \| runs \|/m);
  });

  it('terminal: one line per host and the host kept however narrow the table', () => {
    const text = renderTable(merged, { width: 60 });
    const [title, first, second] = text.split('\n');
    expect(title).toBe('cgbench 0.1.0 — fixture on 2 hosts');
    expect(first).toMatch(/^ {2}bench-01: 6\.1\.0-18-amd64, cgroup hybrid/);
    expect(second).toMatch(/^ {2}bench-02: 6\.12\.0-1-amd64, cgroup v2/);
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
    expect(text).toMatch(/^limit {6}host {6}runs/m);
  });

  it('HTML: every host under its name, a host column in the runs, and the title names the hosts', () => {
    const html = renderHtml(merged);
    expect(html).toContain('<h2>Hosts (2)</h2><h3>bench-01</h3>');
    expect(html).toContain('<h3>bench-02</h3>');
    expect(html).toContain('<title>fixture — cgbench report (bench-01, bench-02)</title>');
    expect(html).toContain('<th>limit</th><th>host</th><th>runtime</th>');
    expect(html).toMatch(/<td>50% CPU<\/td><td>bench-02<\/td><td>fake<\/td>/);
  });

  it('charts: a series per host in the limit charts, the host in every time chart, both hosts under each PNG', async () => {
    const withSamples = ok(
      mergeDocuments(
        [
          input('A.json', await buildDocument({ hostileNames: false })),
          input('B.json', await buildDocument({ hostileNames: false, hostInfo: HOST_B })),
        ],
        '0.1.0',
      ),
    );
    const [cpu] = buildCharts(withSamples);
    const slowdown = cpu?.summary.find((s) => s.kind === 'slowdown');
    expect(slowdown?.config.data.datasets.map((d) => d.label)).toEqual([
      'observed median (bench-01)',
      'expected (model) (bench-01)',
      '95 % interval (bench-01)',
      'observed median (bench-02)',
      'expected (model) (bench-02)',
      '95 % interval (bench-02)',
    ]);
    expect(slowdown?.config.data.datasets[3]?.data).toEqual(slowdown?.config.data.datasets[0]?.data);
    const titles = cpu?.timeSeries.map((s) => s.title) ?? [];
    expect(titles.filter((t) => /\(fake, bench-0[12]\)/.test(t))).toHaveLength(titles.length);
    expect(pngFooter(withSamples)).toMatch(
      /bench-01: kernel 6\.1\.0-18-amd64, cgroup hybrid.*bench-02: kernel 6\.12\.0-1-amd64, cgroup v2/,
    );
  });

  it('warnings name the host of each cell', async () => {
    const m = ok(
      mergeDocuments([input('A.json', await buildDocument({ hostileNames: true, samples: false })), input('B.json', b)], '0.1.0'),
    );
    expect(renderMarkdown(m)).toContain('mem &lt;i&gt; @ bench-01');
  });
});

describe('compare --hosts: two hosts of one document through the same gate', () => {
  let file: string;
  beforeAll(() => {
    const dir = tmp();
    file = join(dir, 'merged.json');
    writeFileSync(file, JSON.stringify(ok(mergeDocuments([input('A.json', a), input('B.json', bSlower)], '0.1.0'))));
  });

  it('the slower host is a regression of the CPU loop, with exit 1; the other way round an improvement', async () => {
    const res = await hostsCompareCommand(file, { hosts: 'bench-01,bench-02' });
    expect(res.exitCode).toBe(1);
    expect(res.result.base.host).toBe('bench-01');
    expect(res.result.current.host).toBe('bench-02');
    const loop = res.result.cells.find((c) => c.workload === 'cpu-loop' && c.limitSet === 'unlimited');
    const wall = loop?.metrics.find((m) => m.metric === 'wall');
    expect(wall?.verdict).toBe('regression');
    expect(wall?.changePct).toBeGreaterThan(10);
    expect(wall?.changePct).toBeLessThan(20);
    // Cells are matched by workload, runtime and limit set: each host's cell ids as its own suite wrote them.
    expect(res.result.cells.map((c) => c.currentCellId)).toEqual(bSlower.cells.map((c) => c.id));
    expect(res.output).toMatch(/^base {3}: fixture on host bench-01,/m);
    expect(res.result.warnings.join('\n')).toMatch(
      /the hosts differ in: host bench-01 -> bench-02; kernel 6\.1\.0-18-amd64 -> 6\.12\.0-1-amd64/,
    );
    const back = await hostsCompareCommand(file, { hosts: 'bench-02,bench-01' });
    expect(back.exitCode).toBe(0);
    expect(back.result.improvements).toBeGreaterThan(0);
  });

  it('refuses a host the document does not have, a document that is not merged, and a lone host', async () => {
    expect(await failure(hostsCompareCommand(file, { hosts: 'bench-01,nope' }))).toMatch(
      /has no host "nope" \(its hosts: bench-01, bench-02\)/,
    );
    await expect(hostsCompareCommand(file, { hosts: 'bench-01' })).rejects.toThrow(CgbenchError);
    const dir = tmp();
    writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
    await expect(hostsCompareCommand(join(dir, 'a.json'), { hosts: 'x,y' })).rejects.toThrow(/is not a merged document/);
    await expect(runCompare([file, join(dir, 'a.json')], { hosts: 'bench-01,bench-02' })).rejects.toThrow(
      /--hosts takes one merged document/,
    );
    await expect(runCompare([join(dir, 'a.json'), file], {})).rejects.toThrow(/is a merged document and the other is not/);
  });

  it('two merged documents compare host by host', async () => {
    const dir = tmp();
    const later = join(dir, 'later.json');
    writeFileSync(later, JSON.stringify(ok(mergeDocuments([input('A.json', a), input('B.json', bSlower)], '0.1.0'))));
    writeFileSync(join(dir, 'earlier.json'), JSON.stringify(merged));
    const res = await runCompare([join(dir, 'earlier.json'), later], {});
    expect(res.result.unmatched).toEqual([]);
    expect(res.result.cells).toHaveLength(merged.cells.length);
    const regressed = new Set(res.result.cells.filter((c) => c.verdict === 'regression').map((c) => c.currentCellId.split(' @ ')[1]));
    expect([...regressed]).toEqual(['bench-02']);
  });
});
