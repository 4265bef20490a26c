// The bi-directional spiking encoder (bisnn) bench: trains it on the IMDb subsample (5k/1k/2k,
// 256 tokens, as bench/accuracy.ts) and SST-2 under named variants (pooling, hyper-parameters),
// and reports for each the TF.js and float-SNN accuracy and the compiled integer model's
// accuracy and integer-vs-float agreement with int8 and int16 weights (wasm artifact, checked
// bit for bit against the reference simulator on the first inputs). Model selection is on dev
// only (best dev epoch); the test split is only reported.
//
//   node dist/bench/bisnn.js [--variants mean,paper] [--datasets imdb,sst2] [--seed 1] [--fresh]
//
// Resumable: finished (variant, data set) units are cached in bench/results/bisnn.partial.json,
// and a unit in progress resumes from its last finished epoch (checkpoints in
// .snnc-cache/bench-bisnn/, removed when the unit is done). Writes bench/results/bisnn.json and
// bisnn.md. `imdb-full` is the whole 25k training set (dev carved out of it) and 25k test reviews.

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../compiler/api.js';
import { accuracyOf, agreement, initBackend, predictFloatReference, prepareData, type PreparedData } from '../compiler/train/index.js';
import { trainBisnn, type BisnnOptions } from '../compiler/train/bisnn.js';
import { evaluateInteger } from '../compiler/api/evaluate-integer.js';
import { defaultWeightBits } from '../compiler/passes/weight-bits.js';
import { writeAtomic } from '../compiler/io/atomic.js';

interface Plan {
  name: string;
  /** Registry data set (default: name). */
  dataset?: string;
  maxLen: number;
  limits?: { train?: number; dev?: number; test?: number };
}

const PLANS: Plan[] = [
  { name: 'imdb', maxLen: 256, limits: { train: 5000, dev: 1000, test: 2000 } },
  { name: 'sst2', maxLen: 64 },
  { name: 'imdb-full', dataset: 'imdb', maxLen: 256 },
];

/** Named training variants: what each changes from BISNN_DEFAULTS (epochs 5 unless said). */
const VARIANTS: Record<string, { about: string; o: Partial<BisnnOptions> }> = {
  max: { about: 'the defaults: max pooling of the 0/1 spikes', o: { pool: 'max' } },
  mean: { about: 'mean pooling (spike count / n)', o: { pool: 'mean' } },
  'mean-e8': { about: 'mean pooling, 8 epochs, lr decay 0.8', o: { pool: 'mean', epochs: 8, lrDecay: 0.8 } },
  paper: {
    about: "mean pooling with the paper's settings: hidden 100, decay 0.2, threshold 0.5, lr 1e-3, dropout 0.5",
    o: { pool: 'mean', hidden: 100, beta: 0.2, threshold: 0.5, lr: 1e-3, embeddingLr: 1e-3, dropout: 0.5 },
  },
  'paper-h64-e3': {
    about: "mean pooling with the paper's decay 0.2, threshold 0.5, lr 1e-3 (both), dropout 0.5; hidden kept at 64 and 3 epochs (CPU budget)",
    o: { pool: 'mean', beta: 0.2, threshold: 0.5, lr: 1e-3, embeddingLr: 1e-3, dropout: 0.5, epochs: 3 },
  },
  'mean-lr1e-3': { about: 'mean pooling, lr 1e-3 for the weights and the table (defaults 3e-3)', o: { pool: 'mean', lr: 1e-3, embeddingLr: 1e-3 } },
  'paper-b025': {
    about: "mean pooling with the paper's threshold 0.5, lr 1e-3 (both), dropout 0.5, and decay 0.25 (0.2 rounded to what 3 leak shifts represent exactly); hidden 64, 5 epochs",
    o: { pool: 'mean', beta: 0.25, threshold: 0.5, lr: 1e-3, embeddingLr: 1e-3, dropout: 0.5 },
  },
  'paper-b025-p2': {
    about: 'paper-b025 with early stopping (patience 2) and up to 8 epochs',
    o: { pool: 'mean', beta: 0.25, threshold: 0.5, lr: 1e-3, embeddingLr: 1e-3, dropout: 0.5, epochs: 8, patience: 2 },
  },
  'mean-l1': { about: 'mean pooling, one bi-directional layer of 128 per direction', o: { pool: 'mean', layers: 1, hidden: 128 } },
};

