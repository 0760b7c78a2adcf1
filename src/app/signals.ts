// Signals during a long command: SIGINT, SIGTERM and SIGHUP abort the work cleanly (the running
// workload is killed, partial results kept) and decide the exit code, 128 + the signal's number.
// A second signal exits at once: whatever the clean-up waits for, the user is never ignored.

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

export function signalExitCode(sig: NodeJS.Signals): number {
  return EXIT_CODES[sig] ?? 128;
}

/** Runs `work` with the handlers installed; they are removed on every path out. `exit` is for tests. */
export async function withSignals<T>(
  work: (scope: SignalScope) => Promise<T>,
  announce: (sig: NodeJS.Signals, second: boolean) => void,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<T> {
  const abort = new AbortController();
  let got: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (got) {
      // The first signal's clean-up is taking too long for the user (or is stuck): leave now.
      announce(sig, true);
      exit(signalExitCode(sig));
      return;
    }
    got = sig;
    announce(sig, false);
    abort.abort();
  };
  for (const sig of HANDLED) process.on(sig, onSignal);
  try {
    return await work({ signal: abort.signal, received: () => got, exitCode: () => (got ? signalExitCode(got) : 0) });
  } finally {
    for (const sig of HANDLED) process.off(sig, onSignal);
  }
}
