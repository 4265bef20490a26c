// ANN -> SNN conversion of the tailored TextCNN into the float IR graph, with thresholds
// from data-based normalisation (Diehl et al. 2015; Rueckauer et al. 2017): per layer, a high
// percentile lambda of the ANN's ReLU activations sets the scale at which a rate of 1 fires.
//
// Semantics (runtime/reference.ts, float mode): an encoder position/channel spikes at rate
// ~= its embedding value x. Conv LIF b (integrate-and-fire, reset by subtraction, threshold
// theta_b) receives sum w*spike per step, so its rate ~= ReLU(conv(x))/theta_b = a/lambda_b with
// theta_b = lambda_b. The pooled dense target receives sum over the n positions of w'*spike
// and has threshold theta_o * n, so its rate ~= sum_b W'_b . mean_p(r_b) / theta_o. With
// W'_b = W_b * lambda_b and theta_o = lambda_o that is ReLU(W . mean_p(a))/lambda_o, the ANN's
// output population activation over its scale. Readout = spike counts summed per class.

import type { Conv1dNode, DenseNode, EncoderNode, FloatTensor, Graph, LifNode, Model, Node } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { tf } from './backend.js';
import { disposeBatch, disposeParams, forward, makeBatch, makeParams, type TextCnnShape, type TextCnnWeights } from './textcnn.js';

export interface ConvertOptions {
  /** Simulation steps T. */
  timesteps: number;
  encoder: 'rate' | 'binary' | 'poisson';
  /** Encoder levels 2^bits - 1 (binary forces 1). */
  bits: number;
  /** Percentile of the positive ANN activations that becomes a layer's threshold. */
  percentile: number;
  /** Seed of the Poisson encoder. */
  seed: number;
  maxLen: number;
  /**
   * Round the embedding table to the encoder's q-bit levels (value = level / (2^q - 1)), so
   * the float SNN already sees what the integer pipeline will (pack rounds to the same levels).
   */
  quantizeInput: boolean;
}

export const DEFAULT_CONVERT: ConvertOptions = {
  timesteps: 16,
  encoder: 'rate',
  bits: 4,
  percentile: 99.9,
  seed: 1,
  maxLen: 64,
  quantizeInput: true,
};

export interface Scales {
  /** Per conv branch: lambda_b. */
  conv: number[];
  /** Output population: lambda_o. */
  out: number;
}

/** The p-th percentile (0..100) of the positive values (linear interpolation). */
export function positivePercentile(values: Float32Array, p: number): number {
  const pos = values.filter((v) => v > 0).sort();
  if (pos.length === 0) return 1;
  const r = (Math.min(100, Math.max(0, p)) / 100) * (pos.length - 1);
  const lo = Math.floor(r);
  const hi = Math.min(pos.length - 1, lo + 1);
  return pos[lo] + (pos[hi] - pos[lo]) * (r - lo);
}

/** Measures lambda per layer on `rows` (token ids) with the ANN in inference mode. */
export function measureScales(shape: TextCnnShape, w: TextCnnWeights, rows: Int32Array[], maxLen: number, percentile: number): Scales {
  const params = makeParams(shape, w, false);
  const conv: number[][] = shape.widths.map(() => []);
  const out: number[] = [];
  const B = 128;
  for (let i = 0; i < rows.length; i += B) {
    const part = rows.slice(i, i + B);
    const batch = makeBatch(part, maxLen);
    const L = batch.ids.shape[1];
    const res = tf.tidy(() => {
      const f = forward(params, batch);
      return { c: f.convActs.map((a) => a.dataSync().slice()), o: f.outActs.dataSync().slice() };
    });
    const n = batch.n.dataSync();
    res.c.forEach((a, b) => {
      for (let s = 0; s < part.length; s++)
        for (let p = 0; p < n[s]; p++)
          for (let c = 0; c < shape.maps; c++) {
            const v = a[(s * L + p) * shape.maps + c];
            if (v > 0) conv[b].push(v);
          }
    });
    for (const v of res.o) if (v > 0) out.push(v);
    disposeBatch(batch);
  }
  disposeParams(params);
  return {
    conv: conv.map((v) => positivePercentile(Float32Array.from(v), percentile)),
    out: positivePercentile(Float32Array.from(out), percentile),
  };
}

function f32(shape: number[], data: Float32Array): FloatTensor {
  return { dtype: 'f32', shape, data };
}

