// Spike-train (direct encoder) inputs on the WASM backend (docs/semantics.md "Encoders",
// docs/wasm.md "Input"): SIMD and scalar builds take T rows of per-channel counts and equal the
// reference simulator on label, scores, every op counter, layerSpikes/layerUpdates and the
// per-step spikes of every population; counts out of range are refused like the reference does.
import { describe, expect, it } from 'vitest';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate, type StepsInput } from '../../runtime/reference.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import type { Graph, Node } from '../../compiler/ir/types.js';
import { metaFor } from '../wasm/graphs.js';
import { rand, randArray } from './fixtures.js';

export function directGraph(o: { bits: number; weightBits: 8 | 16; cuba: boolean; dim?: number; hidden?: number; T?: number }): Graph {
  const w = (i: number, k: number, seed: number, s = 0.8) => ({ dtype: 'f32' as const, shape: [i, k], data: Float32Array.from(randArray(i * k, seed, s)) });
  const D = o.dim ?? 11;
  const H = o.hidden ?? 9;
  const cur = o.cuba ? { synBeta: 0.75 } : {};
  const nodes: Node[] = [
    { kind: 'vector', id: 'x', dim: D },
    { kind: 'encoder', id: 'encoder', from: 'x', scheme: 'direct', bits: o.bits, seed: 0 },
    { kind: 'dense', id: 'd1', from: 'encoder', to: 'h', inFeatures: D, outFeatures: H, weight: w(D, H, 1 + o.bits) },
    { kind: 'dense', id: 'r1', from: 'h', to: 'h', inFeatures: H, outFeatures: H, weight: w(H, H, 2, 0.3), recurrent: true },
    { kind: 'lif', id: 'h', channels: H, perPosition: false, reset: 'subtract', beta: 0.875, threshold: 0.6, ...cur },
    { kind: 'dense', id: 'd2', from: 'h', to: 'o', inFeatures: H, outFeatures: 6, weight: w(H, 6, 3) },
    { kind: 'lif', id: 'o', channels: 6, perPosition: false, reset: 'zero', beta: 0.9375, threshold: 0.5, ...cur },
    { kind: 'readout', id: 'readout', from: 'o', classes: 3, population: 2 },
  ];
  return runPipeline({ timesteps: o.T ?? 25, nodes, stage: 'float', passes: [] }, { weightBits: o.weightBits }).graph;
}

/** `count` random spike trains: T rows of counts 0..top, about `density` of them nonzero. */
export function spikeTrains(count: number, T: number, dim: number, top: number, seed: number, density = 0.3): { steps: number[][] }[] {
  const r = rand(seed);
  const u = () => (r() + 1) / 2;
  return Array.from({ length: count }, () => ({ steps: Array.from({ length: T }, () => Array.from({ length: dim }, () => (u() < density ? 1 + Math.min(top - 1, Math.floor(u() * top)) : 0))) }));
}

/** The reference's spikes per population and step, as sorted flat indices. */
export function referenceTrace(graph: Graph, x: StepsInput): Map<string, number[][]> {
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

describe('WASM backend: direct spike-train input, bit-exact with the reference', () => {
  it.each([
    { name: '0/1 spike train, int8', bits: 1, weightBits: 8 as const, cuba: false },
    { name: 'counts 0..3, int16, CubaLIF', bits: 2, weightBits: 16 as const, cuba: true },
    { name: 'counts 0..15, int8, 17 channels (SIMD tail)', bits: 4, weightBits: 8 as const, cuba: false, dim: 17, hidden: 13 },
  ])('$name', async (o) => {
    const g = directGraph(o);
    const T = g.timesteps;
    const D = o.dim ?? 11;
    const inputs = spikeTrains(40, T, D, 2 ** o.bits - 1, 7 + o.bits);
    const expected = inputs.map((x) => simulate(g, x, 'integer'));
    expect(expected.reduce((a, r) => a + r.ops.spikes, 0)).toBeGreaterThan(0);
    // the counts above 1 are exercised (a row added k times)
    if (o.bits > 1) expect(inputs.some((x) => x.steps.some((row) => row.some((c) => c > 1)))).toBe(true);
    expect(new Set(expected.map((r) => JSON.stringify(r.scores))).size).toBeGreaterThan(5);
    for (const simd of [true, false]) {
      const model = await loadArtifact(emitWasm(g, metaFor(g), { simd }).wasm);
      expect(model.meta.encoders[0]).toMatchObject({ scheme: 'direct', bits: o.bits });
      const got = model.inferMany(inputs);
      for (let i = 0; i < inputs.length; i++) expect(got[i], `${simd ? 'SIMD' : 'scalar'} input ${i}`).toEqual(expected[i]);
      // per-step spikes of every population, on a few of them
      for (const x of inputs.slice(0, 5)) {
        const { result, spikes } = model.inferTraced(x);
        expect(result).toEqual(simulate(g, x, 'integer'));
        const ref = referenceTrace(g, x);
        model.meta.populations.forEach((p, l) => expect(spikes[l].map((s) => [...s].sort((a, b) => a - b)), p.id).toEqual(ref.get(p.id)));
      }
    }
  });

  it('refuses a vector, short trains, bad counts and a count past 2^bits - 1, like the reference', async () => {
    const g = directGraph({ bits: 2, weightBits: 8, cuba: false });
    const model = await loadArtifact(emitWasm(g, metaFor(g)).wasm);
    const [x] = spikeTrains(1, g.timesteps, 11, 3, 3);
    const bad = x.steps.map((r) => [...r]);
    bad[4][6] = 4;
    expect(() => simulate(g, { steps: bad })).toThrow(/SNN_E_INPUT.*step 4, channel 6.*0\.\.3/);
    expect(() => model.infer({ steps: bad })).toThrow(/SNN_E_INPUT.*step 4, channel 6.*0\.\.3/);
    bad[4][6] = 0.5;
    expect(() => model.infer({ steps: bad })).toThrow(/SNN_E_INPUT.*step 4, channel 6/);
    expect(() => model.infer({ vector: new Array(11).fill(0) })).toThrow(/SNN_E_INPUT.*spike train/);
    expect(() => model.infer({ steps: x.steps.slice(0, 3) })).toThrow(/SNN_E_INPUT.*25 per-step/);
    expect(() => model.infer({ steps: x.steps.map((r) => r.slice(1)) })).toThrow(/SNN_E_INPUT.*step 0: expected 11 values/);
    // the module checks the counts itself too (a host that writes its memory directly): error -6 at (step * dim + channel)
    const { instance } = await WebAssembly.instantiate(emitWasm(g, metaFor(g)).wasm);
    const ex = instance.exports as unknown as { memory: WebAssembly.Memory; input_ptr: () => number; error_ptr: () => number; infer: (n: number) => number };
    const mem = new Uint8Array(ex.memory.buffer);
    mem.fill(0, ex.input_ptr(), ex.input_ptr() + g.timesteps * 11);
    mem[ex.input_ptr() + 7 * 11 + 2] = 200;
    expect(ex.infer(1)).toBe(-6);
    const err = new Int32Array(ex.memory.buffer, ex.error_ptr(), 3);
    expect([err[1], err[2]]).toEqual([7 * 11 + 2, 200]);
    mem[ex.input_ptr() + 7 * 11 + 2] = 3;
    expect(ex.infer(1)).toBeGreaterThanOrEqual(0);
  });
});
