// The command line as plain data (cli/commands.ts reads it from commander): what the man page and the shell
// completions are rendered from, so both say exactly what --help says.

export interface OptionSpec {
  /** "-p, --preset <name>" as --help shows it. */
  term: string;
  /** The description as --help shows it (choices and defaults included). */
  description: string;
  short?: string;
  long?: string;
  /** "name" of "<name>" / "[name]"; absent for a flag. */
  valueName?: string;
  choices?: readonly string[];
}

export interface ArgumentSpec {
  name: string;
  term: string;
  description: string;
  required: boolean;
  variadic: boolean;
  choices?: readonly string[];
}

export interface CommandSpec {
  /** ["history", "trend"]; [] for the program. */
  path: string[];
  usage: string;
  description: string;
  summary: string;
  arguments: ArgumentSpec[];
  options: OptionSpec[];
  commands: CommandSpec[];
  /** Text added after the help (addHelpText('after', ...)): exit codes, notes. */
  after: string;
}

/** Every command spec, depth first (the program first). */
export function flattenSpecs(spec: CommandSpec): CommandSpec[] {
  return [spec, ...spec.commands.flatMap(flattenSpecs)];
}
