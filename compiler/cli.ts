// The `snnc` command line: a declarative table of commands and options over the programmatic
// API (compiler/api.ts). Every command returns a result object: --json prints it as JSON,
// otherwise the command's formatter prints it for people. Errors print their stable code.

import { Command, Option } from 'commander';
import { SnncError, isSnncError } from '../runtime/errors.js';
import { dataFileFlags } from './cli/data-flags.js';
import { predictCommand } from './cli/predict.js';
import { withTrainDefaults } from './cli/train-defaults.js';

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | number | boolean;
  choices?: string[];
  parse?: 'int' | 'float';
}

export interface CommandSpec {
  name: string;
  args: string[];
  summary: string;
  options: OptionSpec[];
  /** Loaded lazily so that `snnc --help` does not pull in TensorFlow.js or binaryen. */
  run: (args: string[], opts: Record<string, unknown>) => Promise<unknown>;
  format: (result: any) => string;
}

const json: OptionSpec = { flags: '--json', description: 'print the result as JSON on stdout' };
const profile: OptionSpec = { flags: '--profile <name>', description: 'energy profile (see `snnc profiles`)', default: 'horowitz45-int' };

export const COMMANDS: CommandSpec[] = [
  {
    name: 'train',
    args: [],
    summary: 'train a tailored TextCNN (TF.js), convert it to a spiking TextCNN (optionally fine-tune it with surrogate gradients), an mlp over sentence vectors, or a bi-directional recurrent spiking encoder (bisnn, surrogate gradients); save a .snn model',
    options: withTrainDefaults([
      { flags: '-o, --out <file>', description: 'model file to write', default: 'model.snn' },
      { flags: '--dataset <name>', description: 'sst2 | sst5 | mr | subj | trec | cr | mpqa | imdb', default: 'sst2' },
      { flags: '--data <file>', description: 'train on your own labelled file instead: CSV, TSV, JSONL or "<label> <text>" lines (docs/data.md)' },
      { flags: '--dev <file>', description: 'with --data: the dev file (default: 10% of the training file, seeded and stratified)' },
      { flags: '--test <file>', description: 'with --data: the test file (default: 10% of the training file, seeded and stratified)' },
      ...dataFileFlags,
      { flags: '--label-order <order>', description: 'with --data: class order recorded in the model (default: sorted)', choices: ['sorted', 'first-seen'] },
      { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files (default: examples/data in the package)' },
      { flags: '--epochs <n>', description: 'training epochs', parse: 'int' },
      { flags: '--batch <n>', description: 'batch size', parse: 'int' },
      { flags: '--lr <x>', description: 'Adam learning rate', parse: 'float' },
      { flags: '--seed <n>', description: 'seed for init, shuffling and dropout', parse: 'int' },
      { flags: '--timesteps <n>', description: 'SNN time steps T', parse: 'int' },
      { flags: '--population <n>', description: 'output neurons per class', parse: 'int' },
      { flags: '--encoder <scheme>', description: 'input spike encoder', choices: ['rate', 'binary', 'poisson'] },
      { flags: '--bits <n>', description: 'embedding levels (bits) for the rate/poisson encoder', parse: 'int' },
      { flags: '--max-len <n>', description: 'tokens per sentence (longer ones are truncated)', parse: 'int' },
      { flags: '--static-embeddings', description: 'keep the GloVe embeddings fixed (default: fine-tune them, clipped to [0, 1])' },
      { flags: '--maps <n>', description: 'feature maps per conv width (3, 4, 5)', parse: 'int' },
      { flags: '--dropout <x>', description: 'dropout before the classifier', parse: 'float' },
      { flags: '--percentile <x>', description: 'activation percentile used as each layer\'s threshold', parse: 'float' },
      { flags: '--skip-snn-eval', description: 'do not evaluate the converted SNN on the test split' },
      { flags: '--limit <n>', description: 'use only the first n training sentences (quick runs)', parse: 'int' },
      { flags: '--checkpoint-dir <dir>', description: 'checkpoint folder (one checkpoint per epoch)' },
      { flags: '--resume', description: 'continue from the checkpoint folder' },
      { flags: '--backend <name>', description: 'TF.js backend', choices: ['auto', 'node', 'wasm', 'cpu'], default: 'auto' },
      { flags: '--family <name>', description: 'textcnn (spiking TextCNN) | mlp (IF MLP over a rate-coded sentence vector) | bisnn (bi-directional recurrent spiking encoder, 1-bit embeddings)', choices: ['textcnn', 'mlp', 'bisnn'] },
      { flags: '--finetune-epochs <n>', description: 'surrogate-gradient (BPTT) fine-tuning epochs after conversion', parse: 'int' },
      { flags: '--ft-lr <x>', description: 'fine-tuning learning rate (default 1e-4; 1e-3 with --direct)', parse: 'float' },
      { flags: '--slope <x>', description: 'fast-sigmoid surrogate slope', parse: 'float' },
      { flags: '--rate-scale <x>', description: 'fine-tuning loss: logits = rate-scale x class spike rate', parse: 'float' },
      { flags: '--ft-loss <kind>', description: 'CE of the cumulative rate or of each step\'s spikes, averaged over steps', choices: ['cumulative', 'per-step'] },
      { flags: '--threshold-scale <x>', description: 'multiply every threshold before fine-tuning', parse: 'float' },
      { flags: '--train-timesteps <n>', description: 'BPTT steps (default: --timesteps)', parse: 'int' },
      { flags: '--direct', description: 'ablation: no ANN, no conversion; random init then surrogate training (--finetune-epochs or --epochs)' },
      { flags: '--threshold <x>', description: 'threshold of every population with --direct; bisnn: theta of the recurrent layers', parse: 'float' },
      { flags: '--embeddings <kind|file>', description: 'input table: glove (GloVe 6B 100d from npm, the default), random (ablation), or a GloVe/word2vec/fastText .vec text file; positive-shifted' },
      { flags: '--threshold-sweep <list>', description: 'also evaluate with thresholds times each factor, e.g. 0.5,1,2 (accuracy, active neurons)' },
      { flags: '--hidden <list>', description: 'mlp hidden layer sizes, e.g. 256,128 (the default); bisnn: neurons per direction and layer (one number)' },
      { flags: '--layers <n>', description: 'bisnn: stacked bi-directional recurrent layers', parse: 'int' },
      { flags: '--beta <x>', description: 'bisnn: membrane decay tau per position, in (0, 1]', parse: 'float' },
      { flags: '--input-threshold <x>', description: 'bisnn: input spike threshold nu, spikes = H(embedding - nu), in (0, 1)', parse: 'float' },
      { flags: '--surrogate <kind>', description: 'bisnn: surrogate gradient of the spikes', choices: ['rectangular', 'triangular', 'sigmoid', 'gaussian'] },
      { flags: '--width <x>', description: 'bisnn: surrogate width in membrane units (recurrent layers)', parse: 'float' },
      { flags: '--input-width <x>', description: 'bisnn: surrogate width of the input spikes, in embedding units', parse: 'float' },
      { flags: '--embedding-lr <x>', description: 'bisnn: Adam learning rate of the embedding table (lazy, rows in the batch)', parse: 'float' },
      { flags: '--lr-decay <x>', description: 'bisnn: multiply both learning rates by x after every epoch, in (0, 1]', parse: 'float' },
      { flags: '--no-recurrent', description: 'bisnn: no self-recurrent weights (each scan only leaks and integrates)' },
      json,
    ]),
    run: async (_a, o) => (await import('./api.js')).train(o),
    format: (r) => r.text,
  },
  {
    name: 'embed',
    args: ['<model>', '[text...]'],
    summary: 'the input vector of an mlp model for a text (host-side sentence embedding); with --artifact also classify it',
    options: [
      { flags: '--file <path>', description: 'read the text from a file (strict UTF-8; - for stdin)' },
      { flags: '--artifact <wasm>', description: 'compiled artifact of the same model: classify the vector' },
      profile,
      json,
    ],
    run: async (a, o) => (await import('./api.js')).embed(a[0], a.slice(1), o),
    format: (r) => r.text,
  },
  {
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
      { flags: '--stop-after <pass>', description: 'stop after a pass and write the IR text: pack | quantize | sparsify | plan-memory' },
      { flags: '--calibrate <dataset|file>', description: 'measure float-vs-int agreement on a data set (e.g. sst2:dev) or a labelled file' },
      { flags: '--calibrate-limit <n>', description: 'sentences used for calibration', parse: 'int', default: 200 },
      ...dataFileFlags,
      { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files (default: examples/data in the package)' },
      { flags: '--no-simd', description: 'emit scalar code only' },
      json,
    ],
    run: async (a, o) => (await import('./api.js')).compile(a[0], o),
    format: (r) => r.text,
  },
  {
    name: 'import',
    args: ['<nir>'],
    summary: 'read a NIR graph (HDF5 .nir) into a float .snn model; reports approximations and float-vs-int agreement (docs/nir.md)',
    options: [
      { flags: '-o, --out <file>', description: 'model file to write', default: 'model.snn' },
      { flags: '--dt <seconds>', description: 'step length in the file\'s time unit (default: the file\'s snnc metadata, else 1e-4 as snnTorch exports)', parse: 'float' },
      { flags: '--decay <rule>', description: 'beta from tau: exp = exp(-dt/tau), linear = 1 - dt/tau (snnTorch)', choices: ['exp', 'linear'] },
      { flags: '--reset <kind>', description: 'reset of neurons with v_reset = 0 (NIR resets to v_reset: zero)', choices: ['zero', 'subtract'] },
      { flags: '--timesteps <n>', description: 'SNN time steps T (default: metadata, else 32)', parse: 'int' },
      { flags: '--bits <n>', description: 'rate-encoder levels (bits) of the input vector (default 8)', parse: 'int' },
      { flags: '--classes <names>', description: 'comma-separated class names (their count splits the output neurons)' },
      { flags: '--population <n>', description: 'output neurons per class', parse: 'int' },
      { flags: '--bias <mode>', description: 'nonzero Affine/Conv biases: refuse, or carry them on an extra input channel fixed at 1', choices: ['refuse', 'input'] },
      { flags: '--beta-tolerance <x>', description: 'largest per-neuron spread of beta averaged into one population beta', parse: 'float' },
      { flags: '--calibrate <n>', description: 'random input vectors for the float-vs-int agreement (0: skip)', parse: 'int', default: 64 },
      json,
    ],
    run: async (a, o) => (await import('./frontend/nir/import.js')).importNir(a[0], o),
    format: (r) => r.text,
  },
  {
    name: 'export',
    args: ['<model>'],
    summary: 'write a vector-input .snn model (dense + LIF/IF + readout) as a NIR graph (HDF5); encoder, T and classes go to metadata',
    options: [
      { flags: '-o, --out <file>', description: 'NIR file to write', default: 'model.nir' },
      { flags: '--dt <seconds>', description: 'step length written into tau and r', parse: 'float', default: 1e-4 },
      { flags: '--decay <rule>', description: 'tau from beta: exp (beta = exp(-dt/tau)) or linear (beta = 1 - dt/tau)', choices: ['exp', 'linear'], default: 'exp' },
      { flags: '--gzip <level>', description: 'gzip level of the arrays (0: none)', parse: 'int', default: 4 },
      json,
    ],
    run: async (a, o) => (await import('./frontend/nir/import.js')).exportNirFile(a[0], o),
    format: (r) => r.text,
  },
  {
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
      profile,
      json,
    ],
    run: async (a, o) => (await import('./api.js')).run(a[0], a.slice(1), o),
    format: (r) => r.text,
  },
  {
    name: 'deploy',
    args: ['<model>'],
    summary: 'build for a device: C firmware (arduino-uno, cortex-m3, host-c) or a Raspberry Pi bundle (rpi)',
    options: [
      { flags: '--target <name>', description: 'arduino-uno | cortex-m3 | host-c | rpi', default: 'arduino-uno' },
      { flags: '-o, --out <dir>', description: 'output folder', default: 'deploy' },
      { flags: '--mode <mode>', description: "on-device input (default: the target's)", choices: ['tokens', 'spikes'] },
      { flags: '--weight-bits <n>', description: 'weight width (8 or 16)', parse: 'int', default: 8 },
      { flags: '--state-bits <n>', description: 'force membrane width (16 or 32)', parse: 'int' },
      { flags: '--prune <x>', description: 'fraction of weights to prune', parse: 'float' },
      { flags: '--layout <l>', description: 'table layout', choices: ['auto', 'dense', 'sparse'], default: 'auto' },
      { flags: '--no-native', description: 'rpi: skip the native aarch64 firmware' },
      { flags: '--no-build', description: 'C targets: write sources only' },
      json,
    ],
    run: async (a, o) => (await import('./backends/c/deploy.js')).runDeploy(a, o),
    format: (r) => r.text,
  },
  {
    name: 'eval',
    args: ['<model>'],
    summary: 'accuracy, mean ops and energy on a data set; with a .snn model also ANN and float-SNN accuracy and agreement',
    options: [
      { flags: '--data <dataset|file>', description: 'data set and split (e.g. sst2:test), or a labelled file: CSV, TSV, JSONL or "<label> <text>" lines', default: 'sst2:test' },
      ...dataFileFlags,
      { flags: '--data-dir <dir>', description: 'folder holding the sentence-classification files (default: examples/data in the package)' },
      { flags: '--limit <n>', description: 'evaluate only the first n sentences', parse: 'int' },
      { flags: '--model <file>', description: 'the float .snn model behind a .wasm artifact (adds float-vs-int agreement)' },
      { flags: '--backend <name>', description: 'TF.js backend for the ANN and float SNN', choices: ['auto', 'node', 'wasm', 'cpu'], default: 'auto' },
      profile,
      json,
    ],
    run: async (a, o) => (await import('./api.js')).evaluate(a[0], o),
    format: (r) => r.text,
  },
  predictCommand,
  {
    name: 'inspect',
    args: ['<model>'],
    summary: 'print a .snn model\'s graph as IR text, or a .wasm artifact\'s metadata',
    options: [json],
    run: async (a) => (await import('./api.js')).inspect(a[0]),
    format: (r) => r.text,
  },
  {
    name: 'profiles',
    args: [],
    summary: 'list the energy profiles and their sources',
    options: [json],
    run: async () => (await import('./api.js')).profiles(),
    format: (r) => r.text,
  },
];

