// The twin ANN (docs/ann.md): the tailored ANN of a spiking TextCNN, i.e. the network the
// converter and the fine-tuner approximate (compiler/train/convert.ts annForward): the same
// conv weights with ReLU instead of LIF, masked mean pooling, the classifier rows of branch b
// divided by its threshold θ_b (undoing the conversion's W'_b = W_b · λ_b), ReLU on the output
// population, class score = mean of its population. Its input is the encoder's levels
// (x = L / (2^q − 1)), which is what the trained ANN saw (the converter rounds the table to
// them). Here: that float network, and its post-training int8 quantization (per-output-channel
// conv scales, per-branch uint8 activation scales calibrated on sentences, fixed-point
// requantization, a per-tensor int8 classifier), which runtime/ann-int8.ts runs exactly.

import type { Conv1dNode, DenseNode, EmbeddingNode, Graph, LifNode, Model } from '../../ir/types.js';
import { fail } from '../../../core/errors.js';
import { roundHalfAway, type Int8Ann, type Int8Conv } from '../../../core/ann-int8.js';
import { packLevels, toLevel } from '../../../core/levels.js';

/** The float tailored ANN of a TextCNN graph. */
export interface FloatAnn {
  maxLen: number;
  vocab: number;
  dim: number;
  bits: number;
  /** The float embedding table [vocab][dim] (positive-shifted values in [0, 1]). */
  table: Float32Array;
  /** Input levels [vocab][dim] (0 .. 2^bits − 1), rounded from the table as the pack pass does. */
  levels: Uint8Array;
  branches: { id: string; width: number; cin: number; cout: number; /** [width][cin][cout] */ weight: Float32Array; /** [cout][K], already divided by θ_b */ classifier: Float64Array }[];
  outputs: number;
  classes: number;
  population: number;
}

