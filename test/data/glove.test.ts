// GloVe cache (round trip, corrupt-cache rebuild) and vocabulary building on a small
// wink-format fixture, plus the positive shift. The real 307 MB file: vocabulary.test.ts.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSnncError } from '../../core/errors.js';
import { NUM, PAD, UNK } from '../../runtime/tokenizer.js';
import { loadEmbeddings, loadGloveWordList, topGloveWords } from '../../compiler/data/glove.js';
import { positiveShift } from '../../compiler/data/positive-shift.js';
import { NUMBER_ROW_WORDS, buildVocabulary } from '../../compiler/data/vocabulary.js';
import { codeOf } from '../helpers/code-of.js';

const dir = mkdtempSync(join(tmpdir(), 'snnc-glove-'));
const WORDS = ['the', ',', '.', 'not', 'is', 'an', 'film', 'good', 'bad', 'writer', 'director', 'old', ...NUMBER_ROW_WORDS, 'rare'];
// Deterministic, distinct vectors: word i, dimension k -> (i + 1) * 0.01 * ((k % 7) - 3).
const vec = (i: number): number[] => Array.from({ length: 100 }, (_, k) => Math.fround((i + 1) * 0.01 * ((k % 7) - 3)));
const source = join(dir, 'wink-fixture.json');
writeFileSync(
  source,
  JSON.stringify({
    precision: 8, l2NormIndex: 100, wordIndex: 101, size: WORDS.length, dimensions: 100, words: WORDS,
    vectors: Object.fromEntries(WORDS.map((w, i) => [w, [...vec(i), 1, i]])),
    unkVector: [...new Array(100).fill(0), -1],
  }),
);


describe('GloVe cache', () => {
  const cacheDir = join(dir, 'cache');
  it('round-trips a trimmed word set through the binary cache', () => {
    const a = loadEmbeddings(['good', 'zzz', 'film', 'good'], { source, cacheDir });
    expect(a.cache.hit).toBe(false);
    expect(a.words).toEqual(['good', 'film']);
    expect(a.missing).toEqual(['zzz']);
    expect(Array.from(a.vectors.subarray(0, 100))).toEqual(vec(WORDS.indexOf('good')));
    const b = loadEmbeddings(['film', 'zzz', 'good'], { source, cacheDir });
    expect(b.cache).toEqual({ path: a.cache.path, hit: true });
    expect(b.words).toEqual(['film', 'good']);
    expect(b.missing).toEqual(['zzz']);
    expect(Array.from(b.vectors.subarray(100, 200))).toEqual(vec(WORDS.indexOf('good')));
  });
  it('rebuilds a corrupt or truncated cache instead of trusting it', () => {
    const first = loadEmbeddings(['bad', 'not'], { source, cacheDir });
    const bytes = readFileSync(first.cache.path);
    bytes[bytes.length - 40] ^= 0xff; // inside the vectors
    writeFileSync(first.cache.path, bytes);
    const second = loadEmbeddings(['bad', 'not'], { source, cacheDir });
    expect(second.cache.hit).toBe(false);
    expect(second.cache.rejected).toBe('checksum mismatch');
    expect(second.vectors).toEqual(first.vectors);
    expect(loadEmbeddings(['bad', 'not'], { source, cacheDir }).cache.hit).toBe(true);
    writeFileSync(first.cache.path, bytes.subarray(0, 10));
    expect(loadEmbeddings(['bad', 'not'], { source, cacheDir }).cache.rejected).toBe('file too short');
  });
  it('caches the frequency-ordered word list and serves top-K from it', () => {
    const a = loadGloveWordList({ source, cacheDir });
    expect(a.words).toEqual(WORDS);
    expect(loadGloveWordList({ source, cacheDir }).cache.hit).toBe(true);
    expect(topGloveWords(3, { source, cacheDir })).toEqual(['the', ',', '.']);
  });
  it('raises SNN_E_EMBEDDINGS for a missing or malformed source', () => {
    expect(codeOf(() => loadEmbeddings(['x'], { source: join(dir, 'nope.json'), cacheDir }))).toBe('SNN_E_EMBEDDINGS');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"words": 3}');
    expect(codeOf(() => loadEmbeddings(['x'], { source: bad, cacheDir }))).toBe('SNN_E_EMBEDDINGS');
  });
});

