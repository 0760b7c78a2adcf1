import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateResultDocument } from '../../src/app/results.js';
import type { ResultDocument } from '../../src/model/types.js';
import { buildDocument } from '../fixtures/docs/build.js';

const doc: ResultDocument = await buildDocument({ samples: false, hostileNames: false });

describe('the result schema follows the types', () => {
  it('is what `npm run schema` generates from src/model/types.ts today', () => {
    // A field added to ResultDocument (or anything under it) fails here until the schema is regenerated.
    expect(() => execFileSync(process.execPath, ['scripts/results-schema.js', '--check'], { stdio: 'pipe' })).not.toThrow();
    expect(readFileSync('schema/results.schema.json', 'utf8')).toContain('"$id": "urn:cgbench:schema:results:1"');
  });

  it("keeps the types' JSDoc constraints: integers, bounds, patterns, the run's outcome union", () => {
    const bad = (change: (d: ResultDocument & Record<string, unknown>) => void): string[] => {
      const d = structuredClone(doc) as ResultDocument & Record<string, unknown>;
      change(d);
      return validateResultDocument(d);
    };
    const cell = (d: ResultDocument) => d.cells[1] as ResultDocument['cells'][number];
    expect(bad((d) => (cell(d).limits.cpuWeight = 0))).not.toEqual([]);
    expect(bad((d) => (cell(d).runs[0]!.index = 1.5))).not.toEqual([]);
    expect(bad((d) => (d.createdAt = 'yesterday'))).not.toEqual([]);
    expect(bad((d) => (d.scenarioHash = 'XYZ'))).not.toEqual([]);
    expect(bad((d) => (cell(d).summary.oomKills = -1))).not.toEqual([]);
    expect(bad((d) => Object.assign(cell(d).runs[0]!, { outcome: 'failed' }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/runs\/0.*message/)]),
    );
    expect(bad((d) => Object.assign(cell(d), { surprise: 1 }))).toEqual(expect.arrayContaining([expect.stringContaining('surprise')]));
  });

  it('lets readers accept warning codes a newer cgbench adds', () => {
    const d = structuredClone(doc);
    d.warnings.push({ code: 'brand-new-code' as never, message: 'from the future' });
    expect(validateResultDocument(d)).toEqual([]);
  });
});
