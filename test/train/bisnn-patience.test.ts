// Early stopping of the bi-SNN trainer (`patience`, compiler/train/bisnn.ts): training stops after
// `patience` epochs without a better dev accuracy, keeps the best-dev weights, records where it
// stopped, stops at the same place when resumed from its checkpoint, and is refused where it does
// not apply. Real SST-2 sentences; a learning rate too small to change any dev prediction makes
// "no better dev accuracy" certain without hard-coding a result.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../compiler/train/backend.js';
import { prepareData } from '../../compiler/train/prepare.js';
import { checkBisnnOptions, rejectBisnnOptions, trainBisnn, type BisnnOptions } from '../../compiler/train/bisnn.js';
import type { PreparedData } from '../../compiler/train/trainer.js';
import { isSnncError } from '../../core/errors.js';

let data: PreparedData;
const dir = mkdtempSync(join(tmpdir(), 'snnc-patience-'));

beforeAll(async () => {
  await initBackend();
  data = await prepareData('sst2', { limits: { train: 160, dev: 80, test: 40 } });
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = (o: Partial<BisnnOptions>): Partial<BisnnOptions> => ({ data, quiet: true, seed: 3, layers: 1, hidden: 8, batch: 32, maxLen: 16, lrDecay: 1, skipFloatEval: true, pool: 'mean', ...o });
const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return isSnncError(e) ? e.code : String(e);
  }
};

describe('bisnn early stopping (patience)', () => {
  it('stops after `patience` epochs without a better dev accuracy, keeps the best epoch, and a resumed run stops at the same place', async () => {
    // frozen: lr 1e-9 cannot move a prediction, so epoch 1 stays the best and epoch 2 does not beat it
    const frozen = small({ lr: 1e-9, embeddingLr: 1e-9, epochs: 6, patience: 1, checkpointDir: join(dir, 'ck') });
    const a = await trainBisnn(frozen);
    expect(a.metrics.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(a.metrics.history[1].devAcc).toBe(a.metrics.history[0].devAcc);
    expect(a.metrics.bestEpoch).toBe(1);
    expect(a.metrics.stoppedEarly).toBe(2);
    expect((a.model.meta.training as { stoppedEarly?: number }).stoppedEarly).toBe(2);
    // resumed from the epoch-2 checkpoint: no third epoch
    const b = await trainBisnn({ ...frozen, resume: true });
    expect(b.metrics.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(b.metrics.stoppedEarly).toBe(2);
    // patience 2 gives one more epoch; patience 0 (the default) runs them all
    expect((await trainBisnn({ ...frozen, checkpointDir: undefined, patience: 2 })).metrics.history.length).toBe(3);
    const all = await trainBisnn({ ...frozen, checkpointDir: undefined, patience: 0, epochs: 3 });
    expect(all.metrics.history.length).toBe(3);
    expect(all.metrics.stoppedEarly).toBeUndefined();
  }, 600_000);

  it('is checked: a negative or fractional patience, and --patience on another family, are usage errors', () => {
    expect(code(() => checkBisnnOptions({ patience: -1 }))).toBe('SNN_E_USAGE');
    expect(code(() => checkBisnnOptions({ patience: 1.5 }))).toBe('SNN_E_USAGE');
    expect(code(() => checkBisnnOptions({ patience: 3 }))).toBe('ok');
    expect(code(() => rejectBisnnOptions({ patience: 2 }))).toBe('SNN_E_USAGE');
  });
});
