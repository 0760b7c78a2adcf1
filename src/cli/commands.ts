// The command line as data, read from commander's own tree, the one table `--help` prints: every command's
// path, usage, arguments and options in commander's wording, for the man page and the shell completions
// (app/man.ts, app/completion.ts), so neither can drift from the options that exist.

import type { Command, Option } from 'commander';
import type { ArgumentSpec, CommandSpec, OptionSpec } from '../app/cli-spec.js';

/** The command and all below it, depth first. */
export function commandTree(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(commandTree)];
}

/** "cgbench history trend". */
export function commandPath(cmd: Command): string {
  return cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name();
}

/** What addHelpText('after') adds to a command's help: commander keeps it as a listener of its help event. */
function afterText(cmd: Command): string {
  let text = '';
  // commander's Command is an EventEmitter (its typings leave that out).
  (cmd as unknown as NodeJS.EventEmitter).emit('afterHelp', { error: false, command: cmd, write: (s: string) => (text += s) });
  return text.trim();
}

function optionSpec(o: Option, describe: (o: Option) => string, term: (o: Option) => string): OptionSpec {
  const value = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  const spec: OptionSpec = { term: term(o), description: describe(o) };
  if (o.short) spec.short = o.short;
  if (o.long) spec.long = o.long;
  if (value) spec.valueName = value.replace(/\.\.\.$/, '');
  if (o.argChoices) spec.choices = o.argChoices;
  return spec;
}

export function describeCommand(cmd: Command, path: string[] = []): CommandSpec {
  const help = cmd.createHelp();
  return {
    path,
    usage: `${[cmd.parent ? commandPath(cmd.parent) : '', cmd.name()].filter(Boolean).join(' ')} ${cmd.usage()}`.trim(),
    description: help.commandDescription(cmd),
    summary: help.subcommandDescription(cmd),
    arguments: cmd.registeredArguments.map((a) => {
      const spec: ArgumentSpec = {
        name: a.name(),
        term: help.argumentTerm(a),
        description: help.argumentDescription(a),
        required: a.required,
        variadic: a.variadic,
      };
      if (a.argChoices) spec.choices = a.argChoices;
      return spec;
    }),
    options: help.visibleOptions(cmd).map((o) =>
      optionSpec(
        o,
        (x) => help.optionDescription(x),
        (x) => help.optionTerm(x),
      ),
    ),
    // commander's implicit `help [command]` is real but says nothing a reader needs twice.
    commands: cmd.commands.map((c) => describeCommand(c, [...path, c.name()])),
    after: afterText(cmd),
  };
}
