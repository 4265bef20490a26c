// `snnc eval`: its arguments and options; the work is compiler/api/eval.ts.

import { type CommandSpec, json, profile } from './spec.js';

export const evalCommand: CommandSpec = {
  name: 'eval',
  args: ['<model>'],
  summary: 'accuracy, mean ops and energy on a data set; with a .snn model also ANN and float-SNN accuracy and agreement',
  options: [
    { flags: '--data <dataset>', description: 'data set and split, e.g. sst2:test', default: 'sst2:test' },
    { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files' },
    { flags: '--limit <n>', description: 'evaluate only the first n sentences', parse: 'int' },
    { flags: '--model <file>', description: 'the float .snn model behind a .wasm artifact (adds float-vs-int agreement)' },
    { flags: '--backend <name>', description: 'TF.js backend for the ANN and float SNN', choices: ['auto', 'node', 'wasm', 'cpu'], default: 'auto' },
    { flags: '--timesteps <n>', description: "a .snn model: run at T steps instead of the model's", parse: 'int' },
    { flags: '--schedule <kind>', description: 'a .snn model: first-layer schedule (default auto)', choices: ['auto', 'event', 'grouped'] },
    profile,
    json,
  ],
  run: async (a, o) => (await import('../api/eval.js')).evaluate(a[0], o),
  format: (r) => r.text,
};
