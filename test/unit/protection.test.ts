// The protection view in each resource's own terms, over a fake-run neighbours preset (the fake simulates
// page cache lost to a shared memory limit, a disk shared by IO, CPU waits) and over hand-made views for the
// cases no simulation reaches: each kind's verdict names the resource lost and what kept it, never the
// scheduler for a memory or IO loss, and "unknown" where no figure supports a cause.
import { beforeAll, describe, expect, it } from 'vitest';
import { compareDocuments } from '../../src/analysis/compare.js';
import { verdictOf } from '../../src/analysis/verdict.js';
import { validateResultDocument } from '../../src/app/results.js';
import { addGroupFigures, groupFigures } from '../../src/model/metrics.js';
import type { Cell, ContentionView, ResultDocument, Stats } from '../../src/model/types.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { protectionGrid, protectionNotes } from '../../src/reporters/protection.js';
import { renderTable } from '../../src/reporters/table.js';
import { FakeRuntime } from '../../src/runtimes/fake.js';
import { loadPreset } from '../../src/scenario/load.js';
import { runSuite } from '../../src/scheduler/suite.js';
import { HOST } from '../fixtures/docs/build.js';

let doc: ResultDocument;

async function fakeNeighbours(): Promise<ResultDocument> {
  const scenario = loadPreset('neighbours');
  scenario.repetitions = 3;
  scenario.runtimes = ['fake'];
  return runSuite({
    scenario,
    host: HOST,
    runtimes: { fake: new FakeRuntime({ noise: 0.02 }) },
    scratch: () => ({ dir: '/var/tmp', fsType: 'ext4', fsDevice: '254:0', major: 254, minor: 0, diskName: 'vda' }),
    scratchDir: '/var/tmp',
    save: () => {},
  });
}

beforeAll(async () => {
  doc = await fakeNeighbours();
});

const view = (workload: string, set: string): ContentionView => {
  const v = doc.cells.find((c) => c.workload === workload && c.neighbourSet?.name === set)?.summary.contention;
  if (!v) throw new Error(`no view for ${workload} next to ${set}`);
  return v;
};
const cellsOf = (workload: string): Cell[] => doc.cells.filter((c) => c.workload === workload);

