// The bi-SNN family: the bi-directional recurrent spiking encoder of the "energy-preserving
// NLU" line of work, trained directly with surrogate gradients (BPTT along the sentence).
//
//   token ids -> embedding E (float, trained) -> input spikes p = H(E[id] - nu)
//   -> L stacked layers, each a forward and a backward spiking recurrent scan of H neurons:
//        per position, in scan order:  v = beta * v ; v += W x_p + U s_prev ; s = (v >= theta) ;
//        if s then v = 0          (exactly the IR's scan, docs/semantics.md "Scans")
//      the next layer reads the concatenation [forward, backward] at every position
//   -> pooling over positions of the last layer's spikes (`pool`: max, the default, or mean =
//      spike count / n) -> bias-free classifier -> logits
//
// H is the Heaviside step with a surrogate gradient (compiler/train/surrogate.ts). The saved
// model is the IR graph of test/helpers/tiny-bisnn.ts: its embedding table holds
// H(E - nu) in {0, 1} (1-bit spiking word embeddings; row 0 = <pad> all zero), read by a binary
// encoder, so `simulate(graph, {tokens}, 'float')` computes the trained network itself.
//
// Speed on the TF.js wasm backend, where per-op dispatch dominates small ops: a layer's input
// projection is ONE matMul over all positions, sentences and both directions ([L*B, Din] x
// [Din, 2H], time-major); the sequential part (the two scans of a layer) is ONE custom op whose
// loop runs on the host over typed arrays, with a hand-written BPTT (`scanLayer`); max pooling
// is one host op too. Batches are bucketed by length and every sentence is scanned over its own
// n positions only (padding is never visited, as in the IR). The embedding table lives on the
// host: input spikes are computed there, the gradient reaches the rows a batch used through the
// input surrogate, and a lazy Adam updates only those rows, so a 26k-word vocabulary costs
// nothing per step. All weights but the recurrent ones use the trainer's centred
// reparametrisation (inputs are non-negative spikes, no biases).

import cliProgress from 'cli-progress';
import type { DenseNode, Graph, LifNode, Model, Node } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { simulate } from '../../runtime/reference.js';
import { initBackend, tf, type BackendPreference } from './backend.js';
import { Adam } from './adam.js';
import { checkCompatible, hasCheckpoint, hashStrings, loadCheckpoint, need, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { bucketBatches, randomTable } from './finetune.js';
import { linear } from './ops.js';
import { prepareData, type SubsetLimits } from './prepare.js';
import { Prng } from './prng.js';
import { isSurrogateKind, linearConstX, surrogateFn, SURROGATES, type SurrogateKind } from './surrogate.js';
import type { EncodedExample, PreparedData, ProgressEvent } from './trainer.js';
import { TOKENIZER_KIND } from '../../runtime/tokenizer.js';

// ------------------------------------------------------------------------------- options

export interface BisnnOptions {
  /** Data set name (compiler/data registry). */
  dataset: string;
  dataDir?: string;
  limits?: SubsetLimits;
  /** Already-prepared data (tests reuse one load); overrides dataset/limits. */
  data?: PreparedData;
  epochs: number;
  /**
   * Early stopping: stop after this many epochs without a better dev accuracy (0 = run every
   * epoch). The best-dev weights are what is saved either way.
   */
  patience: number;
  batch: number;
  /** Adam learning rate of the network weights. */
  lr: number;
  /** Adam learning rate of the embedding table (lazy Adam on the rows a batch uses). */
  embeddingLr: number;
  /** Both learning rates are multiplied by lrDecay^(epoch - 1) (1 = constant). */
  lrDecay: number;
  seed: number;
  /** Stacked bi-directional layers. */
  layers: number;
  /** Neurons per direction and layer. */
  hidden: number;
  /** Membrane decay per position (the paper's tau): v = beta * v before integrating. */
  beta: number;
  /** Firing threshold theta of the recurrent layers (reset to zero on a spike). */
  threshold: number;
  /** Input spike threshold nu: p = H(E - nu); the saved table is H(E - nu). In (0, 1). */
  inputThreshold: number;
  /** Surrogate gradient of every spike (input and recurrent layers). */
  surrogate: SurrogateKind;
  /** Surrogate width a of the recurrent layers, in membrane units (theta = 1 by default). */
  width: number;
  /** Surrogate width of the input spikes, in embedding units (the table lives in [0, 1]). */
  inputWidth: number;
  /** Self-recurrent weights U (false: each scan only leaks and integrates its input). */
  recurrent: boolean;
  /** Dropout on the pooled spikes before the classifier (training only). */
  dropout: number;
  /**
   * Pooling of the last layer's spikes over positions: `max` (did channel c spike anywhere; the
   * IR's `pool: 'max-positions'`) or `mean` (its spike count / n; `pool: 'mean-positions'`).
   * Max saturates on long texts (docs/training.md "The bisnn family").
   */
  pool: BisnnPool;
  /** Tokens per sentence (longer ones are truncated; also the graph's maxLen). */
  maxLen: number;
  /** Initial table: positive-shifted GloVe (default) or uniform random in [0, 1). */
  embeddings: 'glove' | 'random';
  /** Train the embedding table through the input spikes' surrogate (kept in [0, 1]). */
  trainEmbeddings: boolean;
  /** L2 penalty on the network weights (coupled, added to the gradient). */
  l2: number;
  /** Multiplies the initial (uniform, Glorot-scaled) input and recurrent weights. */
  initGain: number;
  checkpointDir?: string;
  resume: boolean;
  /** Skip the reference simulator's float evaluation of the saved graph (dev and test). */
  skipFloatEval: boolean;
  backend: BackendPreference;
  quiet: boolean;
  onProgress?: (ev: ProgressEvent) => void;
}

export type BisnnPool = 'max' | 'mean';

export const BISNN_DEFAULTS: Omit<BisnnOptions, 'data' | 'limits' | 'dataDir' | 'checkpointDir' | 'onProgress'> = {
  dataset: 'sst2',
  epochs: 5,
  patience: 0,
  batch: 64,
  lr: 3e-3,
  embeddingLr: 3e-3,
  lrDecay: 0.7,
  seed: 1,
  layers: 3,
  hidden: 64,
  beta: 0.75,
  threshold: 1,
  inputThreshold: 0.5,
  surrogate: 'gaussian',
  width: 1,
  inputWidth: 0.3,
  recurrent: true,
  dropout: 0.3,
  pool: 'max',
  maxLen: 64,
  embeddings: 'glove',
  trainEmbeddings: true,
  l2: 0,
  initGain: 1,
  resume: false,
  skipFloatEval: false,
  backend: 'auto',
  quiet: false,
};

/** Fails with SNN_E_USAGE on an option the trainer cannot use. */
export function checkBisnnOptions(o: Partial<BisnnOptions>): void {
  const int = (k: keyof BisnnOptions, min: number): void => {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) fail('SNN_E_USAGE', `bisnn: ${k} must be an integer >= ${min}, got ${String(v)}`);
  };
  const pos = (k: keyof BisnnOptions): void => {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) fail('SNN_E_USAGE', `bisnn: ${k} must be a positive number, got ${String(v)}`);
  };
  int('epochs', 1);
  int('patience', 0);
  int('batch', 1);
  int('seed', 0);
  int('layers', 1);
  int('hidden', 1);
  int('maxLen', 1);
  for (const k of ['lr', 'embeddingLr', 'threshold', 'width', 'inputWidth', 'initGain'] as const) pos(k);
  if (o.hidden !== undefined && o.hidden > 4096) fail('SNN_E_USAGE', `bisnn: hidden must be at most 4096 neurons per direction, got ${o.hidden}`);
  if (o.beta !== undefined && !(o.beta > 0 && o.beta <= 1)) fail('SNN_E_USAGE', `bisnn: beta (tau) must be in (0, 1], got ${String(o.beta)}`);
  if (o.inputThreshold !== undefined && !(o.inputThreshold > 0 && o.inputThreshold < 1))
    fail('SNN_E_USAGE', `bisnn: the input spike threshold nu must be in (0, 1) (the table lives in [0, 1] and <pad> must stay silent), got ${String(o.inputThreshold)}`);
  if (o.dropout !== undefined && !(o.dropout >= 0 && o.dropout < 1)) fail('SNN_E_USAGE', `bisnn: dropout must be in [0, 1), got ${String(o.dropout)}`);
  if (o.lrDecay !== undefined && !(o.lrDecay > 0 && o.lrDecay <= 1)) fail('SNN_E_USAGE', `bisnn: lrDecay must be in (0, 1], got ${String(o.lrDecay)}`);
  if (o.l2 !== undefined && !(o.l2 >= 0)) fail('SNN_E_USAGE', `bisnn: l2 must be >= 0, got ${String(o.l2)}`);
  if (o.surrogate !== undefined && !isSurrogateKind(o.surrogate)) fail('SNN_E_USAGE', `bisnn: unknown surrogate "${String(o.surrogate)}"`, `one of ${SURROGATES.join(', ')}`);
  if (o.pool !== undefined && o.pool !== 'max' && o.pool !== 'mean') fail('SNN_E_USAGE', `bisnn: pool must be max or mean, got "${String(o.pool)}"`);
  if (o.embeddings !== undefined && o.embeddings !== 'glove' && o.embeddings !== 'random') fail('SNN_E_USAGE', `bisnn: embeddings must be glove or random, got "${String(o.embeddings)}"`);
  if (o.resume && !o.checkpointDir) fail('SNN_E_USAGE', 'bisnn: resume needs a checkpoint directory');
}

