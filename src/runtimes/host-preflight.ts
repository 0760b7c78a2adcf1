// The preflight of runtimes that run programs from this host's file system (native, and fake, which
// simulates them): a command workload's program exists and is executable, found as execvp would.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { PreflightItem } from './runtime.js';

/** Where execvp finds `program`: a path as given (relative to cwd), a bare name on PATH. Null when nowhere. */
export function findProgram(program: string, path = process.env.PATH ?? '/usr/bin:/bin', cwd = process.cwd()): string | null {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, program));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      // not there
    }
  }
  return null;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    // Root passes access(X_OK) if any execute bit is set; a file with none is refused by execve.
    return (statSync(file).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Problems with the programs of command workloads and services, one line each, each program once. */
export function hostProgramProblems(items: PreflightItem[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (item.params.kind !== 'command' && item.params.kind !== 'service') continue;
    // A known server's program is found where distributions put it (runtimes/service.ts); an image's is the
    // image's (refused here before this check: preflight.ts).
    if (item.params.kind === 'service' && (item.params.server || item.params.image)) continue;
    const program = item.params.argv[0] ?? '';
    if (seen.has(program)) continue;
    seen.add(program);
    const found = findProgram(program);
    if (!found) {
      const where = program.includes('/') ? 'does not exist' : 'is not on PATH';
      out.push(`${item.where}: command[0] ${program} ${where} (give the program's full path, e.g. /usr/bin/gzip)`);
    } else if (!executable(found)) {
      out.push(`${item.where}: command[0] ${found} is not executable (chmod +x it, or run it through its interpreter)`);
    }
  }
  return out;
}
