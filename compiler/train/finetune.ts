// Surrogate-gradient fine-tuning of the spiking TextCNN (Lv et al., ICLR 2023: conversion, then
// BPTT through the SNN): the float graph's update order (encoder; per LIF leak, integrate, fire,
// reset by subtraction) unrolled over T steps in TF.js, spikes through `spikeFn` (fast sigmoid),
// loss = mean over steps of the cross-entropy of the cumulative class rates. Also builds the
// randomly initialised graph of the directly trained SNN ablation (no ANN, no conversion).

import cliProgress from 'cli-progress';
import type { Conv1dNode, DenseNode, Graph, LifNode, Node } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { seedState, xorshift32 } from '../../core/prng.js';
import { tf } from './backend.js';
import { Adam } from './adam.js';
import { checkCompatible, hasCheckpoint, hashStrings, loadCheckpoint, need, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { buildGraph, viewTextCnn, type ConvertOptions } from './convert.js';
import { im2col, linear } from './ops.js';
import { Prng } from './prng.js';
import { predictSnn } from './snn-tfjs.js';
import { linearConstX, spikeFn } from './surrogate.js';
import { initWeights, type TextCnnShape } from './textcnn.js';
import { accuracy, type EncodedExample, type PreparedData, type ProgressEvent } from './trainer.js';

export interface FinetuneOptions {
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  /** Fast-sigmoid slope k of the surrogate ds/dv = 1 / (theta (1 + k |v/theta - 1|)^2). */
  slope: number;
  /** Class logits = rateScale * (population-mean cumulative spike rate in [0, 1]). */
  rateScale: number;
  /**
   * 'cumulative' (default): CE of the rate over steps 0..t, averaged over t (what the readout
   * sees, and it rewards early correct answers); 'per-step': CE of the spikes of step t alone.
   */
  loss: 'cumulative' | 'per-step';
  /** Multiplies every LIF threshold of the input graph before training (threshold sweep). */
  thresholdScale: number;
  /** BPTT steps; default the graph's T. The saved graph keeps the graph's T. */
  trainTimesteps?: number;
  /** Reset by subtraction without a gradient through the reset (default true). */
  detachReset: boolean;
  /**
   * Dropout on the pooled conv spikes feeding the output population (one mask per sentence
   * and feature, the same at every step), as the ANN had before its classifier. Training only.
   */
  dropout: number;
  /**
   * Firing-rate penalty: loss += ratePenalty * the fan-out-weighted firing rate of the hidden
   * populations, sum_l F_l S_l / sum_l F_l N_l (S_l spikes, N_l real neuron-steps, F_l the
   * synaptic additions one spike of l causes: the pooled dense row length for a conv
   * population; 0 for the output population, whose spikes are only counted). 0 = off.
   */
  ratePenalty: number;
  /** Conv weights that are exactly 0 in the input graph (pruned) stay 0: the conv weights are multiplied by their nonzero mask. */
  keepZeros: boolean;
  checkpointDir?: string;
  resume: boolean;
  quiet: boolean;
  onProgress?: (ev: ProgressEvent) => void;
}

export const FINETUNE_DEFAULTS: Omit<FinetuneOptions, 'checkpointDir' | 'onProgress'> = {
  epochs: 3,
  batch: 50,
  lr: 1e-4,
  seed: 1,
  slope: 5,
  rateScale: 10,
  loss: 'cumulative',
  thresholdScale: 1,
  detachReset: true,
  dropout: 0.5,
  ratePenalty: 0,
  keepZeros: false,
  resume: false,
  quiet: false,
};

export interface FinetuneResult {
  /** Best-dev graph (float, same structure as the input). */
  graph: Graph;
  /** Graph after the last epoch. */
  last: Graph;
  /** Dev accuracy of the input graph (thresholds scaled), before any update. */
  initialDev: number;
  bestDev: number;
  bestEpoch: number;
  history: CheckpointMeta['history'];
  secondsPerEpoch: number;
}

/** Multiplies every LIF threshold by `s` (s = 1: the same graph object). */
export function scaleThresholds(graph: Graph, s: number): Graph {
  if (s === 1) return graph;
  if (!(s > 0)) fail('SNN_E_USAGE', `threshold scale must be positive, got ${s}`);
  return { ...graph, nodes: graph.nodes.map((n) => (n.kind === 'lif' ? { ...n, threshold: n.threshold * s } : n)) };
}

/** Copy of a TextCNN graph with new conv and pooled-dense weights (per branch, graph order). */
export function withWeights(graph: Graph, conv: Float32Array[], dense: Float32Array[]): Graph {
  const v = viewTextCnn(graph);
  const convIds = v.branches.map((b) => b.conv.id);
  const denseIds = v.branches.map((b) => b.dense.id);
  const nodes: Node[] = graph.nodes.map((n) => {
    const ci = convIds.indexOf(n.id);
    if (n.kind === 'conv1d' && ci >= 0) return { ...n, weight: { dtype: 'f32', shape: [...n.weight.shape], data: conv[ci].slice() } } satisfies Conv1dNode;
    const di = denseIds.indexOf(n.id);
    if (n.kind === 'dense' && di >= 0) return { ...n, weight: { dtype: 'f32', shape: [...n.weight.shape], data: dense[di].slice() } } satisfies DenseNode;
    return n;
  });
  return { ...graph, nodes };
}

/**
 * The directly trained SNN's starting point: centred Glorot weights (the ANN's init), every
 * threshold `threshold`, the embedding table as given (GloVe or random, see `randomTable`).
 */
export function directInitGraph(shape: TextCnnShape, table: Float32Array, threshold: number, conv: ConvertOptions, rng: Prng, initGain = 1): Graph {
  const w = initWeights(shape, table, rng, initGain);
  return buildGraph(shape, w, { conv: shape.widths.map(() => threshold), out: threshold }, conv);
}

/** A random positive table in [0, 1) (row 0 = <pad> zeros), for the random-embedding ablation. */
export function randomTable(vocab: number, dim: number, rng: Prng): Float32Array {
  const t = new Float32Array(vocab * dim);
  for (let i = dim; i < t.length; i++) t[i] = rng.next();
  return t;
}

// -------------------------------------------------------------------------------- batches

interface HostBatch {
  B: number;
  L: number;
  n: number[];
  mask: Float32Array;
  /** Encoder spikes [T, B, L, D], the reference's float encoder. */
  spikes: Float32Array;
}

/** The float encoder of runtime/reference.ts on the host, for every step at once. */
export function encodeBatch(rows: Int32Array[], maxLen: number, table: Float32Array, dim: number, scheme: 'rate' | 'binary' | 'poisson', seed: number, T: number): HostBatch {
  const B = rows.length;
  const n = rows.map((r) => Math.max(1, Math.min(r.length, maxLen)));
  const L = Math.max(...n);
  const D = dim;
  const mask = new Float32Array(B * L);
  const value = new Float64Array(B * L * D);
  rows.forEach((r, b) => {
    for (let p = 0; p < n[b]; p++) {
      mask[b * L + p] = 1;
      const id = r[p] ?? 1;
      for (let d = 0; d < D; d++) value[(b * L + p) * D + d] = table[id * D + d];
    }
  });
  const spikes = new Float32Array(T * B * L * D);
  const size = B * L * D;
  if (scheme === 'poisson') {
    for (let b = 0; b < B; b++) {
      let r = seedState(seed);
      for (let t = 0; t < T; t++)
        for (let i = 0; i < n[b] * D; i++) {
          r = xorshift32(r);
          const idx = b * L * D + i;
          spikes[t * size + idx] = r >>> 16 < value[idx] * 65536 ? 1 : 0;
        }
    }
  } else {
    const acc = new Float64Array(size).fill(0.5);
    for (let t = 0; t < T; t++)
      for (let i = 0; i < size; i++) {
        const a = acc[i] + value[i];
        if (a >= 1) {
          acc[i] = a - 1;
          spikes[t * size + i] = 1;
        } else acc[i] = a;
      }
  }
  return { B, L, n, mask, spikes };
}

/** Length-bucketed batches (less padding, hence less work per step), in a seeded order. */
export function bucketBatches(xs: EncodedExample[], batch: number, rng: Prng): number[][] {
  const keys = xs.map((x, i) => ({ i, len: x.ids.length, r: rng.next() }));
  keys.sort((a, b) => a.len - b.len || a.r - b.r);
  const out: number[][] = [];
  for (let s = 0; s < keys.length; s += batch) out.push(keys.slice(s, s + batch).map((k) => k.i));
  return rng.shuffle(out);
}

// ------------------------------------------------------------------------------- the model

interface Params {
  /** Per branch: U, s of W = (U - colmean U) + s / K (the trainer's centred parametrisation). */
  convU: tf.Variable<tf.Rank.R2>[];
  convS: tf.Variable<tf.Rank.R2>[];
  denseU: tf.Variable<tf.Rank.R2>[];
  denseS: tf.Variable<tf.Rank.R2>[];
  /** Per branch: 1 where the input graph's conv weight is nonzero (with keepZeros). */
  convMask?: tf.Tensor2D[];
}

function convWeight(p: Params, b: number): tf.Tensor2D {
  const w = effective(p.convU[b], p.convS[b]);
  return p.convMask ? tf.mul(w, p.convMask[b]) : w;
}

let serial = 0;

function centredVars(w: Float32Array, K: number, M: number, name: string): [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R2>] {
  const s = new Float32Array(M);
  for (let i = 0; i < K; i++) for (let j = 0; j < M; j++) s[j] += w[i * M + j];
  const id = ++serial;
  return tf.tidy(() => [tf.variable(tf.tensor2d(w, [K, M]), true, `${name}U_${id}`), tf.variable(tf.tensor2d(s, [1, M]), true, `${name}S_${id}`)]);
}

function effective(u: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.sub(u, tf.mean(u, 0, true)), tf.div(s, u.shape[0]));
}

