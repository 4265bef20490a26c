// `snnc report <model.snn | model.wasm> [--data set] -o report.html`: one self-contained HTML
// page (inline SVG charts rendered by Vega-Lite in Node, no scripts, nothing fetched) with the
// model's provenance, accuracy and confusion matrix on a data set, the accuracy / cost sweep
// over T (compiler/api/sweep.ts; .snn models only, it recompiles), energy per layer with and
// without memory reads against the ANN, firing rate per layer, a spike raster of an example
// sentence (the wasm spike trace), and the flash / RAM fit on every target in targets/.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Graph, Model } from '../ir/types.js';
import { fail, SnncError } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import { loadEvalData, tableOptionsOf, type DataFileFlags } from '../data/user-data.js';
import { writeAtomic } from '../io/atomic.js';
import { runPipeline } from '../passes/pipeline.js';
import { artifactEnergy, DEFAULT_PROFILE, PROFILES } from '../../runtime/energy.js';
import { artifactIds } from '../../runtime/classify.js';
import { loadArtifact, type WasmModel } from '../../runtime/wasm-host.js';
import { loadTarget, targetNames, type TargetDescription } from '../../targets/index.js';
import { emitC, type CBudget } from '../backends/c/index.js';
import { barSpec, confusionSpec, grid, lineSpec, rasterSpec, vegaLiteSvg } from '../report/charts.js';
import { htmlPage, type Section } from '../report/page.js';
import { addCost, float32Bytes, newCostTotals, provenanceOf, snncVersion, type Provenance } from './shared.js';

export interface ReportOptions extends DataFileFlags {
  out?: string;
  data?: string;
  dataDir?: string;
  /** Sentences of the data set used (default: all). */
  limit?: number;
  /** T values of the sweep (comma-separated); .snn models only. */
  timesteps?: string;
  /** The example sentence of the spike raster (default: the data set's first). */
  example?: string;
  profile?: string;
}

export interface TargetFit {
  target: string;
  backend: 'c' | 'wasm';
  flashBytes: number | null;
  flashLimit: number | null;
  ramBytes: number | null;
  ramLimit: number | null;
  fits: boolean | null;
  note: string;
}

export interface ReportOutcome {
  text: string;
  file: string;
  charts: string[];
  accuracy: number;
  sentences: number;
  confusion: number[][];
  fits: TargetFit[];
}

/** Reads a .snn model or a wasm artifact; anything else is SNN_E_USAGE / SNN_E_ARTIFACT. */
async function open(path: string): Promise<{ model?: Model; host: WasmModel; provenance: Partial<Provenance>; wasmBytes: number }> {
  if (!existsSync(path)) fail('SNN_E_USAGE', `no such file: ${path}`, 'pass a .snn model or a compiled model.wasm');
  if (path.endsWith('.snn')) {
    const model = readModelFile(path);
    if (!model.vocab) fail('SNN_E_USAGE', 'report evaluates text: the model needs a vocabulary (a token model)');
    const { compileModel } = await import('./compile.js');
    const { emitWasm } = await import('../backends/wasm/index.js');
    const { pipe } = await compileModel(model, {});
    const provenance = provenanceOf(model);
    const emitted = emitWasm(pipe.graph, { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph), extra: { provenance } });
    return { model, host: await loadArtifact(emitted.wasm), provenance, wasmBytes: emitted.wasm.length };
  }
  if (!path.endsWith('.wasm')) fail('SNN_E_USAGE', `${basename(path)} is neither a .snn model nor a .wasm artifact`, 'snnc report model.snn --data sst2:test -o report.html');
  const bytes = readFileSync(path);
  const host = await loadArtifact(bytes);
  if (host.meta.input.kind !== 'tokens') fail('SNN_E_USAGE', 'report evaluates text: this artifact takes sentence vectors', 'report the .snn model instead');
  return { host, provenance: (host.meta.extra?.provenance ?? {}) as Partial<Provenance>, wasmBytes: bytes.length };
}

