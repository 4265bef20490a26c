// The 'mlp' family (SNNLP-style): a fixed sentence vector in [0, 1] (mean of the token rows of
// a positive-shifted GloVe table, then a per-dimension affine map measured on the training
// set, clipped) is rate-coded by the IR encoder (poisson | binary | rate) into an
// integrate-and-fire MLP 256 -> 128 -> class populations. Trained as a bias-free ReLU ANN on
// the vector as its encoder represents it, then converted by data-based normalisation.

import type { DenseNode, EncoderNode, Graph, LifNode, Model, Node } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { tf } from './backend.js';
import { Adam } from './adam.js';
import { positivePercentile } from './convert.js';
import { linear } from './ops.js';
import { Prng } from './prng.js';
import type { PreparedData } from './trainer.js';
import { encoderView, fitSentenceVectorRule, sentenceVectorFromIds, type SentenceVectorRule } from './sentence-vector.js';

export { encoderView, fitSentenceVectorRule, sentenceRuleOf, sentenceVector, sentenceVectorFromIds, type SentenceVectorRule } from './sentence-vector.js';

// -------------------------------------------------------------------------------- the ANN

export interface MlpOptions {
  hidden: number[];
  population: number;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  /** Dropout on the hidden activations during training. */
  dropout: number;
  encoder: 'rate' | 'binary' | 'poisson';
  bits: number;
  timesteps: number;
  percentile: number;
  normSamples: number;
  /** Sentence means within mean +/- spread std map onto [0, 1]. */
  spread: number;
  quiet: boolean;
}

export const MLP_DEFAULTS: MlpOptions = {
  hidden: [256, 128],
  population: 10,
  epochs: 30,
  batch: 64,
  lr: 1e-3,
  seed: 1,
  dropout: 0.2,
  encoder: 'rate',
  bits: 4,
  timesteps: 50,
  percentile: 99.9,
  normSamples: 2000,
  spread: 2,
  quiet: false,
};

export interface MlpWeights {
  /** Layer l: [in, out] row-major (presynaptic-major, like the IR). */
  layers: Float32Array[];
  sizes: number[];
}

function glorotCentred(rng: Prng, K: number, M: number): Float32Array {
  const a = Math.sqrt(6 / (K + M));
  const w = new Float32Array(K * M);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-a, a);
  for (let j = 0; j < M; j++) {
    let m = 0;
    for (let i = 0; i < K; i++) m += w[i * M + j];
    m /= K;
    for (let i = 0; i < K; i++) w[i * M + j] -= m;
  }
  return w;
}

function effective(u: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.sub(u, tf.mean(u, 0, true)), tf.div(s, u.shape[0]));
}

/** ReLU MLP forward: returns per layer activations (last = output population). */
function mlpForward(Ws: tf.Tensor2D[], x: tf.Tensor2D, drop?: tf.Tensor2D[]): tf.Tensor2D[] {
  const acts: tf.Tensor2D[] = [];
  let h = x;
  Ws.forEach((w, l) => {
    h = tf.relu(linear(h, w));
    if (drop && l < Ws.length - 1) h = tf.mul(h, drop[l]);
    acts.push(h);
  });
  return acts;
}

export interface MlpTrainResult {
  weights: MlpWeights;
  bestDev: number;
  bestEpoch: number;
  history: { epoch: number; loss: number; trainAcc: number; devAcc: number; seconds: number }[];
}

function logitsOf(out: tf.Tensor2D, classes: number, population: number): tf.Tensor2D {
  return tf.mean(tf.reshape(out, [out.shape[0], classes, population]), 2) as tf.Tensor2D;
}

