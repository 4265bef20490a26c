// The bi-SNN family (bi-directional recurrent spiking encoder, compiler/train/bisnn.ts) on real
// SST-2 subsets: every surrogate's gradient is its written definition, the network learns, the
// saved graph (tiny-bisnn shape, 1-bit table) gives the TF.js model's labels in the reference
// simulator and survives integer lowering, TF.js memory stays flat, a resumed run equals an
// uninterrupted one, and bad options fail with SNN_E_USAGE.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../compiler/train/backend.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { bisnnFromCli, checkBisnnOptions, maxOverPositions, predictBisnnModel, scanLayer, trainBisnn, viewBisnn, type BisnnOptions, type BisnnResult, type ScanConfig } from '../../compiler/train/bisnn.js';
import { Prng } from '../../compiler/train/prng.js';
import { fastSigmoidGrad, spikeFn, spikeSurrogate, surrogateFn, surrogateGrad, SURROGATES } from '../../compiler/train/surrogate.js';
import { trainFromCli } from '../../compiler/train/index.js';
import type { PreparedData } from '../../compiler/train/trainer.js';
import { readModelFile, writeModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { validateGraph } from '../../compiler/ir/validate.js';
import { simulate } from '../../runtime/reference.js';
import { isSnncError } from '../../core/errors.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';

let data: PreparedData;
/** The "it learns" model, reused by the agreement tests. */
let learned: BisnnResult;

const quick: Partial<BisnnOptions> = { quiet: true, seed: 3, skipFloatEval: true };

function small(train: number, dev: number, test = 0): PreparedData {
  return { ...data, train: data.train.slice(0, train), dev: data.dev.slice(0, dev), test: data.test.slice(0, test) };
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

const made: string[] = [];

/** A fresh temporary folder, removed after the file's tests (a checkpoint holds ~43 MB of tables). */
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'snnc-bisnn-'));
  made.push(d);
  return d;
}

afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    return isSnncError(e) ? e.code : String(e);
  }
}

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 1500, dev: 300, test: 300 } });
}, 600_000);

describe('bi-SNN surrogate gradients', () => {
  it('tf.grad of every surrogate spike is its written definition; the forward is v >= theta', () => {
    const xs = [-3, -1.2, -0.6, -0.3, -0.1, -0.01, 0, 0.01, 0.1, 0.26, 0.45, 0.8, 1.7, 4];
    for (const kind of SURROGATES)
      for (const [theta, a] of [
        [1, 0.5],
        [1, 1],
        [0.5, 0.1],
        [3, 2.5],
      ]) {
        const v = Float32Array.from(xs.map((x) => theta + x * a));
        const [s, g] = tf.tidy(() => {
          const t = tf.tensor1d(v);
          return [spikeSurrogate(t, theta, kind, a).dataSync(), tf.grad((x: tf.Tensor) => tf.sum(spikeSurrogate(x, theta, kind, a)))(t).dataSync()];
        });
        // the host-side copy the scan op uses is the same function
        const f = surrogateFn(kind, a);
        for (const x of xs) expect(f(x * a)).toBeCloseTo(surrogateGrad(kind, x * a, a), 12);
        v.forEach((x, i) => {
          expect(s[i]).toBe(x >= theta ? 1 : 0);
          // the float32 input x - theta differs from the exact offset by ~1e-7; compare with the definition at the float32 point
          const want = surrogateGrad(kind, Math.fround(x) - theta, a);
          expect(g[i]).toBeCloseTo(want, 4);
        });
      }
  });

  it('the definitions: each integrates to 1; rectangular, triangular and sigmoid peak at 1/a, Gaussian at 1/(a sqrt(2 pi))', () => {
    for (const kind of SURROGATES)
      for (const a of [0.1, 0.5, 2]) {
        let area = 0;
        const h = a / 2000;
        for (let x = -40 * a; x < 40 * a; x += h) area += surrogateGrad(kind, x + h / 2, a) * h;
        expect(area).toBeCloseTo(1, 3);
        expect(surrogateGrad(kind, 0, a)).toBeCloseTo(kind === 'gaussian' ? 1 / (a * Math.sqrt(2 * Math.PI)) : 1 / a, 6);
      }
    // support: rectangular |x| < a/2, triangular |x| < a
    expect(surrogateGrad('rectangular', 0.26, 0.5)).toBe(0);
    expect(surrogateGrad('rectangular', 0.24, 0.5)).toBe(2);
    expect(surrogateGrad('triangular', 0.5, 0.5)).toBe(0);
    expect(surrogateGrad('triangular', 0.25, 0.5)).toBeCloseTo(1, 12);
    // the TextCNN's fast sigmoid is still there, unchanged
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(spikeFn(x, 1, 5)))(tf.tensor1d([0.5])).dataSync()[0]);
    expect(g).toBeCloseTo(fastSigmoidGrad(0.5, 1, 5), 5);
  });
});