interface Row {
  variant: string;
  dataset: string;
  examples: { train: number; dev: number; test: number };
  maxLen: number;
  options: Partial<BisnnOptions>;
  bestEpoch: number;
  history: { epoch: number; loss: number; trainAcc: number; devAcc: number; seconds: number }[];
  devTfjs: number;
  testTfjs: number | null;
  testFloat: number;
  /** Per weight width: integer test accuracy, agreement with the float SNN, wasm == reference checks. */
  integer: Record<'int8' | 'int16', { accuracy: number; agreement: number; bitexact: { checked: number; equal: number }; sops: number }>;
  defaultWeightBits: number;
  /** Sum of the epochs' seconds (training + dev evaluation), across resumed runs. */
  trainSeconds: number;
  /** Wall time of the run that finished the unit (training from its resume point, and the final evaluation). */
  runSeconds?: number;
  loadavg: number[];
}

function parseCli(argv: string[]) {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: { variants: { type: 'string' }, datasets: { type: 'string' }, seed: { type: 'string' }, fresh: { type: 'boolean', default: false }, out: { type: 'string' }, smoke: { type: 'string' } },
  });
  const variants = (v.variants ?? 'mean').split(',');
  for (const x of variants) if (!VARIANTS[x]) throw new Error(`unknown variant ${x} (${Object.keys(VARIANTS).join(', ')})`);
  return {
    variants,
    datasets: (v.datasets ?? 'imdb,sst2').split(','),
    seed: Number(v.seed ?? 1),
    fresh: v.fresh,
    out: v.out !== undefined ? resolve(v.out) : join(PACKAGE_ROOT, 'bench', 'results'),
    smoke: Number(v.smoke ?? 0),
  };
}

async function unit(variant: string, plan: Plan, data: PreparedData, seed: number, smoke: number, checkpointDir: string): Promise<Row> {
  const o: Partial<BisnnOptions> = { ...VARIANTS[variant].o, ...(smoke ? { epochs: 1 } : {}) };
  const t0 = performance.now();
  // a unit interrupted mid-training resumes from its last finished epoch
  const { model, metrics } = await trainBisnn({ data, dataset: plan.dataset ?? plan.name, seed, maxLen: plan.maxLen, quiet: false, skipFloatEval: true, checkpointDir, resume: true, ...o });
  const runSeconds = (performance.now() - t0) / 1000;
  // every epoch's training and dev evaluation, across resumed runs (the checkpoint keeps the history)
  const trainSeconds = metrics.history.reduce((acc, h) => acc + h.seconds, 0);
  const labels = data.test.map((x) => x.label);
  const inputs = data.test.map((x) => ({ tokens: Array.from(x.ids.slice(0, plan.maxLen)) }));
  const floatLabels = predictFloatReference(model, inputs);
  const integer = {} as Row['integer'];
  for (const bits of [8, 16] as const) {
    const ie = await evaluateInteger(model, inputs, { bitexact: 20, weightBits: bits });
    integer[`int${bits}`] = { accuracy: accuracyOf(ie.labels, labels), agreement: agreement(ie.labels, floatLabels), bitexact: ie.bitexact, sops: ie.ops.sops };
  }
  return {
    variant,
    dataset: plan.name,
    examples: { train: data.train.length, dev: data.dev.length, test: data.test.length },
    maxLen: plan.maxLen,
    options: o,
    bestEpoch: metrics.bestEpoch,
    history: metrics.history,
    devTfjs: metrics.devTfjs,
    testTfjs: metrics.testTfjs,
    testFloat: accuracyOf(floatLabels, labels),
    integer,
    defaultWeightBits: defaultWeightBits(model),
    trainSeconds,
    runSeconds,
    loadavg: loadavg(),
  };
}

const pct = (x: number | null): string => (x === null ? 'n/a' : (100 * x).toFixed(2));

