// Vocabulary building: training tokens that have a GloVe vector through the shared fallback
// chain (runtime/tokenizer resolveToken), plus the top-K frequent GloVe words so a deployed
// model also knows common words it never saw in training. Also: OOV measurement.

import { fail } from '../../core/errors.js';
import { NUM, PAD, UNK, UNK_ID, Vocab, resolveToken } from '../../runtime/tokenizer.js';
import { GLOVE_DIM, loadEmbeddings, loadGloveWordList, type GloveOptions } from './glove.js';

/**
 * Default K = 20,000: on SST-2 (docs/data.md) test OOV falls 5.0% -> 2.9% from K = 0 to 20k
 * for a table of ~27k rows; doubling K to 40k buys another 1.1 points for +17k rows, which
 * is a lot of flash on a microcontroller. Raise `topK` for hosts with memory to spare.
 */
export const DEFAULT_TOP_K = 20_000;

/** Words averaged into the <num> row: digits carry "a number", not which one. */
export const NUMBER_ROW_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'hundred', 'thousand', 'million'];

export interface VocabularyOptions extends GloveOptions {
  /** Most frequent GloVe words added beyond the training words. Default DEFAULT_TOP_K. */
  topK?: number;
  /** A training token must occur this often to get its own row. Default 1. */
  minCount?: number;
}

export interface BuiltVocabulary {
  vocab: Vocab;
  /** Raw GloVe rows [vocab.size x 100]: <pad> is zero, <unk> is zero, <num> the NUMBER_ROW_WORDS mean. */
  table: Float32Array;
  dim: typeof GLOVE_DIM;
  /** Training-token facts: how many distinct tokens, how many got a row, which did not. */
  stats: {
    trainTypes: number;
    fromTraining: number;
    compounds: number;
    fromTopK: number;
    oovTypes: string[];
  };
}

/** Build the vocabulary and its raw embedding table from tokenized training texts. */
export function buildVocabulary(trainTexts: readonly (readonly string[])[], opts: VocabularyOptions = {}): BuiltVocabulary {
  const topK = opts.topK ?? DEFAULT_TOP_K;
  const minCount = opts.minCount ?? 1;
  const glove = loadGloveWordList(opts).words;
  const rank = new Map(glove.map((w, i) => [w, i]));
  const has = (w: string): boolean => w === NUM || rank.has(w);

  const counts = new Map<string, number>();
  for (const toks of trainTexts) for (const t of toks) counts.set(t, (counts.get(t) ?? 0) + 1);
  // Most frequent first; ties by GloVe rank, then code units: deterministic ids.
  const types = [...counts.keys()].sort((a, b) => {
    const d = (counts.get(b) as number) - (counts.get(a) as number);
    if (d !== 0) return d;
    const ra = rank.get(a) ?? Infinity;
    const rb = rank.get(b) ?? Infinity;
    if (ra !== rb) return ra < rb ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });

  const entries: string[] = [PAD, UNK, NUM];
  const seen = new Set(entries);
  const compounds = new Map<string, string[]>();
  const oovTypes: string[] = [];
  let fromTraining = 0;
  for (const t of types) {
    if ((counts.get(t) as number) < minCount) continue;
    const r = resolveToken(t, has);
    if (r === null) {
      oovTypes.push(t);
      continue;
    }
    if (r.length === 1) {
      if (!seen.has(r[0])) {
        seen.add(r[0]);
        entries.push(r[0]);
        fromTraining++;
      }
      continue;
    }
    // A compound missing from GloVe gets its own row: the mean of its known parts (a
    // number part counts as <num>). Numbers only ("1738-1789"): the runtime split to <num>
    // ids already says all there is, so no row of its own.
    const parts = r.filter((p) => p !== UNK);
    if (!seen.has(t) && parts.some((p) => p !== NUM)) {
      seen.add(t);
      entries.push(t);
      compounds.set(t, parts);
      fromTraining++;
    }
  }
  let fromTopK = 0;
  for (const w of glove.slice(0, topK)) {
    if (!seen.has(w)) {
      seen.add(w);
      entries.push(w);
      fromTopK++;
    }
  }

  const need = new Set<string>(NUMBER_ROW_WORDS);
  for (const e of entries) if (rank.has(e)) need.add(e);
  for (const parts of compounds.values()) for (const p of parts) if (p !== NUM) need.add(p);
  const emb = loadEmbeddings(need, opts);
  const row = new Map(emb.words.map((w, i) => [w, i]));
  const numRow = new Float32Array(GLOVE_DIM);
  const vecOf = (w: string): Float32Array | undefined => {
    if (w === NUM) return numRow;
    const i = row.get(w);
    return i === undefined ? undefined : emb.vectors.subarray(i * GLOVE_DIM, (i + 1) * GLOVE_DIM);
  };
  const mean = (words: readonly string[], into: Float32Array): boolean => {
    const vs = words.map(vecOf).filter((v): v is Float32Array => v !== undefined);
    if (vs.length === 0) return false;
    for (const v of vs) for (let k = 0; k < GLOVE_DIM; k++) into[k] += v[k] / vs.length;
    return true;
  };

  mean(NUMBER_ROW_WORDS, numRow);
  const table = new Float32Array(entries.length * GLOVE_DIM);
  entries.forEach((e, i) => {
    const dst = table.subarray(i * GLOVE_DIM, (i + 1) * GLOVE_DIM);
    if (e === PAD || e === UNK) return;
    if (e === NUM) {
      dst.set(numRow);
      return;
    }
    const parts = compounds.get(e);
    if (parts !== undefined) {
      if (!mean(parts, dst)) fail('SNN_E_EMBEDDINGS', `no vector for any part of "${e}"`);
      return;
    }
    const v = vecOf(e);
    if (v === undefined) fail('SNN_E_EMBEDDINGS', `GloVe lists "${e}" but has no vector for it`, 'delete .snnc-cache and retry');
    dst.set(v);
  });

  return {
    vocab: new Vocab(entries),
    table,
    dim: GLOVE_DIM,
    stats: { trainTypes: types.length, fromTraining, compounds: compounds.size, fromTopK, oovTypes },
  };
}

export interface OovStats {
  tokens: number;
  /** Tokens whose exact form is not in `reference` (e.g. the whole GloVe word list). */
  raw: number;
  /** Tokens that `vocab` maps to <unk> as a whole, after the fallback chain. */
  unk: number;
  rawRate: number;
  unkRate: number;
}

/** Token-level OOV of tokenized texts against a vocabulary (and a raw reference word set). */
export function measureOov(texts: readonly (readonly string[])[], vocab: Vocab, reference?: ReadonlySet<string>): OovStats {
  let tokens = 0;
  let raw = 0;
  let unk = 0;
  const memo = new Map<string, boolean>();
  for (const toks of texts) {
    for (const t of toks) {
      tokens++;
      if (reference !== undefined && !reference.has(t)) raw++;
      let u = memo.get(t);
      if (u === undefined) {
        const ids = vocab.idsOf(t);
        u = ids.every((id) => id === UNK_ID);
        memo.set(t, u);
      }
      if (u) unk++;
    }
  }
  return { tokens, raw, unk, rawRate: tokens ? raw / tokens : 0, unkRate: tokens ? unk / tokens : 0 };
}