// ------------------------------------------------------------------------------- weights

/** Host-side weights of the network (what checkpoints and the graph builder see). */
export interface BisnnWeights {
  /** Layer l: [Din, 2H]; rows = source channels (layer 1: embedding dims; then forward | backward of l-1), columns = forward | backward of l. */
  input: Float32Array[];
  /** Layer l: [2H, 2H] block-diagonal: rows/columns 0..H the forward scan's U, H..2H the backward's (zeros elsewhere). */
  recurrent: Float32Array[];
  /** [2H, classes]: rows = last forward | last backward channels. */
  output: Float32Array;
}

export interface BisnnShape {
  vocab: number;
  dim: number;
  layers: number;
  hidden: number;
  classes: number;
}

function uniform(rng: Prng, n: number, a: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = rng.uniform(-a, a);
  return w;
}

/** Seeded initial weights: Glorot-uniform input and output weights, block-diagonal recurrent ones. */
export function initBisnnWeights(s: BisnnShape, rng: Prng, gain: number): BisnnWeights {
  const H = s.hidden;
  const H2 = 2 * H;
  const input: Float32Array[] = [];
  const recurrent: Float32Array[] = [];
  for (let l = 0; l < s.layers; l++) {
    const din = l === 0 ? s.dim : H2;
    input.push(uniform(rng, din * H2, gain * Math.sqrt(6 / (din + H))));
    const u = new Float32Array(H2 * H2);
    const a = gain * Math.sqrt(6 / (2 * H));
    for (const d of [0, 1]) for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) u[(d * H + i) * H2 + d * H + j] = rng.uniform(-a, a);
    recurrent.push(u);
  }
  // a small classifier at first: random logits from the many max-pooled features would start
  // the loss above ln(classes), and the cheapest way down is silencing the layers (measured)
  return { input, recurrent, output: uniform(rng, H2 * s.classes, 0.1 * Math.sqrt(6 / (H2 + s.classes))) };
}

// ----------------------------------------------------------------------- the TF.js network

/**
 * Trainable state. Every weight W [K, M] is trained as W = (U - mean_rows(U)) + s / K with one
 * scalar s per column (the trainer's centred reparametrisation, compiler/train/textcnn.ts): the
 * inputs are all non-negative spikes (the 1-bit embedding has ~50% ones), so a plain W moves
 * every neuron's overall excitability with each Adam step; centring gives that direction its own
 * parameter. The block-diagonal recurrent matrix (forward and backward scans) is centred per
 * block. The exported W is an ordinary matrix.
 */
interface Net {
  shape: BisnnShape;
  inputU: tf.Variable<tf.Rank.R2>[];
  inputS: tf.Variable<tf.Rank.R2>[];
  recurrent: tf.Variable<tf.Rank.R2>[];
  recurrentS: tf.Variable<tf.Rank.R2>[];
  outputU: tf.Variable<tf.Rank.R2>;
  outputS: tf.Variable<tf.Rank.R2>;
  /** [2H, 2H] ones on the two diagonal blocks (keeps U block-diagonal, gradients included). */
  blockMask: tf.Tensor2D;
  /** blockMask / H: A @ U holds each block's column means. */
  blockMean: tf.Tensor2D;
}

let serial = 0;

function colSums(w: Float32Array, K: number, M: number): Float32Array {
  const s = new Float32Array(M);
  for (let i = 0; i < K; i++) for (let j = 0; j < M; j++) s[j] += w[i * M + j];
  return s;
}

function makeNet(shape: BisnnShape, w: BisnnWeights): Net {
  const H2 = 2 * shape.hidden;
  const id = ++serial;
  const mask = new Float32Array(H2 * H2);
  for (let i = 0; i < H2; i++) for (let j = 0; j < H2; j++) if (i < shape.hidden === j < shape.hidden) mask[i * H2 + j] = 1;
  // tidy frees each initial value; the variable keeps its own copy
  const variable = (x: Float32Array, rows: number, cols: number, name: string): tf.Variable<tf.Rank.R2> => tf.tidy(() => tf.variable(tf.tensor2d(x, [rows, cols]), true, `${name}_${id}`));
  const din = (l: number): number => (l === 0 ? shape.dim : H2);
  // U = W and s = K * colmean(W) give back W exactly
  return {
    shape,
    inputU: w.input.map((x, l) => variable(x, din(l), H2, `bisnn_in${l}U`)),
    inputS: w.input.map((x, l) => variable(colSums(x, din(l), H2), 1, H2, `bisnn_in${l}S`)),
    recurrent: w.recurrent.map((x, l) => variable(x, H2, H2, `bisnn_rec${l}U`)),
    // the block-diagonal U has per column H real rows: s = H * (block column mean) = column sum
    recurrentS: w.recurrent.map((x, l) => variable(colSums(x, H2, H2), 1, H2, `bisnn_rec${l}S`)),
    outputU: variable(w.output, H2, shape.classes, 'bisnn_outU'),
    outputS: variable(colSums(w.output, H2, shape.classes), 1, shape.classes, 'bisnn_outS'),
    blockMask: tf.tensor2d(mask, [H2, H2]),
    blockMean: tf.tensor2d(
      mask.map((x) => x / shape.hidden),
      [H2, H2],
    ),
  };
}

function effective(u: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.sub(u, tf.mean(u, 0, true)), tf.div(s, u.shape[0]));
}

/** The block-diagonal recurrent matrix, each block centred with its own column offsets. */
function effectiveRecurrent(n: Net, l: number): tf.Tensor2D {
  const u = n.recurrent[l];
  return tf.mul(tf.add(tf.sub(u, tf.matMul(n.blockMean, u)), tf.div(n.recurrentS[l], n.shape.hidden)), n.blockMask) as tf.Tensor2D;
}

/** The trainable variables in a fixed order (the optimiser's and the checkpoint's). */
function netVars(n: Net, recurrent: boolean): tf.Variable[] {
  return [...n.inputU, ...n.inputS, ...(recurrent ? [...n.recurrent, ...n.recurrentS] : []), n.outputU, n.outputS];
}

/** The effective (exported) weights. */
function readNet(n: Net): BisnnWeights {
  return tf.tidy(() => ({
    input: n.inputU.map((u, l) => effective(u, n.inputS[l]).dataSync().slice() as Float32Array),
    recurrent: n.recurrent.map((_, l) => effectiveRecurrent(n, l).dataSync().slice() as Float32Array),
    output: effective(n.outputU, n.outputS).dataSync().slice() as Float32Array,
  }));
}

function disposeNet(n: Net): void {
  [...n.inputU, ...n.inputS, ...n.recurrent, ...n.recurrentS, n.outputU, n.outputS, n.blockMask, n.blockMean].forEach((t) => t.dispose());
}

/** Scan hyper-parameters the forward pass needs. */
export interface ScanConfig {
  beta: number;
  threshold: number;
  surrogate: SurrogateKind;
  width: number;
  recurrent: boolean;
  /** Pooling over positions before the classifier (absent: max). */
  pool?: BisnnPool;
}

