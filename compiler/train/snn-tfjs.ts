// The converted float TextCNN SNN simulated as dense TF.js tensor ops over T steps, a batch
// of sentences at a time: the same update order as runtime/reference.ts (encoder, then each
// LIF in graph order: leak, integrate, fire, reset), in float32 instead of float64. It is the
// "dense TF.js SNN" baseline of the benchmarks and the evaluator of fine-tuning (finetune.ts
// holds the differentiable twin of this loop).

import type { Graph } from '../ir/types.js';
import { seedState, xorshift32 } from '../../core/prng.js';
import { fail } from '../../core/errors.js';
import { tf } from './backend.js';
import { tensorsFor, textCnnTensors, viewTextCnn, type TextCnnTensors } from './convert.js';
import { im2col } from './ops.js';

export interface SnnBatchResult {
  labels: number[];
  /** Per sentence: spike count per class (sum over the population). */
  scores: number[][];
  /** Spikes per LIF population (graph order: conv branches, then output), summed over the batch. */
  layerSpikes: number[];
  /** Encoder spikes summed over the batch. */
  inputSpikes: number;
  /** Per LIF population (graph order): neurons that spiked at least once, summed over the batch. */
  activeNeurons: number[];
  /** Per LIF population: neurons that exist (real positions only), summed over the batch. */
  neurons: number[];
}

/**
 * Simulates one batch (ids per sentence; each truncated to maxLen, must be non-empty).
 * `tensors` (textCnnTensors of the same graph) avoids rebuilding the constants per call.
 */
