// The integer rules of the twin ANN in int8 (docs/ann.md): its quantized shape, the
// quantizer's rounding and the requantization of an accumulator, shared by the quantizer
// (compiler/backends/c/ann.ts), the C emitter and the int8 reference (runtime/ann-int8.ts).

/** One conv branch: int8 weights per output channel, uint8 ReLU outputs requantized by a fixed-point multiplier. */
export interface Int8Conv {
  id: string;
  width: number;
  cin: number;
  cout: number;
  /** int8 weights [cout][width][cin]; real weight = w · wScale[o]. */
  weights: Int8Array;
  /** Per output channel: the real value of one weight step (max |w| / 127). */
  wScale: Float64Array;
  /** The real value of one step of this branch's uint8 activations (calibrated max / 255). */
  actScale: number;
  /** Requantization a = min(255, (acc · mult[o] + 2^(shift[o]−1)) >> shift[o]) for acc > 0, else 0; mult < 2^15. */
  mult: Uint16Array;
  shift: Uint8Array;
}

export interface Int8Ann {
  maxLen: number;
  vocab: number;
  dim: number;
  /** Bits of the input levels (the encoder's); an input value is level / (2^bits − 1). */
  bits: number;
  /** The packed levels, byte-aligned rows (docs/semantics.md "Embedding levels"): what the SNN reads. */
  levels: Uint8Array;
  convs: Int8Conv[];
  /** Classifier, int8 [outputs][features] over the concatenated pooled features (conv order); real ≈ w · fcScale / actScale of the feature's branch. */
  fc: { weights: Int8Array; features: number; outputs: number; scale: number };
  classes: number;
  population: number;
}

/** Rounded to nearest, ties away from zero (the quantizer's rounding). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** The requantization of one positive accumulator (exact: acc < 2^31 and mult < 2^15, so the product is below 2^46). */
export function requant(acc: number, mult: number, shift: number): number {
  if (acc <= 0) return 0;
  const a = Math.floor((acc * mult + 2 ** (shift - 1)) / 2 ** shift);
  return a > 255 ? 255 : a;
}