/**
 * Right-padded batch, time-major: ids[p * B + b] = token p of sentence b (0 = <pad>), and n
 * per sentence. Every row is truncated to maxLen and has at least one token (empty sentences
 * become <unk> in prepareData).
 */
function padRows(rows: ArrayLike<number>[], maxLen: number): { ids: Int32Array; n: number[]; L: number } {
  const B = rows.length;
  const n = rows.map((r) => Math.max(1, Math.min(r.length, maxLen)));
  const L = Math.max(...n);
  const ids = new Int32Array(L * B);
  rows.forEach((r, b) => {
    for (let p = 0; p < n[b]; p++) ids[p * B + b] = r[p] ?? 1;
  });
  return { ids, n, L };
}

/**
 * The forward and backward scans of one layer as one differentiable op with a hand-written
 * BPTT. `I` [L, B, 2H]: input currents, time-major in position order (channels: forward half,
 * backward half); `U` [2H, 2H] block-diagonal recurrent weights (or none); `n` the real
 * length of each sentence. Exactly the IR's scan (docs/semantics.md "Scans"): the forward half
 * visits positions 0 .. n-1, the backward half n-1 .. 0; at each visited position
 *
 *   v = beta * v + I_p + U^T s_prev ;  s_p = H(v - theta) ;  if s_p then v = 0
 *
 * with v = 0 before the first position and s_prev the spikes of the previously visited one.
 * Returns the spikes S [L, B, 2H] in position order (zero at padded positions, which are never
 * visited). The gradient uses the surrogate g(v - theta) for ds/dv and none through the reset
 * (detached): in visiting order, with "next" the position visited after p,
 *
 *   dv_p = (dS_p + U dv_next) * g(v_p - theta) + beta * (1 - s_p) * dv_next
 *   dI_p = dv_p,   dU = sum_p s_prev(p)^T dv_p
 *
 * The loop runs on the host (typed arrays) inside a TF.js custom op: it is n sequential steps
 * of a few small ops, which the wasm backend runs dispatch-bound (measured, L = 20, B = 32,
 * 2H = 128: 43 ms per layer forward + backward as TF.js ops, plus ~30 ms of reverse/concat to
 * run the two directions in one loop). The recurrent input is event-driven as in the reference
 * simulator (a row of U per spike); the membrane is float64, as in `simulate(..., 'float')`.
 * The dense U dv_next of the backward pass is one backend matMul per step.
 */
