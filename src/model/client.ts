// A service's client command of the user's (wrk, hey, k6...): the placeholders its arguments may name, the check
// of a scenario's template against its service, and the argv of one run. Pure.

import type { ServiceParams } from './types.js';

/** What a service's client command may name in its arguments, each filled in per run (a placeholder is
 *  replaced wherever it occurs in an argument: `-d{duration}`, `--rate={rate}`). */
export const CLIENT_PLACEHOLDERS = ['url', 'host', 'port', 'path', 'duration', 'seconds', 'durationMs', 'rate', 'connections'] as const;
export type ClientPlaceholder = (typeof CLIENT_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** The placeholders a client's arguments use that its service cannot fill, one line each (pure: the scenario's
 *  check). `{duration}` and `{seconds}` are whole seconds (wrk's and hey's `-d`/`-z` take no fraction). */
export function clientProblems(
  template: readonly string[],
  p: Pick<ServiceParams, 'protocol' | 'mode' | 'rates' | 'durationMs'>,
): string[] {
  const out: string[] = [];
  const used = new Set(template.flatMap((a) => [...a.matchAll(PLACEHOLDER)].map((m) => m[1] as string)));
  for (const name of used) {
    if (!(CLIENT_PLACEHOLDERS as readonly string[]).includes(name))
      out.push(`{${name}} is not a placeholder cgbench fills (${CLIENT_PLACEHOLDERS.map((n) => `{${n}}`).join(' ')})`);
  }
  if (used.has('url') && p.protocol !== 'http') out.push('{url} is for an HTTP service (protocol: tcp has none: use {host} and {port})');
  if ((used.has('duration') || used.has('seconds')) && p.durationMs % 1000 !== 0)
    out.push(`{duration} is whole seconds, durationMs ${p.durationMs} is not (give a multiple of 1000, or use {durationMs})`);
  if (used.has('rate') && (p.mode !== 'open' || (p.rates ?? []).length !== 1))
    out.push('{rate} needs one rate (mode: open, rate: N): a client runs once, not in steps');
  return out;
}

/** A service client's argv for one run: each placeholder filled in for a service reached at `host`. */
export function clientArgv(template: readonly string[], p: ServiceParams, host = '127.0.0.1'): string[] {
  const values: Record<ClientPlaceholder, string> = {
    url: `http://${host}:${p.port}${p.path}`,
    host,
    port: String(p.port),
    path: p.path,
    duration: `${Math.round(p.durationMs / 1000)}s`,
    seconds: String(Math.round(p.durationMs / 1000)),
    durationMs: String(p.durationMs),
    rate: String(p.rates?.[0] ?? ''),
    connections: String(p.connections),
  };
  return template.map((a) => a.replace(PLACEHOLDER, (whole, name: string) => values[name as ClientPlaceholder] ?? whole));
}
