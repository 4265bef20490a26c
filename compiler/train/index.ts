// Public surface of the trainer: `trainTextCnn` (data -> tailored TextCNN ANN -> converted
// float SNN Model with measured accuracies), the CLI adapter, and TF.js predictions from a
// saved Model (ANN equivalent and dense-tensor SNN) for `snnc eval` and the benchmarks.

import type { Model } from '../ir/types.js';
import { fail } from '../../runtime/errors.js';
import { initBackend, type BackendPreference } from './backend.js';
import { annForward, buildGraph, buildModel, measureScales, type ConvertOptions } from './convert.js';
import { prepareData, type SubsetLimits } from './prepare.js';
import { predictSnn } from './snn-tfjs.js';
import { makeParams, disposeParams } from './textcnn.js';
import { accuracy, predictAnn, trainAnn, type PreparedData, type ProgressEvent } from './trainer.js';

export { initBackend, type BackendPreference } from './backend.js';
export { annForward, buildGraph, buildModel, measureScales, viewTextCnn, DEFAULT_CONVERT, type ConvertOptions, type Scales } from './convert.js';
export { predictSnn, simulateBatch, type SnnBatchResult } from './snn-tfjs.js';
export { prepareData, encodeTexts, type SubsetLimits } from './prepare.js';
export { trainAnn, predictAnn, accuracy, type PreparedData, type ProgressEvent, type AnnOptions, type AnnResult } from './trainer.js';

/** Options of `trainTextCnn`; every field has a default (TRAIN_DEFAULTS). */
export interface TrainOptions {
  /** Data set name (compiler/data registry). Default 'sst2'. */
  dataset: string;
  /** Folder with the corpus files (else ../shared/data or the bundled copy). */
  dataDir?: string;
  /** Training epochs. */
  epochs: number;
  /** Mini-batch size. */
  batch: number;
  /** Adam learning rate. */
  lr: number;
  /** Seed of init, shuffling, dropout masks and the Poisson encoder. */
  seed: number;
  /** Dropout before the classifier. */
  dropout: number;
  /** Conv widths (one branch each) and feature maps per branch. */
  widths: number[];
  maps: number;
  /** Output neurons per class. */
  population: number;
  /** Tokens per sentence (longer ones are truncated). */
  maxLen: number;
  /**
   * Fine-tune the (positive-shifted) embeddings too; they stay clipped to [0, 1] and <pad>
   * stays zero. Default true: static GloVe-100d plateaus near 78% dev on SST-2 (measured).
   */
  trainEmbeddings: boolean;
  /** L2 penalty and classifier column max-norm (0 = off). */
  l2: number;
  maxNorm: number;
  /** Loss-only logit multiplier (softmax temperature^-1); the argmax is unchanged. */
  logitScale: number;
  /** SNN time steps T. */
  timesteps: number;
  encoder: 'rate' | 'binary' | 'poisson';
  /** Encoder bits (levels 2^bits - 1); the float SNN's table is rounded to them. */
  bits: number;
  /** Percentile of positive ANN activations used as each layer's threshold. */
  percentile: number;
  /** Training sentences used to measure the thresholds. */
  normSamples: number;
  /** Use only the first examples of each split. */
  limits?: SubsetLimits;
  /** Checkpoint folder (a checkpoint per epoch) and whether to continue from it. */
  checkpointDir?: string;
  resume: boolean;
  /** Skip evaluating the converted SNN on the test split (it takes a while). */
  skipSnnEval: boolean;
  backend: BackendPreference;
  quiet: boolean;
  onProgress?: (ev: ProgressEvent) => void;
  /** Already-prepared data (tests reuse one load); overrides dataset/limits. */
  data?: PreparedData;
}

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'onProgress' | 'data' | 'limits' | 'checkpointDir' | 'dataDir'> = {
  dataset: 'sst2',
  epochs: 4,
  batch: 50,
  lr: 1e-3,
  seed: 1,
  dropout: 0.5,
  widths: [3, 4, 5],
  maps: 100,
  population: 10,
  maxLen: 64,
  trainEmbeddings: true,
  l2: 0,
  maxNorm: 0,
  logitScale: 1,
  timesteps: 16,
  encoder: 'rate',
  bits: 4,
  percentile: 99.9,
  normSamples: 2000,
  resume: false,
  skipSnnEval: false,
  backend: 'auto',
  quiet: false,
};

