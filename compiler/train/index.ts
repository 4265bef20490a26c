// Public surface of the trainer: `trainTextCnn` (data -> tailored TextCNN ANN -> converted
// float SNN Model with measured accuracies), the CLI adapter, and TF.js predictions from a
// saved Model (ANN equivalent and dense-tensor SNN) for `snnc eval` and the benchmarks.

import { join } from 'node:path';
import type { Graph, LifNode, Model } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { initBackend, type BackendPreference } from './backend.js';
import { annForward, buildGraph, buildModel, measureScales, textCnnTensors, type ConvertOptions, type Scales } from './convert.js';
import { prepareData, type SubsetLimits } from './prepare.js';
import { predictSnn } from './snn-tfjs.js';
import { makeParams, disposeParams, type TextCnnShape } from './textcnn.js';
import { directInitGraph, finetuneTextCnn, randomTable, scaleThresholds, type FinetuneOptions } from './finetune.js';
import { encoderView, trainMlpModel, MLP_DEFAULTS } from './mlp.js';
import { predictFloatReference } from './evaluate.js';
import { Prng } from './prng.js';
import { accuracy, predictAnn, trainAnn, type PreparedData, type ProgressEvent } from './trainer.js';
import { bisnnFromCli, rejectBisnnOptions, type BisnnMetrics } from './bisnn.js';

export { initBackend, type BackendPreference } from './backend.js';
export { annForward, buildGraph, buildModel, measureScales, viewTextCnn, textCnnTensors, DEFAULT_CONVERT, type ConvertOptions, type Scales, type TextCnnTensors } from './convert.js';
export { predictSnn, simulateBatch, type SnnBatchResult } from './snn-tfjs.js';
export { prepareData, encodeTexts, type SubsetLimits } from './prepare.js';
export { trainAnn, predictAnn, accuracy, type PreparedData, type ProgressEvent, type AnnOptions, type AnnResult } from './trainer.js';
export {
  finetuneTextCnn,
  directInitGraph,
  randomTable,
  scaleThresholds,
  withWeights,
  snnAccuracy,
  encodeBatch,
  FINETUNE_DEFAULTS,
  type FinetuneOptions,
  type FinetuneResult,
} from './finetune.js';
export { spikeFn, fastSigmoidGrad, spikeSurrogate, surrogateGrad, SURROGATES, type SurrogateKind } from './surrogate.js';
export {
  trainBisnn,
  bisnnFromCli,
  buildBisnnGraph,
  viewBisnn,
  predictBisnnModel,
  binarizeTable,
  BISNN_DEFAULTS,
  type BisnnOptions,
  type BisnnMetrics,
  type BisnnResult,
  type BisnnWeights,
} from './bisnn.js';
export {
  trainMlpModel,
  buildMlpGraph,
  withEncoder,
  sentenceVector,
  sentenceVectorFromIds,
  sentenceRuleOf,
  fitSentenceVectorRule,
  encoderView,
  MLP_DEFAULTS,
  type MlpOptions,
  type MlpTrained,
  type SentenceVectorRule,
} from './mlp.js';
export { predictFloatReference, agreement, accuracyOf } from './evaluate.js';

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
  /** Train the ANN on the embeddings rounded to the encoder's levels (straight-through gradient), as the SNN will see them. */
  quantizeAnnInput?: boolean;
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
  /** 'textcnn' (spiking TextCNN) or 'mlp' (IF MLP over a rate-coded sentence vector). */
  family: 'textcnn' | 'mlp';
  /** Surrogate-gradient fine-tuning epochs after conversion (0 = stop at the converted SNN). */
  finetuneEpochs: number;
  /** Fine-tuning learning rate; default 1e-4 after conversion, 1e-3 for a directly trained SNN. */
  ftLr?: number;
  /** Fast-sigmoid surrogate slope. */
  slope: number;
  /** Loss logits = rateScale * class spike rate. */
  rateScale: number;
  ftLoss: 'cumulative' | 'per-step';
  /** Multiplies every threshold before fine-tuning (or, for --direct, the initial threshold). */
  thresholdScale: number;
  /** BPTT steps (default: timesteps). */
  trainTimesteps?: number;
  /** Directly trained SNN: no ANN, no conversion; random init then `finetuneEpochs` (or `epochs`) of surrogate training. */
  direct: boolean;
  /** Threshold of every population of the directly trained SNN. */
  threshold: number;
  /** Input table: positive-shifted GloVe (default) or uniform random in [0, 1). */
  embeddings: 'glove' | 'random';
  /** Also evaluate the final float SNN with thresholds times each factor (accuracy, active neurons). */
  thresholdSweep?: number[];
  /** MLP hidden layer sizes. */
  hidden: number[];
}

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'onProgress' | 'data' | 'limits' | 'checkpointDir' | 'dataDir' | 'ftLr' | 'trainTimesteps' | 'thresholdSweep'> = {
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
  family: 'textcnn',
  finetuneEpochs: 0,
  slope: 5,
  rateScale: 10,
  ftLoss: 'cumulative',
  thresholdScale: 1,
  direct: false,
  threshold: 1,
  embeddings: 'glove',
  hidden: [256, 128],
};

