// Headless Chromium for the browser tests: Debian's /usr/bin/chromium (installed by
// .ci/install-emulators.sh; SNNC_CHROMIUM overrides the path) driven by playwright-core, which
// downloads nothing. Without it the tests skip with a message; under CI=true they fail.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SNNC_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const IN_CI = process.env.CI === 'true';
export const SKIP_MESSAGE = `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set SNNC_CHROMIUM)`;

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'], headless: true });
}

/** A temp folder for screenshots (kept after the run: CI can upload it). */
export function screenshotDir(): string {
  return mkdtempSync(join(tmpdir(), 'snnc-browser-'));
}

/** What a page does that it should not: console errors, page errors, network requests. */
export function watch(page: Page): { errors: string[]; requests: string[] } {
  const w = { errors: [] as string[], requests: [] as string[] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(String(e)));
  // file: and data: URLs are the page itself and its inlined parts; anything else is network
  page.on('request', (r) => {
    if (!/^(file|data|blob|about):/.test(r.url())) w.requests.push(r.url());
  });
  return w;
}

/**
 * The share of a PNG's pixels that differ from its most common colour, measured by the
 * browser's own PNG decoder (a blank or one-colour screenshot gives 0).
 */
export async function inkShare(browser: Browser, pngPath: string): Promise<number> {
  const page = await browser.newPage();
  try {
    const b64 = readFileSync(pngPath).toString('base64');
    return await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const counts = new Map<number, number>();
      for (let i = 0; i < d.length; i += 4) {
        const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      const top = Math.max(...counts.values());
      return 1 - top / (d.length / 4);
    }, `data:image/png;base64,${b64}`);
  } finally {
    await page.close();
  }
}
