// The tailored TextCNN ANN (Lv et al., ICLR 2023): positive-shifted embeddings, bias-free
// 'same' conv1d branches with ReLU, masked mean pooling over the real positions, dropout, a
// bias-free classifier onto a ReLU population per class. Every activation is a rate in waiting.

import { tf } from './backend.js';
import { conv1dSame, embed, linear, maskedMean, roundToLevelsSte } from './ops.js';
import type { Prng } from './prng.js';

export interface TextCnnShape {
  vocab: number;
  dim: number;
  widths: number[];
  maps: number;
  classes: number;
  population: number;
  /** Train on embeddings rounded to this many encoder bits (straight-through gradient). */
  inputBits?: number;
}

/** Host-side weights (what checkpoints and the converter see). */
export interface TextCnnWeights {
  /** [vocab, dim], positive-shifted, row 0 zeros. */
  embedding: Float32Array;
  /** Per width: [width, dim, maps] row-major (= [width*dim, maps]). */
  conv: Float32Array[];
  /** [widths.length * maps, classes * population]. */
  classifier: Float32Array;
}

/** A batch on the TF.js side: ids [B, L] (right-padded with 0), mask [B, L], n [B]. */
export interface Batch {
  ids: tf.Tensor2D;
  mask: tf.Tensor2D;
  n: tf.Tensor1D;
  labels?: tf.Tensor1D;
}

/** Centred Glorot-uniform initial weights from the trainer's PRNG. */
export function initWeights(shape: TextCnnShape, embedding: Float32Array, rng: Prng, gain = 1): TextCnnWeights {
  // Inputs are positive (shifted embeddings, ReLU rates), so a random filter mostly sees
  // their common offset; centring each output column (sum of its weights = 0) removes that
  // offset at the start.
  const glorot = (fanIn: number, fanOut: number, size: number): Float32Array => {
    const a = gain * Math.sqrt(6 / (fanIn + fanOut));
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = rng.uniform(-a, a);
    for (let j = 0; j < fanOut; j++) {
      let m = 0;
      for (let i = 0; i < fanIn; i++) m += out[i * fanOut + j];
      m /= fanIn;
      for (let i = 0; i < fanIn; i++) out[i * fanOut + j] -= m;
    }
    return out;
  };
  const conv = shape.widths.map((w) => glorot(w * shape.dim, shape.maps, w * shape.dim * shape.maps));
  const feat = shape.widths.length * shape.maps;
  const out = shape.classes * shape.population;
  return { embedding: embedding.slice(), conv, classifier: glorot(feat, out, feat * out) };
}

/**
 * Trainable state on the TF.js side. Each bias-free weight W [K, M] is trained through the
 * reparametrisation W = (U - mean_K(U)) + s / K with a per-column scalar s: inputs here are
 * all positive (shifted embeddings, ReLU rates), so a plain W is badly conditioned along the
 * "common offset" direction (measured: Adam barely moves SST-2 accuracy off 50%); centring
 * gives that direction its own parameter s. The exported W is an ordinary bias-free matrix.
 */
export interface TextCnnParams {
  shape: TextCnnShape;
  embedding: tf.Variable<tf.Rank.R2>;
  /** Per width: U [width*dim, maps]. */
  conv: tf.Variable<tf.Rank.R2>[];
  /** Per width: s [1, maps]. */
  convOffset: tf.Variable<tf.Rank.R2>[];
  /** U [widths*maps, classes*population]. */
  classifier: tf.Variable<tf.Rank.R2>;
  /** s [1, classes*population]. */
  classifierOffset: tf.Variable<tf.Rank.R2>;
  /** Per width: 1 where a conv weight may be nonzero (pruned convs keep their zeros); none: dense. */
  convMask?: tf.Tensor2D[];
}

let varSerial = 0;

function variable(data: Float32Array, shape: [number, number], trainable: boolean, name: string): tf.Variable<tf.Rank.R2> {
  const id = `${name}_${++varSerial}`;
  // tidy frees the initial value; the variable keeps its own reference
  return tf.tidy(() => tf.variable(tf.tensor2d(data, shape), trainable, id));
}

/**
 * Params whose effective weights equal `w` (U = W, s = K * colmean(W), so centring gives W back).
 * With `keepZeros` the conv weights that are exactly 0 in `w` stay 0 (a fixed mask).
 */
export function makeParams(shape: TextCnnShape, w: TextCnnWeights, trainEmbeddings: boolean, keepZeros = false): TextCnnParams {
  const offsets = (data: Float32Array, K: number, M: number): Float32Array => {
    const o = new Float32Array(M);
    for (let i = 0; i < K; i++) for (let j = 0; j < M; j++) o[j] += data[i * M + j];
    return o;
  };
  const feat = shape.widths.length * shape.maps;
  const out = shape.classes * shape.population;
  return {
    shape,
    embedding: variable(w.embedding, [shape.vocab, shape.dim], trainEmbeddings, 'embedding'),
    conv: shape.widths.map((k, i) => variable(w.conv[i], [k * shape.dim, shape.maps], true, `conv${k}`)),
    convOffset: shape.widths.map((k, i) => variable(offsets(w.conv[i], k * shape.dim, shape.maps), [1, shape.maps], true, `conv${k}s`)),
    classifier: variable(w.classifier, [feat, out], true, 'classifier'),
    classifierOffset: variable(offsets(w.classifier, feat, out), [1, out], true, 'classifiers'),
    ...(keepZeros ? { convMask: shape.widths.map((k, i) => tf.tensor2d(Float32Array.from(w.conv[i], (x) => (x !== 0 ? 1 : 0)), [k * shape.dim, shape.maps])) } : {}),
  };
}

