// Accuracy benchmark (`npm run bench:accuracy`): per data set, the spiking TextCNN at every stage
// (tailored ANN, converted SNN, surrogate-fine-tuned float SNN, compiled integer SNN with its
// agreement, ops and energy ratio), the MLP family per encoder and T, and the bi-directional
// spiking encoder (bisnn), for seeds 1, 2, 3 (`--seeds`). Resumable: each finished unit (data set x
// family x seed) is cached in bench/results/accuracy.partial.json with the recipe it ran (its plan
// settings and the unit's code version); a unit whose recipe changed since is stale and runs again.
// Writes accuracy.json/.md/.svg: mean +- std over seeds for the headline rows, every stage for the
// first seed.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release, arch } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../compiler/api.js';
import type { Model } from '../compiler/ir/types.js';
import {
  accuracyOf,
  agreement,
  initBackend,
  predictFloatReference,
  prepareData,
  predictSnn,
  trainMlpModel,
  trainTextCnn,
  withEncoder,
  encoderView,
  type PreparedData,
} from '../compiler/train/index.js';
import { trainBisnn, type BisnnOptions } from '../compiler/train/bisnn.js';
import { evaluateInteger } from '../compiler/api/evaluate-integer.js';
import { accuracyChart } from './charts.js';
import { writeAtomic } from '../compiler/io/atomic.js';

export interface ResultRow {
  dataset: string;
  family: 'textcnn' | 'mlp' | 'bisnn';
  /** ann | converted | finetuned | integer (textcnn); float | integer (mlp). */
  stage: string;
  accuracy: number;
  /** integer rows: label agreement with the float SNN they were compiled from. */
  agreement: number | null;
  /** integer rows: mean synaptic additions per inference; ann row: mean MACs. */
  ops: number | null;
  /** integer rows: SNN / ANN arithmetic energy (runtime/energy.ts, horowitz45-int). */
  energy_ratio: number | null;
  encoder?: string;
  timesteps?: number;
  examples?: { train: number; test: number };
  note?: string;
  /** Training seed of the unit that produced the row. */
  seed?: number;
}

/** Mean +- sample standard deviation over seeds of one headline row (accuracy.json `summary`). */
export interface SummaryRow {
  dataset: string;
  family: ResultRow['family'];
  stage: string;
  seeds: number[];
  mean: number;
  std: number | null;
  agreement_mean: number | null;
}

interface DatasetPlan {
  name: string;
  /** Threshold factors evaluated on the final float SNN (accuracy, active neurons). */
  sweep?: number[];
  maxLen: number;
  epochs: number;
  finetuneEpochs: number;
  limits?: { train?: number; dev?: number; test?: number };
  note?: string;
  /** Bi-SNN: training epochs and tokens per sentence. */
  bisnnEpochs: number;
  bisnnMaxLen: number;
  /** Bi-SNN: trainer options beyond the defaults (mean pooling is always set). */
  bisnn?: { [K in keyof BisnnOptions]?: BisnnOptions[K] }; // (`Partial` here is the cache type)
}

const PLANS: DatasetPlan[] = [
  { name: 'sst2', maxLen: 64, epochs: 4, finetuneEpochs: 2, sweep: [0.5, 0.75, 1, 1.5, 2], bisnnEpochs: 5, bisnnMaxLen: 64 },
  { name: 'mr', maxLen: 64, epochs: 4, finetuneEpochs: 2, bisnnEpochs: 5, bisnnMaxLen: 64 },
  { name: 'subj', maxLen: 64, epochs: 4, finetuneEpochs: 2, bisnnEpochs: 5, bisnnMaxLen: 64 },
  { name: 'sst5', maxLen: 64, epochs: 4, finetuneEpochs: 2, bisnnEpochs: 5, bisnnMaxLen: 64 },
  { name: 'trec', maxLen: 40, epochs: 6, finetuneEpochs: 2, bisnnEpochs: 5, bisnnMaxLen: 40 },
  {
    name: 'imdb',
    maxLen: 256,
    epochs: 3,
    finetuneEpochs: 0,
    bisnnEpochs: 5,
    bisnnMaxLen: 256,
    // bench/bisnn.ts "paper-b025": 81.0 vs 74.7 (lr 1e-3 alone) on this subsample, seed 1
    bisnn: { beta: 0.25, threshold: 0.5, lr: 1e-3, embeddingLr: 1e-3, dropout: 0.5 },
    limits: { train: 5000, dev: 1000, test: 2000 },
    note: 'IMDb subsampled for 2 cores: first 5000 train / 1000 dev / 2000 test reviews of the seeded split, maxLen 256 tokens, no surrogate fine-tuning',
  },
];

