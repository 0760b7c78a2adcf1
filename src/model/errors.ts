// Known failures carry a stable code and a hint naming the fix; the CLI prints them as one line.
// Anything that is not a CgbenchError is a bug and is printed with its stack.

export type ErrorCode =
  | 'E_SCENARIO'
  | 'E_NOT_ROOT'
  | 'E_CGROUP'
  | 'E_CONTROLLER'
  | 'E_IO_TARGET'
  | 'E_NATIVE_BUILD'
  | 'E_DOCKER'
  | 'E_OUTPUT'
  | 'E_DISK'
  | 'E_BUSY'
  | 'E_INPUT'
  | 'E_DATABASE'
  | 'E_PUSH'
  | 'E_PROGRAM'
  | 'E_INTERRUPTED';

export class CgbenchError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** An exit code that overrides the code's class (E_INTERRUPTED: 128 + the signal). */
  readonly exitCode: number | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, exitCode?: number) {
    super(message);
    this.name = 'CgbenchError';
    this.code = code;
    this.hint = hint;
    this.exitCode = exitCode;
  }

  /** One line for the terminal: the problem, then the fix. */
  format(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export function isCgbenchError(e: unknown): e is CgbenchError {
  return e instanceof CgbenchError;
}

/** The machine cannot do it (root, cgroups, Docker, the native build, the history database, a full disk, another suite
 *  measuring this host, a Pushgateway that cannot be reached or refuses, a program cgbench runs itself that is not
 *  installed, such as a known server): exit 3. Anything else a known
 *  error names is the input's fault (scenario, options, paths): exit 2. */
const ENVIRONMENT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_NOT_ROOT',
  'E_CGROUP',
  'E_CONTROLLER',
  'E_DOCKER',
  'E_NATIVE_BUILD',
  'E_DATABASE',
  'E_DISK',
  'E_BUSY',
  'E_PUSH',
  'E_PROGRAM',
]);

/** The CI contract: every command's exit codes, listed in the README and --help from EXIT_CODES_HELP. */
export const EXIT_DONE = 0;
/** compare: a significant regression beyond the threshold (doctor: a check failed). */
export const EXIT_REGRESSION = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_ENVIRONMENT = 3;
/** run: a run failed or timed out (or was OOM-killed where its cell expects no OOM kill). */
export const EXIT_RUNS_FAILED = 4;
/** fit: no value in the range meets every SLO (the same class as failed runs: the measurement said no). */
export const EXIT_NONE_FITS = 4;
/** An unexpected error (a bug): EX_SOFTWARE. */
export const EXIT_BUG = 70;

export const EXIT_CODES_HELP = `Exit codes:
  0              done: every run ended as a result (ok, or an outcome its cell expects, e.g. an OOM kill
                 under a memory limit below the working set)
  1              compare: a significant regression beyond the threshold; doctor: a check failed
  2              bad input (scenario, options, paths; an --out that already holds a results.json)
  3              this machine cannot do it (root, a cgroup controller, Docker, a limit the kernel refuses,
                 a program cgbench runs itself that is not installed, e.g. nginx for the services preset,
                 a full disk under --out; another suite measuring this host, with --no-wait; a --push
                 that failed: the results are saved)
  4              run: a run failed or timed out, or was OOM-killed where its cell expects none
                 (--allow-failures accepts them: exit 0); fit: no value in the range meets every SLO
  70             a bug in cgbench (the stack is printed)
  129, 130, 143  interrupted by SIGHUP, SIGINT, SIGTERM (partial results kept; a second signal exits at once)`;

export function exitCodeFor(e: CgbenchError): number {
  if (e.exitCode !== undefined) return e.exitCode;
  return ENVIRONMENT_ERRORS.has(e.code) ? EXIT_ENVIRONMENT : EXIT_BAD_INPUT;
}