/** Trains the bias-free ReLU MLP on input vectors (already in the encoder's view). */
export async function trainMlpAnn(
  train: { x: Float32Array[]; y: number[] },
  dev: { x: Float32Array[]; y: number[] },
  classes: number,
  o: MlpOptions,
): Promise<MlpTrainResult> {
  const dim = train.x[0].length;
  const sizes = [dim, ...o.hidden, classes * o.population];
  const rng = new Prng(o.seed ^ 0x4d4c50);
  const us: tf.Variable<tf.Rank.R2>[] = [];
  const ss: tf.Variable<tf.Rank.R2>[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const K = sizes[l];
    const M = sizes[l + 1];
    const w = glorotCentred(rng, K, M);
    const s = new Float32Array(M);
    for (let i = 0; i < K; i++) for (let j = 0; j < M; j++) s[j] += w[i * M + j];
    us.push(tf.variable(tf.tensor2d(w, [K, M]), true));
    ss.push(tf.variable(tf.tensor2d(s, [1, M]), true));
  }
  const vars = [...us, ...ss];
  const adam = new Adam(vars, { lr: o.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: 0 });
  const read = (): Float32Array[] => tf.tidy(() => us.map((u, l) => effective(u, ss[l]).dataSync().slice() as Float32Array));
  const predict = (xs: Float32Array[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < xs.length; i += 512) {
      const part = xs.slice(i, i + 512);
      const flat = new Float32Array(part.length * dim);
      part.forEach((x, k) => flat.set(x, k * dim));
      const p = tf.tidy(() => {
        const Ws = us.map((u, l) => effective(u, ss[l]));
        const acts = mlpForward(Ws, tf.tensor2d(flat, [part.length, dim]));
        return tf.argMax(logitsOf(acts[acts.length - 1], classes, o.population), 1);
      });
      out.push(...(p.dataSync() as Int32Array));
      p.dispose();
    }
    return out;
  };
  const acc = (pred: number[], y: number[]): number => pred.filter((p, i) => p === y[i]).length / Math.max(1, y.length);
  let best = read();
  let bestDev = -1;
  let bestEpoch = 0;
  const history: MlpTrainResult['history'] = [];
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    const order = rng.shuffle(train.x.map((_, i) => i));
    let lossSum = 0;
    let correct = 0;
    for (let s = 0; s < order.length; s += o.batch) {
      const idx = order.slice(s, s + o.batch);
      const B = idx.length;
      const flat = new Float32Array(B * dim);
      idx.forEach((i, k) => flat.set(train.x[i], k * dim));
      const keep = 1 - o.dropout;
      const drops = o.hidden.map((h) => {
        const d = new Float32Array(B * h);
        for (let i = 0; i < d.length; i++) d[i] = rng.next() < keep ? 1 / keep : 0;
        return tf.tensor2d(d, [B, h]);
      });
      const x = tf.tensor2d(flat, [B, dim]);
      const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(idx.map((i) => train.y[i])), 'int32'), classes));
      let predT: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const Ws = us.map((u, l) => effective(u, ss[l]));
        const acts = mlpForward(Ws, x, o.dropout > 0 ? drops : undefined);
        const logits = logitsOf(acts[acts.length - 1], classes, o.population);
        predT = tf.keep(tf.argMax(logits, 1));
        return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
      }, vars);
      adam.apply(vars.map((v) => grads[v.name]));
      lossSum += value.dataSync()[0] * B;
      const pred = predT!.dataSync();
      idx.forEach((i, k) => (correct += pred[k] === train.y[i] ? 1 : 0));
      [value, predT!, x, onehot, ...drops, ...Object.values(grads)].forEach((t) => t.dispose());
    }
    const devAcc = acc(predict(dev.x), dev.y);
    const seconds = (performance.now() - t0) / 1000;
    const isBest = devAcc > bestDev;
    if (isBest) {
      bestDev = devAcc;
      bestEpoch = epoch;
      best = read();
    }
    history.push({ epoch, loss: lossSum / train.x.length, trainAcc: correct / train.x.length, devAcc, seconds });
    if (!o.quiet && (epoch % 5 === 0 || epoch === o.epochs))
      process.stderr.write(`mlp epoch ${epoch}/${o.epochs}: loss ${(lossSum / train.x.length).toFixed(4)} dev ${(devAcc * 100).toFixed(2)}%${isBest ? ' *' : ''}\n`);
    await new Promise<void>((r) => setImmediate(r));
  }
  adam.dispose();
  vars.forEach((v) => v.dispose());
  return { weights: { layers: best, sizes }, bestDev, bestEpoch, history };
}

/** Labels of the ANN for input vectors. */
export function predictMlpAnn(w: MlpWeights, xs: Float32Array[], classes: number, population: number): number[] {
  const dim = w.sizes[0];
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += 512) {
    const part = xs.slice(i, i + 512);
    const flat = new Float32Array(part.length * dim);
    part.forEach((x, k) => flat.set(x, k * dim));
    const p = tf.tidy(() => {
      const Ws = w.layers.map((l, k) => tf.tensor2d(l, [w.sizes[k], w.sizes[k + 1]]));
      const acts = mlpForward(Ws, tf.tensor2d(flat, [part.length, dim]));
      return tf.argMax(logitsOf(acts[acts.length - 1], classes, population), 1);
    });
    out.push(...(p.dataSync() as Int32Array));
    p.dispose();
  }
  return out;
}

/** lambda per layer: the percentile of its positive ReLU activations on `xs`. */
export function mlpScales(w: MlpWeights, xs: Float32Array[], percentile: number): number[] {
  const dim = w.sizes[0];
  const flat = new Float32Array(xs.length * dim);
  xs.forEach((x, k) => flat.set(x, k * dim));
  const acts = tf.tidy(() => {
    const Ws = w.layers.map((l, k) => tf.tensor2d(l, [w.sizes[k], w.sizes[k + 1]]));
    return mlpForward(Ws, tf.tensor2d(flat, [xs.length, dim])).map((a) => a.dataSync().slice() as Float32Array);
  });
  return acts.map((a) => positivePercentile(a, percentile));
}

/**
 * The float IR graph: vector -> encoder -> (dense -> IF population) per layer -> readout.
 * With lambda_0 = 1: W'_l = W_l * lambda_{l-1}, theta_l = lambda_l, so rate_l = a_l / lambda_l.
 */
