// The cheap-model levers of the spiking TextCNN trainer (docs/training.md "Cheap models for
// SST-2"), on real SST-2 subsets: the straight-through level rounding equals pack's rounding;
// the initial density shift and the density penalty set and lower the share of nonzero input
// levels; the first-layer op count matches the reference simulator; the fan-out-weighted rate
// penalty has the analytic gradient and lowers firing; checkpoints keep the new options; the
// saved graph's table is exactly what the ANN trained on; bad CLI combinations are refused.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../compiler/train/backend.js';
import { DEFAULT_CONVERT, viewTextCnn } from '../../compiler/train/convert.js';
import { directInitGraph, fanoutRate, finetuneTextCnn, type FinetuneOptions } from '../../compiler/train/finetune.js';
import { firstLayerOps, inputDensity, shiftToDensity } from '../../compiler/train/input-cost.js';
import { predictAnnFromModel, trainFromCli, trainTextCnn } from '../../compiler/train/index.js';
import { roundToLevelsSte } from '../../compiler/train/ops.js';
import { pruneMagnitude } from '../../compiler/train/prune.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { Prng } from '../../compiler/train/prng.js';
import { fastSigmoidGrad, spikeFn } from '../../compiler/train/surrogate.js';
import { accuracy, predictAnn, trainAnn, type AnnOptions, type PreparedData } from '../../compiler/train/trainer.js';
import { disposeParams, makeParams } from '../../compiler/train/textcnn.js';
import { toLevel } from '../../core/levels.js';
import { simulate } from '../../runtime/reference.js';
import type { Graph } from '../../compiler/ir/types.js';

let data: PreparedData;

const ann: AnnOptions = {
  epochs: 1,
  batch: 50,
  lr: 1e-3,
  seed: 3,
  dropout: 0.5,
  widths: [3, 4, 5],
  maps: 20,
  population: 10,
  maxLen: 64,
  trainEmbeddings: true,
  l2: 0,
  maxNorm: 0,
  logitScale: 1,
  initGain: 1,
  inputBits: 1,
  resume: false,
  quiet: true,
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'snnc-cheap-'));
}

function small(n: number, dev: number): PreparedData {
  return { ...data, train: data.train.slice(0, n), dev: data.dev.slice(0, dev) };
}

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 1000, dev: 200, test: 60 } });
}, 600_000);

describe('straight-through level rounding', () => {
  it('rounds exactly as pack does (ties up, clamped) and passes the gradient straight through', () => {
    for (const bits of [1, 2, 4]) {
      const top = (1 << bits) - 1;
      // 0.5 is the binary tie (round-half-to-even would give 0, pack gives 1); (k + 0.5) / top is
      // not exact in float32 for top > 1, so only exact ties are asked for
      const xs: number[] = [-0.3, 0, 0.5, 1, 1.4];
      const r = new Prng(bits);
      for (let i = 0; i < 40; i++) xs.push(r.next());
      const got = roundToLevelsSte(tf.tensor1d(xs), top).dataSync();
      xs.forEach((x, i) => expect(Math.round(got[i] * top)).toBe(toLevel(Math.fround(x), bits)));
      const w = xs.map((_, i) => i + 1);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(roundToLevelsSte(a, top), tf.tensor1d(w))))(tf.tensor1d(xs));
      expect(Array.from(g.dataSync())).toEqual(w);
    }
  });
});

