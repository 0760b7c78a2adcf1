// Terminal conventions, the pure parts: when colour is on (--color, NO_COLOR, FORCE_COLOR, a terminal), coloured
// tables that measure and cut as plain ones, the completion data covering every option that takes a value, and
// the man page's escaping and environment list.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenSpecs } from '../../src/app/cli-spec.js';
import { colorWanted } from '../../src/app/color.js';
import { optionValues } from '../../src/app/completion.js';
import { ENVIRONMENT, roffText } from '../../src/app/man.js';
import { compareDocuments } from '../../src/analysis/compare.js';
import { describeCommand } from '../../src/cli/commands.js';
import { textWidth, truncate } from '../../src/reporters/columns.js';
import { renderCompare } from '../../src/reporters/compare.js';
import { ANSI, PLAIN, stripStyle } from '../../src/reporters/style.js';
import { renderTable } from '../../src/reporters/table.js';
import { buildDocument } from '../fixtures/docs/build.js';
import { ROOT_DIR } from '../helpers.js';
import { Command, Option } from 'commander';

const ESC = String.fromCharCode(27);

describe('colour', () => {
  it('--color decides; with auto, NO_COLOR (not empty) turns it off, FORCE_COLOR on, else a terminal that is not dumb', () => {
    const cases: [Parameters<typeof colorWanted>[0], NodeJS.ProcessEnv, boolean, boolean][] = [
      ['auto', {}, true, true],
      ['auto', {}, false, false],
      ['auto', { TERM: 'dumb' }, true, false],
      ['auto', { NO_COLOR: '1' }, true, false],
      ['auto', { NO_COLOR: '' }, true, true],
      ['auto', { NO_COLOR: '0' }, true, false],
      ['auto', { FORCE_COLOR: '1' }, false, true],
      ['auto', { FORCE_COLOR: '0' }, true, false],
      ['auto', { FORCE_COLOR: 'false' }, true, false],
      ['auto', { NO_COLOR: '1', FORCE_COLOR: '1' }, false, false],
      ['always', { NO_COLOR: '1' }, false, true],
      ['never', { FORCE_COLOR: '1' }, true, false],
    ];
    for (const [mode, env, tty, want] of cases) expect(colorWanted(mode, env, tty), `${mode} ${JSON.stringify(env)} tty=${tty}`).toBe(want);
  });

  it('coloured tables measure and cut as the plain ones do, and say the same once the codes are gone', async () => {
    const doc = await buildDocument({ samples: false, hostileNames: false });
    const plain = renderTable(doc, { width: 100 });
    const coloured = renderTable(doc, { width: 100, style: ANSI });
    expect(coloured).toContain(`${ESC}[1m`);
    expect(stripStyle(coloured)).toBe(plain);
    for (const line of coloured.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(100);
    const other = await buildDocument({ samples: false, hostileNames: false, suiteId: 'slower', nsPerIteration: 0.29 * 1.2 });
    const r = compareDocuments(doc, other, { thresholdPct: 5 });
    const gate = renderCompare(r, 'table', { width: 90, style: ANSI });
    expect(gate).toContain(`${ESC}[1;31mREGRESSION`);
    expect(stripStyle(gate)).toBe(renderCompare(r, 'table', { width: 90, style: PLAIN }));
    for (const line of gate.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(90);
    expect(textWidth(ANSI.bad('abc'))).toBe(3);
    expect(truncate(ANSI.bold('abcdef'), 4)).toBe('abc…');
  });
});

/** A small program shaped like main.ts's: its options' values come from their names and placeholders, as the real ones' do. */
function sampleProgram(): Command {
  const p = new Command('cgbench').description('x');
  p.addOption(new Option('--color <when>', 'c').choices(['auto', 'always', 'never']));
  p.command('run').option('-p, --preset <name>', 'p').option('--out <dir>', 'o').option('--report <formats>', 'r').option('--json', 'j');
  const h = p.command('history');
  h.command('trend').option('-f, --format <list>', 'f').option('--db <url>', 'd');
  return p;
}

describe('completion data', () => {
  it('gives every option that takes a value its values: choices, named lists, files, directories', () => {
    const spec = describeCommand(sampleProgram());
    const ctx = { presets: ['quick', 'seed'], version: '0' };
    const all = flattenSpecs(spec);
    const run = all.find((s) => s.path.join(' ') === 'run');
    const trend = all.find((s) => s.path.join(' ') === 'history trend');
    const opt = (s: typeof run, long: string) => s?.options.find((o) => o.long === long);
    expect(optionValues('run', opt(run, '--preset')!, ctx)).toEqual({ kind: 'words', words: ['quick', 'seed'] });
    expect(optionValues('run', opt(run, '--out')!, ctx)).toEqual({ kind: 'dir' });
    expect(optionValues('run', opt(run, '--report')!, ctx)).toMatchObject({ kind: 'list' });
    expect(optionValues('run', opt(run, '--json')!, ctx)).toBeNull();
    expect(optionValues('history trend', opt(trend, '--format')!, ctx)).toEqual({ kind: 'list', words: ['html', 'png', 'md'] });
    expect(optionValues('history trend', opt(trend, '--db')!, ctx)).toEqual({ kind: 'file' });
    expect(optionValues('', opt(spec, '--color')!, ctx)).toEqual({ kind: 'words', words: ['auto', 'always', 'never'] });
  });
});

describe('man page', () => {
  it('escapes what roff would read as requests or escapes', () => {
    expect(roffText('a\\b')).toBe('a\\eb');
    expect(roffText('--out <dir>')).toBe('\\-\\-out <dir>');
    expect(roffText(".hidden\n'quoted\nplain")).toBe("\\&.hidden\n\\&'quoted\nplain");
  });

  it('lists environment variables cgbench reads, each of them read somewhere in src/', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('man.ts')) files.push(readFileSync(p, 'utf8'));
      }
    };
    walk(join(ROOT_DIR, 'src'));
    const source = files.join('\n');
    for (const [name] of ENVIRONMENT) expect(source, name).toMatch(new RegExp(`\\b(env\\.${name}|env\\[['"]${name}['"]\\])`));
  });
});
