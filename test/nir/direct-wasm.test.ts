// Spike-train (direct encoder) inputs on the WASM backend (docs/semantics.md "Encoders",
// docs/wasm.md "Input"): SIMD and scalar builds take T rows of per-channel counts and equal the
// reference simulator on label, scores, every op counter, layerSpikes/layerUpdates and the
// per-step spikes of every population; counts out of range are refused like the reference does.
import { describe, expect, it } from 'vitest';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmp } from './fixtures.js';
import { simulate } from '../../runtime/reference.js';
import { metaFor } from '../wasm/graphs.js';
import { directGraph, referenceTrace, spikeTrains } from './direct-fixtures.js';

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

  it('the bounded (worker) runner passes all T rows of counts', async () => {
    const g = directGraph({ bits: 2, weightBits: 8, cuba: true });
    const path = join(tmp(), 'direct.wasm');
    writeFileSync(path, emitWasm(g, metaFor(g)).wasm);
    const model = await loadArtifactFile(path, { bounded: true });
    const inputs = spikeTrains(10, g.timesteps, 11, 3, 21);
    let spikes = 0;
    for (const x of inputs) {
      const want = simulate(g, x, 'integer');
      expect(model.infer(x)).toEqual(want);
      spikes += want.ops.spikes;
    }
    expect(spikes).toBeGreaterThan(0);
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
