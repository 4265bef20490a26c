// Cost/accuracy row of one spiking TextCNN model (issue #9 "Spiking that pays"; docs/training.md
// "Cheap models for SST-2"): on one split, the accuracy of the tailored ANN (TF.js on the
// model's level-rounded table), the float SNN (TF.js dense simulation) and the integer SNN (the
// WebAssembly artifact, checked against the reference simulator); the input density; synaptic
// additions per sentence as counted by the runtime (one row per input spike) and as estimated
// for the level-grouped first-layer schedule (compiler/train/input-cost.ts firstLayerOps);
// the ANN's MACs; integer-table vs float32 bytes.
//
//   node dist/bench/cheap.js --model examples/sst2/model-cheap.snn --data sst2:dev [--timesteps 4] [--limit n] [--json]

import { readModelFile } from '../compiler/frontend/model-format.js';
import { loadSplit } from '../compiler/data/index.js';
import { Vocab, textToIds } from '../runtime/tokenizer.js';
import { toLevel } from '../core/levels.js';
import { evaluateInteger } from '../compiler/api/evaluate-integer.js';
import { initBackend, predictAnnFromModel, predictSnn, viewTextCnn } from '../compiler/train/index.js';
import { firstLayerOps } from '../compiler/train/input-cost.js';
import type { Conv1dNode, Model } from '../compiler/ir/types.js';
import { runPipeline } from '../compiler/passes/pipeline.js';

interface Args {
  model: string;
  data: string;
  timesteps?: number;
  limit?: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { model: '', data: 'sst2:dev', json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'json') {
      a.json = true;
      continue;
    }
    const v = argv[++i];
    if (k === 'model') a.model = v;
    else if (k === 'data') a.data = v;
    else if (k === 'timesteps') a.timesteps = Number(v);
    else if (k === 'limit') a.limit = Number(v);
    else throw new Error(`unknown option --${k}; known: --model --data --timesteps --limit --json`);
  }
  if (!a.model) throw new Error('--model <file.snn> is required');
  return a;
}

export interface CheapRow {
  model: string;
  data: string;
  sentences: number;
  timesteps: number;
  bits: number;
  accuracy: { ann: number; floatSnn: number; intSnn: number };
  intFloatAgreement: number;
  bitexact: string;
  inputDensity: number;
  /** Means per sentence. */
  annMacs: number;
  sopsPerSpike: number;
  firstLayerPerSpike: number;
  firstLayerGrouped: number;
  sopsGrouped: number;
  ratioPerSpike: number;
  ratioGrouped: number;
  hiddenFiringRate: number;
  integerBytes: number;
  float32Bytes: number;
  tableRatio: number;
  /** Nonzero int8 conv weights / all conv weights (pruning). */
  convDensity: number;
  /** Grouped SNN additions / the MACs of an ANN that skips the pruned (zero) conv weights. */
  ratioGroupedVsSparseAnn: number;
}