/** Flash and RAM of the model on each target (C: the emitted budget; wasm: memory and file). */
function targetFits(model: Model | undefined, host: WasmModel, wasmBytes: number, cBudget: (g: Graph, t: TargetDescription) => CBudget): TargetFit[] {
  const out: TargetFit[] = [];
  const wasmMem = host.meta.memory.pages * 65536;
  for (const name of targetNames()) {
    const t = loadTarget(name);
    if (t.backend === 'wasm') {
      const fits = t.ramBytes === null ? true : wasmMem <= t.ramBytes;
      out.push({ target: name, backend: 'wasm', flashBytes: wasmBytes, flashLimit: t.flashBytes, ramBytes: wasmMem, ramLimit: t.ramBytes, fits, note: 'wasm: artifact file and linear memory' });
      continue;
    }
    if (!model) {
      out.push({ target: name, backend: 'c', flashBytes: null, flashLimit: t.flashBytes, ramBytes: null, ramLimit: t.ramBytes, fits: null, note: 'needs the .snn model (the C tables are built from it)' });
      continue;
    }
    try {
      const graph = runPipeline(model.graph, { weightBits: Math.min(...t.weightBits) as 8 | 16, layout: 'auto', schedule: 'event' }).graph;
      const b = cBudget(graph, t);
      out.push({ target: name, backend: 'c', flashBytes: b.flashBytes, flashLimit: b.flashLimit, ramBytes: b.ramBytes, ramLimit: b.ramLimit, fits: b.fits, note: `${b.mode} mode` });
    } catch (e) {
      if (!(e instanceof SnncError)) throw e;
      out.push({ target: name, backend: 'c', flashBytes: null, flashLimit: t.flashBytes, ramBytes: null, ramLimit: t.ramBytes, fits: false, note: `${e.code}: ${e.message}` });
    }
  }
  return out;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const kb = (x: number | null): string => (x === null ? '—' : x >= 1 << 20 ? `${(x / (1 << 20)).toFixed(2)} MiB` : `${(x / 1024).toFixed(1)} KiB`);

function fitText(used: number | null, limit: number | null): string {
  if (used === null) return '—';
  if (limit === null) return `${kb(used)} (no limit)`;
  const d = limit - used;
  return `${kb(used)} of ${kb(limit)}: ${d >= 0 ? `fits, ${kb(d)} spare` : `does not fit, ${kb(-d)} over`}`;
}

export async function report(path: string, o: ReportOptions = {}): Promise<ReportOutcome> {
  const profile = o.profile ?? DEFAULT_PROFILE;
  if (!PROFILES[profile]) fail('SNN_E_USAGE', `unknown energy profile "${profile}"`, `known: ${Object.keys(PROFILES).join(', ')}`);
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) fail('SNN_E_USAGE', `--limit must be a whole number >= 1, got ${o.limit}`);
  const { model, host, provenance, wasmBytes } = await open(path);
  const meta = host.meta;
  const spec = o.data ?? (provenance.dataset ? `${provenance.dataset}:test` : undefined);
  if (!spec) fail('SNN_E_USAGE', 'the model does not record its data set: pass --data', 'snnc report model.wasm --data sst2:test');
  const split = await loadEvalData(spec, { ...tableOptionsOf(o), dataDir: o.dataDir, limit: o.limit, classes: meta.classes });

  // ---- evaluation: accuracy, confusion, mean ops, energy per layer, firing rates
  const K = meta.classes.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const L = meta.populations.length;
  const spikes = new Array<number>(L).fill(0);
  const updates = new Array<number>(L).fill(0);
  let correct = 0;
  let N = 0;
  let tokens = 0;
  const sum = newCostTotals();
  let example: { text: string; ids: number[] } | undefined;
  for (const ex of split.examples) {
    let ids: number[];
    try {
      ids = artifactIds(meta, ex.text);
    } catch (e) {
      if (e instanceof SnncError && e.code === 'SNN_E_INPUT') continue;
      throw e;
    }
    example ??= { text: ex.text, ids };
    const r = host.infer({ tokens: ids });
    const e = artifactEnergy(meta, r.ops, ids.length, profile);
    N++;
    tokens += ids.length;
    if (r.label === ex.label) correct++;
    confusion[ex.label][r.label]++;
    for (let l = 0; l < L; l++) {
      spikes[l] += r.layerSpikes[l];
      updates[l] += r.layerUpdates[l];
    }
    addCost(sum, r.ops, e);
  }
  if (!N) fail('SNN_E_DATA', `${spec} has no usable sentence`);
  if (o.example !== undefined) example = { text: o.example, ids: artifactIds(meta, o.example) };
  const accuracy = correct / N;

  const charts: string[] = [];
  const chart = async (id: string, spec: Parameters<typeof vegaLiteSvg>[0], caption?: string) => {
    charts.push(id);
    return { kind: 'chart' as const, id, svg: await vegaLiteSvg(spec), caption };
  };
  const sections: Section[] = [];

  // ---- provenance
  const acc = provenance.accuracy ?? {};
  sections.push({
    id: 'provenance',
    title: 'Model and provenance',
    blocks: [
      {
        kind: 'table',
        head: ['', ''],
        rows: [
          ['model', `${meta.name}${meta.family ? ` (${meta.family})` : ''}`],
          ['file', path],
          ['classes', meta.classes.join(', ')],
          ['T (steps)', meta.timesteps],
          ['trained on', provenance.dataset ?? 'not recorded'],
          ['seed', provenance.seed ?? 'not recorded'],
          ['epochs', provenance.epochs ?? 'not recorded'],
          ...Object.entries(acc).map(([k, v]): [string, string] => [`trainer's accuracy: ${k}`, pct(v)]),
          ['compiled by', `snnc ${provenance.snnc ?? 'unknown'}`],
          ['this report by', `snnc ${snncVersion()}, energy profile ${profile}`],
        ],
      },
    ],
  });

  // ---- accuracy and confusion
  sections.push({
    id: 'accuracy',
    title: `Accuracy on ${spec}`,
    blocks: [
      { kind: 'p', text: `Integer SNN through the wasm artifact: ${pct(accuracy)} on ${N} sentences (${correct} right).` },
      await chart('confusion', confusionSpec({ title: `confusion matrix, ${spec}`, classes: meta.classes, counts: confusion })),
    ],
  });

  // ---- sweep over T (.snn only)
  if (model) {
    const { sweep } = await import('./sweep.js');
    const dir = mkdtempSync(join(tmpdir(), 'snnc-report-'));
    try {
      const s = await sweep(path, { data: spec, dataDir: o.dataDir, limit: o.limit, timesteps: o.timesteps, out: dir, reps: 3, profile });
      const values = s.rows.map((r) => ({ T: r.timesteps, accuracy: 100 * r.accuracy, sops: r.sopsPerSentence }));
      const mark = { x: s.recommendedT, label: `T = ${s.recommendedT}` };
      sections.push({
        id: 'sweep',
        title: 'Accuracy and cost against T',
        blocks: [
          { kind: 'p', text: `Recompiled at each T (thresholds do not depend on T) and evaluated through wasm on ${s.sentences} sentences; the smallest T within 1 point of the best accuracy is ${s.recommendedT}.` },
          await chart(
            'sweep',
            grid('', [
              [
                lineSpec({ title: 'accuracy (%)', values, x: { field: 'T', title: 'T (steps)', scale: 'log' }, y: { field: 'accuracy', title: 'accuracy (%)' }, mark }),
                lineSpec({ title: 'synaptic ops per sentence', values, x: { field: 'T', title: 'T (steps)', scale: 'log' }, y: { field: 'sops', title: 'sops', scale: 'log' }, rule: { y: s.rows[0].annMacsPerSentence, label: 'ANN MACs' }, mark }),
              ],
            ]),
          ),
          { kind: 'table', head: ['T', 'accuracy', 'sops / sentence', 'sops / ANN MACs', 'energy / ANN', 'with memory'], rows: s.rows.map((r) => [r.timesteps, pct(r.accuracy), Math.round(r.sopsPerSentence), r.opsRatio, r.energyRatio, r.energyRatioWithMemory]) },
        ],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    sections.push({ id: 'sweep', title: 'Accuracy and cost against T', blocks: [{ kind: 'p', text: 'Not measured: the sweep recompiles the model at each T, which needs the .snn model, not an artifact.' }] });
  }

  // ---- energy per layer
  const p = PROFILES[profile];
  const stateBits = meta.populations.some((q) => q.stateBits === 32) ? 32 : 16;
  const popSpikes = new Map(meta.populations.map((q, l) => [q.id, spikes[l] / N] as const));
  // the runtime counts sops in total, not per layer: split the measured total over the synapses
  // by the events each can see (source spikes x fan-out), then price each layer
  const fanOut = (s: (typeof meta.synapses)[number]): number => (s.kind === 'conv1d' ? (s.width ?? 1) * s.outFeatures : s.outFeatures);
  const srcEvents = (s: (typeof meta.synapses)[number]): number => popSpikes.get(s.from) ?? sum.inSpikes / N;
  const weight = meta.synapses.map((s) => srcEvents(s) * fanOut(s));
  const wsum = weight.reduce((a, b) => a + b, 0) || 1;
  const nMean = tokens / N;
  // table reads: the embedding rows (one per token) apart, the rest split like the additions
  const enc = meta.encoders.find((e) => e.perPosition);
  const embRead = enc ? nMean * Math.ceil((enc.dim * enc.bits) / 8) : 0;
  const layerRows = meta.synapses.map((s, k) => {
    const sops = (sum.sops / N) * (weight[k] / wsum);
    const bytes = Math.max(0, sum.bytes / N - embRead) * (weight[k] / wsum);
    const macs = s.macsPerToken * nMean + s.macsConstant;
    const annBytes = 4 * s.entries;
    return {
      layer: s.id,
      snn: (sops * p.synOp(stateBits)) / 1e6,
      snnMem: (sops * p.synOp(stateBits) + bytes * p.memoryPerByte(s.tableBytes)) / 1e6,
      ann: (macs * p.mac) / 1e6,
      annMem: (macs * p.mac + annBytes * p.memoryPerByte(annBytes)) / 1e6,
    };
  });
  const energyValues = layerRows.flatMap((r) => [
    { layer: r.layer, series: 'SNN, arithmetic', uJ: r.snn },
    { layer: r.layer, series: 'SNN, + memory reads', uJ: r.snnMem },
    { layer: r.layer, series: 'ANN, arithmetic', uJ: r.ann },
    { layer: r.layer, series: 'ANN, + memory reads', uJ: r.annMem },
  ]);
  const order = ['SNN, arithmetic', 'SNN, + memory reads', 'ANN, arithmetic', 'ANN, + memory reads'];
  sections.push({
    id: 'energy',
    title: 'Energy per layer, SNN against the ANN',
    blocks: [
      { kind: 'p', text: `Per sentence (mean of ${N}), ${p.name} (${p.source}). Whole network: SNN ${(sum.snn / N / 1e6).toFixed(3)} µJ arithmetic, ${((sum.snn + sum.snnMem) / N / 1e6).toFixed(3)} µJ with memory reads; ANN ${(sum.ann / N / 1e6).toFixed(3)} µJ and ${((sum.ann + sum.annMem) / N / 1e6).toFixed(3)} µJ (ratios ${(sum.snn / sum.ann).toFixed(3)} and ${((sum.snn + sum.snnMem) / (sum.ann + sum.annMem)).toFixed(3)}); ${Math.round(sum.sops / N).toLocaleString('en-US')} synaptic additions against ${Math.round(sum.macs / N).toLocaleString('en-US')} MACs.` },
      await chart('energy', barSpec({ title: 'energy per layer (µJ per sentence)', values: energyValues, x: { field: 'layer', title: 'layer', sort: meta.synapses.map((s) => s.id) }, y: { field: 'uJ', title: 'µJ', scale: 'log' }, color: { field: 'series', title: '', sort: order }, width: 420 }), 'The runtime counts synaptic additions for the whole network; a layer\'s share is estimated from the spikes it receives times its fan-out (the shares add up to the measured total). ANN per layer: its MACs and one read of its fp32 weights. Log scale.'),
    ],
  });

  // ---- firing rates
  const rateValues = meta.populations.map((q, l) => ({ layer: q.id, rate: updates[l] ? spikes[l] / updates[l] : 0 }));
  sections.push({
    id: 'firing',
    title: 'Firing rate per layer',
    blocks: [await chart('firing', barSpec({ title: 'spikes per neuron per step', values: rateValues, x: { field: 'layer', title: 'population', sort: meta.populations.map((q) => q.id) }, y: { field: 'rate', title: 'firing rate' }, labels: '.3f' }), `Mean over ${N} sentences of spikes / neuron updates.`)],
  });

  // ---- raster
  if (host.canTrace && example) {
    const { result, spikes: trace } = host.inferTraced({ tokens: example.ids });
    const n = example.ids.length;
    const layers = meta.populations.map((q, l) => ({
      id: q.id,
      neurons: q.perPosition ? n * q.channels : q.channels,
      steps: meta.timesteps,
      spikes: trace[l].flatMap((list, t) => Array.from(list, (i) => ({ t: t + 0.5, i }))),
    })).filter((x) => meta.populations.find((q) => q.id === x.id)!.spiking !== false);
    sections.push({
      id: 'raster',
      title: 'Spike raster of an example sentence',
      blocks: [
        { kind: 'p', text: `"${example.text}" → ${meta.classes[result.label]} (scores ${result.scores.join(', ')}). One point per spike: step across, neuron down (per-word layers: word by word).` },
        await chart('raster', rasterSpec({ title: '', layers })),
      ],
    });
  }

  // ---- targets
  const fits = targetFits(model, host, wasmBytes, (g, t) => emitC(g, t, { noFitCheck: true }).budget);
  const fitValues = fits.flatMap((f) => [
    ...(f.flashBytes !== null && f.flashLimit ? [{ target: f.target, budget: 'flash', used: (100 * f.flashBytes) / f.flashLimit }] : []),
    ...(f.ramBytes !== null && f.ramLimit ? [{ target: f.target, budget: 'RAM', used: (100 * f.ramBytes) / f.ramLimit }] : []),
  ]);
  sections.push({
    id: 'targets',
    title: 'Flash and RAM on each target',
    blocks: [
      {
        kind: 'table',
        head: ['target', 'flash', 'RAM', 'fits', 'how'],
        rows: fits.map((f) => [f.target, fitText(f.flashBytes, f.flashLimit), fitText(f.ramBytes, f.ramLimit), f.fits === null ? 'unknown' : f.fits ? 'yes' : 'no', f.note]),
      },
      ...(fitValues.length ? [await chart('targets', barSpec({ title: 'share of each budget used (%)', values: fitValues, x: { field: 'target', title: 'target' }, y: { field: 'used', title: '% of the budget', scale: 'log' }, color: { field: 'budget', title: '' }, rule: { y: 100, label: '100%' }, labels: '.3~r' }), 'Targets with a limit only; above the red line the model does not fit. Log scale.')] : []),
    ],
  });

  const title = `snnc report: ${meta.name}`;
  const html = htmlPage(title, `${meta.classes.length} classes, T = ${meta.timesteps}; ${pct(accuracy)} on ${spec} (${N} sentences).`, sections);
  const file = resolve(o.out ?? 'report.html');
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, html);
  const lines = [`${meta.name}: ${pct(accuracy)} on ${spec} (${N} sentences); ${charts.length} charts`, ...fits.map((f) => `  ${f.target.padEnd(12)} ${f.fits === null ? 'unknown' : f.fits ? 'fits' : 'does not fit'}  flash ${fitText(f.flashBytes, f.flashLimit)}; RAM ${fitText(f.ramBytes, f.ramLimit)}`), `written: ${file}`];
  return { text: lines.join('\n'), file, charts, accuracy, sentences: N, confusion, fits };
}