/** The trainable variables in a fixed order (the optimiser's and the checkpoint's order). */
export function trainables(p: TextCnnParams, trainEmbeddings: boolean): tf.Variable[] {
  return [...(trainEmbeddings ? [p.embedding] : []), ...p.conv, ...p.convOffset, p.classifier, p.classifierOffset];
}

function effective(u: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.sub(u, tf.mean(u, 0, true)), tf.div(s, u.shape[0]));
}

export function effectiveConv(p: TextCnnParams, i: number): tf.Tensor2D {
  const w = effective(p.conv[i], p.convOffset[i]);
  return p.convMask ? tf.mul(w, p.convMask[i]) : w;
}

export function effectiveClassifier(p: TextCnnParams): tf.Tensor2D {
  return effective(p.classifier, p.classifierOffset);
}

/** The effective (exported) weights. */
export function readWeights(p: TextCnnParams): TextCnnWeights {
  return tf.tidy(() => ({
    embedding: p.embedding.dataSync().slice() as Float32Array,
    conv: p.conv.map((_, i) => effectiveConv(p, i).dataSync().slice() as Float32Array),
    classifier: effectiveClassifier(p).dataSync().slice() as Float32Array,
  }));
}

export function readRaw(vars: tf.Variable[]): Float32Array[] {
  return vars.map((v) => v.dataSync().slice() as Float32Array);
}

export function writeRaw(vars: tf.Variable[], data: Float32Array[]): void {
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(data[i], v.shape))));
}

export function disposeParams(p: TextCnnParams): void {
  p.embedding.dispose();
  p.conv.forEach((c) => c.dispose());
  p.convOffset.forEach((c) => c.dispose());
  p.classifier.dispose();
  p.classifierOffset.dispose();
  p.convMask?.forEach((m) => m.dispose());
}

export interface ForwardOut {
  /** [B, classes]: mean of the population's ReLU outputs. */
  logits: tf.Tensor2D;
  /** Per branch: ReLU conv outputs [B, L, maps] (pad positions not masked). */
  convActs: tf.Tensor3D[];
  /** [B, classes * population]: ReLU outputs of the classifier population. */
  outActs: tf.Tensor2D;
  /** [B, L, dim]: the input the convs saw (the level-rounded embeddings with `inputBits`). */
  input: tf.Tensor3D;
}

/**
 * The forward pass. `dropMask` ([B, widths*maps], already scaled by 1/(1-p)) applies dropout
 * before the classifier; omit it for evaluation.
 */
export function forward(
  p: TextCnnParams,
  batch: Batch,
  dropMask?: tf.Tensor2D,
  trainEmbeddings = false,
  inputMask?: tf.Tensor3D,
): ForwardOut {
  const s = p.shape;
  let x = trainEmbeddings ? embed(p.embedding, batch.ids) : (tf.gather(p.embedding, batch.ids) as unknown as tf.Tensor3D);
  if (s.inputBits) x = roundToLevelsSte(x, (1 << s.inputBits) - 1);
  // input dropout (training only): [B, L, dim], already scaled by 1 / keep
  const xin = inputMask ? (tf.mul(x, inputMask) as tf.Tensor3D) : x;
  const convActs = s.widths.map((k, i) => tf.relu(conv1dSame(xin, effectiveConv(p, i), k)));
  const pooled = convActs.map((a) => maskedMean(a, batch.mask, batch.n));
  let feat = pooled.length === 1 ? pooled[0] : (tf.concat(pooled, 1) as tf.Tensor2D);
  if (dropMask) feat = tf.mul(feat, dropMask);
  const outActs = tf.relu(linear(feat, effectiveClassifier(p)));
  const B = batch.ids.shape[0];
  const logits = tf.mean(tf.reshape(outActs, [B, s.classes, s.population]), 2) as tf.Tensor2D;
  return { logits, convActs, outActs, input: x };
}

/** Builds a right-padded batch of token-id rows (each truncated to maxLen, at least 1 long). */
export function makeBatch(rows: Int32Array[], maxLen: number, labels?: number[], padTo?: number): Batch {
  const B = rows.length;
  let L = 1;
  for (const r of rows) L = Math.max(L, Math.min(r.length, maxLen));
  if (padTo) L = Math.max(L, padTo);
  const ids = new Int32Array(B * L);
  const mask = new Float32Array(B * L);
  const n = new Float32Array(B);
  rows.forEach((r, b) => {
    const len = Math.max(1, Math.min(r.length, maxLen));
    for (let i = 0; i < len; i++) {
      ids[b * L + i] = r[i] ?? 0;
      mask[b * L + i] = 1;
    }
    n[b] = len;
  });
  return {
    ids: tf.tensor2d(ids, [B, L], 'int32'),
    mask: tf.tensor2d(mask, [B, L]),
    n: tf.tensor1d(n),
    labels: labels ? tf.tensor1d(Int32Array.from(labels), 'int32') : undefined,
  };
}

export function disposeBatch(b: Batch): void {
  b.ids.dispose();
  b.mask.dispose();
  b.n.dispose();
  b.labels?.dispose();
}
