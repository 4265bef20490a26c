// The ANN training loop: seeded init, seeded shuffling and dropout (all from one Prng, so a
// resumed run equals an uninterrupted one), Adam, per-epoch dev accuracy with best-dev
// weights kept, a checkpoint every epoch, and a progress bar (a line per epoch off a TTY).

import cliProgress from 'cli-progress';
import { tf } from './backend.js';
import { Adam, applyMaxNorm } from './adam.js';
import { checkCompatible, hasCheckpoint, hashStrings, loadCheckpoint, need, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { Prng } from './prng.js';
import { shiftToDensity } from './input-cost.js';
import { fail } from '../../core/errors.js';
import {
  disposeBatch,
  disposeParams,
  forward,
  initWeights,
  makeBatch,
  makeParams,
  readRaw,
  readWeights,
  trainables,
  writeRaw,
  type TextCnnParams,
  type TextCnnShape,
  type TextCnnWeights,
} from './textcnn.js';

/** One tokenized example. */
export interface EncodedExample {
  ids: Int32Array;
  label: number;
}

/** What the trainer consumes: a data set already mapped to ids, plus its embedding table. */
export interface PreparedData {
  dataset: string;
  classes: string[];
  vocab: string[];
  /** [vocab.length, dim], positive-shifted into [0, 1], row 0 zeros. */
  table: Float32Array;
  dim: number;
  train: EncodedExample[];
  dev: EncodedExample[];
  test: EncodedExample[];
}

export interface AnnOptions {
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  dropout: number;
  widths: number[];
  maps: number;
  population: number;
  maxLen: number;
  trainEmbeddings: boolean;
  l2: number;
  maxNorm: number;
  /** Softmax temperature inverse used in the loss only (argmax, hence the SNN, is unaffected). */
  logitScale: number;
  /** Multiplies the (centred Glorot) initial weights. */
  initGain: number;
  /** Train on embeddings rounded to this many encoder bits (straight-through gradient); unset: continuous. */
  inputBits?: number;
  /**
   * Input-sparsity penalty: loss += densityPenalty * (mean over the real tokens and channels of
   * the level-rounded input / top), i.e. the share of ones for binary inputs. Its gradient
   * reaches the (trained) table through the straight-through rounding. 0 = off.
   */
  densityPenalty?: number;
  /**
   * Start the table at this share of nonzero input levels (per-dimension shift measured on the
   * training tokens, `shiftToDensity`); unset: the table as given.
   */
  inputDensity?: number;
  /**
   * Start from these weights instead of the seeded init (the table too), e.g. a pruned ANN to
   * retrain; with `keepZeros` its zero conv weights stay 0. Epoch 0 is then these weights: the
   * best-dev selection keeps them unless an epoch beats their dev accuracy.
   */
  initWeights?: TextCnnWeights;
  keepZeros?: boolean;
  /** Dropout on the (level-rounded) conv inputs, per token and channel, training only; 0 = off. */
  inputDropout?: number;
  checkpointDir?: string;
  resume: boolean;
  quiet: boolean;
  onProgress?: (ev: ProgressEvent) => void;
}

export type ProgressEvent =
  | { kind: 'step'; epoch: number; step: number; steps: number; loss: number }
  | { kind: 'epoch'; epoch: number; epochs: number; loss: number; trainAcc: number; devAcc: number; seconds: number; best: boolean }
  | { kind: 'resume'; epoch: number };

export interface AnnResult {
  shape: TextCnnShape;
  /** Best-dev weights. */
  weights: TextCnnWeights;
  /** Weights after the last epoch (what a resumed run continues from). */
  last: TextCnnWeights;
  bestDev: number;
  bestEpoch: number;
  history: CheckpointMeta['history'];
  secondsPerEpoch: number;
}

/** Options that change the trajectory of a run: a resume must match them exactly. */
function fingerprint(o: AnnOptions, data: PreparedData): Record<string, unknown> {
  return {
    dataset: data.dataset,
    train: data.train.length,
    batch: o.batch,
    lr: o.lr,
    seed: o.seed,
    dropout: o.dropout,
    widths: o.widths,
    maps: o.maps,
    population: o.population,
    maxLen: o.maxLen,
    trainEmbeddings: o.trainEmbeddings,
    ...(o.inputBits ? { inputBits: o.inputBits } : {}),
    ...(o.densityPenalty ? { densityPenalty: o.densityPenalty } : {}),
    ...(o.inputDensity !== undefined ? { inputDensity: o.inputDensity } : {}),
    ...(o.inputDropout ? { inputDropout: o.inputDropout } : {}),
    ...(o.initWeights ? { initWeights: hashWeights(o.initWeights), keepZeros: o.keepZeros === true } : {}),
    l2: o.l2,
    maxNorm: o.maxNorm,
    logitScale: o.logitScale,
    initGain: o.initGain,
  };
}

/** Predicted labels of the ANN (no dropout) for many examples. */
export function predictAnn(p: TextCnnParams, xs: EncodedExample[], maxLen: number, batch = 256): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += batch) {
    const rows = xs.slice(i, i + batch).map((x) => x.ids);
    const b = makeBatch(rows, maxLen);
    const pred = tf.tidy(() => tf.argMax(forward(p, b).logits, 1));
    out.push(...(pred.dataSync() as Int32Array));
    pred.dispose();
    disposeBatch(b);
  }
  return out;
}

