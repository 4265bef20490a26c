// Throughput of the emitted wasm on a TextCNN-sized and a bisnn-sized model (ns per
// synaptic op), SIMD vs scalar. Skipped unless SNNC_BENCH=1: timing is machine-dependent and slow to warm up.
// Run: SNNC_BENCH=1 npx vitest run test/wasm/perf.test.ts

import { describe, expect, it } from 'vitest';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate } from '../../runtime/reference.js';
import { metaFor, randomSentences, rng, textCnn, type TextCnnShape } from './graphs.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';

const BIG: TextCnnShape = { vocab: 2000, dim: 100, maxLen: 64, widths: [3, 4, 5], channels: 100, classes: 2, population: 10 };

describe.skipIf(process.env.SNNC_BENCH !== '1')('wasm throughput', () => {
  it('measures ns per synaptic op on a TextCNN-sized model', async () => {
    const g = textCnn(BIG, { timesteps: 8, threshold: 400 });
    const sentences = randomSentences(64, BIG.vocab, 40, 9).map((s) => s.slice(0, 20 + (s.length % 20)));
    const ref = simulate(g, { tokens: sentences[0] }, 'integer');
    for (const simd of [true, false]) {
      const e0 = performance.now();
      const { wasm } = emitWasm(g, metaFor(g), { simd });
      const e1 = performance.now();
      const m = await loadArtifact(wasm);
      const e2 = performance.now();
      expect(m.infer({ tokens: sentences[0] })).toEqual(ref);
      const e3 = performance.now();
      console.log(`${simd ? 'SIMD  ' : 'scalar'}: emit ${(e1 - e0).toFixed(0)} ms, ${wasm.length} bytes; load ${(e2 - e1).toFixed(1)} ms; first inference ${(e3 - e2).toFixed(1)} ms`);
      // warm up: let V8 tier the step functions up to TurboFan
      const t0 = performance.now();
      while (performance.now() - t0 < 1500) for (const s of sentences) m.infer({ tokens: s });
      let sops = 0;
      let ms = 0;
      for (let rep = 0; rep < 5; rep++) {
        const a = performance.now();
        let k = 0;
        for (const s of sentences) k += m.infer({ tokens: s }).ops.sops;
        const b = performance.now();
        sops += k;
        ms += b - a;
      }
      const nsPerSop = (ms * 1e6) / sops;
      console.log(`${simd ? 'SIMD  ' : 'scalar'}: ${(sops / 5 / sentences.length / 1e6).toFixed(2)} M sops/inference, ${(ms / 5 / sentences.length).toFixed(3)} ms/inference, ${nsPerSop.toFixed(3)} ns/sop`);
    }
  }, 120_000);
});

// A bisnn-sized model (the trainer's defaults: 3 bi-directional layers of 64 neurons per
// direction, maxLen 64, 100-d binary embeddings), T = 1 and 3: the scan is the inner loop.
describe.skipIf(process.env.SNNC_BENCH !== '1')('wasm throughput, bisnn', () => {
  it('measures ns per synaptic op on a bisnn-sized model, against the reference', async () => {
    for (const T of [1, 3]) {
      const m = tinyBisnn({ vocab: 2000, dim: 100, hidden: 64, layers: 3, maxLen: 64, timesteps: T, threshold: 1, seed: 3 });
      // zero-mean weights of scale 5/sqrt(fan-in): 15-20% of the scan neurons fire per position
      const r = rng(5);
      for (const n of m.graph.nodes) {
        if (n.kind !== 'dense' || n.to === 'out') continue;
        const d = n.weight.data as Float32Array;
        for (let i = 0; i < d.length; i++) d[i] = ((r() - 0.5) * 5) / Math.sqrt(n.inFeatures);
      }
      const g = runPipeline(m.graph).graph;
      const sentences = randomSentences(64, 2000, 40, 9).map((s) => s.slice(0, 20 + (s.length % 20)));
      for (const s of sentences.slice(0, 8)) simulate(g, { tokens: s }, 'integer');
      const r0 = performance.now();
      let refSops = 0;
      for (const s of sentences) refSops += simulate(g, { tokens: s }, 'integer').ops.sops;
      const refMs = performance.now() - r0;
      const ref = simulate(g, { tokens: sentences[0] }, 'integer');
      const rates = ref.layerSpikes.map((s, i) => (ref.layerUpdates[i] ? s / ref.layerUpdates[i] : 0).toFixed(2)).join(' ');
      console.log(`bisnn T=${T}: ${(refSops / sentences.length / 1e6).toFixed(3)} M sops/inference; spike rates per update ${rates}; reference ${(refMs / sentences.length).toFixed(2)} ms/inference, ${((refMs * 1e6) / refSops).toFixed(2)} ns/sop (one pass after 8 warm-up inferences)`);
      for (const simd of [true, false]) {
        const { wasm } = emitWasm(g, metaFor(g), { simd });
        const wm = await loadArtifact(wasm);
        expect(wm.infer({ tokens: sentences[0] })).toEqual(ref);
        const t0 = performance.now();
        while (performance.now() - t0 < 1500) for (const s of sentences) wm.infer({ tokens: s });
        let sops = 0;
        let ms = 0;
        let best = Infinity;
        for (let rep = 0; rep < 5; rep++) {
          const a = performance.now();
          let k = 0;
          for (const s of sentences) k += wm.infer({ tokens: s }).ops.sops;
          const b = performance.now() - a;
          sops += k;
          ms += b;
          best = Math.min(best, (b * 1e6) / k);
        }
        console.log(`bisnn T=${T} ${simd ? 'SIMD  ' : 'scalar'}: ${((ms / 5 / sentences.length) * 1000).toFixed(1)} µs/inference, ${((ms * 1e6) / sops).toFixed(3)} ns/sop (best of 5 batches: ${best.toFixed(3)})`);
      }
    }
  }, 300_000);
});