/**
 * The scan written op by op, one sentence and direction at a time (autodiff through
 * spikeSurrogate, reset detached): what scanLayer's host loop and hand-written BPTT must equal.
 */
function scanByOps(I: tf.Tensor3D, U: tf.Tensor2D | undefined, n: number[], c: ScanConfig): tf.Tensor3D {
  const [L, B, H2] = I.shape;
  const H = H2 / 2;
  const out: tf.Tensor[][] = Array.from({ length: L }, () => Array.from({ length: B }, () => tf.zeros([H2])));
  for (let b = 0; b < B; b++)
    for (let d = 0; d < 2; d++) {
      const u = U ? tf.slice(U, [d * H, d * H], [H, H]) : undefined;
      let v: tf.Tensor = tf.zeros([1, H]);
      let prev: tf.Tensor | undefined;
      for (let k = 0; k < n[b]; k++) {
        const p = d === 0 ? k : n[b] - 1 - k;
        v = tf.add(tf.mul(v, c.beta), tf.reshape(tf.slice(I, [p, b, d * H], [1, 1, H]), [1, H]));
        if (u && prev) v = tf.add(v, tf.matMul(prev as tf.Tensor2D, u));
        const s = spikeSurrogate(v, c.threshold, c.surrogate, c.width);
        const parts = tf.split(out[p][b], 2);
        parts[d] = tf.reshape(s, [H]);
        out[p][b] = tf.concat(parts);
        prev = s;
        v = tf.where(tf.greaterEqual(v, c.threshold), tf.zerosLike(v), v);
      }
    }
  return tf.stack(out.map((row) => tf.stack(row))) as tf.Tensor3D;
}

