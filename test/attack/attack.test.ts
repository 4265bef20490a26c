// snnc attack: the PWWS and TextFooler searches on a fixed tiny model (a bag-of-words linear
// classifier whose weights and substitutes are written out here), the embedding-neighbour
// substitutes of the shipped SST-2 model, McNemar's exact test, an end-to-end attack of the
// shipped model on real SST-2 test sentences, and the errors of bad input.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { attack, embeddingCandidates, isStopWord, maxChanges, mcnemarExact, searchAdversary, ATTACK_KINDS, type BatchScorer, type Candidates } from '../../compiler/api/attack.js';
import { cli } from '../helpers/cli.js';

const MODEL = join(import.meta.dirname, '..', '..', 'examples', 'sst2', 'model.snn');

// the tiny model: word -> weight; positive sum = class 1
const WORDS = ['<pad>', '<unk>', 'the', 'movie', 'plot', 'good', 'fine', 'awful', 'story', 'great', 'okay', 'not', 'film', 'cast', 'acting'];
const id = (w: string) => WORDS.indexOf(w);
const ids = (s: string) => s.split(' ').map(id);
function linear(weights: Record<string, number>): { score: BatchScorer; calls: number[][] } {
  const calls: number[][] = [];
  const score: BatchScorer = async (batch) => {
    calls.push(...batch);
    const z = batch.map((x) => x.reduce((a, t) => a + (weights[WORDS[t]] ?? 0), 0));
    return { probs: z.map((v) => [1 / (1 + Math.exp(v)), 1 / (1 + Math.exp(-v))]), labels: z.map((v) => (v > 0 ? 1 : 0)) };
  };
  return { score, calls };
}
function table(subs: Record<string, string[]>, stop: string[] = ['the', 'not']): Candidates {
  return { replaceable: (t) => t > 1 && !stop.includes(WORDS[t]), of: (t) => (subs[WORDS[t]] ?? []).map(id) };
}

describe('attack search on a fixed tiny model', () => {
  const W = { good: 2, fine: 0.5, awful: -3, great: 2, okay: 0.2, plot: 0.1, story: 0.1, not: 5 };

  for (const kind of ATTACK_KINDS) {
    it(`${kind}: finds the one substitution that flips the label`, async () => {
      const { score } = linear(W);
      const x = ids('the movie plot good story film cast acting');
      const r = await searchAdversary(x, 1, score, table({ good: ['fine', 'awful'], plot: ['story'] }), { attack: kind, maxChangeShare: 0.25 });
      expect(r.success).toBe(true);
      expect(r.label).toBe(0);
      expect(r.changed).toEqual([3]);
      expect(r.adversarial).toEqual(ids('the movie plot awful story film cast acting'));
      expect(r.queries).toBeGreaterThan(1);
    });

    it(`${kind}: an empty synonym set leaves the text unchanged`, async () => {
      const { score, calls } = linear(W);
      const x = ids('the movie plot good story film cast acting');
      const r = await searchAdversary(x, 1, score, table({}), { attack: kind, maxChangeShare: 1 });
      expect(r).toMatchObject({ success: false, label: 1, changed: [] });
      expect(r.adversarial).toEqual(x);
      expect(calls).toEqual([x]); // only the original was scored
    });

    it(`${kind}: the share-of-words cap holds`, async () => {
      // two positive words, each worth 2: flipping needs both replaced
      const { score } = linear({ good: 2, great: 2, awful: -1.5, okay: -1.5 });
      const x = ids('the movie good great film cast acting plot'); // 8 words
      const subs = table({ good: ['awful'], great: ['okay'] });
      const one = await searchAdversary(x, 1, score, subs, { attack: kind, maxChangeShare: 0.125 });
      expect(maxChanges(8, 0.125)).toBe(1);
      expect(one.success).toBe(false);
      expect(one.changed.length).toBeLessThanOrEqual(1);
      expect(one.adversarial.filter((t, i) => t !== x[i]).length).toBe(one.changed.length);
      const two = await searchAdversary(x, 1, score, subs, { attack: kind, maxChangeShare: 0.25 });
      expect(two.success).toBe(true);
      expect(two.changed.sort()).toEqual([2, 3]);
      const zero = await searchAdversary(x, 1, score, subs, { attack: kind, maxChangeShare: 0.1 });
      expect(zero).toMatchObject({ success: false, changed: [] });
    });

    it(`${kind}: stop words are never replaced, even when replacing one would flip the label`, async () => {
      const { score } = linear({ not: 5, good: 1 });
      const x = ids('the not movie good film cast acting plot');
      const r = await searchAdversary(x, 1, score, table({ not: ['awful'], the: ['awful'], good: ['fine'] }), { attack: kind, maxChangeShare: 1 });
      expect(r.success).toBe(false);
      expect(r.adversarial[0]).toBe(id('the'));
      expect(r.adversarial[1]).toBe(id('not'));
    });

    it(`${kind}: a sentence the model already gets wrong is not attacked`, async () => {
      const { score } = linear(W);
      const x = ids('the movie awful film');
      const r = await searchAdversary(x, 1, score, table({ awful: ['good'] }), { attack: kind, maxChangeShare: 1 });
      expect(r).toMatchObject({ success: false, label: 0, changed: [], queries: 1 });
      expect(r.adversarial).toEqual(x);
    });
  }

  it('TextFooler drops candidates below the sentence-similarity floor', async () => {
    const { score } = linear(W);
    const x = ids('the movie plot good story film cast acting');
    const c: Candidates = { ...table({ good: ['awful'] }), similarity: () => 0.5 };
    const r = await searchAdversary(x, 1, score, c, { attack: 'textfooler', maxChangeShare: 1, minSentenceSimilarity: 0.8 });
    expect(r.success).toBe(false);
    const ok = await searchAdversary(x, 1, score, c, { attack: 'textfooler', maxChangeShare: 1, minSentenceSimilarity: 0.4 });
    expect(ok.success).toBe(true);
  });
});

