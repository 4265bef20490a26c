// The programmatic API behind every `snnc` command: compile a model to an artifact, run and
// evaluate artifacts, inspect files, train. The CLI (cli.ts) only parses options and prints
// what these functions return; tests and benchmarks call them directly.

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph, Model } from './ir/types.js';
import { fail, SnncError } from '../runtime/errors.js';
import { readModelFile } from './frontend/model-format.js';
import { runPipeline, isPassName, PASS_ORDER, type CalibrationReport, type PassName } from './passes/pipeline.js';
import type { PassReport } from './passes/pass.js';
import { printGraph } from './ir/print.js';
import { simulate, type InferenceResult, type OpCounts, type SimInput } from '../runtime/reference.js';
import { Vocab, decodeText, textToIds, tokenize } from '../runtime/tokenizer.js';
import { PROFILES, artifactEnergy, DEFAULT_PROFILE } from '../runtime/energy.js';
import type { ArtifactInfo } from '../runtime/wasm/artifact-format.js';
import { loadArtifactFile } from '../runtime/wasm-node.js';
import type { WasmModel } from '../runtime/wasm-host.js';
import { loadSplit, type LabeledSplit } from './data/splits.js';
import { progress } from './progress.js';
import { loadTarget } from '../targets/index.js';
import { writeAtomic } from './io/atomic.js';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));

// ------------------------------------------------------------------------------ targets

export { loadTarget, type TargetDescription } from '../targets/index.js';

// ------------------------------------------------------------------------------ helpers

export function float32Bytes(g: Graph): number {
  let n = 0;
  for (const node of g.nodes) {
    if (node.kind === 'embedding' && node.table) n += node.table.data.length;
    if (node.kind === 'conv1d' || node.kind === 'dense') n += node.weight.data.length;
  }
  return 4 * n;
}

async function readModelOrNir(path: string): Promise<Model> {
  if (path.endsWith('.nir') || path.endsWith('.h5')) {
    // NIR interchange (docs/nir.md): lowered with the default dt bridge; `snnc import` exposes the options
    const { readNirModel } = await import('./frontend/nir/import.js');
    return (await readNirModel(path)).model;
  }
  return readModelFile(path);
}

/** Token ids for text under a model's vocabulary (the one tokenizer, docs/tokenizer.md). */
export function tokenIds(text: string, vocab: Vocab, maxLen: number): number[] {
  return textToIds(text, vocab, maxLen);
}

const vocabCache = new WeakMap<object, Vocab>();
function vocabOf(words: string[]): Vocab {
  let v = vocabCache.get(words);
  if (!v) {
    v = new Vocab(words);
    vocabCache.set(words, v);
  }
  return v;
}

function maxLenOf(g: Graph): number {
  const t = g.nodes.find((n) => n.kind === 'tokens');
  return t && t.kind === 'tokens' ? t.maxLen : 0;
}