function varsOf(p: Params): tf.Variable[] {
  return [...p.convU, ...p.convS, ...p.denseU, ...p.denseS];
}

function readEffective(p: Params): { conv: Float32Array[]; dense: Float32Array[] } {
  return tf.tidy(() => ({
    conv: p.convU.map((_, i) => convWeight(p, i).dataSync().slice() as Float32Array),
    dense: p.denseU.map((u, i) => effective(u, p.denseS[i]).dataSync().slice() as Float32Array),
  }));
}

interface Structure {
  D: number;
  K: number;
  classes: number;
  population: number;
  branches: { width: number; maps: number; theta: number; beta: number }[];
  out: { theta: number; beta: number };
}

/**
 * The unrolled SNN on one batch: returns the loss and the predicted labels (argmax of the final
 * class counts, ties to the lowest class like the readout). Conv currents for all steps come
 * from one matMul per branch (the encoder spikes do not depend on the weights).
 */
interface BatchConsts {
  cols: tf.Tensor2D[];
  /** Real positions in the batch (sum of n): neuron-steps of a per-position population = positions * channels * T. */
  positions: number;
  mask3: tf.Tensor3D;
  outTheta: tf.Tensor2D;
  onehot: tf.Tensor2D;
  /** Per branch [1, B, maps] dropout mask scaled by 1 / keep, or none. */
  drop?: tf.Tensor3D[];
  B: number;
  L: number;
}

