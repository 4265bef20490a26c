// `snnc import` / `snnc export` and the `.nir` path of `snnc compile`: read a NIR file, lower it
// to a float snnc model, and measure what the integer lowering costs (float-vs-int agreement
// of the reference simulator on random input vectors), like `snnc compile --calibrate`.

import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Model } from '../../ir/types.js';
import { fail } from '../../../runtime/errors.js';
import { readModelFile, writeModelFile } from '../model-format.js';
import { runPipeline, type CalibrationReport } from '../../passes/pipeline.js';
import type { SimInput } from '../../../runtime/reference.js';
import { readNirFile, writeNirFile } from './hdf5.js';
import { lowerNir, type DecayConvention, type LowerOptions, type LowerReport } from './lower.js';
import { exportNir } from './export.js';

export { lowerNir, type LowerOptions, type LowerReport } from './lower.js';
export { exportNir } from './export.js';
export { readNirFile, writeNirFile } from './hdf5.js';

/** Most vector-steps the import's float-vs-int calibration simulates (64 vectors at T = 4096). */
export const CALIBRATION_STEPS = 1 << 18;

/** Reads and lowers a NIR file (`snnc compile model.nir` goes through here with defaults). */
export async function readNirModel(path: string, o: LowerOptions = {}): Promise<{ model: Model; report: LowerReport }> {
  const file = await readNirFile(path);
  return lowerNir(file, { name: basename(path).replace(/\.(nir|h5|hdf5)$/i, ''), ...o });
}

/** Deterministic random input vectors in [0, 1] (xorshift32), the bias channel held at 1. */
export function randomVectors(dim: number, count: number, seed = 1, biasChannel = false): SimInput[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const out: SimInput[] = [];
  for (let k = 0; k < count; k++) {
    const v = Array.from({ length: dim }, next);
    if (biasChannel) v[dim - 1] = 1;
    out.push({ vector: v });
  }
  return out;
}

export interface ImportCliOptions {
  out?: string;
  dt?: number;
  decay?: string;
  reset?: string;
  timesteps?: number;
  bits?: number;
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
  return {
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
  const { model, report } = await readNirModel(path, lowerOptionsFrom(o));
  const out = resolve(o.out ?? 'model.snn');
  // calibration simulates count x T steps twice (float and integer): bounded, so a file's own
  // large T (metadata timesteps) cannot make a small import run for minutes
  const asked = o.calibrate ?? 64;
  const count = Math.min(asked, Math.max(1, Math.floor(CALIBRATION_STEPS / report.timesteps)));
  let calibration: ImportOutcome['calibration'];
  let warnings: string[] = [];
  if (count < asked) warnings.push(`calibration on ${count} of ${asked} vectors: T = ${report.timesteps} steps each (at most ${CALIBRATION_STEPS} vector-steps)`);
  if (count > 0) {
    const inputs = randomVectors(report.inputDim, count, 1, report.biasChannel);
    const pipe = runPipeline(model.graph, { weightBits: Number(o.weightBits ?? 8) as 8 | 16, calibration: { inputs } });
    warnings = pipe.warnings;
    if (pipe.calibration) calibration = { ...pipe.calibration, inputs: `${count} uniform random vectors in [0, 1]` };
  }
  mkdirSync(dirname(out), { recursive: true });
  writeModelFile(out, model);
  const lif = model.graph.nodes.filter((n) => n.kind === 'lif');
  const lines = [
    `imported ${basename(path)} (NIR ${report.version}, ${report.layout} layout) -> ${out}`,
    `  nodes: ${Object.entries(report.nodeTypes).map(([k, v]) => `${k} x${v}`).join(', ')}`,
    `  snnc graph: input ${report.inputDim} -> ${lif.map((n) => (n.kind === 'lif' ? `${n.id}[${n.channels}] beta ${n.beta.toPrecision(6)} ${n.reset}` : '')).join(' -> ')}; ${model.meta.classes.length} classes, T = ${report.timesteps}`,
    `  time bridge: dt ${report.dt}, beta = ${report.decay === 'exp' ? 'exp(-dt/tau)' : '1 - dt/tau'}, input scale r dt / tau`,
    ...report.approximations.map((a) => `  approximation: ${a}`),
    ...report.notes.map((a) => `  note: ${a}`),
  ];
  if (calibration) lines.push(`  float vs integer SNN (reference simulator, ${calibration.inputs}): agreement ${(100 * calibration.agreement).toFixed(2)}% on ${calibration.checked}`);
  for (const w of warnings) lines.push(`  warning: ${w}`);
  return { text: lines.join('\n'), out, report, calibration, warnings };
}

export interface ExportCliOptions {
  out?: string;
  dt?: number;
  decay?: string;
  gzip?: number;
}

/** `snnc export model.snn -o model.nir`. */
export async function exportNirFile(path: string, o: ExportCliOptions = {}): Promise<{ text: string; out: string; nodes: number; edges: number }> {
  const model = readModelFile(path);
  const decay = o.decay as DecayConvention | undefined;
  if (decay !== undefined && decay !== 'exp' && decay !== 'linear') fail('SNN_E_USAGE', `--decay must be exp or linear, got ${decay}`);
  if (o.gzip !== undefined && !(Number.isInteger(o.gzip) && o.gzip >= 0 && o.gzip <= 9)) fail('SNN_E_USAGE', '--gzip must be 0..9');
  const file = exportNir(model, { dt: o.dt, decay });
  const out = resolve(o.out ?? 'model.nir');
  mkdirSync(dirname(out), { recursive: true });
  await writeNirFile(out, file, { gzip: o.gzip });
  const nodes = Object.keys(file.graph.nodes ?? {}).length;
  const edges = file.graph.edges?.length ?? 0;
  return { text: `exported ${basename(path)} -> ${out} (NIR ${file.version}: ${nodes} nodes, ${edges} edges; encoder, T and classes in metadata/snnc)`, out, nodes, edges };
}
