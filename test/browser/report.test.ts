// `snnc report` end to end: the HTML file it writes opens in headless Chromium from file://
// with every request refused, logs no error, and every chart has drawn data marks; for a .snn
// model (with the sweep over T and the C targets' fit) and for a compiled artifact. Bad inputs
// get stable SnncError codes (no browser needed for those).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { compile } from '../../compiler/api/compile.js';
import { report, type ReportOutcome } from '../../compiler/api/report.js';
import { HAVE_CHROMIUM, IN_CI, SKIP_MESSAGE, inkShare, launch, screenshotDir, watch } from './chromium.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MODEL = join(ROOT, 'examples/sst2/model.snn');
const dir = mkdtempSync(join(tmpdir(), 'snnc-report-test-'));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('snnc report: bad inputs', () => {
  it('a missing file, a foreign extension and a corrupt artifact have stable codes', async () => {
    expect(await codeOf(report(join(dir, 'nope.snn'), { out: join(dir, 'x.html') }))).toBe('SNN_E_USAGE');
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'hello');
    expect(await codeOf(report(txt, { out: join(dir, 'x.html') }))).toBe('SNN_E_USAGE');
    const bad = join(dir, 'bad.wasm');
    writeFileSync(bad, Buffer.from('\0asm\x01\0\0\0garbage'));
    expect(await codeOf(report(bad, { out: join(dir, 'x.html') }))).toBe('SNN_E_ARTIFACT');
    const snn = join(dir, 'bad.snn');
    writeFileSync(snn, 'not a model');
    expect(await codeOf(report(snn, { out: join(dir, 'x.html') }))).toMatch(/^SNN_E_(MAGIC|TRUNCATED)$/);
  });
});

if (!HAVE_CHROMIUM) console.warn(SKIP_MESSAGE);

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser tests on CI', () => {
  it('need Chromium', () => {
    expect.fail(SKIP_MESSAGE);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('snnc report in Chromium', () => {
  let browser: Browser;
  const made: { name: string; out: ReportOutcome }[] = [];
  beforeAll(async () => {
    await compile(MODEL, { out: join(dir, 'wasm') });
    made.push({ name: 'snn', out: await report(MODEL, { out: join(dir, 'snn.html'), limit: 60, timesteps: '4,16' }) });
    made.push({ name: 'wasm', out: await report(join(dir, 'wasm', 'model.wasm'), { out: join(dir, 'wasm.html'), limit: 60, data: 'sst2:test' }) });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the .snn report has every section; the artifact report what an artifact allows', () => {
    const [snn, wasm] = made.map((m) => m.out);
    expect(snn.charts).toEqual(['confusion', 'sweep', 'energy', 'firing', 'raster', 'targets']);
    expect(wasm.charts).toEqual(['confusion', 'energy', 'firing', 'raster', 'targets']);
    // same integer network, same sentences: the same answers
    expect(wasm.confusion).toEqual(snn.confusion);
    expect(snn.sentences).toBe(60);
    expect(snn.confusion.flat().reduce((a, b) => a + b, 0)).toBe(60);
    // every target is judged; the C ones need the .snn
    expect(snn.fits.map((f) => f.target).sort()).toEqual(['arduino-uno', 'cortex-m3', 'host-c', 'rpi', 'wasm']);
    expect(snn.fits.every((f) => f.fits !== null)).toBe(true);
    expect(snn.fits.find((f) => f.target === 'arduino-uno')!.fits).toBe(false);
    expect(wasm.fits.filter((f) => f.fits === null).map((f) => f.target).sort()).toEqual(['arduino-uno', 'cortex-m3', 'host-c']);
    const html = readFileSync(made[0].out.file, 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('trained on');
  });

  it('opens offline with no console error, and every chart has drawn marks', async () => {
    const shots = screenshotDir();
    for (const { name, out } of made) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const w = watch(page);
      // refuse the network outright: a report that needs it would show it here
      await page.route(/^(?!file:|data:)/, (r) => r.abort());
      await page.goto(pathToFileURL(out.file).href);
      // data marks (bars, cells, points, lines; not axes, legends or labels) with a drawn area
      const marks = await page.$$eval('figure.chart', (fs) =>
        fs.map((f) => {
          const els = Array.from(f.querySelectorAll('svg g.role-mark:not(.mark-text):not(.mark-rule) > *')) as SVGGraphicsElement[];
          const drawn = els.filter((e) => {
            const b = e.getBoundingClientRect();
            return b.width > 0 && b.height > 0;
          });
          const rects = els.filter((e) => e.closest('g.mark-rect'));
          return { id: (f as HTMLElement).dataset.chart, marks: els.length, drawn: drawn.length, rects: rects.length, rectsDrawn: rects.filter((e) => drawn.includes(e)).length };
        }),
      );
      expect(marks.map((m) => m.id)).toEqual(out.charts);
      for (const m of marks) {
        expect(m.drawn, `${name}: chart ${m.id} has no drawn mark`).toBeGreaterThan(0);
        // bars and cells: most have a visible size (a bar of value 0 may not)
        expect(m.rectsDrawn, `${name}: chart ${m.id}: ${m.rectsDrawn} of ${m.rects} bars drawn`).toBeGreaterThanOrEqual(m.rects / 2);
      }
      const shot = join(shots, `report-${name}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`report screenshot: ${shot}`);
      expect(await inkShare(browser, shot)).toBeGreaterThan(0.02);
      expect(w.errors).toEqual([]);
      expect(w.requests).toEqual([]);
      await page.close();
    }
  });
});
