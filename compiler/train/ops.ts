// Differentiable building blocks written for the wasm backend: it lacks Conv2DBackpropFilter
// and UnsortedSegmentSum and runs matMul with transpose flags ~10x slower, so every layer is
// a plain matMul with a hand-written gradient (explicit transposes) via tf.customGrad.

import { tf } from './backend.js';

type T = tf.Tensor;

/** y = x @ w for x [N, K], w [K, M]; gradients use explicit transposes. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((a: T, b: T, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: T, saved: T[]) => {
        const [sa, sb] = saved as tf.Tensor2D[];
        const dy2 = dy as tf.Tensor2D;
        return [tf.matMul(dy2, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy2)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w) as tf.Tensor2D;
}

/**
 * Embedding lookup ids [B, L] -> [B, L, D]. The gradient of the table is a scatterND of the
 * per-position gradients, which sums the contributions of repeated ids.
 */
export function embed(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [B, L] = ids.shape;
  const [V, D] = table.shape;
  const f = tf.customGrad(((tab: T, idx: T, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.gather(tab, idx as tf.Tensor2D),
      gradFunc: (dy: T, saved: T[]) => {
        const flat = tf.reshape(saved[0], [B * L, 1]);
        const g = tf.scatterND(flat, tf.reshape(dy, [B * L, D]), [V, D]);
        return [g, tf.zerosLike(saved[0])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(table, ids) as tf.Tensor3D;
}

/** Left offset of the IR's 'same' padding: output p sees inputs p-left .. p-left+width-1. */
export function leftPad(width: number): number {
  return (width - 1) >> 1;
}

/**
 * Im2col for the IR's 'same' conv: x [B, L, D] -> [B*L, width*D] where column j*D + c holds
 * x[b, p - left + j, c] (zero outside 0..L-1). Shapes match a weight [width, D, C] reshaped
 * to [width*D, C].
 */
export function im2col(x: tf.Tensor3D, width: number): tf.Tensor2D {
  const [B, L, D] = x.shape;
  const left = leftPad(width);
  const xp = tf.pad(x, [
    [0, 0],
    [left, width - 1 - left],
    [0, 0],
  ]);
  const parts: tf.Tensor3D[] = [];
  for (let j = 0; j < width; j++) parts.push(tf.slice(xp, [0, j, 0], [B, L, D]));
  const cat = width === 1 ? parts[0] : tf.concat(parts, 2);
  return tf.reshape(cat, [B * L, width * D]);
}

/** 'same' conv1d: x [B, L, D], w [width*D, C] -> [B, L, C], one matMul. */
export function conv1dSame(x: tf.Tensor3D, w: tf.Tensor2D, width: number): tf.Tensor3D {
  const [B, L] = x.shape;
  const y = linear(im2col(x, width), w);
  return tf.reshape(y, [B, L, w.shape[1]]);
}

/** Mean over the real positions: x [B, L, C], mask [B, L] of 0/1, n [B] -> [B, C]. */
export function maskedMean(x: tf.Tensor3D, mask: tf.Tensor2D, n: tf.Tensor1D): tf.Tensor2D {
  const m = tf.expandDims(mask, 2);
  const s = tf.sum(tf.mul(x, m), 1) as tf.Tensor2D;
  return tf.div(s, tf.expandDims(n, 1));
}

/**
 * x rounded to the encoder's levels exactly as the `pack` pass rounds the float table,
 * floor(clamp(x, 0, 1) * top + 0.5) / top (docs/semantics.md "Embedding levels"), with a
 * straight-through gradient: trains the ANN on the inputs the SNN will see (q = 1: binary
 * spikes) while the latent table keeps learning. (tf.round would round halves to even and
 * disagree with pack on ties.)
 */
export function roundToLevelsSte<R extends tf.Rank>(x: tf.Tensor<R>, top: number): tf.Tensor<R> {
  const f = tf.customGrad(((a: T) => ({
    value: tf.div(tf.floor(tf.add(tf.mul(tf.clipByValue(a, 0, 1), top), 0.5)), top),
    gradFunc: (dy: T) => [dy],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor<R>;
}

