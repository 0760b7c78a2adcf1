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
  | 'E_INPUT'
  | 'E_INTERRUPTED';

export class CgbenchError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'CgbenchError';
    this.code = code;
    this.hint = hint;
  }

  /** One line for the terminal: the problem, then the fix. */
  format(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export function isCgbenchError(e: unknown): e is CgbenchError {
  return e instanceof CgbenchError;
}

/** The machine cannot do it (root, cgroups, Docker, the native build): exit 3. Anything else a known
 *  error names is the input's fault (scenario, options, paths): exit 2. */
const ENVIRONMENT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_NOT_ROOT',
  'E_CGROUP',
  'E_CONTROLLER',
  'E_DOCKER',
  'E_NATIVE_BUILD',
]);

/** `cgbench compare`: a significant regression beyond the threshold. */
export const EXIT_REGRESSION = 1;
export const EXIT_BAD_INPUT = 2;
const EXIT_ENVIRONMENT = 3;

export function exitCodeFor(e: CgbenchError): number {
  return ENVIRONMENT_ERRORS.has(e.code) ? EXIT_ENVIRONMENT : EXIT_BAD_INPUT;
}
