// The protection chart of a workload measured next to neighbours: per neighbour cell, the CPU share it kept
// and the CPU its work cost, as a percentage of the same limit set alone, with the fair-share model's share.

import type { Cell } from '../../model/types.js';
import { color, EXPECTED_GREY } from './palette.js';
import { axis, baseConfig, type ChartSpec, type Dataset } from './spec.js';

const pct = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : v * 100);

export function protectionChart(workload: string, wi: number, cells: Cell[]): ChartSpec | null {
  const next = cells.filter((c) => c.summary.contention !== undefined);
  if (!next.length) return null;
  const oneLimit = new Set(cells.map((c) => c.limitSet)).size === 1;
  const labels = next.map((c) => {
    const set = c.neighbourSet?.name ?? '';
    return oneLimit ? set : [set, c.limitSet];
  });
  const latency = cells[0]?.kind === 'latency';
  const config = baseConfig(`${workload}: what its neighbours took`, labels, {
    x: axis({ title: 'neighbour set' }, 'category'),
    y: axis({ title: '% of the same limits alone' }, 'linear'),
    ...(latency ? { y2: axis({ title: 'p99 latency (× alone)', position: 'right', grid: false }, 'linear') } : {}),
  });
  const kept: Dataset = {
    type: 'bar',
    label: 'CPU share kept',
    data: next.map((c) => pct(c.summary.contention?.shareKept?.median)),
    backgroundColor: color(0),
    borderColor: color(0),
    pointStyle: 'rect',
    order: 2,
  };
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
    : {
        type: 'bar',
        label: 'CPU per unit of work',
        data: next.map((c) => pct(c.summary.contention?.costRatio?.median)),
        backgroundColor: color(1),
        borderColor: color(1),
        pointStyle: 'rect',
        order: 2,
      };
  config.data.datasets.push(kept, second, expected);
  return {
    id: `w${wi}-protection`,
    kind: 'protection',
    workload,
    title: 'Protection',
    caption:
      'Per neighbour set, the CPU share the workload kept and the CPU its work cost, against the same limits alone ' +
      '(slowdown = cost / share kept); the diamonds are what groups sharing the CPUs by weight, capped by quotas, predict. ' +
      (latency
        ? 'The dots (right axis) are its p99 latency against alone.'
        : 'A cost above 100 % is interference no cgroup limit controls.'),
    config,
  };
}
