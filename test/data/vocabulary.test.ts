// The real GloVe file on SST-2: vocabulary building through the cache, measured OOV before
// and after the fallback chain (numbers in docs/data.md), and the shifted table.

import { describe, expect, it } from 'vitest';
import { PAD, UNK, NUM, Vocab, tokenize } from '../../runtime/tokenizer.js';
import { loadGloveWordList } from '../../compiler/data/glove.js';
import { positiveShift } from '../../compiler/data/positive-shift.js';
import { loadDataset } from '../../compiler/data/registry.js';
import { DEFAULT_TOP_K, buildVocabulary, measureOov } from '../../compiler/data/vocabulary.js';

describe('SST-2 with GloVe 6B 100d', () => {
  const ds = loadDataset('sst2');
  const tok = (xs: { text: string }[]): string[][] => xs.map((x) => tokenize(x.text));
  const train = tok(ds.train);
  const test = tok(ds.test);

  it('has ~8% raw OOV, <1% after the fallbacks, <3.5% against the deployed vocabulary', { timeout: 600_000 }, () => {
    const glove = loadGloveWordList().words; // parses the 307 MB JSON only without a cache
    expect(glove.length).toBe(341_479);
    const ref = new Set(glove);
    const full = new Vocab([PAD, UNK, NUM, ...glove]);
    const all = measureOov(test, full, ref);
    expect(all.rawRate).toBeGreaterThan(0.07); // measured 8.27%
    expect(all.unkRate).toBeLessThan(0.01); // measured 0.27%

    const b = buildVocabulary(train, {});
    expect(b.vocab.tokens.slice(0, 3)).toEqual([PAD, UNK, NUM]);
    expect(b.vocab.size).toBeGreaterThan(DEFAULT_TOP_K);
    const trainOov = measureOov(train, b.vocab, ref);
    const testOov = measureOov(test, b.vocab, ref);
    expect(trainOov.unkRate).toBeLessThan(0.005); // measured 0.29%
    expect(testOov.unkRate).toBeLessThan(0.035); // measured 2.94% (K = 20k)
    const big = buildVocabulary(train, { topK: 40_000 });
    expect(measureOov(test, big.vocab, ref).unkRate).toBeLessThan(0.02); // measured 1.87%

    const { table, constants } = positiveShift(b.table, b.dim);
    expect(table.subarray(0, 100).every((x) => x === 0)).toBe(true);
    expect(table.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(constants.std).toBeGreaterThan(0.2);
  });
});
