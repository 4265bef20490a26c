// Surrogate-gradient training of the spiking TextCNN on real SST-2 subsets: the spike function's
// gradient is the fast-sigmoid derivative, BPTT learns from a random init (direct SNN), a
// resumed fine-tuning equals an uninterrupted one, and TF.js memory stays flat across epochs.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../compiler/train/backend.js';
import { DEFAULT_CONVERT } from '../../compiler/train/convert.js';
import { directInitGraph, finetuneTextCnn, snnAccuracy, type FinetuneOptions } from '../../compiler/train/finetune.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { Prng } from '../../compiler/train/prng.js';
import { fastSigmoidGrad, spikeFn } from '../../compiler/train/surrogate.js';
import type { PreparedData } from '../../compiler/train/trainer.js';
import type { Graph } from '../../compiler/ir/types.js';
import { validateGraph } from '../../compiler/ir/validate.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';

let data: PreparedData;
let init: Graph;

const quick: Partial<FinetuneOptions> = { batch: 50, lr: 1e-3, seed: 5, quiet: true, trainTimesteps: 8 };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'snnc-ft-'));
}

function small(n: number, dev: number): PreparedData {
  return { ...data, train: data.train.slice(0, n), dev: data.dev.slice(0, dev) };
}

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 1200, dev: 300, test: 0 } });
  const shape = { vocab: data.vocab.length, dim: data.dim, widths: [3, 4, 5], maps: 40, classes: 2, population: 10 };
  init = directInitGraph(shape, data.table, 1, { ...DEFAULT_CONVERT, timesteps: 8 }, new Prng(3));
}, 600_000);

describe('surrogate gradient', () => {
  it('tf.grad of the spike function is the analytic fast-sigmoid derivative', () => {
    for (const [theta, slope] of [
      [1, 5],
      [0.37, 2],
      [4.5, 25],
    ]) {
      const v = Float32Array.from([-2, -0.5, 0, 0.2, 0.9, 0.999, 1, 1.5, 3, 10].map((x) => x * theta));
      const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(spikeFn(x, theta, slope), 1)))(tf.tensor1d(v)).dataSync());
      const s = tf.tidy(() => spikeFn(tf.tensor1d(v), theta, slope).dataSync());
      v.forEach((x, i) => {
        expect(g[i]).toBeCloseTo(fastSigmoidGrad(x, theta, slope), 5);
        expect(s[i]).toBe(x >= theta ? 1 : 0);
      });
    }
    // a tensor threshold (the output population's theta * n per sentence) broadcasts the same way
    const th = tf.tensor2d([2, 3], [2, 1]);
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(spikeFn(x, th, 5)))(tf.tensor2d([1, 2, 3, 4], [2, 2])).arraySync() as number[][]);
    expect(g[0][0]).toBeCloseTo(fastSigmoidGrad(1, 2, 5), 5);
    expect(g[1][1]).toBeCloseTo(fastSigmoidGrad(4, 3, 5), 5);
    th.dispose();
  });
});

describe('BPTT training of the spiking TextCNN', () => {
  it('learns from a random init (direct SNN): held-out accuracy clearly above chance', async () => {
    const d = small(1200, 300);
    const before = snnAccuracy(init, d.dev);
    const r = await finetuneTextCnn(init, d, { ...quick, epochs: 3 });
    console.log(`direct SNN, 1200 SST-2 sentences: dev ${before.toFixed(3)} -> ${r.history.map((h) => h.devAcc.toFixed(3)).join(' ')} (${r.secondsPerEpoch.toFixed(1)} s/epoch)`);
    expect(r.bestDev).toBeGreaterThan(0.6);
    // the result is still a valid float graph the passes compile: positive thresholds, no biases
    validateGraph(r.graph);
    for (const n of r.graph.nodes) if (n.kind === 'lif') expect(n.threshold).toBeGreaterThan(0);
    expect(runPipeline(r.graph).graph.stage).toBe('integer');
  });

  it('a resumed fine-tuning ends with exactly the weights of an uninterrupted one', async () => {
    const d = small(150, 60);
    const a = tmp();
    const b = tmp();
    const full = await finetuneTextCnn(init, d, { ...quick, epochs: 2, checkpointDir: a });
    await finetuneTextCnn(init, d, { ...quick, epochs: 1, checkpointDir: b });
    const resumed = await finetuneTextCnn(init, d, { ...quick, epochs: 2, checkpointDir: b, resume: true });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
    expect(resumed.bestDev).toBe(full.bestDev);
    expect(resumed.initialDev).toBe(full.initialDev);
    const w = (g: Graph) => g.nodes.flatMap((n) => (n.kind === 'conv1d' || n.kind === 'dense' ? [n.weight.data] : []));
    w(resumed.last).forEach((x, i) => expect(x).toEqual(w(full.last)[i]));
    w(resumed.graph).forEach((x, i) => expect(x).toEqual(w(full.graph)[i]));
    // other options than the checkpoint's: refused
    await expect(finetuneTextCnn(init, d, { ...quick, epochs: 3, slope: 9, checkpointDir: b, resume: true })).rejects.toMatchObject({ code: 'SNN_E_CHECKPOINT' });
  });

  it('keeps the number of live tensors flat across epochs', async () => {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await finetuneTextCnn(init, small(100, 40), {
      ...quick,
      epochs: 3,
      onProgress: (ev) => {
        if (ev.kind === 'epoch') counts.push(tf.memory().numTensors);
      },
    });
    expect(counts.length).toBe(3);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
