// Core benchmark (`npm run bench`): accuracy of the ANN, float SNN and integer SNN; the smallest
// T within 1 point of the trained T; latency of the WASM runtime against TF.js running the
// tailored ANN and the same SNN densely, and (optional) PyTorch running both, at batch 1 and
// 64, on the same sentences, in interleaved repetitions; op counts, firing rates, sizes and
// energy ratios; the ratios of the issue #9 goal table. Writes bench/results/core.json +
// core.svg and prints the goal table.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release, arch, loadavg, getPriority, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readModelFile } from '../compiler/frontend/model-format.js';
import { compileModel, float32Bytes, PACKAGE_ROOT } from '../compiler/api.js';
import { emitWasm } from '../compiler/backends/wasm/index.js';
import { loadSplit } from '../compiler/data/index.js';
import { Vocab, textToIds } from '../runtime/tokenizer.js';
import { loadArtifact, type WasmModel } from '../runtime/wasm-host.js';
import { simulate, type InferenceResult } from '../runtime/reference.js';
import { artifactEnergy, PROFILES, DEFAULT_PROFILE } from '../runtime/energy.js';
import { fail, isSnncError } from '../core/errors.js';
import type { Graph, Model } from '../compiler/ir/types.js';
import { annForward, initBackend, predictSnn, simulateBatch, textCnnTensors } from '../compiler/train/index.js';
import { tf } from '../compiler/train/backend.js';
import { findTorchPython, TorchPeer, TORCH_INSTALL_HINT, type TorchInfo } from './peers/torch.js';
import { ENGINE_NAMES, coreChart, type CoreChartInput } from './charts.js';

const USAGE = `usage: node dist/bench/core.js [options]   (npm run bench -- [options])
  --model FILE     float .snn TextCNN model (default examples/sst2/model.snn)
  --data SPLIT     data split (default sst2:test)
  --timing N       sentences timed per pass, the same for every engine (default 256)
  --reps N         interleaved timed repetitions, at least 3 (default 5)
  --bitexact N     sentences checked against the reference simulator (default 200)
  --python CMD     Python with torch for the PyTorch peer, or "none" (default: the first of
                   /usr/bin/python3 and python3 that imports torch)
  --out DIR        results folder (default bench/results)
  --twin FILE      device counts of the SNN and its int8 twin ANN, from bench/twin.ts
                   (default bench/results/twin.json; rows are used only when its sha256 of the
                   model file matches the model benchmarked here)
  --help`;

interface Args {
  model: string;
  data: string;
  timing: number;
  reps: number;
  bitexact: number;
  python: string;
  out: string;
  twin: string;
}

function positiveInt(name: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail('SNN_E_USAGE', `--${name} must be an integer >= ${min}, got ${v}`);
  return n;
}

function readArgs(argv: string[]): Args | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string', default: join(PACKAGE_ROOT, 'examples', 'sst2', 'model.snn') },
        data: { type: 'string', default: 'sst2:test' },
        timing: { type: 'string', default: '256' },
        reps: { type: 'string', default: '5' },
        bitexact: { type: 'string', default: '200' },
        python: { type: 'string', default: 'auto' },
        out: { type: 'string', default: join(PACKAGE_ROOT, 'bench', 'results') },
        twin: { type: 'string', default: join(PACKAGE_ROOT, 'bench', 'results', 'twin.json') },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    fail('SNN_E_USAGE', (e as Error).message, 'see --help');
  }
  if (values.help) return undefined;
  const s = (k: string) => values[k] as string;
  return {
    model: resolve(s('model')),
    data: s('data'),
    timing: positiveInt('timing', s('timing')),
    reps: positiveInt('reps', s('reps'), 3),
    bitexact: positiveInt('bitexact', s('bitexact'), 0),
    python: s('python'),
    out: resolve(s('out')),
    twin: resolve(s('twin')),
  };
}

const now = () => performance.now();

interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1], n: s.length };
}

const fmtStats = (x: Stats | undefined, d = 2) => (x ? `${x.median.toFixed(d)} (${x.min.toFixed(d)}–${x.max.toFixed(d)})` : 'n/a');

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

