// The WASM backend's synaptic current (docs/semantics.md "Synaptic current"): SIMD and scalar
// builds of CubaLIF graphs (recurrent hidden CubaLIF; CubaLIF or CubaLI output; int8 and
// int16; a grouped-schedule input; one imported from a NIR file) equal the reference
// simulator on label, scores, every op counter, layerSpikes and layerUpdates.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate } from '../../runtime/reference.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { readNirModel } from '../../compiler/frontend/nir/import.js';
import type { Graph, Node } from '../../compiler/ir/types.js';
import { metaFor } from '../wasm/graphs.js';
import { f32, full, i64, rand, randArray, tmp, writeFixture } from './fixtures.js';

function cubaGraph(o: { spikingOut: boolean; weightBits: 8 | 16; channels: number; schedule?: 'grouped' | 'event' }): Graph {
  const w = (i: number, k: number, seed: number, s = 0.8) => ({ dtype: 'f32' as const, shape: [i, k], data: Float32Array.from(randArray(i * k, seed, s)) });
  const H = o.channels;
  const nodes: Node[] = [
    { kind: 'vector', id: 'x', dim: 7 },
    { kind: 'encoder', id: 'encoder', from: 'x', scheme: 'rate', bits: 4, seed: 0 },
    { kind: 'dense', id: 'd1', from: 'encoder', to: 'h', inFeatures: 7, outFeatures: H, weight: w(7, H, 1) },
    { kind: 'dense', id: 'r1', from: 'h', to: 'h', inFeatures: H, outFeatures: H, weight: w(H, H, 2, 0.3), recurrent: true },
    { kind: 'lif', id: 'h', channels: H, perPosition: false, reset: 'subtract', beta: 0.875, synBeta: 0.75, threshold: 0.5 },
    { kind: 'dense', id: 'd2', from: 'h', to: 'o', inFeatures: H, outFeatures: 6, weight: w(H, 6, 3) },
    { kind: 'lif', id: 'o', channels: 6, perPosition: false, reset: 'zero', beta: 0.9, synBeta: 0.6, threshold: 0.4, ...(o.spikingOut ? {} : { spiking: false }) },
    { kind: 'readout', id: 'readout', from: 'o', classes: 3, population: 2, ...(o.spikingOut ? {} : { measure: 'membrane' as const }) },
  ];
  return runPipeline({ timesteps: 20, nodes, stage: 'float', passes: [] }, { weightBits: o.weightBits, schedule: o.schedule ?? 'event' }).graph;
}

const vectors = (count: number, dim: number, seed: number) => {
  const r = rand(seed);
  return Array.from({ length: count }, () => ({ vector: Array.from({ length: dim }, () => (r() + 1) / 2) }));
};

async function same(graph: Graph, inputs: { vector: number[] }[]): Promise<void> {
  const expected = inputs.map((x) => simulate(graph, x, 'integer'));
  expect(expected.reduce((a, r) => a + r.ops.spikes, 0)).toBeGreaterThan(0);
  for (const simd of [true, false]) {
    const model = await loadArtifact(emitWasm(graph, metaFor(graph), { simd }).wasm);
    const got = model.inferMany(inputs);
    for (let i = 0; i < inputs.length; i++) expect(got[i], `${simd ? 'SIMD' : 'scalar'} input ${i}`).toEqual(expected[i]);
  }
}

describe('WASM backend: synaptic current, bit-exact with the reference', () => {
  it.each([
    { name: 'CubaLIF output, int8, 9 hidden (SIMD tail)', spikingOut: true, weightBits: 8 as const, channels: 9 },
    { name: 'CubaLI output (membrane readout), int16, 16 hidden', spikingOut: false, weightBits: 16 as const, channels: 16 },
    { name: 'grouped input schedule into a current', spikingOut: true, weightBits: 8 as const, channels: 12, schedule: 'grouped' as const },
  ])('$name', async (o) => {
    const g = cubaGraph(o);
    if (o.schedule === 'grouped') expect(g.nodes.some((n) => n.kind === 'dense' && n.schedule === 'grouped')).toBe(true);
    await same(g, vectors(150, 7, o.channels));
  });

  it('a CubaLIF graph imported from NIR (rate input, 2 classes)', async () => {
    const dt = 1e-4;
    const path = await writeFixture(join(tmp(), 'c.nir'), {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', params: { shape: i64([5]) } },
        fc: { type: 'Linear', params: { weight: f32(randArray(20, 8, 1).map(Math.abs), [4, 5]) } },
        c: { type: 'CubaLIF', params: { tau_syn: full(4, 1e-3), tau_mem: full(4, 2e-3), r: full(4, 2e-3 / dt), w_in: full(4, 1e-3 / dt), v_leak: full(4, 0), v_threshold: full(4, 1), v_reset: full(4, 0) } },
        fc2: { type: 'Linear', params: { weight: f32(randArray(8, 9, 1), [2, 4]) } },
        o: { type: 'CubaLIF', params: { tau_syn: full(2, 1e-3), tau_mem: full(2, 2e-3), r: full(2, 2e-3 / dt), w_in: full(2, 1e-3 / dt), v_leak: full(2, 0), v_threshold: full(2, 0.5), v_reset: full(2, 0) } },
        output: { type: 'Output', params: { shape: i64([2]) } },
      },
      edges: [
        ['input', 'fc'],
        ['fc', 'c'],
        ['c', 'fc2'],
        ['fc2', 'o'],
        ['o', 'output'],
      ],
    });
    const { model } = await readNirModel(path, { timesteps: 24 });
    await same(runPipeline(model.graph).graph, vectors(100, 5, 3));
  });
});
