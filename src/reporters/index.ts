// The report formats, one map from format name to renderer: adding a format is one file plus one
// entry here. Renderers are pure (document in, files out); writer.ts puts the files on disk.

import type { ReportFormat } from '../model/defaults.js';
import type { ResultDocument } from '../model/types.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';

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
};
