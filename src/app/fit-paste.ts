// A fit's answer as settings to paste: `docker run` flags (the docker runtime's own translation), a Kubernetes
// container's `resources:` block (the plan's, with the request set to what the workload used) and systemd
// properties, each with what the target cannot express.

import { DEFAULT_CPU_PERIOD_US } from '../model/defaults.js';
import type { FitKnob, FitPaste, Limits, RuntimeName } from '../model/types.js';
import { toDockerFlags } from '../runtimes/docker/flags.js';
import { decideKnobs, type KnobHost } from '../runtimes/knob-rules.js';
import { podResources } from '../runtimes/kubernetes/manifest.js';
import { runtimeEntry } from '../runtimes/registry.js';

const MIB = 1024 * 1024;

/** systemd's sizes: whole MiB as "256M" (systemd's K/M/G are powers of 1024), else bytes. */
function systemdBytes(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB}M` : String(Math.round(bytes));
}

/** systemd properties for the limits (`systemctl set-property UNIT ...`), and what it has none for. */
export function systemdProperties(l: Limits): { properties: string[]; missing: string[] } {
  const properties: string[] = [];
  const missing: string[] = [];
  if (l.cpu && l.cpu.quotaUs !== null) {
    // CPUQuota= is a share of one CPU per period; per mille is as fine as systemd parses it (v243 and later).
    properties.push(`CPUQuota=${+((l.cpu.quotaUs / l.cpu.periodUs) * 100).toFixed(1)}%`);
    if (l.cpu.periodUs !== DEFAULT_CPU_PERIOD_US) properties.push(`CPUQuotaPeriodSec=${l.cpu.periodUs / 1000}ms`);
    if (l.cpu.burstUs !== undefined) missing.push("systemd: no property sets cpu.max.burst (set it on the unit's group by hand)");
  }
  if (l.memory?.maxBytes != null) properties.push(`MemoryMax=${systemdBytes(l.memory.maxBytes)}`, 'MemorySwapMax=0');
  if (l.memory?.highBytes != null) properties.push(`MemoryHigh=${systemdBytes(l.memory.highBytes)}`);
  if (l.cpuset !== undefined) properties.push(`AllowedCPUs=${l.cpuset}`);
  return { properties, missing };
}

/**
 * A container's `resources:` block. Limits as the plan writes them (millicores of the 100 ms period, bytes);
 * the CPU request is what the workload used at the answer, rounded up to a millicore (what the scheduler
 * reserves; the limit is what the SLO needs), memory requests equal their limits (a pod above its memory
 * request is the first evicted).
 */
export function kubernetesResources(l: Limits, usedCpus: number | null): string | null {
  const r = podResources(l);
  if (!r?.limits) return null;
  const lines = ['resources:', '  requests:'];
  const limits = r.limits as Record<string, string>;
  if (limits.cpu !== undefined) {
    const limitM = Number(limits.cpu.replace(/m$/, ''));
    const used = usedCpus !== null ? Math.min(limitM, Math.max(1, Math.ceil(usedCpus * 1000))) : limitM;
    lines.push(`    cpu: ${used}m${usedCpus !== null ? '        # what it used at the limit' : ''}`);
  }
  if (limits.memory !== undefined) lines.push(`    memory: ${limits.memory}`);
  lines.push('  limits:');
  if (limits.cpu !== undefined) lines.push(`    cpu: ${limits.cpu}`);
  if (limits.memory !== undefined) lines.push(`    memory: ${limits.memory}`);
  return lines.join('\n');
}

/** What the runtime's column of the knob table does not set of these limits (refused, or run without), in words;
 *  [] when it sets them all. */
export function cannotSet(runtime: RuntimeName, limits: Limits, host?: KnobHost): string[] {
  const column = runtimeEntry(runtime)?.knobs;
  if (!column) return [`${runtime} is not a runtime cgbench knows`];
  return decideKnobs(column, limits, host).map((d) => d.verdict.reason);
}

/** The answer's limits as the three settings, and a note for each target that cannot express them. */
export function pasteSettings(knob: FitKnob, limits: Limits, usedCpus: number | null): FitPaste {
  const notes: string[] = [];
  const docker = cannotSet('docker', limits);
  notes.push(...docker.map((d) => `docker: ${d}`));
  // A fit sets no IO throttle, so no disk needs resolving.
  const { io: _io, ...noIo } = limits;
  const flags = toDockerFlags(noIo, () => '');
  const kube = cannotSet('kubernetes', limits);
  notes.push(...kube.map((k) => `Kubernetes: ${k}`));
  const resources = kube.length ? null : kubernetesResources(limits, knob === 'cpus' ? usedCpus : null);
  const systemd = systemdProperties(limits);
  notes.push(...systemd.missing);
  return {
    docker: flags.length && !docker.length ? `docker run ${flags.join(' ')} ...` : '',
    kubernetes: resources ?? '',
    systemd: systemd.properties.length ? `systemctl set-property UNIT ${systemd.properties.join(' ')}` : '',
    notes,
  };
}
