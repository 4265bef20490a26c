// The per-step spike trace (docs/wasm.md "Spike trace"): with trace_spikes on, the module
// reports, after every step, each population's spikes; they must equal the reference
// simulator's spike flags step by step, sum to layerSpikes, and leave the result unchanged.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../compiler/ir/types.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate, type SimInput } from '../../runtime/reference.js';
import { SMALL_CNN, groupAll, metaFor, mlp, randomSentences, randomVectors, textCnn, textCnnExotic } from './graphs.js';
import { handScanGraph, tinyBisnn } from '../helpers/tiny-bisnn.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { codeOf } from '../helpers/code-of.js';

const sentences = (count: number, vocab: number, maxLen: number, seed: number): SimInput[] => randomSentences(count, vocab, maxLen, seed).map((tokens) => ({ tokens }));

const CASES: { name: string; graph: () => Graph; inputs: () => SimInput[] }[] = [
  { name: 'textcnn', graph: () => textCnn(SMALL_CNN, {}), inputs: () => sentences(30, SMALL_CNN.vocab, SMALL_CNN.maxLen, 7) },
  { name: 'textcnn grouped, leaky', graph: () => groupAll(textCnn(SMALL_CNN, { leakShifts: [2], seed: 5, bias: 20 })), inputs: () => sentences(30, SMALL_CNN.vocab, SMALL_CNN.maxLen, 8) },
  { name: 'textcnn two encoders, per-position dense', graph: () => textCnnExotic({}), inputs: () => sentences(30, 30, 9, 9) },
  { name: 'recurrent mlp', graph: () => mlp({ dim: 20, hidden: 24, classes: 3, population: 2, recurrent: true }, { seed: 23 }), inputs: () => randomVectors(30, 20, 10).map((vector) => ({ vector })) },
  { name: 'scans (forward + backward), hand-made', graph: () => handScanGraph(), inputs: () => sentences(30, 4, 8, 11) },
  { name: 'bidirectional scans (compiled)', graph: () => runPipeline(tinyBisnn({ layers: 1, hidden: 4 }).graph).graph, inputs: () => sentences(30, 20, 8, 12) },
];

/** The reference's spikes per population (graph order) and step, as sorted flat indices. */
function referenceTrace(graph: Graph, x: SimInput): Map<string, number[][]> {
  const out = new Map<string, number[][]>();
  simulate(graph, x, 'integer', {
    afterStep: (_t, id, _v, spikes) => {
      const on: number[] = [];
      for (let i = 0; i < spikes.length; i++) if (spikes[i]) on.push(i);
      if (!out.has(id)) out.set(id, []);
      out.get(id)!.push(on);
    },
  });
  return out;
}

describe.each(CASES)('spike trace: $name', (c) => {
  for (const simd of [true, false]) {
    it(`${simd ? 'SIMD' : 'scalar'}: equals the reference step by step, and tracing changes nothing`, async () => {
      const graph = c.graph();
      const model = await loadArtifact(emitWasm(graph, metaFor(graph), { simd }).wasm);
      expect(model.canTrace).toBe(true);
      let spiked = 0;
      for (const x of c.inputs()) {
        const plain = model.infer(x);
        const { result, spikes } = model.inferTraced(x);
        expect(result).toEqual(plain);
        // and the untraced path after a trace is still the same
        expect(model.infer(x)).toEqual(plain);
        const ref = referenceTrace(graph, x);
        model.meta.populations.forEach((p, l) => {
          expect(spikes[l].length).toBe(model.meta.timesteps);
          const got = spikes[l].map((s) => [...s].sort((a, b) => a - b));
          const want = ref.get(p.id) ?? [];
          // a non-spiking (membrane) population has an empty list every step
          if (p.spiking === false) expect(got.every((s) => s.length === 0)).toBe(true);
          else expect(got).toEqual(want.slice(0, model.meta.timesteps));
          expect(got.reduce((a, s) => a + s.length, 0)).toBe(plain.layerSpikes[l]);
          spiked += plain.layerSpikes[l];
        });
      }
      expect(spiked).toBeGreaterThan(0);
    });
  }
});

it('an artifact without the trace export refuses inferTraced with SNN_E_ARTIFACT', async () => {
  const graph = textCnn(SMALL_CNN, {});
  const wasm = emitWasm(graph, metaFor(graph)).wasm;
  const model = await loadArtifact(wasm);
  // the host reads the export at call time: hide it as an older artifact would
  const old = Object.create(model, { canTrace: { value: false } });
  expect(old.canTrace).toBe(false);
  (model as unknown as { ex: Record<string, unknown> }).ex = { ...(model as unknown as { ex: Record<string, unknown> }).ex, trace_spikes: undefined };
  expect(model.canTrace).toBe(false);
  expect(codeOf(() => model.inferTraced({ tokens: [2, 3] }))).toBe('SNN_E_ARTIFACT');
});
