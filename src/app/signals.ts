// Signals during a long command: SIGINT, SIGTERM and SIGHUP abort the work cleanly (the running
// workload is killed, partial results kept) and decide the exit code, 128 + the signal's number.

const HANDLED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export interface SignalScope {
  /** Aborted on the first signal. */
  signal: AbortSignal;
  /** The signal that ended the work, if one did. */
  received(): NodeJS.Signals | null;
  /** 0, or 128 + the signal's number. */
  exitCode(): number;
}

/** Runs `work` with the handlers installed; they are removed on every path out. */
export async function withSignals<T>(work: (scope: SignalScope) => Promise<T>, announce: (sig: NodeJS.Signals) => void): Promise<T> {
  const abort = new AbortController();
  let got: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (got) return;
    got = sig;
    announce(sig);
    abort.abort();
  };
  for (const sig of HANDLED) process.on(sig, onSignal);
  try {
    return await work({ signal: abort.signal, received: () => got, exitCode: () => (got ? (EXIT_CODES[got] ?? 128) : 0) });
  } finally {
    for (const sig of HANDLED) process.off(sig, onSignal);
  }
}
