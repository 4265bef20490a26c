// Spike-train (direct encoder) inputs on the C kernel and firmware (docs/firmware.md
// "Spike-train input"): host-c firmware built with gcc in spikes mode takes each step's 0/1
// spikes in the STEP frame and answers exactly like the reference simulator (label, scores,
// every op counter, layerSpikes, layerUpdates); tokens mode is refused. Counts above 1:
// test/nir/direct-counts-c.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { simulate } from '../../runtime/reference.js';
import { emitC } from '../../compiler/backends/c/index.js';
import { encodeSpikeFrames } from '../../runtime/serial/host-encoder.js';
import { loadTarget } from '../../targets/index.js';
import { build, spawnBoard, toolGate, type ChildBoard } from '../firmware/helpers.js';
import { directGraph, spikeTrains } from './direct-fixtures.js';

const gate = toolGate(['gcc']);

describe('C backend: direct spike-train input', () => {
  it('defaults to spikes mode; refuses tokens mode with SNN_E_BACKEND (counts above 1: direct-counts-c.test.ts)', () => {
    const g = directGraph({ bits: 1, weightBits: 8, cuba: false });
    expect(emitC(g, loadTarget('host-c')).plan.mode).toBe('spikes');
    expect(emitC(g, loadTarget('host-c')).plan.frameBitsFixed).toBe(11);
    expect(() => emitC(g, loadTarget('host-c'), { mode: 'tokens' })).toThrow(/SNN_E_BACKEND.*direct spike input.*spikes mode/);
  });

  it('the host frames are the rows, checked like the reference', () => {
    const g = directGraph({ bits: 1, weightBits: 8, cuba: false });
    const [x] = spikeTrains(1, g.timesteps, 11, 1, 5);
    const enc = encodeSpikeFrames(g, x);
    expect(enc.frames.length).toBe(g.timesteps);
    expect(enc.frames.map((f) => Array.from({ length: 11 }, (_, i) => (f[i >> 3] >> (i & 7)) & 1))).toEqual(x.steps);
    expect(enc.inputSpikes).toBe(simulate(g, x).ops.inputSpikes);
    const bad = x.steps.map((r) => [...r]);
    bad[2][9] = 2;
    expect(() => encodeSpikeFrames(g, { steps: bad })).toThrow(/SNN_E_INPUT.*step 2, channel 9.*0\.\.1/);
    expect(() => encodeSpikeFrames(g, { vector: new Array(11).fill(1) })).toThrow(/SNN_E_INPUT.*spike train/);
  });

  describe.skipIf(gate.skip).each([
    { name: 'LIF, int8', weightBits: 8 as const, cuba: false },
    { name: 'CubaLIF, int16', weightBits: 16 as const, cuba: true },
  ])('host-c: $name', ({ weightBits, cuba }) => {
    let fw: ChildBoard | undefined;
    afterAll(async () => fw?.stop());
    it('answers 40 random spike trains exactly like the reference simulator', async () => {
      const graph = directGraph({ bits: 1, weightBits, cuba });
      const { fw: built, emitted } = build(graph, 'host-c', 'spikes', `direct${weightBits}`);
      fw = await spawnBoard(built.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 10000 });
      let spikes = 0;
      for (const [k, x] of spikeTrains(40, graph.timesteps, 11, 1, 60 + weightBits).entries()) {
        const want = simulate(graph, x, 'integer');
        const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await fw.board.classify(x);
        expect(got, `input ${k}`).toEqual(want);
        spikes += want.ops.spikes;
      }
      expect(spikes).toBeGreaterThan(0);
    });
  });
});
