// Calibration: what lowering a float graph to integers cost, measured with the reference
// simulator on a set of inputs (float-vs-int label agreement, accuracy before and after
// pruning, populations that fall silent). It sits above the passes so that the pass pipeline
// stays a pure graph-to-graph transform that never runs a simulator; `snnc compile
// --calibrate` and `snnc import` report it.

import type { Graph } from '../ir/types.js';
import { PASS_ORDER, runPipeline, type PipelineOptions, type PipelineResult } from '../passes/pipeline.js';
import { simulate, type SimInput, type StepsInput } from '../../runtime/reference.js';
import { xorshift32 } from '../../core/prng.js';

export interface Calibration {
  /** Vectors or token ids; per-step spike trains for a direct (spike-train) input. */
  inputs: (SimInput | StepsInput)[];
  /** True labels, when known: the report then gives accuracies too. */
  labels?: number[];
}

export interface CalibrationReport {
  checked: number;
  /** Share of inputs where the integer SNN picks the float SNN's label. */
  agreement: number;
  accuracyFloat?: number;
  accuracyInt?: number;
  /** Integer accuracy without pruning (only when pruning was asked for). */
  accuracyIntUnpruned?: number;
  /** Mean spikes per inference of each LIF population in the integer graph. */
  layerSpikes: Record<string, number>;
}

export interface CalibratedPipelineResult extends PipelineResult {
  calibration?: CalibrationReport;
}

function accuracy(pred: number[], labels: number[] | undefined): number | undefined {
  if (!labels) return undefined;
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return pred.length ? ok / pred.length : undefined;
}

/**
 * Runs the pass pipeline on `input` and, with calibration inputs and an integer result, compares
 * the float graph with the integer one (and, when pruning ran, with the same pipeline unpruned).
 * Silent populations are added to the pipeline's warnings.
 */
export function runCalibratedPipeline(input: Graph, opts: PipelineOptions & { calibration?: Calibration } = {}): CalibratedPipelineResult {
  const { calibration: cal, ...pipeOpts } = opts;
  const pipe = runPipeline(input, pipeOpts);
  const g = pipe.graph;
  if (!cal || !cal.inputs.length || g.stage !== 'integer') return pipe;
  const sparsified = pipeOpts.stopAfter === undefined || PASS_ORDER.indexOf(pipeOpts.stopAfter) >= PASS_ORDER.indexOf('sparsify');
  const unpruned = pipeOpts.prune && sparsified ? runPipeline(input, { ...pipeOpts, prune: 0, stopAfter: 'sparsify' }).graph : undefined;
  const { inputs, labels } = cal;
  const floatPred: number[] = [];
  const intPred: number[] = [];
  const unprunedPred: number[] = [];
  const lifs = g.nodes.filter((n) => n.kind === 'lif');
  const spikes = new Array<number>(lifs.length).fill(0);
  for (const x of inputs) {
    floatPred.push(simulate(input, x, 'float').label);
    const r = simulate(g, x, 'integer');
    intPred.push(r.label);
    r.layerSpikes.forEach((s, i) => (spikes[i] += s));
    if (unpruned) unprunedPred.push(simulate(unpruned, x, 'integer').label);
  }
  let agree = 0;
  for (let i = 0; i < inputs.length; i++) if (floatPred[i] === intPred[i]) agree++;
  const warnings = [...pipe.warnings];
  const layerSpikes: Record<string, number> = {};
  lifs.forEach(({ id, spiking }, i) => {
    layerSpikes[id] = spikes[i] / inputs.length;
    // a leaky integrator (`spiking: false`, read by a membrane readout) never fires by design
    if (spikes[i] === 0 && spiking !== false) warnings.push(`population ${id} never fired on the ${inputs.length} calibration inputs: it is silent after quantization`);
  });
  return {
    ...pipe,
    warnings,
    calibration: {
      checked: inputs.length,
      agreement: agree / inputs.length,
      accuracyFloat: accuracy(floatPred, labels),
      accuracyInt: accuracy(intPred, labels),
      accuracyIntUnpruned: unpruned ? accuracy(unprunedPred, labels) : undefined,
      layerSpikes,
    },
  };
}

/** Deterministic random input vectors in [0, 1] (xorshift32), the bias channel held at 1. */
export function randomVectors(dim: number, count: number, seed = 1, biasChannel = false): SimInput[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = xorshift32(s);
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

/**
 * Deterministic random spike trains (xorshift32) for a direct input: T rows of `dim` counts,
 * each nonzero with probability `density` (then uniform in 1..top); the bias channel spikes
 * every step.
 */
export function randomSpikeTrains(dim: number, T: number, count: number, top: number, seed = 1, biasChannel = false, density = 0.2): StepsInput[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = xorshift32(s);
    return s / 4294967296;
  };
  const out: StepsInput[] = [];
  for (let k = 0; k < count; k++) {
    const steps = Array.from({ length: T }, () => {
      const row = Array.from({ length: dim }, () => (next() < density ? 1 + Math.min(top - 1, Math.floor(next() * top)) : 0));
      if (biasChannel) row[dim - 1] = 1;
      return row;
    });
    out.push({ steps });
  }
  return out;
}
