// Positive shift of an embedding table, as in the spiking TextCNN authors' code: rate
// encoders need values in [0, 1], so clip at mean +/- k std and map linearly into [0, 1].
// Row 0 (<pad>) is excluded from the statistics and stays exactly 0: padding never spikes.

import { fail } from '../../core/errors.js';

export interface ShiftConstants {
  mean: number;
  std: number;
  /** Clip bounds: mean -/+ clipStd * std; lo maps to 0, hi to 1. */
  lo: number;
  hi: number;
  clipStd: number;
}

export function positiveShift(
  table: Float32Array,
  dim: number,
  opts: { clipStd?: number } = {},
): { table: Float32Array; constants: ShiftConstants } {
  const clipStd = opts.clipStd ?? 3;
  if (dim <= 0 || table.length % dim !== 0) fail('SNN_E_EMBEDDINGS', `table of ${table.length} values is not a whole number of ${dim}-wide rows`);
  const n = table.length - dim;
  if (n <= 0) fail('SNN_E_EMBEDDINGS', 'embedding table has no rows besides <pad>');
  let sum = 0;
  for (let i = dim; i < table.length; i++) sum += table[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = dim; i < table.length; i++) sq += (table[i] - mean) ** 2;
  const std = Math.sqrt(sq / n);
  if (!(std > 0) || !Number.isFinite(std)) fail('SNN_E_EMBEDDINGS', 'embedding table is constant or not finite; cannot shift it');
  const lo = mean - clipStd * std;
  const hi = mean + clipStd * std;
  const out = new Float32Array(table.length);
  const scale = 1 / (hi - lo);
  for (let i = dim; i < table.length; i++) {
    const v = Math.min(hi, Math.max(lo, table[i]));
    // Float32 rounding may land a hair outside [0, 1]; the encoders rely on the bounds.
    out[i] = Math.min(1, Math.max(0, (v - lo) * scale));
  }
  return { table: out, constants: { mean, std, lo, hi, clipStd } };
}