/** Tensors that do not depend on the weights; made outside the gradient scope (its tidy would free them before the backward pass). */
function batchConsts(st: Structure, hb: HostBatch, labels: number[], T: number, dropout: number, rng: Prng): BatchConsts {
  const { B, L } = hb;
  const keep = 1 - dropout;
  const masks =
    dropout > 0
      ? st.branches.map((br) => {
          const m = new Float32Array(B * br.maps);
          for (let i = 0; i < m.length; i++) m[i] = rng.next() < keep ? 1 / keep : 0;
          return m;
        })
      : undefined;
  return tf.tidy(() => {
    const sIn = tf.tensor3d(hb.spikes.subarray(0, T * B * L * st.D), [T * B, L, st.D]);
    return {
      cols: st.branches.map((br) => im2col(sIn, br.width)),
      mask3: tf.tensor3d(hb.mask, [B, L, 1]),
      outTheta: tf.tensor2d(
        hb.n.map((x) => st.out.theta * x),
        [B, 1],
      ),
      onehot: tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), st.classes) as tf.Tensor2D,
      drop: masks?.map((m, b) => tf.tensor3d(m, [1, B, st.branches[b].maps])),
      positions: hb.n.reduce((a, x) => a + x, 0),
      B,
      L,
    };
  });
}

