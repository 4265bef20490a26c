// host-c differential: the generated C (gcc, native) answers the serial protocol on stdio and
// must equal the reference simulator on every counter, label, score, layerSpikes and
// layerUpdates, on 200+ real SST-2 sentences, for every feature the kernel supports.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../runtime/reference.js';
import type { Graph } from '../../compiler/ir/types.js';
import type { CMode } from '../../compiler/backends/c/plan.js';
import { textCnn, mlp, randomVectors, textCnnExotic, type Knobs } from '../wasm/graphs.js';
import { build, fastVariantModel, integerModel, spawnBoard, sst2Inputs, sst2Sentences, toolGate, unoModel, type ChildBoard } from './helpers.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { repoRoot } from '../../targets/index.js';
import { rng, randomTokens } from '../helpers/tiny-model.js';

const gate = toolGate(['gcc']);

interface Case {
  name: string;
  graph: () => Graph;
  inputs: (g: Graph) => ({ tokens: number[] } | { vector: number[] })[];
  mode: CMode;
}

const sst = (o: Parameters<typeof integerModel>[0], mode: CMode, name: string): Case => {
  const m = integerModel(o);
  return { name, graph: () => m.graph, inputs: () => sst2Inputs(m.model, 210), mode };
};
const fast = (o: Parameters<typeof fastVariantModel>[0], mode: CMode, name: string): Case => {
  const m = fastVariantModel(o);
  return { name, graph: () => m.graph, inputs: () => sst2Inputs(m.model, 210), mode };
};
const randomTok = (vocab: number, maxLen: number, count: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: count }, () => ({ tokens: randomTokens(r, vocab, maxLen) }));
};
const hand = (name: string, k: Knobs, mode: CMode = 'tokens'): Case => ({
  name,
  graph: () => textCnn({ vocab: 60, dim: 12, maxLen: 14, widths: [3, 4, 5], channels: 8, classes: 2, population: 3 }, k),
  inputs: () => randomTok(60, 14, 80, (k.seed ?? 1) + 50),
  mode,
});

const CASES: Case[] = [
  sst({ dim: 12, maps: 8, maxLen: 24, timesteps: 10, scheme: 'rate', bits: 4, seed: 3 }, 'tokens', 'SST-2, rate 4-bit, tokens mode'),
  sst({ dim: 12, maps: 8, maxLen: 24, timesteps: 10, scheme: 'rate', bits: 4, seed: 3 }, 'spikes', 'SST-2, rate 4-bit, spikes mode'),
  sst({ dim: 16, maps: 6, maxLen: 16, timesteps: 8, scheme: 'binary', seed: 4 }, 'spikes', 'SST-2, binary (uno shape), spikes mode'),
  sst({ dim: 10, maps: 6, maxLen: 20, timesteps: 8, scheme: 'poisson', bits: 3, seed: 5, beta: 0.8, reset: 'zero' }, 'tokens', 'SST-2, poisson, leaky, reset zero'),
  sst({ dim: 10, maps: 6, maxLen: 20, timesteps: 8, scheme: 'poisson', bits: 3, seed: 5, beta: 0.8 }, 'spikes', 'SST-2, poisson, leaky, spikes mode'),
  sst({ dim: 12, maps: 8, maxLen: 20, timesteps: 8, seed: 6, prune: 0.6, layout: 'sparse' }, 'tokens', 'SST-2, pruned sparse tables'),
  sst({ dim: 12, maps: 8, maxLen: 20, timesteps: 8, seed: 7, weightBits: 16 }, 'tokens', 'SST-2, int16 weights'),
  // the fast conv (firmware-stubs/snn_fast.c): flags, integrate-only and counts; 2 blocks, padded nibbles
  fast({}, 'tokens', 'fast conv variants, rate 4-bit, leaky, reset zero, tokens mode'),
  fast({}, 'spikes', 'fast conv variants, spikes mode (unaligned frame bits)'),
  fast({ scheme: 'poisson', bits: 3, dim: 8, widths: [2, 5, 3], reset: 'subtract', seed: 19 }, 'tokens', 'fast conv variants, poisson, widths 2/5/3'),
  { name: 'uno configuration, tokens mode (binary levels packed)', graph: () => unoModel().graph, inputs: () => sst2Inputs(unoModel().model, 210), mode: 'tokens' },
  hand('hand-built sparse int16 leaky (2,4)', { table: 'sparse', weightBits: 16, zeros: 0.6, leakShifts: [2, 4], seed: 8, bias: 10 }),
  hand('no tables (int8 weight tensors read as dense rows)', { table: 'none', weightBits: 8, seed: 9 }),
  {
    name: 'two encoders, per-position dense',
    graph: () => textCnnExotic({}),
    inputs: () => randomTok(30, 9, 80, 113),
    mode: 'tokens',
  },
  {
    name: 'two encoders, per-position dense, spikes mode',
    graph: () => textCnnExotic({ table: 'sparse', zeros: 0.5, leakShifts: [2], seed: 33, bias: 10 }),
    inputs: () => randomTok(30, 9, 80, 114),
    mode: 'spikes',
  },
  {
    name: 'MLP recurrent over a vector (rate)',
    graph: () => mlp({ dim: 20, hidden: 24, classes: 3, population: 2, recurrent: true }, { leakShifts: [3], reset: 'zero', seed: 23, bias: 10 }),
    inputs: () => randomVectors(60, 20, 223).map((vector) => ({ vector })),
    mode: 'tokens',
  },
];

