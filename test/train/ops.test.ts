// The wasm-friendly layers against direct definitions: conv by shifted slices + one matMul
// equals a loop over the IR's 'same' convolution; the embedding gradient sums repeated ids.

import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../compiler/train/backend.js';
import { conv1dSame, embed, leftPad, linear, roundToLevelsSte } from '../../compiler/train/ops.js';
import { Prng } from '../../compiler/train/prng.js';

beforeAll(async () => {
  await initBackend();
});

/** out[b, q, o] = sum_j sum_c x[b, q - left + j, c] * w[j, c, o], zeros outside 0..L-1. */
function convLoop(x: Float32Array, B: number, L: number, D: number, w: Float32Array, width: number, C: number): Float32Array {
  const left = leftPad(width);
  const out = new Float32Array(B * L * C);
  for (let b = 0; b < B; b++)
    for (let q = 0; q < L; q++)
      for (let j = 0; j < width; j++) {
        const p = q - left + j;
        if (p < 0 || p >= L) continue;
        for (let c = 0; c < D; c++) {
          const xv = x[(b * L + p) * D + c];
          for (let o = 0; o < C; o++) out[(b * L + q) * C + o] += xv * w[(j * D + c) * C + o];
        }
      }
  return out;
}

describe('train ops', () => {
  it('roundToLevelsSte rounds to the encoder levels and passes the gradient straight through', () => {
    const x = tf.tensor1d([0, 0.2, 0.49, 0.51, 0.8, 1]);
    expect(Array.from(roundToLevelsSte(x, 1).dataSync())).toEqual([0, 0, 0, 1, 1, 1]);
    const y = Array.from(roundToLevelsSte(x, 15).dataSync());
    [0, 0.2, 0.49, 0.51, 0.8, 1].forEach((v, i) => expect(y[i]).toBeCloseTo(Math.round(v * 15) / 15, 6));
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(roundToLevelsSte(a, 1), tf.tensor1d([1, 2, 3, 4, 5, 6]))))(x);
    expect(Array.from(g.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('uses the backend it picked', () => {
    expect(['wasm', 'tensorflow', 'cpu']).toContain(tf.getBackend());
  });

  it.each([1, 2, 3, 4, 5])('conv1d by slices + matMul equals the IR same conv (width %i)', (width) => {
    const rng = new Prng(width);
    const [B, L, D, C] = [2, 7, 5, 3];
    const x = Float32Array.from({ length: B * L * D }, () => rng.uniform(-1, 1));
    const w = Float32Array.from({ length: width * D * C }, () => rng.uniform(-1, 1));
    const want = convLoop(x, B, L, D, w, width, C);
    const got = tf.tidy(() => conv1dSame(tf.tensor3d(x, [B, L, D]), tf.tensor2d(w, [width * D, C]), width).dataSync());
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    // the IR's left offset, not TF's: width 4 sees one position before and two after
    expect(leftPad(4)).toBe(1);
    expect(leftPad(5)).toBe(2);
  });

  it('linear has the gradients of a matMul', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const w = tf.tensor2d([1, -1, 0.5, 2, -2, 1], [3, 2]);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(linear(a as tf.Tensor2D, b as tf.Tensor2D)))([x, w]);
    // d/dx sum(xw) = 1 @ w^T ; d/dw = x^T @ 1
    expect(Array.from(gx.dataSync())).toEqual([0, 2.5, -1, 0, 2.5, -1]);
    expect(Array.from(gw.dataSync())).toEqual([5, 5, 7, 7, 9, 9]);
  });

  it('embedding gradient sums the contributions of repeated ids', () => {
    const V = 5;
    const D = 2;
    const table = tf.tensor2d(Float32Array.from({ length: V * D }, (_, i) => i / 10), [V, D]);
    const ids = tf.tensor2d([2, 2, 3, 0, 2, 4], [2, 3], 'int32');
    const g = tf.grad((t: tf.Tensor) => {
      const e = embed(t as tf.Tensor2D, ids);
      // weights 1, 2 per channel so the two channels are distinguishable
      return tf.sum(tf.mul(e, tf.tensor1d([1, 2])));
    })(table);
    expect(Array.from(g.dataSync())).toEqual([1, 2, 0, 0, 3, 6, 1, 2, 1, 2]);
    const fwd = tf.tidy(() => embed(table, ids).dataSync());
    expect(Array.from(fwd.slice(0, 4))).toEqual(Array.from(new Float32Array([0.4, 0.5, 0.4, 0.5])));
  });
});