function pct(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`;
}

function meanOps(list: OpCounts[]): OpCounts {
  const m: OpCounts = { sops: 0, updates: 0, spikes: 0, inputSpikes: 0, bytesRead: 0 };
  for (const o of list) for (const k of Object.keys(m) as (keyof OpCounts)[]) m[k] += o[k];
  for (const k of Object.keys(m) as (keyof OpCounts)[]) m[k] = list.length ? m[k] / list.length : 0;
  return m;
}

function sameResult(a: InferenceResult, b: InferenceResult): boolean {
  return (
    a.label === b.label &&
    a.scores.length === b.scores.length &&
    a.scores.every((x, i) => x === b.scores[i]) &&
    (Object.keys(a.ops) as (keyof OpCounts)[]).every((k) => a.ops[k] === b.ops[k]) &&
    a.layerSpikes.every((x, i) => x === b.layerSpikes[i]) &&
    a.layerUpdates.every((x, i) => x === b.layerUpdates[i])
  );
}

// ------------------------------------------------------------------------------ compile

export interface CompileOptions {
  out?: string;
  target?: string;
  weightBits?: string | number;
  stateBits?: string | number;
  prune?: number;
  layout?: 'auto' | 'dense' | 'sparse';
  stopAfter?: string;
  calibrate?: string;
  calibrateLimit?: number;
  dataDir?: string;
  simd?: boolean;
}

export interface CompileReport {
  target: string;
  model: { name: string; family: string; classes: string[]; timesteps: number };
  passes: PassReport[];
  warnings: string[];
  plan?: Graph['plan'];
  artifact?: { wasmBytes: number; float32Bytes: number; integerBytes: number; ratio: number; fileRatio: number; simd: boolean };
  tables?: { id: string; layout: string; weightBits: number; tableBytes: number; memBytes: number }[];
  calibration?: CalibrationReport & { dataset: string; bitexact: { checked: number; equal: number } };
  expected?: { sentences: number; ops: OpCounts; annMacs: number; energyRatio: number };
}

export interface CompileOutcome {
  text: string;
  outDir: string;
  wasmPath?: string;
  irPath: string;
  report: CompileReport;
  /** The integer graph, for callers that go on (eval, bench). */
  graph: Graph;
  wasm?: Uint8Array;
}

/** Compiles a model in memory: the pipeline and the wasm backend, nothing written. */
export async function compileModel(model: Model, o: CompileOptions = {}, calibration?: { dataset: string; split: LabeledSplit }) {
  const target = loadTarget(o.target ?? 'wasm');
  if (target.backend !== 'wasm') fail('SNN_E_USAGE', `target ${target.name} builds C firmware`, `use \`snnc deploy --target ${target.name}\``);
  const weightBits = Number(o.weightBits ?? 8) as 8 | 16;
  const stateBits = o.stateBits === undefined ? undefined : (Number(o.stateBits) as 16 | 32);
  if (o.stopAfter !== undefined && !isPassName(o.stopAfter)) fail('SNN_E_PASS', `unknown pass "${o.stopAfter}"`, `passes: ${PASS_ORDER.join(', ')}`);
  let cal: { inputs: SimInput[]; labels: number[] } | undefined;
  if (calibration) {
    if (!model.vocab) fail('SNN_E_USAGE', 'calibration on text needs a model with a vocabulary');
    const v = vocabOf(model.vocab);
    const maxLen = maxLenOf(model.graph);
    const inputs: SimInput[] = [];
    const labels: number[] = [];
    for (const ex of calibration.split.examples) {
      const ids = safeIds(ex.text, v, maxLen);
      if (!ids) continue;
      inputs.push({ tokens: ids });
      labels.push(ex.label);
    }
    cal = { inputs, labels };
  }
  const pipe = runPipeline(model.graph, { weightBits, stateBits, prune: o.prune ?? 0, layout: o.layout ?? 'auto', stopAfter: o.stopAfter as PassName | undefined, calibration: cal });
  return { pipe, target, cal };
}

function safeIds(text: string, v: Vocab, maxLen: number): number[] | undefined {
  try {
    return textToIds(text, v, maxLen);
  } catch (e) {
    if (e instanceof SnncError && e.code === 'SNN_E_INPUT') return undefined; // e.g. a line of punctuation only
    throw e;
  }
}

