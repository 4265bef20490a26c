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
import { loadEvalData, tableOptionsOf, type DataFileFlags } from '../data/user-data.js';
import { progress, status } from '../progress.js';
import { compileModel } from './compile.js';
import { withTimesteps } from '../ir/timesteps.js';
import type { ScheduleChoice } from '../passes/schedule.js';
import { float32Bytes, meanOps, pct, readModelOrNir, safeIds, sameResult, vectorOf, vocabOf } from './shared.js';

export interface EvalOptions extends DataFileFlags {
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
  /** Integer accuracy per class, by the model's class names. */
  perClass: { class: string; sentences: number; accuracy: number }[];
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
    const st = status(`eval: compiling ${basename(path)} to integers and WebAssembly`);
    model = withTimesteps(await readModelOrNir(path), o.timesteps);
    ({ host, graph: intGraph } = await compileToHost(model, { schedule: o.schedule }));
    st.done();
  }
  const info = host.meta;
  const split = await loadEvalData(spec, { ...tableOptionsOf(o), dataDir: o.dataDir, limit: o.limit, classes: info.classes });
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
    const vocab = vocabOf(info.vocab, info.tokenizer);
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
  if (inputs.length === 0) {
    fail('SNN_E_DATA', `${spec}: no sentence to evaluate (${split.examples.length} examples${skipped ? `, all ${skipped} without any token` : ''})`, 'evaluate on a file with labelled texts');
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
    perClass: info.classes.map((c, k) => {
      const mine = labels.map((l, i) => (l === k ? i : -1)).filter((i) => i >= 0);
      return { class: c, sentences: mine.length, accuracy: mine.filter((i) => preds[i] === k).length / Math.max(1, mine.length) };
    }),
  };
  if (model) {
    const f = await floatBaselines(model, ids, inputs, o.backend ?? 'auto');
    if (f.ann) out.accuracy.ann = acc(f.ann);
    out.accuracy.snnFloat = acc(f.snn);
    out.agreement = f.snn.reduce((a, x, i) => a + (x === preds[i] ? 1 : 0), 0) / Math.max(1, preds.length);
  }
  const lines = [
    `${spec}: ${inputs.length} sentences${skipped ? ` (${skipped} without any token skipped)` : ''}`,
    ...(out.accuracy.ann !== undefined ? [`  tailored ANN (TF.js)       ${pct(out.accuracy.ann)}  on the SNN's ${annInputNote(model)}`] : []),
    ...(out.accuracy.snnFloat !== undefined ? [`  spiking, float (${model?.meta.family === 'textcnn' ? 'TF.js)    ' : 'reference)'} ${pct(out.accuracy.snnFloat)}`] : []),
    `  spiking, integer (wasm)    ${pct(out.accuracy.int)}`,
    `    per class: ${out.perClass.map((p) => `${p.class} ${p.sentences ? pct(p.accuracy) : 'n/a'} of ${p.sentences}`).join(', ')}`,
    ...(out.agreement !== undefined ? [`  float-vs-int agreement     ${pct(out.agreement)}`] : []),
    ...(out.bitexact ? [`  wasm == reference          ${out.bitexact.equal}/${out.bitexact.checked}`] : []),
    `  mean per sentence: ${Math.round(out.meanOps.sops)} synaptic ops, ${Math.round(out.meanOps.spikes)} spikes, firing rate ${(100 * out.firingRate).toFixed(2)}%, ANN ${Math.round(out.meanAnnMacs)} MACs`,
    `  energy (${out.energy.profile}): SNN/ANN ${out.energy.ratio.toFixed(3)} arithmetic, ${out.energy.ratioWithMemory.toFixed(3)} with memory reads`,
  ];
  out.text = lines.join('\n');
  return out;
}

/**
 * Compiles a float model (default passes, the given schedule) to the integer network and its
 * WebAssembly artifact, instantiated on this thread: `host` runs the integer network (bit-exact
 * with runtime/reference.ts on `graph`). eval and attack use it.
 */
export async function compileToHost(model: Model, o: { schedule?: ScheduleChoice } = {}): Promise<{ host: WasmModel; graph: Graph }> {
  const c = await compileModel(model, { schedule: o.schedule });
  const graph = c.pipe.graph;
  const { emitWasm } = await import('../backends/wasm/index.js');
  const emitted = emitWasm(graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph) });
  const host = await (await import('../../runtime/wasm-host.js')).loadArtifact(emitted.wasm);
  return { host, graph };
}

/**
 * What eval's ANN sees, and why it differs from the "ANN test" that training printed: training
 * measures the ANN on its continuous embeddings; the .snn model stores the table rounded to the
 * encoder's levels (what the SNN sees), so eval's ANN runs on those levels.
 */
function annInputNote(model: Model | undefined): string {
  const enc = model?.graph.nodes.find((n) => n.kind === 'encoder');
  const bits = enc && enc.kind === 'encoder' ? enc.bits : undefined;
  const trained = (model?.meta.training as { accuracy?: { annTest?: number | null }; dataset?: string } | undefined);
  const levels = bits === undefined ? 'input levels' : `${bits}-bit input levels (${(1 << bits) - 1} steps)`;
  const t = trained?.accuracy?.annTest;
  return typeof t === 'number'
    ? `${levels}; training printed ANN test ${pct(t)} on ${trained?.dataset ?? 'its data'} with continuous embeddings, before the rounding`
    : levels;
}

/**
 * ANN and float-SNN predictions: with TF.js (the trainer's code paths) for a TextCNN; for the
 * other families, the float SNN of the reference simulator (docs/semantics.md "Float semantics")
 * and no ANN.
 */
async function floatBaselines(model: Model, ids: number[][], inputs: SimInput[], backend: string): Promise<{ ann?: number[]; snn: number[] }> {
  if (model.meta.family !== 'textcnn') {
    const bar = progress('eval (float SNN, reference)', inputs.length);
    const snn = inputs.map((x) => (bar.tick(), simulate(model.graph, x, 'float').label));
    bar.stop();
    return { snn };
  }
  const st = status('eval: loading TensorFlow.js');
  const t = await import('../train/index.js');
  await t.initBackend(backend as never);
  st.done();
  // in chunks, for the progress bars; the SNN's chunks follow its own length-sorted batches of
  // 64 (a stable sort, chunk = 8 batches), so its labels are those of one call on all ids
  const CHUNK = 512;
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  const ann = new Array<number>(ids.length);
  const snn = new Array<number>(ids.length);
  const run = async (label: string, f: (part: number[][]) => Promise<number[]>, into: number[]): Promise<void> => {
    const bar = progress(label, ids.length);
    for (let i = 0; i < order.length; i += CHUNK) {
      const part = order.slice(i, i + CHUNK);
      const got = await f(part.map((j) => ids[j]));
      part.forEach((j, k) => (into[j] = got[k]));
      bar.tick(part.length);
    }
    bar.stop();
  };
  await run('eval (tailored ANN, TF.js)', (p) => t.predictAnnFromModel(model, p), ann);
  await run('eval (float SNN, TF.js)', (p) => t.predictSnnFromModel(model, p), snn);
  return { ann, snn };
}