export interface ThresholdSweepRow {
  scale: number;
  accuracy: number;
  /** LIF spikes / (real neurons x T), all populations. */
  firingRate: number;
  /** Share of (real) LIF neurons that spiked at least once in an inference, all populations. */
  activeShare: number;
}

export interface TrainMetrics {
  backend: string;
  dataset: string;
  family: 'textcnn' | 'mlp';
  /** 'converted', 'finetuned' (conversion + surrogate fine-tuning) or 'direct' (surrogate training from scratch). */
  stage: string;
  /** Tailored ANN; null for a directly trained SNN. */
  annDev: number | null;
  annTest: number | null;
  /** Converted float SNN on the test split (before fine-tuning); null if skipped or direct. */
  convertedTest: number | null;
  /** Final float SNN (TF.js dense simulation) on the test split; null if skipped. */
  snnTest: number | null;
  finetune?: { initialDev: number; bestDev: number; bestEpoch: number; secondsPerEpoch: number; history: TrainMetrics['history'] };
  thresholdSweep?: ThresholdSweepRow[];
  /** Share of test sentences where SNN and ANN agree. */
  snnAnnAgreement: number | null;
  bestEpoch: number;
  secondsPerEpoch: number;
  seconds: number;
  thresholds: { conv: number[]; out: number };
  history: { epoch: number; loss: number; trainAcc: number; devAcc: number; seconds: number }[];
}

/** Float-SNN test predictions plus activity totals (TF.js dense simulation). */
function snnTestRun(graph: Graph, data: PreparedData): { acc: number; labels: number[]; firingRate: number; activeShare: number } {
  const r = predictSnn(
    graph,
    data.test.map((x) => x.ids),
  );
  const spikes = r.layerSpikes.reduce((a, x) => a + x, 0);
  const neurons = r.neurons.reduce((a, x) => a + x, 0);
  const active = r.activeNeurons.reduce((a, x) => a + x, 0);
  return { acc: accuracy(r.labels, data.test), labels: r.labels, firingRate: neurons ? spikes / (neurons * graph.timesteps) : 0, activeShare: neurons ? active / neurons : 0 };
}

/** Accuracy and activity of the float SNN with every threshold times each factor. */
export function thresholdSweep(graph: Graph, data: PreparedData, factors: number[]): ThresholdSweepRow[] {
  return factors.map((scale) => {
    const r = snnTestRun(scaleThresholds(graph, scale), data);
    return { scale, accuracy: r.acc, firingRate: r.firingRate, activeShare: r.activeShare };
  });
}

/**
 * Trains a spiking TextCNN: the tailored ANN, conversion, optionally surrogate-gradient
 * fine-tuning (`finetuneEpochs`); or, with `direct`, surrogate training from a random init.
 */
