// The compare gate as JUnit XML: a test case per cell and metric, a regression a failure carrying the change,
// both intervals and the p-value, the rest passing; valid (checked by xmllint) against the Ant JUnit schema
// and Jenkins' xUnit schema, with names that need escaping.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDocuments } from '../../src/analysis/compare.js';
import { compareCommand } from '../../src/app/compare.js';
import type { CompareResult, ResultDocument } from '../../src/model/types.js';
import { escapeXmlAttr, escapeXmlText, serializeJunit } from '../../src/reporters/junit.js';
import { buildDocument } from '../fixtures/docs/build.js';
import { consumer, FIXTURES } from '../helpers.js';

const XMLLINT = consumer('/usr/bin/xmllint', 'libxml2-utils', 'JUnit schema validation');
const SCHEMAS = ['ant-junit.xsd', 'jenkins-junit-10.xsd'].map((f) => join(FIXTURES, 'junit', f));
const NS_PER_IT = 0.29;

let base: ResultDocument;
let slower: ResultDocument;
let rerun: ResultDocument;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cgbench-junit-'));
  // Hostile names (markup, quotes, Markdown) in workloads and limit sets: they must come out as XML text.
  const common = { samples: false, repetitions: 5 } as const;
  base = await buildDocument({ ...common, suiteId: 'nightly-1' });
  rerun = await buildDocument({ ...common, suiteId: 'nightly-2' });
  // A planted 15 % slowdown of everything CPU-bound.
  slower = await buildDocument({ ...common, suiteId: 'nightly-2', nsPerIteration: NS_PER_IT * 1.15 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function xmllint(xml: string, schema: string): { status: number | null; output: string } {
  const file = join(work, 'report.xml');
  writeFileSync(file, xml);
  const res = spawnSync(XMLLINT as string, ['--noout', '--nonet', '--schema', schema, file], { encoding: 'utf8' });
  return { status: res.status, output: res.stdout + res.stderr };
}

/** The test cases as a viewer lists them: suite, classname, name, and the failure or skip if any. */
function cases(xml: string): { suite: string; classname: string; name: string; failure?: string; skipped?: string }[] {
  const unescape = (s: string): string =>
    s
      .replace(/&#10;/g, '\n')
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const out: ReturnType<typeof cases> = [];
  for (const suite of xml.matchAll(/<testsuite name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)) {
    for (const c of (suite[2] ?? '').matchAll(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const body = c[4] ?? '';
      const failure = /<failure type="regression" message="([^"]*)"/.exec(body)?.[1];
      const skipped = /<skipped message="([^"]*)"/.exec(body)?.[1];
      out.push({
        suite: unescape(suite[1] ?? ''),
        classname: unescape(c[2] ?? ''),
        name: unescape(c[1] ?? ''),
        ...(failure !== undefined ? { failure: unescape(failure) } : {}),
        ...(skipped !== undefined ? { skipped: unescape(skipped) } : {}),
      });
    }
  }
  return out;
}

