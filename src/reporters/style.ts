// Colour on a terminal: the one place that knows the escape codes. Renderers take a Style (plain by default)
// and stay pure; app/color.ts decides, from --color, NO_COLOR and the stream, which one they get. Colour goes
// on after a table is laid out, or on text whose width columns.ts measures without the codes.

export interface Style {
  /** Headings. */
  bold(text: string): string;
  /** What went wrong: a regression, a failed check. */
  bad(text: string): string;
  /** What went right: a pass, an improvement. */
  good(text: string): string;
  /** What to look at: warnings. */
  warn(text: string): string;
}

const same = (text: string): string => text;

export const PLAIN: Style = { bold: same, bad: same, good: same, warn: same };

/** SGR sequences, each closed by its own reset so a cut line never bleeds colour into the next. */
const sgr =
  (open: string, close: string) =>
  (text: string): string =>
    text ? `\x1b[${open}m${text}\x1b[${close}m` : text;

export const ANSI: Style = { bold: sgr('1', '22'), bad: sgr('1;31', '22;39'), good: sgr('32', '39'), warn: sgr('33', '39') };

/** SGR sequences, for measuring and cutting coloured text (built from the code: a literal ESC in a regex is a lint error). */
export const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function stripStyle(text: string): string {
  return text.replace(SGR, '');
}
