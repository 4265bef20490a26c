// Shared by the direct spike-train input tests (test/nir/direct-wasm.test.ts, direct-c.test.ts):
// a small recurrent graph on a direct input, random spike trains, the reference's per-step spikes.
import { simulate, type StepsInput } from '../../runtime/reference.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import type { Graph, Node } from '../../compiler/ir/types.js';
import { rand, randArray } from './fixtures.js';

export function directGraph(o: { bits: number; weightBits: 8 | 16; cuba: boolean; dim?: number; hidden?: number; T?: number; layout?: 'dense' | 'sparse' }): Graph {
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
  return runPipeline({ timesteps: o.T ?? 25, nodes, stage: 'float', passes: [] }, { weightBits: o.weightBits, ...(o.layout ? { layout: o.layout } : {}) }).graph;
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
