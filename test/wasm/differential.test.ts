// Differential tests: the emitted wasm (SIMD and scalar builds) must equal the reference
// integer simulator on label, scores, every op counter, layerSpikes and layerUpdates, for
// every graph kind the backend supports, on hundreds of random inputs each.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../compiler/ir/types.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate, type SimInput } from '../../runtime/reference.js';
import { SMALL_CNN, groupAll, metaFor, mlp, randomSentences, randomVectors, textCnn, textCnnEncoderFed, textCnnExotic, type Knobs } from './graphs.js';

interface Case {
  name: string;
  graph: () => Graph;
  inputs: () => SimInput[];
}

const sentences = (count: number, vocab = SMALL_CNN.vocab, maxLen = SMALL_CNN.maxLen, seed = 5): SimInput[] =>
  randomSentences(count, vocab, maxLen, seed).map((tokens) => ({ tokens }));
const vectors = (count: number, dim = 20, seed = 6): SimInput[] => randomVectors(count, dim, seed).map((vector) => ({ vector }));

const cnn = (name: string, k: Knobs): Case => ({ name: `textcnn ${name}`, graph: () => textCnn(SMALL_CNN, k), inputs: () => sentences(200, SMALL_CNN.vocab, SMALL_CNN.maxLen, (k.seed ?? 1) + 100) });
const mlpCase = (name: string, k: Knobs, recurrent = false): Case => ({
  name: `mlp ${name}`,
  graph: () => mlp({ dim: 20, hidden: 24, classes: 3, population: 2, recurrent }, k),
  inputs: () => vectors(200, 20, (k.seed ?? 2) + 200),
});

const CASES: Case[] = [
  cnn('rate, dense int8 tables', {}),
  cnn('binary encoder', { scheme: 'binary', seed: 3 }),
  cnn('poisson encoder', { scheme: 'poisson', seed: 4, bits: 3 }),
  cnn('leaky (shifts 2,4), reset zero', { leakShifts: [2, 4], reset: 'zero', seed: 5, bias: 20 }),
  cnn('sparse int8 tables', { table: 'sparse', zeros: 0.6, seed: 6, bias: 10 }),
  cnn('dense int16 tables', { weightBits: 16, seed: 7 }),
  cnn('no tables (int32 weight tensors)', { table: 'none', weightBits: 32, seed: 8 }),
  cnn('8-bit levels, leak shift 1, stateBits 16', { bits: 8, leakShifts: [1], stateBits: 16, seed: 9, bias: 30 }),
  {
    name: 'textcnn odd sizes (row and fire tails)',
    graph: () => textCnn({ vocab: 31, dim: 13, maxLen: 11, widths: [2, 3, 6], channels: 7, classes: 3, population: 1 }, { seed: 10 }),
    inputs: () => sentences(200, 31, 11, 110),
  },
  {
    name: 'textcnn wide rows (looped SIMD row add)',
    graph: () => textCnn({ vocab: 40, dim: 9, maxLen: 8, widths: [3], channels: 150, classes: 2, population: 70 }, { seed: 11, threshold: 120 }),
    inputs: () => sentences(120, 40, 8, 111),
  },
  {
    name: 'textcnn sparse int16 wide rows',
    graph: () => textCnn({ vocab: 40, dim: 9, maxLen: 8, widths: [4, 5], channels: 140, classes: 2, population: 3 }, { seed: 12, table: 'sparse', weightBits: 16, zeros: 0.7 }),
    inputs: () => sentences(120, 40, 8, 112),
  },
  { name: 'textcnn two encoders, per-position dense', graph: () => textCnnExotic({}), inputs: () => sentences(200, 30, 9, 113) },
  { name: 'textcnn two encoders, sparse, leaky', graph: () => textCnnExotic({ table: 'sparse', zeros: 0.5, leakShifts: [2], seed: 33, bias: 10 }), inputs: () => sentences(200, 30, 9, 114) },
  mlpCase('rate', {}),
  mlpCase('binary', { scheme: 'binary', seed: 21 }),
  mlpCase('poisson', { scheme: 'poisson', seed: 22 }),
  mlpCase('recurrent, leaky, reset zero', { leakShifts: [3], reset: 'zero', seed: 23, bias: 10 }, true),
  mlpCase('recurrent sparse int16', { table: 'sparse', weightBits: 16, zeros: 0.5, seed: 24 }, true),
];

// the level-grouped schedule (docs/semantics.md) on every case it applies to, plus graphs
// whose encoder feeds a conv1d, a position-wise dense and a pooled dense, and one encoder
// read by both schedules
const encoderFed = (name: string, k: Knobs, keepEvent?: string): Case => ({
  name: `encoder-fed ${name}`,
  graph: () => {
    const g = groupAll(textCnnEncoderFed(k));
    return keepEvent ? { ...g, nodes: g.nodes.map((n) => (n.id === keepEvent ? { ...n, schedule: undefined } : n)) } : g;
  },
  inputs: () => sentences(150, 40, 12, (k.seed ?? 41) + 300),
});
const GROUPED: Case[] = [
  ...CASES.filter((c) => !/poisson encoder|mlp poisson/.test(c.name)).map((c) => ({ ...c, name: `grouped: ${c.name}`, graph: () => groupAll(c.graph()) })),
  ((c) => ({ ...c, graph: () => groupAll(c.graph()) }))(cnn('grouped: 4-bit levels at T = 3 (dead levels 1, 2)', { timesteps: 3, seed: 13, bias: 15 })),
  encoderFed('conv + position-wise + pooled dense, int8', { seed: 41 }),
  encoderFed('sparse int16', { seed: 42, table: 'sparse', weightBits: 16, zeros: 0.5 }),
  encoderFed('one encoder, both schedules (ppd event-driven)', { seed: 43, leakShifts: [3] }, 'ppd'),
];
CASES.push(...GROUPED);

describe.each(CASES)('$name', (c) => {
  const graph = c.graph();
  const inputs = c.inputs();
  const expected = inputs.map((x) => simulate(graph, x, 'integer'));

  it('is not vacuous (hidden and output layers spike, labels vary or scores are non-zero)', () => {
    const total = expected.reduce((a, r) => a.map((s, i) => s + r.layerSpikes[i]), expected[0].layerSpikes.map(() => 0));
    for (const s of total) expect(s).toBeGreaterThan(0);
    expect(expected.some((r) => r.ops.sops > 0)).toBe(true);
    if (c.name.startsWith('grouped') || c.name.startsWith('encoder-fed')) expect(graph.nodes.some((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped')).toBe(true);
  });

  for (const simd of [true, false]) {
    it(`${simd ? 'SIMD' : 'scalar'} build equals the reference on ${inputs.length} inputs`, async () => {
      const model = await loadArtifact(emitWasm(graph, metaFor(graph), { simd }).wasm);
      const got = model.inferMany(inputs);
      for (let i = 0; i < inputs.length; i++) expect(got[i], `input ${i}`).toEqual(expected[i]);
    });
  }
});
