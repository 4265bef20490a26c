// Core benchmark (`npm run bench`): accuracy of the ANN, float SNN and integer SNN; the smallest
// T within 1 point of the trained T; throughput of the WASM runtime vs TF.js running the same
// SNN densely and the tailored ANN, at batch 1 and 64, in one process on the same sentences;
// op counts, firing rates, sizes and energy ratios. Writes bench/results/core.json + core.svg.

import { mkdirSync } from 'node:fs';
import { cpus, totalmem, type as osType, release, arch, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { readModelFile } from '../compiler/frontend/model-format.js';
import { compileModel, float32Bytes, PACKAGE_ROOT } from '../compiler/api.js';
import { emitWasm } from '../compiler/backends/wasm/index.js';
import { loadSplit } from '../compiler/data/index.js';
import { Vocab, textToIds } from '../runtime/tokenizer.js';
import { loadArtifact, type WasmModel } from '../runtime/wasm-host.js';
import { simulate, type InferenceResult } from '../runtime/reference.js';
import { artifactEnergy, PROFILES, DEFAULT_PROFILE } from '../runtime/energy.js';
import type { Graph, Model } from '../compiler/ir/types.js';
import { annForward, initBackend, predictAnnFromModel, predictSnn, simulateBatch } from '../compiler/train/index.js';
import { barChart, lineChart, svg } from './plot.js';
import { writeAtomic } from '../compiler/io/atomic.js';

interface Args {
  model: string;
  data: string;
  timing: number;
  bitexact: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { model: join(PACKAGE_ROOT, 'examples', 'sst2', 'model.snn'), data: 'sst2:test', timing: 256, bitexact: 200, out: join(PACKAGE_ROOT, 'bench', 'results') };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    const v = argv[i + 1];
    if (k === 'model') a.model = resolve(v);
    else if (k === 'data') a.data = v;
    else if (k === 'timing') a.timing = Number(v);
    else if (k === 'bitexact') a.bitexact = Number(v);
    else if (k === 'out') a.out = resolve(v);
    else throw new Error(`unknown option --${k}; known: --model --data --timing --bitexact --out`);
  }
  return a;
}

const now = () => performance.now();

/** Median of `reps` timings of fn, in ms, after one warm-up call. */
function timeIt(fn: () => void, reps = 3): number {
  fn();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = now();
    fn();
    t.push(now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

function withT(model: Model, T: number): Model {
  return { ...model, graph: { ...model.graph, timesteps: T } };
}

async function artifactFor(model: Model): Promise<{ graph: Graph; host: WasmModel; wasmBytes: number }> {
  const { pipe } = await compileModel(model);
  const e = emitWasm(pipe.graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph) });
  return { graph: pipe.graph, host: await loadArtifact(e.wasm), wasmBytes: e.wasm.length };
}

function accuracy(pred: number[], labels: number[]): number {
  let ok = 0;
  pred.forEach((p, i) => (ok += p === labels[i] ? 1 : 0));
  return (100 * ok) / labels.length;
}

function sameResult(a: InferenceResult, b: InferenceResult): boolean {
  return JSON.stringify([a.label, a.scores, a.ops, a.layerSpikes, a.layerUpdates]) === JSON.stringify([b.label, b.scores, b.ops, b.layerSpikes, b.layerUpdates]);
}

