// `snnc export`: its arguments and options; the work is compiler/api/export.ts.

import { type CommandSpec, json } from './spec.js';

export const exportCommand: CommandSpec = {
  name: 'export',
  args: ['<model>'],
  summary: 'write a .snn model as a NIR graph (HDF5): vector models as Linear + LIF/IF; text models (textcnn, bisnn) as a standard-node body for maxLen positions with tokenizer, vocabulary and embedding in metadata (docs/nir.md); encoder, T and classes go to metadata',
  options: [
    { flags: '-o, --out <file>', description: 'NIR file to write', default: 'model.nir' },
    { flags: '--dt <seconds>', description: 'step length written into tau and r', parse: 'float', default: 1e-4 },
    { flags: '--decay <rule>', description: 'tau from beta: exp (beta = exp(-dt/tau)) or linear (beta = 1 - dt/tau)', choices: ['exp', 'linear'], default: 'exp' },
    { flags: '--gzip <level>', description: 'gzip level of the arrays (0: none)', parse: 'int', default: 4 },
    json,
  ],
  run: async (a, o) => (await import('../api/export.js')).exportNirFile(a[0], o),
  format: (r) => r.text,
};
