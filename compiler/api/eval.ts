// `snnc eval`: accuracy, mean ops, firing rate and energy of an artifact (or a model compiled on
// the fly) on a data set; with the float model also the ANN and float-SNN accuracy and the
// float-vs-int agreement.

import { basename } from 'node:path';
import type { Graph, Model } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import { simulate, type OpCounts, type SimInput } from '../../runtime/reference.js';
import { artifactEnergy, DEFAULT_PROFILE } from '../../runtime/energy.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';
import type { WasmModel } from '../../runtime/wasm-host.js';
import { loadSplit } from '../data/splits.js';
import { progress } from '../progress.js';
import { compileModel } from './compile.js';
import { withTimesteps } from '../ir/timesteps.js';
import type { ScheduleChoice } from '../passes/schedule.js';
import { float32Bytes, meanOps, pct, readModelOrNir, safeIds, sameResult, vectorOf, vocabOf } from './shared.js';

export interface EvalOptions {
  data?: string;
  dataDir?: string;
  limit?: number;
  model?: string;
  backend?: string;
  profile?: string;
  /** Override the model's T (a .snn model only: an artifact's T is compiled in). */
  timesteps?: number;
  /** Schedule when compiling a .snn model (default auto). */
  schedule?: ScheduleChoice;
}

export interface EvalOutcome {
  text: string;
  dataset: string;
  sentences: number;
  skipped: number;
  accuracy: { int: number; ann?: number; snnFloat?: number };
  agreement?: number;
  meanOps: OpCounts;
  meanAnnMacs: number;
  firingRate: number;
  energy: { profile: string; ratio: number; ratioWithMemory: number; snnPj: number; annPj: number };
  bitexact?: { checked: number; equal: number };
}

