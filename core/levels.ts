// Embedding and input levels (docs/semantics.md "Embedding levels"): a value in [0, 1] becomes
// a q-bit integer level, and a table of levels is bit-packed LSB-first into byte-aligned rows.
// The pack pass writes these rows; the reference, the wasm and C backends and the serial host
// read them with the same arithmetic.

/** The largest q-bit level, 2^q - 1 (also the rate encoder's threshold, `top`). */
export function levelTop(bits: number): number {
  return (1 << bits) - 1;
}

/** level = floor(x * (2^q - 1) + 0.5), clamped to 0 .. 2^q - 1 (x is meant to be in [0, 1]). */
export function toLevel(x: number, bits: number): number {
  const top = levelTop(bits);
  const l = Math.floor(x * top + 0.5);
  return l < 0 ? 0 : l > top ? top : l;
}

/** Bytes of one packed embedding row of `dim` values at `bits` bits (rows are byte-aligned). */
export function embeddingRowBytes(dim: number, bits: number): number {
  return Math.ceil((dim * bits) / 8);
}

/** Packs a float table [vocab, dim] of values in [0, 1] into q-bit levels, one byte-aligned row per token. */
export function packLevels(table: ArrayLike<number>, vocab: number, dim: number, bits: number): Uint8Array {
  const rowBytes = embeddingRowBytes(dim, bits);
  const out = new Uint8Array(rowBytes * vocab);
  for (let r = 0; r < vocab; r++) {
    const base = r * rowBytes * 8;
    for (let d = 0; d < dim; d++) {
      const l = toLevel(table[r * dim + d], bits);
      const bit = base + d * bits;
      // a level never straddles more than two bytes (bits <= 8)
      out[bit >>> 3] |= (l << (bit & 7)) & 0xff;
      if ((bit & 7) + bits > 8) out[(bit >>> 3) + 1] |= l >>> (8 - (bit & 7));
    }
  }
  return out;
}

/** Bit-packed level lookup: value `i` of a row, LSB-first within little-endian bytes. */
export function unpackLevel(data: Uint8Array, rowOffsetBits: number, i: number, bits: number): number {
  const bit = rowOffsetBits + i * bits;
  const byte = bit >>> 3;
  const shift = bit & 7;
  const word = data[byte] | ((data[byte + 1] ?? 0) << 8);
  return (word >>> shift) & ((1 << bits) - 1);
}
