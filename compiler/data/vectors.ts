// Word vectors from a text file in the GloVe / word2vec / fastText `.vec` format: one word a
// line followed by its values, separated by spaces, with an optional first line
// "<count> <dim>" (word2vec, fastText). Read twice with node:readline, never whole into a
// string: once for the word list (frequency order, as these files are written), once for the
// vectors of the words the vocabulary plan needs.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fail } from '../../core/errors.js';
import { TOKENIZER_KIND, Vocab } from '../../runtime/tokenizer.js';
import { checkFile } from './text-stream.js';
import { fillTable, measureOov, planVocabulary, type BuiltVocabulary } from './vocabulary.js';

export interface VectorFileInfo {
  path: string;
  /** Values per word. */
  dim: number;
  /** Distinct words (after lower-casing) in the file. */
  words: number;
  /** Whether the file starts with a "<count> <dim>" line. */
  header: boolean;
}

const HEADER = /^\s*(\d+)\s+(\d+)\s*$/;

/** Lines of a file, decoded as UTF-8 by node:readline (CRLF, LF), with 1-based numbers. */
async function* fileLines(path: string): AsyncGenerator<[string, number]> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of rl) yield [line, ++n];
  } catch (e) {
    fail('SNN_E_EMBEDDINGS', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  } finally {
    rl.close();
  }
}

/** The word of a row and the text of its values; checks the row width against `dim`. */
function splitRow(line: string, path: string, n: number, dim: number | undefined, header: boolean): { word: string; values: string[] } | null {
  const t = line.trimEnd();
  if (t === '') return null;
  const f = t.split(' ');
  if (dim === undefined) return { word: f[0], values: f.slice(1) };
  if (f.length === dim + 1) return { word: f[0], values: f.slice(1) };
  // with a header the width is known, so a word with spaces in it (GloVe 840B has some) is kept
  if (header && f.length > dim + 1) return { word: f.slice(0, f.length - dim).join(' '), values: f.slice(f.length - dim) };
  return fail(
    'SNN_E_EMBEDDINGS',
    `${path}:${n}: ${f.length - 1} values after the word, but earlier rows have ${dim}`,
    'every row must be "word v1 v2 ... vD" with the same D (rows of different widths: a truncated or concatenated file?)',
  );
}

/** A word as the tokenizer would produce it: NFC, lower-case (the tokenizer lower-cases text). */
function key(word: string): string {
  return word.normalize('NFC').toLowerCase().normalize('NFC');
}

/** The file's words in file order, lower-cased, first casing kept; its width and header. */
export async function readVectorWords(path: string): Promise<{ words: string[]; info: VectorFileInfo }> {
  checkFile(path, 'SNN_E_EMBEDDINGS');
  let dim: number | undefined;
  let header = false;
  const seen = new Set<string>();
  const words: string[] = [];
  for await (const [line, n] of fileLines(path)) {
    if (n === 1) {
      const m = line.match(HEADER);
      if (m) {
        header = true;
        dim = Number(m[2]);
        if (dim < 1) fail('SNN_E_EMBEDDINGS', `${path}:1: header says ${dim} values a word`);
        continue;
      }
    }
    const r = splitRow(line, path, n, dim, header);
    if (r === null) continue;
    if (dim === undefined) {
      dim = r.values.length;
      if (dim < 1) fail('SNN_E_EMBEDDINGS', `${path}:${n}: a word without values`, 'each row is "word v1 v2 ... vD"');
    }
    const w = key(r.word);
    if (w === '' || seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  if (dim === undefined || words.length === 0) fail('SNN_E_EMBEDDINGS', `${path}: no word vectors in the file`);
  return { words, info: { path, dim, words: words.length, header } };
}

/** Vectors of the wanted words (lower-cased keys; the first casing in the file wins). */
export async function readVectors(path: string, want: ReadonlySet<string>, dim: number, header: boolean): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for await (const [line, n] of fileLines(path)) {
    if (n === 1 && header) continue;
    const r = splitRow(line, path, n, dim, header);
    if (r === null) continue;
    const w = key(r.word);
    if (!want.has(w) || out.has(w)) continue;
    const v = new Float32Array(dim);
    for (let k = 0; k < dim; k++) {
      const x = Number(r.values[k]);
      if (r.values[k] === '' || !Number.isFinite(x)) fail('SNN_E_EMBEDDINGS', `${path}:${n}: value ${k + 1} of "${r.word}" is ${JSON.stringify(r.values[k])}, not a number`);
      v[k] = x;
    }
    out.set(w, v);
  }
  return out;
}

export interface VectorVocabularyOptions {
  /** Most frequent words of the file added beyond the training words. Default DEFAULT_TOP_K. */
  topK?: number;
  minCount?: number;
}

/**
 * The vocabulary and raw table of a vector file, built as `buildVocabulary` builds GloVe's:
 * training tokens through the fallback chain, then the file's first `topK` words.
 */
export async function buildVocabularyFromFile(trainTexts: readonly (readonly string[])[], path: string, opts: VectorVocabularyOptions = {}): Promise<BuiltVocabulary & { file: VectorFileInfo }> {
  const { words, info } = await readVectorWords(path);
  const plan = planVocabulary(trainTexts, words, opts);
  const vectors = await readVectors(path, plan.need, info.dim, info.header);
  const table = fillTable(plan, (w) => vectors.get(w), info.dim, path);
  return { vocab: new Vocab(plan.entries, TOKENIZER_KIND), table, dim: info.dim, stats: plan.stats, file: info };
}

/** Share of training tokens the vocabulary knows (not <unk> after the fallback chain). */
export function coverage(trainTexts: readonly (readonly string[])[], vocab: Vocab): { tokens: number; found: number; share: number } {
  const s = measureOov(trainTexts, vocab);
  return { tokens: s.tokens, found: s.tokens - s.unk, share: s.tokens ? 1 - s.unkRate : 0 };
}