export async function compile(modelPath: string, o: CompileOptions = {}): Promise<CompileOutcome> {
  const model = await readModelOrNir(modelPath);
  const outDir = resolve(o.out ?? 'out');
  let calibration: { dataset: string; split: LabeledSplit } | undefined;
  if (o.calibrate) {
    const split = loadSplit(o.calibrate, { dataDir: o.dataDir, limit: o.calibrateLimit ?? 200, classes: model.meta.classes });
    calibration = { dataset: o.calibrate, split };
  }
  const { pipe, target, cal } = await compileModel(model, o, calibration);
  mkdirSync(outDir, { recursive: true });
  const irPath = join(outDir, 'ir.txt');
  writeAtomic(irPath, printGraph(pipe.graph));
  const report: CompileReport = {
    target: target.name,
    model: { name: model.meta.name, family: model.meta.family, classes: model.meta.classes, timesteps: model.graph.timesteps },
    passes: pipe.reports,
    warnings: pipe.warnings,
    plan: pipe.graph.plan,
  };
  const lines: string[] = [];
  if (o.stopAfter) {
    lines.push(`stopped after ${o.stopAfter}: IR written to ${irPath}`);
    writeAtomic(join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    return { text: lines.join('\n'), outDir, irPath, report, graph: pipe.graph };
  }
  const { emitWasm } = await import('./backends/wasm/index.js');
  const f32 = float32Bytes(model.graph);
  const emitted = emitWasm(pipe.graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: f32 }, { simd: o.simd !== false });
  const wasmPath = join(outDir, 'model.wasm');
  writeAtomic(wasmPath, emitted.wasm);
  const vocabBytes = (model.vocab ?? []).reduce((a, w) => a + new TextEncoder().encode(w).length + 1, 0);
  report.artifact = {
    wasmBytes: emitted.wasm.length,
    float32Bytes: f32,
    integerBytes: emitted.info.energy.integerBytes,
    ratio: emitted.info.energy.integerBytes / f32,
    fileRatio: emitted.wasm.length / (f32 + vocabBytes),
    simd: emitted.info.simd,
  };
  report.tables = emitted.layout.tables.map((t) => ({ id: t.id, layout: t.layout, weightBits: t.weightBits, tableBytes: t.tableBytes, memBytes: t.memBytes }));
  if (target.ramBytes !== null && emitted.layout.memoryBytes > target.ramBytes) {
    fail('SNN_E_TOO_BIG', `the module needs ${emitted.layout.memoryBytes} bytes of memory, target ${target.name} has ${target.ramBytes}`, 'prune, use fewer timesteps or a smaller vocabulary');
  }
  lines.push(`compiled ${basename(modelPath)} -> ${wasmPath} (${emitted.wasm.length} bytes)`);
  lines.push(`  integer tables ${emitted.info.energy.integerBytes} B vs float32 parameters ${f32} B: ${pct(report.artifact.ratio)}`);
  for (const t of report.tables) lines.push(`  table ${t.id}: ${t.layout} int${t.weightBits}, ${t.tableBytes} B`);
  if (cal && pipe.calibration) {
    // the artifact itself against the reference simulator on the calibration inputs
    const host = await (await import('../runtime/wasm-host.js')).loadArtifact(emitted.wasm);
    let equal = 0;
    const ops: OpCounts[] = [];
    let macs = 0;
    let ratio = 0;
    for (const x of cal.inputs) {
      const w = host.infer(x);
      const r = simulate(pipe.graph, x, 'integer');
      if (sameResult(w, r)) equal++;
      ops.push(w.ops);
      const n = (x as { tokens: number[] }).tokens.length;
      const e = artifactEnergy(host.meta, w.ops, n);
      macs += e.annMacs;
      ratio += e.ratio;
    }
    report.calibration = { ...pipe.calibration, dataset: calibration!.dataset, bitexact: { checked: cal.inputs.length, equal } };
    report.expected = { sentences: cal.inputs.length, ops: meanOps(ops), annMacs: macs / cal.inputs.length, energyRatio: ratio / cal.inputs.length };
    const c = report.calibration;
    lines.push(`  calibration on ${c.checked} sentences of ${c.dataset}: float SNN ${pct(c.accuracyFloat)}, integer SNN ${pct(c.accuracyInt)}, agreement ${pct(c.agreement)}`);
    if (c.accuracyIntUnpruned !== undefined) lines.push(`  pruning: integer accuracy ${pct(c.accuracyIntUnpruned)} unpruned -> ${pct(c.accuracyInt)} pruned`);
    lines.push(`  wasm == reference on ${equal}/${cal.inputs.length} sentences (labels, scores, op counters)`);
    lines.push(`  expected per sentence: ${Math.round(report.expected.ops.sops)} synaptic ops, ANN ${Math.round(report.expected.annMacs)} MACs, energy ratio ${report.expected.energyRatio.toFixed(3)} (${DEFAULT_PROFILE})`);
  }
  for (const w of pipe.warnings) lines.push(`  warning: ${w}`);
  writeAtomic(join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  lines.push(`  report: ${join(outDir, 'report.json')}`);
  return { text: lines.join('\n'), outDir, wasmPath, irPath, report, graph: pipe.graph, wasm: emitted.wasm };
}

// ------------------------------------------------------------------------------ run

export interface RunOptions {
  file?: string;
  /** The .snn model a vector-input (mlp) artifact was compiled from: snnc computes the vector from the text with it. */
  model?: string;
  profile?: string;
  port?: string;
  baud?: number;
  timeout?: number;
  weightBits?: string | number;
}

export interface RunOutcome {
  text: string;
  input: string;
  tokens: string[];
  ids: number[];
  label: number;
  class: string;
  scores: number[];
  ops: OpCounts;
  layerSpikes: Record<string, number>;
  energy: ReturnType<typeof artifactEnergy>;
}

function readTextInput(args: string[], file?: string): string {
  if (file !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = file === '-' ? readFileSync(0) : readFileSync(file);
    } catch (e) {
      fail('SNN_E_INPUT', `cannot read ${file === '-' ? 'standard input' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return decodeText(bytes);
  }
  if (!args.length) fail('SNN_E_INPUT', 'no text given', 'pass the text as an argument or with --file');
  return args.join(' ');
}

export async function run(artifactPath: string, args: string[], o: RunOptions = {}): Promise<RunOutcome> {
  if (o.port) return runOnBoard(artifactPath, args, o);
  const model = await loadArtifactFile(artifactPath);
  const text = readTextInput(args, o.file);
  if (model.meta.input.kind === 'vector') {
    if (!o.model) {
      fail('SNN_E_USAGE', `${basename(artifactPath)} takes a sentence vector, not text; pass the .snn model it was compiled from with --model, and snnc computes the vector from the text`, `snnc run ${basename(artifactPath)} --model model.snn "text"`);
    }
    return classifyVector(model, readModelFile(o.model), text, o.profile);
  }
  return classify(model, text, o.profile);
}

/** The artifact's input vector for a text, from the mlp model's stored sentence-vector rule. */
async function vectorOf(model: Model, host: WasmModel, text: string): Promise<number[]> {
  if (model.meta.family !== 'mlp') fail('SNN_E_USAGE', `--model names a ${model.meta.family} model; a vector artifact needs the mlp model it was compiled from`);
  const { sentenceVector } = await import('./train/sentence-vector.js');
  const vector = Array.from(sentenceVector(model, text));
  const dim = host.meta.input.kind === 'vector' ? host.meta.input.dim : -1;
  if (vector.length !== dim) fail('SNN_E_INPUT', `the model gives ${vector.length}-value vectors, the artifact takes ${dim}`, 'pass the model the artifact was compiled from');
  return vector;
}

/** Classifies a text with a vector-input (mlp) artifact, the vector computed on the host. */
async function classifyVector(host: WasmModel, model: Model, text: string, profile = DEFAULT_PROFILE): Promise<RunOutcome> {
  const info = host.meta;
  const vector = await vectorOf(model, host, text);
  const r = host.infer({ vector });
  const energy = artifactEnergy(info, r.ops, 1, profile);
  const layerSpikes: Record<string, number> = {};
  info.populations.forEach((p, i) => (layerSpikes[p.id] = r.layerSpikes[i]));
  const cls = info.classes[r.label];
  const lines = [
    `${cls}  (class ${r.label}; ${scoreWord(info)} ${info.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')})`,
    `input: a ${vector.length}-value sentence vector computed on the host from ${tokenize(text).length} tokens`,
    `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes (+${r.ops.inputSpikes} input spikes), ${r.ops.bytesRead} table bytes read`,
    `ANN equivalent: ${energy.annMacs} MACs`,
    `energy (${energy.profile}): SNN ${(energy.snnArithPj / 1e6).toFixed(3)} uJ vs ANN ${(energy.annArithPj / 1e6).toFixed(3)} uJ, ratio ${energy.ratio.toFixed(3)}; with memory reads ${energy.ratioWithMemory.toFixed(3)}`,
  ];
  return { text: lines.join('\n'), input: text, tokens: tokenize(text), ids: [], label: r.label, class: cls, scores: r.scores, ops: r.ops, layerSpikes, energy };
}

/** How an artifact's class scores read: spike counts, or membrane values (membrane readout). */
function scoreWord(info: ArtifactInfo): string {
  return info.readout.measure === 'membrane' ? 'membrane scores' : 'spike counts';
}

/** Classifies one text with a loaded artifact; shared by `run`, the examples and the bench. */
export function classify(model: WasmModel, text: string, profile = DEFAULT_PROFILE): RunOutcome {
  const info = model.meta;
  if (info.input.kind !== 'tokens' || !info.vocab) fail('SNN_E_INPUT', 'this artifact takes vectors, not text');
  const vocab = vocabOf(info.vocab);
  const ids = textToIds(text, vocab, info.input.maxLen);
  const r = model.infer({ tokens: ids });
  const energy = artifactEnergy(info, r.ops, ids.length, profile);
  const layerSpikes: Record<string, number> = {};
  info.populations.forEach((p, i) => (layerSpikes[p.id] = r.layerSpikes[i]));
  const cls = info.classes[r.label];
  const lines = [
    `${cls}  (class ${r.label}; ${scoreWord(info)} ${info.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')})`,
    `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes (+${r.ops.inputSpikes} input spikes), ${r.ops.bytesRead} table bytes read`,
    `ANN equivalent: ${energy.annMacs} MACs`,
    `energy (${energy.profile}): SNN ${(energy.snnArithPj / 1e6).toFixed(3)} uJ vs ANN ${(energy.annArithPj / 1e6).toFixed(3)} uJ, ratio ${energy.ratio.toFixed(3)}; with memory reads ${energy.ratioWithMemory.toFixed(3)}`,
  ];
  return { text: lines.join('\n'), input: text, tokens: tokenize(text), ids, label: r.label, class: cls, scores: r.scores, ops: r.ops, layerSpikes, energy };
}

/**
 * Classifies on a board running snnc firmware (docs/firmware.md). The host tokenizes, and in
 * spikes mode also encodes, with the integer graph lowered exactly as `snnc deploy` lowered it
 * (compiler/backends/c/deploy.ts); the board's model hash (CRC-32 of its model.c) must equal
 * the one this graph gives, else the deploy and run options differ and the board is refused.
 */
async function runOnBoard(modelPath: string, args: string[], o: RunOptions): Promise<RunOutcome> {
  if (!modelPath.endsWith('.snn')) fail('SNN_E_USAGE', 'with --port, pass the .snn model the board was deployed from', 'snnc run model.snn --port /dev/ttyACM0 "text"');
  const model = readModelFile(modelPath);
  if (!model.vocab) fail('SNN_E_USAGE', 'this model takes vectors, not text');
  const text = readTextInput(args, o.file);
  const weightBits = Number(o.weightBits ?? 8);
  if (weightBits !== 8 && weightBits !== 16) fail('SNN_E_USAGE', '--weight-bits must be 8 or 16');
  // as deploy does: an integer model as it is, else the pipeline with prune 0 and layout auto
  const integer = model.graph.stage === 'integer' && Boolean(model.graph.plan);
  const lower = (bits: 8 | 16): Graph => (integer ? model.graph : runPipeline(model.graph, { weightBits: bits, prune: 0, layout: 'auto' }).graph);
  const graph = lower(weightBits);
  const ids = textToIds(text, vocabOf(model.vocab), maxLenOf(model.graph));
  const { openSerialPort } = await import('../runtime/serial/transport.js');
  const { SerialBoard } = await import('../runtime/serial/board.js');
  const { emitC } = await import('./backends/c/index.js');
  const { targetNames } = await import('../targets/index.js');
  const transport = await openSerialPort(o.port!, o.baud ?? 115200);
  let board: Awaited<ReturnType<typeof SerialBoard.connect>> | undefined;
  try {
    board = await SerialBoard.connect(transport, { graph, timeoutMs: o.timeout ?? 5000 });
    const info = board.info;
    if (targetNames().includes(info.board)) {
      const target = loadTarget(info.board);
      const hashOf = (g: Graph): number => emitC(g, target, { mode: info.mode, name: model.meta.name }).hash >>> 0;
      const hex = (h: number): string => h.toString(16).padStart(8, '0');
      const ours = hashOf(graph);
      if (ours !== info.modelHash) {
        const other = integer ? undefined : ([8, 16] as const).find((b) => b !== weightBits && hashOf(lower(b)) === info.modelHash);
        fail(
          'SNN_E_ARTIFACT',
          `the ${info.board} board on ${o.port} runs model ${hex(info.modelHash)} (${info.mode} mode), but ${modelPath} lowered with --weight-bits ${weightBits} gives ${hex(ours)}: the firmware was not deployed from this model with these options`,
          other
            ? `the firmware was deployed with --weight-bits ${other}: pass --weight-bits ${other} to snnc run`
            : `deploy and run must lower the model alike (same --weight-bits; deploy's --state-bits, --prune and --layout left at their defaults), or redeploy: snnc deploy ${modelPath} --target ${info.board}`,
        );
      }
    }
    const r = await board.classify({ tokens: ids });
    const { emitWasm } = await import('./backends/wasm/index.js');
    const wasmInfo = emitWasm(graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, float32Bytes: float32Bytes(model.graph) }).info;
    const energy = artifactEnergy(wasmInfo, r.ops, ids.length, o.profile);
    const layerSpikes: Record<string, number> = {};
    wasmInfo.populations.forEach((p, i) => (layerSpikes[p.id] = r.layerSpikes[i]));
    const cls = model.meta.classes[r.label];
    const lines = [
      `${cls}  (class ${r.label}; spike counts ${model.meta.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')}) on ${o.port} (${info.board}, ${info.mode} mode)`,
      `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes; board cycles ${r.cycles}; ${r.bytesSent + r.bytesReceived} bytes on the wire, ${r.attempts} attempt(s)`,
      `energy (${energy.profile}): SNN/ANN ${energy.ratio.toFixed(3)} arithmetic, ${energy.ratioWithMemory.toFixed(3)} with memory reads`,
    ];
    return { text: lines.join('\n'), input: text, tokens: tokenize(text), ids, label: r.label, class: cls, scores: r.scores, ops: r.ops, layerSpikes, energy };
  } finally {
    // also when connecting fails: an open port would keep the process alive
    await (board ? board.close() : transport.close());
  }
}

// ------------------------------------------------------------------------------ eval

export interface EvalOptions {
  data?: string;
  dataDir?: string;
  limit?: number;
  model?: string;
  backend?: string;
  profile?: string;
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
    host = await loadArtifactFile(path);
    if (o.model) model = readModelFile(o.model);
  } else {
    model = await readModelOrNir(path);
    const c = await compileModel(model);
    intGraph = c.pipe.graph;
    const { emitWasm } = await import('./backends/wasm/index.js');
    const emitted = emitWasm(intGraph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph) });
    host = await (await import('../runtime/wasm-host.js')).loadArtifact(emitted.wasm);
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
  const t = await import('./train/index.js');
  await t.initBackend(backend as never);
  return { ann: await t.predictAnnFromModel(model, ids), snn: await t.predictSnnFromModel(model, ids) };
}

// ------------------------------------------------------------------------------ inspect, profiles

export async function inspect(path: string): Promise<{ text: string; kind: string; info?: ArtifactInfo; ir?: string }> {
  if (path.endsWith('.wasm')) {
    const m = await loadArtifactFile(path, { bounded: false }); // metadata only: nothing runs
    const { vocab, ...rest } = m.meta;
    return { text: JSON.stringify({ ...rest, vocab: vocab ? `${vocab.length} words` : undefined }, null, 2), kind: 'wasm', info: m.meta };
  }
  const model = await readModelOrNir(path);
  const ir = printGraph(model.graph);
  const head = `model ${model.meta.name} (${model.meta.family}), classes ${model.meta.classes.join(', ')}, vocabulary ${model.vocab?.length ?? 0} words`;
  const training = model.meta.training ? `\ntraining: ${JSON.stringify(model.meta.training)}` : '';
  return { text: `${head}${training}\n${ir}`, kind: 'snn', ir };
}

export async function profiles(): Promise<{ text: string; profiles: { name: string; description: string; source: string }[] }> {
  const list = Object.values(PROFILES).map((p) => ({ name: p.name, description: p.description, source: p.source }));
  return { text: list.map((p) => `${p.name.padEnd(16)} ${p.description}\n${''.padEnd(17)}source: ${p.source}`).join('\n'), profiles: list };
}

// ------------------------------------------------------------------------------ train

export async function train(o: Record<string, unknown>): Promise<{ text: string; out: string; metrics: unknown }> {
  const t = await import('./train/index.js');
  const out = String(o.out ?? 'model.snn');
  // every run checkpoints (default: next to the model), so a killed run, the default one
  // included, resumes with --resume; the default folder goes once the model is written
  const defaultCheckpoints = o.checkpointDir === undefined ? `${out}.ckpt` : undefined;
  const r = await t.trainFromCli(defaultCheckpoints ? { ...o, checkpointDir: defaultCheckpoints } : o);
  const { writeModelFile } = await import('./frontend/model-format.js');
  mkdirSync(dirname(resolve(out)), { recursive: true });
  // the embedding table holds values rounded to the encoder's levels: float16 keeps every
  // level exact (bits <= 8) and halves the file
  writeModelFile(out, r.model, { f16Above: 65536 });
  if (defaultCheckpoints) rmSync(defaultCheckpoints, { recursive: true, force: true });
  return { text: `${r.summary}\nmodel written to ${out}`, out, metrics: r.metrics };
}

// ------------------------------------------------------------------------------ embed (mlp)

export interface EmbedOptions {
  file?: string;
  /** A compiled artifact of the same model: classify the vector with it. */
  artifact?: string;
  profile?: string;
}

export interface EmbedOutcome {
  text: string;
  input: string;
  vector: number[];
  label?: number;
  class?: string;
  scores?: number[];
  ops?: OpCounts;
  energy?: ReturnType<typeof artifactEnergy>;
}

/**
 * `snnc embed`: the input vector an 'mlp' model's artifact takes, computed on the host from the
 * text with the rule stored in the .snn model (compiler/train/sentence-vector.ts); with
 * `artifact`, also the artifact's classification of that vector.
 */
export async function embed(modelPath: string, args: string[], o: EmbedOptions = {}): Promise<EmbedOutcome> {
  const model = readModelFile(modelPath);
  const text = readTextInput(args, o.file);
  const { sentenceVector } = await import('./train/sentence-vector.js');
  const vector = Array.from(sentenceVector(model, text));
  const out: EmbedOutcome = { text: '', input: text, vector };
  const lines = [`vector (${vector.length} values in [0, 1]): ${vector.map((x) => x.toFixed(3)).join(' ')}`];
  if (o.artifact) {
    const host = await loadArtifactFile(o.artifact);
    if (host.meta.input.kind !== 'vector' || host.meta.input.dim !== vector.length) fail('SNN_E_INPUT', `${o.artifact} does not take ${vector.length}-value vectors`, 'compile the same mlp model');
    const r = host.infer({ vector });
    const energy = artifactEnergy(host.meta, r.ops, 1, o.profile ?? DEFAULT_PROFILE);
    Object.assign(out, { label: r.label, class: host.meta.classes[r.label], scores: r.scores, ops: r.ops, energy });
    lines.unshift(
      `${host.meta.classes[r.label]}  (class ${r.label}; spike counts ${host.meta.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')})`,
      `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes (+${r.ops.inputSpikes} input spikes); energy ratio ${energy.ratio.toFixed(3)} (${energy.profile})`,
    );
  }
  out.text = lines.join('\n');
  return out;
}
