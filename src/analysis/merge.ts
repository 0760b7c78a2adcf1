// Many hosts, one document (`cgbench merge`): result documents of one scenario from several hosts
// become one, each host's context kept and each cell named after its host; and the inverse, one host
// of a merged document as a document of its own (`compare --hosts A,B`). Pure: refusals are values.

import { canonicalJson, sha256Hex } from '../model/canonical.js';
import { entryOf, HOST_NAME, hostCellId, hostNameOf, ownCellId } from '../model/hosts.js';
import type { Cell, HostEntry, ResultDocument, Scenario, Warning, WorkloadSpec } from '../model/types.js';

export interface MergeInput {
  /** The file as the user named it, for messages. */
  file: string;
  doc: ResultDocument;
  /** FILE=NAME: the name its host gets instead of the hostname. */
  label?: string;
}

export interface MergeRefusal {
  problem: string;
  hint: string;
}

export type MergeOutcome = { doc: ResultDocument } | MergeRefusal;

/** One host's document, with where it came from and the name it must keep (a label, or a merged input's name). */
interface Slice {
  file: string;
  doc: ResultDocument;
  name?: string;
}

/** One host of a merged document as the document its own suite run wrote (ids and baselines as they were there). */
export function hostDocument(doc: ResultDocument, name: string): ResultDocument | null {
  const entry = doc.hosts?.find((e) => e.name === name);
  if (!entry) return null;
  const cells = doc.cells.filter((c) => c.host === name).map((c) => ownCell(c, name));
  const ids = new Set(doc.cells.filter((c) => c.host === name).map((c) => c.id));
  const warnings = doc.warnings.filter((w) => (w.cellId ? ids.has(w.cellId) : w.host === name)).map((w) => ownWarning(w, name));
  const out: ResultDocument = {
    schemaVersion: doc.schemaVersion,
    tool: { name: 'cgbench', version: entry.host.cgbenchVersion },
    createdAt: entry.createdAt,
    finishedAt: entry.finishedAt,
    status: entry.status,
    host: entry.host,
    scenario: entry.scenario,
    scenarioHash: entry.scenarioHash,
    cells,
    warnings,
  };
  if (entry.writer) out.writer = entry.writer;
  if (entry.concurrency) out.concurrency = entry.concurrency;
  if (entry.schedule) out.schedule = entry.schedule;
  return out;
}

function ownCell(c: Cell, name: string): Cell {
  const { host: _host, ...rest } = c;
  return { ...rest, id: ownCellId(c.id, name), baselineId: c.baselineId === null ? null : ownCellId(c.baselineId, name) };
}

function ownWarning(w: Warning, name: string): Warning {
  const { host: _host, ...rest } = w;
  return w.cellId ? { ...rest, cellId: ownCellId(w.cellId, name) } : rest;
}

function slicesOf(input: MergeInput): Slice[] | MergeRefusal {
  const hosts = input.doc.hosts;
  if (!hosts) return [{ file: input.file, doc: input.doc, ...(input.label ? { name: input.label } : {}) }];
  if (input.label)
    return {
      problem: `${input.file}=${input.label}: a label names one host, and ${input.file} is a merged document of ${hosts.length}`,
      hint: 'drop the label; its hosts keep the names they have',
    };
  return hosts.map((e) => ({ file: input.file, doc: hostDocument(input.doc, e.name) as ResultDocument, name: e.name }));
}

/** Same name, and each workload both ran has the same parameters and limit sets; other settings may differ. */
function scenarioConflict(a: Slice, b: Slice): MergeRefusal | null {
  const x = a.doc.scenario;
  const y = b.doc.scenario;
  if (x.name !== y.name)
    return {
      problem: `${a.file} and ${b.file} ran different scenarios ("${x.name}" and "${y.name}")`,
      hint: 'merge the documents of one scenario, run on each host',
    };
  const matrix = (w: WorkloadSpec): string => canonicalJson([w.params, w.limitSets.map((ls) => [ls.name, ls.limits])]);
  for (const w of x.workloads) {
    const other = y.workloads.find((v) => v.name === w.name);
    if (other && matrix(other) !== matrix(w))
      return {
        problem:
          `${a.file} and ${b.file} ran different versions of scenario "${x.name}": ` +
          `workload "${w.name}" has other parameters or limit sets`,
        hint: 'run the same scenario file on every host, then merge',
      };
  }
  return null;
}