export async function cheapRow(model: Model, name: string, data: string, limit?: number): Promise<CheapRow> {
  const split = loadSplit(data, { classes: model.meta.classes });
  const vocab = new Vocab(model.vocab!);
  const v = viewTextCnn(model.graph);
  const ids: number[][] = [];
  const labels: number[] = [];
  for (const ex of split.examples) {
    if (limit !== undefined && ids.length >= limit) break;
    try {
      ids.push(textToIds(ex.text, vocab, v.maxLen));
      labels.push(ex.label);
    } catch {
      /* a line without tokens: skipped, as snnc eval does */
    }
  }
  const acc = (p: number[]): number => p.filter((x, i) => x === labels[i]).length / labels.length;
  const ann = await predictAnnFromModel(model, ids);
  const fl = predictSnn(model.graph, ids).labels;
  const ev = await evaluateInteger(
    model,
    ids.map((t) => ({ tokens: t })),
    { bitexact: 50 },
  );
  const bits = v.encoder.bits;
  const T = model.graph.timesteps;
  // the compiled tables: a pruned conv is laid out sparse, one entry per kept int8 weight
  const intGraph = runPipeline(model.graph, { weightBits: 8 }).graph;
  const convs = v.branches.map((b) => {
    const t = intGraph.nodes.find((n): n is Conv1dNode => n.kind === 'conv1d' && n.id === b.conv.id)?.table;
    const rows = b.conv.width * v.dim;
    const rowEntries = t?.layout === 'sparse' ? Array.from({ length: rows }, (_, r) => t.rowStart[r + 1] - t.rowStart[r]) : undefined;
    return { width: b.conv.width, maps: b.conv.outChannels, rowEntries };
  });
  const convNnz = convs.reduce((a, c) => a + (c.rowEntries ? c.rowEntries.reduce((x, y) => x + y, 0) : c.width * v.dim * c.maps), 0);
  const dim = v.dim;
  const table = v.table.data as Float32Array;
  let perSpike = 0;
  let grouped = 0;
  let nonzero = 0;
  let tokens = 0;
  for (const t of ids) {
    const lv = new Uint8Array(t.length * dim);
    t.forEach((id, p) => {
      for (let d = 0; d < dim; d++) lv[p * dim + d] = toLevel(table[id * dim + d], bits);
    });
    const r = firstLayerOps(lv, t.length, dim, bits, T, convs);
    perSpike += r.perSpike;
    grouped += r.grouped;
    nonzero += r.nonzero;
    tokens += t.length;
  }
  const N = ids.length;
  const sops = ev.ops.sops;
  const convAll = convs.reduce((a, c) => a + c.width * v.dim * c.maps, 0);
  // the dense ANN's conv MACs per sentence (runtime/energy.ts annCost: taps inside the sentence)
  let annConvMacs = 0;
  for (const t of ids)
    for (const c of convs) {
      const left = (c.width - 1) >> 1;
      for (let q = 0; q < t.length; q++) for (let j = 0; j < c.width; j++) if (q - left + j >= 0 && q - left + j < t.length) annConvMacs += v.dim * c.maps;
    }
  annConvMacs /= N;
  const sopsGrouped = sops - perSpike / N + grouped / N;
  const e = ev.meta.energy;
  const f32 = e.float32Bytes;
  return {
    model: name,
    data,
    sentences: N,
    timesteps: T,
    bits,
    accuracy: { ann: acc(ann), floatSnn: acc(fl), intSnn: acc(ev.labels) },
    intFloatAgreement: ev.labels.filter((x, i) => x === fl[i]).length / N,
    bitexact: `${ev.bitexact.equal}/${ev.bitexact.checked}`,
    inputDensity: nonzero / (tokens * dim),
    annMacs: ev.annMacs,
    sopsPerSpike: sops,
    firstLayerPerSpike: perSpike / N,
    firstLayerGrouped: grouped / N,
    sopsGrouped,
    ratioPerSpike: sops / ev.annMacs,
    ratioGrouped: sopsGrouped / ev.annMacs,
    hiddenFiringRate: ev.firingRate,
    integerBytes: e.integerBytes,
    float32Bytes: f32,
    tableRatio: e.integerBytes / f32,
    convDensity: convNnz / convAll,
    ratioGroupedVsSparseAnn: sopsGrouped / (ev.annMacs - annConvMacs * (1 - convNnz / convAll)),
  };
}

function pct(x: number): string {
  return (100 * x).toFixed(2);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  await initBackend('auto');
  let model = readModelFile(a.model);
  if (a.timesteps) model = { ...model, graph: { ...model.graph, timesteps: a.timesteps } };
  const r = await cheapRow(model, a.model, a.data, a.limit);
  if (a.json) {
    process.stdout.write(JSON.stringify(r, null, 1) + '\n');
    return;
  }
  process.stdout.write(
    [
      `${r.model} on ${r.data} (${r.sentences} sentences), T=${r.timesteps}, ${r.bits}-bit inputs`,
      `  accuracy ANN / float SNN / integer SNN: ${pct(r.accuracy.ann)} / ${pct(r.accuracy.floatSnn)} / ${pct(r.accuracy.intSnn)} % (int == float on ${pct(r.intFloatAgreement)} %; wasm == reference ${r.bitexact})`,
      `  input density ${pct(r.inputDensity)} %; LIF firing rate ${pct(r.hiddenFiringRate)} %`,
      `  per sentence: ANN MACs ${Math.round(r.annMacs)}; SNN additions per spike ${Math.round(r.sopsPerSpike)} (ratio ${r.ratioPerSpike.toFixed(3)}), level-grouped estimate ${Math.round(r.sopsGrouped)} (ratio ${r.ratioGrouped.toFixed(3)}); first layer ${Math.round(r.firstLayerPerSpike)} -> ${Math.round(r.firstLayerGrouped)}`,
      `  integer tables ${r.integerBytes} B vs float32 ${r.float32Bytes} B: ${pct(r.tableRatio)} %; conv weights kept ${pct(r.convDensity)} % (grouped vs an ANN skipping zero weights: ${r.ratioGroupedVsSparseAnn.toFixed(3)})`,
    ].join('\n') + '\n',
  );
}

if (process.argv[1] && /cheap\.(js|ts)$/.test(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
