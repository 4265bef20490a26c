// Throughput of the emitted wasm on a TextCNN-sized model (ns per synaptic op), SIMD vs
// scalar. Skipped unless SNNC_BENCH=1: timing is machine-dependent and slow to warm up.
// Run: SNNC_BENCH=1 npx vitest run test/wasm/perf.test.ts

import { describe, expect, it } from 'vitest';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate } from '../../runtime/reference.js';
import { metaFor, randomSentences, textCnn, type TextCnnShape } from './graphs.js';

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
