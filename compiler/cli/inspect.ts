// `snnc inspect`: its arguments and options; the work is compiler/api/inspect.ts.

import { type CommandSpec, json } from './spec.js';

export const inspectCommand: CommandSpec = {
  name: 'inspect',
  args: ['<model>'],
  summary: 'print a .snn model\'s graph as IR text, or a .wasm artifact\'s metadata',
  options: [json],
  run: async (a) => (await import('../api/inspect.js')).inspect(a[0]),
  format: (r) => r.text,
};
