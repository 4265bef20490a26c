// The defaults `snnc train --help` shows. They live in the trainers (TRAIN_DEFAULTS,
// MLP_DEFAULTS, BISNN_DEFAULTS), which the CLI must not import (TensorFlow.js would load for
// --help), so they are written out here; test/cli/help.test.ts checks them against the trainers.

import type { OptionSpec } from './spec.js';

/** Option (camelCase) -> its default, per family where they differ. */
export const TRAIN_HELP_DEFAULTS: Readonly<Record<string, string>> = {
  family: 'textcnn',
  epochs: 'textcnn 4, mlp 30, bisnn 5',
  batch: 'textcnn 50, mlp 64, bisnn 64',
  lr: 'textcnn 0.001, mlp 0.001, bisnn 0.003',
  seed: '1',
  timesteps: 'textcnn 16, mlp 50',
  population: '10',
  encoder: 'rate',
  bits: '4',
  maxLen: '64',
  maps: '100',
  dropout: 'textcnn 0.5, mlp 0.2, bisnn 0.3',
  percentile: '99.9',
  finetuneEpochs: '0',
  slope: '5',
  rateScale: '10',
  ftLoss: 'cumulative',
  thresholdScale: '1',
  threshold: '1',
  embeddings: 'glove',
  hidden: 'mlp 256,128; bisnn 64',
  layers: '3',
  beta: '0.75',
  inputThreshold: '0.5',
  surrogate: 'gaussian',
  width: '1',
  inputWidth: '0.3',
  embeddingLr: '0.003',
  lrDecay: '0.7',
  patience: '0',
  pool: 'max',
};

/** camelCase name of an option's long flag: "--max-len <n>" -> "maxLen". */
export function optionKey(flags: string): string {
  const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) as string;
  return long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Appends "(default: ...)" to the train options that have one and do not say it already. */
export function withTrainDefaults(options: OptionSpec[]): OptionSpec[] {
  return options.map((o) => {
    const d = TRAIN_HELP_DEFAULTS[optionKey(o.flags)];
    return d === undefined || o.default !== undefined || /\(default/.test(o.description) ? o : { ...o, description: `${o.description} (default: ${d})` };
  });
}
