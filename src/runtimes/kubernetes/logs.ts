// What planned pods print, read back from their logs, pure: `kubectl logs` output of one pod or many
// (with --prefix, lines of pods interleaved), cut into one piece per pod at its CGBENCH-POD line, each
// read as its identity, its node and what the launcher in it saw (native/pod.c, runtimes/launcher.ts).

import type { NodeInfo } from '../../model/types.js';
import { parseLauncherReport, REPORT_PREFIX, reportStart, statusExitCode } from '../launcher.js';
import { type ExitInfo, STDERR_TAIL } from '../runtime.js';

/** Who a pod is: printed by it first (its CGBENCH-POD line), so its log maps back to its cell. */
export interface PodIdentity {
  /** The plan's hash: logs of another plan are refused. */
  plan: string;
  index: number;
  cell: string;
  /** The run's index within its cell, warm-ups included (Run.index). */
  repetition: number;
  warmup: boolean;
}

export interface PodLog {
  /** Where it came from: a file, and the pod's name when kubectl prefixed it. */
  source: string;
  identity: PodIdentity;
  node: NodeInfo | null;
  /** The node's clock when the pod started, ms since the epoch. */
  startedMs: number | null;
  /** The pod's lines after the CGBENCH-NODE line: the workload's output, the launcher's report. */
  lines: string[];
}

const POD_LINE = 'CGBENCH-POD ';
const NODE_LINE = 'CGBENCH-NODE ';
/** `kubectl logs --prefix`: "[pod/NAME/CONTAINER] line". */
const KUBECTL_PREFIX = /^\[pod\/([^/\]]+)\/[^\]]+\] ?(.*)$/;

/** The lines of each pod in a text of one or many pods' logs: grouped by kubectl's prefix where it is
 *  there (lines of pods that ran at once are interleaved), else the text as it is. */
export function linesByPod(text: string, source: string): { source: string; lines: string[] }[] {
  const byPod = new Map<string, string[]>();
  const plain: string[] = [];
  for (const line of text.split('\n')) {
    const m = KUBECTL_PREFIX.exec(line);
    if (!m) plain.push(line);
    else {
      const pod = m[1] as string;
      if (!byPod.has(pod)) byPod.set(pod, []);
      byPod.get(pod)?.push(m[2] as string);
    }
  }
  const out = [...byPod].map(([pod, lines]) => ({ source: `${source} (pod ${pod})`, lines }));
  return plain.some((l) => l.trim()) ? [{ source, lines: plain }, ...out] : out;
}

type Json = Record<string, unknown>;

function parseJson(text: string): Json | null {
  try {
    const o = JSON.parse(text) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Json) : null;
  } catch {
    return null;
  }
}

function parseIdentity(o: Json | null): PodIdentity | null {
  if (!o) return null;
  const { plan, index, cell, repetition, warmup } = o;
  if (typeof plan !== 'string' || typeof cell !== 'string' || typeof warmup !== 'boolean') return null;
  if (!Number.isInteger(index) || !Number.isInteger(repetition)) return null;
  return { plan, index: index as number, cell, repetition: repetition as number, warmup };
}

/** The CGBENCH-NODE line (native/pod.c's field names) as the result document keeps a node. */
export function parseNode(o: Json | null): { node: NodeInfo; startedMs: number | null } | null {
  if (!o || typeof o.hostname !== 'string' || typeof o.kernel !== 'string') return null;
  const str = (k: string): string => (typeof o[k] === 'string' ? o[k] : '');
  const num = (k: string): number | null => (typeof o[k] === 'number' ? o[k] : null);
  const node: NodeInfo = {
    hostname: o.hostname,
    kernel: o.kernel,
    cgroupVersion: o.cgroup === 'v2' ? 'v2' : 'v1',
    cpuModel: str('cpu_model'),
    cpuCount: num('cpus') ?? 0,
  };
  if (str('pod')) node.pod = str('pod');
  if (str('arch')) node.arch = str('arch');
  const mem = num('memory_bytes');
  if (mem !== null) node.memoryBytes = mem;
  return { node, startedMs: num('unix_ms') };
}

/** One pod's lines cut at each CGBENCH-POD line (a text may hold several pods' logs one after another).
 *  Lines before the first are not a planned pod's; they are returned as `stray`. */
export function podLogs(source: string, lines: string[]): { pods: PodLog[]; stray: string[] } {
  const pods: PodLog[] = [];
  const stray: string[] = [];
  let current: PodLog | null = null;
  for (const line of lines) {
    if (line.startsWith(POD_LINE)) {
      const identity = parseIdentity(parseJson(line.slice(POD_LINE.length)));
      current = identity ? { source, identity, node: null, startedMs: null, lines: [] } : null;
      if (current) pods.push(current);
      else stray.push(line);
    } else if (current && !current.node && !current.lines.length && line.startsWith(NODE_LINE)) {
      const n = parseNode(parseJson(line.slice(NODE_LINE.length)));
      if (n) Object.assign(current, n);
    } else if (current) current.lines.push(line);
    else if (line.trim()) stray.push(line);
  }
  return { pods, stray };
}

/** What the launcher in the pod saw, as a runtime reports a run's end; null without a complete report. */
export function podExit(pod: PodLog): ExitInfo | null {
  const text = pod.lines.join('\n');
  const at = reportStart(text);
  const report = at === -1 ? null : parseLauncherReport(text.slice(at));
  if (!report) return null;
  // stdout and stderr are one stream in a pod's log: the workload's lines are all that is not cgbench's.
  const own = text
    .slice(0, at)
    .split('\n')
    .filter((l) => !l.startsWith(REPORT_PREFIX));
  return {
    exitCode: statusExitCode(report.status),
    signal: null,
    stdout: own.join('\n'),
    stderrTail: own.join('\n').slice(-STDERR_TAIL),
    harnessWallNs: report.status.wallNs,
    report,
  };
}

/** The end of a pod's log, for a run whose report never came. */
export function logTail(pod: PodLog): string {
  return pod.lines.join('\n').trim().slice(-STDERR_TAIL);
}
