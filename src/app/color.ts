// Whether cgbench colours what it prints: --color always or never decides; with auto (the default), NO_COLOR set
// to anything but the empty string turns colour off (https://no-color.org), FORCE_COLOR turns it on (0 or false:
// off), and otherwise a stream gets colour only when it is a terminal that is not "dumb". Pipes, files and CI
// logs get plain text.

import { ANSI, PLAIN, type Style } from '../reporters/style.js';

export const COLOR_MODES = ['auto', 'always', 'never'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

let mode: ColorMode = 'auto';

/** Set once from --color, before a command runs. */
export function setColorMode(m: ColorMode): void {
  mode = m;
}

/** The decision, pure: the mode, the environment and whether the stream is a terminal. */
export function colorWanted(m: ColorMode, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (m !== 'auto') return m === 'always';
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

export function colorOn(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return colorWanted(mode, env, Boolean(stream.isTTY));
}

/** The style for what goes to stdout (tables, compare, doctor). */
export function terminalStyle(stream: NodeJS.WriteStream = process.stdout): Style {
  return colorOn(stream) ? ANSI : PLAIN;
}