function disposeConsts(c: BatchConsts): void {
  [...c.cols, c.mask3, c.outTheta, c.onehot, ...(c.drop ?? [])].forEach((x) => x.dispose());
}

/**
 * The unrolled SNN on one batch: returns the loss and the final class spike counts. Conv
 * currents for all steps come from one matMul per branch (the encoder spikes do not depend on
 * the weights).
 */
function lossOnBatch(p: Params, st: Structure, k: BatchConsts, T: number, o: FinetuneOptions): { loss: tf.Scalar; counts: tf.Tensor2D; rate: tf.Scalar } {
  const { B, L, cols, mask3, outTheta, onehot } = k;
  const K = st.K;
  let counts: tf.Tensor2D | undefined;
  let rate: tf.Scalar | undefined;
  const loss = tf.tidy(() => {
    let iOut: tf.Tensor2D | undefined;
    const layerSpikes: tf.Scalar[] = [];
    st.branches.forEach((br, b) => {
      const w = convWeight(p, b);
      const I = tf.reshape(linearConstX(cols[b], w), [T, B, L, br.maps]);
      const It = tf.unstack(I);
      let v: tf.Tensor = tf.zeros([B, L, br.maps]);
      const spikes: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        v = tf.add(br.beta === 1 ? v : tf.mul(v, br.beta), It[t]);
        const s = tf.mul(spikeFn(v, br.theta, o.slope), mask3);
        const reset = o.detachReset ? tf.mul(tf.cast(tf.greaterEqual(v, br.theta), 'float32'), mask3) : s;
        v = tf.sub(v, tf.mul(reset, br.theta));
        spikes.push(tf.sum(s, 1)); // [B, maps]: spikes summed over positions
      }
      let stacked = tf.stack(spikes); // [T, B, maps]
      layerSpikes.push(tf.sum(stacked) as tf.Scalar);
      if (k.drop) stacked = tf.mul(stacked, k.drop[b]);
      const pooled = tf.reshape(stacked, [T * B, br.maps]) as tf.Tensor2D;
      const wd = effective(p.denseU[b], p.denseS[b]);
      const cur = linear(pooled, wd);
      iOut = iOut ? (tf.add(iOut, cur) as tf.Tensor2D) : cur;
    });
    const It = tf.unstack(tf.reshape(iOut!, [T, B, K]));
    let v: tf.Tensor = tf.zeros([B, K]);
    let c: tf.Tensor = tf.zeros([B, K]);
    let total: tf.Tensor = tf.scalar(0);
    for (let t = 0; t < T; t++) {
      v = tf.add(st.out.beta === 1 ? v : tf.mul(v, st.out.beta), It[t]);
      const s = spikeFn(v, outTheta, o.slope);
      const reset = o.detachReset ? tf.cast(tf.greaterEqual(v, outTheta), 'float32') : s;
      v = tf.sub(v, tf.mul(reset, outTheta));
      c = tf.add(c, s);
      const rate = o.loss === 'cumulative' ? tf.div(c, t + 1) : s;
      const cls = tf.mean(tf.reshape(rate, [B, st.classes, st.population]), 2);
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(tf.mul(cls, o.rateScale))), 1)));
      total = tf.add(total, ce);
    }
    counts = tf.keep(tf.sum(tf.reshape(c, [B, st.classes, st.population]), 2) as tf.Tensor2D);
    // every conv spike adds one pooled dense row of K weights
    const r = fanoutRate(
      layerSpikes,
      st.branches.map(() => K),
      st.branches.map((br) => k.positions * br.maps * T),
    );
    rate = tf.keep(r);
    const ce = tf.div(total, T) as tf.Scalar;
    return o.ratePenalty ? (tf.add(ce, tf.mul(r, o.ratePenalty)) as tf.Scalar) : ce;
  });
  return { loss, counts: counts!, rate: rate! };
}

