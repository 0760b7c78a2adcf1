// The protection chart of a workload measured next to neighbours, one per resource: for CPU work the CPU
// share it kept and the CPU its work cost against the same limits alone, with the fair-share model's share;
// for page-cache work its disk reads per pass beside the page cache its neighbours held; for IO its rate
// beside its neighbours' disk rates and throttles.

import { ioRateLimit } from '../../model/limits.js';
import type { Cell, ContentionView, Stats } from '../../model/types.js';
import { alpha, color, EXPECTED_GREY, LIMIT_RED } from './palette.js';
import { axis, baseConfig, type ChartConfig, type ChartSpec, type ChartValue, type Dataset } from './spec.js';

const pct = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : v * 100);
const MIB = 1024 * 1024;

/** The categories: a neighbour set's name, and the limit set when the workload has several. */
function labelsOf(cells: Cell[], shown: Cell[]): (string | string[])[] {
  const oneLimit = new Set(cells.map((c) => c.limitSet)).size === 1;
  return shown.map((c) => {
    const set = c.neighbourSet?.name ?? 'alone';
    return oneLimit ? set : [set, c.limitSet];
  });
}

/** chart.js has no error bars: a thin floating bar [low, high] per category shows the 95 % interval. */
function intervalBars(label: string, stats: (Stats | null | undefined)[], scale: number, c: string, yAxisID = 'y'): Dataset {
  return {
    type: 'bar',
    label,
    data: stats.map((s): ChartValue => (s && s.n > 1 ? [Math.max(0, s.ci95[0] / scale), s.ci95[1] / scale] : null)),
    backgroundColor: alpha(c, 0.28),
    borderColor: c,
    borderWidth: 1,
    barPercentage: 0.2,
    pointStyle: 'rect',
    grouped: false,
    yAxisID,
    order: 1,
  };
}

function bars(label: string, data: (number | null)[], c: string, yAxisID = 'y'): Dataset {
  return { type: 'bar', label, data, backgroundColor: c, borderColor: c, pointStyle: 'rect', yAxisID, order: 2 };
}

function spec(workload: string, wi: number, title: string, caption: string, config: ChartConfig): ChartSpec {
  return { id: `w${wi}-protection`, kind: 'protection', workload, title, caption, config };
}

/** Each shown cell's view, or (alone cells) the first view that names it as its reference. */
function viewsOf(cells: Cell[], shown: Cell[]): { mine?: ContentionView; refs: ContentionView[] }[] {
  return shown.map((c) => {
    const mine = c.summary.contention;
    if (mine) return { mine, refs: [] };
    return { refs: cells.flatMap((o) => (o.summary.contention?.aloneCellId === c.id ? [o.summary.contention] : [])) };
  });
}

function cpuChart(workload: string, wi: number, cells: Cell[]): ChartSpec {
  const next = cells.filter((c) => c.summary.contention !== undefined);
  const latency = cells[0]?.kind === 'latency';
  const config = baseConfig(`${workload}: what its neighbours took (CPU)`, labelsOf(cells, next), {
    x: axis({ title: 'neighbour set' }, 'category'),
    y: axis({ title: '% of the same limits alone' }, 'linear'),
    ...(latency ? { y2: axis({ title: 'p99 latency (× alone)', position: 'right', grid: false }, 'linear') } : {}),
  });
  const kept = bars(
    'CPU share kept',
    next.map((c) => pct(c.summary.contention?.shareKept?.median)),
    color(0),
  );
  const expected: Dataset = {
    type: 'line',
    label: 'share kept, fair-share model',
    data: next.map((c) => pct(c.summary.contention?.expectedShareKept)),
    borderColor: EXPECTED_GREY,
    backgroundColor: '#ffffff',
    borderWidth: 2,
    showLine: false,
    pointStyle: 'rectRot',
    pointRadius: 8,
    order: 0,
  };
  const second: Dataset = latency
    ? {
        type: 'line',
        label: 'p99 latency vs alone',
        data: next.map((c) => c.summary.contention?.p99Ratio ?? null),
        borderColor: color(1),
        backgroundColor: color(1),
        showLine: false,
        pointRadius: 6,
        yAxisID: 'y2',
        order: 1,
      }
    : bars(
        'CPU per unit of work',
        next.map((c) => pct(c.summary.contention?.costRatio?.median)),
        color(1),
      );
  config.data.datasets.push(kept, second, expected);
  return spec(
    workload,
    wi,
    'Protection: CPU',
    'Per neighbour set, the CPU share the workload kept and the CPU its work cost, against the same limits alone ' +
      '(slowdown = cost / share kept); the diamonds are what groups sharing the CPUs by weight, capped by quotas, predict. ' +
      (latency
        ? 'The dots (right axis) are its p99 latency against alone.'
        : 'A cost above 100 % is interference no cgroup limit controls.'),
    config,
  );
}

