// `cgbench collect`: the logs of a plan's pods (`kubectl logs` output, or a folder of one file per pod)
// become the result document `cgbench run` writes, and the same reports and tables.

import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CgbenchError, EXIT_RUNS_FAILED } from '../model/errors.js';
import { DEFAULT_REPORT_FORMATS } from '../model/defaults.js';
import { listDir, pathReason, readUserFile } from '../model/user-files.js';
import { renderJson } from '../reporters/json.js';
import { renderTable } from '../reporters/table.js';
import { checkOutputs, writeReports } from '../reporters/writer.js';
import { linesByPod, type PodLog, podLogs } from '../runtimes/kubernetes/logs.js';
import { PLAN_KEY } from '../runtimes/kubernetes/manifest.js';
import { collectDocument } from '../scheduler/collect.js';
import { type Plan, planRuns } from '../scheduler/plan.js';
import { toolVersion } from './host.js';
import type { PlanRecord } from './plan.js';
import { defaultOutDir, prepareOutDir, resultsPath, saveResults } from './results.js';
import { resolveScenario, type ScenarioOverrides } from './overrides.js';
import { suiteVerdict, type RunResult } from './run.js';
import { terminalStyle } from './color.js';
import { terminalColumns } from './streams.js';

export interface CollectOptions extends ScenarioOverrides {
  /** The manifest `cgbench plan` wrote (its ConfigMap holds the plan). */
  plan?: string;
  /** The scenario file the plan was made from (with the same overrides). */
  scenario?: string;
  out?: string;
  report?: string;
  json?: boolean;
  wide?: boolean;
  width?: number;
  allowFailures?: boolean;
}

const MAX_LOG_BYTES = 256 * 1024 * 1024;
const MAX_PLAN_BYTES = 16 * 1024 * 1024;

function unreadable(path: string, e: unknown, what: string): CgbenchError {
  return new CgbenchError('E_INPUT', `cannot read ${what} ${path} (${pathReason(e)})`, `pass the ${what} cgbench plan or kubectl wrote`);
}

async function readText(path: string, max: number, what: string): Promise<string> {
  try {
    return await readUserFile(path, max);
  } catch (e) {
    throw unreadable(path, e, what);
  }
}

/** The plan recorded in a manifest's ConfigMap, made again from its scenario (and checked to be the same). */
async function planFromManifest(file: string): Promise<Plan> {
  const bad = (why: string): CgbenchError =>
    new CgbenchError(
      'E_INPUT',
      `${file} is not a manifest of cgbench plan (${why})`,
      'pass the file `cgbench plan --target kubernetes --out FILE` wrote',
    );
  const docs = parseAllDocuments(await readText(file, MAX_PLAN_BYTES, 'plan'));
  const list = Array.isArray(docs) ? docs : [docs];
  const cm = list.map((d) => d.toJS() as unknown).find((o) => (o as { kind?: unknown } | null)?.kind === 'ConfigMap') as
    { data?: Record<string, string> } | undefined;
  const json = cm?.data?.[PLAN_KEY];
  if (!json) throw bad(`no ConfigMap with ${PLAN_KEY}`);
  let record: PlanRecord;
  try {
    record = JSON.parse(json) as PlanRecord;
  } catch (e) {
    throw bad(`${PLAN_KEY} is not JSON: ${(e as Error).message}`);
  }
  if (!record.scenario || !Array.isArray(record.scenario.workloads)) throw bad(`${PLAN_KEY} holds no scenario`);
  const plan = planRuns(record.scenario);
  if (plan.hash !== record.hash) throw bad(`its plan ${record.hash} is planned as ${plan.hash} by this cgbench version`);
  return plan;
}

async function planOf(o: CollectOptions): Promise<Plan> {
  const given = [o.plan, o.scenario, o.preset].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new CgbenchError('E_INPUT', 'give exactly one of --plan FILE, --scenario FILE or --preset NAME', 'the plan file is the surest');
  if (o.plan) return planFromManifest(o.plan);
  return planRuns(await resolveScenario(o.scenario, o));
}

/** Each log file's pods; a directory stands for its files (one pod's log each, or several). */
async function readPods(paths: string[]): Promise<PodLog[]> {
  const pods: PodLog[] = [];
  const readOne = async (path: string): Promise<void> => {
    let text: string;
    try {
      text = await readUserFile(path, MAX_LOG_BYTES);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EISDIR') throw unreadable(path, e, 'log');
      for (const name of (await listDir(path)).sort()) await readOne(join(path, name));
      return;
    }
    for (const part of linesByPod(text, path)) pods.push(...podLogs(part.source, part.lines).pods);
  };
  for (const p of paths) await readOne(p);
  if (!pods.length) {
    throw new CgbenchError(
      'E_INPUT',
      `no planned pod's log in ${paths.join(', ')} (no CGBENCH-POD line)`,
      "pass the output of kubectl logs -l cgbench/plan=HASH --prefix --tail=-1, or a folder of the pods' logs",
    );
  }
  return pods;
}

export async function collectCommand(logs: string[], o: CollectOptions): Promise<RunResult> {
  const plan = await planOf(o);
  const pods = await readPods(logs);
  const { doc, missing } = collectDocument(plan, pods, { version: toolVersion(), nodeJs: process.version });
  const { dir } = await prepareOutDir(o.out ?? defaultOutDir(plan.scenario.name), { named: o.out !== undefined });
  const formats = o.report === 'none' ? [] : await checkOutputs(dir, o.report ?? [...DEFAULT_REPORT_FORMATS]);
  await saveResults(dir, doc, { first: true });
  const reports = formats.length ? await writeReports(doc, dir, formats) : [];
  const reportLines = reports.map((p) => `report: ${p}\n`).join('');
  const table = renderTable(doc, { wide: Boolean(o.wide), width: o.width ?? terminalColumns(), style: terminalStyle() });
  const stdout = o.json ? renderJson(doc) : `${table}\n\n${reportLines}results: ${resultsPath(dir)}\n`;
  const verdict = suiteVerdict(doc, Boolean(o.allowFailures));
  const lost = missing.length
    ? `cgbench: ${doc.warnings.find((w) => w.code === 'interrupted')?.message ?? ''}; exit ${EXIT_RUNS_FAILED}\n`
    : '';
  const exitCode = missing.length ? EXIT_RUNS_FAILED : verdict.exitCode;
  return { doc, dir, stdout, stderr: (o.json ? reportLines : '') + verdict.line + lost, exitCode };
}
