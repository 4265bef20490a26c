// Measuring a trained float model with the reference simulator (float mode) and comparing
// label lists. Compiling it and running the artifact (evaluateInteger) is the API layer's:
// compiler/api/evaluate-integer.ts.

import type { Model } from '../ir/types.js';
import { simulate, type SimInput } from '../../runtime/reference.js';

/** Float-SNN labels with the reference simulator (float mode); fine for small graphs (MLP). */
export function predictFloatReference(model: Model, inputs: SimInput[]): number[] {
  return inputs.map((x) => simulate(model.graph, x, 'float').label);
}

export function agreement(a: number[], b: number[]): number {
  let ok = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) ok++;
  return a.length ? ok / a.length : 0;
}

export function accuracyOf(pred: number[], labels: number[]): number {
  return agreement(pred, labels);
}