describe('protection view over the fake neighbours preset', () => {
  it('page cache: an uncapped cache hog in the shared parent evicts the working set; capped at 64 MiB it does not', () => {
    const hog = view('pagecache-reread-96M', 'cache hog in 192M');
    expect(hog.resource).toBe('page cache');
    expect(hog.memory?.diskReadsVsAlone?.median).toBeGreaterThanOrEqual(1.5);
    expect(hog.memory?.refaultsPerPass).toBeGreaterThan(0);
    expect(hog.verdict.lost).toBe('page cache');
    expect(hog.verdict.text).toMatch(
      /^lost page cache: cache hog 200M evicted its working set, \d+ MiB more read from disk than alone \(disk reads \d\.\d\dx alone/,
    );
    expect(hog.verdict.text).toMatch(/no memory limit held cache hog 200M in the 192 MiB they share/);
    expect(hog.neighbours[0]?.peakMemoryBytes).toBeGreaterThan(100 * 2 ** 20);
    expect(hog.verdict.text).toMatch(/cache hog 200M held up to 196 MiB/);

    const capped = view('pagecache-reread-96M', 'cache hog at 64M in 192M');
    expect(Math.abs((capped.memory?.diskReadsVsAlone?.median ?? 0) - 1)).toBeLessThanOrEqual(0.1);
    expect(capped.verdict).toEqual({
      lost: null,
      text: 'kept its working set (disk reads 1.00x alone); the limit on cache hog 200M at 64M (mem 64 MiB) kept it',
    });
    for (const v of [hog, capped]) expect(v.verdict.text).not.toMatch(/scheduler/);
  });

  it('disk: an unthrottled writer takes bandwidth; at 20 MB/s the reader keeps its rate', () => {
    const writer = view('direct-read-512M', 'direct writer');
    expect(writer.resource).toBe('disk');
    expect(writer.io?.rateKept?.median).toBeLessThan(0.9);
    expect(writer.verdict.lost).toBe('disk bandwidth');
    expect(writer.verdict.text).toMatch(
      /^lost disk bandwidth: \d+ % of its alone rate .* beside writer 16M; writer 16M moved [\d.]+ MB\/s \(no throttle\)/,
    );
    const throttled = view('direct-read-512M', 'direct writer at 20 MB/s');
    expect(throttled.io?.rateKept?.median).toBeGreaterThan(0.9);
    expect(throttled.verdict.lost).toBeNull();
    expect(throttled.verdict.text).toMatch(
      /^kept its disk bandwidth: 9\d % of its alone rate .*the limit on writer 16M at 20 MB\/s \(write 20 MB\/s\) kept it$/,
    );
    expect(throttled.neighbours[0]?.diskWriteBytesPerSec).toBeCloseTo(20e6, -5);
    for (const v of [writer, throttled]) expect(v.verdict.text).not.toMatch(/scheduler|CPU share/);
  });

  it('CPU: the share lost in one group is the scheduler’s; a quota or weight on the hog keeps it', () => {
    const same = view('cpu-loop', 'hog in the same group');
    expect(same.verdict.lost).toBe('cpu share');
    expect(same.verdict.text).toMatch(/^lost CPU share: the scheduler gave it less \(share kept 6\d %, the fair-share model 67 %\)/);
    expect(view('cpu-loop', 'hog at 0.2 CPU').verdict.text).toMatch(
      /^kept its CPU share .*the limit on hog x2 at 0.2 CPU \(0.20 CPU\) kept it$/,
    );
    expect(view('cpu-loop', 'hog in its own group').verdict.text).toMatch(/groups of their own share the CPUs by weight$/);
  });

  it('latency: p99 against alone, the cause named only by a figure (PSI CPU wait here)', () => {
    const own = view('requests-1x1ms', 'hog in its own group');
    expect(own.verdict.lost).toBe('latency');
    expect(own.verdict.text).toMatch(
      /^lost latency \(p99 \d\.\d\dx alone\): its tasks waited for a CPU \d+ % of the time \(alone 0 %, PSI\)/,
    );
    expect(view('requests-1x1ms', 'hog at weight 1').verdict.lost).toBeNull();
  });

  it('renders each kind in its own columns and notes, and the document validates', () => {
    expect(validateResultDocument(doc)).toEqual([]);
    const heads = (w: string): string[] => protectionGrid(doc, cellsOf(w)).head;
    expect(heads('cpu-loop')).toEqual(expect.arrayContaining(['CPU share', 'share kept', 'CPU per work', 'verdict']));
    expect(heads('pagecache-reread-96M')).toEqual(
      expect.arrayContaining(['disk reads/pass', 'reads vs alone', 'refaults/pass', 'memory wait']),
    );
    expect(heads('pagecache-reread-96M')).not.toContain('CPU share');
    expect(heads('direct-read-512M')).toEqual(expect.arrayContaining(['MB/s', 'rate kept', 'IOPS', 'per IO', 'IO wait']));
    expect(heads('direct-read-512M')).not.toContain('share kept');
    // The alone row is the reference, with its own figures.
    const alone = protectionGrid(doc, cellsOf('pagecache-reread-96M')).rows[0] ?? [];
    expect(alone).toEqual(expect.arrayContaining(['reference', '4.8 MiB']));
    expect(protectionNotes(cellsOf('pagecache-reread-96M')).join(' ')).not.toMatch(/scheduler’s/);
    expect(protectionNotes(cellsOf('direct-read-512M')).join(' ')).toMatch(/not by the CPU scheduler/);
    expect(protectionNotes(cellsOf('cpu-loop')).join(' ')).toMatch(/the share lost is the scheduler’s/);
    const table = renderTable(doc, { width: 100 });
    expect(table).toMatch(/ {2}cache hog in 192M: lost page cache: cache hog 200M evicted/);
    expect(table).toMatch(/ {6}neighbours: cache hog 200M: [\d.]+ CPU, peak memory 196 MiB/);
    expect(renderMarkdown(doc)).toMatch(/\| kept its disk bandwidth: 9\d % of its alone rate/);
  });
});

const stats = (median: number, ci95: [number, number] = [median, median], n = 3): Stats => ({
  n,
  min: ci95[0],
  max: ci95[1],
  mean: median,
  median,
  sd: 0,
  mad: 0,
  cv: 0,
  ci95,
  outliers: [],
});

function baseView(over: Partial<ContentionView>): Omit<ContentionView, 'verdict'> {
  return {
    aloneCellId: 'a',
    resource: 'cpu',
    timeVsAlone: stats(1),
    cpuShare: stats(0.2),
    aloneCpuShare: 0.2,
    shareKept: stats(1),
    costRatio: stats(1),
    expectedCpuShare: null,
    expectedShareKept: null,
    neighbours: [{ label: 'hog', placement: 'own', cpus: 1.4, opsPerSec: null, bytesPerSec: null, starts: 1 }],
    ...over,
  };
}
const cellOf = (kind: Cell['kind']): Cell => cellsOf('cpu-loop').map((c) => ({ ...c, kind }))[0] as Cell;
const memoryFigures = (reads: Stats): NonNullable<ContentionView['memory']> => ({
  diskReadsPerPass: reads,
  aloneDiskReadsPerPass: 5e6,
  diskReadsVsAlone: reads,
  extraDiskReadBytes: 2e8,
  majorFaultsPerPass: null,
  aloneMajorFaultsPerPass: null,
  refaultsPerPass: null,
  aloneRefaultsPerPass: null,
  reclaimedPerPass: null,
  aloneReclaimedPerPass: null,
  oomKills: 0,
  aloneOomKills: 0,
});

describe('verdicts where no figure names a cause', () => {
  it('latency on v1 (no PSI) with the CPU share kept: unknown', () => {
    const v = verdictOf(cellOf('latency'), baseView({ p99Ratio: 3.8 }));
    expect(v).toEqual({
      lost: 'latency',
      text: 'lost latency (p99 3.80x alone), cause unknown: it kept its CPU share (100 %) and no CPU pressure figure shows a wait; hog used 1.40 CPU',
    });
  });

  it('page cache lost while no neighbour shows memory use: unknown, and never the scheduler', () => {
    const v = verdictOf(cellOf('memory'), baseView({ resource: 'page cache', shareKept: stats(0.5), memory: memoryFigures(stats(2.5)) }));
    expect(v.lost).toBe('page cache');
    expect(v.text).toMatch(/cause unknown: no neighbour's figure shows memory use$/);
    expect(v.text).not.toMatch(/scheduler|CPU share/);
  });

  it('a loss too spread to tell is said so, with its interval', () => {
    const v = verdictOf(cellOf('memory'), baseView({ resource: 'page cache', memory: memoryFigures(stats(2.5, [0.4, 4.6])) }));
    expect(v).toEqual({ lost: 'unknown', text: 'disk reads 2.50x alone, too spread to tell (95 % CI 0.40–4.60)' });
  });

  it('CPU lost beside a neighbour that stayed within its quota: never "no quota held them"; the loss past the model is unknown', () => {
    // As measured on a busy host: the hog at 0.5 CPU used 0.13, yet the loop kept half its share.
    const hog = { label: 'hog at 0.5 CPU', placement: 'own' as const, cpus: 0.13, opsPerSec: null, bytesPerSec: null, starts: 2 };
    const v = verdictOf(
      cellOf('cpu'),
      baseView({ shareKept: stats(0.52, [0.5, 0.54]), expectedShareKept: 1, neighbours: [{ ...hog, limit: '0.50 CPU' }] }),
    );
    expect(v.lost).toBe('cpu share');
    expect(v.text).not.toMatch(/no quota or weight/);
    expect(v.text).toMatch(
      /hog at 0.5 CPU stayed within its limit \(0.50 CPU\); the loss beyond the model's 100 % has no cause in its neighbours' figures \(unknown/,
    );
    // Unlimited, it is named as the one no quota held.
    const unheld = verdictOf(cellOf('cpu'), baseView({ shareKept: stats(0.52, [0.5, 0.54]), expectedShareKept: 1, neighbours: [hog] }));
    expect(unheld.text).toMatch(/; no quota or weight held hog at 0.5 CPU; the loss beyond/);
  });

  it('a command slower than alone with no figure moved: unknown', () => {
    const v = verdictOf(cellOf('command'), baseView({ resource: 'unknown', timeVsAlone: stats(1.6, [1.4, 1.8]) }));
    expect(v).toEqual({ lost: 'unknown', text: 'ran 1.60x as long as alone, cause unknown: no measured figure moved' });
  });
});

describe('compare over neighbour cells', () => {
  it('matches each neighbour set to its own and gates on disk reads per pass', () => {
    const current = structuredClone(doc);
    const hog = current.cells.find((c) => c.neighbourSet?.name === 'cache hog at 64M in 192M');
    for (const r of hog?.runs ?? []) if (r.metrics) r.metrics.diskReadBytes = (r.metrics.diskReadBytes as number) * 2.5;
    const result = compareDocuments(doc, current, { thresholdPct: 5 });
    expect(result.cells).toHaveLength(doc.cells.length);
    expect(result.unmatched).toEqual([]);
    const cmp = result.cells.find((c) => c.currentCellId === hog?.id);
    const reads = cmp?.metrics.find((m) => m.metric === 'diskReadsPerPass');
    expect(reads?.verdict).toBe('regression');
    expect(reads?.changePct).toBeCloseTo(150, 0);
    expect(result.exitCode).toBe(1);
    expect(compareDocuments(doc, structuredClone(doc), { thresholdPct: 5 }).exitCode).toBe(0);
  });
});

describe('group figures', () => {
  it('a group between two readings, and a neighbour’s starts summed (peak the highest, cache the last)', () => {
    const r = (tNs: number, rbytes: number, refaults: number, peak: number, file: number): Parameters<typeof groupFigures>[0] => ({
      tNs,
      memory: { refaults, peakBytes: peak, fileBytes: file },
      io: { '8:0': { rbytes, wbytes: 0, rios: rbytes / 4096, wios: 0 } },
    });
    const a = groupFigures(r(0, 0, 0, 10, 5), r(1e9, 8192, 3, 50, 40));
    expect(a).toEqual({
      spanNs: 1e9,
      ioReadBytes: 8192,
      ioWriteBytes: 0,
      ioReadOps: 2,
      ioWriteOps: 0,
      refaults: 3,
      peakBytes: 50,
      fileBytes: 40,
    });
    const b = groupFigures(r(0, 0, 0, 5, 5), r(5e8, 4096, 1, 30, 20));
    expect(addGroupFigures(a, b)).toMatchObject({ spanNs: 1.5e9, ioReadBytes: 12288, refaults: 4, peakBytes: 50, fileBytes: 20 });
  });
});
