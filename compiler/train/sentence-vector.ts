// The host-side input of 'mlp' models: text -> snnc-word-v1 tokens -> ids -> mean of a stored
// table's rows -> per-dimension affine map -> clamp to [0, 1]. No TF.js: `snnc embed`, the
// benchmarks and a browser host compute exactly this before calling the artifact with a vector.

import type { Model } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { Vocab, tokenize } from '../../runtime/tokenizer.js';
import { fromHalf, toHalf } from '../../core/half.js';

/** How the host turns text into the model's input vector; stored in `meta.extra.sentenceVector`. */
export interface SentenceVectorRule {
  /**
   * 'mean-affine-v1': ids = snnc-word-v1 tokens -> model vocabulary (all tokens, no maxLen);
   * m = mean of table rows of the ids; x_d = clamp(scale_d * m_d + offset_d, 0, 1).
   */
  kind: 'mean-affine-v1';
  dim: number;
  /** [vocab, dim], values in [0, 1] (positive-shifted GloVe, float16-exact). */
  table: Float32Array;
  scale: Float32Array;
  offset: Float32Array;
}

/** Rounds every value to float16 and back, so the table saved with f16 storage is the one trained on. */
function f16Exact(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = fromHalf(toHalf(a[i]));
  return out;
}

function meanRow(table: Float32Array, dim: number, ids: ArrayLike<number>, out: Float64Array): void {
  out.fill(0);
  const n = Math.max(1, ids.length);
  for (let p = 0; p < ids.length; p++) {
    const o = ids[p] * dim;
    for (let d = 0; d < dim; d++) out[d] += table[o + d];
  }
  for (let d = 0; d < dim; d++) out[d] /= n;
}

/**
 * Measures the rule on training sentences: per dimension, the mean m_d and standard deviation s_d
 * of the sentence means; x = 0.5 + (m - mean) / (2 * spread * s), so mean +/- spread std maps
 * onto [0, 1].
 */
export function fitSentenceVectorRule(table: Float32Array, dim: number, trainIds: ArrayLike<number>[], spread = 2): SentenceVectorRule {
  const t = f16Exact(table);
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  const m = new Float64Array(dim);
  for (const ids of trainIds) {
    meanRow(t, dim, ids, m);
    for (let d = 0; d < dim; d++) {
      sum[d] += m[d];
      sq[d] += m[d] * m[d];
    }
  }
  const N = Math.max(1, trainIds.length);
  const scale = new Float32Array(dim);
  const offset = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    const mu = sum[d] / N;
    const sd = Math.sqrt(Math.max(1e-12, sq[d] / N - mu * mu));
    scale[d] = 1 / (2 * spread * sd);
    offset[d] = 0.5 - mu * scale[d];
  }
  return { kind: 'mean-affine-v1', dim, table: t, scale, offset };
}

/** The input vector of a sentence given its token ids (empty -> the <unk> row). */
export function sentenceVectorFromIds(rule: SentenceVectorRule, ids: ArrayLike<number>): Float32Array {
  const m = new Float64Array(rule.dim);
  meanRow(rule.table, rule.dim, ids.length ? ids : [1], m);
  const x = new Float32Array(rule.dim);
  for (let d = 0; d < rule.dim; d++) x[d] = Math.min(1, Math.max(0, rule.scale[d] * m[d] + rule.offset[d]));
  return x;
}

/** The input vector of a text for an 'mlp' model (uses the model's vocabulary and stored rule). */
export function sentenceVector(model: Model, text: string): Float32Array {
  const rule = sentenceRuleOf(model);
  if (!model.vocab) fail('SNN_E_GRAPH', 'this mlp model has no vocabulary');
  const ids = new Vocab(model.vocab).encode(tokenize(text));
  if (!ids.length) fail('SNN_E_INPUT', 'input text contains no tokens', 'send at least one word');
  return sentenceVectorFromIds(rule, ids);
}

/** The stored sentence-vector rule of an 'mlp' model, checked. */
export function sentenceRuleOf(model: Model): SentenceVectorRule {
  const r = model.meta.extra?.sentenceVector as SentenceVectorRule | undefined;
  if (!r || r.kind !== 'mean-affine-v1' || !(r.table instanceof Float32Array) || !(r.scale instanceof Float32Array) || !(r.offset instanceof Float32Array))
    fail('SNN_E_GRAPH', 'the model has no sentence-vector rule (meta.extra.sentenceVector)', 'train it with `snnc train --family mlp`');
  if (r.scale.length !== r.dim || r.offset.length !== r.dim || r.table.length !== r.dim * (model.vocab?.length ?? -1))
    fail('SNN_E_GRAPH', 'the sentence-vector rule does not match the vocabulary or its dimension');
  return r;
}

/** The value the encoder actually represents: q-bit levels (rate, poisson), or 0/1 (binary). */
export function encoderView(x: Float32Array, scheme: 'rate' | 'binary' | 'poisson', bits: number): Float32Array {
  const q = scheme === 'binary' ? 1 : bits;
  const top = (1 << q) - 1;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.floor(Math.min(1, Math.max(0, x[i])) * top + 0.5) / top;
  return out;
}

