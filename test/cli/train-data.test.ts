// snnc train --data <csv> --embeddings <vec file>, end to end on the shipped reviews.csv with a
// small generated vector file: the model records the file's label names (sorted), the v2
// tokenizer and a vocabulary from the vector file; the summary reports the coverage; bad
// --data / --embeddings input is a clear error before any training.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { packageRoot } from '../../compiler/data/paths.js';
import { loadTable } from '../../compiler/data/tabular.js';
import { tokenize } from '../../runtime/tokenizer.js';
import { rng } from '../helpers/tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'snnc-train-data-'));
const REVIEWS = join(packageRoot(), 'examples', 'own-data', 'reviews.csv');

describe('train --data', () => {
  afterEach(() => vi.restoreAllMocks());

  it('trains from a CSV with string labels and a word2vec-format vector file', async () => {
    // the 400 most frequent tokens of the file get 8-value vectors, with a "count dim" header
    const t = await loadTable(REVIEWS);
    const counts = new Map<string, number>();
    for (const x of t.examples) for (const w of tokenize(x.text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 400).map(([w]) => w).filter((w) => !w.includes(' '));
    const r = rng(2);
    const vec = join(dir, 'small.vec');
    writeFileSync(vec, `${top.length} 8\n` + top.map((w) => `${w} ${Array.from({ length: 8 }, () => (r() - 0.5).toFixed(4)).join(' ')}`).join('\n') + '\n');
    const out = join(dir, 'm.snn');
    const res = await cli(['train', '--data', REVIEWS, '--embeddings', vec, '--epochs', '1', '--maps', '4', '--max-len', '16', '--limit', '300', '--skip-snn-eval', '--backend', 'cpu', '-o', out]);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/data: .*reviews\.csv \(csv, utf-8, 3394 examples\); classes negative, positive \(sorted order\)/);
    expect(res.out).toMatch(new RegExp(`embeddings: .*small\\.vec \\(8 values a word, ${top.length} words\\); vocabulary \\d+ rows; coverage: [\\d.]+% of \\d+ training tokens found`));
    const m = readModelFile(out);
    expect(m.meta.classes).toEqual(['negative', 'positive']);
    expect(m.meta.name).toBe('textcnn-reviews');
    expect(m.tokenizer?.kind).toBe('snnc-word-v2');
    const emb = m.graph.nodes.find((n) => n.kind === 'embedding');
    expect(emb && emb.kind === 'embedding' ? emb.dim : 0).toBe(8);
    // rows: the specials, words of the file, and compounds of them (mean of their parts)
    const known = new Set(top);
    expect(m.vocab!.filter((w) => !known.has(w) && !['<pad>', '<unk>', '<num>'].includes(w) && !/-|\\\//.test(w))).toEqual([]);
    // and it evaluates on the held-out file by label name
    const ev = await cli(['eval', out, '--data', join(packageRoot(), 'examples', 'own-data', 'reviews-test.csv'), '--json']);
    expect(ev.code, ev.err).toBe(0);
    expect(JSON.parse(ev.out).sentences).toBe(377);
  }, 600_000);

  it('refuses bad flags and files before training', async () => {
    const one = join(dir, 'one.csv');
    writeFileSync(one, 'text,label\na b,x\nc d,x\n');
    expect((await cli(['train', '--data', one, '-o', join(dir, 'x.snn')])).err).toMatch(/SNN_E_DATA: .*one\.csv: every example has the label "x"/);
    expect((await cli(['train', '--test', one])).err).toMatch(/SNN_E_USAGE: --test applies to --data <file>/);
    expect((await cli(['train', '--data', REVIEWS, '--dataset', 'mr'])).err).toMatch(/either --dataset <name> or --data <file>/);
    const ragged = join(dir, 'ragged.vec');
    writeFileSync(ragged, 'the 1 2 3\ncat 1 2\n');
    const e = await cli(['train', '--data', REVIEWS, '--embeddings', ragged, '-o', join(dir, 'y.snn')]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/SNN_E_EMBEDDINGS: .*ragged\.vec:2: 2 values after the word, but earlier rows have 3/);
  });
});
