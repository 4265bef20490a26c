// Spike nonlinearity for BPTT: forward is the reference's fire test (v >= theta -> 1), backward
// is the fast-sigmoid surrogate of SuperSpike (Zenke & Ganguli 2018) on the threshold-normalised
// membrane u = (v - theta) / theta: ds/dv = 1 / (theta * (1 + slope * |u|)^2).

import { tf } from './backend.js';

/** The analytic surrogate derivative ds/dv at membrane v (host-side; what the tests check). */
export function fastSigmoidGrad(v: number, theta: number, slope: number): number {
  const u = (v - theta) / theta;
  return 1 / (theta * (1 + slope * Math.abs(u)) ** 2);
}

/**
 * Heaviside spikes of `v` against `theta` (a number or a tensor broadcastable to v) with the
 * fast-sigmoid surrogate gradient. Only `v` receives a gradient: thresholds are not trained.
 */
export function spikeFn(v: tf.Tensor, theta: number | tf.Tensor, slope: number): tf.Tensor {
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.cast(tf.greaterEqual(x, theta), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const u = tf.div(tf.sub(saved[0], theta), theta);
        const den = tf.square(tf.add(1, tf.mul(tf.abs(u), slope)));
        return [tf.div(dy, tf.mul(den, theta))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(v) as tf.Tensor;
}

/** y = x @ w where x is a constant (no gradient): only dW = x^T dy is computed. */
export function linearConstX(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([b]);
    return {
      value: tf.matMul(x, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor) => [tf.matMul(tf.transpose(x), dy as tf.Tensor2D)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(w) as tf.Tensor2D;
}
