// Adam with decoupled state we can checkpoint exactly (tf.train.adam hides its slots and
// step count behind names), plus optional L2 weight decay and a max-norm column constraint.

import { tf } from './backend.js';

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 penalty coefficient added to the gradient (coupled, as in classic L2). */
  l2: number;
}

export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class Adam {
  step = 0;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  constructor(
    readonly vars: tf.Variable[],
    readonly cfg: AdamConfig,
  ) {
    this.m = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
  }

  /** Applies one update; `grads[i]` belongs to `vars[i]`. Does not dispose the grads. */
  apply(grads: tf.Tensor[]): void {
    this.step++;
    const { lr, beta1, beta2, eps, l2 } = this.cfg;
    const c1 = 1 - Math.pow(beta1, this.step);
    const c2 = 1 - Math.pow(beta2, this.step);
    const alpha = (lr * Math.sqrt(c2)) / c1;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        let g = grads[i];
        if (l2 > 0) g = tf.add(g, tf.mul(x, l2));
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        x.assign(tf.sub(x, tf.mul(tf.div(m, tf.add(tf.sqrt(v), eps)), alpha)));
      });
    });
  }

  getState(): AdamState {
    return {
      step: this.step,
      m: this.m.map((t) => t.dataSync().slice() as Float32Array),
      v: this.v.map((t) => t.dataSync().slice() as Float32Array),
    };
  }

  setState(s: AdamState): void {
    this.step = s.step;
    tf.tidy(() => {
      this.m.forEach((t, i) => t.assign(tf.tensor(s.m[i], t.shape)));
      this.v.forEach((t, i) => t.assign(tf.tensor(s.v[i], t.shape)));
    });
  }

  dispose(): void {
    this.m.forEach((t) => t.dispose());
    this.v.forEach((t) => t.dispose());
  }
}

/** Rescales each column of w [K, M] whose L2 norm exceeds `maxNorm` (Kim 2014). */
export function applyMaxNorm(w: tf.Variable, maxNorm: number): void {
  if (!(maxNorm > 0)) return;
  tf.tidy(() => {
    const norms = tf.sqrt(tf.sum(tf.square(w), 0, true));
    const scale = tf.minimum(tf.div(maxNorm, tf.add(norms, 1e-12)), 1);
    w.assign(tf.mul(w, scale));
  });
}