export interface TrainMetrics {
  backend: string;
  dataset: string;
  annDev: number;
  annTest: number;
  /** Converted float SNN (TF.js dense simulation) on the test split; null if skipped. */
  snnTest: number | null;
  /** Share of test sentences where SNN and ANN agree. */
  snnAnnAgreement: number | null;
  bestEpoch: number;
  secondsPerEpoch: number;
  seconds: number;
  thresholds: { conv: number[]; out: number };
  history: { epoch: number; loss: number; trainAcc: number; devAcc: number; seconds: number }[];
}

/** Trains the tailored TextCNN, converts it to a float SNN Model and measures both. */
export async function trainTextCnn(opts: Partial<TrainOptions> = {}): Promise<{ model: Model; metrics: TrainMetrics }> {
  const o: TrainOptions = { ...TRAIN_DEFAULTS, ...opts } as TrainOptions;
  const t0 = performance.now();
  const backend = await initBackend(o.backend);
  const data = o.data ?? (await prepareData(o.dataset, { limits: o.limits, data: o.dataDir ? { dataDir: o.dataDir } : undefined }));
  if (data.train.length === 0) fail('SNN_E_DATA', `data set ${data.dataset} has no training examples`);
  const ann = await trainAnn(data, { ...o, initGain: 1 });

  const params = makeParams(ann.shape, ann.weights, false);
  const annPred = predictAnn(params, data.test, o.maxLen);
  const annTest = accuracy(annPred, data.test);
  disposeParams(params);

  const conv: ConvertOptions = {
    timesteps: o.timesteps,
    encoder: o.encoder,
    bits: o.bits,
    percentile: o.percentile,
    seed: o.seed,
    maxLen: o.maxLen,
    quantizeInput: true,
  };
  const scales = measureScales(
    ann.shape,
    ann.weights,
    data.train.slice(0, o.normSamples).map((x) => x.ids),
    o.maxLen,
    o.percentile,
  );
  const graph = buildGraph(ann.shape, ann.weights, scales, conv);
  let snnTest: number | null = null;
  let agreement: number | null = null;
  if (!o.skipSnnEval && data.test.length) {
    const r = predictSnn(
      graph,
      data.test.map((x) => x.ids),
    );
    snnTest = accuracy(r.labels, data.test);
    agreement = r.labels.filter((l, i) => l === annPred[i]).length / data.test.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const metrics: TrainMetrics = {
    backend,
    dataset: data.dataset,
    annDev: ann.bestDev,
    annTest,
    snnTest,
    snnAnnAgreement: agreement,
    bestEpoch: ann.bestEpoch,
    secondsPerEpoch: ann.secondsPerEpoch,
    seconds,
    thresholds: scales,
    history: ann.history,
  };
  const { onProgress: _p, data: _d, ...recorded } = o;
  const model = buildModel(graph, {
    name: `textcnn-${data.dataset}`,
    classes: data.classes,
    vocab: data.vocab,
    training: {
      stage: 'converted',
      dataset: data.dataset,
      seed: o.seed,
      examples: { train: data.train.length, dev: data.dev.length, test: data.test.length },
      accuracy: { annDev: ann.bestDev, annTest, snnTest, snnAnnAgreement: agreement },
      thresholds: scales,
      options: recorded,
      backend,
      secondsPerEpoch: ann.secondsPerEpoch,
    },
  });
  return { model, metrics };
}

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

/** Adapter for `snnc train` (compiler/api.ts): commander's camelCase options -> TrainOptions. */
export async function trainFromCli(c: Record<string, unknown>): Promise<{ model: Model; summary: string; metrics: TrainMetrics }> {
  const num = (k: string): number | undefined => (c[k] === undefined ? undefined : Number(c[k]));
  const opts: Partial<TrainOptions> = {};
  const set = <K extends keyof TrainOptions>(k: K, v: TrainOptions[K] | undefined): void => {
    if (v !== undefined) opts[k] = v;
  };
  set('dataset', c.dataset as string | undefined);
  set('dataDir', c.dataDir as string | undefined);
  set('epochs', num('epochs'));
  set('batch', num('batch'));
  set('lr', num('lr'));
  set('seed', num('seed'));
  set('timesteps', num('timesteps'));
  set('population', num('population'));
  set('encoder', c.encoder as TrainOptions['encoder'] | undefined);
  set('bits', num('bits'));
  set('maxLen', num('maxLen'));
  set('maps', num('maps'));
  set('dropout', num('dropout'));
  set('percentile', num('percentile'));
  if (c.skipSnnEval) opts.skipSnnEval = true;
  if (c.staticEmbeddings) opts.trainEmbeddings = false;
  if (c.limit !== undefined) opts.limits = { train: Number(c.limit) };
  set('checkpointDir', c.checkpointDir as string | undefined);
  if (c.resume) opts.resume = true;
  set('backend', c.backend as BackendPreference | undefined);
  if (c.json) opts.quiet = true;
  for (const k of ['epochs', 'batch', 'timesteps', 'population', 'bits', 'maxLen', 'seed', 'maps'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < (k === 'seed' ? 0 : 1))) fail('SNN_E_USAGE', `--${k} must be a positive integer, got ${String(c[k])}`);
  }
  if (opts.lr !== undefined && !(opts.lr > 0)) fail('SNN_E_USAGE', `--lr must be positive, got ${String(c.lr)}`);
  if (opts.dropout !== undefined && !(opts.dropout >= 0 && opts.dropout < 1)) fail('SNN_E_USAGE', `--dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (opts.percentile !== undefined && !(opts.percentile > 0 && opts.percentile <= 100)) fail('SNN_E_USAGE', `--percentile must be in (0, 100], got ${String(c.percentile)}`);
  if (opts.resume && !opts.checkpointDir) fail('SNN_E_USAGE', '--resume needs --checkpoint-dir');
  const { model, metrics: m } = await trainTextCnn(opts);
  const summary = [
    `trained ${model.meta.name} on ${m.dataset} (${m.backend}), best dev epoch ${m.bestEpoch}, ${m.secondsPerEpoch.toFixed(1)} s/epoch, ${m.seconds.toFixed(0)} s total`,
    `  ANN  dev ${pct(m.annDev)}  test ${pct(m.annTest)}`,
    `  SNN  test ${pct(m.snnTest)} (T=${model.graph.timesteps}), agrees with the ANN on ${pct(m.snnAnnAgreement)}`,
  ].join('\n');
  return { model, summary, metrics: m };
}

/** ANN-equivalent labels of a float TextCNN Model (TF.js). */
export async function predictAnnFromModel(model: Model, ids: ArrayLike<number>[], batch = 256): Promise<number[]> {
  await initBackend();
  const out: number[] = [];
  for (let i = 0; i < ids.length; i += batch) {
    for (const l of annForward(model, ids.slice(i, i + batch))) {
      let best = 0;
      for (let k = 1; k < l.length; k++) if (l[k] > l[best]) best = k;
      out.push(best);
    }
  }
  return out;
}

/** Float-SNN labels of a TextCNN Model simulated as dense TF.js tensors. */
export async function predictSnnFromModel(model: Model, ids: ArrayLike<number>[]): Promise<number[]> {
  await initBackend();
  return predictSnn(model.graph, ids).labels;
}
