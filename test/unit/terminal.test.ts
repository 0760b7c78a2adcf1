// Terminal conventions, the pure parts: when colour is on (--color, NO_COLOR, FORCE_COLOR, a terminal), and
// coloured tables that measure and cut as plain ones.

import { describe, expect, it } from 'vitest';
import { colorWanted } from '../../src/app/color.js';
import { compareDocuments } from '../../src/analysis/compare.js';
import { textWidth, truncate } from '../../src/reporters/columns.js';
import { renderCompare } from '../../src/reporters/compare.js';
import { ANSI, PLAIN, stripStyle } from '../../src/reporters/style.js';
import { renderTable } from '../../src/reporters/table.js';
import { buildDocument } from '../fixtures/docs/build.js';

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
