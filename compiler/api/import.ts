// `snnc import model.nir -o model.snn`: the NIR frontend reads and lowers the graph, then this
// command measures what the integer lowering costs (float-vs-int agreement of the reference
// simulator on random input vectors, like `snnc compile --calibrate`) and writes the model.

import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fail } from '../../core/errors.js';
import { writeModelFile } from '../frontend/model-format.js';
import { CALIBRATION_STEPS, readNirModel, type DecayConvention, type LowerOptions, type LowerReport } from '../frontend/nir/import.js';
import { xorshift32 } from '../../core/prng.js';
import { defaultWeightBits } from '../passes/weight-bits.js';
import { randomSpikeTrains, randomVectors, runCalibratedPipeline, type CalibrationReport } from './calibrate.js';
import { runPipeline } from '../passes/pipeline.js';

export interface ImportCliOptions {
  out?: string;
  dt?: number;
  decay?: string;
  reset?: string;
  timesteps?: number;
  bits?: number;
  /** The Input: rate (a value in [0, 1] rate-coded, default) or direct (a spike train). */
  encoder?: string;
  classes?: string;
  population?: number;
  bias?: string;
  betaTolerance?: number;
  calibrate?: number;
  weightBits?: string | number;
}

export interface ImportOutcome {
  text: string;
  out: string;
  report: LowerReport;
  calibration?: CalibrationReport & { inputs: string };
  warnings: string[];
}

export function lowerOptionsFrom(o: ImportCliOptions): LowerOptions {
  const decay = o.decay as DecayConvention | undefined;
  if (decay !== undefined && decay !== 'exp' && decay !== 'linear') fail('SNN_E_USAGE', `--decay must be exp or linear, got ${decay}`);
  if (o.reset !== undefined && o.reset !== 'zero' && o.reset !== 'subtract') fail('SNN_E_USAGE', `--reset must be zero or subtract, got ${o.reset}`);
  if (o.bias !== undefined && o.bias !== 'refuse' && o.bias !== 'input') fail('SNN_E_USAGE', `--bias must be refuse or input, got ${o.bias}`);
  if (o.timesteps !== undefined && !(Number.isInteger(o.timesteps) && o.timesteps > 0 && o.timesteps <= 1_000_000)) fail('SNN_E_USAGE', '--timesteps must be a positive integer');
  if (o.bits !== undefined && !(Number.isInteger(o.bits) && o.bits >= 1 && o.bits <= 8)) fail('SNN_E_USAGE', '--bits must be 1..8');
  if (o.encoder !== undefined && o.encoder !== 'rate' && o.encoder !== 'direct') fail('SNN_E_USAGE', `--encoder must be rate or direct, got ${o.encoder}`);
  return {
    ...(o.encoder !== undefined ? { encoder: o.encoder as 'rate' | 'direct' } : {}),
    dt: o.dt,
    decay,
    reset: o.reset as 'zero' | 'subtract' | undefined,
    timesteps: o.timesteps,
    bits: o.bits,
    classes: o.classes ? o.classes.split(',').map((s) => s.trim()) : undefined,
    population: o.population,
    bias: o.bias as 'refuse' | 'input' | undefined,
    betaTolerance: o.betaTolerance,
  };
}