export function scanLayer(I: tf.Tensor3D, U: tf.Tensor2D | undefined, n: number[], c: ScanConfig): tf.Tensor3D {
  const [L, B, H2] = I.shape;
  const lens = Int32Array.from(n);
  const run = (i: tf.Tensor, u: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
    // the forward pass runs in a tidy: U, which the backward pass needs, must be saved
    if (u) save([u]);
    const w = u ? (u.dataSync() as Float32Array) : undefined;
    const S = new Float32Array(L * B * H2);
    const V = new Float32Array(L * B * H2);
    scanForwardHost(i.dataSync() as Float32Array, w, lens, B, H2 / 2, c.beta, c.threshold, S, V);
    return {
      value: tf.tensor3d(S, [L, B, H2]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // G = g(v - theta) at every visited (position, channel), then BPTT in visiting order
        const G = new Float32Array(V.length);
        const g = surrogateFn(c.surrogate, c.width);
        for (let j = 0; j < V.length; j++) G[j] = g(V[j] - c.threshold);
        const dI = new Float32Array(L * B * H2);
        const dU = w ? new Float32Array(H2 * H2) : undefined;
        // U dv_next for every sentence and both directions at once: one [B, 2H] x [2H, 2H]
        // backend matMul per step (sentences end at different steps: finished ones carry zeros)
        const ut = w ? tf.transpose(saved[0]) : undefined;
        const nextDv = new Float32Array(B * H2);
        const rec = new Float32Array(B * H2);
        const dS = dy.dataSync() as Float32Array;
        for (let k = L - 1; k >= 0; k--) {
          if (ut && k < L - 1) {
            const t = tf.tensor2d(nextDv, [B, H2]);
            const r = tf.matMul(t, ut as tf.Tensor2D);
            rec.set(r.dataSync() as Float32Array);
            t.dispose();
            r.dispose();
          }
          scanBackwardStep(k, dS, G, S, w ? rec : undefined, nextDv, dI, dU, lens, B, H2 / 2, c.beta);
        }
        ut?.dispose();
        const gi = tf.tensor3d(dI, [L, B, H2]);
        return dU ? [gi, tf.tensor2d(dU, [H2, H2])] : [gi];
      },
    };
  };
  if (U) {
    const f = tf.customGrad(((i: tf.Tensor, u: tf.Tensor, save: tf.GradSaveFunc) => run(i, u, save)) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(I, U) as tf.Tensor3D;
  }
  const f = tf.customGrad(((i: tf.Tensor, save: tf.GradSaveFunc) => run(i, undefined, save)) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(I) as tf.Tensor3D;
}

// The host loops of scanLayer: top-level, monomorphic functions over typed arrays (closures over
// the batch measured several times slower). Layout [L, B, 2H]; direction d of sentence b at step
// k visits position k (d = 0) or n_b - 1 - k (d = 1); its channels are d*H .. d*H + H - 1.

function scanForwardHost(inp: Float32Array, w: Float32Array | undefined, n: Int32Array, B: number, H: number, beta: number, theta: number, S: Float32Array, V: Float32Array): void {
  const H2 = 2 * H;
  const v = new Float64Array(H);
  for (let b = 0; b < B; b++)
    for (let d = 0; d < 2; d++) {
      v.fill(0);
      let q = -1; // offset of the previously visited position
      for (let k = 0; k < n[b]; k++) {
        const p = d === 0 ? k : n[b] - 1 - k;
        const o = (p * B + b) * H2 + d * H;
        for (let j = 0; j < H; j++) v[j] = beta * v[j] + inp[o + j];
        if (w !== undefined && q >= 0) {
          for (let ch = 0; ch < H; ch++) {
            if (S[q + ch] === 0) continue;
            const row = (d * H + ch) * H2 + d * H; // block-diagonal: direction d's own block
            for (let j = 0; j < H; j++) v[j] += w[row + j];
          }
        }
        for (let j = 0; j < H; j++) {
          const x = v[j];
          V[o + j] = x;
          if (x >= theta) {
            S[o + j] = 1;
            v[j] = 0;
          }
        }
        q = o;
      }
    }
}

/**
 * Step k of the backward pass for every sentence still running at k: dv at the position
 * visited at step k, from dS there, the recurrent term rec = U dv_next (from step k + 1, or
 * undefined without recurrence) and the carry through the leak; accumulates dU; leaves dv in
 * nextDv for step k - 1.
 */
function scanBackwardStep(
  k: number,
  dS: Float32Array,
  G: Float32Array,
  S: Float32Array,
  rec: Float32Array | undefined,
  nextDv: Float32Array,
  dI: Float32Array,
  dU: Float32Array | undefined,
  n: Int32Array,
  B: number,
  H: number,
  beta: number,
): void {
  const H2 = 2 * H;
  for (let b = 0; b < B; b++) {
    const nb = n[b];
    if (k >= nb) continue;
    const last = k === nb - 1;
    for (let d = 0; d < 2; d++) {
      const o = ((d === 0 ? k : nb - 1 - k) * B + b) * H2 + d * H;
      const e = b * H2 + d * H;
      if (last) for (let j = 0; j < H; j++) dI[o + j] = dS[o + j] * G[o + j];
      else
        for (let j = 0; j < H; j++) {
          const a = rec !== undefined ? dS[o + j] + rec[e + j] : dS[o + j];
          dI[o + j] = a * G[o + j] + (S[o + j] === 0 ? beta * nextDv[e + j] : 0);
        }
      // dU += s_prev^T dv: a row per spike at the previously visited position
      if (dU !== undefined && k > 0) {
        const q = ((d === 0 ? k - 1 : nb - k) * B + b) * H2 + d * H;
        for (let ch = 0; ch < H; ch++) {
          if (S[q + ch] === 0) continue;
          const row = (d * H + ch) * H2 + d * H;
          for (let j = 0; j < H; j++) dU[row + j] += dI[o + j];
        }
      }
      for (let j = 0; j < H; j++) nextDv[e + j] = dI[o + j];
    }
  }
}

/**
 * Max over the real positions of binary spikes S [L, B, C] -> [B, C] (the IR's
 * `pool: 'max-positions'`), as a host op. Gradient: like TF.js's max, dy goes to every
 * position holding the maximum: the positions where the channel spiked, or, if it never did,
 * all real positions (so a silent channel still learns to fire).
 */
export function maxOverPositions(S: tf.Tensor3D, n: number[]): tf.Tensor2D {
  const [L, B, C] = S.shape;
  const f = tf.customGrad(((x: tf.Tensor) => {
    const s = x.dataSync() as Float32Array;
    const m = new Float32Array(B * C);
    for (let b = 0; b < B; b++)
      for (let p = 0; p < n[b]; p++) {
        const o = (p * B + b) * C;
        for (let j = 0; j < C; j++) if (s[o + j] > m[b * C + j]) m[b * C + j] = s[o + j];
      }
    return {
      value: tf.tensor2d(m, [B, C]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dx = new Float32Array(L * B * C);
        for (let b = 0; b < B; b++)
          for (let p = 0; p < n[b]; p++) {
            const o = (p * B + b) * C;
            for (let j = 0; j < C; j++) if (s[o + j] === m[b * C + j]) dx[o + j] = g[b * C + j];
          }
        return [tf.tensor3d(dx, [L, B, C])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(S) as tf.Tensor2D;
}

/**
 * Mean over the real positions of spikes S [L, B, C] -> [B, C]: the spike count / n (the IR's
 * `pool: 'mean-positions'`, whose integer form sums and scales the target threshold by n; the
 * classifier is non-spiking, so the label is the same). Host op; dy / n reaches every real position.
 */
export function meanOverPositions(S: tf.Tensor3D, n: number[]): tf.Tensor2D {
  const [L, B, C] = S.shape;
  const f = tf.customGrad(((x: tf.Tensor) => {
    const s = x.dataSync() as Float32Array;
    const m = new Float32Array(B * C);
    for (let b = 0; b < B; b++) {
      for (let p = 0; p < n[b]; p++) {
        const o = (p * B + b) * C;
        for (let j = 0; j < C; j++) m[b * C + j] += s[o + j];
      }
      for (let j = 0; j < C; j++) m[b * C + j] /= n[b];
    }
    return {
      value: tf.tensor2d(m, [B, C]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dx = new Float32Array(L * B * C);
        for (let b = 0; b < B; b++)
          for (let p = 0; p < n[b]; p++) {
            const o = (p * B + b) * C;
            for (let j = 0; j < C; j++) dx[o + j] = g[b * C + j] / n[b];
          }
        return [tf.tensor3d(dx, [L, B, C])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(S) as tf.Tensor2D;
}

export interface ForwardOut {
  logits: tf.Tensor2D;
  /** Spikes per layer (scan populations, both directions), summed over the batch. */
  layerSpikes: tf.Tensor1D;
  /** Pooled last-layer spikes [B, 2H] (before dropout). */
  pooled: tf.Tensor2D;
}

/**
 * The network on a batch. `x` [L, B, D]: input spikes, time-major (0 at padded positions).
 * `constX`: it needs no gradient (static embeddings, evaluation). A layer is one matMul of its
 * input projection over all L*B rows, then the scan op; the next layer reads the spikes
 * [L, B, 2H] as they are ([forward | backward] at each position).
 */
function forward(net: Net, x: tf.Tensor3D, constX: boolean, n: number[], c: ScanConfig, drop?: tf.Tensor2D): ForwardOut {
  const [L, B] = x.shape;
  const H2 = 2 * net.shape.hidden;
  let X: tf.Tensor3D = x;
  const spikeSums: tf.Tensor[] = [];
  for (let l = 0; l < net.shape.layers; l++) {
    const x2 = tf.reshape(X, [L * B, X.shape[2]]) as tf.Tensor2D;
    const w = effective(net.inputU[l], net.inputS[l]);
    const I = tf.reshape(l === 0 && constX ? linearConstX(x2, w) : linear(x2, w), [L, B, H2]) as tf.Tensor3D;
    X = scanLayer(I, c.recurrent ? effectiveRecurrent(net, l) : undefined, n, c);
    spikeSums.push(tf.sum(X));
  }
  const pooled = c.pool === 'mean' ? meanOverPositions(X, n) : maxOverPositions(X, n);
  const feat = drop ? (tf.mul(pooled, drop) as tf.Tensor2D) : pooled;
  return { logits: linear(feat, effective(net.outputU, net.outputS)), layerSpikes: tf.stack(spikeSums) as tf.Tensor1D, pooled };
}

/** Input spikes H(table[id] - nu) on the host, [ids.length * dim] (zero rows stay zero since nu > 0). */
function inputSpikes(ids: Int32Array, table: Float32Array, dim: number, nu: number): Float32Array {
  const out = new Float32Array(ids.length * dim);
  for (let i = 0; i < ids.length; i++) {
    const o = ids[i] * dim;
    for (let d = 0; d < dim; d++) out[i * dim + d] = table[o + d] >= nu ? 1 : 0;
  }
  return out;
}

export interface BisnnPrediction {
  labels: number[];
  logits: number[][];
  /** Spikes of the scan populations per sentence (all layers, both directions). */
  spikes: number;
  /** Per layer: spikes / (real positions x 2H), both directions. */
  firingRate: number[];
  /** Max pooling: share of last-layer channels that spiked somewhere in the sentence; mean pooling: the mean pooled value (last-layer firing rate). */
  pooledActive: number;
}

/** TF.js predictions (argmax of the logits, ties to the lowest class) for many sentences. */
function predictNet(net: Net, table: Float32Array, nu: number, rows: ArrayLike<number>[], maxLen: number, c: ScanConfig, batch = 256): BisnnPrediction {
  const D = net.shape.dim;
  const C = net.shape.classes;
  const order = rows.map((r, i) => ({ i, len: Math.min(r.length, maxLen) })).sort((a, b) => a.len - b.len || a.i - b.i);
  const labels = new Array<number>(rows.length).fill(0);
  const logits: number[][] = new Array(rows.length);
  let spikes = 0;
  let positions = 0;
  let pooledOnes = 0;
  const layerSpikes = new Array<number>(net.shape.layers).fill(0);
  for (let s = 0; s < order.length; s += batch) {
    const part = order.slice(s, s + batch);
    const { ids, n, L } = padRows(
      part.map((p) => rows[p.i]),
      maxLen,
    );
    const [lg, sp, po] = tf.tidy(() => {
      const x = tf.tensor3d(inputSpikes(ids, table, D, nu), [L, part.length, D]);
      const r = forward(net, x, true, n, c);
      return [r.logits, r.layerSpikes, tf.sum(r.pooled)];
    });
    const v = lg.dataSync();
    sp.dataSync().forEach((x, l) => {
      layerSpikes[l] += x;
      spikes += x;
    });
    pooledOnes += po.dataSync()[0];
    positions += n.reduce((a, b) => a + b, 0);
    lg.dispose();
    sp.dispose();
    po.dispose();
    part.forEach((p, b) => {
      const row = Array.from(v.subarray(b * C, (b + 1) * C));
      let best = 0;
      for (let j = 1; j < C; j++) if (row[j] > row[best]) best = j;
      labels[p.i] = best;
      logits[p.i] = row;
    });
  }
  const H2 = 2 * net.shape.hidden;
  return {
    labels,
    logits,
    spikes: rows.length ? spikes / rows.length : 0,
    firingRate: layerSpikes.map((x) => (positions ? x / (positions * H2) : 0)),
    pooledActive: rows.length ? pooledOnes / (rows.length * H2) : 0,
  };
}

function accuracyOf(pred: number[], xs: EncodedExample[]): number {
  let ok = 0;
  xs.forEach((x, i) => (ok += pred[i] === x.label ? 1 : 0));
  return xs.length ? ok / xs.length : 0;
}

// ------------------------------------------------------------------ lazy Adam for the table

/**
 * Adam on the rows of a host table that a batch used (TF's LazyAdam / PyTorch's SparseAdam):
 * moments of untouched rows are left alone. Bias correction uses the global step. Values
 * are clipped into [0, 1] after every update; row 0 (<pad>) is never updated (stays zero).
 */
export class RowAdam {
  step = 0;
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(
    readonly table: Float32Array,
    readonly dim: number,
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = new Float32Array(table.length);
    this.v = new Float32Array(table.length);
  }
  /** `rows` (ascending unique ids) got gradient rows `grad` [rows.length, dim]. */
  apply(rows: Int32Array, grad: Float32Array): void {
    this.step++;
    const c1 = 1 - Math.pow(this.beta1, this.step);
    const c2 = 1 - Math.pow(this.beta2, this.step);
    const alpha = (this.lr * Math.sqrt(c2)) / c1;
    const D = this.dim;
    for (let r = 0; r < rows.length; r++) {
      if (rows[r] === 0) continue;
      const o = rows[r] * D;
      for (let d = 0; d < D; d++) {
        const g = grad[r * D + d];
        const m = (this.m[o + d] = this.beta1 * this.m[o + d] + (1 - this.beta1) * g);
        const v = (this.v[o + d] = this.beta2 * this.v[o + d] + (1 - this.beta2) * g * g);
        const x = this.table[o + d] - (alpha * m) / (Math.sqrt(v) + this.eps);
        this.table[o + d] = x < 0 ? 0 : x > 1 ? 1 : x;
      }
    }
  }
}

// ------------------------------------------------------------------------------ the graph

/** 1-bit table H(E - nu) (row 0 all zero whatever E holds). */
export function binarizeTable(table: Float32Array, dim: number, nu: number): Float32Array {
  const out = new Float32Array(table.length);
  for (let i = dim; i < table.length; i++) out[i] = table[i] >= nu ? 1 : 0;
  return out;
}

export interface BisnnGraphOptions {
  maxLen: number;
  beta: number;
  threshold: number;
  recurrent: boolean;
  /** Pooling into the classifier (absent: max). */
  pool?: BisnnPool;
}

/**
 * The float IR graph of a trained bi-SNN (the shape of test/helpers/tiny-bisnn.ts): tokens ->
 * embedding (the 1-bit table) -> binary encoder -> per layer l: scans `l{l}f` (forward) and
 * `l{l}b` (backward), each fed by a dense from every population of the layer below (or the
 * encoder) and, with `recurrent`, a self-recurrent dense -> non-spiking `out` fed by the
 * pooled last layer (`max-positions`, or `mean-positions` with `pool: 'mean'`) -> membrane readout. T = 1.
 */
export function buildBisnnGraph(shape: BisnnShape, w: BisnnWeights, table01: Float32Array, o: BisnnGraphOptions): Graph {
  const H = shape.hidden;
  const H2 = 2 * H;
  const C = shape.classes;
  const block = (src: Float32Array, cols: number, r0: number, rows: number, c0: number, width: number): { dtype: 'f32'; shape: number[]; data: Float32Array } => {
    const data = new Float32Array(rows * width);
    for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) data[i * width + j] = src[(r0 + i) * cols + c0 + j];
    return { dtype: 'f32', shape: [rows, width], data };
  };
  const nodes: Node[] = [
    { kind: 'tokens', id: 'tokens', maxLen: o.maxLen },
    { kind: 'embedding', id: 'embed', from: 'tokens', vocab: shape.vocab, dim: shape.dim, table: { dtype: 'f32', shape: [shape.vocab, shape.dim], data: table01 } },
    { kind: 'encoder', id: 'enc', from: 'embed', scheme: 'binary', bits: 1, seed: 0 },
  ];
  let inputs: { id: string; channels: number; row0: number }[] = [{ id: 'enc', channels: shape.dim, row0: 0 }];
  for (let l = 1; l <= shape.layers; l++) {
    const next: typeof inputs = [];
    (['forward', 'backward'] as const).forEach((dir, d) => {
      const id = `l${l}${dir[0]}`;
      nodes.push({ kind: 'lif', id, channels: H, perPosition: true, scan: dir, reset: 'zero', beta: o.beta, threshold: o.threshold } satisfies LifNode);
      for (const s of inputs)
        nodes.push({ kind: 'dense', id: `${s.id}_${id}`, from: s.id, to: id, inFeatures: s.channels, outFeatures: H, weight: block(w.input[l - 1], H2, s.row0, s.channels, d * H, H) } satisfies DenseNode);
      if (o.recurrent) nodes.push({ kind: 'dense', id: `${id}_rec`, from: id, to: id, recurrent: true, inFeatures: H, outFeatures: H, weight: block(w.recurrent[l - 1], H2, d * H, H, d * H, H) } satisfies DenseNode);
      next.push({ id, channels: H, row0: d * H });
    });
    inputs = next;
  }
  nodes.push({ kind: 'lif', id: 'out', channels: C, perPosition: false, spiking: false, reset: 'zero', beta: 1, threshold: 1 } satisfies LifNode);
  for (const s of inputs)
    nodes.push({ kind: 'dense', id: `${s.id}_out`, from: s.id, to: 'out', pool: o.pool === 'mean' ? 'mean-positions' : 'max-positions', inFeatures: s.channels, outFeatures: C, weight: block(w.output, C, s.row0, s.channels, 0, C) } satisfies DenseNode);
  nodes.push({ kind: 'readout', id: 'readout', from: 'out', classes: C, population: 1, measure: 'membrane' });
  return { timesteps: 1, nodes, stage: 'float', passes: [] };
}

/** Structure and weights of a bi-SNN float graph (the inverse of buildBisnnGraph). */
export interface BisnnView {
  shape: BisnnShape;
  weights: BisnnWeights;
  table: Float32Array;
  scan: ScanConfig;
  maxLen: number;
}

export function viewBisnn(graph: Graph, classes?: number): BisnnView {
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  const get = <K extends Node['kind']>(id: string, kind: K): Extract<Node, { kind: K }> => {
    const n = byId.get(id);
    if (!n || n.kind !== kind) fail('SNN_E_GRAPH', `not a bi-SNN graph: no ${kind} node "${id}"`);
    return n as Extract<Node, { kind: K }>;
  };
  const tokens = get('tokens', 'tokens');
  const emb = get('embed', 'embedding');
  if (!emb.table) fail('SNN_E_GRAPH', 'the bi-SNN embedding has no float table');
  let layers = 0;
  while (byId.has(`l${layers + 1}f`)) layers++;
  if (layers === 0) fail('SNN_E_GRAPH', 'not a bi-SNN graph: no scan population l1f');
  const f1 = get('l1f', 'lif');
  const H = f1.channels;
  const H2 = 2 * H;
  const C = classes ?? get('out', 'lif').channels;
  const recurrent = byId.has('l1f_rec');
  const pool: BisnnPool = get(`l${layers}f_out`, 'dense').pool === 'mean-positions' ? 'mean' : 'max';
  const shape: BisnnShape = { vocab: emb.vocab, dim: emb.dim, layers, hidden: H, classes: C };
  const input: Float32Array[] = [];
  const rec: Float32Array[] = [];
  const put = (dst: Float32Array, cols: number, r0: number, c0: number, t: DenseNode): void => {
    const [rows, width] = t.weight.shape;
    for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) dst[(r0 + i) * cols + c0 + j] = t.weight.data[i * width + j];
  };
  for (let l = 1; l <= layers; l++) {
    const din = l === 1 ? emb.dim : H2;
    const w = new Float32Array(din * H2);
    const u = new Float32Array(H2 * H2);
    (['f', 'b'] as const).forEach((d, di) => {
      const id = `l${l}${d}`;
      if (l === 1) put(w, H2, 0, di * H, get(`enc_${id}`, 'dense'));
      else {
        put(w, H2, 0, di * H, get(`l${l - 1}f_${id}`, 'dense'));
        put(w, H2, H, di * H, get(`l${l - 1}b_${id}`, 'dense'));
      }
      if (recurrent) put(u, H2, di * H, di * H, get(`${id}_rec`, 'dense'));
    });
    input.push(w);
    rec.push(u);
  }
  const output = new Float32Array(H2 * C);
  put(output, C, 0, 0, get(`l${layers}f_out`, 'dense'));
  put(output, C, H, 0, get(`l${layers}b_out`, 'dense'));
  return {
    shape,
    weights: { input, recurrent: rec, output },
    table: emb.table.data as Float32Array,
    scan: { beta: f1.beta, threshold: f1.threshold, surrogate: 'gaussian', width: 1, recurrent, pool },
    maxLen: tokens.maxLen,
  };
}

/** TF.js predictions of a saved bi-SNN model (its 1-bit table is read with nu = 0.5). */
export async function predictBisnnModel(model: Model, ids: ArrayLike<number>[]): Promise<BisnnPrediction> {
  await initBackend();
  const v = viewBisnn(model.graph, model.meta.classes.length);
  const net = makeNet(v.shape, v.weights);
  try {
    return predictNet(net, v.table, 0.5, ids, v.maxLen, v.scan);
  } finally {
    disposeNet(net);
  }
}

// ----------------------------------------------------------------------------- training

export interface BisnnHistoryRow {
  epoch: number;
  loss: number;
  trainAcc: number;
  devAcc: number;
  seconds: number;
}

export interface BisnnMetrics {
  backend: string;
  dataset: string;
  family: 'bisnn';
  stage: 'direct';
  /** TF.js model at the best dev epoch. */
  devTfjs: number;
  testTfjs: number | null;
  /** The saved graph in the reference simulator (float mode); null when skipped. */
  devFloat: number | null;
  testFloat: number | null;
  /** Share of sentences where simulate(...,'float') and the TF.js model pick the same label (dev and test). */
  floatTfjsAgreement: number | null;
  bestEpoch: number;
  /** With `patience`: the last epoch trained when training stopped early. */
  stoppedEarly?: number;
  /** Mean seconds of one training step (batch) and of one epoch's training (without the dev evaluation). */
  secondsPerStep: number;
  secondsPerEpoch: number;
  seconds: number;
  /** Mean spikes of the scan populations per test sentence (TF.js), and share of ones in the 1-bit table. */
  spikesPerSentence: number | null;
  tableOnes: number;
  history: BisnnHistoryRow[];
}

export interface BisnnResult {
  model: Model;
  metrics: BisnnMetrics;
  /** Weights and table after the last epoch (what a resumed run continues from). */
  last: { weights: BisnnWeights; embedding: Float32Array };
  /** Best-dev weights and table (float E, before binarisation). */
  best: { weights: BisnnWeights; embedding: Float32Array };
}

function fingerprint(o: BisnnOptions, data: PreparedData): Record<string, unknown> {
  return {
    family: 'bisnn',
    dataset: data.dataset,
    train: data.train.length,
    batch: o.batch,
    lr: o.lr,
    embeddingLr: o.embeddingLr,
    lrDecay: o.lrDecay,
    seed: o.seed,
    layers: o.layers,
    hidden: o.hidden,
    beta: o.beta,
    threshold: o.threshold,
    inputThreshold: o.inputThreshold,
    surrogate: o.surrogate,
    width: o.width,
    inputWidth: o.inputWidth,
    recurrent: o.recurrent,
    dropout: o.dropout,
    maxLen: o.maxLen,
    embeddings: o.embeddings,
    trainEmbeddings: o.trainEmbeddings,
    l2: o.l2,
    initGain: o.initGain,
    // only when not the default, so checkpoints written before the option existed still match
    ...(o.pool !== 'max' ? { pool: o.pool } : {}),
  };
}

/**
 * Gradient of the loss with respect to the embedding rows a batch used: dE[id] += dL/dx[p, b] *
 * g_in(E[id] - nu) at every real position (the input spikes' surrogate), summed over repeats.
 * Returns the ascending unique ids and their gradient rows.
 */
function embeddingGrad(ids: Int32Array, n: number[], dx: Float32Array, table: Float32Array, D: number, nu: number, g: (x: number) => number): { rows: Int32Array; grad: Float32Array } {
  const B = n.length;
  const rows = Int32Array.from(new Set(ids)).sort();
  const at = new Map<number, number>();
  rows.forEach((r, i) => at.set(r, i));
  const grad = new Float32Array(rows.length * D);
  for (let b = 0; b < B; b++)
    for (let p = 0; p < n[b]; p++) {
      const i = p * B + b;
      const id = ids[i];
      const o = at.get(id)! * D;
      for (let d = 0; d < D; d++) {
        const gx = dx[i * D + d];
        if (gx !== 0) grad[o + d] += gx * g(table[id * D + d] - nu);
      }
    }
  return { rows, grad };
}

/**
 * Trains a bi-SNN text classifier directly with surrogate gradients and returns the float
 * `Model` (best dev epoch) with its metrics. Deterministic given `seed`.
 */
export async function trainBisnn(opts: Partial<BisnnOptions> = {}): Promise<BisnnResult> {
  checkBisnnOptions(opts);
  const o: BisnnOptions = { ...BISNN_DEFAULTS, ...opts } as BisnnOptions;
  const t0 = performance.now();
  const backend = await initBackend(o.backend);
  const data = o.data ?? (await prepareData(o.dataset, { limits: o.limits, data: o.dataDir ? { dataDir: o.dataDir } : undefined }));
  if (data.train.length === 0) fail('SNN_E_DATA', `data set ${data.dataset} has no training examples`);
  const shape: BisnnShape = { vocab: data.vocab.length, dim: data.dim, layers: o.layers, hidden: o.hidden, classes: data.classes.length };
  const H2 = 2 * o.hidden;
  const D = data.dim;
  const rng = new Prng(o.seed ^ 0x0b15a);
  const table = o.embeddings === 'random' ? randomTable(shape.vocab, D, new Prng(o.seed ^ 0x7a11)) : data.table.slice();
  for (let d = 0; d < D; d++) table[d] = 0;
  const init = initBisnnWeights(shape, rng, o.initGain);
  const net = makeNet(shape, init);
  const vars = netVars(net, o.recurrent);
  const adam = new Adam(vars, { lr: o.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: o.l2 });
  const rowAdam = new RowAdam(table, D, o.embeddingLr);
  const scan: ScanConfig = { beta: o.beta, threshold: o.threshold, surrogate: o.surrogate, width: o.width, recurrent: o.recurrent, pool: o.pool };
  const inputSurrogate = surrogateFn(o.surrogate, o.inputWidth);
  const fp = fingerprint(o, data);
  const vocabHash = hashStrings([...data.vocab, String(D)]);

  let epoch0 = 0;
  let best: { weights: BisnnWeights; embedding: Float32Array } = { weights: init, embedding: table.slice() };
  let bestDev = -1;
  let bestEpoch = 0;
  let history: CheckpointMeta['history'] = [];
  let stepSeconds: number[] = [];
  if (o.resume && o.checkpointDir && hasCheckpoint(o.checkpointDir)) {
    const ck = loadCheckpoint(o.checkpointDir);
    checkCompatible(ck, fp, vocabHash);
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(need(ck, `w.var${i}`, v.size), v.shape))));
    adam.setState({ step: ck.meta.adamStep, m: vars.map((v, i) => need(ck, `adam.m${i}`, v.size)), v: vars.map((v, i) => need(ck, `adam.v${i}`, v.size)) });
    table.set(need(ck, 'embedding', table.length));
    rowAdam.m.set(need(ck, 'embedding.m', table.length));
    rowAdam.v.set(need(ck, 'embedding.v', table.length));
    rowAdam.step = need(ck, 'embedding.step', 1)[0];
    best = {
      weights: {
        input: init.input.map((x, l) => need(ck, `best.input${l}`, x.length)),
        recurrent: init.recurrent.map((x, l) => need(ck, `best.recurrent${l}`, x.length)),
        output: need(ck, 'best.output', init.output.length),
      },
      embedding: need(ck, 'best.embedding', table.length),
    };
    stepSeconds = Array.from(ck.tensors.get('stepSeconds') ?? []);
    rng.state = ck.meta.rngState >>> 0;
    epoch0 = ck.meta.epoch;
    bestDev = ck.meta.bestDev;
    bestEpoch = ck.meta.bestEpoch;
    history = ck.meta.history;
    o.onProgress?.({ kind: 'resume', epoch: epoch0 });
  }

  const tty = !o.quiet && process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar({ format: 'bisnn epoch {epoch}/{epochs} [{bar}] {value}/{total} loss {loss}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let devStats = '';
  const devAccOf = (): number => {
    const p = predictNet(net, table, o.inputThreshold, data.dev.map((x) => x.ids), o.maxLen, scan);
    devStats = `firing ${p.firingRate.map((r) => (100 * r).toFixed(1)).join('/')}%, pooled ${o.pool === 'mean' ? 'mean' : 'active'} ${(100 * p.pooledActive).toFixed(o.pool === 'mean' ? 1 : 0)}%`;
    return accuracyOf(p.labels, data.dev);
  };
  const trainSecs: number[] = history.map(() => 0);
  let stoppedEarly: number | undefined;
  for (let epoch = epoch0 + 1; epoch <= o.epochs; epoch++) {
    // early stopping, checked before an epoch so that a resumed run stops where it would have
    if (o.patience > 0 && epoch - 1 - bestEpoch >= o.patience) {
      stoppedEarly = epoch - 1;
      if (!o.quiet) process.stderr.write(`bisnn: no better dev accuracy for ${o.patience} epoch(s): stopped after epoch ${epoch - 1} of ${o.epochs} (best: epoch ${bestEpoch})\n`);
      break;
    }
    // the schedule depends on the epoch only, so a resumed run follows it too
    adam.cfg.lr = o.lr * Math.pow(o.lrDecay, epoch - 1);
    rowAdam.lr = o.embeddingLr * Math.pow(o.lrDecay, epoch - 1);
    const tStart = performance.now();
    const batches = bucketBatches(data.train, o.batch, rng);
    let lossSum = 0;
    let correct = 0;
    let stepTotal = 0;
    bar?.start(batches.length, 0, { epoch, epochs: o.epochs, loss: '-' });
    for (let s = 0; s < batches.length; s++) {
      const ts = performance.now();
      const idx = batches[s];
      const B = idx.length;
      const labels = idx.map((i) => data.train[i].label);
      const { ids, n, L } = padRows(
        idx.map((i) => data.train[i].ids),
        o.maxLen,
      );
      let drop: Float32Array | undefined;
      if (o.dropout > 0) {
        const keep = 1 - o.dropout;
        drop = new Float32Array(B * H2);
        for (let i = 0; i < drop.length; i++) drop[i] = rng.next() < keep ? 1 / keep : 0;
      }
      // constants live outside the gradient scope (its tidy would free them before the backward pass)
      const x = tf.tensor3d(inputSpikes(ids, table, D, o.inputThreshold), [L, B, D]);
      const dropT = drop ? tf.tensor2d(drop, [B, H2]) : undefined;
      const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), shape.classes) as tf.Tensor2D);
      let logitsT: tf.Tensor2D | undefined;
      const lossFn = (): tf.Scalar => {
        const r = forward(net, x, !o.trainEmbeddings, n, scan, dropT);
        logitsT = tf.keep(r.logits);
        return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(r.logits)), 1))) as tf.Scalar;
      };
      let loss: number;
      if (o.trainEmbeddings) {
        // the input spikes are an argument of the gradient: dL/dx, then the input surrogate on the host
        const { value, grads } = tf.valueAndGrads(() => lossFn())([x, ...vars]);
        adam.apply(grads.slice(1));
        const u = embeddingGrad(ids, n, grads[0].dataSync() as Float32Array, table, D, o.inputThreshold, inputSurrogate);
        rowAdam.apply(u.rows, u.grad);
        loss = value.dataSync()[0];
        [value, ...grads].forEach((t) => t.dispose());
      } else {
        const { value, grads } = tf.variableGrads(() => lossFn(), vars);
        adam.apply(vars.map((v) => grads[v.name]));
        loss = value.dataSync()[0];
        value.dispose();
        Object.values(grads).forEach((g) => g.dispose());
      }
      if (!Number.isFinite(loss)) fail('SNN_E_NAN', `bisnn training diverged (loss ${loss}) at epoch ${epoch}, step ${s + 1}`, 'lower --lr');
      const lg = logitsT!.dataSync();
      labels.forEach((y, b) => {
        let bst = 0;
        for (let j = 1; j < shape.classes; j++) if (lg[b * shape.classes + j] > lg[b * shape.classes + bst]) bst = j;
        correct += bst === y ? 1 : 0;
      });
      logitsT!.dispose();
      [x, onehot, ...(dropT ? [dropT] : [])].forEach((t) => t.dispose());
      lossSum += loss * B;
      stepTotal += performance.now() - ts;
      bar?.update(s + 1, { loss: loss.toFixed(4) });
      await new Promise<void>((r) => setImmediate(r));
      o.onProgress?.({ kind: 'step', epoch, step: s + 1, steps: batches.length, loss });
    }
    bar?.stop();
    const trainSeconds = (performance.now() - tStart) / 1000;
    stepSeconds.push(stepTotal / 1000 / batches.length);
    trainSecs.push(trainSeconds);
    const devAcc = devAccOf();
    const seconds = (performance.now() - tStart) / 1000;
    const lossMean = lossSum / data.train.length;
    const trainAcc = correct / data.train.length;
    const isBest = devAcc > bestDev;
    if (isBest) {
      bestDev = devAcc;
      bestEpoch = epoch;
      best = { weights: readNet(net), embedding: table.slice() };
    }
    history.push({ epoch, loss: lossMean, trainAcc, devAcc, seconds });
    if (!o.quiet)
      process.stderr.write(
        `bisnn epoch ${epoch}/${o.epochs}: loss ${lossMean.toFixed(4)} train ${(trainAcc * 100).toFixed(2)}% dev ${(devAcc * 100).toFixed(2)}%${isBest ? ' *' : ''} (${seconds.toFixed(1)} s, ${(1000 * stepSeconds[stepSeconds.length - 1]).toFixed(0)} ms/step; ${devStats})\n`,
      );
    o.onProgress?.({ kind: 'epoch', epoch, epochs: o.epochs, loss: lossMean, trainAcc, devAcc, seconds, best: isBest });
    if (o.checkpointDir) {
      const tensors = new Map<string, Float32Array>();
      vars.forEach((v, i) => tensors.set(`w.var${i}`, v.dataSync().slice() as Float32Array));
      const st = adam.getState();
      st.m.forEach((t, i) => tensors.set(`adam.m${i}`, t));
      st.v.forEach((t, i) => tensors.set(`adam.v${i}`, t));
      tensors.set('embedding', table);
      tensors.set('embedding.m', rowAdam.m);
      tensors.set('embedding.v', rowAdam.v);
      tensors.set('embedding.step', Float32Array.of(rowAdam.step));
      best.weights.input.forEach((x, l) => tensors.set(`best.input${l}`, x));
      best.weights.recurrent.forEach((x, l) => tensors.set(`best.recurrent${l}`, x));
      tensors.set('best.output', best.weights.output);
      tensors.set('best.embedding', best.embedding);
      tensors.set('stepSeconds', Float32Array.from(stepSeconds));
      saveCheckpoint(o.checkpointDir, { meta: { epoch, rngState: rng.state, adamStep: adam.step, fingerprint: fp, vocabHash, bestDev, bestEpoch, history }, tensors });
    }
  }
  const last = { weights: readNet(net), embedding: table.slice() };
  adam.dispose();
  disposeNet(net);

  // ---- the saved model: best-dev weights, 1-bit table
  const table01 = binarizeTable(best.embedding, D, o.inputThreshold);
  const graph = buildBisnnGraph(shape, best.weights, table01, { maxLen: o.maxLen, beta: o.beta, threshold: o.threshold, recurrent: o.recurrent, pool: o.pool });
  const bestNet = makeNet(shape, best.weights);
  const devPred = predictNet(bestNet, table01, 0.5, data.dev.map((x) => x.ids), o.maxLen, scan);
  const testPred = data.test.length ? predictNet(bestNet, table01, 0.5, data.test.map((x) => x.ids), o.maxLen, scan) : undefined;
  disposeNet(bestNet);
  let devFloat: number | null = null;
  let testFloat: number | null = null;
  let agreement: number | null = null;
  if (!o.skipFloatEval) {
    const sim = (xs: EncodedExample[]): number[] => xs.map((x) => simulate(graph, { tokens: x.ids }, 'float').label);
    const fd = sim(data.dev);
    const ft = sim(data.test);
    devFloat = data.dev.length ? accuracyOf(fd, data.dev) : null;
    testFloat = data.test.length ? accuracyOf(ft, data.test) : null;
    const all = [...devPred.labels, ...(testPred?.labels ?? [])];
    const fl = [...fd, ...ft];
    agreement = all.length ? all.filter((l, i) => l === fl[i]).length / all.length : null;
  }
  let ones = 0;
  for (let i = D; i < table01.length; i++) ones += table01[i];
  const epochTrain = trainSecs.filter((x) => x > 0);
  const metrics: BisnnMetrics = {
    backend,
    dataset: data.dataset,
    family: 'bisnn',
    stage: 'direct',
    devTfjs: accuracyOf(devPred.labels, data.dev),
    testTfjs: testPred ? accuracyOf(testPred.labels, data.test) : null,
    devFloat,
    testFloat,
    floatTfjsAgreement: agreement,
    bestEpoch,
    ...(stoppedEarly !== undefined ? { stoppedEarly } : {}),
    secondsPerStep: stepSeconds.length ? stepSeconds.reduce((a, b) => a + b, 0) / stepSeconds.length : 0,
    secondsPerEpoch: epochTrain.length ? epochTrain.reduce((a, b) => a + b, 0) / epochTrain.length : 0,
    seconds: (performance.now() - t0) / 1000,
    spikesPerSentence: testPred ? testPred.spikes : null,
    tableOnes: ones / Math.max(1, table01.length - D),
    history,
  };
  const { onProgress: _p, data: _d, ...recorded } = o;
  const model: Model = {
    meta: {
      name: `bisnn-${data.dataset}`,
      family: 'bisnn',
      classes: data.classes,
      training: {
        stage: 'direct',
        method: 'bi-directional recurrent spiking encoder trained with surrogate gradients (BPTT along positions); 1-bit embeddings H(E - nu)',
        dataset: data.dataset,
        seed: o.seed,
        examples: { train: data.train.length, dev: data.dev.length, test: data.test.length },
        accuracy: { devTfjs: metrics.devTfjs, testTfjs: metrics.testTfjs, devFloat, testFloat, floatTfjsAgreement: agreement },
        bestEpoch,
        ...(stoppedEarly !== undefined ? { stoppedEarly } : {}),
        surrogate: { kind: o.surrogate, width: o.width, inputWidth: o.inputWidth },
        options: recorded,
        backend,
        secondsPerEpoch: metrics.secondsPerEpoch,
        secondsPerStep: metrics.secondsPerStep,
        history,
      },
    },
    tokenizer: { kind: TOKENIZER_KIND, lowercase: true }, // the kind prepare.ts tokenized the training data with
    vocab: data.vocab,
    graph,
  };
  return { model, metrics, last, best };
}

// ---------------------------------------------------------------------------------- CLI

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

const cliFlag = (k: string): string => '--' + k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());

/** Options only the bisnn family reads (`recurrent` is commander's `--no-recurrent`). */
const BISNN_ONLY = ['patience', 'layers', 'beta', 'inputThreshold', 'surrogate', 'width', 'inputWidth', 'embeddingLr', 'lrDecay', 'pool'];

/** Fails with SNN_E_USAGE when a textcnn/mlp run is given bisnn-only options. */
export function rejectBisnnOptions(c: Record<string, unknown>): void {
  const given = BISNN_ONLY.filter((k) => c[k] !== undefined).map(cliFlag);
  if (c.recurrent === false) given.push('--no-recurrent');
  if (given.length) fail('SNN_E_USAGE', `${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to --family bisnn only`);
}

/** `snnc train --family bisnn`: commander's camelCase options -> BisnnOptions; the summary text. */
export async function bisnnFromCli(c: Record<string, unknown>): Promise<{ model: Model; summary: string; metrics: BisnnMetrics }> {
  const other = ['timesteps', 'population', 'encoder', 'bits', 'maps', 'percentile', 'finetuneEpochs', 'ftLr', 'slope', 'rateScale', 'ftLoss', 'thresholdScale', 'trainTimesteps', 'direct', 'thresholdSweep', 'quantizeAnnInput', 'densityPenalty', 'inputDensity', 'ratePenalty', 'widths', 'thresholdSearch', 'pruneConv', 'pruneEpochs', 'inputDropout'];
  const given = other.filter((k) => c[k] !== undefined && c[k] !== false);
  if (given.length) fail('SNN_E_USAGE', `--family bisnn does not use ${given.map(cliFlag).join(', ')}`, 'see docs/training.md "The bisnn family"');
  const num = (k: string): number | undefined => (c[k] === undefined ? undefined : Number(c[k]));
  const o: Partial<BisnnOptions> = {};
  const set = <K extends keyof BisnnOptions>(k: K, v: BisnnOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('dataset', c.dataset as string | undefined);
  set('dataDir', c.dataDir as string | undefined);
  set('data', c.prepared as PreparedData | undefined); // the user's files or vectors, prepared by compiler/api/train-data.ts
  set('epochs', num('epochs'));
  set('patience', num('patience'));
  set('batch', num('batch'));
  set('lr', num('lr'));
  set('embeddingLr', num('embeddingLr'));
  set('lrDecay', num('lrDecay'));
  set('seed', num('seed'));
  set('layers', num('layers'));
  if (c.hidden !== undefined) {
    const h = String(c.hidden).trim();
    if (!/^\d+$/.test(h)) fail('SNN_E_USAGE', `--hidden with --family bisnn is one positive integer (neurons per direction and layer), got "${String(c.hidden)}"`);
    o.hidden = Number(h);
  }
  set('beta', num('beta'));
  set('threshold', num('threshold'));
  set('inputThreshold', num('inputThreshold'));
  set('surrogate', c.surrogate as SurrogateKind | undefined);
  set('width', num('width'));
  set('inputWidth', num('inputWidth'));
  if (c.recurrent === false) o.recurrent = false;
  set('dropout', num('dropout'));
  set('pool', c.pool as BisnnPool | undefined);
  set('maxLen', num('maxLen'));
  if (c.embeddings === 'glove' || c.embeddings === 'random') o.embeddings = c.embeddings;
  if (c.staticEmbeddings) o.trainEmbeddings = false;
  if (c.limit !== undefined) o.limits = { train: Number(c.limit) };
  set('checkpointDir', c.checkpointDir as string | undefined);
  if (c.resume) o.resume = true;
  if (c.skipSnnEval) o.skipFloatEval = true;
  set('backend', c.backend as BackendPreference | undefined);
  if (c.json) o.quiet = true;
  if (o.limits && !(Number.isInteger(o.limits.train) && o.limits.train! >= 1)) fail('SNN_E_USAGE', `--limit must be a positive integer, got ${String(c.limit)}`);
  if (o.resume && !o.checkpointDir) fail('SNN_E_USAGE', '--resume needs --checkpoint-dir');
  checkBisnnOptions(o);
  const { model, metrics: m } = await trainBisnn(o);
  const lines = [
    `trained ${model.meta.name} (bi-directional recurrent spiking encoder, ${o.layers ?? BISNN_DEFAULTS.layers} layers x 2 x ${o.hidden ?? BISNN_DEFAULTS.hidden}) on ${m.dataset} (${m.backend}), ${m.seconds.toFixed(0)} s total`,
    `  TF.js    dev ${pct(m.devTfjs)}  test ${pct(m.testTfjs)}  (best epoch ${m.bestEpoch}, ${m.secondsPerEpoch.toFixed(1)} s/epoch, ${(1000 * m.secondsPerStep).toFixed(0)} ms/step)`,
    `  float SNN (reference simulator)  dev ${pct(m.devFloat)}  test ${pct(m.testFloat)}${m.floatTfjsAgreement !== null ? `, agrees with TF.js on ${pct(m.floatTfjsAgreement)}` : ''}`,
    `  1-bit embeddings: ${(100 * m.tableOnes).toFixed(1)}% ones; ${m.spikesPerSentence === null ? 'n/a' : m.spikesPerSentence.toFixed(0)} recurrent-layer spikes per test sentence`,
  ];
  return { model, summary: lines.join('\n'), metrics: m };
}