export function buildMlpGraph(w: MlpWeights, scales: number[], o: { encoder: 'rate' | 'binary' | 'poisson'; bits: number; seed: number; timesteps: number; classes: number; population: number }): Graph {
  const bits = o.encoder === 'binary' ? 1 : o.bits;
  const nodes: Node[] = [
    { kind: 'vector', id: 'vector', dim: w.sizes[0] },
    { kind: 'encoder', id: 'encoder', from: 'vector', scheme: o.encoder, bits, seed: o.seed } satisfies EncoderNode,
  ];
  let from = 'encoder';
  const L = w.layers.length;
  for (let l = 0; l < L; l++) {
    const K = w.sizes[l];
    const M = w.sizes[l + 1];
    const prev = l === 0 ? 1 : scales[l - 1];
    const data = new Float32Array(K * M);
    for (let i = 0; i < data.length; i++) data[i] = w.layers[l][i] * prev;
    const to = l === L - 1 ? 'output' : `h${l + 1}`;
    nodes.push({ kind: 'dense', id: `fc${l + 1}`, from, to, inFeatures: K, outFeatures: M, weight: { dtype: 'f32', shape: [K, M], data } } satisfies DenseNode);
    nodes.push({ kind: 'lif', id: to, channels: M, perPosition: false, reset: 'subtract', beta: 1, threshold: scales[l] } satisfies LifNode);
    from = to;
  }
  nodes.push({ kind: 'readout', id: 'readout', from: 'output', classes: o.classes, population: o.population });
  return { timesteps: o.timesteps, nodes, stage: 'float', passes: [] };
}

/** Replaces the encoder scheme and T of an MLP graph (same weights). */
export function withEncoder(graph: Graph, scheme: 'rate' | 'binary' | 'poisson', bits: number, timesteps = graph.timesteps): Graph {
  return {
    ...graph,
    timesteps,
    nodes: graph.nodes.map((n) => (n.kind === 'encoder' ? { ...n, scheme, bits: scheme === 'binary' ? 1 : bits } : n)),
  };
}

export interface MlpTrained {
  model: Model;
  rule: SentenceVectorRule;
  ann: MlpTrainResult;
  scales: number[];
  /** Input vectors of every split (real-valued, before the encoder's rounding). */
  vectors: { train: Float32Array[]; dev: Float32Array[]; test: Float32Array[] };
  annTest: number;
}

/** Sentence vectors, ANN training on the encoder's view of them, conversion: an 'mlp' Model. */
export async function trainMlpModel(data: PreparedData, opts: Partial<MlpOptions> = {}): Promise<MlpTrained> {
  const o: MlpOptions = { ...MLP_DEFAULTS, ...opts };
  if (!o.hidden.length || o.hidden.some((h) => !Number.isInteger(h) || h < 1)) fail('SNN_E_USAGE', `hidden sizes must be positive integers, got ${o.hidden.join(',')}`);
  const rule = fitSentenceVectorRule(
    data.table,
    data.dim,
    data.train.map((x) => x.ids),
    o.spread,
  );
  const vec = (xs: PreparedData['train']): Float32Array[] => xs.map((x) => sentenceVectorFromIds(rule, x.ids));
  const vectors = { train: vec(data.train), dev: vec(data.dev), test: vec(data.test) };
  const view = (xs: Float32Array[]): Float32Array[] => xs.map((x) => encoderView(x, o.encoder, o.bits));
  const classes = data.classes.length;
  const ann = await trainMlpAnn({ x: view(vectors.train), y: data.train.map((x) => x.label) }, { x: view(vectors.dev), y: data.dev.map((x) => x.label) }, classes, o);
  const testPred = predictMlpAnn(ann.weights, view(vectors.test), classes, o.population);
  const annTest = testPred.filter((p, i) => p === data.test[i].label).length / Math.max(1, data.test.length);
  const scales = mlpScales(ann.weights, view(vectors.train.slice(0, o.normSamples)), o.percentile);
  const graph = buildMlpGraph(ann.weights, scales, { encoder: o.encoder, bits: o.bits, seed: o.seed, timesteps: o.timesteps, classes, population: o.population });
  const model: Model = {
    meta: {
      name: `mlp-${data.dataset}`,
      family: 'mlp',
      classes: data.classes,
      training: {
        stage: 'converted',
        dataset: data.dataset,
        seed: o.seed,
        examples: { train: data.train.length, dev: data.dev.length, test: data.test.length },
        accuracy: { annDev: ann.bestDev, annTest },
        thresholds: scales,
        options: o,
        method: 'ReLU MLP on the encoder view of the sentence vector, converted by data-based normalisation',
      },
      extra: { sentenceVector: rule },
    },
    tokenizer: { kind: 'snnc-word-v1', lowercase: true },
    vocab: data.vocab,
    graph,
  };
  return { model, rule, ann, scales, vectors, annTest };
}