function memoryChart(workload: string, wi: number, cells: Cell[]): ChartSpec {
  const views = viewsOf(cells, cells);
  const config = baseConfig(`${workload}: what its neighbours took (page cache)`, labelsOf(cells, cells), {
    x: axis({ title: 'neighbour set' }, 'category'),
    y: axis({ title: 'its disk reads per pass (MiB)' }, 'linear'),
    y2: axis({ title: 'neighbours’ peak memory (MiB)', position: 'right', grid: false }, 'linear'),
  });
  const reads = views.map(
    (v) => v.mine?.memory?.diskReadsPerPass?.median ?? v.refs.find((r) => r.memory)?.memory?.aloneDiskReadsPerPass ?? null,
  );
  // Their groups' peaks: a page-cache neighbour's cache is gone by its last reading (its file goes with it).
  const held = views.map((v) => {
    const ns = v.mine?.neighbours.filter((n) => typeof n.peakMemoryBytes === 'number') ?? [];
    return ns.length ? ns.reduce((s, n) => s + (n.peakMemoryBytes ?? 0), 0) / MIB : null;
  });
  config.data.datasets.push(
    bars(
      'its disk reads per pass',
      reads.map((b) => (b === null ? null : b / MIB)),
      color(0),
    ),
    intervalBars(
      '95 % interval',
      views.map((v) => v.mine?.memory?.diskReadsPerPass),
      MIB,
      color(0),
    ),
    bars('memory its neighbours held at peak', held, color(2), 'y2'),
  );
  return spec(
    workload,
    wi,
    'Protection: page cache',
    'Per neighbour set, the bytes the workload read from disk per pass over its working set (its own count; left axis), and ' +
      'the most memory (page cache included) its neighbours’ groups held (right axis). Reads above alone are its working set evicted ' +
      'under a memory limit it ' +
      'shares with them; a memory limit on the neighbour keeps them as alone. Its CPU share is no figure here.',
    config,
  );
}

function diskChart(workload: string, wi: number, cells: Cell[]): ChartSpec {
  const views = viewsOf(cells, cells);
  const config = baseConfig(`${workload}: what its neighbours took (disk)`, labelsOf(cells, cells), {
    x: axis({ title: 'neighbour set' }, 'category'),
    y: axis({ title: 'its rate (MB/s)' }, 'linear'),
    y2: axis({ title: 'neighbours’ disk rate (MB/s)', position: 'right', grid: false }, 'linear'),
  });
  const rate = views.map((v) => v.mine?.io?.bytesPerSec?.median ?? v.refs.find((r) => r.io)?.io?.aloneBytesPerSec ?? null);
  const theirs = views.map((v) => {
    const ns = v.mine?.neighbours ?? [];
    const moved = ns.map((n) => (n.diskReadBytesPerSec ?? 0) + (n.diskWriteBytesPerSec ?? 0));
    return ns.length ? moved.reduce((a, b) => a + b, 0) / 1e6 : null;
  });
  // The throttles the neighbours ran under, from their specs (a throttle per mode they would use).
  const throttle = cells.map((c) => {
    const ns = c.neighbourSet?.neighbours ?? [];
    const rates = ns.flatMap((n) => {
      const mode = n.params.kind === 'io' ? n.params.mode : 'read';
      const bps = ioRateLimit(n.limits, mode).bps;
      return bps === null ? [] : [bps];
    });
    return rates.length ? rates.reduce((a, b) => a + b, 0) / 1e6 : null;
  });
  const limits: Dataset = {
    type: 'line',
    label: 'their throttle',
    data: throttle,
    borderColor: LIMIT_RED,
    backgroundColor: '#ffffff',
    borderWidth: 2,
    showLine: false,
    pointStyle: 'rectRot',
    pointRadius: 8,
    yAxisID: 'y2',
    order: 0,
  };
  config.data.datasets.push(
    bars(
      'its rate',
      rate.map((b) => (b === null ? null : b / 1e6)),
      color(0),
    ),
    intervalBars(
      '95 % interval',
      views.map((v) => v.mine?.io?.bytesPerSec),
      1e6,
      color(0),
    ),
    bars('its neighbours’ disk rate', theirs, color(1), 'y2'),
    limits,
  );
  return spec(
    workload,
    wi,
    'Protection: disk',
    'Per neighbour set, the rate the workload moved (left axis) and its neighbours’ disk rate with their throttles (right ' +
      'axis, diamonds): the disk’s bandwidth is shared by IO, and an IO throttle on the neighbour (io.max, blkio) is what ' +
      'keeps the workload’s rate near alone.',
    config,
  );
}

export function protectionChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  const view = cells.find((c) => c.summary.contention)?.summary.contention;
  if (!view) return null;
  switch (view.resource) {
    case 'page cache':
    case 'memory':
      return memoryChart(workload, wi, cells);
    case 'disk':
      return diskChart(workload, wi, cells);
    case 'cpu':
    case 'unknown':
      return cpuChart(workload, wi, cells);
  }
}
