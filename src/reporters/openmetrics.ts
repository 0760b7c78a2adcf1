// OpenMetrics text (a GitLab `metrics` report, a file to scrape) and the Prometheus text format 0.0.4 a
// Pushgateway takes: one gauge family per figure, a sample per cell labelled with its scenario, host,
// workload, kind, runtime, limit set (and neighbour set), the 95 % intervals as families of their own.
// Pure: app/push.ts sends it.

import { isMultiHost } from '../model/hosts.js';
import type { Cell, HostInfo, Outcome, ResultDocument } from '../model/types.js';
import { FIGURES, type FigureUnit, figureOf } from './figures.js';

/** `openmetrics`: OpenMetrics 1.0 (UNIT lines, `# EOF`); `prometheus`: text format 0.0.4, which is all a
 *  Pushgateway parses (it rejects neither form's samples, but only 0.0.4 is its documented input). */
export type MetricsFlavour = 'openmetrics' | 'prometheus';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = [string, string][];

interface Family {
  name: string;
  help: string;
  unit?: string;
  samples: { labels: Labels; value: number }[];
}

/** A label value as both formats read it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: OpenMetrics escapes the double quote too, 0.0.4 only backslash and line feed. */
function escapeHelp(v: string, flavour: MetricsFlavour): string {
  const s = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return flavour === 'openmetrics' ? s.replace(/"/g, '\\"') : s;
}

const unitSuffix = (u: FigureUnit): string => (u === 'count' ? '' : `_${u}`);

/** The host a cell ran on: its own in a merged document, else the document's. */
function hostOf(doc: ResultDocument, cell: Cell): string {
  return isMultiHost(doc) && cell.host !== undefined ? cell.host : doc.host.hostname;
}

/**
 * A cell's labels: only names from the scenario and the host, never a run's figure, time or pid, so a cell
 * keeps its series from night to night (dashboards and alerts key on them). The neighbour set is there only
 * beside neighbours, as in the cell's id.
 */
export function cellLabels(doc: ResultDocument, cell: Cell): Labels {
  const labels: Labels = [
    ['scenario', doc.scenario.name],
    ['host', hostOf(doc, cell)],
    ['workload', cell.workload],
    ['kind', cell.kind],
    ['runtime', cell.runtime],
    ['limit_set', cell.limitSet],
  ];
  if (cell.neighbourSet) labels.push(['neighbours', cell.neighbourSet.name]);
  return labels;
}

function figureFamilies(doc: ResultDocument): Family[] {
  const out: Family[] = [];
  for (const def of FIGURES) {
    const suffix = unitSuffix(def.unit);
    const unit = def.unit === 'count' ? undefined : def.unit;
    const main: Family = { name: `cgbench_${def.key}${suffix}`, help: def.help, ...(unit ? { unit } : {}), samples: [] };
    const lower: Family = {
      ...main,
      name: `cgbench_${def.key}_lower${suffix}`,
      help: `lower end of the 95 % interval of: ${def.help}`,
      samples: [],
    };
    const upper: Family = {
      ...main,
      name: `cgbench_${def.key}_upper${suffix}`,
      help: `upper end of the 95 % interval of: ${def.help}`,
      samples: [],
    };
    for (const cell of doc.cells) {
      const f = figureOf(def, cell);
      if (!f) continue;
      const labels = cellLabels(doc, cell);
      main.samples.push({ labels, value: f.value });
      if (f.range) {
        lower.samples.push({ labels, value: f.range[0] });
        upper.samples.push({ labels, value: f.range[1] });
      }
    }
    for (const fam of [main, lower, upper]) if (fam.samples.length) out.push(fam);
  }
  return out;
}

const OUTCOMES: readonly Outcome[] = ['ok', 'oom-killed', 'failed', 'timeout', 'interrupted'];

function runFamily(doc: ResultDocument): Family {
  const samples: Family['samples'] = [];
  for (const cell of doc.cells) {
    const counted = cell.runs.filter((r) => !r.warmup);
    // Every outcome of every cell, zeros included: a series that appears only on a bad night cannot be alerted on.
    for (const o of OUTCOMES)
      samples.push({ labels: [...cellLabels(doc, cell), ['outcome', o]], value: counted.filter((r) => r.outcome === o).length });
  }
  return { name: 'cgbench_runs', help: 'measured runs of the cell by how they ended', samples };
}

function hostsOf(doc: ResultDocument): { name: string; host: HostInfo; createdAt: string }[] {
  if (doc.hosts && isMultiHost(doc)) return doc.hosts.map((e) => ({ name: e.name, host: e.host, createdAt: e.createdAt }));
  return [{ name: doc.host.hostname, host: doc.host, createdAt: doc.createdAt }];
}

function documentFamilies(doc: ResultDocument): Family[] {
  const hosts = hostsOf(doc);
  const info: Family = {
    name: 'cgbench_host_info',
    help: 'the host a scenario ran on (value 1): kernel, cgroup mode, CPU, cgbench version',
    samples: hosts.map((h) => ({
      labels: [
        ['scenario', doc.scenario.name],
        ['host', h.name],
        ['kernel', h.host.kernel],
        ['cgroup', h.host.cgroup.mode],
        ['cpu_model', h.host.cpuModel],
        ['cpus', String(h.host.cpuCount)],
        ['cgbench_version', h.host.cgbenchVersion],
        ...(h.host.docker ? ([['docker_version', h.host.docker.version]] as Labels) : []),
      ],
      value: 1,
    })),
  };
  const started: Family = {
    name: 'cgbench_started_timestamp_seconds',
    help: 'when the suite started, seconds since the epoch',
    unit: 'seconds',
    samples: hosts.map((h) => ({
      labels: [
        ['scenario', doc.scenario.name],
        ['host', h.name],
      ],
      value: Date.parse(h.createdAt) / 1000,
    })),
  };
  return [info, started];
}

/** Every family of a document, in a fixed order: the document's, then the figures', then the runs'. */
function families(doc: ResultDocument): Family[] {
  return [...documentFamilies(doc), ...figureFamilies(doc), runFamily(doc)];
}

function sampleLine(name: string, labels: Labels, value: number): string {
  const l = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  // JavaScript's shortest round-trip form (1.5e-7 too) is a number in both formats; ±Inf and NaN never
  // reach here (figureOf drops them).
  return `${name}${l ? `{${l}}` : ''} ${String(value)}`;
}

export function serializeMetrics(doc: ResultDocument, flavour: MetricsFlavour): string {
  const lines: string[] = [];
  for (const f of families(doc)) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help, flavour)}`);
    lines.push(`# TYPE ${f.name} gauge`);
    if (flavour === 'openmetrics' && f.unit) lines.push(`# UNIT ${f.name} ${f.unit}`);
    for (const s of f.samples) lines.push(sampleLine(f.name, s.labels, s.value));
  }
  if (flavour === 'openmetrics') lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
