// A user's own files as a data set (train --data, eval --data, compile --calibrate) and
// word vectors from a .vec / GloVe text file (--embeddings <file>), on real files: the shipped
// examples/own-data/reviews.csv (the CR corpus with string labels) and files written here.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../runtime/tokenizer.js';
import { loadDataset } from '../../compiler/data/registry.js';
import { packageRoot } from '../../compiler/data/paths.js';
import { isSplitSpec, loadDataFiles, loadEvalData } from '../../compiler/data/user-data.js';
import { buildVocabularyFromFile, coverage, readVectorWords } from '../../compiler/data/vectors.js';
import { positiveShift } from '../../compiler/data/positive-shift.js';
import { rejection } from '../helpers/code-of.js';

const dir = mkdtempSync(join(tmpdir(), 'snnc-user-data-'));
const REVIEWS = join(packageRoot(), 'examples', 'own-data', 'reviews.csv');
const REVIEWS_TEST = join(packageRoot(), 'examples', 'own-data', 'reviews-test.csv');
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('train --data <file>', () => {
  it('the shipped reviews.csv + reviews-test.csv are the CR corpus with string labels, test = the registry\'s CR test split', async () => {
    const d = await loadDataFiles({ train: REVIEWS, test: REVIEWS_TEST });
    expect(d.name).toBe('reviews');
    expect(d.classes).toEqual(['negative', 'positive']);
    const cr = loadDataset('cr');
    // same examples (CR without its 4 label-only lines); the test file is CR's seeded test split
    expect(d.train.length + d.dev.length + d.test.length).toBe(3771);
    expect(d.test).toEqual(cr.test);
    const key = (x: { text: string; label: number }): string => `${x.label} ${x.text}`;
    expect([...d.train, ...d.dev].map(key).sort()).toEqual([...cr.train, ...cr.dev].map(key).sort());
    expect(d.dev.length).toBe(339); // 10% of the training file, stratified
    expect(d.splits).toEqual({ train: 'seeded', dev: 'seeded', test: 'file' });
    expect(await loadDataFiles({ train: REVIEWS, test: REVIEWS_TEST })).toEqual(d); // deterministic
    // one file alone: test and dev carved (10% and 10% of the rest), classes share kept
    const one = await loadDataFiles({ train: REVIEWS });
    expect([one.train.length, one.dev.length, one.test.length]).toEqual([2749, 306, 339]);
    expect(one.splits).toEqual({ train: 'seeded', dev: 'seeded', test: 'seeded' });
    const share = (xs: { label: number }[]): number => xs.filter((x) => x.label === 1).length / xs.length;
    expect(Math.abs(share(one.test) - share(one.train))).toBeLessThan(0.01);
  });
  it('uses given dev and test files, checks their labels against the training file', async () => {
    const train = file('train.tsv', 'label\ttext\nspam\tbuy now\nham\thello there\nspam\tcheap pills\nham\tsee you\n');
    const dev = file('dev.jsonl', '{"text":"win money","label":"spam"}\n');
    const test = file('test.txt', 'ham are we meeting ?\n');
    const d = await loadDataFiles({ train, dev, test });
    expect(d.classes).toEqual(['ham', 'spam']);
    expect(d.train.length).toBe(4);
    expect(d.dev).toEqual([{ text: 'win money', label: 1 }]);
    expect(d.test).toEqual([{ text: 'are we meeting ?', label: 0 }]);
    expect(d.splits).toEqual({ train: 'file', dev: 'file', test: 'file' });
    const firstSeen = await loadDataFiles({ train, dev, test }, { labelOrder: 'first-seen' });
    expect(firstSeen.classes).toEqual(['spam', 'ham']);
    const e = await rejection(loadDataFiles({ train, test: file('t2.txt', 'eggs what ?\n') }));
    expect(e.message).toMatch(/t2\.txt: label not in the training file .*train\.tsv: "eggs" \(line 1\); its classes are ham, spam/);
  });
  it('a training file with a single class is SNN_E_DATA', async () => {
    const e = await rejection(loadDataFiles({ train: file('one.csv', 'text,label\na,x\nb,x\nc,x\n') }));
    expect(e.code).toBe('SNN_E_DATA');
    expect(e.message).toMatch(/one\.csv: every example has the label "x"; training needs at least two classes/);
  });
});

