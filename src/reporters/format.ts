// What every reporter says the same way: cells grouped by workload, a workload's parameters in
// words, a cell's name, and a host in one line.

import { hostEngines } from '../model/engines.js';
import { isMultiHost } from '../model/hosts.js';
import type { Cell, HostInfo, ResultDocument, Scenario } from '../model/types.js';
import { formatBytes } from '../model/units.js';

/** Cells grouped by workload, in scenario order. */
export function byWorkload(doc: ResultDocument): { workload: string; cells: Cell[] }[] {
  const out: { workload: string; cells: Cell[] }[] = [];
  for (const cell of doc.cells) {
    let g = out.find((x) => x.workload === cell.workload);
    if (!g) out.push((g = { workload: cell.workload, cells: [] }));
    g.cells.push(cell);
  }
  // Same limit side by side across runtimes and hosts.
  for (const g of out) {
    const order = [...new Set(g.cells.map((c) => c.limitSet))];
    g.cells.sort((a, b) => order.indexOf(a.limitSet) - order.indexOf(b.limitSet));
  }
  return out;
}

export function describeParams(cell: Cell): string {
  const p = cell.params;
  switch (p.kind) {
    case 'cpu':
      return `cpu: ${p.iterations} iterations x ${p.threads} thread(s)`;
    case 'memory':
      return p.mode === 'anon' ? `memory: touch ${p.mib} MiB anonymous` : `memory: re-read ${p.mib} MiB file x${p.passes} (${p.access})`;
    case 'io':
      return `io: O_DIRECT ${p.mode} ${p.mib} MiB in ${p.blockKib} KiB blocks`;
    case 'latency':
      return `latency: ${p.threads} thread(s), ${p.workUs} us work every ${p.intervalUs} us for ${p.durationMs} ms`;
    case 'command':
      return `command: ${JSON.stringify(p.argv)}`;
    case 'service': {
      const load = p.mode === 'open' ? `open loop at ${(p.rates ?? []).join(', ')} req/s` : 'closed loop';
      const own = p.image ? `image ${p.image}${p.argv.length ? ` ${JSON.stringify(p.argv)}` : ''}` : JSON.stringify(p.argv);
      const server = p.server ? `${p.server} (configured by cgbench)` : own;
      const port = p.port === 0 ? 'a free port' : String(p.port);
      return `service: ${server} on port ${port}, ${p.protocol} ${p.path} ${load} over ${p.connections} connections`;
    }
  }
}

/** "1 warm-up per cell (cpu-loop: 0)": the scenario's warm-up and the workloads that differ. */
export function warmupText(s: Scenario): string {
  const own = s.workloads.filter((w) => w.warmup !== undefined && w.warmup !== s.warmup).map((w) => `${w.name}: ${w.warmup}`);
  return `${s.warmup} warm-up per cell${own.length ? ` (${own.join(', ')})` : ''}`;
}

/** "interleaved (each workload's cells in shuffled blocks, seed 42)" or "sequential (...)": how the runs were ordered. */
export function orderText(doc: Pick<ResultDocument, 'schedule' | 'hosts'>): string {
  // A merged document: each host's suite ordered its own runs (the same way: one scenario).
  const s = doc.schedule ?? doc.hosts?.find((e) => e.schedule)?.schedule;
  if (s?.order !== 'interleaved') return "sequential (each cell's runs back to back)";
  const seed = s.seed !== undefined && !doc.hosts ? `, seed ${s.seed}` : '';
  return `interleaved (each workload's cells in shuffled blocks${seed})`;
}

/** "a fixed CPU loop spread ± 9.8 % in wall time (± 0.4 % in CPU time) over 16 runs at the suite's start and end;
 *  its time at the end over the start 1.05x": the host's own noise (null without a calibration). */
export function hostNoiseText(doc: Pick<ResultDocument, 'calibration'>): string | null {
  const c = doc.calibration;
  if (c?.wallSpread === undefined) return null;
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const n = c.rounds.reduce((k, r) => k + r.wallNs.length, 0);
  const cpu = c.cpuSpread !== undefined ? ` (± ${pct(c.cpuSpread)} in CPU time)` : '';
  const drift = c.drift !== undefined ? `; its time at the end over the start ${c.drift.toFixed(2)}x` : '';
  const at = c.rounds.length > 1 ? "at the suite's start and end" : "at the suite's start";
  return `a fixed CPU loop spread ± ${pct(c.wallSpread)} in wall time${cpu} over ${n} runs ${at}${drift}`;
}

/** "every 100 ms" (one interval for every cell), or per cell: "a CPU quota's cells every 2–5 ms (a tenth of the
 *  period or finer, within the launcher's cost), the others every 100 ms". */
export function samplingText(doc: Pick<ResultDocument, 'scenario' | 'cells'>): string {
  const s = doc.scenario;
  if (s.sampling !== 'per-cell') return `every ${s.sampleIntervalMs} ms`;
  const fine = [...new Set(doc.cells.flatMap((c) => (c.sampling && c.sampling.basis !== 'coarse' ? [c.sampling.intervalMs] : [])))];
  fine.sort((a, b) => a - b);
  const range = fine.length > 1 ? `${fine[0]}–${fine.at(-1)}` : String(fine[0] ?? '');
  const quota = fine.length ? `a CPU quota's cells every ${range} ms (a tenth of the period or finer, within the launcher's cost), ` : '';
  return `chosen per cell: ${quota}the others every ${s.sampleIntervalMs} ms`;
}

/** A cell as a reader names it: "workload / limit set" ("next to SET" beside neighbours), then the runtime and
 *  the host where the document has several. */
export function cellLabel(doc: ResultDocument, cell: Cell): string {
  const severalRuntimes = new Set(doc.cells.map((c) => c.runtime)).size > 1;
  const host = isMultiHost(doc) && cell.host !== undefined ? ` @ ${cell.host}` : '';
  const next = cell.neighbourSet ? ` next to ${cell.neighbourSet.name}` : '';
  return `${cell.workload} / ${cell.limitSet}${next}${severalRuntimes ? ` / ${cell.runtime}` : ''}${host}`;
}

/** The cgroup mode as readers need it: a hybrid host's limits are v1's. */
export function cgroupText(h: HostInfo): string {
  const mode = h.cgroup.mode;
  return mode === 'hybrid' ? 'hybrid (v1 controllers)' : mode;
}

/** A host in one line: CPU, memory, distribution and kernel, cgroup mode, disk, Docker, cgbench. */
export function hostLine(h: HostInfo): string {
  const parts = [
    `${h.cpuModel} (${h.cpuCount} cores, ${h.arch})`,
    `${formatBytes(h.memoryBytes)} RAM`,
    `${h.distro}, kernel ${h.kernel}`,
    `cgroup ${cgroupText(h)}`,
  ];
  if (h.disk) parts.push(`disk ${h.disk.device} ${h.disk.fsType}${h.disk.model ? ` ${h.disk.model}` : ''}`);
  for (const e of hostEngines(h)) parts.push(`${e.name} ${e.version} (${e.storageDriver}, cgroup ${e.cgroupDriver} ${e.cgroupVersion})`);
  parts.push(`cgbench ${h.cgbenchVersion}`);
  return parts.join(' · ');
}

/** The neighbour set a cell ran with, as tables name it: "alone" where its workload has neighbour sets, else none. */
export function neighbourSetName(doc: ResultDocument, cell: Cell): string | null {
  if (cell.neighbourSet) return cell.neighbourSet.name;
  const sets = doc.scenario.workloads.find((w) => w.name === cell.workload)?.neighbourSets;
  return sets?.[0]?.name ?? null;
}