/**
 * The fan-out-weighted firing rate sum_l F_l S_l / sum_l F_l N_l of populations with spike
 * totals S_l (differentiable), fan-outs F_l (synaptic additions per spike) and N_l real
 * neuron-steps: the share of the hidden layers' possible synaptic additions that happen.
 */
export function fanoutRate(spikes: tf.Scalar[], fanOut: number[], neuronSteps: number[]): tf.Scalar {
  let den = 0;
  fanOut.forEach((f, l) => (den += f * neuronSteps[l]));
  if (!(den > 0)) return tf.scalar(0);
  return tf.tidy(() => spikes.reduce((a: tf.Scalar, s, l) => tf.add(a, tf.mul(s, fanOut[l] / den)) as tf.Scalar, tf.scalar(0)));
}

function structureOf(graph: Graph): Structure {
  const v = viewTextCnn(graph);
  const lifReset = [...v.branches.map((b) => b.lif), v.output].find((l: LifNode) => l.reset !== 'subtract');
  if (lifReset) fail('SNN_E_GRAPH', `fine-tuning needs reset by subtraction; ${lifReset.id} resets to zero`);
  return {
    D: v.dim,
    K: v.output.channels,
    classes: v.classes,
    population: v.population,
    branches: v.branches.map((b) => ({ width: b.conv.width, maps: b.conv.outChannels, theta: b.lif.threshold, beta: b.lif.beta })),
    out: { theta: v.output.threshold, beta: v.output.beta },
  };
}

function weightHash(graph: Graph): string {
  const v = viewTextCnn(graph);
  const parts: string[] = [String(v.timesteps), v.encoder.scheme, String(v.encoder.bits)];
  for (const b of v.branches) {
    let a = 0;
    const w = b.conv.weight.data;
    for (let i = 0; i < w.length; i += 97) a += w[i] * ((i % 13) + 1);
    let d = 0;
    const x = b.dense.weight.data;
    for (let i = 0; i < x.length; i += 7) d += x[i] * ((i % 11) + 1);
    parts.push(b.lif.threshold.toPrecision(8), a.toPrecision(8), d.toPrecision(8));
  }
  parts.push(v.output.threshold.toPrecision(8));
  return hashStrings(parts);
}

/** Dev accuracy of a float TextCNN graph with the dense TF.js SNN. */
export function snnAccuracy(graph: Graph, xs: EncodedExample[]): number {
  if (!xs.length) return 0;
  return accuracy(
    predictSnn(
      graph,
      xs.map((x) => x.ids),
    ).labels,
    xs,
  );
}