describe('eval --data / compile --calibrate', () => {
  it('a registry name or a file; a file checked against the model classes', async () => {
    expect(isSplitSpec('mr:test')).toBe(true);
    expect(isSplitSpec('sst2')).toBe(true);
    expect(isSplitSpec('reviews.csv')).toBe(false);
    const s = await loadEvalData('sst2:dev', { limit: 3 });
    expect(s.examples.length).toBe(3);
    const f = await loadEvalData(REVIEWS, { classes: ['negative', 'positive'], limit: 10 });
    expect(f.classes).toEqual(['negative', 'positive']);
    expect(f.file).toMatchObject({ format: 'csv', encoding: 'utf-8' });
    const swapped = await loadEvalData(REVIEWS, { classes: ['positive', 'negative'], limit: 10 });
    expect(swapped.examples.map((x) => 1 - x.label)).toEqual(f.examples.map((x) => x.label)); // by name, not position
    expect((await rejection(loadEvalData(REVIEWS, { classes: ['DESC', 'ENTY', 'ABBR'] }))).message).toMatch(/labels not in the model: "\w+" \(line 2, \d+ lines\), "\w+"/);
    expect((await rejection(loadEvalData('nosuchset:test'))).message).toMatch(/neither a data set nor a file/);
    expect((await rejection(loadEvalData(file('labels-only.txt', 'positive\nnegative\n'))))).toMatchObject({ code: 'SNN_E_DATA', message: expect.stringMatching(/labels-only\.txt:1: empty text/) });
  });
});

describe('--embeddings <vector file>', () => {
  const texts = ['The cat sat on the mat .', 'A dog barked at the cat', 'café au lait , 2 cups'];
  const tokens = texts.map((t) => tokenize(t));
  it('reads word2vec/fastText (count dim header) and GloVe (no header) text files alike', async () => {
    const rows = ['the 0.1 0.2 0.3', 'Cat 1 0 0', 'cat 9 9 9', 'sat 0 1 0', 'on 0 0 1', 'mat 0.5 0.5 0.5', 'dog -1 0 0', 'café 0.3 0.3 -0.3', 'two 2 2 2', 'zebra 7 7 7'];
    const vec = file('small.vec', `${rows.length} 3\n` + rows.join('\n') + '\n');
    const glove = file('small.txt', rows.join('\r\n') + '\r\n');
    const a = await buildVocabularyFromFile(tokens, vec, { topK: 0 });
    const b = await buildVocabularyFromFile(tokens, glove, { topK: 0 });
    expect(a.file).toMatchObject({ dim: 3, header: true, words: 9 });
    expect(b.file).toMatchObject({ dim: 3, header: false, words: 9 });
    expect(b.table).toEqual(a.table);
    expect([...a.vocab.tokens]).toEqual(b.vocab.tokens);
    const row = (w: string): number[] => Array.from(a.table.subarray(a.vocab.idOf(w) * 3, a.vocab.idOf(w) * 3 + 3));
    expect(row('cat')).toEqual([1, 0, 0]); // the first casing in the file wins, lower-cased
    expect(row('café')).toEqual([0.3, 0.3, -0.3].map(Math.fround));
    expect(a.vocab.idOf('zebra')).toBe(1); // not in training, topK 0: <unk>
    expect(a.vocab.tokens.slice(0, 3)).toEqual(['<pad>', '<unk>', '<num>']);
    // "2" resolves to "two" through the number rule; "a", "barked", "au", "lait", ",", "." "cups" are not in the file
    const c = coverage(tokens, a.vocab);
    expect(c.tokens).toBe(tokens.flat().length);
    expect(c.found).toBe(tokens.flat().filter((t) => ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'café', '2'].includes(t)).length);
    const top = await buildVocabularyFromFile(tokens, vec, { topK: 100 });
    expect(top.vocab.idOf('zebra')).toBeGreaterThan(1);
    // the positive shift and level packing work on any width
    const { table } = positiveShift(a.table, 3);
    expect(table.every((x) => x >= 0 && x <= 1)).toBe(true);
  });
  it('rows of different widths, a value that is not a number, an empty file: SNN_E_EMBEDDINGS with file and line', async () => {
    const ragged = file('ragged.vec', 'the 0.1 0.2 0.3\ncat 1 0\n');
    expect(await rejection(readVectorWords(ragged))).toMatchObject({ code: 'SNN_E_EMBEDDINGS', message: expect.stringMatching(/ragged\.vec:2: 2 values after the word, but earlier rows have 3/) });
    const wide = file('wide.vec', '2 2\nthe 0.1 0.2\ncat 1 0 0\n');
    // with a header a longer row is a word with a space in it ("cat 1")
    expect((await readVectorWords(wide)).words).toEqual(['the', 'cat 1']);
    const nan = file('nan.vec', 'the 0.1 x\n');
    expect(await rejection(buildVocabularyFromFile([['the']], nan, { topK: 0 }))).toMatchObject({ message: expect.stringMatching(/nan\.vec:1: value 2 of "the" is "x"/) });
    expect((await rejection(readVectorWords(file('empty.vec', '')))).message).toMatch(/empty\.vec is empty \(0 bytes\)/);
    expect((await rejection(readVectorWords(dir))).message).toMatch(/is a directory/);
  });
});
