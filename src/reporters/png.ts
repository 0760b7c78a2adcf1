// PNG reporter: the key charts of each workload drawn in Node by chart.js on @napi-rs/canvas, from the
// same configs as the HTML report, at 1200x600 on white so they read well pasted into a review.

import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { hostEngines } from '../model/engines.js';
import type { ResultDocument } from '../model/types.js';
import { buildCharts, keyCharts, slug, type ChartSpec } from './charts/index.js';

export const PNG_WIDTH = 1200;
export const PNG_HEIGHT = 600;

Chart.register(...registerables);

// Canvases start transparent; a PNG viewer would show the charts on black or a checkerboard.
const whiteBackground: Plugin = {
  id: 'cgbenchWhiteBackground',
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export interface PngFile {
  /** Relative to the report directory: charts/NN-workload-kind.png. */
  path: string;
  spec: ChartSpec;
  data: Buffer;
}

function fileName(workloadIndex: number, workload: string, spec: ChartSpec, doc: ResultDocument): string {
  const host = doc.cells.find((c) => c.id === spec.cellId)?.host;
  const cell = spec.cellId ? `-${slug(spec.cellId.split(' / ')[1] ?? spec.cellId)}${host === undefined ? '' : `-${slug(host)}`}` : '';
  const tag = spec.fileTag ? `-${spec.fileTag}` : '';
  return `charts/${String(workloadIndex + 1).padStart(2, '0')}-${slug(workload)}-${spec.kind}${cell}${tag}.png`;
}

/** The context line under every PNG: an image pasted into a review travels without its report. */
export function pngFooter(doc: ResultDocument): string {
  if (doc.hosts) {
    const hosts = doc.hosts.map((e) => `${e.name}: kernel ${e.host.kernel}, cgroup ${e.host.cgroup.mode}, ${e.host.cpuCount} CPUs`);
    return [`cgbench ${doc.tool.version}`, `${doc.scenario.name} (${doc.createdAt.slice(0, 10)})`, ...hosts].join(' · ');
  }
  const h = doc.host;
  const parts = [
    `cgbench ${doc.tool.version}`,
    `${doc.scenario.name} (${doc.createdAt.slice(0, 10)})`,
    h.hostname,
    `${h.cpuModel}, ${h.cpuCount} CPUs`,
    `kernel ${h.kernel}`,
    `cgroup ${h.cgroup.mode}`,
  ];
  for (const e of hostEngines(h)) parts.push(`${e.name} ${e.version}`);
  return parts.join(' · ');
}

/** Draw one chart spec to PNG bytes. */
export async function renderChartPng(spec: ChartSpec, footer?: string, width = PNG_WIDTH, height = PNG_HEIGHT): Promise<Buffer> {
  const canvas = createCanvas(width, height);
  // Deep copy: chart.js mutates the config it is given, and specs may be drawn twice.
  const config = JSON.parse(JSON.stringify(spec.config)) as ChartConfiguration;
  config.options = { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 };
  if (footer) {
    config.options.plugins = {
      ...config.options.plugins,
      subtitle: {
        display: true,
        text: footer,
        position: 'bottom',
        align: 'end',
        color: '#777777',
        font: { size: 11 },
        padding: { top: 6 },
      },
    };
  }
  config.plugins = [whiteBackground];
  const hidden = spec.legendHidden;
  if (hidden?.length) {
    const labels = config.options.plugins?.legend?.labels;
    if (labels) labels.filter = (item) => !hidden.includes(item.datasetIndex ?? -1);
  }
  // Larger text than chart.js's 12 px default: these images are read scaled down in reviews.
  Chart.defaults.font.size = 14;
  Chart.defaults.color = '#333333';
  // chart.js accepts any object with getContext('2d'); @napi-rs/canvas's context is API-compatible.
  const ctx = canvas.getContext('2d') as unknown as CanvasRenderingContext2D;
  const chart = new Chart(ctx, config);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

export async function renderPngs(doc: ResultDocument): Promise<PngFile[]> {
  const out: PngFile[] = [];
  for (const wc of buildCharts(doc)) {
    for (const spec of keyCharts(wc, doc))
      out.push({ path: fileName(wc.index, wc.workload, spec, doc), spec, data: await renderChartPng(spec, pngFooter(doc)) });
  }
  return out;
}
