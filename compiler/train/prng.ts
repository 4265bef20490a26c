// The trainer's only source of randomness: a seeded mulberry32 stream whose whole state is
// one uint32, so a checkpoint can store it and a resumed run draws the same numbers
// (initialisation, shuffling and dropout masks) as an uninterrupted one. The generator itself
// is core/prng.ts's mulberry32; only the seeding (seed XOR the step) is the trainer's.

import { MULBERRY32_STEP, mulberry32Value } from '../../core/prng.js';

export class Prng {
  state: number;
  constructor(seed: number) {
    this.state = (seed ^ MULBERRY32_STEP) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + MULBERRY32_STEP) >>> 0;
    return mulberry32Value(this.state);
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box-Muller, one draw per call). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Fisher-Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