function machine(backend: string) {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()} ${arch()}`,
    node: process.version,
    tfjs_backend: backend,
    load_average_at_start: loadavg().map((x) => Number(x.toFixed(2))),
    date: new Date().toISOString(),
    how: 'one Node process; wall-clock performance.now(); median of 3 timed passes after a warm-up pass over the same sentences',
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = now();
  const backend = await initBackend('auto');
  const mach = machine(backend);
  const model = readModelFile(args.model);
  const T0 = model.graph.timesteps;
  const split = loadSplit(args.data, { classes: model.meta.classes });
  const vocab = new Vocab(model.vocab!);
  const maxLen = (model.graph.nodes.find((n) => n.kind === 'tokens') as { maxLen: number }).maxLen;
  const ids: number[][] = [];
  const labels: number[] = [];
  for (const ex of split.examples) {
    try {
      ids.push(textToIds(ex.text, vocab, maxLen));
      labels.push(ex.label);
    } catch {
      /* a line without tokens: skipped, as snnc eval does */
    }
  }
  log(`${args.data}: ${ids.length} sentences; model T=${T0}; TF.js backend ${backend}`);

  // ---- accuracy at the trained T
  const annPred = await predictAnnFromModel(model, ids);
  const snnFloat = predictSnn(model.graph, ids).labels;
  const base = await artifactFor(model);
  const intRes = ids.map((x) => base.host.infer({ tokens: x }));
  const acc = { ann: accuracy(annPred, labels), snn_float: accuracy(snnFloat, labels), snn_int: accuracy(intRes.map((r) => r.label), labels) };
  log(`accuracy: ANN ${acc.ann.toFixed(2)}, float SNN ${acc.snn_float.toFixed(2)}, integer SNN ${acc.snn_int.toFixed(2)}`);

  // ---- T sweep (integer SNN on wasm; thresholds do not depend on T, so no retraining)
  const Ts = [...new Set([T0, Math.round((T0 * 3) / 4), Math.round(T0 / 2), Math.round((T0 * 3) / 8), Math.round(T0 / 4), Math.round(T0 / 8), 2].filter((t) => t >= 2 && t <= T0))].sort((a, b) => b - a);
  const sweep: { T: number; accuracy: number; sops: number }[] = [];
  for (const T of Ts) {
    const a = T === T0 ? base : await artifactFor(withT(model, T));
    const rs = T === T0 ? intRes : ids.map((x) => a.host.infer({ tokens: x }));
    sweep.push({ T, accuracy: accuracy(rs.map((r) => r.label), labels), sops: rs.reduce((s, r) => s + r.ops.sops, 0) / rs.length });
    log(`T=${T}: integer SNN ${sweep[sweep.length - 1].accuracy.toFixed(2)}%`);
  }
  const within = sweep.filter((s) => s.accuracy >= acc.snn_int - 1);
  const Tsmall = Math.min(...within.map((s) => s.T));

  // ---- throughput, same sentences for every engine
  const timingIds = ids.slice(0, Math.min(args.timing, ids.length));
  const runs: Record<string, unknown>[] = [];
  for (const T of [...new Set([T0, Tsmall])]) {
    const m = withT(model, T);
    const a = T === T0 ? base : await artifactFor(m);
    const res = timingIds.map((x) => a.host.infer({ tokens: x }));
    const sops = res.reduce((s, r) => s + r.ops.sops, 0);
    for (const batch of [1, 64]) {
      const chunks: number[][][] = [];
      for (let i = 0; i < timingIds.length; i += batch) chunks.push(timingIds.slice(i, i + batch));
      const wasmMs = timeIt(() => {
        for (const c of chunks) a.host.inferMany(c.map((x) => ({ tokens: x })));
      });
      // TF.js is far slower at batch 1: time it on a subset and scale per sentence
      const sub = batch === 1 ? chunks.slice(0, 32) : chunks;
      const subN = sub.reduce((s, c) => s + c.length, 0);
      const snnMs = (timeIt(() => {
        for (const c of sub) simulateBatch(m.graph, c);
      }, 1) * timingIds.length) / subN;
      const annMs = (timeIt(() => {
        for (const c of sub) annForward(m, c);
      }) * timingIds.length) / subN;
      const row = {
        T,
        batch,
        sentences: timingIds.length,
        wasm_sentences_per_s: (1000 * timingIds.length) / wasmMs,
        wasm_ns_per_sop: (wasmMs * 1e6) / sops,
        tfjs_dense_snn_sentences_per_s: (1000 * timingIds.length) / snnMs,
        tfjs_ann_sentences_per_s: (1000 * timingIds.length) / annMs,
        speedup_vs_tfjs_dense_snn: snnMs / wasmMs,
        speedup_vs_tfjs_ann: annMs / wasmMs,
        accuracy_int: sweep.find((s) => s.T === T)?.accuracy,
        sops_per_inference: sops / timingIds.length,
      };
      runs.push(row);
      log(`T=${T} batch ${batch}: wasm ${row.wasm_sentences_per_s.toFixed(0)}/s (${row.wasm_ns_per_sop.toFixed(3)} ns/sop), TF.js dense SNN ${row.tfjs_dense_snn_sentences_per_s.toFixed(1)}/s, TF.js ANN ${row.tfjs_ann_sentences_per_s.toFixed(1)}/s`);
    }
  }

  // ---- per-inference statistics at the trained T, over the whole split
  const pops = base.host.meta.populations.map((p) => p.id);
  const spikes = new Array<number>(pops.length).fill(0);
  const updates = new Array<number>(pops.length).fill(0);
  const energy: Record<string, { ratio: number; ratio_with_memory: number }> = {};
  let macs = 0;
  for (const name of Object.keys(PROFILES)) energy[name] = { ratio: 0, ratio_with_memory: 0 };
  intRes.forEach((r, i) => {
    r.layerSpikes.forEach((s, k) => (spikes[k] += s));
    r.layerUpdates.forEach((u, k) => (updates[k] += u));
    for (const name of Object.keys(PROFILES)) {
      const e = artifactEnergy(base.host.meta, r.ops, ids[i].length, name);
      energy[name].ratio += e.ratio / intRes.length;
      energy[name].ratio_with_memory += e.ratioWithMemory / intRes.length;
      if (name === DEFAULT_PROFILE) macs += e.annMacs;
    }
  });
  const firing: Record<string, number> = {};
  pops.forEach((p, k) => (firing[p] = updates[k] ? spikes[k] / updates[k] : 0));
  const totalFiring = spikes.reduce((a, b) => a + b, 0) / updates.reduce((a, b) => a + b, 0);
  const sopsMean = intRes.reduce((s, r) => s + r.ops.sops, 0) / intRes.length;

  // ---- bit-exactness: the artifact against the reference simulator
  let equal = 0;
  const nCheck = Math.min(args.bitexact, ids.length);
  for (let i = 0; i < nCheck; i++) if (sameResult(intRes[i], simulate(base.graph, { tokens: ids[i] }, 'integer'))) equal++;

  const f32 = float32Bytes(model.graph);
  const b1 = runs.find((r) => r.T === T0 && r.batch === 1)!;
  const result = {
    wasm_ns_per_sop: b1.wasm_ns_per_sop,
    speedup_vs_tfjs_dense_snn: b1.speedup_vs_tfjs_dense_snn,
    speedup_vs_tfjs_ann: b1.speedup_vs_tfjs_ann,
    sops_per_inference: sopsMean,
    ann_macs_per_inference: macs / intRes.length,
    firing_rate: totalFiring,
    firing_rate_per_layer: firing,
    artifact_ratio: base.host.meta.energy.integerBytes / f32,
    artifact: { integer_bytes: base.host.meta.energy.integerBytes, wasm_bytes: base.wasmBytes, float32_bytes: f32 },
    energy_ratio: energy[DEFAULT_PROFILE].ratio,
    energy_ratio_with_memory: energy[DEFAULT_PROFILE].ratio_with_memory,
    energy_by_profile: energy,
    accuracy: acc,
    bitexact: { checked: nCheck, equal },
    timesteps: { trained: T0, smallest_within_1_point: Tsmall, sweep },
    model: { path: args.model, name: model.meta.name, training: model.meta.training },
    data: { split: args.data, sentences: ids.length },
    machine: mach,
    wall_s: (now() - t0) / 1000,
    runs,
  };
  mkdirSync(args.out, { recursive: true });
  writeAtomic(join(args.out, 'core.json'), JSON.stringify(result, null, 2) + '\n');
  const groups = runs.map((r) => ({
    label: `T=${r.T} batch ${r.batch}`,
    values: [
      { name: 'snnc wasm (int SNN)', value: r.wasm_sentences_per_s as number, color: '#1b7837' },
      { name: 'TF.js dense SNN', value: r.tfjs_dense_snn_sentences_per_s as number, color: '#762a83' },
      { name: 'TF.js ANN', value: r.tfjs_ann_sentences_per_s as number, color: '#2166ac' },
    ],
  }));
  const chart = svg(
    1000,
    380,
    [
      lineChart('SST-2 test accuracy vs time steps', 'T (time steps)', 'accuracy %', [
        { name: 'integer SNN (wasm)', points: sweep.map((s) => [s.T, s.accuracy]), color: '#1b7837' },
        { name: `ANN ${acc.ann.toFixed(1)}%`, points: sweep.map((s) => [s.T, acc.ann]), color: '#2166ac' },
      ], 0, 0, 420, 360),
      barChart('throughput (sentences/s, log scale)', 'sentences/s', groups, 430, 0, 570, 360),
    ],
    `${mach.cpu}, ${mach.cores} cores, Node ${mach.node}, TF.js ${backend}; ${mach.date.slice(0, 10)}`,
  );
  writeAtomic(join(args.out, 'core.svg'), chart);
  log(`wrote ${join(args.out, 'core.json')} and core.svg in ${result.wall_s.toFixed(0)} s`);
}

function log(s: string): void {
  process.stderr.write(s + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
