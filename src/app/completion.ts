// `cgbench completion bash|zsh|fish`: a completion script for each shell, rendered from the command line's own
// table (app/cli-spec.ts): subcommands, every option of each, and the values an option takes (choices, presets,
// formats, runtimes, files or directories). The script carries its data, so a Tab runs no cgbench process.

import { COMPARE_FORMATS, REPORT_FORMATS } from '../model/defaults.js';
import { TREND_FORMATS } from '../reporters/trend.js';
import { type ArgumentSpec, type CommandSpec, flattenSpecs, type OptionSpec } from './cli-spec.js';
import { MATCH_FIELDS } from './compare.js';
import { CGROUP_MODES } from './history.js';
import { PLAN_TARGETS } from './plan.js';
import { RUN_RUNTIMES, RUNTIME_NAMES } from './runtimes.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What a value may be: one of some words, a comma-separated list of them, a file, a directory, or anything. */
export type ValueSpec =
  | { kind: 'words'; words: readonly string[] }
  | { kind: 'list'; words: readonly string[] }
  | { kind: 'file' }
  | { kind: 'dir' }
  | { kind: 'any' };

export interface CompletionContext {
  /** The presets `--preset` takes (workloads/). */
  presets: readonly string[];
  version: string;
}

/**
 * An option's values: commander's choices where it has them, else what its command takes by name (formats differ
 * per command), else its placeholder: <dir> a directory, <file> a file, anything else free text.
 */
export function optionValues(path: string, o: OptionSpec, ctx: CompletionContext): ValueSpec | null {
  if (!o.valueName) return null;
  if (o.choices) return { kind: 'words', words: o.choices };
  switch (o.long) {
    case '--preset':
      return { kind: 'words', words: ctx.presets };
    case '--runtime':
      return path === 'run' ? { kind: 'list', words: RUN_RUNTIMES } : { kind: 'words', words: RUNTIME_NAMES };
    case '--report':
      return { kind: 'list', words: [...REPORT_FORMATS, 'none'] };
    case '--format':
      if (path === 'compare') return { kind: 'words', words: COMPARE_FORMATS };
      return { kind: 'list', words: path === 'history trend' ? TREND_FORMATS : REPORT_FORMATS };
    case '--target':
      return { kind: 'words', words: PLAN_TARGETS };
    case '--cgroup':
      return { kind: 'words', words: CGROUP_MODES };
    case '--match':
      return { kind: 'list', words: [...MATCH_FIELDS, 'none'] };
    case '--db':
      // A SQLite file, or a postgres:// URL typed out.
      return { kind: 'file' };
  }
  if (o.valueName === 'dir') return { kind: 'dir' };
  if (o.valueName === 'file') return { kind: 'file' };
  return { kind: 'any' };
}

/** A command's positional arguments: their choices, or files (scenarios, result documents, logs), or nothing (an id). */
export function argumentValues(args: readonly ArgumentSpec[]): ValueSpec {
  const a = args[0];
  if (!a) return { kind: 'any' };
  if (a.choices) return { kind: 'words', words: a.choices };
  return a.name === 'id' ? { kind: 'any' } : { kind: 'file' };
}

interface Entry {
  path: string;
  spec: CommandSpec;
  /** Its own options, then the program's (they work after any subcommand), each once. */
  options: OptionSpec[];
  subcommands: CommandSpec[];
  args: ValueSpec;
}

function entries(program: CommandSpec): Entry[] {
  // The program's own options that mean something after a command (--color); --help and --version are the program's.
  const global = program.options.filter((o) => o.long !== '--help' && o.long !== '--version');
  return flattenSpecs(program).map((spec) => {
    const own = spec.options;
    const extra = spec.path.length ? global.filter((g) => !own.some((o) => o.long === g.long)) : [];
    return {
      path: spec.path.join(' '),
      spec,
      options: [...own, ...extra],
      subcommands: spec.commands,
      args: argumentValues(spec.arguments),
    };
  });
}

function flags(o: OptionSpec): string[] {
  return [o.short, o.long].filter((f): f is string => f !== undefined);
}

/** A word in single quotes for sh-like shells (bash, zsh, fish alike). */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The value spec as the scripts keep it: "words a b c", "list a b", "file", "dir", "any". */
function valueWord(v: ValueSpec): string {
  return v.kind === 'words' || v.kind === 'list' ? `${v.kind} ${v.words.join(' ')}` : v.kind;
}