describe('JUnit XML from compare', () => {
  let regressed: CompareResult;
  let same: CompareResult;

  beforeAll(() => {
    regressed = compareDocuments(base, slower, { thresholdPct: 5 });
    same = compareDocuments(base, rerun, { thresholdPct: 5 });
  });

  it('has a test case per cell and metric, plus the outcomes; a regression fails with the change, intervals and p-value', () => {
    expect(regressed.failed).toBe(true);
    const xml = serializeJunit(regressed);
    const all = cases(xml);
    const expected = regressed.cells.reduce((n, c) => n + c.metrics.length + 1, 0);
    expect(all.length).toBe(expected);
    const failures = all.filter((c) => c.failure);
    const regressions = regressed.cells.flatMap((c) =>
      [...c.metrics.filter((m) => m.verdict === 'regression').map((m) => m.label), ...(c.outcomes.regression ? ['outcomes'] : [])].map(
        (name) => `${c.currentCellId}\0${name}`,
      ),
    );
    expect(failures.map((c) => `${c.classname}\0${c.name}`).sort()).toEqual(regressions.sort());
    const loop = failures.find((c) => c.classname === 'cpu-loop / unlimited / fake' && c.name === 'median wall');
    expect(loop?.failure).toMatch(
      /^median wall \+1\d\.\d % \([\d.]+ m?s → [\d.]+ m?s\), 95 % intervals [\d.]+ m?s – [\d.]+ m?s → [\d.]+ m?s – [\d.]+ m?s, p=[\d.e-]+: worse beyond the 5 % threshold$/,
    );
    // Suites are the workloads; the counts add up.
    const suites = [...xml.matchAll(/<testsuite name="([^"]*)"[^>]*tests="(\d+)" failures="(\d+)"/g)];
    expect(suites.map((s) => Number(s[2])).reduce((a, b) => a + b, 0)).toBe(all.length);
    expect(suites.map((s) => Number(s[3])).reduce((a, b) => a + b, 0)).toBe(failures.length);
    expect(new Set(all.map((c) => c.suite))).toEqual(new Set(base.scenario.workloads.map((w) => w.name)));
  });

  it('passes every case when nothing regressed; names are the same from night to night', () => {
    expect(same.failed).toBe(false);
    const xml = serializeJunit(same);
    expect(cases(xml).filter((c) => c.failure)).toEqual([]);
    expect(xml).toContain('value="PASS: no significant regression');
    const names = (r: CompareResult): string[] => cases(serializeJunit(r)).map((c) => `${c.suite}\0${c.classname}\0${c.name}`);
    expect(names(same)).toEqual(names(regressed));
  });

  it('skips the cells it could not compare, naming why', () => {
    const fewer = structuredClone(rerun);
    fewer.cells = fewer.cells.filter((c) => c.workload !== 'io-write');
    const r = compareDocuments(base, fewer, { thresholdPct: 5 });
    const skipped = cases(serializeJunit(r)).filter((c) => c.skipped !== undefined);
    expect(skipped.map((c) => c.classname).sort()).toEqual(
      base.cells
        .filter((c) => c.workload === 'io-write')
        .map((c) => c.id)
        .sort(),
    );
    expect(skipped.every((c) => c.suite === 'cells not compared' && c.skipped === 'missing from the current document')).toBe(true);
  });

  it('escapes markup, quotes, line ends and characters XML cannot hold', () => {
    expect(escapeXmlAttr('a "<b>" & \'c\'\nd\te')).toBe("a &quot;&lt;b&gt;&quot; &amp; 'c'&#10;d&#9;e");
    expect(escapeXmlText('x\u0001y\uFFFEz\uD800')).toBe('x\uFFFDy\uFFFDz\uFFFD');
    const xml = serializeJunit(regressed);
    expect(xml).not.toContain('<script>');
    expect(cases(xml).map((c) => c.suite)).toContain('<script>alert(1)</script>');
  });

  it.skipIf(!XMLLINT)('validates against the Ant JUnit schema and Jenkins xUnit schema (xmllint)', () => {
    const empty = compareDocuments(base, { ...rerun, cells: [] }, { thresholdPct: 5 });
    for (const r of [regressed, same, empty]) {
      for (const schema of SCHEMAS) {
        const res = xmllint(serializeJunit(r), schema);
        expect(res.status, res.output).toBe(0);
        expect(res.output).toMatch(/validates$/m);
      }
    }
    // The check is real: a test case without its classname, or a suite without its hostname, fails the Ant schema.
    const broken = serializeJunit(regressed).replace(/ classname="[^"]*"/, '');
    expect(xmllint(broken, SCHEMAS[0] as string).status).not.toBe(0);
    expect(xmllint(serializeJunit(same).replace(/ hostname="[^"]*"/, ''), SCHEMAS[0] as string).status).not.toBe(0);
  });

  it('compare --junit FILE writes it beside the normal output, the exit code unchanged', async () => {
    const b = join(work, 'base.json');
    const c = join(work, 'current.json');
    writeFileSync(b, JSON.stringify(base));
    writeFileSync(c, JSON.stringify(slower));
    const file = join(work, 'gate.xml');
    const res = await compareCommand(b, c, { junit: file, format: 'md' });
    expect(res.exitCode).toBe(1);
    expect(res.output).toMatch(/^## cgbench compare: FAIL/);
    expect(readFileSync(file, 'utf8')).toBe(serializeJunit(res.result));
    // A path under a file cannot be written: one clear error, not a stack.
    await expect(compareCommand(b, c, { junit: join(b, 'gate.xml') })).rejects.toThrow(/cannot write the JUnit report .*gate\.xml/);
  });
});
