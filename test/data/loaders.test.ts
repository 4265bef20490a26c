// Corpus files and the data set registry on the real shared data: encodings, exact line
// counts, bad labels, seeded splits (deterministic, disjoint) and the SST-2 fallback copy.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSnncError } from '../../core/errors.js';
import { tokenize } from '../../runtime/tokenizer.js';
import { mulberry32, shuffled, stratifiedSplit } from '../../compiler/data/prng.js';
import { dataRootCandidates, bundledSst2Dir } from '../../compiler/data/paths.js';
import { DATASET_NAMES, loadDataset } from '../../compiler/data/registry.js';
import { decodeFileBytes, readLabeledFile, splitLines } from '../../compiler/data/text-file.js';
import { codeOf } from '../helpers/code-of.js';

const DATA = dataRootCandidates()[0];


// Line counts as `wc -l` gives them (shared/data/README.md).
const COUNTS: [string, number, number, 'utf-8' | 'latin1'][] = [
  ['rt-polarity.all', 10662, 2, 'latin1'],
  ['subj.all', 10000, 2, 'latin1'],
  ['TREC.train.all', 5452, 6, 'latin1'],
  ['TREC.test.all', 500, 6, 'utf-8'],
  ['custrev.all', 3775, 2, 'utf-8'],
  ['mpqa.all', 10606, 2, 'utf-8'],
  ['stsa.binary.train', 6920, 2, 'utf-8'],
  ['stsa.binary.dev', 872, 2, 'utf-8'],
  ['stsa.binary.test', 1821, 2, 'utf-8'],
  ['stsa.fine.train', 8544, 5, 'utf-8'],
  ['stsa.fine.dev', 1101, 5, 'utf-8'],
  ['stsa.fine.test', 2210, 5, 'utf-8'],
];

describe('corpus files', () => {
  it('finds the shared data directory', () => {
    expect(existsSync(join(DATA, 'rt-polarity.all'))).toBe(true);
  });
  for (const [file, lines, classes, enc] of COUNTS) {
    it(`${file}: ${lines} lines in, ${lines} examples out, ${enc}`, () => {
      const f = readLabeledFile(join(DATA, file), classes);
      expect(f.examples.length).toBe(lines);
      expect(f.encoding).toBe(enc);
      expect(f.examples.every((e) => Number.isInteger(e.label) && e.label >= 0 && e.label < classes)).toBe(true);
    });
  }
  it('decodes 0x85 as the windows-1252 ellipsis, not a line break', () => {
    const mr = readLabeledFile(join(DATA, 'rt-polarity.all'), 2).examples;
    expect(mr[473].text.startsWith('\u2026the maudlin way its story unfolds')).toBe(true);
    expect(tokenize(mr[473].text).slice(0, 4)).toEqual(['...', 'the', 'maudlin', 'way']);
    const subj = readLabeledFile(join(DATA, 'subj.all'), 2).examples;
    expect(subj[139].text).toContain('asking . \u2026 and bowling for columbine');
    expect(mr.some((e) => /[\u0080-\u009f]/.test(e.text))).toBe(false);
    const trec = readLabeledFile(join(DATA, 'TREC.train.all'), 6).examples;
    expect(trec[65].text).toBe('Which city has the oldest relationship as a sister\u00f0city with Los Angeles ?');
  });
  it('reports label-only lines instead of hiding them', () => {
    expect(readLabeledFile(join(DATA, 'mpqa.all'), 2).emptyLines).toEqual([6415, 7294, 10606]);
    expect(readLabeledFile(join(DATA, 'custrev.all'), 2).emptyLines).toEqual([769, 1368, 3691, 3775]);
  });
  it('splits lines on \\n and \\r\\n only', () => {
    expect(splitLines('a\r\nb\u0085c\u2028d\ne\n')).toEqual(['a', 'b\u0085c\u2028d', 'e']);
    expect(decodeFileBytes(new Uint8Array([0x61, 0x85, 0x62])).text).toBe('a\u2026b');
    expect(decodeFileBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])).text).toBe('a');
  });
  it('rejects a bad label with SNN_E_DATA naming file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snnc-data-'));
    const p = join(dir, 'bad.all');
    writeFileSync(p, '0 fine\n1 fine too\nx broken label\n');
    expect(codeOf(() => readLabeledFile(p, 2))).toBe('SNN_E_DATA');
    expect(() => readLabeledFile(p, 2)).toThrow(/bad\.all:3/);
    writeFileSync(p, '0 fine\n2 out of range\n');
    expect(() => readLabeledFile(p, 2)).toThrow(/bad\.all:2/);
    expect(codeOf(() => readLabeledFile(join(dir, 'missing.all'), 2))).toBe('SNN_E_DATA');
  });
});