const MLP_T = [100, 50, 25, 10];
const FAMILIES = ['textcnn', 'mlp', 'bisnn'] as const;
const ENCODERS = ['rate', 'poisson', 'binary'] as const;
const DEFAULT_SEEDS = [1, 2, 3];

/**
 * Version of each unit's code: bump it when a unit trains or evaluates differently, so cached
 * results of the old code count as stale and run again.
 * bisnn v2: mean pooling and int16 weights (v1 rows were max pooling, int8).
 */
const UNIT_VERSION: Record<string, number> = { textcnn: 1, mlp: 1, bisnn: 2, ablations: 1 };

/** The recipe a unit runs: its code version and the plan settings it reads. */
function recipeOf(plan: DatasetPlan, family: string): string {
  const common = { v: UNIT_VERSION[family], limits: plan.limits ?? null };
  switch (family) {
    case 'bisnn':
      return JSON.stringify({ ...common, epochs: plan.bisnnEpochs, maxLen: plan.bisnnMaxLen, ...(plan.bisnn ? { options: plan.bisnn } : {}) });
    case 'mlp':
      return JSON.stringify({ ...common, epochs: plan.epochs === 1 ? 2 : null });
    default:
      return JSON.stringify({ ...common, maxLen: plan.maxLen, epochs: plan.epochs, finetuneEpochs: plan.finetuneEpochs, sweep: plan.sweep ?? null });
  }
}

export interface Partial {
  /** unit key `<data set>:<family>:s<seed>` -> its rows */
  done: Record<string, ResultRow[]>;
  seconds: Record<string, number>;
  /** unit key -> recipeOf() when it ran */
  recipes: Record<string, string>;
}

const unitKey = (dataset: string, family: string, seed: number): string => `${dataset}:${family}:s${seed}`;
const parseKey = (key: string): { dataset: string; family: string; seed: number } => {
  const [dataset, family, s] = key.split(':');
  return { dataset, family, seed: Number(s.slice(1)) };
};
/** A unit counts as done when it finished with the recipe the plans give it now. */
export const isCurrent = (p: Partial, key: string): boolean => {
  if (!p.done[key]) return false;
  const { dataset, family } = parseKey(key);
  const plan = PLANS.find((x) => x.name === dataset);
  return plan !== undefined && p.recipes[key] === recipeOf(plan, family);
};

/**
 * Reads accuracy.partial.json. A file from before seeds were units (keys `<data set>:<family>`,
 * seed 1, no recipes) is migrated: its textcnn, mlp and ablation units ran the recipe the plans
 * still give (bench/results/accuracy.json of 2026-11-22 records the same plans), its bisnn units
 * ran the old max-pooled int8 model (stale).
 */
export function loadPartial(path: string, fresh: boolean): Partial {
  if (fresh || !existsSync(path)) return { done: {}, seconds: {}, recipes: {} };
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial;
  if (raw.recipes) return raw;
  const p: Partial = { done: {}, seconds: {}, recipes: {} };
  for (const [k, rows] of Object.entries(raw.done)) {
    const [dataset, family] = k.split(':');
    const key = unitKey(dataset, family, 1);
    const plan = PLANS.find((x) => x.name === dataset);
    p.done[key] = rows.map((r) => ({ ...r, seed: 1 }));
    p.seconds[key] = raw.seconds[k];
    p.recipes[key] = family === 'bisnn' || !plan ? 'v1-legacy' : recipeOf(plan, family);
  }
  return p;
}

