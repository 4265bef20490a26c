// Conversion on a briefly trained real model: the graph has the IR shape the passes expect,
// the reference simulator runs it, and the dense TF.js SNN gives the reference's labels.

import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../compiler/train/backend.js';
import { annForward, buildGraph, buildModel, DEFAULT_CONVERT, measureScales, textCnnTensors, viewTextCnn } from '../../compiler/train/convert.js';
import { tf } from '../../compiler/train/backend.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { predictSnn, simulateBatch } from '../../compiler/train/snn-tfjs.js';
import { makeParams, disposeParams } from '../../compiler/train/textcnn.js';
import { predictAnn, trainAnn, type PreparedData, type AnnResult } from '../../compiler/train/trainer.js';
import type { Graph, Model } from '../../compiler/ir/types.js';
import { simulate } from '../../runtime/reference.js';

let data: PreparedData;
let ann: AnnResult;
let graph: Graph;
let model: Model;

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 600, dev: 200, test: 60 } });
  ann = await trainAnn(data, {
    epochs: 3, batch: 50, lr: 2e-3, seed: 3, dropout: 0.5, widths: [3, 4, 5], maps: 100, population: 10, maxLen: 64,
    trainEmbeddings: false, l2: 0, maxNorm: 0, logitScale: 1, initGain: 1, resume: false, quiet: true,
  });
  const scales = measureScales(ann.shape, ann.weights, data.train.slice(0, 300).map((x) => x.ids), 64, 99.9);
  graph = buildGraph(ann.shape, ann.weights, scales, { ...DEFAULT_CONVERT, timesteps: 24 });
  model = buildModel(graph, { name: 't', classes: data.classes, vocab: data.vocab, training: { stage: 'converted' } });
}, 600_000);

describe('conversion', () => {
  it('builds the TextCNN IR graph', () => {
    const kinds = graph.nodes.map((n) => n.kind);
    expect(kinds.slice(0, 3)).toEqual(['tokens', 'embedding', 'encoder']);
    expect(kinds.filter((k) => k === 'conv1d').length).toBe(3);
    expect(kinds.filter((k) => k === 'lif').length).toBe(4);
    const v = viewTextCnn(graph);
    expect(v.branches.map((b) => b.conv.width)).toEqual([3, 4, 5]);
    for (const b of v.branches) {
      expect(b.conv.weight.shape).toEqual([b.conv.width, 100, 100]);
      expect(b.dense.weight.shape).toEqual([100, 20]);
      expect(b.dense.pool).toBe('mean-positions');
      expect(b.lif.perPosition).toBe(true);
      expect(b.lif.threshold).toBeGreaterThan(0);
    }
    expect(v.output.perPosition).toBe(false);
    expect(v.output.channels).toBe(20);
    // the input table is rounded to the encoder's 4-bit levels and <pad> stays zero
    const t = v.table.data;
    for (let d = 0; d < 100; d++) expect(t[d]).toBe(0);
    for (let i = 0; i < 5000; i++) expect(Math.abs(t[i] * 15 - Math.round(t[i] * 15))).toBeLessThan(1e-5);
  });

  it('annForward on the model reproduces the trained ANN up to the input rounding', () => {
    const ids = data.test.map((x) => x.ids);
    const params = makeParams(ann.shape, ann.weights, false);
    const want = predictAnn(params, data.test, 64);
    disposeParams(params);
    const got = annForward(model, ids).map((l) => (l[1] > l[0] ? 1 : 0));
    const agree = got.filter((g, i) => g === want[i]).length / ids.length;
    expect(agree).toBeGreaterThanOrEqual(0.9);
  });

  it('the reference simulator runs the graph and the dense TF.js SNN agrees with it', () => {
    const sents = data.test.slice(0, 50).map((x) => x.ids);
    const ref = sents.map((ids) => simulate(graph, { tokens: ids }, 'float'));
    const tfjs = predictSnn(graph, sents);
    let agree = 0;
    let scoreDiff = 0;
    ref.forEach((r, i) => {
      if (r.label === tfjs.labels[i]) agree++;
      scoreDiff += Math.abs(r.scores[0] - tfjs.scores[i][0]) + Math.abs(r.scores[1] - tfjs.scores[i][1]);
    });
    console.log(`snn-tfjs vs reference float: ${agree}/50 labels agree, mean |score diff| ${(scoreDiff / 50).toFixed(3)} spikes`);
    expect(agree / 50).toBeGreaterThanOrEqual(0.98);
    // the SNN really spikes: some output activity for most sentences
    expect(ref.filter((r) => r.scores[0] + r.scores[1] > 0).length).toBeGreaterThan(40);
    // spike totals per layer agree closely too
    const refSpikes = ref.reduce((a, r) => a + r.layerSpikes[0], 0);
    expect(Math.abs(tfjs.layerSpikes[0] - refSpikes) / refSpikes).toBeLessThan(0.01);
  });

  it('constant tensors built once give the same results as per-call ones, and leak nothing', () => {
    const sents = data.test.slice(0, 12).map((x) => x.ids);
    const before = tf.memory().numTensors;
    const consts = textCnnTensors(graph);
    const a = annForward(model, sents);
    const b = annForward(model, sents, consts);
    expect(b).toEqual(a);
    const s1 = simulateBatch(graph, sents);
    const s2 = simulateBatch(graph, sents, consts);
    expect(s2).toEqual(s1);
    // T changes nothing in the constants: the same tensors serve a graph with another T
    const g8: Graph = { ...graph, timesteps: 8 };
    expect(simulateBatch(g8, sents, consts)).toEqual(simulateBatch(g8, sents));
    expect(tf.memory().numTensors).toBe(before + consts.sources.length);
    // constants of another graph are refused
    const other: Graph = { ...graph, nodes: graph.nodes.map((n) => (n.kind === 'embedding' && n.table ? { ...n, table: { ...n.table, data: n.table.data.slice() } } : n)) };
    expect(() => simulateBatch(other, sents, consts)).toThrow(expect.objectContaining({ code: 'SNN_E_GRAPH' }));
    expect(() => annForward({ ...model, graph: other }, sents, consts)).toThrow(expect.objectContaining({ code: 'SNN_E_GRAPH' }));
    consts.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the Poisson encoder follows the reference PRNG stream', () => {
    const g: Graph = { ...graph, nodes: graph.nodes.map((n) => (n.kind === 'encoder' ? { ...n, scheme: 'poisson' as const, seed: 5 } : n)) };
    const sents = data.test.slice(0, 8).map((x) => x.ids);
    const r = simulateBatch(g, sents);
    const ref = sents.map((ids) => simulate(g, { tokens: ids }, 'float'));
    expect(r.inputSpikes).toBe(ref.reduce((a, x) => a + x.ops.inputSpikes, 0));
    expect(r.labels.filter((l, i) => l === ref[i].label).length).toBeGreaterThanOrEqual(7);
  });
});
