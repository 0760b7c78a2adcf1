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

/**
 * Resolves when everything written to `s` so far has been handed to the OS, or its reader has gone. A pipe
 * takes 64 KiB at once: the rest of a big document waits in the stream, and a process that exits before it
 * has drained cuts the document (`cgbench run --json | jq` would read a prefix).
 */
export function drained(s: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (isClosed(s) || s.writableLength === 0) {
      resolve();
      return;
    }
    const done = (): void => {
      s.off('close', done);
      resolve();
    };
    s.once('close', done);
    // Writes complete in order: this empty one's callback runs once every earlier chunk is out (or failed).
    s.write('', () => done());
  });
}

/** Both of the process's output streams drained (see drained): call before process.exit(). */
export async function drainStdio(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): Promise<void> {
  await Promise.all(streams.map(drained));
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
