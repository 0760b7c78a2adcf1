import { describe, expect, it } from 'vitest';
import { carryOvers } from '../../src/analysis/carryover.js';
import { summarizeCell } from '../../src/analysis/summary.js';
import { documentWarnings } from '../../src/analysis/warnings.js';
import type { Cell, Run } from '../../src/model/types.js';

const BASE_MS: Record<string, number> = { unlimited: 65, '512M': 67, '128M': 650 };
// Twelve shuffled blocks of three cells (every order of the three twice).
const ORDERS = [
  ['unlimited', '512M', '128M'],
  ['128M', 'unlimited', '512M'],
  ['512M', '128M', 'unlimited'],
  ['unlimited', '128M', '512M'],
  ['128M', '512M', 'unlimited'],
  ['512M', 'unlimited', '128M'],
];

/** A page-cache workload's three cells in interleaved order; a run right after a 128M run takes `carry` times as long. */
function workload(carry: number, interleaved = true): Cell[] {
  const cells = new Map<string, Cell>(
    Object.keys(BASE_MS).map((set) => [
      set,
      {
        id: `pc / ${set}`,
        workload: 'pc',
        kind: 'memory',
        params: { kind: 'memory', mode: 'pagecache', mib: 256, passes: 5 },
        runtime: 'native',
        limitSet: set,
        limits: set === 'unlimited' ? {} : { memory: { maxBytes: 2 ** 20 * Number.parseInt(set, 10) } },
        baselineId: set === 'unlimited' ? null : 'pc / unlimited',
        runs: [],
        summary: {} as Cell['summary'],
      } as unknown as Cell,
    ]),
  );
  let seq = 0;
  let before: string | undefined;
  for (let block = 0; block < 12; block++) {
    for (const set of ORDERS[block % ORDERS.length] as string[]) {
      const cell = cells.get(set) as Cell;
      // A little spread of its own (±2 %), the same in every case.
      const ms = (BASE_MS[set] as number) * (1 + 0.02 * Math.sin(seq * 1.7)) * (before === '128M' && set !== '128M' ? carry : 1);
      cell.runs.push({
        index: cell.runs.length,
        warmup: false,
        outcome: 'ok',
        seq,
        ...(interleaved ? { block } : {}),
        metrics: { wallNs: ms * 1e6 },
      } as unknown as Run);
      seq++;
      before = set;
    }
  }
  return [...cells.values()];
}

describe('carry-over, read from the recorded order', () => {
  it("names the cell whose runs slow the next one, with the runs' ratio and a p-value", () => {
    const [x, ...rest] = carryOvers(workload(1.45));
    expect(rest).toEqual([]);
    expect(x?.cellId).toBe('pc / 128M');
    expect(x?.ratio).toBeGreaterThan(1.35);
    expect(x?.ratio).toBeLessThan(1.55);
    // Of the 23 runs of the other two cells with a run before them (not the suite's first), 9 came right after a 128M
    // run: 12 128M runs, less two followed by another 128M run (a block ending and the next opening with one) and the last.
    expect(x?.after).toBe(9);
    expect(x?.others).toBe(14);
    expect(x?.p).toBeLessThan(0.01 / 3);
  });

  it('says it once, as a warning on that cell', () => {
    const cells = workload(1.45);
    const byId = new Map(cells.map((c) => [c.id, c]));
    for (const c of cells) c.summary = summarizeCell(c, c.baselineId ? byId.get(c.baselineId) : undefined, { hostCpus: 2 });
    const w = documentWarnings(cells, { cgroupMode: 'v1', driver: 'v1' }).filter((x) => x.code === 'carry-over');
    expect(w).toHaveLength(1);
    expect(w[0]?.cellId).toBe('pc / 128M');
    expect(w[0]?.message).toMatch(/^carry-over: pc's runs right after a "128M" run took 1\.\d\dx as long as after other runs/);
    expect(w[0]?.message).not.toMatch(/free page reporting/);
  });

  it('on a VM that reports free pages, names it and the test that tells, for a workload that allocates in bulk', () => {
    const cells = workload(1.45);
    const byId = new Map(cells.map((c) => [c.id, c]));
    for (const c of cells) c.summary = summarizeCell(c, c.baselineId ? byId.get(c.baselineId) : undefined, { hostCpus: 2 });
    const ctx = { cgroupMode: 'v1', driver: 'v1', freePageReporting: { order: 9 } } as const;
    const [w] = documentWarnings(cells, ctx).filter((x) => x.code === 'carry-over');
    expect(w?.message).toMatch(/free page reporting, blocks of 2\^9 pages/);
    expect(w?.message).toMatch(/echo 11 > \/sys\/module\/page_reporting\/parameters\/page_reporting_order; back on: echo 9 >/);
    // A loop in registers allocates nothing: the same effect on a cpu workload does not name it.
    const cpu = cells.map((c) => ({ ...c, kind: 'cpu' as const }));
    const [v] = documentWarnings(cpu, ctx).filter((x) => x.code === 'carry-over');
    expect(v?.message).not.toMatch(/free page reporting/);
  });

  it("reads each host's own order in a merged document, where every host's runs are numbered from 0", () => {
    const onHost = (host: string, cells: Cell[]): Cell[] =>
      cells.map((c) => ({
        ...c,
        id: `${c.id} @ ${host}`,
        host,
        baselineId: c.baselineId === null ? null : `${c.baselineId} @ ${host}`,
      }));
    // The same seq numbers on both hosts; only host a's runs slow down after a 128M run.
    const found = carryOvers([...onHost('a', workload(1.45)), ...onHost('b', workload(1))]);
    expect(found.map((x) => x.cellId)).toEqual(['pc / 128M @ a']);
    expect(found[0]?.after).toBe(9);
  });

  it('finds none where runs do not depend on the one before, nor in sequential order', () => {
    expect(carryOvers(workload(1))).toEqual([]);
    // A smaller effect is the noise line's business.
    expect(carryOvers(workload(1.05))).toEqual([]);
    expect(carryOvers(workload(1.45, false))).toEqual([]);
  });
});