describe.skipIf(gate.skip)('host-c firmware equals the reference simulator', () => {
  beforeAll(() => gate.assert());

  const trained = join(repoRoot(), 'examples', 'sst2', 'model.snn');
  it.skipIf(!existsSync(trained))('the trained SST-2 model (examples/sst2/model.snn): 200 test sentences, bit-exact', async () => {
    const model = readModelFile(trained);
    const graph = runPipeline(model.graph, { weightBits: 8 }).graph;
    const inputs = sst2Inputs(model, 200);
    const { fw: built, emitted } = build(graph, 'host-c', 'tokens', 'sst2');
    const b = await spawnBoard(built.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 20000 });
    try {
      let correct = 0;
      const labels = sst2Sentences().slice(0, 200).map((x) => x.label);
      for (let i = 0; i < inputs.length; i++) {
        const want = simulate(graph, inputs[i], 'integer');
        const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(inputs[i]);
        expect(got, `sentence ${i}`).toEqual(want);
        if (got.label === labels[i]) correct++;
      }
      expect(correct / inputs.length).toBeGreaterThan(0.6); // a trained model, not noise
    } finally {
      await b.stop();
    }
  });

  describe.each(CASES)('$name', (c) => {
    const graph = c.graph();
    const inputs = c.inputs(graph);
    let fw: ChildBoard | undefined;
    afterAll(async () => fw?.stop());

    it(`answers ${inputs.length} inputs exactly like simulate(graph, input, 'integer')`, async () => {
      const { fw: built, emitted } = build(graph, 'host-c', c.mode, 'hostc');
      fw = await spawnBoard(built.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 10000 });
      expect(fw.board.info.mode).toBe(c.mode);
      expect(fw.board.info.stateBytes).toBe(emitted.budget.stateBytes);
      expect(fw.board.info.rxBytes).toBe(emitted.budget.rxBytes);
      let spikes = 0;
      for (let i = 0; i < inputs.length; i++) {
        const want = simulate(graph, inputs[i], 'integer');
        const got = await fw.board.classify(inputs[i]);
        const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts, ...same } = got;
        expect(attempts).toBe(1);
        expect(same, `input ${i}`).toEqual(want);
        spikes += want.ops.spikes;
      }
      expect(spikes).toBeGreaterThan(0);
    });
  });
});
