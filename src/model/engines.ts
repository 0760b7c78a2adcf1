// A host's engines as one list: the docker runtime's Docker Engine (HostInfo.docker, where documents have
// always kept it) and every other runtime's (HostInfo.engines), for reports, compare and the history's match.

import type { EngineInfo, HostInfo, RuntimeName } from './types.js';

export interface HostEngine extends EngineInfo {
  runtime: RuntimeName;
}

/** Every engine the host context names, the Docker Engine first. */
export function hostEngines(h: HostInfo): HostEngine[] {
  const docker: HostEngine[] = h.docker ? [{ runtime: 'docker', name: 'Docker', ...h.docker }] : [];
  return [...docker, ...Object.entries(h.engines ?? {}).map(([runtime, e]) => ({ runtime, ...e }))];
}

/** Each engine's version by runtime name: what the history's `--match runtime` compares. */
export function engineVersions(h: HostInfo): Record<RuntimeName, string> {
  return Object.fromEntries(hostEngines(h).map((e) => [e.runtime, e.version]));
}

/** Records a runtime's engine in the host context (a runtime other than docker). */
export function recordEngine(h: HostInfo, runtime: RuntimeName, info: EngineInfo): void {
  h.engines = { ...(h.engines ?? {}), [runtime]: info };
}
