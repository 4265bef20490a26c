// `snnc run`: its arguments and options; the work is compiler/api/run.ts.

import { type CommandSpec, json, profile } from './spec.js';

export const runCommand: CommandSpec = {
  name: 'run',
  args: ['<artifact>', '[text...]'],
  summary: 'classify text with a compiled artifact: label, scores, op counts and energy',
  options: [
    { flags: '--file <path>', description: 'read the text from a file (strict UTF-8; - for stdin)' },
    { flags: '--model <file>', description: 'for an mlp (sentence-vector) artifact: the .snn model it was compiled from, which turns the text into its vector' },
    { flags: '--port <path>', description: 'classify on a board running snnc firmware on this serial port; <artifact> is then the .snn model it was deployed from' },
    { flags: '--baud <n>', description: 'serial speed with --port', parse: 'int', default: 115200 },
    { flags: '--timeout <ms>', description: 'reply timeout per request with --port', parse: 'int', default: 5000 },
    { flags: '--weight-bits <n>', description: 'with --port: the weight width the firmware was built with', choices: ['8', '16'], default: '8' },
    { flags: '--schedule <kind>', description: 'with --port: the first-layer schedule the firmware was deployed with (default: whichever of event and grouped the board runs)', choices: ['auto', 'event', 'grouped'] },
    { flags: '--timesteps <n>', description: "with --port: the T the firmware was deployed with (default: the model's)" },
    profile,
    json,
  ],
  run: async (a, o) => (await import('../api/run.js')).run(a[0], a.slice(1), o),
  format: (r) => r.text,
};