export async function trainTextCnn(opts: Partial<TrainOptions> = {}): Promise<{ model: Model; metrics: TrainMetrics }> {
  const o: TrainOptions = { ...TRAIN_DEFAULTS, ...opts } as TrainOptions;
  const t0 = performance.now();
  const backend = await initBackend(o.backend);
  let data = o.data ?? (await prepareData(o.dataset, { limits: o.limits, data: o.dataDir ? { dataDir: o.dataDir } : undefined }));
  if (data.train.length === 0) fail('SNN_E_DATA', `data set ${data.dataset} has no training examples`);
  if (o.embeddings === 'random') data = { ...data, table: randomTable(data.vocab.length, data.dim, new Prng(o.seed ^ 0x7a11)) };

  const conv: ConvertOptions = {
    timesteps: o.timesteps,
    encoder: o.encoder,
    bits: o.bits,
    percentile: o.percentile,
    seed: o.seed,
    maxLen: o.maxLen,
    quantizeInput: true,
  };
  let graph: Graph;
  let annDev: number | null = null;
  let annTest: number | null = null;
  let annPred: number[] | undefined;
  let scales: Scales | undefined;
  let annInfo: { bestEpoch: number; secondsPerEpoch: number; history: TrainMetrics['history'] } = { bestEpoch: 0, secondsPerEpoch: 0, history: [] };
  if (o.direct) {
    const shape: TextCnnShape = { vocab: data.vocab.length, dim: data.dim, widths: o.widths, maps: o.maps, classes: data.classes.length, population: o.population };
    graph = directInitGraph(shape, data.table, o.threshold * o.thresholdScale, conv, new Prng(o.seed));
  } else {
    const ann = await trainAnn(data, { ...o, initGain: 1, inputBits: o.quantizeAnnInput ? (o.encoder === 'binary' ? 1 : o.bits) : undefined });
    const params = makeParams(ann.shape, ann.weights, false);
    annPred = predictAnn(params, data.test, o.maxLen);
    annTest = accuracy(annPred, data.test);
    annDev = ann.bestDev;
    disposeParams(params);
    annInfo = { bestEpoch: ann.bestEpoch, secondsPerEpoch: ann.secondsPerEpoch, history: ann.history };
    scales = measureScales(
      ann.shape,
      ann.weights,
      data.train.slice(0, o.normSamples).map((x) => x.ids),
      o.maxLen,
      o.percentile,
    );
    graph = buildGraph(ann.shape, ann.weights, scales, conv);
  }
  let convertedTest: number | null = null;
  let agreement: number | null = null;
  const evalTest = !o.skipSnnEval && data.test.length > 0;
  if (evalTest && !o.direct) {
    const r = snnTestRun(graph, data);
    convertedTest = r.acc;
    agreement = r.labels.filter((l, i) => l === annPred![i]).length / data.test.length;
  }
  let stage = 'converted';
  let finetune: TrainMetrics['finetune'];
  const ftEpochs = o.direct && o.finetuneEpochs === 0 ? o.epochs : o.finetuneEpochs;
  if (ftEpochs > 0) {
    const ft = await finetuneTextCnn(graph, data, {
      epochs: ftEpochs,
      batch: o.batch,
      lr: o.ftLr ?? (o.direct ? 1e-3 : 1e-4),
      seed: o.seed,
      slope: o.slope,
      rateScale: o.rateScale,
      loss: o.ftLoss,
      thresholdScale: o.direct ? 1 : o.thresholdScale,
      trainTimesteps: o.trainTimesteps,
      detachReset: true,
      dropout: o.dropout,
      checkpointDir: o.checkpointDir ? join(o.checkpointDir, o.direct ? 'direct' : 'finetune') : undefined,
      resume: o.resume,
      quiet: o.quiet,
      onProgress: o.onProgress,
    } satisfies Partial<FinetuneOptions>);
    graph = ft.graph;
    stage = o.direct ? 'direct' : 'finetuned';
    finetune = { initialDev: ft.initialDev, bestDev: ft.bestDev, bestEpoch: ft.bestEpoch, secondsPerEpoch: ft.secondsPerEpoch, history: ft.history };
  }
  let snnTest = convertedTest;
  if (evalTest && stage !== 'converted') {
    const r = snnTestRun(graph, data);
    snnTest = r.acc;
    if (annPred) agreement = r.labels.filter((l, i) => l === annPred![i]).length / data.test.length;
  }
  const sweep = o.thresholdSweep?.length && data.test.length ? thresholdSweep(graph, data, o.thresholdSweep) : undefined;
  const seconds = (performance.now() - t0) / 1000;
  const thresholds = {
    conv: graph.nodes.filter((n): n is LifNode => n.kind === 'lif' && n.perPosition).map((n) => n.threshold),
    out: graph.nodes.find((n): n is LifNode => n.kind === 'lif' && !n.perPosition)?.threshold ?? 0,
  };
  const metrics: TrainMetrics = {
    backend,
    dataset: data.dataset,
    family: 'textcnn',
    stage,
    annDev,
    annTest,
    convertedTest,
    snnTest,
    snnAnnAgreement: agreement,
    bestEpoch: annInfo.bestEpoch,
    secondsPerEpoch: annInfo.secondsPerEpoch,
    seconds,
    thresholds,
    history: annInfo.history,
    ...(finetune ? { finetune } : {}),
    ...(sweep ? { thresholdSweep: sweep } : {}),
  };
  const { onProgress: _p, data: _d, ...recorded } = o;
  const model = buildModel(graph, {
    name: `textcnn-${data.dataset}`,
    classes: data.classes,
    vocab: data.vocab,
    training: {
      stage,
      dataset: data.dataset,
      seed: o.seed,
      examples: { train: data.train.length, dev: data.dev.length, test: data.test.length },
      accuracy: { annDev, annTest, convertedTest, snnTest, snnAnnAgreement: agreement },
      thresholds,
      ...(scales ? { conversionScales: scales } : {}),
      ...(finetune ? { finetune } : {}),
      ...(sweep ? { thresholdSweep: sweep } : {}),
      surrogate: stage === 'converted' ? undefined : { kind: 'fast-sigmoid', slope: o.slope, loss: o.ftLoss, rateScale: o.rateScale, detachReset: true },
      options: recorded,
      backend,
      secondsPerEpoch: annInfo.secondsPerEpoch,
    },
  });
  return { model, metrics };
}

