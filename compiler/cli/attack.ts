// `snnc attack`: its arguments and options; the work is compiler/api/attack.ts.

import { type CommandSpec, json } from './spec.js';
import { dataFileFlags } from './data-flags.js';

export const attackCommand: CommandSpec = {
  name: 'attack',
  args: ['<model>'],
  summary: 'synonym-substitution attacks (PWWS, TextFooler) on the tailored ANN, float SNN and integer SNN of a .snn TextCNN: clean and attacked accuracy, success rate',
  options: [
    { flags: '--data <dataset|file>', description: 'data set and split (e.g. sst2:test), or a labelled file: CSV, TSV, JSONL or "<label> <text>" lines', default: 'sst2:test' },
    ...dataFileFlags,
    { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files (default: examples/data in the package)' },
    // validated by the API (SNN_E_USAGE names the known attacks)
    { flags: '--attack <kind>', description: 'pwws | textfooler', default: 'pwws' },
    { flags: '--limit <n>', description: 'sentences in the seeded sample', parse: 'int', default: 100 },
    { flags: '--seed <n>', description: 'seed of the sample', parse: 'int', default: 1 },
    { flags: '--top-k <n>', description: 'substitutes per word: the n nearest embedding neighbours', parse: 'int', default: 20 },
    { flags: '--min-similarity <x>', description: 'least cosine similarity of a substitute (mean-centred embedding rows)', parse: 'float', default: 0.5 },
    { flags: '--max-change <share>', description: 'most share of a sentence\'s words that may change (0..1)', parse: 'float', default: 0.25 },
    { flags: '--sentence-similarity <x>', description: 'TextFooler: least window similarity of the perturbed sentence', parse: 'float', default: 0.8 },
    { flags: '--models <list>', description: 'networks to attack: comma list of ann, snn, int', default: 'ann,snn,int' },
    { flags: '--schedule <kind>', description: 'first-layer schedule of the integer network (default auto)', choices: ['auto', 'event', 'grouped'] },
    { flags: '--backend <name>', description: 'TF.js backend for the ANN and float SNN', choices: ['auto', 'node', 'wasm', 'cpu'], default: 'auto' },
    { flags: '--examples <n>', description: 'adversarial examples to show per network', parse: 'int', default: 3 },
    json,
  ],
  run: async (a, o) => (await import('../api/attack.js')).attack(a[0], o),
  format: (r) => r.text,
};