describe('input density', () => {
  it('shiftToDensity starts the table at the requested share of nonzero levels; <pad> stays zero', () => {
    const rows = data.train.map((x) => x.ids);
    for (const [bits, want] of [
      [1, 0.3],
      [1, 0.15],
      [2, 0.25],
    ]) {
      const t = shiftToDensity(data.table, data.dim, rows, 64, bits, want);
      const got = inputDensity(t, data.dim, rows, 64, bits);
      expect(Math.abs(got - want)).toBeLessThan(0.01);
      for (let d = 0; d < data.dim; d++) expect(t[d]).toBe(0);
      expect(t.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    // the unshifted GloVe table is about half ones in binary
    const d0 = inputDensity(data.table, data.dim, rows, 64, 1);
    expect(d0).toBeGreaterThan(0.35);
    expect(d0).toBeLessThan(0.65);
  });

  it('the density penalty lowers the share of ones the binary ANN sees', async () => {
    const d = small(400, 50);
    // Adam moves a table entry by about lr per step and a value must cross 0.5 to flip: a large
    // lr lets 16 steps show it
    const off = await trainAnn(d, { ...ann, epochs: 2, lr: 1e-2 });
    const on = await trainAnn(d, { ...ann, epochs: 2, lr: 1e-2, densityPenalty: 2 });
    const dOff = off.history[1].inputDensity!;
    const dOn = on.history[1].inputDensity!;
    console.log(`input density after 2 epochs on 400 sentences: penalty 0 -> ${dOff.toFixed(3)}, penalty 2 -> ${dOn.toFixed(3)}`);
    expect(dOn).toBeLessThan(dOff - 0.05);
    // and what the history says is what the exported table gives
    const rows = d.train.map((x) => x.ids);
    expect(inputDensity(on.last.embedding, d.dim, rows, 64, 1)).toBeLessThan(inputDensity(off.last.embedding, d.dim, rows, 64, 1) - 0.05);
  }, 600_000);

  it('options that need the rounded input or a trained table are refused', async () => {
    await expect(trainAnn(small(50, 10), { ...ann, inputBits: undefined, densityPenalty: 1 })).rejects.toMatchObject({ code: 'SNN_E_USAGE' });
    await expect(trainAnn(small(50, 10), { ...ann, trainEmbeddings: false, densityPenalty: 1 })).rejects.toMatchObject({ code: 'SNN_E_USAGE' });
  });
});

describe('first-layer op counts', () => {
  it('match a hand count, binary and 4-bit rate', () => {
    // n = 3, dim 2, binary, T = 4, one width-3 conv of 4 maps; ones at (0, 0), (2, 0), (2, 1)
    const a = firstLayerOps([1, 0, 0, 0, 1, 1], 3, 2, 1, 4, [{ width: 3, maps: 4 }]);
    // each one reaches 2 targets (the sentence edge cuts the third tap): forming 3 * 2 * 4
    expect(a.forming).toBe(24);
    expect(a.perSpike).toBe(4 * 24);
    // every target sees the one level at every step: 3 targets * 4 steps * 4 maps
    expect(a.perStep).toBe(48);
    expect(a.grouped).toBe(72);
    expect(a.nonzero).toBe(3);
    // 4-bit rate, n = 1, levels 15 (fires every step), 1 (fires once in 8 steps: 7 + 8 = 15), 0
    const b = firstLayerOps([15, 1, 0], 1, 3, 4, 8, [{ width: 1, maps: 2 }]);
    expect(b.perSpike).toBe((8 + 1) * 2);
    expect(b.forming).toBe(2 * 2);
    expect(b.perStep).toBe((8 + 1) * 2);
  });

  it('the per-spike count is the reference simulator count of the first layer', () => {
    for (const [scheme, bits] of [
      ['binary', 1],
      ['rate', 4],
    ] as const) {
      const shape = { vocab: data.vocab.length, dim: data.dim, widths: [3, 4, 5], maps: 6, classes: 2, population: 10 };
      const g = directInitGraph(shape, data.table, 1, { ...DEFAULT_CONVERT, timesteps: 5, encoder: scheme, bits }, new Prng(9));
      const v = viewTextCnn(g);
      const K = v.output.channels;
      for (const ex of data.dev.slice(0, 5)) {
        const ids = Array.from(ex.ids);
        const r = simulate(g, { tokens: ids }, 'float');
        // float mode adds whole rows: first layer = total - one pooled row of K per conv spike
        const convSpikes = r.layerSpikes.slice(0, v.branches.length).reduce((x, y) => x + y, 0);
        const lv = ids.flatMap((id) => Array.from(v.table.data.subarray(id * data.dim, (id + 1) * data.dim), (x) => toLevel(x, bits)));
        const est = firstLayerOps(
          lv,
          ids.length,
          data.dim,
          bits,
          5,
          v.branches.map((b) => ({ width: b.conv.width, maps: b.conv.outChannels })),
        );
        expect(est.perSpike).toBe(r.ops.sops - convSpikes * K);
        expect(est.grouped).toBeLessThanOrEqual(est.perSpike + est.perStep);
      }
    }
  });
});

describe('firing-rate penalty', () => {
  it('fanoutRate through spikeFn has the analytic gradient: lambda F_l / sum(F N) * surrogate', () => {
    const v1 = Float32Array.from([-0.5, 0.3, 0.9, 1.0, 1.7, 2.5]);
    const v2 = Float32Array.from([0.1, 1.2, 3.1, 4.4]);
    const [th1, th2, slope, lam] = [1, 3, 5, 0.7];
    const F = [20, 7];
    const N = [6, 4];
    const den = F[0] * N[0] + F[1] * N[1];
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
      tf.mul(
        fanoutRate(
          [tf.sum(spikeFn(a, th1, slope)) as tf.Scalar, tf.sum(spikeFn(b, th2, slope)) as tf.Scalar],
          F,
          N,
        ),
        lam,
      ) as tf.Scalar;
    const val = f(tf.tensor1d(v1), tf.tensor1d(v2)).dataSync()[0];
    const s1 = Array.from(v1).filter((x) => x >= th1).length;
    const s2 = Array.from(v2).filter((x) => x >= th2).length;
    expect(val).toBeCloseTo((lam * (F[0] * s1 + F[1] * s2)) / den, 6);
    const [g1, g2] = tf.grads(f)([tf.tensor1d(v1), tf.tensor1d(v2)]);
    const a1 = g1.dataSync();
    const a2 = g2.dataSync();
    v1.forEach((x, i) => expect(a1[i]).toBeCloseTo(((lam * F[0]) / den) * fastSigmoidGrad(x, th1, slope), 6));
    v2.forEach((x, i) => expect(a2[i]).toBeCloseTo(((lam * F[1]) / den) * fastSigmoidGrad(x, th2, slope), 6));
  });

  let init: Graph;
  const quick: Partial<FinetuneOptions> = { batch: 50, lr: 1e-3, seed: 5, quiet: true, trainTimesteps: 6 };

  beforeAll(() => {
    const shape = { vocab: data.vocab.length, dim: data.dim, widths: [3, 4, 5], maps: 30, classes: 2, population: 10 };
    init = directInitGraph(shape, data.table, 1, { ...DEFAULT_CONVERT, timesteps: 6, encoder: 'binary', bits: 1 }, new Prng(4));
  });

  it('lowers the hidden firing rate in fine-tuning', async () => {
    const d = small(300, 40);
    const off = await finetuneTextCnn(init, d, { ...quick, epochs: 2 });
    const on = await finetuneTextCnn(init, d, { ...quick, epochs: 2, ratePenalty: 5 });
    const rOff = off.history[1].firingRate!;
    const rOn = on.history[1].firingRate!;
    console.log(`hidden firing rate, 2nd epoch on 300 sentences: penalty 0 -> ${rOff.toFixed(4)}, penalty 5 -> ${rOn.toFixed(4)}`);
    expect(rOn).toBeLessThan(0.8 * rOff);
  }, 600_000);

  it('a resumed fine-tuning with the penalty equals an uninterrupted one; another penalty is refused', async () => {
    const d = small(120, 30);
    const a = tmp();
    const b = tmp();
    const o = { ...quick, ratePenalty: 0.5 };
    const full = await finetuneTextCnn(init, d, { ...o, epochs: 2, checkpointDir: a });
    await finetuneTextCnn(init, d, { ...o, epochs: 1, checkpointDir: b });
    const resumed = await finetuneTextCnn(init, d, { ...o, epochs: 2, checkpointDir: b, resume: true });
    expect(resumed.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
    expect(resumed.history.map((h) => h.firingRate)).toEqual(full.history.map((h) => h.firingRate));
    const w = (g: Graph) => g.nodes.flatMap((n) => (n.kind === 'conv1d' || n.kind === 'dense' ? [n.weight.data] : []));
    w(resumed.last).forEach((x, i) => expect(x).toEqual(w(full.last)[i]));
    await expect(finetuneTextCnn(init, d, { ...o, ratePenalty: 0.6, epochs: 3, checkpointDir: b, resume: true })).rejects.toMatchObject({ code: 'SNN_E_CHECKPOINT' });
    await expect(finetuneTextCnn(init, d, { ...quick, epochs: 3, checkpointDir: b, resume: true })).rejects.toMatchObject({ code: 'SNN_E_CHECKPOINT' });
  }, 600_000);
});

describe('conv pruning', () => {
  it('pruneMagnitude keeps the largest-magnitude share and zeroes the rest', () => {
    const r = new Prng(11);
    const w = Float32Array.from({ length: 1000 }, () => r.uniform(-1, 1));
    const p = pruneMagnitude(w, 0.2);
    const kept = p.filter((x) => x !== 0);
    expect(kept.length).toBe(200);
    const minKept = Math.min(...Array.from(kept, Math.abs));
    w.forEach((x, i) => {
      if (p[i] !== 0) expect(p[i]).toBe(x);
      else expect(Math.abs(x)).toBeLessThanOrEqual(minKept);
    });
    expect(pruneMagnitude(w, 1)).toEqual(w);
    expect(() => pruneMagnitude(w, 0)).toThrow();
  });

  it('fine-tuning with keepZeros leaves pruned weights at zero and compiles to sparse conv tables', async () => {
    const shape = { vocab: data.vocab.length, dim: data.dim, widths: [3, 4, 5], maps: 30, classes: 2, population: 10 };
    const g0 = directInitGraph(shape, data.table, 1, { ...DEFAULT_CONVERT, timesteps: 4, encoder: 'binary', bits: 1 }, new Prng(6));
    const pruned: Graph = { ...g0, nodes: g0.nodes.map((n) => (n.kind === 'conv1d' ? { ...n, weight: { dtype: 'f32' as const, shape: [...n.weight.shape], data: pruneMagnitude(n.weight.data as Float32Array, 0.2) } } : n)) };
    const r = await finetuneTextCnn(pruned, small(150, 30), { batch: 50, lr: 1e-2, seed: 5, quiet: true, epochs: 1, keepZeros: true });
    const convs = (g: Graph) => g.nodes.filter((n) => n.kind === 'conv1d').map((n) => n.weight.data);
    convs(r.last).forEach((w, i) => {
      const before = convs(pruned)[i];
      let moved = 0;
      w.forEach((x, k) => {
        if (before[k] === 0) expect(x === 0).toBe(true);
        else if (x !== before[k]) moved++;
      });
      expect(moved).toBeGreaterThan(0);
    });
    for (const n of runPipeline(r.last).graph.nodes) if (n.kind === 'conv1d') expect(n.table?.layout).toBe('sparse');
  }, 600_000);
});

describe('retraining a pruned ANN', () => {
  it('keeps the pruned weights at zero, never returns worse-on-dev weights than it started from, and resumes bit for bit', async () => {
    const d = small(150, 40);
    const first = await trainAnn(d, { ...ann, epochs: 1 });
    const pruned = { ...first.weights, conv: first.weights.conv.map((c) => pruneMagnitude(c, 0.2)) };
    const o = { ...ann, lr: 3e-3, initWeights: pruned, keepZeros: true };
    const a = tmp();
    const b = tmp();
    const full = await trainAnn(d, { ...o, epochs: 2, checkpointDir: a });
    full.last.conv.forEach((c, i) =>
      c.forEach((x, k) => {
        if (pruned.conv[i][k] === 0) expect(x === 0).toBe(true);
      }),
    );
    expect(full.last.conv.some((c, i) => c.some((x, k) => x !== pruned.conv[i][k]))).toBe(true);
    // epoch 0 (the given weights) is a candidate: the kept weights are never worse on dev
    const p0 = makeParams(first.shape, pruned, false);
    const dev0 = accuracy(predictAnn(p0, d.dev, 64), d.dev);
    disposeParams(p0);
    expect(full.bestDev).toBeGreaterThanOrEqual(dev0);
    if (full.bestEpoch === 0) expect(full.weights.conv).toEqual(pruned.conv);
    await trainAnn(d, { ...o, epochs: 1, checkpointDir: b });
    const resumed = await trainAnn(d, { ...o, epochs: 2, checkpointDir: b, resume: true });
    resumed.last.conv.forEach((c, i) => expect(c).toEqual(full.last.conv[i]));
    expect(resumed.bestDev).toBe(full.bestDev);
    // other start weights: refused
    await expect(trainAnn(d, { ...o, initWeights: first.weights, epochs: 3, checkpointDir: b, resume: true })).rejects.toMatchObject({ code: 'SNN_E_CHECKPOINT' });
  }, 600_000);
});

describe('checkpoints and the saved model', () => {
  it('a resumed binary ANN run with density options equals an uninterrupted one; other density options are refused', async () => {
    const d = small(150, 40);
    const a = tmp();
    const b = tmp();
    const o = { ...ann, densityPenalty: 0.5, inputDensity: 0.3 };
    const full = await trainAnn(d, { ...o, epochs: 2, checkpointDir: a });
    await trainAnn(d, { ...o, epochs: 1, checkpointDir: b });
    const resumed = await trainAnn(d, { ...o, epochs: 2, checkpointDir: b, resume: true });
    expect(resumed.history).toEqual(full.history.map((h, i) => ({ ...h, seconds: resumed.history[i].seconds })));
    expect(resumed.last.embedding).toEqual(full.last.embedding);
    expect(resumed.weights.embedding).toEqual(full.weights.embedding);
    resumed.last.conv.forEach((c, i) => expect(c).toEqual(full.last.conv[i]));
    for (const other of [{ densityPenalty: 0.4 }, { inputDensity: 0.25 }, { inputBits: 2 }])
      await expect(trainAnn(d, { ...o, ...other, epochs: 3, checkpointDir: b, resume: true })).rejects.toMatchObject({ code: 'SNN_E_CHECKPOINT' });
  }, 600_000);

  it('the saved graph holds exactly the binary inputs the ANN trained on', async () => {
    const d = small(300, 60);
    const { model, metrics } = await trainTextCnn({ data: d, encoder: 'binary', bits: 1, quantizeAnnInput: true, inputDensity: 0.3, densityPenalty: 0.5, epochs: 1, maps: 20, timesteps: 4, skipSnnEval: true, quiet: true });
    const v = viewTextCnn(model.graph);
    for (const x of v.table.data) expect(x === 0 || x === 1).toBe(true);
    // the ANN rebuilt from the graph (what `snnc eval` reports) is the trained ANN
    const pred = await predictAnnFromModel(
      model,
      d.test.map((x) => x.ids),
    );
    expect(accuracy(pred, d.test)).toBe(metrics.annTest);
    expect(metrics.inputDensity!.bits).toBe(1);
    expect(metrics.inputDensity!.train).toBeGreaterThan(0.15);
    expect(metrics.inputDensity!.train).toBeLessThan(0.4);
    expect((model.meta.training as { options: Record<string, unknown> }).options.densityPenalty).toBe(0.5);
  }, 600_000);

  it('the CLI refuses option combinations that would do nothing', async () => {
    const bad: Record<string, unknown>[] = [
      { densityPenalty: '1' },
      { inputDensity: '0.3' },
      { quantizeAnnInput: true, inputDensity: '1.5' },
      { quantizeAnnInput: true, densityPenalty: '-1' },
      { quantizeAnnInput: true, densityPenalty: '1', staticEmbeddings: true },
      { ratePenalty: '1' },
      { family: 'mlp', quantizeAnnInput: true },
      { family: 'bisnn', ratePenalty: '1' },
      { pruneConv: '0' },
      { pruneConv: '1.5' },
      { direct: true, pruneConv: '0.5' },
      { direct: true, thresholdSearch: '0.5,1' },
      { thresholdSearch: '0.5,-1' },
      { pruneEpochs: '2' },
      { pruneConv: '0.2', pruneEpochs: '-1' },
    ];
    for (const c of bad) await expect(trainFromCli({ json: true, ...c })).rejects.toMatchObject({ code: 'SNN_E_USAGE' });
  });
});