/** Trains an 'mlp' model (sentence vector -> IF MLP) and measures the ANN and float SNN. */
export async function trainMlp(opts: Partial<TrainOptions> = {}): Promise<{ model: Model; metrics: TrainMetrics }> {
  const o: TrainOptions = { ...TRAIN_DEFAULTS, ...opts } as TrainOptions;
  const t0 = performance.now();
  const backend = await initBackend(o.backend);
  const data = o.data ?? (await prepareData(o.dataset, { limits: o.limits, data: o.dataDir ? { dataDir: o.dataDir } : undefined }));
  if (data.train.length === 0) fail('SNN_E_DATA', `data set ${data.dataset} has no training examples`);
  const r = await trainMlpModel(data, {
    hidden: o.hidden,
    population: o.population,
    epochs: opts.epochs ?? MLP_DEFAULTS.epochs,
    batch: opts.batch ?? MLP_DEFAULTS.batch,
    lr: o.lr,
    seed: o.seed,
    dropout: opts.dropout ?? MLP_DEFAULTS.dropout,
    encoder: o.encoder,
    bits: o.bits,
    timesteps: opts.timesteps ?? MLP_DEFAULTS.timesteps,
    percentile: o.percentile,
    normSamples: o.normSamples,
    quiet: o.quiet,
  });
  let snnTest: number | null = null;
  if (!o.skipSnnEval && data.test.length) {
    // the float SNN gets the encoder's view of the vector (q-bit levels or 0/1), as the integer network does
    const pred = predictFloatReference(
      r.model,
      r.vectors.test.map((v) => ({ vector: encoderView(v, o.encoder, o.bits) })),
    );
    snnTest = accuracy(pred, data.test);
  }
  const tr = r.model.meta.training as Record<string, unknown>;
  tr.accuracy = { annDev: r.ann.bestDev, annTest: r.annTest, snnTest };
  tr.backend = backend;
  const metrics: TrainMetrics = {
    backend,
    dataset: data.dataset,
    family: 'mlp',
    stage: 'converted',
    annDev: r.ann.bestDev,
    annTest: r.annTest,
    convertedTest: snnTest,
    snnTest,
    snnAnnAgreement: null,
    bestEpoch: r.ann.bestEpoch,
    secondsPerEpoch: r.ann.history.reduce((a, h) => a + h.seconds, 0) / Math.max(1, r.ann.history.length),
    seconds: (performance.now() - t0) / 1000,
    thresholds: { conv: r.scales.slice(0, -1), out: r.scales[r.scales.length - 1] },
    history: r.ann.history,
  };
  return { model: r.model, metrics };
}

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

