// `snnc report`: its arguments and options; the work is compiler/api/report.ts.

import { type CommandSpec, json, profile } from './spec.js';
import { dataFileFlags } from './data-flags.js';

export const reportCommand: CommandSpec = {
  name: 'report',
  args: ['<model>'],
  summary: 'one self-contained HTML page about a model (.snn) or artifact (.wasm): provenance, accuracy and confusion matrix, accuracy and ops against T, energy per layer vs the ANN, firing rates, a spike raster, flash/RAM fit on every target',
  options: [
    { flags: '--data <dataset|file>', description: 'data set and split (default: the model\'s own data set, test split), e.g. sst2:test, or a labelled file' },
    ...dataFileFlags,
    { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files (default: examples/data in the package)' },
    { flags: '--limit <n>', description: 'use only the first n sentences', parse: 'int' },
    { flags: '--timesteps <list>', description: 'T values of the sweep (.snn models only)', default: '1,2,4,8,16' },
    { flags: '--example <text>', description: 'the sentence of the spike raster (default: the data set\'s first)' },
    { flags: '-o, --out <file>', description: 'the HTML file to write', default: 'report.html' },
    profile,
    json,
  ],
  run: async (a, o) => (await import('../api/report.js')).report(a[0], o),
  format: (r) => r.text,
};
