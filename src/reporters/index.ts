// The report formats, one map from format name to renderer: adding a format is one file plus one
// entry here. Renderers are pure (document in, files out); writer.ts puts the files on disk.

import type { ReportFormat } from '../model/defaults.js';
import type { ResultDocument } from '../model/types.js';
import { serializeBencher } from './bencher.js';
import { renderCsv } from './csv.js';
import { GITHUB_BENCHMARK_FILES, serializeGithubBenchmark } from './github-benchmark.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { serializeMetrics } from './openmetrics.js';

export interface RenderedFile {
  /** Relative to the report directory. */
  path: string;
  content: string | Buffer;
}

export interface Reporter {
  description: string;
  /** Fixed file names, or the directory it writes into; checked before a suite starts. */
  output: string;
  render(doc: ResultDocument): RenderedFile[] | Promise<RenderedFile[]>;
}

export const REPORTERS: Record<ReportFormat, Reporter> = {
  html: {
    description: 'self-contained HTML page with interactive charts',
    output: 'report.html',
    render: (d) => [{ path: 'report.html', content: renderHtml(d) }],
  },
  png: {
    description: 'key charts as 1200x600 PNG images',
    output: 'charts/',
    // Loaded on demand: the native canvas binding is only needed when PNGs are asked for.
    render: async (d) => (await (await import('./png.js')).renderPngs(d)).map((p) => ({ path: p.path, content: p.data })),
  },
  md: {
    description: 'Markdown summary for a CI job summary',
    output: 'report.md',
    render: (d) => [{ path: 'report.md', content: renderMarkdown(d) }],
  },
  csv: { description: 'one row per run', output: 'results.csv', render: (d) => [{ path: 'results.csv', content: renderCsv(d) }] },
  json: { description: 'the result document', output: 'results.json', render: (d) => [{ path: 'results.json', content: renderJson(d) }] },
  bencher: {
    description: 'Bencher Metric Format, for `bencher run --adapter json --file bencher.json`',
    output: 'bencher.json',
    render: (d) => [{ path: 'bencher.json', content: serializeBencher(d) }],
  },
  'github-benchmark': {
    description: "github-action-benchmark's custom JSON, one file per direction (tool customSmallerIsBetter / customBiggerIsBetter)",
    output: `${GITHUB_BENCHMARK_FILES.smaller.path}, ${GITHUB_BENCHMARK_FILES.bigger.path}`,
    render: (d) => [
      { path: GITHUB_BENCHMARK_FILES.smaller.path, content: serializeGithubBenchmark(d, 'smaller') },
      { path: GITHUB_BENCHMARK_FILES.bigger.path, content: serializeGithubBenchmark(d, 'bigger') },
    ],
  },
  openmetrics: {
    description: 'OpenMetrics text: a GitLab metrics report, or a file to scrape (--push sends it to a Pushgateway)',
    output: 'metrics.txt',
    render: (d) => [{ path: 'metrics.txt', content: serializeMetrics(d, 'openmetrics') }],
  },
};
