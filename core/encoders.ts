// The input encoders' integer rules (docs/semantics.md "Encoders"): the levels a scheme uses,
// where the deterministic rate accumulator starts, and the Poisson encoder's cut table. The
// PRNG the Poisson encoder draws from is in prng.ts.

/** Bits of an encoder's levels: binary is the rate encoder with q = 1. */
export function encoderBits(scheme: 'rate' | 'binary' | 'poisson' | 'direct', bits: number): number {
  return scheme === 'binary' ? 1 : bits;
}

/** The rate accumulator's value at the start of each inference: floor(top / 2) ("half full"). */
export function rateStart(top: number): number {
  return top >> 1;
}

/** Poisson cut-offs: spike iff (r >>> 16) < cut[level]. cut[L] = floor(L * 65536 / (2^q - 1)). */
export function poissonCuts(bits: number): Uint32Array {
  const top = (1 << bits) - 1;
  const cuts = new Uint32Array(top + 1);
  for (let l = 0; l <= top; l++) cuts[l] = Math.floor((l * 65536) / top);
  return cuts;
}
