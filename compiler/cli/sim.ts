// `snnc sim`: its arguments and options; the work is compiler/api/sim.ts.

import { type CommandSpec, json } from './spec.js';

export const simCommand: CommandSpec = {
  name: 'sim',
  args: ['<model>'],
  summary: 'simulate a .nir or .snn graph (or a compiled .wasm: its spike trace) step by step on a per-step input (CSV/JSON/JSONL/.npy) and print or write its traces; no readout needed (docs/nir.md "snnc sim")',
  options: [
    { flags: '--input <file>', description: 'per-step input: CSV (one row a step, one column a channel), JSON array of arrays, JSONL, or a NumPy .npy array [steps, ...channels]' },
    { flags: '--steps <n>', description: 'steps to simulate (default: the input\'s rows; rows past the end are zeros)', parse: 'int' },
    { flags: '--record <what>', description: 'quantities to record: spikes,v,i (i: synaptic current of CubaLIF/CubaLI populations); default all (a .wasm artifact: spikes; v,i too when compiled without readout)' },
    { flags: '--pop <ids>', description: 'populations to record (IR ids, or NIR neuron node ids), comma-separated; default all' },
    { flags: '--float', description: 'also run the float simulation and record its traces' },
    { flags: '-o, --out <file>', description: 'write every trace as JSON' },
    { flags: '--encoder <kind>', description: 'NIR input: direct (per-step spike counts, default) or rate (values in [0, 1] rate-coded)', choices: ['direct', 'rate'] },
    { flags: '--bits <n>', description: 'input bits: direct counts 0..2^bits-1 (default 1: spikes), rate levels (default 8)', parse: 'int' },
    { flags: '--dt <seconds>', description: 'NIR step length (default: the file\'s snnc metadata, else 1e-4)', parse: 'float' },
    { flags: '--decay <rule>', description: 'NIR beta from tau: exp or linear', choices: ['exp', 'linear'] },
    { flags: '--reset <kind>', description: 'NIR reset of neurons with v_reset = 0', choices: ['zero', 'subtract'] },
    { flags: '--beta-tolerance <x>', description: 'NIR: neurons whose beta differs by less share one population (else split into groups)', parse: 'float' },
    { flags: '--bias <mode>', description: 'NIR nonzero biases: refuse or input', choices: ['refuse', 'input'] },
    { flags: '--weight-bits <n>', description: 'integer weight bits (8 or 16)', choices: ['8', '16'], default: '8' },
    json,
  ],
  run: async (a, o) => (await import('../api/sim.js')).sim(a[0], o),
  format: (r) => r.text,
};
