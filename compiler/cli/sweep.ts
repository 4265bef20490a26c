// `snnc sweep`: its arguments and options; the work is compiler/api/sweep.ts.

import { type CommandSpec, json, profile } from './spec.js';

export const sweepCommand: CommandSpec = {
  name: 'sweep',
  args: ['<model>'],
  summary: 'the accuracy / cost trade-off over T: compile at each T, evaluate through wasm, print and write JSON + SVG (accuracy, synaptic ops, energy, latency); marks the smallest T within 1 point of the best',
  options: [
    { flags: '--data <dataset>', description: 'data set and split, e.g. sst2:test', default: 'sst2:test' },
    { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files' },
    { flags: '--timesteps <list>', description: 'comma-separated T values', default: '1,2,4,8,16' },
    { flags: '--limit <n>', description: 'evaluate only the first n sentences', parse: 'int' },
    { flags: '--schedule <list>', description: 'auto | event | grouped, or a comma-separated list to compare them', default: 'auto' },
    { flags: '--reps <n>', description: 'timed repetitions per configuration (interleaved; the median is reported)', parse: 'int', default: 3 },
    { flags: '-o, --out <dir>', description: 'folder for sweep.json and sweep.svg', default: 'sweep' },
    profile,
    json,
  ],
  run: async (a, o) => (await import('../api/sweep.js')).sweep(a[0], o),
  format: (r) => r.text,
};