export function simulateBatch(graph: Graph, batchIds: ArrayLike<number>[], tensors?: TextCnnTensors): SnnBatchResult {
  const v = viewTextCnn(graph);
  const B = batchIds.length;
  const rows = batchIds.map((r) => Array.from(r).slice(0, v.maxLen));
  for (const r of rows) if (r.length === 0) fail('SNN_E_INPUT', 'no tokens to classify', 'pass non-empty text');
  const n = rows.map((r) => r.length);
  const L = Math.max(...n);
  const D = v.dim;
  const ids = new Int32Array(B * L);
  const mask = new Float32Array(B * L);
  rows.forEach((r, b) =>
    r.forEach((id, p) => {
      if (!Number.isInteger(id) || id < 0 || id >= v.vocab) fail('SNN_E_INPUT', `token id ${id} is outside the vocabulary (0..${v.vocab - 1})`);
      ids[b * L + p] = id;
      mask[b * L + p] = 1;
    }),
  );
  const enc = v.encoder;
  const poisson = enc.scheme === 'poisson';
  const K = v.output.channels;
  const T = v.timesteps;

  // constants
  const { t: consts, owned } = tensorsFor(graph, v, tensors);
  const idsT = tf.tensor2d(ids, [B, L], 'int32');
  const value = tf.gather(consts.table, idsT) as unknown as tf.Tensor3D; // [B, L, D]
  const posMask = tf.tensor3d(mask, [B, L, 1]);
  const convW = consts.conv;
  const denseW = consts.dense;
  const outTheta = tf.tensor2d(
    n.map((x) => v.output.threshold * x),
    [B, 1],
  );

  // Poisson draws replicate the reference's per-sentence xorshift32 stream on the host.
  const valuesHost = poisson ? (value.dataSync() as Float32Array) : undefined;
  const rng = rows.map(() => seedState(enc.seed));
  const poissonStep = (): tf.Tensor3D => {
    const s = new Float32Array(B * L * D);
    for (let b = 0; b < B; b++) {
      let r = rng[b];
      for (let i = 0; i < n[b] * D; i++) {
        r = xorshift32(r);
        const u = r >>> 16;
        const idx = b * L * D + i;
        s[idx] = u < valuesHost![idx] * 65536 ? 1 : 0;
      }
      rng[b] = r;
    }
    return tf.tensor3d(s, [B, L, D]);
  };

  // state
  let acc: tf.Tensor3D = tf.tidy(() => tf.mul(tf.onesLike(value), 0.5));
  let vConv: tf.Tensor3D[] = v.branches.map((br) => tf.zeros([B, L, br.conv.outChannels]));
  let vOut: tf.Tensor2D = tf.zeros([B, K]);
  let counts: tf.Tensor2D = tf.zeros([B, K]);
  let layerCounts: tf.Tensor1D = tf.zeros([v.branches.length + 2]);
  // neurons that have spiked so far (for the share of active neurons)
  let ever: tf.Tensor[] = [...v.branches.map((br) => tf.zeros([B, L, br.conv.outChannels])), tf.zeros([B, K])];

  const lif = (vm: tf.Tensor, input: tf.Tensor, theta: number | tf.Tensor, beta: number, reset: 'subtract' | 'zero', m?: tf.Tensor): [tf.Tensor, tf.Tensor] => {
    const v1 = beta === 1 ? tf.add(vm, input) : tf.add(tf.mul(vm, beta), input);
    let s = tf.cast(tf.greaterEqual(v1, theta), 'float32');
    if (m) s = tf.mul(s, m);
    const v2 = reset === 'subtract' ? tf.sub(v1, tf.mul(s, theta)) : tf.mul(v1, tf.sub(1, s));
    return [v2, s];
  };

  for (let t = 0; t < T; t++) {
    const pin = poisson ? poissonStep() : undefined;
    const next = tf.tidy(() => {
      let sIn: tf.Tensor3D;
      let acc2 = acc;
      if (pin) sIn = pin;
      else {
        const a = tf.add(acc, value);
        sIn = tf.cast(tf.greaterEqual(a, 1), 'float32') as tf.Tensor3D;
        acc2 = tf.sub(a, sIn);
      }
      const [Bn, Ln] = [B, L];
      const vc: tf.Tensor3D[] = [];
      const ev: tf.Tensor[] = [];
      const spikeSums: tf.Tensor[] = [tf.sum(sIn)];
      let iOut: tf.Tensor2D = tf.zeros([Bn, K]);
      v.branches.forEach((br, i) => {
        const cols = im2col(sIn, br.conv.width);
        const I = tf.reshape(tf.matMul(cols, convW[i]), [Bn, Ln, br.conv.outChannels]);
        const [v2, s] = lif(vConv[i], I, br.lif.threshold, br.lif.beta, br.lif.reset, posMask);
        vc.push(v2 as tf.Tensor3D);
        ev.push(tf.maximum(ever[i], s));
        spikeSums.push(tf.sum(s));
        const pooled = tf.sum(s, 1) as tf.Tensor2D; // [B, C]: sum over positions
        iOut = tf.add(iOut, tf.matMul(pooled, denseW[i]));
      });
      const [vo, so] = lif(vOut, iOut, outTheta, v.output.beta, v.output.reset);
      spikeSums.push(tf.sum(so));
      ev.push(tf.maximum(ever[ever.length - 1], so));
      return {
        ev,
        acc: acc2 as tf.Tensor3D,
        vc,
        vo: vo as tf.Tensor2D,
        counts: tf.add(counts, so) as tf.Tensor2D,
        layer: tf.add(layerCounts, tf.stack(spikeSums)) as tf.Tensor1D,
      };
    });
    pin?.dispose();
    if (next.acc !== acc) acc.dispose();
    vConv.forEach((x) => x.dispose());
    vOut.dispose();
    counts.dispose();
    layerCounts.dispose();
    ever.forEach((x) => x.dispose());
    ever = next.ev;
    acc = next.acc;
    vConv = next.vc;
    vOut = next.vo;
    counts = next.counts;
    layerCounts = next.layer;
  }

  const c = counts.dataSync();
  const lc = Array.from(layerCounts.dataSync());
  const activeNeurons = ever.map((x) => tf.tidy(() => tf.sum(x).dataSync()[0]));
  const realPositions = n.reduce((a, x) => a + x, 0);
  const neurons = [...v.branches.map((br) => realPositions * br.conv.outChannels), B * K];
  ever.forEach((x) => x.dispose());
  [idsT, value, posMask, outTheta, acc, vOut, counts, layerCounts, ...vConv].forEach((x) => x.dispose());
  if (owned) consts.dispose();
  const scores: number[][] = [];
  const labels: number[] = [];
  for (let b = 0; b < B; b++) {
    const sc = new Array<number>(v.classes).fill(0);
    for (let k = 0; k < v.classes; k++) for (let j = 0; j < v.population; j++) sc[k] += Math.round(c[b * K + k * v.population + j]);
    let best = 0;
    for (let k = 1; k < v.classes; k++) if (sc[k] > sc[best]) best = k;
    scores.push(sc);
    labels.push(best);
  }
  return { labels, scores, layerSpikes: lc.slice(1), inputSpikes: lc[0], activeNeurons, neurons };
}

/** Labels for many sentences: sorted by length into batches (less padding), original order kept. */
export function predictSnn(graph: Graph, ids: ArrayLike<number>[], batch = 64): SnnBatchResult {
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  const labels = new Array<number>(ids.length);
  const scores = new Array<number[]>(ids.length);
  let layerSpikes: number[] = [];
  let inputSpikes = 0;
  let activeNeurons: number[] = [];
  let neurons: number[] = [];
  const consts = textCnnTensors(graph);
  for (let i = 0; i < order.length; i += batch) {
    const part = order.slice(i, i + batch);
    const r = simulateBatch(
      graph,
      part.map((j) => ids[j]),
      consts,
    );
    part.forEach((j, k) => {
      labels[j] = r.labels[k];
      scores[j] = r.scores[k];
    });
    layerSpikes = layerSpikes.length ? layerSpikes.map((x, k) => x + r.layerSpikes[k]) : r.layerSpikes;
    inputSpikes += r.inputSpikes;
    activeNeurons = activeNeurons.length ? activeNeurons.map((x, k) => x + r.activeNeurons[k]) : r.activeNeurons;
    neurons = neurons.length ? neurons.map((x, k) => x + r.neurons[k]) : r.neurons;
  }
  consts.dispose();
  return { labels, scores, layerSpikes, inputSpikes, activeNeurons, neurons };
}
