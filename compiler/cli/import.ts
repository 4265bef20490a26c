// `snnc import`: its arguments and options; the work is compiler/api/import.ts.

import { type CommandSpec, json } from './spec.js';

export const importCommand: CommandSpec = {
  name: 'import',
  args: ['<nir>'],
  summary: 'read a NIR graph (HDF5 .nir) into a float .snn model; reports approximations and float-vs-int agreement (docs/nir.md)',
  options: [
    { flags: '-o, --out <file>', description: 'model file to write', default: 'model.snn' },
    { flags: '--dt <seconds>', description: 'step length in the file\'s time unit (default: the file\'s snnc metadata, else 1e-4 as snnTorch exports)', parse: 'float' },
    { flags: '--decay <rule>', description: 'beta from tau: exp = exp(-dt/tau), linear = 1 - dt/tau (snnTorch)', choices: ['exp', 'linear'] },
    { flags: '--reset <kind>', description: 'reset of neurons with v_reset = 0 (NIR resets to v_reset: zero)', choices: ['zero', 'subtract'] },
    { flags: '--timesteps <n>', description: 'SNN time steps T (default: metadata, else 32)', parse: 'int' },
    { flags: '--encoder <kind>', description: 'the Input: rate = values in [0, 1] rate-coded; direct = a spike train (per-step counts, event data) (default: metadata, else rate)', choices: ['rate', 'direct'] },
    { flags: '--bits <n>', description: 'input bits: rate-encoder levels (default 8), or direct counts 0..2^bits-1 per step (default 1)', parse: 'int' },
    { flags: '--classes <names>', description: 'comma-separated class names (their count splits the output neurons)' },
    { flags: '--population <n>', description: 'output neurons per class', parse: 'int' },
    { flags: '--bias <mode>', description: 'nonzero Affine/Conv biases: refuse, or carry them on an extra input channel fixed at 1', choices: ['refuse', 'input'] },
    { flags: '--beta-tolerance <x>', description: 'largest per-neuron spread of beta averaged into one population beta', parse: 'float' },
    { flags: '--calibrate <n>', description: 'random input vectors for the float-vs-int agreement (0: skip)', parse: 'int', default: 64 },
    json,
  ],
  run: async (a, o) => (await import('../api/import.js')).importNir(a[0], o),
  format: (r) => r.text,
};
