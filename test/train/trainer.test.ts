// The trainer on real SST-2 subsets: it learns, a resumed run equals an uninterrupted one,
// TF.js memory stays flat across epochs, and bad checkpoints fail with SNN_E_CHECKPOINT.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../compiler/train/backend.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { trainAnn, type AnnOptions, type PreparedData } from '../../compiler/train/trainer.js';
import { isSnncError } from '../../core/errors.js';

let data: PreparedData;

const base: AnnOptions = {
  epochs: 1,
  batch: 50,
  lr: 1e-3,
  seed: 7,
  dropout: 0.5,
  widths: [3, 4, 5],
  maps: 100,
  population: 10,
  maxLen: 64,
  trainEmbeddings: false,
  l2: 0,
  maxNorm: 0,
  logitScale: 1,
  initGain: 1,
  resume: false,
  quiet: true,
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'snnc-train-'));
}

function small(n: number, dev = 100): PreparedData {
  return { ...data, train: data.train.slice(0, n), dev: data.dev.slice(0, dev) };
}

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 1000, dev: 400, test: 50 } });
}, 600_000);

describe('trainer', () => {
  it('prepares real SST-2 with a shifted table and a zero pad row', () => {
    expect(data.classes.length).toBe(2);
    expect(data.vocab[0]).toBe('<pad>');
    expect(data.vocab[1]).toBe('<unk>');
    for (let d = 0; d < data.dim; d++) expect(data.table[d]).toBe(0);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data.table) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('learns: held-out accuracy well above chance after a short run', async () => {
    const r = await trainAnn(small(1000, 400), { ...base, epochs: 4, lr: 2e-3 });
    console.log(`1000 SST-2 sentences, 4 epochs: dev accuracy per epoch ${r.history.map((h) => h.devAcc.toFixed(3)).join(' ')}`);
    expect(r.bestDev).toBeGreaterThan(0.64);
  });

  it('a resumed run ends with exactly the weights of an uninterrupted one', async () => {
    const d = small(200);
    const a = tmp();
    const b = tmp();
    const full = await trainAnn(d, { ...base, epochs: 2, checkpointDir: a });
    await trainAnn(d, { ...base, epochs: 1, checkpointDir: b });
    const resumed = await trainAnn(d, { ...base, epochs: 2, checkpointDir: b, resume: true });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.last.classifier).toEqual(full.last.classifier);
    resumed.last.conv.forEach((c, i) => expect(c).toEqual(full.last.conv[i]));
    expect(resumed.weights.classifier).toEqual(full.weights.classifier);
    expect(resumed.bestDev).toBe(full.bestDev);
    expect(resumed.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
    // and the trained embeddings path resumes exactly too
    const c = tmp();
    const e = tmp();
    const fullE = await trainAnn(d, { ...base, epochs: 2, trainEmbeddings: true, checkpointDir: c });
    await trainAnn(d, { ...base, epochs: 1, trainEmbeddings: true, checkpointDir: e });
    const resE = await trainAnn(d, { ...base, epochs: 2, trainEmbeddings: true, checkpointDir: e, resume: true });
    expect(resE.last.embedding).toEqual(fullE.last.embedding);
    expect(resE.last.classifier).toEqual(fullE.last.classifier);
    expect(fullE.last.embedding.subarray(0, data.dim).every((v) => v === 0)).toBe(true);
  }, 300_000); // four short trainings: ~110 s alone on 2 busy cores

  it('keeps the number of live tensors flat across epochs', async () => {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await trainAnn(small(150), {
      ...base,
      epochs: 4,
      trainEmbeddings: true,
      onProgress: (ev) => {
        if (ev.kind === 'epoch') counts.push(tf.memory().numTensors);
      },
    });
    expect(counts.length).toBe(4);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects corrupt or mismatched checkpoints with SNN_E_CHECKPOINT', async () => {
    const d = small(100);
    const dir = tmp();
    await trainAnn(d, { ...base, epochs: 1, checkpointDir: dir });
    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'ok';
      } catch (e) {
        return isSnncError(e) ? e.code : String(e);
      }
    };
    // other options
    expect(await code(trainAnn(d, { ...base, epochs: 2, lr: 5e-3, checkpointDir: dir, resume: true }))).toBe('SNN_E_CHECKPOINT');
    // other vocabulary
    const otherVocab = { ...d, vocab: [...d.vocab.slice(0, -1), 'zzz-not-a-word'] };
    expect(await code(trainAnn(otherVocab, { ...base, epochs: 2, checkpointDir: dir, resume: true }))).toBe('SNN_E_CHECKPOINT');
    // flipped payload byte
    const bin = path.join(dir, JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')).payload);
    const bytes = fs.readFileSync(bin);
    bytes[100] ^= 0xff;
    fs.writeFileSync(bin, bytes);
    expect(await code(trainAnn(d, { ...base, epochs: 2, checkpointDir: dir, resume: true }))).toBe('SNN_E_CHECKPOINT');
    // garbage manifest
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), '{"format": "snnc-train-checkpoint-v1"');
    expect(await code(trainAnn(d, { ...base, epochs: 2, checkpointDir: dir, resume: true }))).toBe('SNN_E_CHECKPOINT');
  });
});