/** One line of a description: completion menus show one. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The data both sh-like scripts look up: subcommands, options and values per command path. */
function shData(list: Entry[], ctx: CompletionContext, zsh: boolean): string[] {
  const out: string[] = [];
  // bash lists bare words (flags and command names have no spaces); zsh's _describe takes "name:description".
  const item = (name: string, desc: string): string => (zsh ? q(`${name.replace(/:/g, '\\:')}:${oneLine(desc)}`) : name);
  const fn = (name: string, cases: [string, string][]): void => {
    out.push(`__cgbench_${name}() {`, '  case "$1" in');
    for (const [key, body] of cases) out.push(`    ${key}) ${body} ;;`);
    out.push('  esac', '}');
  };
  const set = (words: string[]): string => (zsh ? `reply=(${words.join(' ')})` : `echo ${q(words.join(' '))}`);
  fn(
    'subcommands',
    list.filter((e) => e.subcommands.length).map((e) => [q(e.path), set(e.subcommands.map((c) => item(c.path.at(-1) ?? '', c.summary)))]),
  );
  fn(
    'options',
    list.map((e) => [q(e.path), set(e.options.flatMap((o) => flags(o).map((f) => item(f, o.description))))]),
  );
  const values: [string, string][] = [];
  for (const e of list) {
    for (const o of e.options) {
      const v = optionValues(e.path, o, ctx);
      if (v)
        values.push([
          flags(o)
            .map((f) => q(`${e.path}|${f}`))
            .join('|'),
          `echo ${q(valueWord(v))}`,
        ]);
    }
  }
  fn('values', values);
  fn(
    'arguments',
    list.filter((e) => e.args.kind !== 'any').map((e) => [q(e.path), `echo ${q(valueWord(e.args))}`]),
  );
  return out;
}

function header(shell: Shell, ctx: CompletionContext, install: string[]): string[] {
  return [
    `# ${shell} completion for cgbench ${ctx.version}, generated by \`cgbench completion ${shell}\` from its options.`,
    ...install.map((l) => `# ${l}`),
  ];
}

function bashScript(list: Entry[], ctx: CompletionContext): string {
  return [
    ...header('bash', ctx, [
      'Load it in this shell:  source <(cgbench completion bash)',
      'or for every shell:     cgbench completion bash > /etc/bash_completion.d/cgbench',
    ]),
    ...shData(list, ctx, false),
    '__cgbench_value() {',
    '  local kind=${1%% *} words=${1#* } cur=$2 prefix=',
    '  case $kind in',
    '    words) mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur") ;;',
    '    list)',
    '      [[ $cur == *,* ]] && prefix=${cur%,*},',
    '      mapfile -t COMPREPLY < <(compgen -P "$prefix" -W "$words" -- "${cur##*,}") ;;',
    '    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;',
    '    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;',
    '    *) COMPREPLY=() ;;',
    '  esac',
    '}',
    '_cgbench() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} cmdpath= i w opt= value= subs',
    '  COMPREPLY=()',
    '  # The command path so far: the words that name a subcommand, options and their values skipped.',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    if [[ $w == -* ]]; then',
    '      if [[ ${COMP_WORDS[i + 1]} == = ]]; then ((i += 2)); elif [[ -n $(__cgbench_values "$cmdpath|$w") ]]; then ((i++)); fi',
    '      continue',
    '    fi',
    '    [[ " $(__cgbench_subcommands "$cmdpath") " == *" $w "* ]] && cmdpath=${cmdpath:+$cmdpath }$w',
    '  done',
    '  # --opt=value: bash splits at "=" (COMP_WORDBREAKS).',
    '  if [[ $cur == = ]]; then',
    '    opt=${COMP_WORDS[COMP_CWORD - 1]} cur=',
    '  elif [[ ${COMP_WORDS[COMP_CWORD - 1]} == = ]]; then',
    '    opt=${COMP_WORDS[COMP_CWORD - 2]}',
    '  elif [[ ${COMP_WORDS[COMP_CWORD - 1]} == -* ]]; then',
    '    opt=${COMP_WORDS[COMP_CWORD - 1]}',
    '  fi',
    '  [[ -n $opt ]] && value=$(__cgbench_values "$cmdpath|$opt")',
    '  if [[ -n $value ]]; then __cgbench_value "$value" "$cur"; return 0; fi',
    '  if [[ $cur == -* ]]; then',
    '    mapfile -t COMPREPLY < <(compgen -W "$(__cgbench_options "$cmdpath")" -- "$cur")',
    '    return 0',
    '  fi',
    '  subs=$(__cgbench_subcommands "$cmdpath")',
    '  if [[ -n $subs ]]; then mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur"); return 0; fi',
    '  __cgbench_value "$(__cgbench_arguments "$cmdpath")" "$cur"',
    '}',
    'complete -F _cgbench cgbench',
    '',
  ].join('\n');
}

