// The twin ANN beside the SNN on the same silicon (issue #9, lever 5; docs/ann.md): "what would
// the plain network cost me on this board?". For each shipped model, the int8 tailored ANN
// (compiler/backends/c/ann.ts, calibrated on 2000 SST-2 training sentences) and the integer SNN
// are built for the same board with the same toolchain, run over the serial protocol on the
// same SST-2 test sentences (simavr Uno: exact Timer1 cycles; QEMU Cortex-M3: exact
// instructions inside the compute kernel), each checked bit for bit against its reference
// (runtime/reference.ts, runtime/ann-int8.ts). The SNN runs with the event-driven and the
// level-grouped schedule (docs/semantics.md) at the model's T, and the Uno model also grouped at
// T = 4. Accuracy and energy are over all 1821 test sentences, in TypeScript (int8 ANN) and
// WebAssembly (integer SNN). Writes bench/results/twin.json.
// Run: nice npx vite-node bench/twin.ts   (SNNC_TWIN_N sentences on the boards, default 100;
// SNNC_TWIN_MODELS=uno,sst2; SNNC_TWIN_OUT another output file)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import type { Graph, Model } from '../compiler/ir/types.js';
import { readModelFile } from '../compiler/frontend/model-format.js';
import { runPipeline } from '../compiler/passes/pipeline.js';
import { emitC, type CBudget } from '../compiler/backends/c/index.js';
import { buildFirmware, type BuiltFirmware } from '../compiler/backends/c/build.js';
import { emitAnnC, type AnnMode } from '../compiler/backends/c/ann-emit.js';
import { floatAnnForward, int8Twin } from '../compiler/backends/c/ann.js';
import { emitWasm } from '../compiler/backends/wasm/index.js';
import { float32Bytes } from '../compiler/api.js';
import { annInt8, annLevelFrame, type Int8Ann } from '../runtime/ann-int8.js';
import { artifactEnergy } from '../runtime/energy.js';
import { loadArtifact } from '../runtime/wasm-host.js';
import { simulate, type InferenceResult } from '../runtime/reference.js';
import { loadTarget, repoRoot } from '../targets/index.js';
import { Vocab, tokenize } from '../runtime/tokenizer.js';
import { sst2Inputs, sst2Sentences, sst2TrainIds, tempDir, which } from '../test/firmware/helpers.js';
import { runOnDevice } from './device.js';

const N = Number(process.env.SNNC_TWIN_N ?? 100);
const MODELS = (process.env.SNNC_TWIN_MODELS ?? 'uno,sst2').split(',');
/** QEMU only: the stack above a state beyond the Cortex-M3's 64 KB RAM budget (the mps2-an385 has 4 MB). */
const BIG_STACK = ['-Wl,--defsym=snn_stack_top=0x20400000'];

interface DeviceRow {
  model: string;
  target: string;
  network: 'snn' | 'ann-int8';
  mode: string;
  fits_budget: boolean;
  flash_bytes: number;
  /** .data + .bss + the stack reserve */
  ram_bytes: number;
  predicted_flash_bytes: number;
  predicted_ram_bytes: number;
  cycles_per_inference?: number;
  instructions_per_inference?: number;
  ops_per_inference: number;
  ops_unit: string;
  per_op: number;
  per_op_unit: string;
  serial_bytes_per_sentence: number;
  bitexact: { checked: number; equal: number };
}

function log(s: string): void {
  console.log(`[twin] ${s}`);
}

function budgetRow(b: CBudget, fw: BuiltFirmware): Pick<DeviceRow, 'fits_budget' | 'flash_bytes' | 'ram_bytes' | 'predicted_flash_bytes' | 'predicted_ram_bytes'> {
  return { fits_budget: b.fits, flash_bytes: fw.text + fw.data, ram_bytes: fw.data + fw.bss + b.stackBytes, predicted_flash_bytes: b.flashBytes, predicted_ram_bytes: b.ramBytes };
}