export function accuracy(pred: number[], xs: EncodedExample[]): number {
  let ok = 0;
  xs.forEach((x, i) => (ok += pred[i] === x.label ? 1 : 0));
  return xs.length ? ok / xs.length : 0;
}

function ckTensors(raw: Float32Array[], best: TextCnnWeights, adam: Adam, trainEmb: boolean): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  raw.forEach((t, i) => m.set(`w.var${i}`, t));
  if (trainEmb) m.set('best.embedding', best.embedding);
  best.conv.forEach((c, i) => m.set(`best.conv${i}`, c));
  m.set('best.classifier', best.classifier);
  const st = adam.getState();
  st.m.forEach((t, i) => m.set(`adam.m${i}`, t));
  st.v.forEach((t, i) => m.set(`adam.v${i}`, t));
  return m;
}

/**
 * Mean over the real tokens and channels of the conv input `x` [B, L, D] (levels / top once
 * rounded: the share of ones for binary inputs); `mask` [B, L] marks the real tokens.
 */
export function inputDensityTensor(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  const D = x.shape[2];
  return tf.div(tf.sum(tf.mul(x, tf.expandDims(mask, 2))), tf.mul(tf.sum(mask), D)) as tf.Scalar;
}

/** A short hash of weights (checkpoint fingerprints of runs that start from given weights). */
function hashWeights(w: TextCnnWeights): string {
  const parts: string[] = [];
  for (const t of [w.embedding, ...w.conv, w.classifier]) {
    let a = 0;
    for (let i = 0; i < t.length; i += 31) a += t[i] * ((i % 17) + 1);
    parts.push(String(t.length), a.toPrecision(10));
  }
  return hashStrings(parts).slice(0, 16);
}

function constrainEmbedding(p: TextCnnParams, rowMask: tf.Tensor2D): void {
  tf.tidy(() => p.embedding.assign(tf.mul(tf.clipByValue(p.embedding, 0, 1), rowMask)));
}