describe('seeded splits', () => {
  it('mulberry32 and Fisher-Yates are deterministic', () => {
    const a = mulberry32(42);
    expect([a(), a(), a()].map((x) => x.toFixed(10))).toEqual(
      (() => { const b = mulberry32(42); return [b(), b(), b()].map((x) => x.toFixed(10)); })(),
    );
    expect(shuffled([1, 2, 3, 4, 5, 6, 7, 8], mulberry32(7))).toEqual(shuffled([1, 2, 3, 4, 5, 6, 7, 8], mulberry32(7)));
    expect(shuffled([1, 2, 3, 4, 5, 6, 7, 8], mulberry32(7))).not.toEqual(shuffled([1, 2, 3, 4, 5, 6, 7, 8], mulberry32(8)));
  });
  it('stratifiedSplit keeps class shares and sizes exact', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: i, label: i < 700 ? 0 : 1 }));
    const { rest, held } = stratifiedSplit(items, { seed: 3, fraction: 0.1 });
    expect(held.length).toBe(100);
    expect(held.filter((x) => x.label === 1).length).toBe(30);
    expect(new Set([...rest, ...held].map((x) => x.id)).size).toBe(1000);
  });
  for (const name of ['mr', 'subj', 'cr', 'mpqa', 'trec'] as const) {
    it(`${name}: deterministic, disjoint, complete`, () => {
      const a = loadDataset(name);
      const b = loadDataset(name);
      expect(a.test).toEqual(b.test);
      expect(a.dev).toEqual(b.dev);
      const c = loadDataset(name, { seed: 2 });
      if (name === 'trec') expect(c.dev).not.toEqual(a.dev); // test split is given
      else expect(c.test).not.toEqual(a.test);
      // Disjoint by position in the file: the same sentence may legitimately occur twice.
      const all = [...a.train, ...a.dev, ...a.test];
      expect(new Set(all).size).toBe(all.length);
      const lines = COUNTS.filter(([f]) => Object.values(loadDatasetFiles(name)).includes(f)).reduce((s, [, n]) => s + n, 0);
      expect(all.length + a.dropped.length).toBe(lines);
    });
  }
  it('mr: 90/10 test split, dev carved from train', () => {
    const d = loadDataset('mr');
    expect(d.test.length).toBe(1066);
    expect(d.dev.length).toBe(960);
    expect(d.train.length).toBe(10662 - 1066 - 960);
    expect(d.splits).toEqual({ train: 'seeded', dev: 'seeded', test: 'seeded' });
  });
});

function loadDatasetFiles(name: string): Record<string, string> {
  const map: Record<string, Record<string, string>> = {
    mr: { all: 'rt-polarity.all' }, subj: { all: 'subj.all' }, cr: { all: 'custrev.all' },
    mpqa: { all: 'mpqa.all' }, trec: { train: 'TREC.train.all', test: 'TREC.test.all' },
  };
  return map[name];
}

describe('registry', () => {
  it('knows every data set', () => {
    expect([...DATASET_NAMES]).toEqual(['sst2', 'sst5', 'mr', 'subj', 'trec', 'cr', 'mpqa', 'imdb']);
    expect(codeOf(() => loadDataset('nope'))).toBe('SNN_E_DATA');
  });
  it('sst2 and sst5 use the given splits', () => {
    const s2 = loadDataset('sst2');
    expect([s2.train.length, s2.dev.length, s2.test.length]).toEqual([6920, 872, 1821]);
    expect(s2.classes).toEqual(['negative', 'positive']);
    const s5 = loadDataset('sst5');
    expect([s5.train.length, s5.dev.length, s5.test.length]).toEqual([8544, 1101, 2210]);
  });
  it('sst2 falls back to the committed copy, which matches the shared one', () => {
    const empty = mkdtempSync(join(tmpdir(), 'snnc-empty-'));
    expect(codeOf(() => loadDataset('sst2', { dataDir: empty }))).toBe('SNN_E_DATA');
    expect(codeOf(() => loadDataset('mr', { dataDir: empty }))).toBe('SNN_E_DATA');
    const bundled = loadDataset('sst2', { dataDir: bundledSst2Dir() });
    expect(bundled).toMatchObject({ train: loadDataset('sst2').train, test: loadDataset('sst2').test });
  });
  it('trec keeps the given test split and names its classes', () => {
    const d = loadDataset('trec');
    expect(d.test.length).toBe(500);
    expect(d.train.length + d.dev.length).toBe(5452);
    expect(d.classes[d.test[0].label]).toBe('NUM'); // "How far is it from Denver to Aspen ?"
  });
  it('drops label-only lines visibly (or keeps them on request)', () => {
    const d = loadDataset('mpqa');
    expect(d.dropped.map((x) => x.line)).toEqual([6415, 7294, 10606]);
    const k = loadDataset('mpqa', { keepEmpty: true });
    expect(k.train.length + k.dev.length + k.test.length).toBe(10606);
  });
});

describe('loadSplit', () => {
  it('reads "dataset:split" specs, with a limit and a class check', async () => {
    const { loadSplit, parseSplitSpec } = await import('../../compiler/data/splits.js');
    expect(parseSplitSpec('sst2')).toEqual({ dataset: 'sst2', split: 'test' });
    const s = loadSplit('sst2:dev', { limit: 5, classes: ['negative', 'positive'] });
    expect(s.examples).toEqual(loadDataset('sst2').dev.slice(0, 5));
    expect(codeOf(() => loadSplit('sst2:validation'))).toBe('SNN_E_DATA');
    expect(codeOf(() => loadSplit('sst5:test', { classes: ['negative', 'positive'] }))).toBe('SNN_E_DATA');
  });
});
