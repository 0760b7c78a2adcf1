// The path worker: a child process that runs cgbench's operations on user-given paths (path-ops.ts)
// for user-files.ts. A syscall on a hung mount blocks this process, which is killed; cgbench itself
// stays responsive and can always exit (a blocked thread of its own would hold up process.exit).

import { type PathOp, PATH_OPS, pathError } from './path-ops.js';

interface Request {
  id: number;
  op: PathOp;
  args: unknown[];
}

process.on('message', (m: Request) => {
  const fn = PATH_OPS[m.op] as (...a: unknown[]) => Promise<unknown>;
  fn(...m.args).then(
    (value) => process.send?.({ id: m.id, ok: true, value }),
    (e: unknown) => {
      const err = pathError(e);
      process.send?.({ id: m.id, ok: false, code: err.code, message: err.message });
    },
  );
});
// The parent went away: nothing left to do for it.
process.on('disconnect', () => process.exit(0));
// A Ctrl-C reaches the whole process group: cgbench decides what happens, and kills this worker if it must.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => undefined);
