// Spike nonlinearities for BPTT. Forward is always the reference's fire test (v >= theta -> 1);
// backward is a surrogate derivative.
//
// * `spikeFn`: the fast-sigmoid surrogate of SuperSpike (Zenke & Ganguli 2018) on the
//   threshold-normalised membrane u = (v - theta) / theta: ds/dv = 1 / (theta * (1 + slope * |u|)^2).
//   Used by the spiking TextCNN's fine-tuning.
// * `spikeSurrogate`: the four surrogates of the bi-directional recurrent spiking encoder
//   (bi-SNN family), on the distance to threshold x = v - theta, each with a width a > 0. Each
//   is the derivative of a smoothed step from 0 to 1 (area 1); rectangular, triangular and
//   sigmoid peak at 1/a, the Gaussian at 1/(a sqrt(2 pi)) ~ 0.40/a:
//     rectangular  g(x) = 1/a                            if |x| < a/2, else 0
//     triangular   g(x) = max(0, 1 - |x|/a) / a          (support |x| < a)
//     sigmoid      g(x) = k sig(k x) (1 - sig(k x)),     k = 4/a, sig(z) = 1 / (1 + e^-z)
//     gaussian     g(x) = exp(-x^2 / (2 a^2)) / (a sqrt(2 pi))   (the N(0, a^2) density)

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

// ------------------------------------------------------------ the bi-SNN family's surrogates

export const SURROGATES = ['rectangular', 'triangular', 'sigmoid', 'gaussian'] as const;
export type SurrogateKind = (typeof SURROGATES)[number];

export function isSurrogateKind(s: unknown): s is SurrogateKind {
  return typeof s === 'string' && (SURROGATES as readonly string[]).includes(s);
}

/** The written definition g(x) of each surrogate at x = v - theta, width a (host-side, float64). */
export function surrogateGrad(kind: SurrogateKind, x: number, a: number): number {
  switch (kind) {
    case 'rectangular':
      return Math.abs(x) < a / 2 ? 1 / a : 0;
    case 'triangular':
      return Math.max(0, 1 - Math.abs(x) / a) / a;
    case 'sigmoid': {
      const k = 4 / a;
      const s = 1 / (1 + Math.exp(-k * x));
      return k * s * (1 - s);
    }
    case 'gaussian':
      return Math.exp(-(x * x) / (2 * a * a)) / (a * Math.sqrt(2 * Math.PI));
  }
}

/** `surrogateGrad` specialised once for a kind and width: g(x) for host-side loops (the bisnn scan op). */
export function surrogateFn(kind: SurrogateKind, a: number): (x: number) => number {
  switch (kind) {
    case 'rectangular':
      return (x) => (Math.abs(x) < a / 2 ? 1 / a : 0);
    case 'triangular':
      return (x) => Math.max(0, 1 - Math.abs(x) / a) / a;
    case 'sigmoid': {
      const k = 4 / a;
      return (x) => {
        const s = 1 / (1 + Math.exp(-k * x));
        return k * s * (1 - s);
      };
    }
    case 'gaussian': {
      const c = 1 / (a * Math.sqrt(2 * Math.PI));
      const e = -1 / (2 * a * a);
      return (x) => c * Math.exp(e * x * x);
    }
  }
}

/** g(x) of `surrogateGrad` on a tensor (x = v - theta). */
export function surrogateTensor(kind: SurrogateKind, x: tf.Tensor, a: number): tf.Tensor {
  switch (kind) {
    case 'rectangular':
      return tf.mul(tf.cast(tf.less(tf.abs(x), a / 2), 'float32'), 1 / a);
    case 'triangular':
      return tf.mul(tf.relu(tf.sub(1, tf.mul(tf.abs(x), 1 / a))), 1 / a);
    case 'sigmoid': {
      const s = tf.sigmoid(tf.mul(x, 4 / a));
      return tf.mul(tf.mul(s, tf.sub(1, s)), 4 / a);
    }
    case 'gaussian':
      return tf.mul(tf.exp(tf.mul(tf.square(x), -1 / (2 * a * a))), 1 / (a * Math.sqrt(2 * Math.PI)));
  }
}

/**
 * Heaviside spikes `v >= theta` (forward, exactly the reference's fire test) whose gradient is
 * the surrogate g(v - theta) of `kind` and width `a` (see the header). Only `v` gets a gradient.
 */
export function spikeSurrogate(v: tf.Tensor, theta: number, kind: SurrogateKind, a: number): tf.Tensor {
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.cast(tf.greaterEqual(x, theta), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, surrogateTensor(kind, tf.sub(saved[0], theta), a))],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(v) as tf.Tensor;
}