export async function evaluate(path: string, o: EvalOptions = {}): Promise<EvalOutcome> {
  const spec = o.data ?? 'sst2:test';
  let host: WasmModel;
  let model: Model | undefined;
  let intGraph: Graph | undefined;
  if (path.endsWith('.wasm')) {
    if (o.timesteps !== undefined || o.schedule !== undefined) {
      fail('SNN_E_USAGE', `${basename(path)} is compiled: its T and schedule are fixed`, `pass the .snn model to eval, or recompile with snnc compile --timesteps / --schedule`);
    }
    host = await loadArtifactFile(path);
    if (o.model) model = readModelFile(o.model);
  } else {
    model = withTimesteps(await readModelOrNir(path), o.timesteps);
    const c = await compileModel(model, { schedule: o.schedule });
    intGraph = c.pipe.graph;
    const { emitWasm } = await import('../backends/wasm/index.js');
    const emitted = emitWasm(intGraph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph) });
    host = await (await import('../../runtime/wasm-host.js')).loadArtifact(emitted.wasm);
  }
  const info = host.meta;
  const split = loadSplit(spec, { dataDir: o.dataDir, limit: o.limit, classes: info.classes });
  // inputs: token ids of each sentence, or (mlp artifacts) its sentence vector computed on the host
  const inputs: SimInput[] = [];
  const ids: number[][] = [];
  const labels: number[] = [];
  let skipped = 0;
  if (info.input.kind === 'vector') {
    if (!model) fail('SNN_E_USAGE', `${basename(path)} takes sentence vectors; pass the .snn model it was compiled from with --model`, `snnc eval ${basename(path)} --model model.snn --data ${spec}`);
    for (const ex of split.examples) {
      inputs.push({ vector: await vectorOf(model, host, ex.text) });
      ids.push([]);
      labels.push(ex.label);
    }
  } else {
    if (!info.vocab) fail('SNN_E_USAGE', 'eval on a text data set needs a text model');
    const vocab = vocabOf(info.vocab);
    for (const ex of split.examples) {
      const x = safeIds(ex.text, vocab, info.input.maxLen);
      if (!x) {
        skipped++;
        continue;
      }
      inputs.push({ tokens: x });
      ids.push(x);
      labels.push(ex.label);
    }
  }
  const bar = progress('eval (wasm)', ids.length);
  const preds: number[] = [];
  const ops: OpCounts[] = [];
  let macs = 0;
  let snnPj = 0;
  let annPj = 0;
  let ratioMem = 0;
  let updates = 0;
  let spikes = 0;
  let equal = 0;
  let checked = 0;
  for (let i = 0; i < inputs.length; i++) {
    const r = host.infer(inputs[i]);
    preds.push(r.label);
    ops.push(r.ops);
    const e = artifactEnergy(info, r.ops, Math.max(1, ids[i].length), o.profile ?? DEFAULT_PROFILE);
    macs += e.annMacs;
    snnPj += e.snnArithPj;
    annPj += e.annArithPj;
    ratioMem += e.ratioWithMemory;
    updates += r.ops.updates;
    spikes += r.ops.spikes;
    if (intGraph && i < 100) {
      checked++;
      if (sameResult(r, simulate(intGraph, inputs[i], 'integer'))) equal++;
    }
    bar.tick();
  }
  bar.stop();
  const acc = (p: number[]) => p.reduce((a, x, i) => a + (x === labels[i] ? 1 : 0), 0) / Math.max(1, p.length);
  const out: EvalOutcome = {
    text: '',
    dataset: spec,
    sentences: inputs.length,
    skipped,
    accuracy: { int: acc(preds) },
    meanOps: meanOps(ops),
    meanAnnMacs: macs / Math.max(1, ids.length),
    firingRate: updates ? spikes / updates : 0,
    energy: { profile: o.profile ?? DEFAULT_PROFILE, ratio: annPj ? snnPj / annPj : NaN, ratioWithMemory: ratioMem / Math.max(1, ids.length), snnPj: snnPj / Math.max(1, ids.length), annPj: annPj / Math.max(1, ids.length) },
    ...(intGraph ? { bitexact: { checked, equal } } : {}),
  };
  if (model) {
    const f = await floatBaselines(model, ids, inputs, o.backend ?? 'auto');
    if (f.ann) out.accuracy.ann = acc(f.ann);
    out.accuracy.snnFloat = acc(f.snn);
    out.agreement = f.snn.reduce((a, x, i) => a + (x === preds[i] ? 1 : 0), 0) / Math.max(1, preds.length);
  }
  const lines = [
    `${spec}: ${inputs.length} sentences${skipped ? ` (${skipped} without any token skipped)` : ''}`,
    ...(out.accuracy.ann !== undefined ? [`  tailored ANN (TF.js)       ${pct(out.accuracy.ann)}`] : []),
    ...(out.accuracy.snnFloat !== undefined ? [`  spiking, float (${model?.meta.family === 'textcnn' ? 'TF.js)    ' : 'reference)'} ${pct(out.accuracy.snnFloat)}`] : []),
    `  spiking, integer (wasm)    ${pct(out.accuracy.int)}`,
    ...(out.agreement !== undefined ? [`  float-vs-int agreement     ${pct(out.agreement)}`] : []),
    ...(out.bitexact ? [`  wasm == reference          ${out.bitexact.equal}/${out.bitexact.checked}`] : []),
    `  mean per sentence: ${Math.round(out.meanOps.sops)} synaptic ops, ${Math.round(out.meanOps.spikes)} spikes, firing rate ${(100 * out.firingRate).toFixed(2)}%, ANN ${Math.round(out.meanAnnMacs)} MACs`,
    `  energy (${out.energy.profile}): SNN/ANN ${out.energy.ratio.toFixed(3)} arithmetic, ${out.energy.ratioWithMemory.toFixed(3)} with memory reads`,
  ];
  out.text = lines.join('\n');
  return out;
}

/**
 * ANN and float-SNN predictions: with TF.js (the trainer's code paths) for a TextCNN; for the
 * other families, the float SNN of the reference simulator (docs/semantics.md "Float semantics")
 * and no ANN.
 */
async function floatBaselines(model: Model, ids: number[][], inputs: SimInput[], backend: string): Promise<{ ann?: number[]; snn: number[] }> {
  if (model.meta.family !== 'textcnn') return { snn: inputs.map((x) => simulate(model.graph, x, 'float').label) };
  const t = await import('../train/index.js');
  await t.initBackend(backend as never);
  return { ann: await t.predictAnnFromModel(model, ids), snn: await t.predictSnnFromModel(model, ids) };
}
