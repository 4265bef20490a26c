// `--timesteps N`: run a model at another T without retraining (thresholds do not depend on
// T). A bad N is a usage error; an N above what the overflow proof allows is refused by the
// quantize pass with SNN_E_OVERFLOW naming the largest T that fits (docs/semantics.md).

import type { Model } from './types.js';
import { fail } from '../../core/errors.js';

/** The largest T the IR accepts at all (compiler/ir/validate.ts). */
export const MAX_TIMESTEPS = 1_000_000;

/** Checks a --timesteps value: a whole number in 1 .. MAX_TIMESTEPS. */
export function checkTimesteps(t: unknown, flag = '--timesteps'): number {
  const x = typeof t === 'string' && t.trim() !== '' ? Number(t) : t;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) fail('SNN_E_USAGE', `${flag} must be a whole number of steps >= 1, got ${String(t)}`);
  if (x > MAX_TIMESTEPS) fail('SNN_E_USAGE', `${flag} ${x} is more than the ${MAX_TIMESTEPS} steps a graph may have`);
  return x;
}

/** The model with T replaced (a shallow copy; tensors are shared, nothing is mutated). */
export function withTimesteps(model: Model, t: number | undefined): Model {
  if (t === undefined) return model;
  const timesteps = checkTimesteps(t);
  return { ...model, graph: { ...model.graph, timesteps } };
}
