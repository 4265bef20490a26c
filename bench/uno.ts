// The Arduino Uno configuration trained for real (issue #4): the spiking TextCNN shrunk to fit
// an ATmega328P (2 KB SRAM) — 16-dim embeddings (whitened PCA of GloVe 100d, then fine-tuned),
// widths 3/4/5 x 8 maps, 16 tokens, T = 8, binary (1-bit) input spikes, 2 output neurons per
// class — trained on SST-2 with the same trainer as the full model, evaluated as floats and as
// integers on the 1,821 SST-2 test sentences, and written to examples/uno/model.snn (which the
// targets benchmark then runs on simavr). Results: bench/results/uno.json.
// Run: npm run build && node dist/bench/uno.js [--seed N] [--epochs N] [--continuous-ann]

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release, arch } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../compiler/api.js';
import { writeModelFile } from '../compiler/frontend/model-format.js';
import { loadTarget } from '../targets/index.js';
import { accuracyOf, agreement, initBackend, predictSnn, prepareData, trainTextCnn } from '../compiler/train/index.js';
import { evaluateInteger } from '../compiler/api/evaluate-integer.js';
import { writeAtomic } from '../compiler/io/atomic.js';

async function main(): Promise<void> {
  const { values: cli } = parseArgs({
    strict: true,
    options: { seed: { type: 'string', default: '1' }, epochs: { type: 'string', default: '12' }, 'continuous-ann': { type: 'boolean', default: false } },
  });
  const seed = Number(cli.seed);
  const epochs = Number(cli.epochs);
  const t0 = performance.now();
  const uno = loadTarget('arduino-uno');
  const cfg = uno.defaultModel!;
  if (cfg.scheme !== 'binary') throw new Error('the uno configuration uses binary input spikes');
  const backend = await initBackend('auto');
  const data = await prepareData('sst2', { embedDim: cfg.dim });
  const { model, metrics } = await trainTextCnn({
    data,
    dataset: 'sst2',
    seed,
    epochs,
    widths: cfg.widths,
    maps: cfg.maps,
    population: cfg.population,
    maxLen: cfg.maxLen,
    timesteps: cfg.timesteps,
    encoder: cfg.scheme,
    bits: 1,
    finetuneEpochs: 3,
    dropout: 0.2,
    quantizeAnnInput: !cli['continuous-ann'],
    quiet: true,
  });
  model.meta.name = 'sst2-uno';
  const test = data.test;
  const inputs = test.map((x) => ({ tokens: Array.from(x.ids.slice(0, cfg.maxLen)) }));
  const labels = test.map((x) => x.label);
  const floatLabels = predictSnn(model.graph, test.map((x) => x.ids)).labels;
  const ie = await evaluateInteger(model, inputs, { bitexact: 50 });
  const out = join(PACKAGE_ROOT, 'examples', 'uno');
  mkdirSync(out, { recursive: true });
  writeModelFile(join(out, 'model.snn'), model);
  const result = {
    config: { ...cfg, embeddings: `GloVe 6B 100d -> whitened PCA ${cfg.dim} dims, positive shift, fine-tuned` },
    seed,
    dataset: 'sst2',
    examples: { train: data.train.length, dev: data.dev.length, test: test.length },
    ann_test: metrics.annTest,
    converted_test: metrics.convertedTest,
    float_snn_test: metrics.snnTest ?? metrics.convertedTest,
    stage: metrics.stage,
    integer_test: accuracyOf(ie.labels, labels),
    int_float_agreement: agreement(ie.labels, floatLabels),
    sops_per_inference: ie.ops.sops,
    energy_ratio: ie.energyRatio,
    wasm_bitexact: ie.bitexact,
    full_model_reference: fullModelReference(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memGB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()} ${arch()}`, node: process.version, backend },
    wall_s: (performance.now() - t0) / 1000,
    date: new Date().toISOString(),
  };
  const resDir = join(PACKAGE_ROOT, 'bench', 'results');
  mkdirSync(resDir, { recursive: true });
  writeAtomic(join(resDir, 'uno.json'), JSON.stringify(result, null, 1) + '\n');
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

/** The shipped full-size SST-2 model's integer test accuracy, read from its own record (not a copied figure). */
function fullModelReference(): string {
  const file = join(PACKAGE_ROOT, 'bench', 'results', 'shipped-model.json');
  if (!existsSync(file)) return 'examples/sst2/model.snn: see bench/results/shipped-model.json (not found)';
  const rec = JSON.parse(readFileSync(file, 'utf8')) as { test?: { accuracy?: { intSnn?: number } } };
  const acc = rec.test?.accuracy?.intSnn;
  return `examples/sst2/model.snn: ${acc === undefined ? 'n/a' : (100 * acc).toFixed(2) + '%'} integer (bench/results/shipped-model.json)`;
}