/** BPTT fine-tuning of a float TextCNN graph; returns the best-dev graph. */
export async function finetuneTextCnn(graphIn: Graph, data: PreparedData, opts: Partial<FinetuneOptions> = {}): Promise<FinetuneResult> {
  const o: FinetuneOptions = { ...FINETUNE_DEFAULTS, ...opts } as FinetuneOptions;
  const graph0 = scaleThresholds(graphIn, o.thresholdScale);
  const view = viewTextCnn(graph0);
  const st = structureOf(graph0);
  const T = o.trainTimesteps ?? view.timesteps;
  if (!Number.isInteger(T) || T < 1) fail('SNN_E_USAGE', `train timesteps must be a positive integer, got ${T}`);
  const table = view.table.data;
  const p: Params = { convU: [], convS: [], denseU: [], denseS: [] };
  view.branches.forEach((b) => {
    const [cu, cs] = centredVars(b.conv.weight.data as Float32Array, b.conv.width * st.D, b.conv.outChannels, `ft_conv${b.conv.width}`);
    const [du, ds] = centredVars(b.dense.weight.data as Float32Array, b.dense.inFeatures, st.K, `ft_dense${b.conv.width}`);
    p.convU.push(cu);
    p.convS.push(cs);
    p.denseU.push(du);
    p.denseS.push(ds);
  });
  if (o.keepZeros)
    p.convMask = view.branches.map((b) => tf.tidy(() => tf.cast(tf.notEqual(tf.tensor2d(b.conv.weight.data as Float32Array, [b.conv.width * st.D, b.conv.outChannels]), 0), 'float32') as tf.Tensor2D));
  const vars = varsOf(p);
  const adam = new Adam(vars, { lr: o.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: 0 });
  const rng = new Prng(o.seed ^ 0x5f3759df);
  const fp = {
    kind: 'finetune',
    dataset: data.dataset,
    train: data.train.length,
    batch: o.batch,
    lr: o.lr,
    seed: o.seed,
    slope: o.slope,
    rateScale: o.rateScale,
    loss: o.loss,
    thresholdScale: o.thresholdScale,
    trainTimesteps: T,
    detachReset: o.detachReset,
    dropout: o.dropout,
    ...(o.ratePenalty ? { ratePenalty: o.ratePenalty } : {}),
    ...(o.keepZeros ? { keepZeros: true } : {}),
    graph: weightHash(graphIn),
  };
  const vocabHash = hashStrings([...data.vocab, String(data.dim)]);

  let epoch0 = 0;
  let bestW = readEffective(p);
  let bestDev = -1;
  let bestEpoch = 0;
  let initialDev = -1;
  let history: CheckpointMeta['history'] = [];
  if (o.resume && o.checkpointDir && hasCheckpoint(o.checkpointDir)) {
    const ck = loadCheckpoint(o.checkpointDir);
    checkCompatible(ck, fp, vocabHash);
    bestW = {
      conv: bestW.conv.map((c, i) => need(ck, `best.conv${i}`, c.length)),
      dense: bestW.dense.map((c, i) => need(ck, `best.dense${i}`, c.length)),
    };
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(need(ck, `w.var${i}`, v.size), v.shape))));
    adam.setState({ step: ck.meta.adamStep, m: vars.map((v, i) => need(ck, `adam.m${i}`, v.size)), v: vars.map((v, i) => need(ck, `adam.v${i}`, v.size)) });
    rng.state = ck.meta.rngState >>> 0;
    epoch0 = ck.meta.epoch;
    bestDev = ck.meta.bestDev;
    bestEpoch = ck.meta.bestEpoch;
    history = ck.meta.history;
    initialDev = need(ck, 'initialDevCorrect', 1)[0] / Math.max(1, data.dev.length);
    o.onProgress?.({ kind: 'resume', epoch: epoch0 });
  } else {
    // epoch 0 = the converted graph itself: fine-tuning must beat it to replace it
    initialDev = snnAccuracy(graph0, data.dev);
    bestDev = initialDev;
  }

  const tty = !o.quiet && process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar({ format: 'finetune {epoch}/{epochs} [{bar}] {value}/{total} loss {loss}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  const enc = view.encoder;
  for (let epoch = epoch0 + 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    const batches = bucketBatches(data.train, o.batch, rng);
    let lossSum = 0;
    let correct = 0;
    let rateSum = 0;
    let ratePositions = 0;
    bar?.start(batches.length, 0, { epoch, epochs: o.epochs, loss: '-' });
    for (let s = 0; s < batches.length; s++) {
      const idx = batches[s];
      const hb = encodeBatch(
        idx.map((i) => data.train[i].ids),
        view.maxLen,
        table,
        st.D,
        enc.scheme as 'rate' | 'binary' | 'poisson', // text models: never a direct spike input
        enc.seed,
        T,
      );
      const labels = idx.map((i) => data.train[i].label);
      let counts: tf.Tensor2D | undefined;
      let rateT: tf.Scalar | undefined;
      const consts = batchConsts(st, hb, labels, T, o.dropout, rng);
      const { value, grads } = tf.variableGrads(() => {
        const r = lossOnBatch(p, st, consts, T, o);
        counts = r.counts;
        rateT = r.rate;
        return r.loss;
      }, vars);
      rateSum += rateT!.dataSync()[0] * consts.positions;
      ratePositions += consts.positions;
      rateT!.dispose();
      disposeConsts(consts);
      adam.apply(vars.map((v) => grads[v.name]));
      const loss = value.dataSync()[0];
      if (!Number.isFinite(loss)) fail('SNN_E_NAN', `fine-tuning diverged (loss ${loss}) at epoch ${epoch}, step ${s + 1}`, 'lower --ft-lr');
      const c = counts!.dataSync();
      labels.forEach((y, k) => {
        let best = 0;
        for (let j = 1; j < st.classes; j++) if (c[k * st.classes + j] > c[k * st.classes + best]) best = j;
        correct += best === y ? 1 : 0;
      });
      lossSum += loss * idx.length;
      value.dispose();
      counts!.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      bar?.update(s + 1, { loss: loss.toFixed(4) });
      await new Promise<void>((r) => setImmediate(r));
      o.onProgress?.({ kind: 'step', epoch, step: s + 1, steps: batches.length, loss });
    }
    bar?.stop();
    const cur = readEffective(p);
    const devAcc = snnAccuracy(withWeights(graph0, cur.conv, cur.dense), data.dev);
    const seconds = (performance.now() - t0) / 1000;
    const loss = lossSum / data.train.length;
    const trainAcc = correct / data.train.length;
    const isBest = devAcc > bestDev;
    if (isBest) {
      bestDev = devAcc;
      bestEpoch = epoch;
      bestW = cur;
    }
    const firingRate = ratePositions ? rateSum / ratePositions : 0;
    history.push({ epoch, loss, trainAcc, devAcc, seconds, firingRate });
    if (!o.quiet)
      process.stderr.write(
        `finetune ${epoch}/${o.epochs}: loss ${loss.toFixed(4)} train ${(trainAcc * 100).toFixed(2)}% dev ${(devAcc * 100).toFixed(2)}%${isBest ? ' *' : ''} hidden firing ${(100 * firingRate).toFixed(2)}% (${seconds.toFixed(1)} s)\n`,
      );
    o.onProgress?.({ kind: 'epoch', epoch, epochs: o.epochs, loss, trainAcc, devAcc, seconds, best: isBest });
    if (o.checkpointDir) {
      const tensors = new Map<string, Float32Array>();
      vars.forEach((v, i) => tensors.set(`w.var${i}`, v.dataSync().slice() as Float32Array));
      bestW.conv.forEach((c, i) => tensors.set(`best.conv${i}`, c));
      bestW.dense.forEach((c, i) => tensors.set(`best.dense${i}`, c));
      tensors.set('initialDevCorrect', Float32Array.of(Math.round(initialDev * data.dev.length)));
      const sa = adam.getState();
      sa.m.forEach((t, i) => tensors.set(`adam.m${i}`, t));
      sa.v.forEach((t, i) => tensors.set(`adam.v${i}`, t));
      saveCheckpoint(o.checkpointDir, {
        meta: { epoch, rngState: rng.state, adamStep: adam.step, fingerprint: fp, vocabHash, bestDev, bestEpoch, history },
        tensors,
      });
    }
  }
  const last = readEffective(p);
  adam.dispose();
  vars.forEach((v) => v.dispose());
  p.convMask?.forEach((m) => m.dispose());
  const secs = history.map((h) => h.seconds);
  return {
    graph: withWeights(graph0, bestW.conv, bestW.dense),
    last: withWeights(graph0, last.conv, last.dense),
    initialDev,
    bestDev,
    bestEpoch,
    history,
    secondsPerEpoch: secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : 0,
  };
}
