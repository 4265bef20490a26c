// `snnc train --help` shows the trainers' defaults: the table the CLI prints (it cannot import
// the trainers) must equal TRAIN_DEFAULTS, MLP_DEFAULTS and BISNN_DEFAULTS.
import { describe, expect, it } from 'vitest';
import { TRAIN_HELP_DEFAULTS, optionKey } from '../../compiler/cli/train-defaults.js';
import { COMMANDS } from '../../compiler/cli.js';
import { TRAIN_DEFAULTS, MLP_DEFAULTS, BISNN_DEFAULTS } from '../../compiler/train/index.js';

describe('train --help defaults', () => {
  it('match the trainers', () => {
    const t = TRAIN_DEFAULTS as unknown as Record<string, unknown>;
    const m = MLP_DEFAULTS as unknown as Record<string, unknown>;
    const b = BISNN_DEFAULTS as unknown as Record<string, unknown>;
    const s = (x: unknown): string => (Array.isArray(x) ? x.join(',') : String(x));
    const expected: Record<string, string> = {
      family: s(t.family),
      epochs: `textcnn ${s(t.epochs)}, mlp ${s(m.epochs)}, bisnn ${s(b.epochs)}`,
      batch: `textcnn ${s(t.batch)}, mlp ${s(m.batch)}, bisnn ${s(b.batch)}`,
      lr: `textcnn ${s(t.lr)}, mlp ${s(m.lr)}, bisnn ${s(b.lr)}`,
      seed: s(t.seed),
      timesteps: `textcnn ${s(t.timesteps)}, mlp ${s(m.timesteps)}`,
      population: s(t.population),
      encoder: s(t.encoder),
      bits: s(t.bits),
      maxLen: s(t.maxLen),
      maps: s(t.maps),
      dropout: `textcnn ${s(t.dropout)}, mlp ${s(m.dropout)}, bisnn ${s(b.dropout)}`,
      percentile: s(t.percentile),
      finetuneEpochs: s(t.finetuneEpochs),
      slope: s(t.slope),
      rateScale: s(t.rateScale),
      ftLoss: s(t.ftLoss),
      thresholdScale: s(t.thresholdScale),
      threshold: s(t.threshold),
      embeddings: s(t.embeddings),
      hidden: `mlp ${s(m.hidden)}; bisnn ${s(b.hidden)}`,
      layers: s(b.layers),
      beta: s(b.beta),
      inputThreshold: s(b.inputThreshold),
      surrogate: s(b.surrogate),
      width: s(b.width),
      inputWidth: s(b.inputWidth),
      embeddingLr: s(b.embeddingLr),
      lrDecay: s(b.lrDecay),
      patience: s(b.patience),
      pool: s(b.pool),
    };
    expect(TRAIN_HELP_DEFAULTS).toEqual(expected);
    expect([t.maxLen, m.percentile, b.maxLen, b.seed, m.population, m.encoder, m.bits]).toEqual([64, 99.9, 64, 1, 10, 'rate', 4]);
    // every default names a real option, and the train options show one
    const train = COMMANDS.find((c) => c.name === 'train')!;
    const keys = train.options.map((o) => optionKey(o.flags));
    for (const k of Object.keys(TRAIN_HELP_DEFAULTS)) expect(keys, k).toContain(k);
    for (const o of train.options) if (TRAIN_HELP_DEFAULTS[optionKey(o.flags)] !== undefined) expect(o.description).toMatch(/\(default: /);
  });
});
