// `snnc compile`: its arguments and options; the work is compiler/api/compile.ts.

import { type CommandSpec, json } from './spec.js';
import { dataFileFlags } from './data-flags.js';

export const compileCommand: CommandSpec = {
  name: 'compile',
  args: ['<model>'],
  summary: 'lower a .snn model to integers and emit a WebAssembly artifact (model.wasm + report.json)',
  options: [
    { flags: '-o, --out <dir>', description: 'output folder', default: 'out' },
    { flags: '--target <name>', description: 'target description (targets/)', default: 'wasm' },
    { flags: '--weight-bits <n>', description: 'integer weight width', choices: ['8', '16'], default: '8' },
    { flags: '--state-bits <n>', description: 'force the membrane width (default: narrowest proven safe)', choices: ['16', '32'] },
    { flags: '--prune <fraction>', description: 'magnitude-prune this share of each layer\'s weights', parse: 'float', default: 0 },
    { flags: '--layout <kind>', description: 'synapse table layout', choices: ['auto', 'dense', 'sparse'], default: 'auto' },
    { flags: '--stop-after <pass>', description: 'stop after a pass and write the IR text: pack | quantize | sparsify | schedule | plan-memory' },
    { flags: '--timesteps <n>', description: "run at T steps instead of the model's (no retraining: thresholds do not depend on T)", parse: 'int' },
    { flags: '--schedule <kind>', description: 'first-layer additions: event-driven, level-grouped (rate/binary encoders), or auto (the cheaper by the level statistics)', choices: ['auto', 'event', 'grouped'], default: 'auto' },
    { flags: '--calibrate <dataset|file>', description: 'measure float-vs-int agreement on a data set (e.g. sst2:dev) or a labelled file' },
    { flags: '--calibrate-limit <n>', description: 'sentences used for calibration', parse: 'int', default: 200 },
    ...dataFileFlags,
    { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files (default: examples/data in the package)' },
    { flags: '--no-simd', description: 'emit scalar code only' },
    json,
  ],
  // the in-memory graph and wasm bytes stay out of the CLI result: they are in out/ (ir.txt,
  // model.wasm), and --json of a large model's typed arrays overflowed JSON.stringify
  run: async (a, o) => {
    const { graph: _graph, wasm: _wasm, ...rest } = await (await import('../api/compile.js')).compile(a[0], o);
    return rest;
  },
  format: (r) => r.text,
};
