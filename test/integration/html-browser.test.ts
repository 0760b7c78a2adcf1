// Opens the HTML report and the history trend in headless Chromium (Debian's chromium driven by
// playwright-core): no console errors, no network, no script from a name, every chart canvas drawn;
// saves screenshots.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrend } from '../../src/analysis/trend.js';
import { DEFAULT_HOST_MATCH } from '../../src/model/defaults.js';
import { renderHtml } from '../../src/reporters/html.js';
import { renderTrendHtml } from '../../src/reporters/trend.js';
import { buildDocument, XSS_NAME } from '../fixtures/docs/build.js';
import { buildNight, plantedNights } from '../fixtures/docs/nights.js';
import { ROOT_DIR } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT_DIR, 'test-artifacts');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.log(`html-browser: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`);

interface Loaded {
  page: Page;
  problems: string[];
  dialogs: string[];
}

describe.skipIf(!haveChromium)('HTML report in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string, name: string): Promise<Loaded> {
    const file = join(ARTIFACTS, name);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // A self-contained report needs nothing but its own file: fail any other request.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      problems.push(`network request: ${url}`);
      return route.abort();
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    return { page, problems, dialogs };
  }

  /** Every canvas of the page: its size, how much of it is drawn, and whether chart.js owns it. */
  function canvases(page: Page) {
    return page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((c) => {
        const ctx = c.getContext('2d');
        let ink = 0;
        if (ctx && c.width > 0 && c.height > 0) {
          const data = ctx.getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) ink++;
        }
        const chart = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): unknown } }).Chart?.getChart(c);
        return {
          id: c.id,
          width: c.width,
          height: c.height,
          ink: ink / Math.max(1, c.width * c.height),
          chart: Boolean(chart),
          png: c.toDataURL('image/png').length,
        };
      }),
    );
  }

  function expectDrawn(drawn: Awaited<ReturnType<typeof canvases>>): void {
    for (const c of drawn) {
      expect(c.chart, c.id).toBe(true);
      expect(c.width, c.id).toBeGreaterThan(300);
      expect(c.height, c.id).toBeGreaterThan(200);
      // Axes, labels and lines cover a few percent of a chart; a blank canvas has no ink at all.
      expect(c.ink, c.id).toBeGreaterThan(0.01);
      expect(c.png, c.id).toBeGreaterThan(5000);
    }
  }

  it('draws every chart without errors, network access or injected script', async () => {
    const doc = await buildDocument();
    const { page, problems, dialogs } = await open(renderHtml(doc), 'report.html');
    const drawn = await canvases(page);
    const specs = await page.evaluate(
      () => (JSON.parse(document.getElementById('cgbench-charts')?.textContent ?? '[]') as unknown[]).length,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(drawn.length).toBe(specs);
    expect(drawn.length).toBeGreaterThan(10);
    expectDrawn(drawn);
    // Names from the scenario are text, not markup.
    const headings = await page.locator('section.workload h2').allTextContents();
    expect(headings).toContain('<script>alert(1)</script>');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#chart-error').isVisible()).toBe(false);
    await page.close();
  });

  it('explains missing time series when nothing was sampled', async () => {
    const doc = await buildDocument({ samples: false, hostileNames: false });
    const { page, problems } = await open(renderHtml(doc), 'report-no-samples.html');
    expect(problems).toEqual([]);
    // The time-series note (period-phase notes may come before it).
    expect(await page.locator('.note', { hasText: 'No samples were recorded' }).count()).toBeGreaterThan(0);
    expect(await page.locator('canvas').count()).toBe(4); // slowdown x3 + CPU granted
    await page.close();
  });

  it('draws the history trend: a chart per cell and host, the regression marked, offline', async () => {
    const p = await plantedNights();
    const fleet = [];
    for (let n = 0; n < 4; n++) fleet.push(await buildNight({ night: n, host: { hostname: XSS_NAME } }));
    const nights = [...p.stored, p.regressed, ...fleet].map((doc, i) => ({ id: String(i).padStart(64, '0'), doc }));
    const trend = buildTrend(nights, {}, { windowNights: 7, thresholdPct: 5, match: [...DEFAULT_HOST_MATCH] });
    const { page, problems, dialogs } = await open(renderTrendHtml(trend), 'trend.html');
    const drawn = await canvases(page);
    await page.screenshot({ path: join(ARTIFACTS, 'trend.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
    // A chart per cell and host, but for the cell OOM-killed every night.
    expect(drawn.length).toBe(trend.hosts.reduce((n, h) => n + h.series.length - 1, 0));
    expectDrawn(drawn);
    // Hosts by name; a hostile one is text, not markup.
    expect(await page.locator('section.card h2').allTextContents()).toEqual([XSS_NAME, 'bench-01']);
    // The regression night is a dataset of its own in each CPU cell's chart.
    const marked = await page.evaluate(
      () =>
        [...document.querySelectorAll('canvas')].filter((c) => {
          const chart = (
            window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { label?: string }[] } } } }
          ).Chart.getChart(c);
          return chart.data.datasets.some((d) => d.label === 'regression (gate fails)');
        }).length,
    );
    expect(marked).toBe(3);
    expect(await page.locator('td.bad').count()).toBe(3);
    expect(await page.locator('#chart-error').isVisible()).toBe(false);
    await page.close();
  });
});