async function deviceRow(
  model: string,
  target: string,
  network: DeviceRow['network'],
  mode: string,
  built: { budget: CBudget; fw: BuiltFirmware; hash: number },
  run: { graph?: Graph; encode?: (x: { tokens: ArrayLike<number> } | { vector: ArrayLike<number> }) => ReturnType<typeof annLevelFrame>; inputs: { tokens: number[] }[]; expected: InferenceResult[] },
): Promise<DeviceRow> {
  const r = await runOnDevice(target, built.fw, { hash: built.hash, graph: run.graph, encode: run.encode, inputs: run.inputs, expected: run.expected, timeoutMs: 120_000 });
  const ops = run.expected.reduce((a, x) => a + x.ops.sops, 0);
  const count = target === 'arduino-uno' ? r.cycles : (r.instructions ?? 0);
  const row: DeviceRow = {
    model,
    target,
    network,
    mode,
    ...budgetRow(built.budget, built.fw),
    ops_per_inference: Math.round(ops / r.n),
    ops_unit: network === 'snn' ? 'synaptic additions (sops)' : 'multiply-accumulates (conv taps inside the sentence + classifier)',
    per_op: +(count / ops).toFixed(2),
    per_op_unit: target === 'arduino-uno' ? 'cycles' : 'instructions',
    serial_bytes_per_sentence: Math.round(r.wire / r.n),
    bitexact: { checked: r.n, equal: r.equal },
  };
  if (target === 'arduino-uno') row.cycles_per_inference = Math.round(r.cycles / r.n);
  else row.instructions_per_inference = Math.round(count / r.n);
  log(JSON.stringify(row));
  return row;
}

function snnBuild(graph: Graph, target: string, mode: 'tokens' | 'spikes', big: boolean) {
  const t = loadTarget(target);
  const emitted = emitC(graph, t, { mode, name: 'twin-bench', noFitCheck: big });
  const fw = buildFirmware(emitted, t, tempDir(`twin-snn-${target}`), { extraFlags: big ? BIG_STACK : [] });
  return { budget: emitted.budget, fw, hash: emitted.hash };
}

function annBuild(ann: Int8Ann, target: string, mode: AnnMode, big: boolean) {
  const t = loadTarget(target);
  const emitted = emitAnnC(ann, t, { mode, name: 'twin-bench', noFitCheck: big });
  const fw = buildFirmware(emitted, t, tempDir(`twin-ann-${target}`), { extraFlags: big ? BIG_STACK : [] });
  return { budget: emitted.budget, fw, hash: emitted.hash };
}

function sst2Test(model: Model, maxLen: number): { label: number; ids: number[] }[] {
  const vocab = new Vocab(model.vocab!);
  return sst2Sentences()
    .map((s) => ({ label: s.label, ids: vocab.encode(tokenize(s.text)).slice(0, maxLen) }))
    .filter((s) => s.ids.length > 0);
}

/** Accuracy of the float tailored ANN and its int8 twin on every SST-2 test sentence (TypeScript). */
function annAccuracy(model: Model, float: ReturnType<typeof int8Twin>['float'], int8: Int8Ann) {
  const test = sst2Test(model, float.maxLen);
  let fl = 0;
  let q = 0;
  let macs = 0;
  const labels: number[] = [];
  for (const s of test) {
    const a = annInt8(int8, { tokens: s.ids });
    if (floatAnnForward(float, s.ids).label === s.label) fl++;
    if (a.label === s.label) q++;
    labels.push(a.label);
    macs += a.ops.sops;
  }
  const training = (model.meta.training ?? {}) as { accuracy?: { annTest?: number; snnTest?: number } };
  return {
    labels,
    report: {
      sentences: test.length,
      ann_float: +((100 * fl) / test.length).toFixed(2),
      ann_int8: +((100 * q) / test.length).toFixed(2),
      trainer_reported: { ann_test: training.accuracy?.annTest, snn_test: training.accuracy?.snnTest },
      macs_per_sentence: Math.round(macs / test.length),
    },
  };
}

