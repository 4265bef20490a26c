// snnc's two pseudo-random generators. xorshift32 is part of the integer semantics: the
// Poisson encoder draws from it on every target (docs/semantics.md "Encoders"). mulberry32 is
// host-side only: data splits, training initialisation and shuffling, test data; it never
// runs on a target and no inference depends on it.

/** xorshift32, the Poisson encoder's generator (docs/semantics.md "Encoders"). */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** Initial Poisson PRNG state for an encoder seed: seed XOR 0x9E3779B9, never zero. */
export function seedState(seed: number): number {
  const s = (seed ^ 0x9e3779b9) >>> 0;
  return s === 0 ? 1 : s;
}

/** mulberry32's increment: the state advances by it before each draw. */
export const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32's output for an (already advanced) state: a float in [0, 1). Public-domain algorithm by Tommy Ettinger. */
export function mulberry32Value(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A mulberry32 stream from a raw 32-bit state (2^32 period): floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + MULBERRY32_STEP) >>> 0;
    return mulberry32Value(a);
  };
}