/** `snnc import model.nir -o model.snn`. */
export async function importNir(path: string, o: ImportCliOptions = {}): Promise<ImportOutcome> {
  // an Output that forms no classifier (one neuron, a split population) imports without readout
  // (docs/nir.md "Graphs without readout"): snnc sim traces it, snnc compile reports its output neurons
  const { model, report } = await readNirModel(path, { ...lowerOptionsFrom(o), readout: 'optional' });
  const noReadout = !model.graph.nodes.some((n) => n.kind === 'readout');
  const out = resolve(o.out ?? 'model.snn');
  // calibration simulates count x T steps twice (float and integer): bounded, so a file's own
  // large T (metadata timesteps) cannot make a small import run for minutes
  const asked = o.calibrate ?? 64;
  // float-vs-int agreement is over labels: a graph without readout has none (compare its traces with snnc sim --float)
  const count = noReadout ? 0 : Math.min(asked, Math.max(1, Math.floor(CALIBRATION_STEPS / report.timesteps)));
  let calibration: ImportOutcome['calibration'];
  let warnings: string[] = [];
  const capped = count < asked && !noReadout ? [`calibration on ${count} of ${asked} vectors: T = ${report.timesteps} steps each (at most ${CALIBRATION_STEPS} vector-steps)`] : [];
  if (count > 0) {
    // a spike-train input calibrates on random spike trains (docs/nir.md "Spike-train input")
    const enc = model.graph.nodes.find((n) => n.kind === 'encoder');
    const direct = enc?.kind === 'encoder' && enc.scheme === 'direct' ? enc : undefined;
    const tokens = model.graph.nodes.find((n) => n.kind === 'tokens');
    const inputs = tokens?.kind === 'tokens' ? randomSentences(model.vocab!.length, tokens.maxLen, count) : direct ? randomSpikeTrains(report.inputDim, report.timesteps, count, 2 ** direct.bits - 1, 1, report.biasChannel) : randomVectors(report.inputDim, count, 1, report.biasChannel);
    const pipe = runCalibratedPipeline(model.graph, { weightBits: (o.weightBits !== undefined ? Number(o.weightBits) : defaultWeightBits(model)) as 8 | 16, calibration: { inputs } });
    warnings = [...capped, ...pipe.warnings];
    const what = tokens ? `${count} random sentences of the vocabulary's words` : direct ? `${count} random spike trains (20% of counts nonzero)` : `${count} uniform random vectors in [0, 1]`;
    if (pipe.calibration) calibration = { ...pipe.calibration, inputs: what };
  } else if (noReadout) {
    warnings = runPipeline(model.graph, { weightBits: Number(o.weightBits ?? 8) as 8 | 16 }).warnings;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeModelFile(out, model);
  const lif = model.graph.nodes.filter((n) => n.kind === 'lif');
  const lines = [
    `imported ${basename(path)} (NIR ${report.version}, ${report.layout} layout) -> ${out}`,
    `  nodes: ${Object.entries(report.nodeTypes).map(([k, v]) => `${k} x${v}`).join(', ')}`,
    ...(report.text ? [`  text model (${report.text.family}): ${report.text.positions} positions, ${model.vocab?.length ?? 0} words; other NIR tools see the ${report.text.body} body: ${report.text.caveats.join('; ')}`] : []),
    `  snnc graph: input ${report.text ? 'tokens' : report.inputDim} -> ${lif.map((n) => (n.kind === 'lif' ? `${n.id}[${n.channels}] beta ${n.beta.toPrecision(6)} ${n.reset}` : '')).join(' -> ')}; ${model.meta.classes.length} classes, T = ${report.timesteps}`,
    `  input: ${inputLine(model.graph)}`,
    `  time bridge: dt ${report.dt}, beta = ${report.decay === 'exp' ? 'exp(-dt/tau)' : '1 - dt/tau'}, input scale r dt / tau`,
    ...report.approximations.map((a) => `  approximation: ${a}`),
    ...report.notes.map((a) => `  note: ${a}`),
  ];
  if (noReadout) lines.push('  no classifier readout: snnc sim traces it (--float for the float run); a compiled artifact reports its output neurons\' spike counts (docs/nir.md "Graphs without readout")');
  if (calibration) lines.push(`  float vs integer SNN (reference simulator, ${calibration.inputs}): agreement ${(100 * calibration.agreement).toFixed(2)}% on ${calibration.checked}`);
  for (const w of warnings) lines.push(`  warning: ${w}`);
  return { text: lines.join('\n'), out, report, calibration, warnings };
}

/** Seeded random sentences for calibrating a text model: 1..maxLen word ids (never <pad>). */
function randomSentences(vocab: number, maxLen: number, count: number): { tokens: number[] }[] {
  let x = 0x5eed;
  const next = () => (x = xorshift32(x));
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % maxLen) }, () => 1 + (next() % (vocab - 1)))).map((tokens) => ({ tokens }));
}

/** What the imported graph's Input takes (its encoder). */
function inputLine(g: { nodes: readonly { kind: string }[] }): string {
  const e = g.nodes.find((n) => n.kind === 'encoder') as { scheme: string; bits: number } | undefined;
  if (!e) return 'none';
  if (g.nodes.some((n) => n.kind === 'tokens')) return `tokens -> embedding -> ${e.scheme} encoder, ${e.bits} bits`;
  return e.scheme === 'direct' ? `a spike train (direct), counts 0..${2 ** e.bits - 1} per channel and step` : `${e.scheme}-coded values in [0, 1], ${e.bits} bits`;
}
