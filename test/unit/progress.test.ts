// The live progress line, fed suite events: the one run going on, or every run in flight when a cluster's
// nodes run cells at once, cut to the terminal's width.
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/app/progress.js';
import type { Cell, NodeInfo, Run } from '../../src/model/types.js';
import { validateScenario } from '../../src/scenario/schema.js';
import { expandCells } from '../../src/scheduler/cells.js';

const scenario = validateScenario(
  {
    repetitions: 2,
    warmup: 0,
    runtimes: ['swarm'],
    workloads: [
      {
        name: 'loop',
        kind: 'cpu',
        params: { iterations: 1e8 },
        limits: [{ name: 'free' }, { name: 'half', cpus: 0.5 }, { name: 'tenth', cpus: 0.1 }],
      },
    ],
  },
  's.yaml',
);
const node = (hostname: string): NodeInfo => ({ hostname, kernel: '6.1.0', cgroupVersion: 'v2', cpuCount: 2 });

/** A terminal of `columns` that keeps what is written, and the line it shows last. */
function terminal(columns: number) {
  let text = '';
  const out = { isTTY: true, columns, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  const shown = (): string => text.slice(text.lastIndexOf('\x1b[2K') + 4);
  return { out, shown, text: () => text };
}

describe('live progress line', () => {
  it('shows every run in flight with its node, then the one left', () => {
    const cells: Cell[] = expandCells(scenario);
    cells.forEach((c, i) => (c.node = node(`node${i + 1}`)));
    let t = 0;
    const term = terminal(200);
    const progress = new Progress(term.out, true, () => t);
    progress.setMatrix(cells, 2, { hostCpus: 2 });
    for (const cell of cells) progress.on({ type: 'run-start', cell, index: 0, warmup: false, done: 0, total: 6 });
    expect(term.shown()).toBe(`[3/6] ETA 0s  3 running: ${cells[0]!.id} @node1, ${cells[1]!.id} @node2, ${cells[2]!.id} @node3`);
    t = 2000;
    const run: Run = { outcome: 'ok', index: 0, warmup: false, startedAt: '', harnessWallNs: 2e9, metrics: { wallNs: 2e9 } };
    for (const cell of cells.slice(0, 2)) {
      cell.runs.push(run);
      progress.on({ type: 'run-end', cell, run, done: cell === cells[0] ? 1 : 2, total: 6 });
    }
    expect(term.text()).toContain(`[1/6] ${cells[0]!.id}  run 1  2.00 s\n`);
    // One left in flight: its cell, its run, how long it has run. Left: a 2 s run of each finished cell and
    // the tenth's second run, its baseline's 2 s scaled by the model's 10x.
    expect(term.shown()).toBe(`[3/6] ${cells[2]!.id}  run 1  2s  ETA 24s`);
    progress.stop();
  });

  it('cuts the line to the terminal width', () => {
    const cells: Cell[] = expandCells(scenario);
    cells.forEach((c, i) => (c.node = node(`a-node-with-a-long-name-${i + 1}`)));
    const term = terminal(60);
    const progress = new Progress(term.out, true, () => 0);
    for (const cell of cells) progress.on({ type: 'run-start', cell, index: 0, warmup: false, done: 0, total: 6 });
    expect(term.shown()).toHaveLength(59);
    expect(term.shown().startsWith('[3/6] ETA 0s  3 running: ')).toBe(true);
    expect(term.shown().endsWith('…')).toBe(true);
    progress.stop();
  });
});