describe('buildVocabulary (fixture)', () => {
  const cacheDir = join(dir, 'cache-vocab');
  const train = [['the', 'film', 'is', "n't", 'good'], ['a', 'writer-director', "'s", 'bad', 'film', '1999', 'qqq', '1738-1789', '2-film']];
  const b = buildVocabulary(train, { source, cacheDir, topK: 3 });
  const row = (w: string): number[] => Array.from(b.table.subarray(b.vocab.tokens.indexOf(w) * 100, (b.vocab.tokens.indexOf(w) + 1) * 100));
  it('puts <pad>, <unk>, <num> first, then training words by frequency, then top-K', () => {
    expect(b.vocab.tokens.slice(0, 4)).toEqual([PAD, UNK, NUM, 'film']);
    expect(b.vocab.tokens).toContain('not'); // n't resolved through the alias
    expect(b.vocab.tokens).toContain('an'); // a -> an
    expect(b.vocab.tokens.slice(-2)).toEqual([',', '.']); // top-3 minus "the"
    expect(b.stats.oovTypes).toEqual(['qqq']);
    expect(b.stats.compounds).toBe(2); // writer-director, 2-film; numbers-only 1738-1789 has no row
    expect(b.vocab.idsOf('1738-1789')).toEqual([2, 2]);
  });
  it('gives <pad> a zero row and compounds the mean of their parts', () => {
    expect(row(PAD).every((x) => x === 0)).toBe(true);
    const w = vec(WORDS.indexOf('writer'));
    const d = vec(WORDS.indexOf('director'));
    row('writer-director').forEach((x, k) => expect(x).toBeCloseTo((w[k] + d[k]) / 2, 6));
    expect(row('good')).toEqual(vec(WORDS.indexOf('good')));
    expect(b.vocab.idOf('1999')).toBe(2);
    expect(row(NUM).some((x) => x !== 0)).toBe(true);
    const f = row('film');
    const two = vec(WORDS.indexOf('two')); // "2" -> "two" before any <num>
    row('2-film').forEach((x, k) => expect(x).toBeCloseTo((f[k] + two[k]) / 2, 6));
    expect(b.vocab.idOf('2-film')).toBe(b.vocab.tokens.indexOf('2-film'));
  });
});

describe('positiveShift', () => {
  it('maps into [0, 1] with clipping at mean +/- 3 std and keeps <pad> at 0', () => {
    const dim = 4;
    const rows = 200;
    const t = new Float32Array(rows * dim);
    for (let i = dim; i < t.length; i++) t[i] = Math.sin(i * 12.9898) * 0.5;
    t[dim + 1] = 50; // an outlier to be clipped
    t[dim + 2] = -50;
    const { table, constants } = positiveShift(t, dim);
    expect(Array.from(table.subarray(0, dim))).toEqual([0, 0, 0, 0]);
    expect(table.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(table[dim + 1]).toBe(1);
    expect(table[dim + 2]).toBe(0);
    expect(constants.hi - constants.mean).toBeCloseTo(3 * constants.std, 9);
    // linear in between: the mean maps to 0.5
    const vals = Array.from(t.subarray(dim));
    const mean = vals.reduce((s, x) => s + x, 0) / vals.length;
    expect(constants.mean).toBeCloseTo(mean, 6);
    expect((constants.mean - constants.lo) / (constants.hi - constants.lo)).toBeCloseTo(0.5, 9);
  });
  it('rejects a constant or misshapen table', () => {
    expect(codeOf(() => positiveShift(new Float32Array(8), 4))).toBe('SNN_E_EMBEDDINGS');
    expect(codeOf(() => positiveShift(new Float32Array(7), 4))).toBe('SNN_E_EMBEDDINGS');
  });
});
