// The level-grouped input schedule (docs/semantics.md "Level-grouped input schedule"): the
// facts every implementation shares. A deterministic rate encoder (binary = rate with q = 1)
// starts every accumulator at floor(top / 2) and adds its level each step, so whether an input
// spikes at step t depends only on its level L and t. Inputs of one level therefore spike on
// the same steps, and a synapse can add, per step, one pre-summed row per (target row, level)
// instead of one table row per input spike. Browser-safe: plain arithmetic.

import { levelTop } from './levels.js';

export { levelTop };

/**
 * The smallest level that spikes at least once in T steps. Spike counts grow with the level
 * (floor((floor(top/2) + T*L) / top)), so the levels that ever spike are exactly
 * minLive .. top; the others are skipped when the groups are formed.
 */
export function minLiveLevel(top: number, timesteps: number): number {
  const half = top >> 1;
  return Math.max(1, Math.ceil((top - half) / timesteps));
}

/** Spikes of an input of level L over T steps. */
export function levelSpikeCount(level: number, top: number, timesteps: number): number {
  return Math.floor(((top >> 1) + timesteps * level) / top);
}

/**
 * One step of the per-level clock: acc[L] (started at floor(top/2)) += L; flags[L] = 1 and
 * acc[L] -= top when it reaches top. The same rule as the encoder's accumulators, so flags[L]
 * is 1 exactly when every input of level L spikes this step. flags[0] stays 0.
 */
export function stepLevelClock(acc: Int32Array, flags: Uint8Array, top: number): void {
  for (let l = 1; l <= top; l++) {
    const a = acc[l] + l;
    if (a >= top) {
      acc[l] = a - top;
      flags[l] = 1;
    } else {
      acc[l] = a;
      flags[l] = 0;
    }
  }
}

/** A fresh level clock: acc[L] = floor(top / 2) for L = 1..top. */
export function newLevelClock(top: number): { acc: Int32Array; flags: Uint8Array } {
  const acc = new Int32Array(top + 1).fill(top >> 1);
  acc[0] = 0;
  return { acc, flags: new Uint8Array(top + 1) };
}

/**
 * Where a grouped synapse's sums go: `rows` target rows of `width` neurons each, at most
 * `maxRows` of them (the memory plan's worst case). conv1d and position-wise dense: one row
 * per position; into a global target (pooled or not): one row.
 */
export function groupRows(
  syn: { kind: 'conv1d'; outChannels: number } | { kind: 'dense'; outFeatures: number },
  targetPerPosition: boolean, maxLen: number): { perPosition: boolean; maxRows: number; width: number } {
  const perPosition = syn.kind === 'conv1d' || targetPerPosition;
  return { perPosition, maxRows: perPosition ? maxLen : 1, width: syn.kind === 'conv1d' ? syn.outChannels : syn.outFeatures };
}