/** The integer SNN (wasm, this variant's graph) on every SST-2 test sentence: accuracy, agreement with the int8 twin, and its energy against both ANNs (mean of per-sentence ratios, as bench/core.ts). */
async function snnAccuracyAndEnergy(model: Model, graph: Graph, annLabels: number[]) {
  const maxLen = (graph.nodes.find((n) => n.kind === 'tokens') as { maxLen: number }).maxLen;
  const test = sst2Test(model, maxLen);
  const emitted = emitWasm(graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph) });
  const host = await loadArtifact(emitted.wasm);
  let snn = 0;
  let agree = 0;
  let sops = 0;
  const profiles = ['horowitz45-int', 'horowitz45-int8'];
  const energy: Record<string, { ratio: number; ratio_with_memory: number; snn_pj: number; ann_pj: number; snn_memory_pj: number; ann_memory_pj: number }> = {};
  for (const p of profiles) energy[p] = { ratio: 0, ratio_with_memory: 0, snn_pj: 0, ann_pj: 0, snn_memory_pj: 0, ann_memory_pj: 0 };
  test.forEach((s, i) => {
    const r = host.infer({ tokens: s.ids });
    if (r.label === s.label) snn++;
    if (r.label === annLabels[i]) agree++;
    sops += r.ops.sops;
    for (const p of profiles) {
      const e = artifactEnergy(host.meta, r.ops, s.ids.length, p);
      const t = energy[p];
      t.ratio += e.ratio / test.length;
      t.ratio_with_memory += e.ratioWithMemory / test.length;
      t.snn_pj += e.snnArithPj / test.length;
      t.ann_pj += e.annArithPj / test.length;
      t.snn_memory_pj += e.snnMemoryPj / test.length;
      t.ann_memory_pj += e.annMemoryPj / test.length;
    }
  });
  return {
    snn_integer: +((100 * snn) / test.length).toFixed(2),
    snn_int8_ann_agreement: +((100 * agree) / test.length).toFixed(2),
    sops_per_sentence: Math.round(sops / test.length),
    energy,
  };
}

