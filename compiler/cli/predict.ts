// `snnc predict`: the CLI spec (the logic is compiler/api/predict.ts).

import type { CommandSpec } from './spec.js';
import { formatFlag, textColFlag } from './data-flags.js';

export const predictCommand: CommandSpec = {
  name: 'predict',
  args: ['<artifact>'],
  summary: 'classify many texts (a file or stdin: one a line, or a CSV/TSV/JSONL column) and write JSON lines {id, label, scores, ops}',
  options: [
    { flags: '--input <file>', description: 'texts to classify; - for standard input (UTF-8)' },
    { flags: '-o, --out <file>', description: 'write the JSON lines here (written whole or not at all; default: stdout)' },
    formatFlag,
    textColFlag,
    { flags: '--workers <n>', description: 'worker threads across cores; output keeps the input order', parse: 'int', default: 1 },
    { flags: '--model <file>', description: 'for an mlp (sentence-vector) artifact: the .snn model it was compiled from' },
    { flags: '--json', description: 'print the summary as JSON (on stderr when the lines go to stdout)' },
  ],
  run: async (a, o) => {
    const { predict } = await import('../api/predict.js');
    const r = await predict(a[0], { ...o, quiet: Boolean(o.quiet) } as never);
    if (o.out !== undefined) return r;
    // the JSON lines went to stdout: the summary goes to stderr
    const { text, ...rest } = r;
    process.stderr.write((o.json ? JSON.stringify(rest) : text) + '\n');
    return undefined;
  },
  format: (r) => r.text,
};