/** Command-line options (node:util parseArgs; an unknown option is an error). */
function parseCli(argv: string[]): { out: string; datasets: string[]; families: string[]; seeds: number[]; fresh: boolean; report: boolean; smoke: number } {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string' },
      datasets: { type: 'string' },
      families: { type: 'string' },
      seeds: { type: 'string' },
      // one seed (same as --seeds N)
      seed: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      // rewrite accuracy.json/.md/.svg from the cached units, train nothing
      report: { type: 'boolean', default: false },
      // N sentences per split, 1 epoch: checks the script, not the models
      smoke: { type: 'string' },
    },
  });
  return {
    out: v.out !== undefined ? resolve(v.out) : join(PACKAGE_ROOT, 'bench', 'results'),
    datasets: v.datasets !== undefined ? v.datasets.split(',') : PLANS.map((p) => p.name),
    families: v.families !== undefined ? v.families.split(',') : [...FAMILIES],
    seeds: parseSeeds(v.seeds ?? v.seed),
    fresh: v.fresh,
    report: v.report,
    smoke: v.smoke !== undefined ? Number(v.smoke) : 0,
  };
}

function parseSeeds(s: string | undefined): number[] {
  if (s === undefined) return DEFAULT_SEEDS;
  const seeds = s.split(',').map((x) => Number(x));
  if (!seeds.length || seeds.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--seeds: expected a comma-separated list of non-negative integers, got "${s}"`);
  return [...new Set(seeds)];
}

/**
 * Writes the cache. Two runs may share it (say one per family on a 2-core machine, with disjoint
 * --families or --datasets): units another run finished since this one read the file are kept.
 */
function savePartial(path: string, p: Partial): void {
  if (existsSync(path)) {
    const disk = loadPartial(path, false);
    for (const k of Object.keys(disk.done))
      if (!isCurrent(p, k) && isCurrent(disk, k)) {
        p.done[k] = disk.done[k];
        p.seconds[k] = disk.seconds[k];
        p.recipes[k] = disk.recipes[k];
      }
  }
  writeAtomic(path, JSON.stringify(p, null, 1));
}

async function textcnnUnit(plan: DatasetPlan, data: PreparedData, seed: number): Promise<ResultRow[]> {
  const { model, metrics } = await trainTextCnn({
    data,
    dataset: plan.name,
    seed,
    epochs: plan.epochs,
    maxLen: plan.maxLen,
    finetuneEpochs: plan.finetuneEpochs,
    thresholdSweep: plan.sweep,
    quiet: true,
  });
  const ex = { train: data.train.length, test: data.test.length };
  const rows: ResultRow[] = [
    { dataset: plan.name, family: 'textcnn', stage: 'ann', accuracy: metrics.annTest ?? NaN, agreement: null, ops: null, energy_ratio: null, examples: ex, note: plan.note },
    { dataset: plan.name, family: 'textcnn', stage: 'converted', accuracy: metrics.convertedTest ?? NaN, agreement: metrics.stage === 'converted' ? metrics.snnAnnAgreement : null, ops: null, energy_ratio: null, examples: ex },
  ];
  if (metrics.stage === 'finetuned')
    rows.push({
      dataset: plan.name,
      family: 'textcnn',
      stage: 'finetuned',
      accuracy: metrics.snnTest ?? NaN,
      agreement: null,
      ops: null,
      energy_ratio: null,
      examples: ex,
      note: `dev ${metrics.finetune!.initialDev.toFixed(4)} -> ${metrics.finetune!.bestDev.toFixed(4)}, best epoch ${metrics.finetune!.bestEpoch}, ${metrics.finetune!.secondsPerEpoch.toFixed(0)} s/epoch`,
    });
  for (const r of metrics.thresholdSweep ?? [])
    rows.push({
      dataset: plan.name,
      family: 'textcnn',
      stage: `thresholds x${r.scale}`,
      accuracy: r.accuracy,
      agreement: null,
      ops: null,
      energy_ratio: null,
      examples: ex,
      note: `float SNN (${metrics.stage}) with every threshold x${r.scale}: active neurons ${(100 * r.activeShare).toFixed(1)}%, firing rate ${(100 * r.firingRate).toFixed(2)}%`,
    });
  const floatLabels = predictSnn(
    model.graph,
    data.test.map((x) => x.ids),
  ).labels;
  const inputs = data.test.map((x) => ({ tokens: Array.from(x.ids.slice(0, plan.maxLen)) }));
  const ie = await evaluateInteger(model, inputs, { bitexact: 20 });
  const labels = data.test.map((x) => x.label);
  rows.push({
    dataset: plan.name,
    family: 'textcnn',
    stage: 'integer',
    accuracy: accuracyOf(ie.labels, labels),
    agreement: agreement(ie.labels, floatLabels),
    ops: ie.ops.sops,
    energy_ratio: ie.energyRatio,
    examples: ex,
    note: `from the ${metrics.stage} float SNN; wasm == reference on ${ie.bitexact.equal}/${ie.bitexact.checked}; ANN ${Math.round(ie.annMacs)} MACs/inference`,
  });
  return rows;
}

/** SST-2 ablations: the directly trained SNN (no ANN, no conversion) with GloVe or random inputs. */
async function ablationUnit(plan: DatasetPlan, data: PreparedData, seed: number): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const ex = { train: data.train.length, test: data.test.length };
  // fewer steps: conversion loses accuracy at T=4, surrogate fine-tuning recovers it
  {
    const T = 4;
    const { model, metrics } = await trainTextCnn({ data, dataset: plan.name, seed, maxLen: plan.maxLen, epochs: plan.epochs, timesteps: T, finetuneEpochs: plan.epochs === 1 ? 1 : 2, ftLr: 3e-4, quiet: true });
    rows.push({ dataset: plan.name, family: 'textcnn', stage: `converted T=${T}`, accuracy: metrics.convertedTest ?? NaN, agreement: null, ops: null, energy_ratio: null, examples: ex, note: `float SNN converted at T=${T}` });
    const floatLabels = predictSnn(
      model.graph,
      data.test.map((x) => x.ids),
    ).labels;
    const ie = await evaluateInteger(
      model,
      data.test.map((x) => ({ tokens: Array.from(x.ids.slice(0, plan.maxLen)) })),
      { bitexact: 20 },
    );
    rows.push({
      dataset: plan.name,
      family: 'textcnn',
      stage: `finetuned T=${T}`,
      accuracy: metrics.snnTest ?? NaN,
      agreement: null,
      ops: null,
      energy_ratio: null,
      examples: ex,
      note: `float SNN after BPTT at T=${T} (lr 3e-4): dev ${metrics.finetune!.initialDev.toFixed(4)} -> ${metrics.finetune!.bestDev.toFixed(4)}, ${metrics.finetune!.secondsPerEpoch.toFixed(0)} s/epoch`,
    });
    rows.push({
      dataset: plan.name,
      family: 'textcnn',
      stage: `integer T=${T}`,
      accuracy: accuracyOf(
        ie.labels,
        data.test.map((x) => x.label),
      ),
      agreement: agreement(ie.labels, floatLabels),
      ops: ie.ops.sops,
      energy_ratio: ie.energyRatio,
      examples: ex,
      note: `integer SNN of the T=${T} fine-tuned model: agreement with its float SNN ${(100 * agreement(ie.labels, floatLabels)).toFixed(2)}%, ${Math.round(ie.ops.sops)} synaptic ops, energy ratio ${ie.energyRatio.toFixed(3)}; wasm == reference on ${ie.bitexact.equal}/${ie.bitexact.checked}`,
    });
  }
  for (const embeddings of ['glove', 'random'] as const) {
    const { metrics } = await trainTextCnn({ data, dataset: plan.name, seed, maxLen: plan.maxLen, direct: true, embeddings, finetuneEpochs: plan.epochs === 1 ? 1 : 3, quiet: true });
    rows.push({
      dataset: plan.name,
      family: 'textcnn',
      stage: `direct-${embeddings}`,
      accuracy: metrics.snnTest ?? NaN,
      agreement: null,
      ops: null,
      energy_ratio: null,
      examples: { train: data.train.length, test: data.test.length },
      note: `directly trained float SNN (random init, threshold 1, surrogate BPTT, ${embeddings === 'glove' ? 'positive-shifted GloVe' : 'uniform random'} input table kept fixed): dev ${metrics.finetune!.history.map((h) => h.devAcc.toFixed(3)).join(' ')}, ${metrics.finetune!.secondsPerEpoch.toFixed(0)} s/epoch`,
    });
  }
  return rows;
}

/** The bi-directional recurrent spiking encoder, trained directly with surrogate gradients. */
async function bisnnUnit(plan: DatasetPlan, data: PreparedData, seed: number): Promise<ResultRow[]> {
  const ex = { train: data.train.length, test: data.test.length };
  const { model, metrics } = await trainBisnn({ ...plan.bisnn, data, dataset: plan.name, seed, epochs: plan.bisnnEpochs, maxLen: plan.bisnnMaxLen, pool: 'mean', quiet: true }); // mean pooling: max saturates on long texts (bench/bisnn.ts)
  const labels = data.test.map((x) => x.label);
  const inputs = data.test.map((x) => ({ tokens: Array.from(x.ids.slice(0, plan.bisnnMaxLen)) }));
  const floatLabels = predictFloatReference(model, inputs);
  const ie = await evaluateInteger(model, inputs, { bitexact: 20 }); // int16 weights, the bisnn default (compiler/passes/weight-bits.ts)
  const how = `${plan.bisnnMaxLen} tokens, mean pooling${plan.bisnn ? ` (${Object.entries(plan.bisnn).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}; best dev epoch ${metrics.bestEpoch} of ${plan.bisnnEpochs}, ${metrics.secondsPerEpoch.toFixed(0)} s/epoch`;
  return [
    { dataset: plan.name, family: 'bisnn', stage: 'tfjs', accuracy: metrics.testTfjs ?? NaN, agreement: null, ops: null, energy_ratio: null, examples: ex, note: `TF.js float model (training code path): ${how}` },
    { dataset: plan.name, family: 'bisnn', stage: 'float', accuracy: accuracyOf(floatLabels, labels), agreement: metrics.floatTfjsAgreement, ops: null, energy_ratio: null, examples: ex, note: 'saved graph in the reference simulator (float); agreement = with the TF.js model' },
    {
      dataset: plan.name,
      family: 'bisnn',
      stage: 'integer',
      accuracy: accuracyOf(ie.labels, labels),
      agreement: agreement(ie.labels, floatLabels),
      ops: ie.ops.sops,
      energy_ratio: ie.energyRatio,
      examples: ex,
      note: `wasm == reference on ${ie.bitexact.equal}/${ie.bitexact.checked}; ANN ${Math.round(ie.annMacs)} MACs/inference`,
    },
  ];
}

async function mlpUnit(plan: DatasetPlan, data: PreparedData, seed: number): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const labels = data.test.map((x) => x.label);
  const ex = { train: data.train.length, test: data.test.length };
  // rate and poisson represent the same 4-bit levels: one ANN; binary sees 0/1 inputs: its own
  const trained = new Map<string, Awaited<ReturnType<typeof trainMlpModel>>>();
  for (const enc of ENCODERS) {
    const key = enc === 'binary' ? 'binary' : 'levels';
    if (!trained.has(key)) trained.set(key, await trainMlpModel(data, { encoder: enc, seed, quiet: true, ...(plan.epochs === 1 ? { epochs: 2 } : {}) }));
    const r = trained.get(key)!;
    if (enc !== 'poisson')
      rows.push({ dataset: plan.name, family: 'mlp', stage: 'ann', encoder: enc === 'binary' ? 'binary' : 'rate/poisson', accuracy: r.annTest, agreement: null, ops: null, energy_ratio: null, examples: ex });
    // the float SNN sees what the integer encoder represents (q-bit levels, or 0/1 for binary);
    // the integer network rounds x itself, so for it the two inputs are the same
    const inputs = r.vectors.test.map((v) => ({ vector: encoderView(v, enc, 4) }));
    for (const T of MLP_T) {
      const model: Model = { ...r.model, graph: withEncoder(r.model.graph, enc, 4, T) };
      const f = predictFloatReference(model, inputs);
      const ie = await evaluateInteger(model, inputs, { bitexact: 20 });
      rows.push({ dataset: plan.name, family: 'mlp', stage: 'float', encoder: enc, timesteps: T, accuracy: accuracyOf(f, labels), agreement: null, ops: null, energy_ratio: null, examples: ex });
      rows.push({
        dataset: plan.name,
        family: 'mlp',
        stage: 'integer',
        encoder: enc,
        timesteps: T,
        accuracy: accuracyOf(ie.labels, labels),
        agreement: agreement(ie.labels, f),
        ops: ie.ops.sops,
        energy_ratio: ie.energyRatio,
        examples: ex,
        note: `wasm == reference on ${ie.bitexact.equal}/${ie.bitexact.checked}`,
      });
    }
  }
  return rows;
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '—' : (100 * x).toFixed(2));

function markdown(rows: ResultRow[], machine: Record<string, unknown>, wall: number, missing: string[], stale: string[], summary: SummaryRow[], firstSeed: number): string {
  const out: string[] = ['# Accuracy benchmark', '', `Machine: ${machine.cpu} x${machine.cores}, ${machine.memGB} GB, ${machine.os}, Node ${machine.node}, TF.js backend ${machine.backend}. Wall time of the units in this file: ${(wall / 60).toFixed(1)} min.`, ''];
  if (missing.length) out.push(`Not finished yet: ${missing.join(', ')} (rerun \`npm run bench:accuracy\` to continue).${stale.length ? ` Of these, ${stale.join(', ')} ran an older recipe (plan or unit code changed) and are not shown.` : ''}`, '');
  out.push(...summaryMarkdown(summary, PLANS.map((p) => p.name)));
  out.push(`The tables below show every stage for seed ${firstSeed}.`, '');
  out.push('## Spiking TextCNN (test accuracy, %)', '', '| dataset | ANN | converted SNN | fine-tuned float SNN | integer SNN | int vs float agreement | synaptic ops / inference | energy SNN/ANN |', '|---|---|---|---|---|---|---|---|');
  const ds = [...new Set(rows.map((r) => r.dataset))];
  for (const d of ds) {
    const get = (stage: string) => rows.find((r) => r.dataset === d && r.family === 'textcnn' && r.stage === stage);
    const i = get('integer');
    if (!get('ann')) continue;
    out.push(`| ${d} | ${pct(get('ann')?.accuracy)} | ${pct(get('converted')?.accuracy)} | ${pct(get('finetuned')?.accuracy)} | ${pct(i?.accuracy)} | ${pct(i?.agreement)} | ${i?.ops ? Math.round(i.ops) : '—'} | ${i?.energy_ratio?.toFixed(3) ?? '—'} |`);
  }
  if (rows.some((r) => r.family === 'bisnn')) {
    out.push('', '## Bi-directional spiking encoder (test accuracy, %)', '', '| dataset | TF.js float model | float SNN (reference) | integer SNN | int vs float agreement | synaptic ops / inference | energy SNN/ANN |', '|---|---|---|---|---|---|---|');
    for (const d of ds) {
      const get = (stage: string) => rows.find((r) => r.dataset === d && r.family === 'bisnn' && r.stage === stage);
      const i = get('integer');
      if (!i) continue;
      out.push(`| ${d} | ${pct(get('tfjs')?.accuracy)} | ${pct(get('float')?.accuracy)} | ${pct(i.accuracy)} | ${pct(i.agreement)} | ${i.ops ? Math.round(i.ops) : '—'} | ${i.energy_ratio?.toFixed(3) ?? '—'} |`);
    }
  }
  const extra = rows.filter((r) => r.family === 'textcnn' && (r.stage.startsWith('thresholds') || r.stage.startsWith('direct') || r.stage.includes(' T=')));
  if (extra.length) {
    out.push('', '## Spiking TextCNN ablations (float SNN, test accuracy %)', '', '| dataset | variant | accuracy | details |', '|---|---|---|---|');
    for (const r of extra) out.push(`| ${r.dataset} | ${r.stage} | ${pct(r.accuracy)} | ${r.note ?? ''} |`);
  }
  out.push('', '## MLP over sentence vectors: integer SNN test accuracy % (agreement with float %) per encoder and T', '', `| dataset | encoder | ANN | ${MLP_T.map((t) => `T=${t}`).join(' | ')} | ops @T=${MLP_T[0]} | energy @T=${MLP_T[0]} |`, `|---|---|---|${MLP_T.map(() => '---').join('|')}|---|---|`);
  for (const d of ds)
    for (const e of ENCODERS) {
      const ints = MLP_T.map((t) => rows.find((r) => r.dataset === d && r.family === 'mlp' && r.stage === 'integer' && r.encoder === e && r.timesteps === t));
      if (!ints[0]) continue;
      const ann = rows.find((r) => r.dataset === d && r.family === 'mlp' && r.stage === 'ann' && (r.encoder === e || (e !== 'binary' && r.encoder === 'rate/poisson')));
      out.push(`| ${d} | ${e} | ${pct(ann?.accuracy)} | ${ints.map((r) => `${pct(r?.accuracy)} (${pct(r?.agreement)})`).join(' | ')} | ${ints[0]?.ops ? Math.round(ints[0].ops) : '—'} | ${ints[0]?.energy_ratio?.toFixed(3) ?? '—'} |`);
    }
  const notes = rows.filter((r) => r.note && (r.family === 'textcnn' || r.family === 'bisnn') && !extra.includes(r)).map((r) => `- ${r.dataset} ${r.family} ${r.stage}: ${r.note}`);
  for (const d of ds) {
    const m = rows.filter((r) => r.dataset === d && r.family === 'mlp' && r.stage === 'integer' && r.note);
    const eq = m.map((r) => /on (\d+)\/(\d+)/.exec(r.note!)).filter((x): x is RegExpExecArray => x !== null);
    if (eq.length) notes.push(`- ${d} mlp integer: wasm == reference on ${eq.reduce((a, x) => a + Number(x[1]), 0)}/${eq.reduce((a, x) => a + Number(x[2]), 0)} checked inferences (all encoders and T)`);
  }
  out.push('', '## Notes', '', ...notes, '');
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  const partialPath = join(args.out, 'accuracy.partial.json');
  const partial = loadPartial(partialPath, args.fresh);
  const backend = await initBackend();
  // seed by seed (a full table for one seed before the next), per data set: textcnn, mlp, bisnn;
  // the SST-2 ablations once, with the first seed
  const todo = args.seeds
    .flatMap((seed) => [
      ...args.datasets.flatMap((d) => args.families.map((f) => unitKey(d, f, seed))),
      ...(seed === args.seeds[0] && args.datasets.includes('sst2') && args.families.includes('textcnn') ? [unitKey('sst2', 'ablations', seed)] : []),
    ])
    .filter((u) => !args.report && !isCurrent(partial, u));
  let loaded: { name: string; data: PreparedData } | undefined;
  for (const unit of todo) {
    const { dataset: name, family, seed } = parseKey(unit);
    const found = PLANS.find((p) => p.name === name);
    if (!found) throw new Error(`unknown data set ${name}`);
    const plan: DatasetPlan = args.smoke ? { ...found, epochs: 1, finetuneEpochs: Math.min(1, found.finetuneEpochs), bisnnEpochs: 1, limits: { train: args.smoke, dev: args.smoke, test: args.smoke } } : found;
    if (loaded?.name !== name) loaded = { name, data: await prepareData(name, { limits: plan.limits }) };
    const data = loaded.data;
    const t0 = performance.now();
    process.stderr.write(`bench:accuracy ${unit} (${data.train.length} train, ${data.test.length} test) ...\n`);
    const rows =
      family === 'textcnn'
        ? await textcnnUnit(plan, data, seed)
        : family === 'mlp'
          ? await mlpUnit(plan, data, seed)
          : family === 'bisnn'
            ? await bisnnUnit(plan, data, seed)
            : await ablationUnit(plan, data, seed);
    partial.done[unit] = rows.map((r) => ({ ...r, seed }));
    partial.seconds[unit] = (performance.now() - t0) / 1000;
    partial.recipes[unit] = recipeOf(plan, family); // a --smoke run records its smoke plan: stale for a real run
    savePartial(partialPath, partial);
    process.stderr.write(`bench:accuracy ${unit} done in ${partial.seconds[unit].toFixed(0)} s\n`);
    await writeOutputs(args.out, partial, backend, args.seeds);
  }
  await writeOutputs(args.out, partial, backend, args.seeds);
}

/** The headline rows: per data set and family, the stage a user deploys. */
const HEADLINE: { family: ResultRow['family']; stage: string; label: string; encoder?: string; timesteps?: number }[] = [
  { family: 'textcnn', stage: 'ann', label: 'TextCNN ANN' },
  { family: 'textcnn', stage: 'integer', label: 'spiking TextCNN, integer' },
  { family: 'bisnn', stage: 'integer', label: 'bi-SNN, integer' },
  { family: 'mlp', stage: 'integer', encoder: 'rate', timesteps: 50, label: 'MLP rate T=50, integer' },
];

/** Mean +- sample std over the seeds present of each headline row (only units of the current recipe). */
export function summarize(rows: ResultRow[]): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const d of [...new Set(rows.map((r) => r.dataset))])
    for (const h of HEADLINE) {
      const m = rows.filter((r) => r.dataset === d && r.family === h.family && r.stage === h.stage && (h.encoder === undefined || r.encoder === h.encoder) && (h.timesteps === undefined || r.timesteps === h.timesteps));
      if (!m.length) continue;
      const acc = m.map((r) => r.accuracy);
      const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
      const std = acc.length > 1 ? Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / (acc.length - 1)) : null;
      const ag = m.map((r) => r.agreement).filter((x): x is number => x !== null);
      out.push({ dataset: d, family: h.family, stage: h.stage, seeds: m.map((r) => r.seed ?? 1), mean, std, agreement_mean: ag.length ? ag.reduce((a, b) => a + b, 0) / ag.length : null });
    }
  return out;
}