interface Variant {
  label: string;
  schedule: 'event' | 'grouped';
  timesteps?: number;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const load0 = loadavg();
  const models: Record<string, unknown> = {};
  const rows: (DeviceRow & { variant?: string })[] = [];
  const pairs: { model: string; variant: string; target: string; metric: string; snn: number; ann: number; snn_over_ann: number; note: string }[] = [];
  for (const name of MODELS) {
    const file = join(repoRoot(), 'examples', name, 'model.snn');
    if (!existsSync(file)) {
      log(`${file} missing: skipped`);
      continue;
    }
    const model = readModelFile(file);
    const label = `examples/${name}/model.snn`;
    const { float, int8 } = int8Twin(model, sst2TrainIds(model, 2000));
    log(`${label}: int8 twin accuracy on the SST-2 test set ...`);
    const ann = annAccuracy(model, float, int8);
    const info: Record<string, unknown> = { sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), ann: ann.report, calibration: 'max ReLU activation per branch over the first 2000 SST-2 training sentences', snn: {} };
    models[label] = info;
    log(`${label}: ${JSON.stringify(ann.report)}`);
    const T = model.graph.timesteps;
    const variants: Variant[] = [
      { label: `event, T = ${T}`, schedule: 'event' },
      { label: `grouped, T = ${T}`, schedule: 'grouped' },
      ...(name === 'uno' ? [{ label: 'grouped, T = 4', schedule: 'grouped' as const, timesteps: 4 }] : []),
    ];
    const inputs = sst2Inputs(model, N);
    const annWant = inputs.map((x) => {
      const { logits: _l, ...r } = annInt8(int8, x);
      return r;
    });
    const encode = (x: Parameters<typeof annLevelFrame>[1]) => annLevelFrame(int8, x);
    const configs: { target: string; snn: 'tokens' | 'spikes'; ann: AnnMode; big: boolean }[] =
      name === 'uno'
        ? [
            { target: 'arduino-uno', snn: 'spikes', ann: 'levels', big: false },
            { target: 'cortex-m3', snn: 'tokens', ann: 'tokens', big: false },
          ]
        : [{ target: 'cortex-m3', snn: 'tokens', ann: 'tokens', big: true }];
    const annRows = new Map<string, DeviceRow>();
    for (const c of configs) {
      if (!which(loadTarget(c.target).toolchain!.cc)) continue;
      const a = await deviceRow(label, c.target, 'ann-int8', c.ann, annBuild(int8, c.target, c.ann, c.big), { encode, inputs, expected: annWant });
      rows.push(a);
      annRows.set(c.target, a);
    }
    if (name === 'sst2' && which('arm-none-eabi-gcc')) {
      // what fits the Cortex-M3's budget: the ANN with the host keeping the embedding
      rows.push(await deviceRow(label, 'cortex-m3', 'ann-int8', 'levels', annBuild(int8, 'cortex-m3', 'levels', false), { encode, inputs, expected: annWant }));
    }
    for (const v of variants) {
      const m = v.timesteps ? { ...model, graph: { ...model.graph, timesteps: v.timesteps } } : model;
      const graph = runPipeline(m.graph, { weightBits: 8, prune: 0, layout: 'auto', schedule: v.schedule }).graph; // as snnc deploy --schedule lowers it
      log(`${label} (${v.label}): integer SNN on the SST-2 test set ...`);
      const acc = await snnAccuracyAndEnergy(m, graph, ann.labels);
      const budgets: Record<string, unknown> = {};
      (info.snn as Record<string, unknown>)[v.label] = { ...acc, budgets };
      log(`${label} (${v.label}): ${JSON.stringify({ ...acc, energy: undefined })}`);
      const snnWant = inputs.map((x) => simulate(graph, x, 'integer'));
      for (const c of configs) {
        const a = annRows.get(c.target);
        if (!a) continue;
        const built = snnBuild(graph, c.target, c.snn, c.big);
        if (!built.budget.fits) budgets[c.target] = { fits: false, flash_bytes: built.budget.flashBytes, ram_bytes: built.budget.ramBytes };
        const s = { ...(await deviceRow(label, c.target, 'snn', c.snn, built, { graph, inputs, expected: snnWant })), variant: v.label };
        rows.push(s);
        const metric = c.target === 'arduino-uno' ? 'cycles_per_inference' : 'instructions_per_inference';
        const sv = (s as unknown as Record<string, number>)[metric];
        const av = (a as unknown as Record<string, number>)[metric];
        pairs.push({
          model: label,
          variant: v.label,
          target: c.target,
          metric,
          snn: sv,
          ann: av,
          snn_over_ann: +(sv / av).toFixed(3),
          note: c.big ? 'both beyond the 256 KB / 64 KB budget in tokens mode (QEMU only, stack moved up): the 26,636-word level table alone is 1.33 MB; see the fitting rows' : `SNN ${c.snn} mode, ANN ${c.ann} mode (the same input on the wire)`,
        });
        log(`${label} (${v.label}) on ${c.target}: SNN / int8 ANN = ${(sv / av).toFixed(3)} (${metric})`);
      }
      if (name === 'sst2' && v.schedule === 'event') {
        // a multi-bit grouped schedule needs tokens mode (the board must see levels)
        const sb = emitC(graph, loadTarget('cortex-m3'), { mode: 'spikes', noFitCheck: true }).budget;
        budgets['cortex-m3 spikes mode'] = { fits: sb.fits, flash_bytes: sb.flashBytes, ram_bytes: sb.ramBytes, state_bytes: sb.stateBytes };
      }
    }
  }
  const out = {
    note:
      'Counts are exact (simavr cycles from Timer1; QEMU TCG-plugin instructions inside every compute-kernel function), so one run suffices; the machine only sets how long the bench takes. SNN rows: the integer SNN as snnc deploy lowers it (int8 weights) with the named schedule and T; ANN rows: the int8 twin (docs/ann.md). ram_bytes = .data + .bss + the stack reserve; fits_budget is against the target description (Uno 32256 / 2048 B, Cortex-M3 256 KB / 64 KB). Accuracy and energy: all SST-2 test sentences; energy is the mean of per-sentence ratios (bench/core.ts convention), horowitz45-int against the fp32 tailored ANN, horowitz45-int8 against the int8 twin.',
    pairs,
    devices: rows,
    models,
    machine: {
      os: `${platform()} ${release()}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      load_at_start: load0.map((x) => +x.toFixed(2)),
      node: process.version,
      avr_gcc: tool(['avr-gcc', '--version']),
      arm_gcc: tool(['arm-none-eabi-gcc', '--version']),
      qemu: tool(['qemu-system-arm', '--version']),
      sentences_on_boards: N,
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
    },
  };
  const file = process.env.SNNC_TWIN_OUT ?? join(repoRoot(), 'bench', 'results', 'twin.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  log(`wrote ${file}`);
}

function tool(cmd: string[]): string {
  try {
    return execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'missing';
  }
}

await main();
