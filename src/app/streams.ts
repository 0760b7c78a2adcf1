// The process's stdout and stderr when their reader goes away (`cgbench run --json | head`, a closed CI
// log): writing to a closed pipe is not an error of cgbench. The suite goes on, the output stops quietly.

const closed = new Set<NodeJS.WriteStream>();
const guarded = new Set<NodeJS.WriteStream>();

/** Installs the handlers (once per stream); afterwards a write to a closed stream is dropped instead of crashing. */
export function guardStdio(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const s of streams) {
    if (guarded.has(s)) continue;
    guarded.add(s);
    s.on('error', (e: NodeJS.ErrnoException) => {
      // EPIPE: the reader is gone. Later writes to the destroyed stream fail again (ERR_STREAM_DESTROYED).
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || closed.has(s)) {
        closed.add(s);
        return;
      }
      throw e;
    });
  }
}

/** Has this stream's reader gone? */
export function isClosed(s: NodeJS.WriteStream): boolean {
  return closed.has(s) || s.destroyed;
}

/** The terminal's width for tables: $COLUMNS (what shells export, and what a user sets for a narrow
 *  view), else stdout's own width on a terminal; undefined in a pipe or CI log. */
export function terminalColumns(): number | undefined {
  const env = Number(process.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}