function markdown(rows: Row[]): string {
  const lines = [
    '# bi-SNN bench (bench/bisnn.ts)',
    '',
    'Bi-directional spiking encoder, seed 1, best dev epoch kept (dev-only selection). IMDb: first 5000 train / 1000 dev / 2000 test reviews of the seeded split, 256 tokens; imdb-full: all of it (22500 train / 2500 dev carved out of the 25k training reviews, seeded; the 24578 deduplicated test reviews), 256 tokens; SST-2: full splits, 64 tokens. Train time: training and dev evaluation of every epoch, on the shared 2-core machine (other benches running at the same time). Integer = compiled wasm artifact (bit-exact with the reference simulator on the first 20 test inputs); agreement = integer vs float-SNN labels on the test split.',
    '',
    '| variant | data set | best epoch | train acc (best epoch) | dev (TF.js) | test float | int8 test | int8 agree | int16 test | int16 agree | train time |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const h = r.history.find((x) => x.epoch === r.bestEpoch);
    lines.push(
      `| ${r.variant} | ${r.dataset} | ${r.bestEpoch}/${r.history.length} | ${h ? pct(h.trainAcc) : 'n/a'} | ${pct(r.devTfjs)} | ${pct(r.testFloat)} | ${pct(r.integer.int8.accuracy)} | ${pct(r.integer.int8.agreement)} | ${pct(r.integer.int16.accuracy)} | ${pct(r.integer.int16.agreement)} | ${(r.trainSeconds / 60).toFixed(1)} min |`,
    );
  }
  lines.push('', 'Variants:', '');
  for (const v of [...new Set(rows.map((r) => r.variant))]) lines.push(`- **${v}**: ${VARIANTS[v]?.about ?? ''}`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const a = parseCli(process.argv.slice(2));
  mkdirSync(a.out, { recursive: true });
  const partialPath = join(a.out, 'bisnn.partial.json');
  const done: Record<string, Row> = !a.fresh && existsSync(partialPath) ? (JSON.parse(readFileSync(partialPath, 'utf8')) as Record<string, Row>) : {};
  const backend = await initBackend();
  for (const d of a.datasets) {
    const plan0 = PLANS.find((p) => p.name === d);
    if (!plan0) throw new Error(`unknown data set ${d}`);
    const plan = a.smoke ? { ...plan0, limits: { train: a.smoke, dev: a.smoke, test: a.smoke } } : plan0;
    let data: PreparedData | undefined;
    for (const v of a.variants) {
      const key = `${v}:${d}:${a.seed}`;
      if (done[key]) continue;
      data ??= await prepareData(plan.dataset ?? d, { limits: plan.limits });
      process.stderr.write(`bench:bisnn ${key} (${data.train.length} train, ${data.dev.length} dev, ${data.test.length} test) ...\n`);
      const ck = join(PACKAGE_ROOT, '.snnc-cache', 'bench-bisnn', `${key.replace(/:/g, '-')}${a.smoke ? `-smoke${a.smoke}` : ''}`);
      done[key] = await unit(v, plan, data, a.seed, a.smoke, ck);
      rmSync(ck, { recursive: true, force: true });
      // merged with what is on disk: several runs (other variants or data sets) may share the folder
      const disk = existsSync(partialPath) ? (JSON.parse(readFileSync(partialPath, 'utf8')) as Record<string, Row>) : {};
      Object.assign(done, { ...disk, [key]: done[key] });
      writeAtomic(partialPath, JSON.stringify(done, null, 1));
      const r = done[key];
      process.stderr.write(`bench:bisnn ${key}: int8 ${pct(r.integer.int8.accuracy)} (${pct(r.integer.int8.agreement)}), int16 ${pct(r.integer.int16.accuracy)} (${pct(r.integer.int16.agreement)})\n`);
    }
  }
  const disk = existsSync(partialPath) ? (JSON.parse(readFileSync(partialPath, 'utf8')) as Record<string, Row>) : {};
  const rows = Object.values({ ...disk, ...done }).sort((x, y) => x.dataset.localeCompare(y.dataset) || x.variant.localeCompare(y.variant));
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, backend };
  writeAtomic(join(a.out, 'bisnn.json'), JSON.stringify({ rows, variants: VARIANTS, plans: PLANS, machine, date: new Date().toISOString() }, null, 2) + '\n');
  writeAtomic(join(a.out, 'bisnn.md'), markdown(rows));
  process.stderr.write(`bench:bisnn: ${rows.length} rows in ${a.out}/bisnn.{json,md}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