describe('the scan op', () => {
  it('equals the op-by-op scan (forward half 0..n-1, backward half n-1..0, padding untouched), and its hand-written BPTT equals autodiff through it', () => {
    const r = new Prng(17);
    for (const c of [
      { beta: 0.75, threshold: 1, surrogate: 'gaussian', width: 0.5, recurrent: true },
      { beta: 0.5, threshold: 0.7, surrogate: 'triangular', width: 1, recurrent: true },
      { beta: 1, threshold: 1, surrogate: 'sigmoid', width: 0.3, recurrent: false },
      { beta: 0.875, threshold: 1.3, surrogate: 'rectangular', width: 2, recurrent: true },
    ] as ScanConfig[]) {
      for (const n of [[1], [2, 1], [6, 3, 1], [5, 5]]) {
        const L = Math.max(...n);
        const B = n.length;
        const H2 = 6;
        // padded positions hold zero input, as the layer below guarantees
        const I = tf.tensor3d(
          Float32Array.from({ length: L * B * H2 }, (_, i) => (Math.floor(i / (B * H2)) < n[Math.floor(i / H2) % B] ? r.uniform(-0.5, 1.6) : 0)),
          [L, B, H2],
        );
        // block-diagonal, like the layer's: forward and backward halves do not talk
        const U = c.recurrent ? tf.tensor2d(Float32Array.from({ length: H2 * H2 }, (_, i) => ((Math.floor(i / H2) < H2 / 2) === (i % H2 < H2 / 2) ? r.uniform(-0.8, 0.8) : 0)), [H2, H2]) : undefined;
        const w = tf.tensor3d(Float32Array.from({ length: L * B * H2 }, () => r.uniform(-1, 1)), [L, B, H2]);
        const loss = (f: typeof scanByOps) => (i: tf.Tensor, u?: tf.Tensor) => tf.sum(tf.mul(f(i as tf.Tensor3D, u as tf.Tensor2D | undefined, n, c), w));
        // with one position per sentence U is never used: differentiate with respect to I only
        const args = U && L > 1 ? [I, U] : [I];
        const a = tf.grads((...xs: tf.Tensor[]) => loss(scanLayer)(xs[0], xs[1] ?? U))(args);
        const b = tf.grads((...xs: tf.Tensor[]) => loss(scanByOps)(xs[0], xs[1] ?? U))(args);
        expect(Array.from(scanLayer(I, U, n, c).dataSync())).toEqual(Array.from(scanByOps(I, U, n, c).dataSync()));
        a.forEach((g, i) => {
          const x = g.dataSync();
          const y = b[i].dataSync();
          expect(x.length).toBe(y.length);
          for (let j = 0; j < x.length; j++) expect(x[j]).toBeCloseTo(y[j], 4);
        });
        [I, w, ...(U ? [U] : []), ...a, ...b].forEach((t) => t.dispose());
      }
    }
  });

  it('max over the real positions: value and gradient (to the spiking positions, or to all real ones if none spiked)', () => {
    // L = 3, B = 2 (lengths 3 and 2), C = 2
    const S = tf.tensor3d([0, 1, 1, 0, /* p1 */ 1, 1, 0, 0, /* p2 */ 0, 1, 1, 1], [3, 2, 2]);
    const n = [3, 2];
    expect(Array.from(maxOverPositions(S, n).dataSync())).toEqual([1, 1, 1, 0]); // (b1, c1) spikes only in the padding
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(maxOverPositions(x as tf.Tensor3D, n), tf.tensor2d([1, 2, 3, 4], [2, 2]))))(S).dataSync();
    expect(Array.from(g)).toEqual([0, 2, 3, 4, /* p1 */ 1, 2, 0, 4, /* p2 */ 0, 2, 0, 0]);
  });
});

