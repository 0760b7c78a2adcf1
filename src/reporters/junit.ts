// The compare gate as JUnit XML (`compare --junit FILE`, `--format junit`), for the test viewers CI already
// has (GitLab's test report, Jenkins, GitHub test reporters): a test suite per workload, a test case per
// cell and metric (plus the cell's outcomes), named by the cell's stable id and the metric, so a viewer
// follows each from night to night. A regression is a failure whose message carries the change, both
// intervals and the p-value; an improvement or no change passes; what could not be compared is skipped.
// Valid against the Ant JUnit schema and Jenkins' (test/fixtures/junit). Pure.

import type { CellComparison, CompareResult, MetricComparison } from '../model/types.js';
import { formatPValue } from '../model/units.js';
import { changeText, docText, evidenceText, headline, metricRange, metricValue, outcomesText } from './compare.js';

/** Characters XML 1.0 cannot hold at all (controls, lone surrogates, U+FFFE/F) become U+FFFD. */
function xmlChars(s: string): string {
  return s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
}

/** Element text. */
export function escapeXmlText(s: string): string {
  return xmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; line ends and tabs as references, which attribute normalisation keeps. */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** A name the schemas take (xs:token, at least one character once whitespace collapses). */
function token(s: string, fallback: string): string {
  return s.trim() ? s : fallback;
}

/** "2026-12-02T00:53:23": the Ant schema's timestamp has no zone and no fraction (UTC here). */
function timestamp(iso: string): string {
  const t = Date.parse(iso);
  return (Number.isFinite(t) ? new Date(t) : new Date(0)).toISOString().slice(0, 19);
}

interface Case {
  name: string;
  classname: string;
  failure?: { type: string; message: string; body: string };
  skipped?: string;
}

function intervalsText(m: MetricComparison): string {
  const b = metricRange(m.unit, m.baseInterval, m.ownUnit) || 'none';
  const c = metricRange(m.unit, m.currentInterval, m.ownUnit) || 'none';
  return `95 % intervals ${b} → ${c}`;
}

function metricCase(cell: CellComparison, m: MetricComparison, thresholdPct: number): Case {
  const c: Case = { name: m.label, classname: cell.currentCellId };
  const figures = `${metricValue(m.unit, m.base, m.ownUnit)} → ${metricValue(m.unit, m.current, m.ownUnit)}`;
  if (m.verdict === 'regression') {
    const p = m.pValue === null ? 'no p-value' : formatPValue(m.pValue);
    const message = `${m.label} ${changeText(m)} (${figures}), ${intervalsText(m)}, ${p}: worse beyond the ${thresholdPct} % threshold`;
    const body = [
      `cell: ${cell.currentCellId} (base: ${cell.baseCellId})`,
      `${m.label}: ${figures}, change ${changeText(m)}`,
      intervalsText(m),
      `evidence: ${evidenceText(m)}`,
      `${m.direction}; regressions within ${thresholdPct} % are tolerated`,
    ].join('\n');
    c.failure = { type: 'regression', message, body };
  } else if (m.verdict === 'not-comparable') {
    c.skipped = `not comparable: ${figures} (measured on one side only)`;
  }
  return c;
}

function outcomeCase(cell: CellComparison, thresholdPct: number): Case {
  const o = cell.outcomes;
  const c: Case = { name: 'outcomes', classname: cell.currentCellId };
  if (o.regression) {
    const pct = (v: number | null): string => (v === null ? '–' : `${v.toFixed(0)} %`);
    const runs = `${outcomesText(o.base)} → ${outcomesText(o.current)}`;
    const message = `runs ending ok ${pct(o.baseOkPct)} → ${pct(o.currentOkPct)} (${runs}): more than ${thresholdPct} % fewer`;
    c.failure = { type: 'regression', message, body: `cell: ${cell.currentCellId}\n${message}` };
  }
  return c;
}

function caseXml(c: Case): string {
  const name = escapeXmlAttr(token(c.name, 'metric'));
  const head = `    <testcase name="${name}" classname="${escapeXmlAttr(token(c.classname, 'cell'))}" time="0"`;
  if (c.failure) {
    const f = c.failure;
    const failure = `<failure type="${escapeXmlAttr(f.type)}" message="${escapeXmlAttr(f.message)}">${escapeXmlText(f.body)}</failure>`;
    return `${head}>\n      ${failure}\n    </testcase>`;
  }
  if (c.skipped !== undefined) return `${head}>\n      <skipped message="${escapeXmlAttr(c.skipped)}"/>\n    </testcase>`;
  return `${head}/>`;
}

interface Suite {
  name: string;
  cases: Case[];
}

function suites(r: CompareResult): Suite[] {
  const out: Suite[] = [];
  for (const cell of r.cells) {
    let s = out.find((x) => x.name === cell.workload);
    if (!s) out.push((s = { name: cell.workload, cases: [] }));
    s.cases.push(...cell.metrics.map((m) => metricCase(cell, m, r.thresholdPct)), outcomeCase(cell, r.thresholdPct));
  }
  if (r.unmatched.length) {
    out.push({
      name: 'cells not compared',
      cases: r.unmatched.map((u) => ({
        name: u.side === 'base' ? 'missing from the current document' : 'not in the base document',
        classname: u.cellId,
        skipped: u.reason,
      })),
    });
  }
  return out;
}

export function serializeJunit(r: CompareResult): string {
  const properties: [string, string][] = [
    ['threshold', `${r.thresholdPct} %`],
    ['alpha', String(r.alpha)],
    ['base', docText(r.base)],
    ['current', docText(r.current)],
    ['verdict', headline(r)],
  ];
  const propsXml = properties.map(([k, v]) => `      <property name="${escapeXmlAttr(k)}" value="${escapeXmlAttr(v)}"/>`).join('\n');
  const notes = [headline(r), ...r.warnings.map((w) => `warning: ${w}`)].join('\n');
  const host = token(r.current.host ?? r.current.hostname, 'localhost');
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>'];
  suites(r).forEach((s, id) => {
    const failures = s.cases.filter((c) => c.failure).length;
    const skipped = s.cases.filter((c) => c.skipped !== undefined).length;
    lines.push(
      `  <testsuite name="${escapeXmlAttr(token(s.name, 'workload'))}" package="cgbench.compare" id="${id}" ` +
        `timestamp="${timestamp(r.current.createdAt)}" hostname="${escapeXmlAttr(host)}" ` +
        `tests="${s.cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0">`,
      '    <properties>',
      propsXml,
      '    </properties>',
      ...s.cases.map(caseXml),
      `    <system-out>${escapeXmlText(notes)}</system-out>`,
      '    <system-err></system-err>',
      '  </testsuite>',
    );
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