function summaryMarkdown(summary: SummaryRow[], datasets: string[]): string[] {
  const cell = (d: string, h: (typeof HEADLINE)[number]): string => {
    const s = summary.find((x) => x.dataset === d && x.family === h.family && x.stage === h.stage);
    if (!s) return '—';
    const n = s.seeds.length;
    return `${(100 * s.mean).toFixed(2)}${s.std !== null ? ` ± ${(100 * s.std).toFixed(2)}` : ''} (${n} seed${n > 1 ? 's' : ''}${s.agreement_mean !== null ? `; agree ${(100 * s.agreement_mean).toFixed(2)}` : ''})`;
  };
  return [
    '## Headline: test accuracy %, mean ± sample std over seeds',
    '',
    'Each cell: mean ± std over the seeds that have finished with the current recipe (n in parentheses; one seed has no std), and for integer rows the mean agreement with the float SNN.',
    '',
    `| dataset | ${HEADLINE.map((h) => h.label).join(' | ')} |`,
    `|---|${HEADLINE.map(() => '---').join('|')}|`,
    ...datasets.filter((d) => summary.some((s) => s.dataset === d)).map((d) => `| ${d} | ${HEADLINE.map((h) => cell(d, h)).join(' | ')} |`),
    '',
  ];
}

/** accuracy.json / .md / .svg from every finished unit (called after each unit, so a killed run leaves current files). */
async function writeOutputs(out: string, partial: Partial, backend: string, seeds: number[]): Promise<void> {
  const allSeeds = [...new Set([...seeds, ...Object.keys(partial.done).map((k) => parseKey(k).seed)])].sort((a, b) => a - b);
  const units = (seed: number) => PLANS.flatMap((p) => [...FAMILIES.map((f) => unitKey(p.name, f, seed)), ...(p.name === 'sst2' && seed === allSeeds[0] ? [unitKey(p.name, 'ablations', seed)] : [])]);
  const order = allSeeds.flatMap(units);
  const current = order.filter((u) => isCurrent(partial, u));
  const results = current.flatMap((u) => partial.done[u]);
  const missing = order.filter((u) => !isCurrent(partial, u) && (seeds.includes(parseKey(u).seed) || partial.done[u]));
  const stale = missing.filter((u) => partial.done[u]);
  const wall = current.reduce((a, u) => a + (partial.seconds[u] ?? 0), 0);
  const summary = summarize(results);
  const first = results.filter((r) => r.seed === allSeeds[0]);
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()} ${arch()}`, node: process.version, backend };
  const json = { summary, results, machine, wall_s: wall, unit_seconds: Object.fromEntries(current.map((u) => [u, partial.seconds[u]])), missing, stale, seeds: allSeeds, plans: PLANS, unit_version: UNIT_VERSION, date: new Date().toISOString() };
  writeAtomic(join(out, 'accuracy.json'), JSON.stringify(json, null, 2) + '\n');
  writeAtomic(join(out, 'accuracy.md'), markdown(first, machine, wall, missing, stale, summary, allSeeds[0]));
  writeAtomic(join(out, 'accuracy.svg'), await accuracyChart(first));
  process.stderr.write(`bench:accuracy: ${results.length} rows, ${missing.length} units missing (${stale.length} stale); results in ${out}/accuracy.{json,md,svg}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  main().catch((e) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