/** The float IR graph of the converted network. */
export function buildGraph(shape: TextCnnShape, w: TextCnnWeights, scales: Scales, o: ConvertOptions): Graph {
  if (scales.conv.length !== shape.widths.length) fail('SNN_E_GRAPH', 'one scale per conv branch is needed');
  const bits = o.encoder === 'binary' ? 1 : o.bits;
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) fail('SNN_E_GRAPH', `encoder bits must be 1..8, got ${o.bits}`);
  let table = w.embedding;
  if (o.quantizeInput) {
    const top = (1 << bits) - 1;
    table = new Float32Array(w.embedding.length);
    for (let i = 0; i < table.length; i++) table[i] = Math.floor(Math.min(1, Math.max(0, w.embedding[i])) * top + 0.5) / top;
  }
  const { vocab, dim, maps, widths } = shape;
  const K = shape.classes * shape.population;
  const nodes: Node[] = [
    { kind: 'tokens', id: 'tokens', maxLen: o.maxLen },
    { kind: 'embedding', id: 'embedding', from: 'tokens', vocab, dim, table: f32([vocab, dim], table) },
    { kind: 'encoder', id: 'encoder', from: 'embedding', scheme: o.encoder, bits, seed: o.seed } satisfies EncoderNode,
  ];
  widths.forEach((k, b) => {
    nodes.push({
      kind: 'conv1d',
      id: `conv${k}`,
      from: 'encoder',
      to: `lif${k}`,
      width: k,
      inChannels: dim,
      outChannels: maps,
      weight: f32([k, dim, maps], w.conv[b].slice()),
    } satisfies Conv1dNode);
    nodes.push({
      kind: 'lif',
      id: `lif${k}`,
      channels: maps,
      perPosition: true,
      reset: 'subtract',
      beta: 1,
      threshold: scales.conv[b],
    } satisfies LifNode);
  });
  widths.forEach((k, b) => {
    const part = new Float32Array(maps * K);
    for (let i = 0; i < maps; i++) for (let j = 0; j < K; j++) part[i * K + j] = w.classifier[(b * maps + i) * K + j] * scales.conv[b];
    nodes.push({
      kind: 'dense',
      id: `pool${k}`,
      from: `lif${k}`,
      to: 'output',
      inFeatures: maps,
      outFeatures: K,
      weight: f32([maps, K], part),
      pool: 'mean-positions',
    } satisfies DenseNode);
  });
  nodes.push({ kind: 'lif', id: 'output', channels: K, perPosition: false, reset: 'subtract', beta: 1, threshold: scales.out });
  nodes.push({ kind: 'readout', id: 'readout', from: 'output', classes: shape.classes, population: shape.population });
  return { timesteps: o.timesteps, nodes, stage: 'float', passes: [] };
}

export interface ModelInfo {
  name: string;
  classes: string[];
  vocab: string[];
  training: Record<string, unknown>;
}

export function buildModel(graph: Graph, info: ModelInfo): Model {
  return {
    meta: { name: info.name, family: 'textcnn', classes: info.classes, training: info.training },
    tokenizer: { kind: 'snnc-word-v1', lowercase: true },
    vocab: info.vocab,
    graph,
  };
}

/** Structural view of a converted TextCNN graph (what snn-tfjs and annForward consume). */
export interface TextCnnGraphView {
  maxLen: number;
  table: FloatTensor;
  vocab: number;
  dim: number;
  encoder: EncoderNode;
  branches: { conv: Conv1dNode; lif: LifNode; dense: DenseNode }[];
  output: LifNode;
  classes: number;
  population: number;
  timesteps: number;
}

/** Finds the TextCNN structure in a float graph, or fails with SNN_E_GRAPH. */
export function viewTextCnn(graph: Graph): TextCnnGraphView {
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  const tokens = graph.nodes.find((n) => n.kind === 'tokens');
  const emb = graph.nodes.find((n) => n.kind === 'embedding');
  const enc = graph.nodes.find((n) => n.kind === 'encoder');
  const readout = graph.nodes.find((n) => n.kind === 'readout');
  if (tokens?.kind !== 'tokens' || emb?.kind !== 'embedding' || enc?.kind !== 'encoder' || readout?.kind !== 'readout')
    fail('SNN_E_GRAPH', 'not a TextCNN graph (tokens, embedding, encoder and readout expected)');
  if (!emb.table || emb.table.dtype !== 'f32') fail('SNN_E_GRAPH', 'the embedding has no float table');
  const output = byId.get(readout.from);
  if (output?.kind !== 'lif') fail('SNN_E_GRAPH', 'the readout does not read a LIF population');
  const branches: TextCnnGraphView['branches'] = [];
  for (const n of graph.nodes) {
    if (n.kind !== 'conv1d') continue;
    const lif = byId.get(n.to);
    const dense = graph.nodes.find((d): d is DenseNode => d.kind === 'dense' && d.from === n.to);
    if (lif?.kind !== 'lif' || !dense || dense.to !== output.id || dense.pool !== 'mean-positions')
      fail('SNN_E_GRAPH', `conv ${n.id} is not followed by a LIF and a pooled dense into the output`);
    if (n.weight.dtype !== 'f32' || dense.weight.dtype !== 'f32') fail('SNN_E_GRAPH', 'a float graph is needed (weights are integers)');
    branches.push({ conv: n, lif, dense });
  }
  if (!branches.length) fail('SNN_E_GRAPH', 'the graph has no conv1d branch');
  return {
    maxLen: tokens.maxLen,
    table: emb.table,
    vocab: emb.vocab,
    dim: emb.dim,
    encoder: enc,
    branches,
    output,
    classes: readout.classes,
    population: readout.population,
    timesteps: graph.timesteps,
  };
}

