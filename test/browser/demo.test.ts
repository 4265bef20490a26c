// The browser demo (examples/browser) in a real headless Chromium: built by vite into one
// HTML file, opened from file:// with no network, it classifies 50 SST-2 test sentences through
// its own UI, and every label, score and op count equals what `snnc run` gives in Node.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { compile } from '../../compiler/api/compile.js';
import { run } from '../../compiler/api/run.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { HAVE_CHROMIUM, IN_CI, SKIP_MESSAGE, inkShare, launch, screenshotDir, watch } from './chromium.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SENTENCES = readFileSync(join(ROOT, 'examples/data/sst2/stsa.binary.test'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .slice(0, 50)
  .map((l) => l.slice(2).trim());

if (!HAVE_CHROMIUM) console.warn(SKIP_MESSAGE);

describe.runIf(IN_CI && !HAVE_CHROMIUM)('browser tests on CI', () => {
  it('need Chromium', () => {
    expect.fail(SKIP_MESSAGE);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('browser demo (examples/browser) in Chromium', () => {
  let browser: Browser;
  let html: string;
  let wasm: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snnc-demo-'));
    wasm = join(dir, 'model', 'model.wasm');
    await compile(join(ROOT, 'examples/sst2/model.snn'), { out: join(dir, 'model') });
    process.env.SNNC_DEMO_MODEL = wasm;
    process.env.SNNC_DEMO_OUT = join(dir, 'site');
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'examples/browser/vite.config.ts') });
    delete process.env.SNNC_DEMO_MODEL;
    delete process.env.SNNC_DEMO_OUT;
    html = join(dir, 'site', 'index.html');
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('is one self-contained file', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('data:application/wasm;base64,');
    expect(text).not.toMatch(/<script[^>]+src=/);
  });

  it('classifies 50 SST-2 test sentences exactly as `snnc run` does, offline from file://', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const w = watch(page);
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.textContent('#error')).toBe('');
    const modelLine = await page.textContent('#model');
    const shipped = readModelFile(join(ROOT, 'examples/sst2/model.snn'));
    expect(modelLine).toContain(`T = ${shipped.graph.timesteps} steps`);
    // the page states the SNN test accuracy the trainer recorded, or says it is not recorded
    const snnTest = (shipped.meta.training as { accuracy?: { snnTest?: number | null } } | undefined)?.accuracy?.snnTest;
    if (typeof snnTest === 'number') expect(modelLine).toContain(`test accuracy ${(100 * snnTest).toFixed(2)}%`);
    else expect(modelLine).toContain('accuracy: not recorded');
    let positive = 0;
    for (const s of SENTENCES) {
      await page.fill('#text', s);
      await page.click('#go');
      const got = JSON.parse((await page.getAttribute(`#out[data-text="${s.replace(/["\\]/g, '\\$&')}"]`, 'data-result'))!);
      const want = await run(wasm, [s]);
      expect(got.label, s).toBe(want.label);
      expect(got.class, s).toBe(want.class);
      expect(got.scores, s).toEqual(want.scores);
      expect(got.ops, s).toEqual(want.ops);
      expect(got.layerSpikes, s).toEqual(Object.values(want.layerSpikes));
      positive += got.label;
      // the page shows what it computed
      expect(await page.textContent('#label')).toBe(want.class);
      expect(await page.textContent('#cost-sops')).toBe(want.ops.sops.toLocaleString('en-US'));
    }
    // both classes occur: the comparison is not of one constant answer
    expect(positive).toBeGreaterThan(5);
    expect(positive).toBeLessThan(45);
    // rasters drawn from the per-step trace: their spikes add up to the layer's count
    const drawn = await page.$$eval('#rasters canvas', (cs) => cs.map((c) => Number((c as HTMLCanvasElement).dataset.spikes)));
    const last = JSON.parse((await page.getAttribute('#out', 'data-result'))!);
    expect(drawn).toEqual(last.layerSpikes);
    expect(drawn.some((x) => x > 0)).toBe(true);
    // the influential words are shown, one per token
    expect(await page.$$eval('#words span', (s) => s.length)).toBeGreaterThan(0);
    const shot = join(screenshotDir(), 'demo.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`demo screenshot: ${shot}`);
    expect(await inkShare(browser, shot)).toBeGreaterThan(0.02);
    expect(w.errors).toEqual([]);
    expect(w.requests).toEqual([]);
    await page.close();
  });

  it('loads another artifact by the file picker, and names a corrupt one by its error code', async () => {
    const page = await browser.newPage();
    const w = watch(page);
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="1"]');
    await page.setInputFiles('#file', { name: 'broken.wasm', mimeType: 'application/wasm', buffer: Buffer.from('not a wasm module at all') });
    await page.waitForFunction(() => document.getElementById('error')!.textContent !== '');
    expect(await page.textContent('#error')).toMatch(/^SNN_E_ARTIFACT: not a WebAssembly module/);
    await page.setInputFiles('#file', wasm);
    await page.waitForFunction(() => document.getElementById('model')!.textContent!.startsWith('loaded model.wasm'));
    expect(await page.textContent('#error')).toBe('');
    expect(w.requests).toEqual([]);
    await page.close();
  });

  it('loads an artifact dropped on the drop zone (the browser\'s own drag events), and names a corrupt one', async () => {
    const page = await browser.newPage();
    const w = watch(page);
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="1"]');
    // a DataTransfer holding one File, built in the page from the bytes (what the OS hands over on a drop)
    const transfer = (name: string, bytes: Buffer) =>
      page.evaluateHandle(
        ([n, b64]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], n, { type: 'application/wasm' }));
          return dt;
        },
        [name, bytes.toString('base64')] as const,
      );
    const broken = await transfer('broken.wasm', Buffer.from('\0asm but truncated'));
    await page.dispatchEvent('#drop', 'dragover', { dataTransfer: broken });
    expect(await page.getAttribute('#drop', 'class')).toContain('over');
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: broken });
    expect(await page.getAttribute('#drop', 'class')).not.toContain('over');
    await page.waitForFunction(() => document.getElementById('error')!.textContent !== '');
    expect(await page.textContent('#error')).toMatch(/^SNN_E_ARTIFACT: /);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: await transfer('dropped.wasm', readFileSync(wasm)) });
    await page.waitForFunction(() => document.getElementById('model')!.textContent!.startsWith('loaded dropped.wasm'));
    expect(await page.textContent('#error')).toBe('');
    // the dropped model classifies
    await page.click('#go');
    await page.waitForFunction(() => !document.getElementById('out')!.hidden);
    expect(await page.textContent('#label')).not.toBe('');
    expect(w.errors).toEqual([]);
    expect(w.requests).toEqual([]);
    await page.close();
  });
});
