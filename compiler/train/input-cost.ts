// Input density of a spiking TextCNN: the share of (token, channel) inputs whose encoder level
// is not zero, counted over the tokens of real sentences (so frequent words weigh what they
// cost). With the level-grouped first-layer schedule every nonzero input channel costs one
// pass over its weight rows per inference (docs/training.md "Cheap models for SST-2"), so this
// is the first-layer cost lever. Also the initial per-dimension shift that starts a table at a
// chosen density (`inputDensity` of the trainer).

import { fail } from '../../core/errors.js';
import { toLevel } from '../../core/levels.js';

/** Token-weighted share of nonzero q-bit levels over the first `maxLen` tokens of every row. */
export function inputDensity(table: Float32Array, dim: number, rows: ArrayLike<number>[], maxLen: number, bits: number): number {
  let ones = 0;
  let total = 0;
  for (const r of rows) {
    const n = Math.min(r.length, maxLen);
    for (let p = 0; p < n; p++) {
      const o = r[p] * dim;
      for (let d = 0; d < dim; d++) if (toLevel(table[o + d], bits) > 0) ones++;
      total += dim;
    }
  }
  return total ? ones / total : 0;
}

/**
 * A copy of `table` with every dimension shifted (then clipped into [0, 1]) so that a share
 * `density` of the training tokens' values have a nonzero q-bit level: per dimension d, the
 * value v_d above which that share lies moves to the level-1 boundary 0.5 / (2^q - 1). Row 0
 * (`<pad>`) stays zero. A trainable per-dimension binarization threshold would start here too;
 * with trained embeddings the table absorbs it, so only the start is set.
 */
export function shiftToDensity(table: Float32Array, dim: number, rows: ArrayLike<number>[], maxLen: number, bits: number, density: number): Float32Array {
  if (!(density > 0 && density < 1)) fail('SNN_E_USAGE', `input density must be in (0, 1), got ${density}`);
  const boundary = 0.5 / ((1 << bits) - 1);
  let N = 0;
  for (const r of rows) N += Math.min(r.length, maxLen);
  if (N === 0) fail('SNN_E_DATA', 'no training tokens to measure the input density on');
  const vals = new Float32Array(N);
  const out = table.slice();
  const k = Math.min(N - 1, Math.max(1, Math.round(density * N)));
  for (let d = 0; d < dim; d++) {
    let i = 0;
    for (const r of rows) {
      const n = Math.min(r.length, maxLen);
      for (let p = 0; p < n; p++) vals[i++] = table[r[p] * dim + d];
    }
    vals.sort();
    // the k largest values lie above a cut between vals[N-k-1] and vals[N-k]; a frequent word
    // repeats its value many times, so move the cut to the nearest change of value
    let up = N - k;
    while (up < N && vals[up] === vals[up - 1]) up++;
    let dn = N - k;
    while (dn > 1 && vals[dn] === vals[dn - 1]) dn--;
    const at = up >= N || N - k - dn <= up - (N - k) ? dn : up;
    const cut = (vals[at] + vals[at - 1]) / 2;
    const shift = boundary - cut;
    for (let v = 1; v < table.length / dim; v++) {
      const j = v * dim + d;
      out[j] = Math.min(1, Math.max(0, table[j] + shift));
    }
  }
  return out;
}

/** Shape of one conv branch of the first layer. */
export interface FirstConv {
  width: number;
  /** Target channels: the length of a dense weight row, and of a level group's sum row. */
  maps: number;
  /** Weights per table row `j * dim + c` (a sparse table's entries); default `maps` (dense). */
  rowEntries?: ArrayLike<number>;
}

/** First-layer synaptic additions of one inference under two schedules. */
export interface FirstLayerOps {
  /** One row per input spike and valid tap (the reference simulator's event-driven count). */
  perSpike: number;
  /** Level-grouped: group sums formed once (`forming`) plus one group row per (target, level, step) (`perStep`). */
  grouped: number;
  forming: number;
  perStep: number;
  /** Nonzero (position, channel) inputs. */
  nonzero: number;
}

function firesAt(level: number, t: number, top: number): boolean {
  // the rate encoder: accumulator from floor(top/2), += level per step, spike when >= top
  const h = top >> 1;
  return Math.floor((h + (t + 1) * level) / top) > Math.floor((h + t * level) / top);
}

/**
 * First-layer additions of one sentence for the deterministic rate encoder (binary = q 1):
 * `levels` [n, dim] q-bit levels; conv rows dense or with the given entry counts. The grouped count assumes that all input
 * channels with the same level fire on the same steps (they do: same accumulator start), so
 * each (target position, level) sums its inputs' weight rows once per inference and adds that
 * sum at every step the level fires. An estimate of the engine's exact counter, not it.
 */
export function firstLayerOps(levels: ArrayLike<number>, n: number, dim: number, bits: number, T: number, convs: FirstConv[]): FirstLayerOps {
  const top = (1 << bits) - 1;
  const fires: boolean[][] = [];
  for (let L = 0; L <= top; L++) fires.push(Array.from({ length: T }, (_, t) => L > 0 && firesAt(L, t, top)));
  const spikes = new Array<number>(top + 1).fill(0);
  for (let L = 1; L <= top; L++) spikes[L] = fires[L].filter(Boolean).length;
  let perSpike = 0;
  let forming = 0;
  let perStep = 0;
  let nonzero = 0;
  // levels present per position
  const present: Set<number>[] = [];
  for (let p = 0; p < n; p++) {
    const s = new Set<number>();
    for (let c = 0; c < dim; c++) {
      const L = levels[p * dim + c];
      if (L > 0) {
        s.add(L);
        nonzero++;
      }
    }
    present.push(s);
  }
  for (const cv of convs) {
    const left = (cv.width - 1) >> 1;
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < dim; c++) {
        const L = levels[p * dim + c];
        if (L === 0) continue;
        let adds = 0;
        for (let j = 0; j < cv.width; j++) {
          const q = p + left - j;
          if (q >= 0 && q < n) adds += cv.rowEntries ? cv.rowEntries[j * dim + c] : cv.maps;
        }
        forming += adds;
        perSpike += spikes[L] * adds;
      }
    }
    for (let q = 0; q < n; q++) {
      const lv = new Set<number>();
      for (let j = 0; j < cv.width; j++) {
        const p = q - left + j;
        if (p >= 0 && p < n) for (const L of present[p]) lv.add(L);
      }
      for (const L of lv) perStep += spikes[L] * cv.maps;
    }
  }
  return { perSpike, grouped: forming + perStep, forming, perStep, nonzero };
}