/** Extracts the tailored ANN of a float TextCNN graph, or fails with SNN_E_GRAPH. */
export function tailoredAnn(graph: Graph): FloatAnn {
  if (graph.stage !== 'float') fail('SNN_E_GRAPH', 'the twin ANN is built from the float model (a .snn file), not an integer graph');
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  const tokens = graph.nodes.find((n) => n.kind === 'tokens');
  const emb = graph.nodes.find((n): n is EmbeddingNode => n.kind === 'embedding');
  const enc = graph.nodes.find((n) => n.kind === 'encoder');
  const readout = graph.nodes.find((n) => n.kind === 'readout');
  if (tokens?.kind !== 'tokens' || !emb || enc?.kind !== 'encoder' || readout?.kind !== 'readout')
    fail('SNN_E_GRAPH', 'the twin ANN needs a TextCNN graph (tokens, embedding, encoder, readout)');
  if (!emb.table) fail('SNN_E_GRAPH', `embedding ${emb.id} has no float table`);
  const output = byId.get(readout.from);
  if (output?.kind !== 'lif' || output.perPosition) fail('SNN_E_GRAPH', 'the readout must read a global LIF population');
  if ((readout.measure ?? 'spikes') !== 'spikes') fail('SNN_E_GRAPH', 'the twin ANN takes spike-count readouts only');
  const K = output.channels;
  const bits = enc.scheme === 'binary' ? 1 : enc.bits;
  const levels = new Uint8Array(emb.vocab * emb.dim);
  for (let i = 0; i < levels.length; i++) levels[i] = toLevel(emb.table.data[i], bits);
  const branches: FloatAnn['branches'] = [];
  for (const n of graph.nodes) {
    if (n.kind === 'dense' && n.from === enc.id) fail('SNN_E_GRAPH', `dense ${n.id} reads the encoder: the twin ANN takes conv branches only`);
    if (n.kind !== 'conv1d') continue;
    const conv = n as Conv1dNode;
    const lif = byId.get(conv.to) as LifNode | undefined;
    const readers = graph.nodes.filter((d): d is DenseNode => d.kind === 'dense' && d.from === conv.to);
    const intoLif = graph.nodes.filter((d) => (d.kind === 'conv1d' || d.kind === 'dense') && d.to === conv.to);
    const dense = readers[0];
    if (conv.from !== enc.id || lif?.kind !== 'lif' || intoLif.length !== 1 || readers.length !== 1 || dense.to !== output.id || dense.pool !== 'mean-positions')
      fail('SNN_E_GRAPH', `conv ${conv.id} is not a TextCNN branch (encoder -> conv -> LIF -> one mean-pooled dense into the output)`);
    if (conv.weight.dtype !== 'f32' || dense.weight.dtype !== 'f32') fail('SNN_E_GRAPH', 'the twin ANN needs float weights');
    const cls = new Float64Array(conv.outChannels * K);
    for (let i = 0; i < cls.length; i++) cls[i] = dense.weight.data[i] / lif.threshold;
    branches.push({ id: conv.id, width: conv.width, cin: conv.inChannels, cout: conv.outChannels, weight: conv.weight.data, classifier: cls });
  }
  if (!branches.length) fail('SNN_E_GRAPH', 'the graph has no conv1d branch');
  if (graph.nodes.filter((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.to === output.id).length !== branches.length)
    fail('SNN_E_GRAPH', `the output ${output.id} has inputs other than the conv branches`);
  return { maxLen: tokens.maxLen, vocab: emb.vocab, dim: emb.dim, bits, table: emb.table.data, levels, branches, outputs: K, classes: readout.classes, population: readout.population };
}

function clampIds(ann: { maxLen: number; vocab: number }, ids: ArrayLike<number>): number[] {
  const out = Array.from(ids).slice(0, ann.maxLen);
  if (out.length === 0) fail('SNN_E_INPUT', 'no tokens to classify');
  for (const id of out) if (!Number.isInteger(id) || id < 0 || id >= ann.vocab) fail('SNN_E_INPUT', `token id ${id} is outside the vocabulary (0..${ann.vocab - 1})`);
  return out;
}

/** Float forward of the tailored ANN: per-class scores (mean of ReLU(z) over the population) and the ReLU conv activations per branch. */
export function floatAnnForward(ann: FloatAnn, tokens: ArrayLike<number>): { scores: number[]; label: number; acts: Float64Array[] } {
  const ids = clampIds(ann, tokens);
  const n = ids.length;
  const top = (1 << ann.bits) - 1;
  const x = new Float64Array(n * ann.dim);
  ids.forEach((id, p) => {
    for (let c = 0; c < ann.dim; c++) x[p * ann.dim + c] = ann.levels[id * ann.dim + c] / top;
  });
  const z = new Float64Array(ann.outputs);
  const acts: Float64Array[] = [];
  for (const b of ann.branches) {
    const left = (b.width - 1) >> 1;
    const a = new Float64Array(n * b.cout);
    const mean = new Float64Array(b.cout);
    for (let q = 0; q < n; q++)
      for (let j = 0; j < b.width; j++) {
        const p = q - left + j;
        if (p < 0 || p >= n) continue;
        for (let c = 0; c < b.cin; c++) {
          const v = x[p * ann.dim + c];
          if (v === 0) continue;
          const w = (j * b.cin + c) * b.cout;
          for (let o = 0; o < b.cout; o++) a[q * b.cout + o] += b.weight[w + o] * v;
        }
      }
    for (let i = 0; i < a.length; i++) {
      if (a[i] < 0) a[i] = 0;
      mean[i % b.cout] += a[i] / n;
    }
    for (let o = 0; o < b.cout; o++) for (let k = 0; k < ann.outputs; k++) z[k] += mean[o] * b.classifier[o * ann.outputs + k];
    acts.push(a);
  }
  const scores: number[] = [];
  let label = 0;
  for (let c = 0; c < ann.classes; c++) {
    let s = 0;
    for (let i = 0; i < ann.population; i++) s += Math.max(0, z[c * ann.population + i]);
    scores.push(s / ann.population);
    if (scores[c] > scores[label]) label = c;
  }
  return { scores, label, acts };
}

export interface QuantizeAnnOptions {
  /** Which calibration activations set a branch's uint8 range: 'max' (TFLite's min/max calibration, default) or a percentile of the positive ones. */
  calibration?: 'max' | { percentile: number };
}

/** Fixed-point form of a positive real multiplier: m · 2^−s with 2^14 ≤ m < 2^15 (0 when it is too small to matter). */
export function fixedMultiplier(M: number): { mult: number; shift: number } {
  if (!(M > 0) || !Number.isFinite(M)) fail('SNN_E_OVERFLOW', `requantization multiplier ${M} is not a positive number`);
  let shift = 14 - Math.floor(Math.log2(M));
  let mult = Math.round(M * 2 ** shift);
  if (mult >= 2 ** 15) {
    mult = Math.round(mult / 2);
    shift -= 1;
  }
  if (shift < 1) fail('SNN_E_OVERFLOW', `requantization multiplier ${M} is too large (the activation scale is below the accumulator's)`);
  // acc < 2^31 and mult < 2^15: beyond 2^47 the result is always 0
  if (shift > 47) return { mult: 0, shift: 1 };
  return { mult, shift };
}

/**
 * Post-training int8 quantization of the tailored ANN. Inputs are the levels themselves (scale
 * 1 / top, exact). Conv weights: int8 per output channel (scale max|w| / 127, round half away
 * from zero), int32 accumulators. Activations: uint8 per branch, scale = the calibration
 * sentences' max ReLU activation / 255. Requantization: a = min(255, round(acc · M_o)) with
 * M_o = s_x · s_w[o] / s_a as a 15-bit fixed-point multiplier and a shift. Pooling: the
 * rounded mean of the uint8 activations. Classifier: the float rows times their branch's
 * activation scale, int8 per tensor; logits stay int32 (no output requantization: the class
 * scores compare them directly).
 */
export function quantizeAnn(ann: FloatAnn, calibration: ArrayLike<number>[], o: QuantizeAnnOptions = {}): Int8Ann {
  if (calibration.length === 0) fail('SNN_E_USAGE', 'the twin ANN needs calibration sentences (token ids) to set its activation ranges');
  const top = (1 << ann.bits) - 1;
  const sx = 1 / top;
  const acts: number[][] = ann.branches.map(() => []);
  for (const ids of calibration) {
    const r = floatAnnForward(ann, ids);
    r.acts.forEach((a, b) => {
      for (const v of a) if (v > 0) acts[b].push(v);
    });
  }
  const range = (v: number[]): number => {
    if (!v.length) return 1;
    if (o.calibration === undefined || o.calibration === 'max') return v.reduce((m, x) => (x > m ? x : m), 0);
    const s = Float64Array.from(v).sort();
    return s[Math.min(s.length - 1, Math.floor((o.calibration.percentile / 100) * (s.length - 1)))];
  };
  const convs: Int8Conv[] = ann.branches.map((b, bi) => {
    const actScale = range(acts[bi]) / 255;
    const weights = new Int8Array(b.cout * b.width * b.cin);
    const wScale = new Float64Array(b.cout);
    const mult = new Uint16Array(b.cout);
    const shift = new Uint8Array(b.cout);
    for (let oc = 0; oc < b.cout; oc++) {
      let m = 0;
      for (let k = 0; k < b.width * b.cin; k++) m = Math.max(m, Math.abs(b.weight[k * b.cout + oc]));
      const s = m > 0 ? m / 127 : 1;
      wScale[oc] = s;
      for (let k = 0; k < b.width * b.cin; k++) weights[oc * b.width * b.cin + k] = Math.max(-127, Math.min(127, roundHalfAway(b.weight[k * b.cout + oc] / s)));
      const f = fixedMultiplier((sx * s) / actScale);
      mult[oc] = f.mult;
      shift[oc] = f.shift;
    }
    return { id: b.id, width: b.width, cin: b.cin, cout: b.cout, weights, wScale, actScale, mult, shift };
  });
  const F = ann.branches.reduce((a, b) => a + b.cout, 0);
  const K = ann.outputs;
  const folded = new Float64Array(K * F);
  let f0 = 0;
  ann.branches.forEach((b, bi) => {
    for (let i = 0; i < b.cout; i++) for (let k = 0; k < K; k++) folded[k * F + f0 + i] = b.classifier[i * K + k] * convs[bi].actScale;
    f0 += b.cout;
  });
  let m = 0;
  for (const v of folded) m = Math.max(m, Math.abs(v));
  const scale = m > 0 ? m / 127 : 1;
  const fcw = new Int8Array(K * F);
  for (let i = 0; i < fcw.length; i++) fcw[i] = Math.max(-127, Math.min(127, roundHalfAway(folded[i] / scale)));
  return {
    maxLen: ann.maxLen,
    vocab: ann.vocab,
    dim: ann.dim,
    bits: ann.bits,
    // the packed rows are the pack pass's: the same bytes the SNN firmware holds
    levels: packLevels(ann.table, ann.vocab, ann.dim, ann.bits),
    convs,
    fc: { weights: fcw, features: F, outputs: K, scale },
    classes: ann.classes,
    population: ann.population,
  };
}

/** The int8 twin of a float model, calibrated on the given sentences (token ids). */
export function int8Twin(model: Model, calibration: ArrayLike<number>[], o: QuantizeAnnOptions = {}): { float: FloatAnn; int8: Int8Ann } {
  const float = tailoredAnn(model.graph);
  return { float, int8: quantizeAnn(float, calibration, o) };
}
