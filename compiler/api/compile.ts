// `snnc compile`: the pass pipeline (with calibration on a data set when asked) and the wasm
// backend; writes model.wasm, report.json and ir.txt. With calibration, the artifact itself is
// checked against the reference simulator on the calibration sentences.

import { mkdirSync } from 'node:fs';
import { writeAtomic } from '../io/atomic.js';
import { basename, join, resolve } from 'node:path';
import type { Graph, Model } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { isPassName, PASS_ORDER, type PassName } from '../passes/pipeline.js';
import { defaultWeightBits } from '../passes/weight-bits.js';
import type { PassReport } from '../passes/pass.js';
import { printGraph } from '../ir/print.js';
import { simulate, type OpCounts, type SimInput } from '../../runtime/reference.js';
import { artifactEnergy, DEFAULT_PROFILE } from '../../runtime/energy.js';
import { loadEvalData, tableOptionsOf } from '../data/user-data.js';
import type { Example } from '../data/types.js';
import { loadTarget } from '../../targets/index.js';
import { runCalibratedPipeline, type CalibrationReport } from './calibrate.js';
import { withTimesteps } from '../ir/timesteps.js';
import type { ScheduleChoice } from '../passes/schedule.js';
import { float32Bytes, maxLenOf, meanOps, pct, provenanceOf, readModelOrNir, safeIds, sameResult, vocabOf } from './shared.js';

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
  /** --calibrate with a file: its format and columns (compiler/data/user-data.ts). */
  format?: string;
  textCol?: string | number;
  labelCol?: string | number;
  simd?: boolean;
  /** Override the model's T (docs/semantics.md: thresholds do not depend on T). */
  timesteps?: number;
  /** Schedule of the first layer's additions (the schedule pass); default auto. */
  schedule?: ScheduleChoice;
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
export async function compileModel(model: Model, o: CompileOptions = {}, calibration?: { dataset: string; split: { examples: Example[] } }) {
  model = withTimesteps(model, o.timesteps);
  const target = loadTarget(o.target ?? 'wasm');
  if (target.backend !== 'wasm') fail('SNN_E_USAGE', `target ${target.name} builds C firmware`, `use \`snnc deploy --target ${target.name}\``);
  const weightBits = Number(o.weightBits ?? defaultWeightBits(model)) as 8 | 16;
  const stateBits = o.stateBits === undefined ? undefined : (Number(o.stateBits) as 16 | 32);
  if (o.stopAfter !== undefined && !isPassName(o.stopAfter)) fail('SNN_E_PASS', `unknown pass "${o.stopAfter}"`, `passes: ${PASS_ORDER.join(', ')}`);
  let cal: { inputs: SimInput[]; labels: number[] } | undefined;
  if (calibration) {
    if (!model.vocab) fail('SNN_E_USAGE', 'calibration on text needs a model with a vocabulary');
    const v = vocabOf(model.vocab, model.tokenizer);
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
  const pipe = runCalibratedPipeline(model.graph, {
    weightBits,
    stateBits,
    prune: o.prune ?? 0,
    layout: o.layout ?? 'auto',
    schedule: o.schedule ?? 'auto',
    ramBytes: target.ramBytes,
    stopAfter: o.stopAfter as PassName | undefined,
    calibration: cal,
  });
  return { pipe, target, cal };
}

export async function compile(modelPath: string, o: CompileOptions = {}): Promise<CompileOutcome> {
  // a NIR graph whose Output forms no classifier compiles without readout (docs/wasm.md "Graphs without readout")
  const model = withTimesteps(await readModelOrNir(modelPath, { readout: 'optional' }), o.timesteps);
  const outDir = resolve(o.out ?? 'out');
  let calibration: { dataset: string; split: { examples: Example[] } } | undefined;
  if (o.calibrate) {
    const split = await loadEvalData(o.calibrate, { ...tableOptionsOf(o), dataDir: o.dataDir, limit: o.calibrateLimit ?? 200, classes: model.meta.classes });
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
  const { emitWasm } = await import('../backends/wasm/index.js');
  const f32 = float32Bytes(model.graph);
  const emitted = emitWasm(pipe.graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: f32, extra: { provenance: provenanceOf(model) } }, { simd: o.simd !== false });
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
    const host = await (await import('../../runtime/wasm-host.js')).loadArtifact(emitted.wasm);
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