const argmax = (l: ArrayLike<number>) => {
  let best = 0;
  for (let k = 1; k < l.length; k++) if (l[k] > l[best]) best = k;
  return best;
};

function sameResult(a: InferenceResult, b: InferenceResult): boolean {
  return JSON.stringify([a.label, a.scores, a.ops, a.layerSpikes, a.layerUpdates]) === JSON.stringify([b.label, b.scores, b.ops, b.layerSpikes, b.layerUpdates]);
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`;
  }
}

const load = () => loadavg().map((x) => Number(x.toFixed(2)));

/** One engine timed on the same chunks of sentences: returns wall ms of one pass. */
interface Engine {
  key: string;
  pass: (chunks: number[][][]) => Promise<number>;
}

/** Display name and plot colour of every engine. */
const ENGINES: Record<string, { name: string }> = {
  wasm: { name: ENGINE_NAMES.wasm },
  tfjs_ann: { name: ENGINE_NAMES.tfjs_ann },
  tfjs_dense_snn: { name: ENGINE_NAMES.tfjs_dense_snn },
  torch_ann: { name: ENGINE_NAMES.torch_ann },
  torch_dense_snn: { name: ENGINE_NAMES.torch_dense_snn },
};

interface GoalRow {
  metric: string;
  value: number | null;
  range?: [number, number];
  unit: string;
  goal: string;
  met: boolean | null;
  note?: string;
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  if (!args) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const t0 = now();
  const uptimeStart = uptime();
  const backend = await initBackend('auto');
  const model = readModelFile(args.model);
  if (model.meta.family !== 'textcnn') fail('SNN_E_USAGE', `the core bench needs a spiking TextCNN model, ${args.model} is ${model.meta.family}`);
  const T0 = model.graph.timesteps;
  const split = loadSplit(args.data, { classes: model.meta.classes });
  const vocab = new Vocab(model.vocab!, model.tokenizer?.kind);
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
  log(`${args.data}: ${ids.length} sentences; model ${args.model} T=${T0}; TF.js ${tf.version.tfjs} backend ${backend}`);

  // ---- the PyTorch peer (optional)
  const timingIds = ids.slice(0, Math.min(args.timing, ids.length));
  let peer: TorchPeer | undefined;
  let peerDir: string | undefined;
  let torch: { available: true; info: TorchInfo } | { available: false; reason: string };
  const found = args.python === 'none' ? { reason: '--python none' } : findTorchPython(args.python === 'auto' ? ['/usr/bin/python3', 'python3'] : [args.python]);
  if (found.python) {
    peerDir = mkdtempSync(join(tmpdir(), 'snnc-torch-peer-'));
    peer = TorchPeer.start(found.python, join(PACKAGE_ROOT, 'bench', 'peers', 'torch_peer.py'), peerDir, model, { all: ids, timing: timingIds });
    const info = await peer.info();
    torch = { available: true, info };
    log(`PyTorch peer: ${info.python} (Python ${info.python_version}), torch ${info.torch}, ${info.threads} thread(s), BLAS loaded: ${info.blas_loaded.join(', ') || 'none found'}`);
    if (!info.openblas) log('PyTorch peer: WARNING: OpenBLAS is not loaded; torch falls back to the reference BLAS (install libopenblas0-pthread)');
  } else {
    torch = { available: false, reason: found.reason! };
    log(`PyTorch peer: skipped (${found.reason}); to include it: ${TORCH_INSTALL_HINT}`);
  }

  try {
    await run(args, model, ids, labels, timingIds, backend, uptimeStart, peer, torch, t0);
  } finally {
    await peer?.close();
    if (peerDir) rmSync(peerDir, { recursive: true, force: true });
  }
}

async function run(
  args: Args,
  model: Model,
  ids: number[][],
  labels: number[],
  timingIds: number[][],
  backend: string,
  uptimeStart: string,
  peer: TorchPeer | undefined,
  torch: { available: true; info: TorchInfo } | { available: false; reason: string },
  t0: number,
): Promise<void> {
  const T0 = model.graph.timesteps;
  const consts = textCnnTensors(model.graph); // shared by every T (same arrays), built once

  // ---- accuracy at the trained T
  const annLogits: Float32Array[] = [];
  for (let i = 0; i < ids.length; i += 256) annLogits.push(...annForward(model, ids.slice(i, i + 256), consts));
  const annPred = annLogits.map(argmax);
  const snnFloat = predictSnn(model.graph, ids).labels;
  const base = await artifactFor(model);
  const intRes = ids.map((x) => base.host.infer({ tokens: x }));
  const acc = { ann: accuracy(annPred, labels), snn_float: accuracy(snnFloat, labels), snn_int: accuracy(intRes.map((r) => r.label), labels) };
  log(`accuracy: ANN ${acc.ann.toFixed(2)}, float SNN ${acc.snn_float.toFixed(2)}, integer SNN ${acc.snn_int.toFixed(2)}`);

  // ---- the peer computes the same networks: its ANN must match TF.js's up to float rounding
  let peerCheck: Record<string, unknown> | undefined;
  if (peer && torch.available) {
    const pa = await peer.predict('ann', 'all', T0);
    let maxDiff = 0;
    const disagree: { sentence: number; tfjs_margin: number }[] = [];
    pa.scores.forEach((s, i) => {
      s.forEach((x, k) => (maxDiff = Math.max(maxDiff, Math.abs(x - annLogits[i][k]))));
      if (pa.labels[i] !== annPred[i]) {
        const l = Array.from(annLogits[i]).sort((a, b) => b - a);
        disagree.push({ sentence: i, tfjs_margin: l[0] - l[1] });
      }
    });
    const annTorch = accuracy(pa.labels, labels);
    // equal within float rounding: the logits agree to 1e-4 and any label that differs is a near tie
    const annOk = maxDiff < 1e-4 && disagree.every((d) => d.tfjs_margin < 1e-4);
    peerCheck = {
      ann: { accuracy_torch: annTorch, accuracy_tfjs: acc.ann, label_disagreements: disagree, max_abs_logit_diff: maxDiff, equal_within_float_rounding: annOk },
    };
    log(`PyTorch ANN: ${annTorch.toFixed(2)}% (TF.js ${acc.ann.toFixed(2)}%), max |logit diff| ${maxDiff.toExponential(2)}, ${disagree.length} label(s) differ: ${annOk ? 'equal within float rounding' : 'NOT EQUAL'}`);
    if (torch.info.snn_supported) {
      const ps = await peer.predict('snn', 'all', T0, 64);
      const agree = ps.labels.filter((l, i) => l === snnFloat[i]).length;
      peerCheck.snn = { accuracy_torch: accuracy(ps.labels, labels), accuracy_tfjs: acc.snn_float, label_agreement_with_tfjs: agree / ids.length };
      log(`PyTorch dense SNN: ${accuracy(ps.labels, labels).toFixed(2)}% (TF.js float SNN ${acc.snn_float.toFixed(2)}%), labels agree on ${agree}/${ids.length}`);
    }
    if (!annOk) fail('SNN_E_RUNTIME', 'the PyTorch peer does not compute the same ANN as TF.js; its timings would compare different networks');
  }

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

  // ---- latency: the same sentences for every engine, repetitions interleaved
  const uptimeBeforeTiming = uptime();
  const runs: Record<string, unknown>[] = [];
  for (const T of [...new Set([T0, Tsmall])]) {
    const m = withT(model, T);
    const a = T === T0 ? base : await artifactFor(m);
    const sops = timingIds.reduce((s, x) => s + a.host.infer({ tokens: x }).ops.sops, 0);
    /** A pass of an engine that runs in this process, timed here. */
    const inProcess = (key: string, run: (c: number[][]) => void): Engine => ({
      key,
      pass: async (chunks) => {
        const s = now();
        for (const c of chunks) run(c);
        return now() - s;
      },
    });
    const engines: Engine[] = [
      inProcess('wasm', (c) => a.host.inferMany(c.map((x) => ({ tokens: x })))),
      inProcess('tfjs_ann', (c) => annForward(m, c, consts)),
      inProcess('tfjs_dense_snn', (c) => simulateBatch(m.graph, c, consts)),
    ];
    // the peer times its own passes (in its process) over the same sentences and batch size
    if (peer && torch.available) {
      engines.push({ key: 'torch_ann', pass: (chunks) => peer.time('ann', 'timing', chunks[0].length, T) });
      if (torch.info.snn_supported) engines.push({ key: 'torch_dense_snn', pass: (chunks) => peer.time('snn', 'timing', chunks[0].length, T) });
    }
    for (const batch of [1, 64]) {
      const chunks: number[][][] = [];
      for (let i = 0; i < timingIds.length; i += batch) chunks.push(timingIds.slice(i, i + batch));
      const loadBefore = load();
      for (const e of engines) await e.pass(chunks); // warm-up pass, not timed
      const ms: Record<string, number[]> = Object.fromEntries(engines.map((e) => [e.key, []]));
      for (let r = 0; r < args.reps; r++) {
        // rotate the order each repetition, so that no engine always runs first or last
        for (let j = 0; j < engines.length; j++) {
          const e = engines[(j + r) % engines.length];
          ms[e.key].push(await e.pass(chunks));
        }
      }
      const N = timingIds.length;
      const perEngine = Object.fromEntries(
        engines.map((e) => [e.key, { ms_per_sentence: stats(ms[e.key].map((x) => x / N)), sentences_per_s: stats(ms[e.key].map((x) => (1000 * N) / x)) }]),
      );
      const speedup = Object.fromEntries(engines.filter((e) => e.key !== 'wasm').map((e) => [e.key, stats(ms[e.key].map((x, r) => x / ms.wasm[r]))]));
      const row = {
        T,
        batch,
        sentences: N,
        reps: args.reps,
        load_before: loadBefore,
        load_after: load(),
        engines: perEngine,
        speedup_of_wasm_vs: speedup,
        wasm_ns_per_sop: stats(ms.wasm.map((x) => (x * 1e6) / sops)),
        accuracy_int: sweep.find((s) => s.T === T)?.accuracy,
        sops_per_inference: sops / N,
        ms_per_pass: ms,
      };
      runs.push(row);
      log(
        `T=${T} batch ${batch}: ms/sentence ` +
          engines.map((e) => `${e.key} ${fmtStats(perEngine[e.key].ms_per_sentence, 3)}`).join(', ') +
          `; wasm faster by ` +
          Object.entries(speedup)
            .map(([k, v]) => `${fmtStats(v)}x vs ${k}`)
            .join(', '),
      );
    }
  }
  const uptimeAfterTiming = uptime();
  consts.dispose();

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
  const annMacs = macs / intRes.length;
  const b1 = runs.find((r) => r.T === T0 && r.batch === 1) as { speedup_of_wasm_vs: Record<string, Stats>; wasm_ns_per_sop: Stats };
  const sp = (k: string) => b1.speedup_of_wasm_vs[k] as Stats | undefined;
  const artifactRatio = base.host.meta.energy.integerBytes / f32;
  const eInt = energy['horowitz45-int'];
  const eInt8 = energy['horowitz45-int8'];
  const schedule = base.graph.nodes.some((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped') ? 'grouped' : 'event';
  const twin = deviceRows(args, model, schedule);
  const speedRow = (metric: string, k: string, goal: number, missing: string): GoalRow => {
    const s = sp(k);
    return s
      ? { metric, value: s.median, range: [s.min, s.max], unit: 'x (median, min–max)', goal: `>= ${goal}`, met: s.median >= goal }
      : { metric, value: null, unit: 'x', goal: `>= ${goal}`, met: null, note: missing };
  };
  const noTorch = torch.available ? 'the peer cannot run this encoder' : `PyTorch peer not run: ${torch.reason}`;
  const goals: GoalRow[] = [
    {
      metric: 'integer SNN accuracy (%)',
      value: acc.snn_int,
      unit: '%',
      goal: `>= ANN - 1 (${(acc.ann - 1).toFixed(2)}) and >= 82.5`,
      met: acc.snn_int >= acc.ann - 1 && acc.snn_int >= 82.5,
      note: `tailored ANN ${acc.ann.toFixed(2)}%`,
    },
    { metric: 'synaptic ops per sentence / ANN MACs', value: sopsMean / annMacs, unit: 'x', goal: '<= 1.0 (stretch 0.5)', met: sopsMean / annMacs <= 1 },
    { metric: 'energy SNN / fp32 ANN, with memory reads (horowitz45-int)', value: eInt.ratio_with_memory, unit: 'x', goal: '<= 1.0 (stretch 0.5)', met: eInt.ratio_with_memory <= 1, note: `arithmetic only: ${eInt.ratio.toFixed(3)}` },
    { metric: 'energy SNN / int8 ANN, arithmetic (horowitz45-int8)', value: eInt8.ratio, unit: 'x', goal: '<= 1.0', met: eInt8.ratio <= 1 },
    { metric: 'energy SNN / int8 ANN, with memory reads (horowitz45-int8)', value: eInt8.ratio_with_memory, unit: 'x', goal: 'reported', met: null },
    speedRow('WASM batch-1 latency vs TF.js ANN (speedup)', 'tfjs_ann', 3, 'not run'),
    speedRow('WASM batch-1 latency vs PyTorch float ANN, 1 thread (speedup)', 'torch_ann', 1, noTorch),
    speedRow('WASM batch-1 latency vs TF.js dense SNN (speedup)', 'tfjs_dense_snn', 50, 'not run'),
    { metric: 'integer tables / float32 bytes', value: artifactRatio, unit: 'fraction', goal: '<= 4 %', met: artifactRatio <= 0.04 },
    ...twin.goals,
  ];
  const extra = sp('torch_dense_snn');
  if (extra) goals.push({ metric: 'WASM batch-1 latency vs PyTorch dense SNN (speedup)', value: extra.median, range: [extra.min, extra.max], unit: 'x (median, min–max)', goal: '—', met: null });

  const c = cpus();
  const result = {
    goals,
    wasm_ns_per_sop: b1.wasm_ns_per_sop,
    speedup_of_wasm_vs: b1.speedup_of_wasm_vs,
    sops_per_inference: sopsMean,
    ann_macs_per_inference: annMacs,
    sops_per_ann_mac: sopsMean / annMacs,
    firing_rate: totalFiring,
    firing_rate_per_layer: firing,
    artifact_ratio: artifactRatio,
    artifact: { integer_bytes: base.host.meta.energy.integerBytes, wasm_bytes: base.wasmBytes, float32_bytes: f32 },
    energy_ratio: eInt.ratio,
    energy_ratio_with_memory: eInt.ratio_with_memory,
    energy_by_profile: energy,
    accuracy: acc,
    peer_check: peerCheck ?? null,
    devices: twin.source,
    bitexact: { checked: nCheck, equal },
    timesteps: { trained: T0, smallest_within_1_point: Tsmall, sweep },
    model: { path: args.model, name: model.meta.name, training: model.meta.training },
    data: { split: args.data, sentences: ids.length, timed_sentences: timingIds.length },
    machine: {
      cpu: c[0]?.model ?? 'unknown',
      cores: c.length,
      memory_gb: Math.round(totalmem() / 2 ** 30),
      os: `${osType()} ${release()} ${arch()}`,
      node: process.version,
      tfjs: tf.version.tfjs,
      tfjs_backend: backend,
      nice: getPriority(),
      uptime_at_start: uptimeStart,
      uptime_before_timing: uptimeBeforeTiming,
      uptime_after_timing: uptimeAfterTiming,
      date: new Date().toISOString(),
      command: `node ${[relative(PACKAGE_ROOT, process.argv[1]), ...process.argv.slice(2)].join(' ')}` + (getPriority() ? ` (at nice ${getPriority()})` : ''),
      how:
        `one Node process; every engine takes the same ${timingIds.length} token-id lists to labels, one thread each ` +
        '(the WASM runtime is single-threaded; TF.js on its wasm backend without threads; PyTorch with set_num_threads(1) and OMP/OpenBLAS at 1 thread, ' +
        'timed inside its child process with perf_counter); one untimed warm-up pass per engine, then ' +
        `${args.reps} repetitions, each one timed pass per engine, engines in rotated order; a ratio is median and range over the repetitions of ` +
        '(other engine ms / WASM ms in the same repetition). TF.js embedding table and weights built once, outside the timing.',
    },
    torch: torch.available ? { available: true, ...torch.info } : { available: false, reason: torch.reason, install: TORCH_INSTALL_HINT },
    wall_s: (now() - t0) / 1000,
    runs,
  };
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'core.json'), JSON.stringify(result, null, 2) + '\n');
  const chart = await coreChart(result as unknown as CoreChartInput, ENGINE_NAMES);
  writeFileSync(join(args.out, 'core.svg'), chart);

  // the goal table (issue #9), on stdout
  const lines = ['| metric | measured | goal | met |', '|---|---|---|---|'];
  for (const g of goals) {
    const v = g.value === null ? 'not measured' : g.range ? `${g.value.toFixed(2)} (${g.range[0].toFixed(2)}–${g.range[1].toFixed(2)})` : g.unit === 'fraction' ? `${(100 * g.value).toFixed(1)} %` : g.value.toFixed(g.unit === '%' ? 2 : 3);
    lines.push(`| ${g.metric} | ${v}${g.note ? `; ${g.note}` : ''} | ${g.goal} | ${g.met === null ? '—' : g.met ? 'yes' : 'no'} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  // the same table and the latency rows as markdown, for bench/README.md
  const names = Object.fromEntries(Object.entries(ENGINES).map(([k, e]) => [k, e.name]));
  const keys = Object.keys(names).filter((k) => runs.some((r) => (r.engines as Record<string, unknown>)[k]));
  const md = [
    `Model \`${relative(PACKAGE_ROOT, args.model)}\` on ${args.data}; ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}, TF.js ${tf.version.tfjs} (${backend})` +
      (torch.available ? `, PyTorch ${torch.info.torch} (${torch.info.blas_loaded.some((p) => p.includes('openblas')) ? 'OpenBLAS' : 'no OpenBLAS'})` : ', no PyTorch peer') +
      `; ${result.machine.date.slice(0, 10)}; \`${result.machine.command}\`.`,
    `Load (uptime): at start ${result.machine.uptime_at_start.replace(/^.*load average: /, '')}; before timing ${uptimeBeforeTiming.replace(/^.*load average: /, '')}; after ${uptimeAfterTiming.replace(/^.*load average: /, '')}.`,
    '',
    ...lines,
    '',
    `Latency, ms per sentence, median (min–max) over ${args.reps} interleaved repetitions on the same ${timingIds.length} sentences; speedup = other engine / WASM in the same repetition:`,
    '',
    `| T | batch | ${keys.map((k) => names[k]).join(' | ')} | ${keys.filter((k) => k !== 'wasm').map((k) => `WASM vs ${names[k]}`).join(' | ')} | load before → after |`,
    `|---|---|${keys.map(() => '---').join('|')}|${keys.filter((k) => k !== 'wasm').map(() => '---').join('|')}|---|`,
    ...runs.map((r) => {
      const eng = r.engines as Record<string, { ms_per_sentence: Stats }>;
      const spd = r.speedup_of_wasm_vs as Record<string, Stats>;
      return `| ${r.T} | ${r.batch} | ${keys.map((k) => fmtStats(eng[k]?.ms_per_sentence, 3)).join(' | ')} | ${keys.filter((k) => k !== 'wasm').map((k) => `${fmtStats(spd[k])}×`).join(' | ')} | ${(r.load_before as number[])[0]} → ${(r.load_after as number[])[0]} |`;
    }),
  ];
  writeFileSync(join(args.out, 'core.md'), md.join('\n') + '\n');
  log(`wrote ${join(args.out, 'core.json')}, core.md and core.svg in ${result.wall_s.toFixed(0)} s`);
}