/** Adapter for `snnc train` (compiler/api/train.ts): commander's camelCase options -> TrainOptions (bisnn: BisnnOptions). */
export async function trainFromCli(c: Record<string, unknown>): Promise<{ model: Model; summary: string; metrics: TrainMetrics | BisnnMetrics }> {
  if (c.family === 'bisnn') return bisnnFromCli(c);
  rejectBisnnOptions(c);
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
  set('family', c.family as TrainOptions['family'] | undefined);
  set('finetuneEpochs', num('finetuneEpochs'));
  set('ftLr', num('ftLr'));
  set('slope', num('slope'));
  set('rateScale', num('rateScale'));
  set('ftLoss', c.ftLoss as TrainOptions['ftLoss'] | undefined);
  set('thresholdScale', num('thresholdScale'));
  set('trainTimesteps', num('trainTimesteps'));
  set('threshold', num('threshold'));
  set('embeddings', c.embeddings as TrainOptions['embeddings'] | undefined);
  if (c.direct) opts.direct = true;
  const list = (k: string, what: string): number[] | undefined => {
    if (c[k] === undefined) return undefined;
    const xs = String(c[k]).split(',').map((x) => Number(x.trim()));
    if (!xs.length || xs.some((x) => !(x > 0))) fail('SNN_E_USAGE', `--${what} expects comma-separated positive numbers, got "${String(c[k])}"`);
    return xs;
  };
  set('thresholdSweep', list('thresholdSweep', 'threshold-sweep'));
  const hidden = list('hidden', 'hidden');
  if (hidden && hidden.some((h) => !Number.isInteger(h))) fail('SNN_E_USAGE', `--hidden expects comma-separated positive integers, got "${String(c.hidden)}"`);
  set('hidden', hidden);
  for (const k of ['finetuneEpochs', 'trainTimesteps'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < (k === 'finetuneEpochs' ? 0 : 1))) fail('SNN_E_USAGE', `--${k === 'finetuneEpochs' ? 'finetune-epochs' : 'train-timesteps'} must be a ${k === 'finetuneEpochs' ? 'non-negative' : 'positive'} integer, got ${String(c[k])}`);
  }
  for (const k of ['ftLr', 'slope', 'rateScale', 'thresholdScale', 'threshold'] as const) {
    const v = opts[k];
    if (v !== undefined && !(v > 0)) fail('SNN_E_USAGE', `--${k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase())} must be positive, got ${String(c[k])}`);
  }
  if (opts.family === 'mlp' && (opts.direct || opts.finetuneEpochs)) fail('SNN_E_USAGE', 'the mlp family is trained as an ANN and converted; --direct and --finetune-epochs apply to textcnn');
  for (const k of ['epochs', 'batch', 'timesteps', 'population', 'bits', 'maxLen', 'seed', 'maps'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < (k === 'seed' ? 0 : 1))) fail('SNN_E_USAGE', `--${k} must be a positive integer, got ${String(c[k])}`);
  }
  if (opts.lr !== undefined && !(opts.lr > 0)) fail('SNN_E_USAGE', `--lr must be positive, got ${String(c.lr)}`);
  if (opts.dropout !== undefined && !(opts.dropout >= 0 && opts.dropout < 1)) fail('SNN_E_USAGE', `--dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (opts.percentile !== undefined && !(opts.percentile > 0 && opts.percentile <= 100)) fail('SNN_E_USAGE', `--percentile must be in (0, 100], got ${String(c.percentile)}`);
  if (opts.resume && !opts.checkpointDir) fail('SNN_E_USAGE', '--resume needs --checkpoint-dir');
  const { model, metrics: m } = opts.family === 'mlp' ? await trainMlp(opts) : await trainTextCnn(opts);
  const lines = [`trained ${model.meta.name} (${m.stage}) on ${m.dataset} (${m.backend}), ${m.seconds.toFixed(0)} s total`];
  if (m.annDev !== null) lines.push(`  ANN  dev ${pct(m.annDev)}  test ${pct(m.annTest)}  (best epoch ${m.bestEpoch}, ${m.secondsPerEpoch.toFixed(1)} s/epoch)`);
  if (m.stage !== 'converted' && m.convertedTest !== null) lines.push(`  converted SNN  test ${pct(m.convertedTest)}`);
  if (m.finetune)
    lines.push(
      `  ${m.stage === 'direct' ? 'direct surrogate training' : 'surrogate fine-tuning'}: dev ${pct(m.finetune.initialDev)} -> ${pct(m.finetune.bestDev)} (best epoch ${m.finetune.bestEpoch}, ${m.finetune.secondsPerEpoch.toFixed(1)} s/epoch)`,
    );
  lines.push(`  SNN  test ${pct(m.snnTest)} (T=${model.graph.timesteps})${m.snnAnnAgreement !== null ? `, agrees with the ANN on ${pct(m.snnAnnAgreement)}` : ''}`);
  for (const r of m.thresholdSweep ?? [])
    lines.push(`  thresholds x${r.scale}: test ${pct(r.accuracy)}, firing rate ${(100 * r.firingRate).toFixed(2)}%, active neurons ${pct(r.activeShare)}`);
  const summary = lines.join('\n');
  return { model, summary, metrics: m };
}

/** ANN-equivalent labels of a float TextCNN Model (TF.js). */
export async function predictAnnFromModel(model: Model, ids: ArrayLike<number>[], batch = 256): Promise<number[]> {
  await initBackend();
  const out: number[] = [];
  const consts = textCnnTensors(model.graph);
  for (let i = 0; i < ids.length; i += batch) {
    for (const l of annForward(model, ids.slice(i, i + batch), consts)) {
      let best = 0;
      for (let k = 1; k < l.length; k++) if (l[k] > l[best]) best = k;
      out.push(best);
    }
  }
  consts.dispose();
  return out;
}

/** Float-SNN labels of a TextCNN Model simulated as dense TF.js tensors. */
export async function predictSnnFromModel(model: Model, ids: ArrayLike<number>[]): Promise<number[]> {
  await initBackend();
  return predictSnn(model.graph, ids).labels;
}