/** Trains the tailored TextCNN; returns the best-dev weights. */
export async function trainAnn(data: PreparedData, o: AnnOptions): Promise<AnnResult> {
  const shape: TextCnnShape = {
    vocab: data.vocab.length,
    dim: data.dim,
    widths: o.widths,
    maps: o.maps,
    classes: data.classes.length,
    population: o.population,
    ...(o.inputBits ? { inputBits: o.inputBits } : {}),
  };
  if (o.densityPenalty && !o.trainEmbeddings) fail('SNN_E_USAGE', 'the input density penalty trains the embedding table', 'drop --static-embeddings');
  if (o.densityPenalty !== undefined && !(o.densityPenalty >= 0)) fail('SNN_E_USAGE', `the density penalty must be >= 0, got ${o.densityPenalty}`);
  if (o.inputDropout !== undefined && !(o.inputDropout >= 0 && o.inputDropout < 1)) fail('SNN_E_USAGE', `input dropout must be in [0, 1), got ${o.inputDropout}`);
  if ((o.densityPenalty || o.inputDensity !== undefined) && !o.inputBits) fail('SNN_E_USAGE', 'the input density options act on the level-rounded inputs', 'add --quantize-ann-input');
  const bits = o.inputBits ?? 8;
  const table0 =
    o.inputDensity === undefined
      ? data.table
      : shiftToDensity(
          data.table,
          data.dim,
          data.train.map((x) => x.ids),
          o.maxLen,
          bits,
          o.inputDensity,
        );
  const rng = new Prng(o.seed);
  const init = o.initWeights ?? initWeights(shape, table0, rng, o.initGain);
  const params = makeParams(shape, init, o.trainEmbeddings, o.keepZeros === true);
  const vars = trainables(params, o.trainEmbeddings);
  const adam = new Adam(vars, { lr: o.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: o.l2 });
  const fp = fingerprint(o, data);
  const vocabHash = hashStrings([...data.vocab, String(data.dim)]);

  let epoch0 = 0;
  let best: TextCnnWeights = init;
  // given weights are epoch 0: retraining must beat them to replace them
  let bestDev = o.initWeights && !(o.resume && o.checkpointDir && hasCheckpoint(o.checkpointDir)) ? accuracy(predictAnn(params, data.dev, o.maxLen), data.dev) : -1;
  let bestEpoch = 0;
  let history: CheckpointMeta['history'] = [];
  if (o.resume && o.checkpointDir && hasCheckpoint(o.checkpointDir)) {
    const ck = loadCheckpoint(o.checkpointDir);
    checkCompatible(ck, fp, vocabHash);
    best = {
      embedding: o.trainEmbeddings ? need(ck, 'best.embedding', data.table.length) : init.embedding.slice(),
      conv: init.conv.map((c, i) => need(ck, `best.conv${i}`, c.length)),
      classifier: need(ck, 'best.classifier', init.classifier.length),
    };
    writeRaw(
      vars,
      vars.map((v, i) => need(ck, `w.var${i}`, v.size)),
    );
    adam.setState({
      step: ck.meta.adamStep,
      m: vars.map((v, i) => need(ck, `adam.m${i}`, v.size)),
      v: vars.map((v, i) => need(ck, `adam.v${i}`, v.size)),
    });
    rng.state = ck.meta.rngState >>> 0;
    epoch0 = ck.meta.epoch;
    bestDev = ck.meta.bestDev;
    bestEpoch = ck.meta.bestEpoch;
    history = ck.meta.history;
    o.onProgress?.({ kind: 'resume', epoch: epoch0 });
  }

  // Trained embeddings stay rates (clipped into [0, 1]) and <pad> stays all-zero.
  const rowMask = o.trainEmbeddings ? tf.tensor2d(Float32Array.from({ length: shape.vocab }, (_, i) => (i === 0 ? 0 : 1)), [shape.vocab, 1]) : undefined;
  const steps = Math.ceil(data.train.length / o.batch);
  const tty = !o.quiet && process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: 'epoch {epoch}/{epochs} [{bar}] {value}/{total} loss {loss}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const feat = o.widths.length * o.maps;

  for (let epoch = epoch0 + 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    const order = rng.shuffle(data.train.map((_, i) => i));
    let lossSum = 0;
    let correct = 0;
    let densSum = 0;
    let densTokens = 0;
    bar?.start(steps, 0, { epoch, epochs: o.epochs, loss: '-' });
    for (let s = 0; s < steps; s++) {
      const idx = order.slice(s * o.batch, (s + 1) * o.batch);
      const batch = makeBatch(
        idx.map((i) => data.train[i].ids),
        o.maxLen,
        idx.map((i) => data.train[i].label),
      );
      const keep = 1 - o.dropout;
      const maskData = new Float32Array(idx.length * feat);
      for (let i = 0; i < maskData.length; i++) maskData[i] = rng.next() < keep ? 1 / keep : 0;
      const dropMask = tf.tensor2d(maskData, [idx.length, feat]);
      let inputMask: tf.Tensor3D | undefined;
      if (o.inputDropout) {
        const [B, L] = batch.ids.shape;
        const ik = 1 - o.inputDropout;
        const m = new Float32Array(B * L * shape.dim);
        for (let i = 0; i < m.length; i++) m[i] = rng.next() < ik ? 1 / ik : 0;
        inputMask = tf.tensor3d(m, [B, L, shape.dim]);
      }
      let predT: tf.Tensor | undefined;
      let densT: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = forward(params, batch, o.dropout > 0 ? dropMask : undefined, o.trainEmbeddings, inputMask);
        predT = tf.keep(tf.argMax(out.logits, 1));
        const onehot = tf.oneHot(batch.labels!, shape.classes);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(tf.mul(out.logits, o.logitScale))), 1))) as tf.Scalar;
        const dens = inputDensityTensor(out.input, batch.mask);
        densT = tf.keep(dens);
        return (o.densityPenalty ? tf.add(ce, tf.mul(dens, o.densityPenalty)) : ce) as tf.Scalar;
      }, vars);
      adam.apply(vars.map((v) => grads[v.name]));
      if (o.maxNorm > 0) applyMaxNorm(params.classifier, o.maxNorm);
      if (o.trainEmbeddings) constrainEmbedding(params, rowMask!);
      const loss = value.dataSync()[0];
      lossSum += loss * idx.length;
      const tokens = idx.reduce((a, i) => a + Math.max(1, Math.min(data.train[i].ids.length, o.maxLen)), 0);
      densSum += densT!.dataSync()[0] * tokens;
      densTokens += tokens;
      densT!.dispose();
      const pred = predT!.dataSync();
      idx.forEach((i, k) => (correct += pred[k] === data.train[i].label ? 1 : 0));
      value.dispose();
      predT!.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      dropMask.dispose();
      inputMask?.dispose();
      disposeBatch(batch);
      bar?.update(s + 1, { loss: loss.toFixed(4) });
      // let timers, I/O and the progress bar run between steps
      await new Promise<void>((r) => setImmediate(r));
      o.onProgress?.({ kind: 'step', epoch, step: s + 1, steps, loss });
    }
    bar?.stop();
    const devAcc = accuracy(predictAnn(params, data.dev, o.maxLen), data.dev);
    const seconds = (performance.now() - t0) / 1000;
    const loss = lossSum / data.train.length;
    const trainAcc = correct / data.train.length;
    const isBest = devAcc > bestDev;
    const cur = readWeights(params);
    if (isBest) {
      bestDev = devAcc;
      bestEpoch = epoch;
      best = cur;
    }
    const inputDensity = densTokens ? densSum / densTokens : 0;
    history.push({ epoch, loss, trainAcc, devAcc, seconds, inputDensity });
    if (!o.quiet)
      process.stderr.write(
        `epoch ${epoch}/${o.epochs}: loss ${loss.toFixed(4)} train ${(trainAcc * 100).toFixed(2)}% dev ${(devAcc * 100).toFixed(2)}%${isBest ? ' *' : ''} input density ${(100 * inputDensity).toFixed(1)}% (${seconds.toFixed(1)} s)\n`,
      );
    o.onProgress?.({ kind: 'epoch', epoch, epochs: o.epochs, loss, trainAcc, devAcc, seconds, best: isBest });
    if (o.checkpointDir)
      saveCheckpoint(o.checkpointDir, {
        meta: { epoch, rngState: rng.state, adamStep: adam.step, fingerprint: fp, vocabHash, bestDev, bestEpoch, history },
        tensors: ckTensors(readRaw(vars), best, adam, o.trainEmbeddings),
      });
  }
  const last = readWeights(params);
  rowMask?.dispose();
  adam.dispose();
  disposeParams(params);
  const secs = history.map((h) => h.seconds);
  return {
    shape,
    weights: best,
    last,
    bestDev,
    bestEpoch,
    history,
    secondsPerEpoch: secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : 0,
  };
}