interface TwinPair {
  model: string;
  variant: string;
  target: string;
  snn: number;
  ann: number;
  snn_over_ann: number;
  note: string;
}

/**
 * The device rows of the goal table, from bench/twin.ts's exact counts (simavr cycles, QEMU
 * instructions). Cortex-M3: this model at its trained T with the schedule the compiler chose;
 * Uno: the Uno-sized model (examples/uno) at its trained T, grouped. A row is used only when
 * twin.json recorded the sha256 of the same model file; otherwise it says why it is missing.
 */
function deviceRows(args: Args, model: Model, schedule: string): { goals: GoalRow[]; source: Record<string, unknown> } {
  const m3 = 'Cortex-M3 instructions per inference, SNN / int8 twin ANN (QEMU)';
  const uno = 'ATmega328P cycles per inference, SNN / int8 twin ANN (simavr, Uno model)';
  const missing = (why: string) => ({
    goals: [m3, uno].map((metric) => ({ metric, value: null, unit: 'x', goal: '<= 0.5', met: null, note: why })),
    source: { file: relative(PACKAGE_ROOT, args.twin), used: false, why },
  });
  if (!existsSync(args.twin)) return missing(`${relative(PACKAGE_ROOT, args.twin)} not found: run bench/twin.ts`);
  let twin: { pairs: TwinPair[]; models: Record<string, { sha256?: string; snn?: Record<string, { snn_integer?: number }> }>; machine?: unknown };
  try {
    twin = JSON.parse(readFileSync(args.twin, 'utf8'));
  } catch (e) {
    return missing(`${relative(PACKAGE_ROOT, args.twin)} unreadable: ${(e as Error).message}`);
  }
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
  const goals: GoalRow[] = [];
  const used: TwinPair[] = [];
  const row = (metric: string, file: string, target: string, variant: string) => {
    const key = relative(PACKAGE_ROOT, file);
    const info = twin.models?.[key];
    const pair = twin.pairs?.find((p) => p.model === key && p.target === target && p.variant === variant);
    let why: string | undefined;
    if (!info || !pair) why = `bench/twin.ts has no "${variant}" ${target} row for ${key}`;
    else if (!info.sha256) why = `twin.json does not record which ${key} it measured (no sha256): rerun bench/twin.ts`;
    else if (!existsSync(file) || info.sha256 !== sha(file)) why = `twin.json measured another ${key} (sha256 differs): rerun bench/twin.ts`;
    if (why || !pair) {
      goals.push({ metric, value: null, unit: 'x', goal: '<= 0.5', met: null, note: why });
      return;
    }
    used.push(pair);
    const acc = info.snn?.[variant]?.snn_integer;
    goals.push({
      metric,
      value: pair.snn_over_ann,
      unit: 'x',
      goal: '<= 0.5',
      met: pair.snn_over_ann <= 0.5,
      note: `${key}, ${variant}: SNN ${pair.snn} vs int8 twin ${pair.ann}${acc != null ? `; integer SNN ${acc}% on SST-2 test` : ''}; ${pair.note}`,
    });
  };
  row(m3, args.model, 'cortex-m3', `${schedule}, T = ${model.graph.timesteps}`);
  const unoFile = join(PACKAGE_ROOT, 'examples', 'uno', 'model.snn');
  const unoT = existsSync(unoFile) ? readModelFile(unoFile).graph.timesteps : 0;
  row(uno, unoFile, 'arduino-uno', `grouped, T = ${unoT}`);
  return { goals, source: { file: relative(PACKAGE_ROOT, args.twin), used: true, pairs: used, machine: twin.machine ?? null } };
}

function log(s: string): void {
  process.stderr.write(s + '\n');
}

main().catch((e) => {
  if (isSnncError(e)) process.stderr.write(`bench: ${e.message}\n${e.code === 'SNN_E_USAGE' ? USAGE + '\n' : ''}`);
  else process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
