// Where the history lives: `--db` (or $CGBENCH_HISTORY_DB) as a SQLite file path or a PostgreSQL URL,
// parsed once into the engine to use, with the password hidden wherever the URL is shown.

import { resolve } from 'node:path';
import { DEFAULT_HISTORY_DB } from '../model/defaults.js';
import { CgbenchError } from '../model/errors.js';

export type DatabaseTarget = { engine: 'sqlite'; path: string; shown: string } | { engine: 'postgres'; url: string; shown: string };

const USAGE = 'pass --db PATH (a SQLite file, e.g. reports/history.sqlite) or --db postgres://USER:PASSWORD@HOST:PORT/DATABASE';

/** The URL as it may be printed: the password replaced by ***. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/**
 * `postgres://` and `postgresql://` URLs select PostgreSQL; `sqlite:PATH`, `file:PATH` or a bare path
 * select a SQLite file (relative to the working directory). Default: $CGBENCH_HISTORY_DB, else
 * reports/history.sqlite.
 */
export function parseDatabaseUrl(input: string | undefined, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  // An empty $CGBENCH_HISTORY_DB is unset, as shells write it.
  const text = (input ?? (env.CGBENCH_HISTORY_DB || DEFAULT_HISTORY_DB)).trim();
  if (!text) throw new CgbenchError('E_INPUT', '--db is empty', USAGE);
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new CgbenchError('E_INPUT', `--db ${redactUrl(text)} is not a valid PostgreSQL URL`, USAGE);
    }
    if (!parsed.hostname) throw new CgbenchError('E_INPUT', `--db ${redactUrl(text)} names no server`, USAGE);
    return { engine: 'postgres', url: text, shown: redactUrl(text) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'sqlite' && scheme !== 'file') {
    throw new CgbenchError('E_INPUT', `--db ${redactUrl(text)}: unknown database scheme "${scheme}:"`, USAGE);
  }
  const path = scheme ? text.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '') : text;
  if (!path || path === ':memory:') throw new CgbenchError('E_INPUT', `--db ${text} names no file`, USAGE);
  const abs = resolve(path);
  return { engine: 'sqlite', path: abs, shown: abs };
}