/** Each slice's name: its label, else its hostname, else hostname/kernel where two hosts share a hostname. */
function nameSlices(slices: Slice[]): string[] | MergeRefusal {
  const names = slices.map((s) => {
    if (s.name) return s.name;
    const h = s.doc.host;
    const shared = slices.some((t) => t !== s && !t.name && t.doc.host.hostname === h.hostname);
    return hostNameOf(shared ? `${h.hostname}/${h.kernel}` : h.hostname);
  });
  for (const [i, name] of names.entries()) {
    const a = slices[i] as Slice;
    if (!HOST_NAME.test(name))
      return {
        problem: `${a.file}: "${name}" cannot name a host`,
        hint: 'use letters, digits and . _ : / + - (at most 64), e.g. A.json=bench-01',
      };
    const j = names.indexOf(name);
    if (j !== i) return duplicateName(slices[j] as Slice, a, name);
  }
  return names;
}

function duplicateName(a: Slice, b: Slice, name: string): MergeRefusal {
  const x = a.doc.host;
  const y = b.doc.host;
  if (x.hostname === y.hostname && x.kernel === y.kernel && !(a.name && b.name))
    return {
      problem: `${a.file} and ${b.file} come from the same host (${x.hostname}, kernel ${x.kernel})`,
      hint: `label them apart if both belong in one report, e.g. ${a.file}=before ${b.file}=after`,
    };
  return { problem: `${a.file} and ${b.file} would both be host "${name}"`, hint: 'give each a name of its own: FILE=NAME' };
}

function mergedCells(slice: Slice, name: string): Cell[] {
  return slice.doc.cells.map((c) => ({
    ...c,
    id: hostCellId(c.id, name),
    baselineId: c.baselineId === null ? null : hostCellId(c.baselineId, name),
    host: name,
  }));
}

function mergedWarnings(slice: Slice, name: string): Warning[] {
  return slice.doc.warnings.map((w) => (w.cellId ? { ...w, cellId: hostCellId(w.cellId, name) } : { ...w, host: name }));
}

/** The first host's scenario, with every host's runtimes and workloads (a workload only some hosts ran comes last). */
function mergedScenario(slices: Slice[]): Scenario {
  const first = (slices[0] as Slice).doc.scenario;
  const all = slices.map((s) => s.doc.scenario);
  const workloads = [...first.workloads];
  for (const s of all) for (const w of s.workloads) if (!workloads.some((v) => v.name === w.name)) workloads.push(w);
  return { ...first, runtimes: [...new Set(all.flatMap((s) => s.runtimes))], workloads };
}

/** Complete when every host's is; a suite that failed on one host makes the whole failed; else interrupted. */
function mergedStatus(entries: HostEntry[]): ResultDocument['status'] {
  if (entries.every((e) => e.status === 'complete')) return 'complete';
  return entries.some((e) => e.status === 'failed') ? 'failed' : 'interrupted';
}

function assemble(slices: Slice[], names: string[], toolVersion: string): ResultDocument {
  const entries = slices.map((s, i) => entryOf(s.doc, names[i] as string));
  const hashes = [...new Set(entries.map((e) => e.scenarioHash))].sort();
  const started = entries.map((e) => e.createdAt).sort();
  const finished = entries.map((e) => e.finishedAt);
  return {
    schemaVersion: (slices[0] as Slice).doc.schemaVersion,
    tool: { name: 'cgbench', version: toolVersion },
    createdAt: started[0] as string,
    finishedAt: finished.includes(null) ? null : ((finished as string[]).sort().at(-1) ?? null),
    status: mergedStatus(entries),
    host: (entries[0] as HostEntry).host,
    hosts: entries,
    scenario: mergedScenario(slices),
    // One scenario run everywhere keeps its hash; settings that differ between hosts give the set of hashes one.
    scenarioHash: hashes.length === 1 ? (hashes[0] as string) : sha256Hex(canonicalJson(hashes)).slice(0, 16),
    cells: slices.flatMap((s, i) => mergedCells(s, names[i] as string)),
    warnings: slices.flatMap((s, i) => mergedWarnings(s, names[i] as string)),
  };
}

/** Two or more documents (merged ones included) as one, or why they cannot be merged. */
export function mergeDocuments(inputs: readonly MergeInput[], toolVersion: string): MergeOutcome {
  const slices: Slice[] = [];
  for (const input of inputs) {
    const s = slicesOf(input);
    if (!Array.isArray(s)) return s;
    slices.push(...s);
  }
  const first = slices[0];
  if (!first || slices.length < 2)
    return { problem: 'merge needs the documents of two or more hosts', hint: 'cgbench merge A.json B.json... --out DIR' };
  const running = slices.find((s) => s.doc.status === 'running');
  if (running) return { problem: `${running.file} is from a suite that is still running`, hint: 'merge it once the suite has finished' };
  for (const s of slices.slice(1)) {
    const conflict = scenarioConflict(first, s);
    if (conflict) return conflict;
  }
  const names = nameSlices(slices);
  if (!Array.isArray(names)) return names;
  return { doc: assemble(slices, names, toolVersion) };
}
