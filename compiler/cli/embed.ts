// `snnc embed`: its arguments and options; the work is compiler/api/embed.ts.

import { type CommandSpec, json, profile } from './spec.js';

export const embedCommand: CommandSpec = {
  name: 'embed',
  args: ['<model>', '[text...]'],
  summary: 'the input vector of an mlp model for a text (host-side sentence embedding); with --artifact also classify it',
  options: [
    { flags: '--file <path>', description: 'read the text from a file (strict UTF-8; - for stdin)' },
    { flags: '--artifact <wasm>', description: 'compiled artifact of the same model: classify the vector' },
    profile,
    json,
  ],
  run: async (a, o) => (await import('../api/embed.js')).embed(a[0], a.slice(1), o),
  format: (r) => r.text,
};