function zshScript(list: Entry[], ctx: CompletionContext): string {
  return [
    '#compdef cgbench',
    ...header('zsh', ctx, [
      'Load it in this shell (after compinit):  source <(cgbench completion zsh)',
      'or install it as _cgbench in a directory of $fpath:  cgbench completion zsh > "${fpath[1]}/_cgbench"',
    ]),
    ...shData(list, ctx, true),
    '__cgbench_value() {',
    '  local kind=${1%% *} words=${1#* }',
    '  case $kind in',
    '    words) compadd -- ${=words} ;;',
    "    list) compset -P '*,'; compadd -S '' -q -- ${=words} ;;",
    '    file) _files ;;',
    '    dir) _files -/ ;;',
    '  esac',
    '}',
    '_cgbench() {',
    '  local cmdpath= i w opt= value=',
    '  local -a reply',
    '  # The command path so far: the words that name a subcommand, options and their values skipped.',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    w=${words[i]}',
    '    if [[ $w == -* ]]; then',
    '      [[ $w != *=* && -n $(__cgbench_values "$cmdpath|$w") ]] && ((i++))',
    '      continue',
    '    fi',
    '    __cgbench_subcommands "$cmdpath"',
    '    (( ${reply[(I)${(b)w}:*]} )) && cmdpath=${cmdpath:+$cmdpath }$w',
    '  done',
    '  if [[ ${words[CURRENT]} == -*=* ]]; then',
    '    opt=${words[CURRENT]%%=*}',
    "    compset -P '*='",
    '  elif [[ ${words[CURRENT - 1]} == -* ]]; then',
    '    opt=${words[CURRENT - 1]}',
    '  fi',
    '  [[ -n $opt ]] && value=$(__cgbench_values "$cmdpath|$opt")',
    '  if [[ -n $value ]]; then __cgbench_value "$value"; return; fi',
    '  if [[ ${words[CURRENT]} == -* ]]; then',
    '    __cgbench_options "$cmdpath"',
    "    _describe -t options 'cgbench option' reply",
    '    return',
    '  fi',
    '  reply=()',
    '  __cgbench_subcommands "$cmdpath"',
    "  if (( $#reply )); then _describe -t commands 'cgbench command' reply; return; fi",
    '  __cgbench_value "$(__cgbench_arguments "$cmdpath")"',
    '}',
    // Autoloaded from $fpath the file's body is the completion function; sourced, it registers one.
    'if [[ ${funcstack[1]} == _cgbench ]]; then _cgbench "$@"; else compdef _cgbench cgbench; fi',
    '',
  ].join('\n');
}

function fishScript(list: Entry[], ctx: CompletionContext): string {
  const paths = list.filter((e) => e.path).map((e) => q(e.path));
  const valued = list.flatMap((e) =>
    e.options.filter((o) => optionValues(e.path, o, ctx)).flatMap((o) => flags(o).map((f) => q(`${e.path}|${f}`))),
  );
  const out = [
    ...header('fish', ctx, [
      'Load it in this shell:  cgbench completion fish | source',
      'or for every shell:     cgbench completion fish > ~/.config/fish/completions/cgbench.fish',
    ]),
    `set -g __cgbench_paths ${paths.join(' ')}`,
    `set -g __cgbench_valued ${valued.join(' ')}`,
    '# The command path so far: the words that name a subcommand, options and their values skipped.',
    'function __cgbench_path',
    '    set -l tokens (commandline -opc)',
    '    set -e tokens[1]',
    '    set -l path',
    '    set -l skip 0',
    '    for t in $tokens',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $t',
    "            case '-*=*'",
    '                continue',
    "            case '-*'",
    '                if contains -- (string join \' \' $path)"|$t" $__cgbench_valued',
    '                    set skip 1',
    '                end',
    '                continue',
    '        end',
    "        if contains -- (string join ' ' $path $t) $__cgbench_paths",
    '            set -a path $t',
    '        end',
    '    end',
    "    string join ' ' $path",
    'end',
    'function __cgbench_at',
    '    set -l path (__cgbench_path)',
    '    test "$path" = "$argv"',
    'end',
    '# Words of a comma-separated list: the ones typed so far stay in front.',
    'function __cgbench_list',
    "    set -l prefix (string replace -r '[^,]*$' '' -- (commandline -ct))",
    "    printf '%s\\n' $prefix$argv",
    'end',
    'complete -c cgbench -f',
  ];
  const value = (v: ValueSpec): string => {
    switch (v.kind) {
      case 'words':
        return `-x -a ${q(v.words.join(' '))}`;
      case 'list':
        return `-x -a ${q(`(__cgbench_list ${v.words.join(' ')})`)}`;
      case 'file':
        return '-r -F';
      case 'dir':
        return `-x -a ${q('(__fish_complete_directories)')}`;
      case 'any':
        return '-x';
    }
  };
  for (const e of list) {
    const at = `-n ${q(`__cgbench_at ${e.path}`)}`;
    for (const c of e.subcommands) out.push(`complete -c cgbench ${at} -a ${q(c.path.at(-1) ?? '')} -d ${q(oneLine(c.summary))}`);
    for (const o of e.options) {
      const names = [o.short ? `-s ${q(o.short.slice(1))}` : '', o.long ? `-l ${q(o.long.slice(2))}` : ''].filter(Boolean).join(' ');
      const v = optionValues(e.path, o, ctx);
      out.push(`complete -c cgbench ${at} ${names}${v ? ` ${value(v)}` : ''} -d ${q(oneLine(o.description))}`);
    }
    if (!e.subcommands.length && e.args.kind !== 'any')
      out.push(`complete -c cgbench ${at} ${value(e.args).replace(/^-x /, '').replace(/^-r /, '')}`);
  }
  return `${out.join('\n')}\n`;
}

/** The completion script for a shell, from the program's spec. */
export function renderCompletion(program: CommandSpec, shell: Shell, ctx: CompletionContext): string {
  const list = entries(program);
  if (shell === 'bash') return bashScript(list, ctx);
  if (shell === 'zsh') return zshScript(list, ctx);
  return fishScript(list, ctx);
}
