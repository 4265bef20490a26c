// The core differential test: the shipped SST-2 spiking TextCNN, compiled to WebAssembly
// (SIMD and scalar), against the reference integer simulator on 500 real test sentences:
// labels, spike counts per class and layer, and every op counter must be identical. Both
// schedules of the first layer (event-driven and level-grouped, docs/semantics.md), which
// must also agree with each other on everything but sops and bytesRead.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { compileModel, float32Bytes, PACKAGE_ROOT } from '../../compiler/api.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadSplit } from '../../compiler/data/index.js';
import { Vocab, textToIds } from '../../runtime/tokenizer.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate } from '../../runtime/reference.js';

const MODEL = join(PACKAGE_ROOT, 'examples', 'sst2', 'model.snn');
const N = 500;

describe('SST-2: wasm == reference, bit for bit', () => {
  const model = readModelFile(MODEL);
  const vocab = new Vocab(model.vocab!);
  const split = loadSplit('sst2:test', { classes: model.meta.classes });
  const labelsBy = new Map<string, number[]>();

  it.each(['event', 'grouped'] as const)(`on ${N} real test sentences, SIMD and scalar builds, %s schedule`, async (schedule) => {
    const { pipe } = await compileModel(model, { schedule });
    const conv = pipe.graph.nodes.filter((n) => n.kind === 'conv1d');
    expect(conv.every((n) => n.kind === 'conv1d' && n.schedule === (schedule === 'grouped' ? 'grouped' : undefined))).toBe(true);
    const meta = { name: model.meta.name, classes: model.meta.classes, family: model.meta.family, tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: float32Bytes(model.graph) };
    const simd = await loadArtifact(emitWasm(pipe.graph, meta, { simd: true }).wasm);
    const scalar = await loadArtifact(emitWasm(pipe.graph, meta, { simd: false }).wasm);
    const maxLen = simd.meta.input.kind === 'tokens' ? simd.meta.input.maxLen : 0;
    const sentences = split.examples.slice(0, N);
    let correct = 0;
    let mismatches = 0;
    let spikes = 0;
    const seen: number[] = [];
    for (const [i, ex] of sentences.entries()) {
      const ids = textToIds(ex.text, vocab, maxLen);
      const ref = simulate(pipe.graph, { tokens: ids }, 'integer');
      const a = simd.infer({ tokens: ids });
      const same = (x: typeof a) =>
        x.label === ref.label &&
        JSON.stringify(x.scores) === JSON.stringify(ref.scores) &&
        JSON.stringify(x.ops) === JSON.stringify(ref.ops) &&
        JSON.stringify(x.layerSpikes) === JSON.stringify(ref.layerSpikes) &&
        JSON.stringify(x.layerUpdates) === JSON.stringify(ref.layerUpdates);
      if (!same(a)) {
        mismatches++;
        if (mismatches <= 3) expect({ i, text: ex.text, ...a }).toEqual({ i, text: ex.text, ...ref });
      }
      // the scalar build on every fifth sentence (it is the slow path, and the same semantics)
      if (i % 5 === 0 && !same(scalar.infer({ tokens: ids }))) mismatches++;
      if (ref.label === ex.label) correct++;
      spikes += ref.ops.spikes;
      seen.push(ref.label, ...ref.scores, ...ref.layerSpikes, ref.ops.spikes, ref.ops.updates, ref.ops.inputSpikes);
    }
    labelsBy.set(schedule, seen);
    // the two schedules: same labels, scores, spikes, updates and input spikes on every sentence
    if (labelsBy.size === 2) expect(labelsBy.get('grouped')).toEqual(labelsBy.get('event'));
    expect(mismatches).toBe(0);
    expect(spikes).toBeGreaterThan(0);
    // a real model, not a constant classifier: clearly above the 50% of chance
    expect(correct / sentences.length).toBeGreaterThan(0.7);
  }, 600_000);
});