function parseNumber(kind: 'int' | 'float', flags: string) {
  return (v: string) => {
    const x = kind === 'int' ? Number.parseInt(v, 10) : Number.parseFloat(v);
    if (!Number.isFinite(x) || (kind === 'int' && String(x) !== v.trim())) throw new SnncError('SNN_E_USAGE', `${flags} expects ${kind === 'int' ? 'an integer' : 'a number'}, got "${v}"`);
    return x;
  };
}

/** Builds the commander program from the table. */
export function buildProgram(onResult: (spec: CommandSpec, result: unknown, asJson: boolean) => void): Command {
  const program = new Command('snnc')
    .description('Compile spiking neural network text classifiers to addition-only integer runtimes (WebAssembly, microcontrollers).')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.summary).exitOverride();
    for (const a of spec.args) cmd.argument(a);
    for (const o of spec.options) {
      const opt = new Option(o.flags, o.description);
      if (o.default !== undefined) opt.default(o.default);
      if (o.choices) opt.choices(o.choices);
      if (o.parse) opt.argParser(parseNumber(o.parse, o.flags));
      cmd.addOption(opt);
    }
    cmd.action(async (...xs: unknown[]) => {
      const c = xs[xs.length - 1] as Command;
      const opts = c.opts();
      const args = (xs.slice(0, spec.args.length) as (string | string[] | undefined)[]).flatMap((x) => (x === undefined ? [] : Array.isArray(x) ? x : [x]));
      const result = await spec.run(args, opts);
      onResult(spec, result, Boolean(opts.json));
    });
  }
  return program;
}

/** Entry point: returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  let asJson = argv.includes('--json');
  const program = buildProgram((spec, result, j) => {
    asJson = j;
    if (result === undefined) return; // the command printed its own output (predict to stdout)
    if (j) {
      // the human-readable rendering stays out of machine output
      const { text: _text, ...rest } = result as Record<string, unknown>;
      process.stdout.write(JSON.stringify(rest, null, 2) + '\n');
    } else process.stdout.write(spec.format(result) + '\n');
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (isSnncError(e)) {
      if (asJson) process.stdout.write(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
      else process.stderr.write(`snnc: error ${e.message}\n`);
      return e.code === 'SNN_E_USAGE' ? 2 : 1;
    }
    process.stderr.write(`snnc: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
