// The 'mlp' family on real SST-2 sentences: it learns, its compiled integer SNN agrees with the
// float SNN, the wasm artifact equals the reference simulator bit for bit for every encoder, and
// the sentence vector computed from a saved model (`snnc embed`) is the one trained on.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../compiler/train/backend.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { encoderView, trainMlpModel, withEncoder, type MlpTrained } from '../../compiler/train/mlp.js';
import { sentenceVector } from '../../compiler/train/sentence-vector.js';
import { accuracyOf, agreement, predictFloatReference } from '../../compiler/train/evaluate.js';
import { evaluateInteger } from '../../compiler/api/evaluate-integer.js';
import type { PreparedData } from '../../compiler/train/trainer.js';
import { readModelFile, writeModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { simulate } from '../../runtime/reference.js';
import { embed, evaluate, run } from '../../compiler/api.js';
import { loadDataset } from '../../compiler/data/index.js';

let data: PreparedData;
let trained: MlpTrained;

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 2000, dev: 300, test: 300 } });
  trained = await trainMlpModel(data, { epochs: 15, timesteps: 50, quiet: true });
}, 600_000);

describe('mlp family', () => {
  it('learns: ANN and float SNN well above chance on held-out sentences', () => {
    const labels = data.test.map((x) => x.label);
    const f = predictFloatReference(
      trained.model,
      trained.vectors.test.map((v) => ({ vector: encoderView(v, 'rate', 4) })),
    );
    const snn = accuracyOf(f, labels);
    console.log(`mlp on 2000 SST-2 sentences: ANN dev ${trained.ann.bestDev.toFixed(3)} test ${trained.annTest.toFixed(3)}, float SNN (rate, T=50) test ${snn.toFixed(3)}`);
    expect(trained.ann.bestDev).toBeGreaterThan(0.62);
    expect(snn).toBeGreaterThan(0.6);
    const kinds = trained.model.graph.nodes.map((n) => n.kind);
    expect(kinds).toEqual(['vector', 'encoder', 'dense', 'lif', 'dense', 'lif', 'dense', 'lif', 'readout']);
  });

  it('the compiled integer SNN agrees with the float SNN (>= 93% of labels, rate encoder, T=50)', async () => {
    // the float SNN gets the encoder's view of x (4-bit levels), as the integer network does
    const inputs = trained.vectors.test.map((v) => ({ vector: encoderView(v, 'rate', 4) }));
    const f = predictFloatReference(trained.model, inputs);
    const ie = await evaluateInteger(trained.model, inputs, { bitexact: 0 });
    const a = agreement(ie.labels, f);
    console.log(`mlp float vs integer agreement ${a.toFixed(3)} on ${inputs.length} sentences; ${Math.round(ie.ops.sops)} synaptic ops, energy ratio ${ie.energyRatio.toFixed(3)}`);
    expect(a).toBeGreaterThanOrEqual(0.93);
  });

  it('wasm == reference simulator bit for bit on real sentences, for every encoder', async () => {
    const inputs = trained.vectors.test.slice(0, 25).map((v) => ({ vector: v }));
    for (const scheme of ['rate', 'poisson', 'binary'] as const) {
      const g = withEncoder(trained.model.graph, scheme, 4, 20);
      const pipe = runPipeline(g);
      const host = await loadArtifact(emitWasm(pipe.graph, { name: 't', classes: data.classes, family: 'mlp', float32Bytes: 1 }).wasm);
      for (const x of inputs) {
        const w = host.infer(x);
        const r = simulate(pipe.graph, x, 'integer');
        expect(w.label).toBe(r.label);
        expect(w.scores).toEqual(r.scores);
        expect(w.ops).toEqual(r.ops);
        expect(w.layerSpikes).toEqual(r.layerSpikes);
      }
    }
  });

  it('a saved model computes the trained sentence vector on the host (snnc embed)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snnc-mlp-'));
    const file = path.join(dir, 'mlp.snn');
    writeModelFile(file, trained.model, { f16Above: 65536 });
    const back = readModelFile(file);
    const raw = loadDataset('sst2').test.slice(0, 20);
    raw.forEach((ex, i) => {
      expect(Array.from(sentenceVector(back, ex.text))).toEqual(Array.from(trained.vectors.test[i]));
    });
    const pipe = runPipeline(back.graph);
    const wasmPath = path.join(dir, 'mlp.wasm');
    fs.writeFileSync(wasmPath, emitWasm(pipe.graph, { name: 'mlp', classes: back.meta.classes, family: 'mlp', float32Bytes: 1 }).wasm);
    const out = await embed(file, [raw[0].text], { artifact: wasmPath });
    expect(out.vector.length).toBe(100);
    expect(out.label).toBe(simulate(pipe.graph, { vector: out.vector }, 'integer').label);

    // snnc run / eval take text for an mlp artifact when given the model (--model)
    const r = await run(wasmPath, [raw[0].text], { model: file });
    expect(r.label).toBe(out.label);
    expect(r.scores).toEqual(simulate(pipe.graph, { vector: out.vector }, 'integer').scores);
    await expect(run(wasmPath, [raw[0].text])).rejects.toThrow(/takes a sentence vector.*--model/);
    const ev = await evaluate(wasmPath, { model: file, data: 'sst2:test', limit: 60 });
    expect(ev.sentences).toBe(60);
    const want = loadDataset('sst2').test.slice(0, 60);
    let ok = 0;
    for (const ex of want) if (simulate(pipe.graph, { vector: Array.from(sentenceVector(back, ex.text)) }, 'integer').label === ex.label) ok++;
    expect(ev.accuracy.int).toBeCloseTo(ok / 60, 10);
    expect(ev.accuracy.snnFloat).toBeGreaterThan(0.5);
    expect(ev.accuracy.ann).toBeUndefined();
  });
});
