// The C kernel's synaptic current (docs/semantics.md "Synaptic current"): host-c firmware built
// with gcc from a CubaLIF graph (hidden CubaLIF with a recurrent loop; CubaLIF or CubaLI
// output) answers every input exactly like the reference simulator: labels, scores, op
// counters (two updates per neuron and step), per-population spikes and updates.
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { emitC } from '../../compiler/backends/c/index.js';
import { loadTarget } from '../../targets/index.js';
import type { Graph, Node } from '../../compiler/ir/types.js';
import { build, spawnBoard, toolGate, type ChildBoard } from '../firmware/helpers.js';
import { randArray, rand } from './fixtures.js';

const gate = toolGate(['gcc']);

function cubaGraph(spikingOut: boolean, weightBits: 8 | 16): Graph {
  const w = (i: number, o: number, seed: number, s = 0.8) => ({ dtype: 'f32' as const, shape: [i, o], data: Float32Array.from(randArray(i * o, seed, s)) });
  const nodes: Node[] = [
    { kind: 'vector', id: 'x', dim: 7 },
    { kind: 'encoder', id: 'encoder', from: 'x', scheme: 'rate', bits: 4, seed: 0 },
    { kind: 'dense', id: 'd1', from: 'encoder', to: 'h', inFeatures: 7, outFeatures: 9, weight: w(7, 9, 1) },
    { kind: 'dense', id: 'r1', from: 'h', to: 'h', inFeatures: 9, outFeatures: 9, weight: w(9, 9, 2, 0.3), recurrent: true },
    { kind: 'lif', id: 'h', channels: 9, perPosition: false, reset: 'subtract', beta: 0.875, synBeta: 0.75, threshold: 0.5 },
    { kind: 'dense', id: 'd2', from: 'h', to: 'o', inFeatures: 9, outFeatures: 6, weight: w(9, 6, 3) },
    { kind: 'lif', id: 'o', channels: 6, perPosition: false, reset: 'zero', beta: 0.9, synBeta: 0.6, threshold: 0.4, ...(spikingOut ? {} : { spiking: false }) },
    { kind: 'readout', id: 'readout', from: 'o', classes: 3, population: 2, ...(spikingOut ? {} : { measure: 'membrane' as const }) },
  ];
  return runPipeline({ timesteps: 20, nodes, stage: 'float', passes: [] }, { weightBits }).graph;
}

function vectors(count: number, dim: number, seed: number): { vector: number[] }[] {
  const r = rand(seed);
  return Array.from({ length: count }, () => ({ vector: Array.from({ length: dim }, () => (r() + 1) / 2) }));
}

describe('C backend: synaptic current', () => {
  it('emits snn_add after the membrane leak, the current leak first, and sizes the currents in the state', () => {
    const e = emitC(cubaGraph(true, 8), loadTarget('host-c'), { mode: 'tokens', name: 'cuba' });
    const src = Object.values(e.files).join('\n');
    const i = src.indexOf('snn_leak16(st->i0');
    const v = src.indexOf('snn_leak16(st->v0');
    const add = src.indexOf('snn_add16(st->v0, st->i0');
    expect(i).toBeGreaterThan(0);
    expect(v).toBeGreaterThan(i);
    expect(add).toBeGreaterThan(v);
    expect(src).toMatch(/snn_dense\(&snn_tab0, st->se0, 1, 7, st->i0/);
  });

  describe.skipIf(gate.skip).each([
    { name: 'CubaLIF output, int8', spiking: true, bits: 8 as const },
    { name: 'CubaLI output (membrane readout), int16', spiking: false, bits: 16 as const },
  ])('host-c: $name', ({ spiking, bits }) => {
    let fw: ChildBoard | undefined;
    afterAll(async () => fw?.stop());
    it('answers 60 random vectors exactly like the reference simulator', async () => {
      const graph = cubaGraph(spiking, bits);
      const { fw: built, emitted } = build(graph, 'host-c', 'tokens', `cuba${bits}`);
      fw = await spawnBoard(built.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 10000 });
      expect(fw.board.info.stateBytes).toBe(emitted.budget.stateBytes);
      let spikes = 0;
      for (const [k, x] of vectors(60, 7, 40 + bits).entries()) {
        const want = simulate(graph, x, 'integer');
        const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await fw.board.classify(x);
        expect(got, `input ${k}`).toEqual(want);
        spikes += want.ops.spikes;
      }
      expect(spikes).toBeGreaterThan(0);
    });
  });
});