describe('McNemar exact test', () => {
  it('is the two-sided binomial tail of the discordant pairs', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(3, 3)).toBe(1);
    expect(mcnemarExact(0, 5)).toBeCloseTo(2 / 32, 12);
    expect(mcnemarExact(9, 1)).toBeCloseTo((2 * (1 + 10)) / 1024, 12);
    expect(mcnemarExact(40, 60)).toBeCloseTo(0.05688793, 6); // scipy.stats.binomtest(40, 100).pvalue
  });
});

describe('substitutes from the shipped SST-2 model', () => {
  const model = readModelFile(MODEL);
  const vocab = model.vocab!;
  const c = embeddingCandidates(model, { topK: 20, minSimilarity: 0.5 });
  it('keep stop words and punctuation, and propose only similar non-stop words', () => {
    for (const w of ['the', 'not', 'no', 'and', ',', '.', '<unk>', '<pad>']) expect(c.replaceable(vocab.indexOf(w))).toBe(false);
    const good = c.of(vocab.indexOf('good'));
    expect(good.length).toBeGreaterThan(0);
    expect(good.length).toBeLessThanOrEqual(20);
    for (const t of good) expect(isStopWord(vocab[t]) || !/^\p{L}/u.test(vocab[t])).toBe(false);
    expect(good).not.toContain(vocab.indexOf('good'));
    // a stricter threshold keeps a subset
    const strict = embeddingCandidates(model, { topK: 20, minSimilarity: 0.8 }).of(vocab.indexOf('good'));
    expect(strict.every((t) => good.includes(t))).toBe(true);
    expect(strict.length).toBeLessThan(good.length);
  });
});

describe('snnc attack end to end (shipped SST-2 model, SST-2 test sentences)', () => {
  it('attacks the ANN, float SNN and integer SNN on the same sample, within the cap, never touching stop words', async () => {
    const r = await attack(MODEL, { data: 'sst2:test', attack: 'pwws', limit: 4, seed: 3, examples: 4 });
    expect(r.sentences).toBe(4);
    expect(r.results.map((x) => x.subject)).toEqual(['ann', 'snn', 'int']);
    for (const x of r.results) {
      expect(x.attackedAccuracy).toBeLessThanOrEqual(x.cleanAccuracy);
      expect(x.correctAfter.length).toBe(4);
      expect(x.succeeded).toBe(x.correct - x.correctAfter.filter(Boolean).length);
      for (const e of x.examples) {
        const a = e.text.split(' ');
        const b = e.adversarial.split(' ');
        expect(b.length).toBe(a.length);
        const diff = a.map((w, i) => (w !== b[i] ? i : -1)).filter((i) => i >= 0);
        expect(diff.length).toBeGreaterThan(0);
        expect(diff.length).toBeLessThanOrEqual(maxChanges(a.length, 0.25));
        for (const i of diff) expect(isStopWord(a[i])).toBe(false);
        expect(e.now).not.toBe(e.label);
      }
    }
    expect(r.paired.find((p) => p.a === 'ann' && p.b === 'int')).toBeDefined();
  }, 300_000);
});

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snnc-attack-'));
  const code = async (args: string[]) => {
    const r = await cli(['attack', ...args, '--json']);
    return { exit: r.code, code: (JSON.parse(r.out || '{}') as { error?: { code?: string } }).error?.code, out: r.out };
  };
  it('unknown attack, limit 0 or negative: SNN_E_USAGE', async () => {
    expect(await code([MODEL, '--attack', 'textbugger'])).toMatchObject({ exit: 2, code: 'SNN_E_USAGE' });
    expect(await code([MODEL, '--limit', '0'])).toMatchObject({ exit: 2, code: 'SNN_E_USAGE' });
    expect(await code([MODEL, '--limit', '-3'])).toMatchObject({ exit: 2, code: 'SNN_E_USAGE' });
    expect(await code([MODEL, '--max-change', '1.5'])).toMatchObject({ exit: 2, code: 'SNN_E_USAGE' });
    expect(await code([MODEL, '--models', 'ann,cnn'])).toMatchObject({ exit: 2, code: 'SNN_E_USAGE' });
    await expect(attack(MODEL, { attack: 'bert-attack' })).rejects.toMatchObject({ code: 'SNN_E_USAGE' });
  });
  it('empty data: SNN_E_DATA', async () => {
    const empty = join(dir, 'empty.tsv');
    writeFileSync(empty, '');
    expect(await code([MODEL, '--data', empty])).toMatchObject({ exit: 1, code: 'SNN_E_DATA' });
    const header = join(dir, 'header.csv');
    writeFileSync(header, 'text,label\n');
    expect(await code([MODEL, '--data', header])).toMatchObject({ exit: 1, code: 'SNN_E_DATA' });
    expect(await code([MODEL, '--data', 'nosuchset'])).toMatchObject({ exit: 1, code: 'SNN_E_DATA' });
  });
});