describe('bi-SNN training on SST-2', () => {
  it('learns: held-out accuracy clearly above chance after a short run', async () => {
    const t0 = performance.now();
    // a small, fast configuration (2 layers of 2 x 32 neurons; batch 32 for more steps on few sentences)
    learned = await trainBisnn({ ...quick, data: small(1500, 300, 300), epochs: 3, layers: 2, hidden: 32, batch: 32, lr: 2e-3, embeddingLr: 2e-3, lrDecay: 1, skipFloatEval: false });
    const m = learned.metrics;
    console.log(
      `bisnn 2 layers x 2 x 32 on 1500 SST-2 sentences, 3 epochs (${((performance.now() - t0) / 1000).toFixed(0)} s, ${(1000 * m.secondsPerStep).toFixed(0)} ms/step): ` +
        `dev per epoch ${m.history.map((h) => h.devAcc.toFixed(3)).join(' ')}; TF.js test ${m.testTfjs?.toFixed(3)}, float SNN test ${m.testFloat?.toFixed(3)}, agreement ${m.floatTfjsAgreement?.toFixed(4)}`,
    );
    expect(m.devTfjs).toBeGreaterThan(0.6);
    expect(m.testTfjs!).toBeGreaterThan(0.6);
    expect(m.testFloat!).toBeGreaterThan(0.6);
  }, 300_000);

  it('saves the tiny-bisnn graph shape with a 1-bit table', () => {
    const g = learned.model.graph;
    validateGraph(g);
    expect(learned.model.meta.family).toBe('bisnn');
    expect(g.timesteps).toBe(1);
    const ref = tinyBisnn({ vocab: data.vocab.length, dim: data.dim, hidden: 32, layers: 2, maxLen: 64 }).graph;
    const strip = (n: (typeof g.nodes)[number]): unknown => {
      const { weight: _w, table: _t, beta: _b, threshold: _th, ...rest } = n as unknown as Record<string, unknown>;
      return rest;
    };
    expect(g.nodes.map(strip)).toEqual(ref.nodes.map(strip));
    const emb = g.nodes.find((n) => n.kind === 'embedding');
    if (emb?.kind !== 'embedding' || !emb.table) throw new Error('no table');
    expect(emb.table.data.every((x) => x === 0 || x === 1)).toBe(true);
    expect(emb.table.data.subarray(0, data.dim).every((x) => x === 0)).toBe(true);
    // the table is H(E - nu) of the best-epoch float table
    const nu = 0.5;
    const best = learned.best.embedding;
    for (let i = data.dim; i < best.length; i += 97) expect(emb.table.data[i]).toBe(best[i] >= nu ? 1 : 0);
    // the readout is the membrane of a non-spiking integrator fed by max-pooled spikes
    const out = g.nodes.find((n) => n.id === 'out');
    expect(out?.kind === 'lif' && out.spiking === false).toBe(true);
    const view = viewBisnn(g);
    expect(view.weights.output).toEqual(learned.best.weights.output);
  });

  it('the saved model in the reference simulator (float) gives the TF.js labels (>= 95% of held-out sentences); its integer graph >= 90%', async () => {
    const dir = tmp();
    const file = path.join(dir, 'bisnn.snn');
    writeModelFile(file, learned.model, { f16Above: 65536 });
    const back = readModelFile(file);
    const held = [...data.dev.slice(0, 300), ...data.test.slice(0, 300)];
    const tfjs = (await predictBisnnModel(back, held.map((x) => x.ids))).labels;
    const float = held.map((x) => simulate(back.graph, { tokens: x.ids }, 'float').label);
    const agreeFloat = float.filter((l, i) => l === tfjs[i]).length / held.length;
    const pipe = runPipeline(back.graph);
    const int = held.map((x) => simulate(pipe.graph, { tokens: x.ids }, 'integer').label);
    const agreeInt = int.filter((l, i) => l === float[i]).length / held.length;
    const acc = (p: number[]): number => p.filter((l, i) => l === held[i].label).length / held.length;
    console.log(
      `bisnn on ${held.length} held-out sentences: float SNN vs TF.js ${agreeFloat.toFixed(4)}, integer vs float ${agreeInt.toFixed(4)} (accuracy TF.js ${acc(tfjs).toFixed(3)}, float ${acc(float).toFixed(3)}, integer ${acc(int).toFixed(3)})`,
    );
    expect(agreeFloat).toBeGreaterThanOrEqual(0.95);
    expect(agreeInt).toBeGreaterThanOrEqual(0.9);
    // and the training run's own float evaluation agrees with its TF.js model
    expect(learned.metrics.floatTfjsAgreement!).toBeGreaterThanOrEqual(0.95);
  }, 300_000);

  it('keeps the number of live tensors flat across epochs', async () => {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await trainBisnn({
      ...quick,
      data: small(120, 40),
      epochs: 3,
      layers: 2,
      hidden: 16,
      onProgress: (ev) => {
        if (ev.kind === 'epoch') counts.push(tf.memory().numTensors);
      },
    });
    // static embeddings take the other gradient path
    await trainBisnn({ ...quick, data: small(120, 40), epochs: 2, layers: 1, hidden: 16, trainEmbeddings: false, recurrent: false, dropout: 0 });
    expect(counts.length).toBe(3);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('a resumed run ends with exactly the weights of an uninterrupted one', async () => {
    const d = small(200, 60);
    const o: Partial<BisnnOptions> = { ...quick, data: d, layers: 2, hidden: 16, batch: 25 };
    const a = tmp();
    const b = tmp();
    const full = await trainBisnn({ ...o, epochs: 2, checkpointDir: a });
    const first = await trainBisnn({ ...o, epochs: 1, checkpointDir: b });
    expect(first.metrics.history.length).toBe(1);
    const resumed = await trainBisnn({ ...o, epochs: 2, checkpointDir: b, resume: true });
    expect(resumed.metrics.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.metrics.history.map((h) => h.loss)).toEqual(full.metrics.history.map((h) => h.loss));
    // (big tables: compare bytes, vitest's deep equality takes seconds per million elements)
    expect(sameBytes(resumed.last.embedding, full.last.embedding)).toBe(true);
    resumed.last.weights.input.forEach((w, l) => expect(w).toEqual(full.last.weights.input[l]));
    resumed.last.weights.recurrent.forEach((w, l) => expect(w).toEqual(full.last.weights.recurrent[l]));
    expect(resumed.last.weights.output).toEqual(full.last.weights.output);
    expect(resumed.best.weights.output).toEqual(full.best.weights.output);
    const tableOf = (r: BisnnResult): Float32Array => {
      const e = r.model.graph.nodes.find((n) => n.kind === 'embedding');
      return e?.kind === 'embedding' && e.table ? e.table.data : new Float32Array();
    };
    expect(sameBytes(tableOf(resumed), tableOf(full))).toBe(true);
    expect(sameBytes(resumed.best.embedding, full.best.embedding)).toBe(true);
    // the same seed in a fresh run gives the same trajectory (determinism)
    expect(first.metrics.history[0].loss).toBe(full.metrics.history[0].loss);
    // other options: refused
    expect(await code(trainBisnn({ ...o, epochs: 3, width: 0.7, checkpointDir: b, resume: true }))).toBe('SNN_E_CHECKPOINT');
  }, 180_000);

  it('bad options fail with SNN_E_USAGE before any training', async () => {
    const bad: Partial<BisnnOptions>[] = [
      { hidden: 0 },
      { hidden: 2.5 },
      { layers: 0 },
      { epochs: -1 },
      { batch: 0 },
      { lr: 0 },
      { beta: 0 },
      { beta: 1.5 },
      { threshold: -1 },
      { inputThreshold: 0 },
      { inputThreshold: 1 },
      { width: 0 },
      { inputWidth: Number.NaN },
      { dropout: 1 },
      { surrogate: 'boxcar' as never },
      { embeddings: 'word2vec' as never },
      { maxLen: 0 },
      { resume: true },
    ];
    for (const b of bad) expect(await code(() => checkBisnnOptions(b)), JSON.stringify(b)).toBe('SNN_E_USAGE');
    for (const b of bad) expect(await code(trainBisnn({ ...quick, data: small(10, 5), ...b })), JSON.stringify(b)).toBe('SNN_E_USAGE');
    // the CLI adapter
    const cli = { family: 'bisnn', data: undefined };
    expect(await code(bisnnFromCli({ ...cli, hidden: '64,32' }))).toBe('SNN_E_USAGE');
    expect(await code(bisnnFromCli({ ...cli, timesteps: 8 }))).toBe('SNN_E_USAGE');
    expect(await code(bisnnFromCli({ ...cli, encoder: 'poisson' }))).toBe('SNN_E_USAGE');
    expect(await code(bisnnFromCli({ ...cli, surrogate: 'boxcar' }))).toBe('SNN_E_USAGE');
    expect(await code(bisnnFromCli({ ...cli, limit: 0 }))).toBe('SNN_E_USAGE');
    expect(await code(bisnnFromCli({ ...cli, resume: true }))).toBe('SNN_E_USAGE');
    // bisnn-only options on another family
    expect(await code(trainFromCli({ family: 'textcnn', layers: 2 }))).toBe('SNN_E_USAGE');
    expect(await code(trainFromCli({ family: 'mlp', recurrent: false }))).toBe('SNN_E_USAGE');
    expect(await code(trainFromCli({ surrogate: 'gaussian' }))).toBe('SNN_E_USAGE');
  });
});