/**
 * The constant tensors of a TextCNN graph: the embedding table [vocab, dim], per branch the conv
 * weight [width * dim, maps] and the pooled dense weight [maps, K]. Built once and passed to
 * annForward / simulateBatch, so that the 26,636 x 100 table is not uploaded again on every
 * call (about a quarter of a batch-1 call's time). The caller owns them: dispose() when done.
 * They stay tied to the graph's arrays (IR tensors are never changed in place).
 */
export interface TextCnnTensors {
  table: tf.Tensor2D;
  conv: tf.Tensor2D[];
  dense: tf.Tensor2D[];
  /** The graph arrays they were built from: table, then conv and dense data per branch. */
  sources: ArrayLike<number>[];
  dispose(): void;
}

function tensorSources(v: TextCnnGraphView): ArrayLike<number>[] {
  return [v.table.data, ...v.branches.map((b) => b.conv.weight.data), ...v.branches.map((b) => b.dense.weight.data)];
}

/** Builds the constant tensors of a TextCNN graph once (see TextCnnTensors). */
export function textCnnTensors(graph: Graph): TextCnnTensors {
  const v = viewTextCnn(graph);
  const K = v.output.channels;
  const table = tf.tensor2d(v.table.data, [v.vocab, v.dim]);
  const conv = v.branches.map((b) => tf.tensor2d(b.conv.weight.data as Float32Array, [b.conv.width * v.dim, b.conv.outChannels]));
  const dense = v.branches.map((b) => tf.tensor2d(b.dense.weight.data as Float32Array, [b.dense.inFeatures, K]));
  return { table, conv, dense, sources: tensorSources(v), dispose: () => [table, ...conv, ...dense].forEach((x) => x.dispose()) };
}

/** The given constants (checked to belong to the graph), or new ones that the caller disposes. */
export function tensorsFor(graph: Graph, v: TextCnnGraphView, given?: TextCnnTensors): { t: TextCnnTensors; owned: boolean } {
  if (!given) return { t: textCnnTensors(graph), owned: true };
  const src = tensorSources(v);
  if (src.length !== given.sources.length || src.some((a, i) => a !== given.sources[i])) fail('SNN_E_GRAPH', 'the constant tensors were built from another graph');
  return { t: given, owned: false };
}

/**
 * The ANN a converted float graph approximates: a_b = ReLU(conv_b(x)), classifier rows of
 * branch b = dense_b / theta_b; returns class logits [B, classes] (means over populations).
 * `tensors` (textCnnTensors of the same graph) avoids rebuilding the constants per call.
 */
export function annForward(model: Model, batchIds: ArrayLike<number>[], tensors?: TextCnnTensors): Float32Array[] {
  const v = viewTextCnn(model.graph);
  const { t: c, owned } = tensorsFor(model.graph, v, tensors);
  const rows = batchIds.map((r) => Int32Array.from(Array.from(r)));
  const batch = makeBatch(rows, v.maxLen);
  const K = v.classes * v.population;
  const logits = tf.tidy(() => {
    const x = tf.gather(c.table, batch.ids) as unknown as tf.Tensor3D;
    const [B, L] = batch.ids.shape;
    let z: tf.Tensor2D = tf.zeros([B, K]);
    const m = tf.expandDims(batch.mask, 2);
    v.branches.forEach((br, bi) => {
      const k = br.conv.width;
      const w = c.conv[bi];
      const xp = tf.pad(x, [[0, 0], [(k - 1) >> 1, k - 1 - ((k - 1) >> 1)], [0, 0]]);
      const cols = tf.concat(Array.from({ length: k }, (_, j) => tf.slice(xp, [0, j, 0], [B, L, v.dim])), 2);
      const a = tf.relu(tf.reshape(tf.matMul(tf.reshape(cols, [B * L, k * v.dim]), w), [B, L, br.conv.outChannels]));
      const pooled = tf.div(tf.sum(tf.mul(a, m), 1), tf.expandDims(batch.n, 1)) as tf.Tensor2D;
      const wd = tf.div(c.dense[bi], br.lif.threshold);
      z = tf.add(z, tf.matMul(pooled, wd as tf.Tensor2D));
    });
    return tf.mean(tf.reshape(tf.relu(z), [B, v.classes, v.population]), 2);
  });
  const data = logits.dataSync();
  logits.dispose();
  disposeBatch(batch);
  if (owned) c.dispose();
  return rows.map((_, i) => data.slice(i * v.classes, (i + 1) * v.classes) as Float32Array);
}
