/* snnc twin-ANN kernel: the int8 tailored ANN (ann_kernel.h, docs/ann.md). A plain C
 * output-stationary int8 kernel of the kind CMSIS-NN uses on cores without SIMD: four output
 * channels at a time, so one input byte feeds four multiply-accumulates and one 32-bit read
 * fetches their four weights (LPM on AVR). */
#include "ann_kernel.h"

void ann_unpack(const uint8_t *rows, const uint16_t *ids, uint16_t n, uint16_t row_bytes, uint8_t bits,
                uint16_t dim, uint8_t *x) {
  uint16_t mask = (uint16_t)((1u << bits) - 1u);
  for (uint16_t p = 0; p < n; p++) {
    const uint8_t *row = ids ? rows + (uint32_t)ids[p] * row_bytes : rows + (uint32_t)p * row_bytes;
    if ((8 % bits) == 0) {
      /* 1, 2, 4 or 8 bits: whole values per byte */
      for (uint16_t d = 0; d < dim;) {
        uint8_t b = ids ? SNN_RD8(row) : *row;
        row++;
        for (uint8_t k = (uint8_t)(8 / bits); k && d < dim; k--, d++) {
          *x++ = (uint8_t)(b & mask);
          b = (uint8_t)(b >> bits);
        }
      }
      continue;
    }
    uint16_t bit = 0;
    for (uint16_t d = 0; d < dim; d++) {
      const uint8_t *b = row + (bit >> 3);
      uint16_t word;
      /* flash tables carry a zero byte after the last row; a RAM frame is followed by its CRC */
      if (ids) word = (uint16_t)SNN_RD8(b) | (uint16_t)((uint16_t)SNN_RD8(b + 1) << 8);
      else word = (uint16_t)b[0] | (uint16_t)((uint16_t)b[1] << 8);
      *x++ = (uint8_t)((word >> (bit & 7)) & mask);
      bit = (uint16_t)(bit + bits);
    }
  }
}

/* a = floor((p + 2^(s-1)) / 2^s) = (floor(p / 2^(s-1)) + 1) / 2 (exact), with p = acc * m, for
 * acc > 0 (else 0), clamped to 255. With s - 1 >= 16 the shift goes through the product's high
 * half, which an 8-bit CPU gets for free. */
static uint8_t requant16(int16_t acc, uint16_t m, uint8_t s) {
  if (acc <= 0) return 0;
  uint32_t p = (uint32_t)(uint16_t)acc * m; /* acc < 2^15, m < 2^15 */
  uint32_t h = s > 16 ? (uint16_t)((uint16_t)(p >> 16) >> (uint8_t)(s - 17)) : p >> (uint8_t)(s - 1);
  return h >= 511 ? 255 : (uint8_t)((h + 1) >> 1);
}

static uint8_t requant32(int32_t acc, uint16_t m, uint8_t s) {
  if (acc <= 0) return 0;
  uint64_t p = (uint64_t)(uint32_t)acc * m; /* acc < 2^31, m < 2^15 */
  uint64_t h = p >> (uint8_t)(s - 1);
  return h >= 511 ? 255 : (uint8_t)((h + 1) >> 1);
}

/* One block of 4 outputs at one position: the dot products of len inputs with the block's
 * interleaved weights, then requantization; 16- and 32-bit accumulators. */
__attribute__((noinline)) static void ann_block16(const int8_t *wp, const uint8_t *xp, uint16_t len, const uint16_t *mult,
                                              const uint8_t *shift, uint16_t *pool) {
  int16_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (uint16_t i = len; i; i--) {
    uint8_t v = *xp++;
    uint32_t w4 = SNN_RD32(wp);
    wp += 4;
    a0 = (int16_t)(a0 + (int8_t)w4 * v);
    a1 = (int16_t)(a1 + (int8_t)(w4 >> 8) * v);
    a2 = (int16_t)(a2 + (int8_t)(w4 >> 16) * v);
    a3 = (int16_t)(a3 + (int8_t)(w4 >> 24) * v);
  }
  pool[0] = (uint16_t)(pool[0] + requant16(a0, SNN_RD16(mult), SNN_RD8(shift)));
  pool[1] = (uint16_t)(pool[1] + requant16(a1, SNN_RD16(mult + 1), SNN_RD8(shift + 1)));
  pool[2] = (uint16_t)(pool[2] + requant16(a2, SNN_RD16(mult + 2), SNN_RD8(shift + 2)));
  pool[3] = (uint16_t)(pool[3] + requant16(a3, SNN_RD16(mult + 3), SNN_RD8(shift + 3)));
}

__attribute__((noinline)) static void ann_block32(const int8_t *wp, const uint8_t *xp, uint16_t len, const uint16_t *mult,
                                              const uint8_t *shift, uint16_t *pool) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (uint16_t i = len; i; i--) {
    int32_t v = *xp++;
    uint32_t w4 = SNN_RD32(wp);
    wp += 4;
    a0 += (int8_t)w4 * v;
    a1 += (int8_t)(w4 >> 8) * v;
    a2 += (int8_t)(w4 >> 16) * v;
    a3 += (int8_t)(w4 >> 24) * v;
  }
  pool[0] = (uint16_t)(pool[0] + requant32(a0, SNN_RD16(mult), SNN_RD8(shift)));
  pool[1] = (uint16_t)(pool[1] + requant32(a1, SNN_RD16(mult + 1), SNN_RD8(shift + 1)));
  pool[2] = (uint16_t)(pool[2] + requant32(a2, SNN_RD16(mult + 2), SNN_RD8(shift + 2)));
  pool[3] = (uint16_t)(pool[3] + requant32(a3, SNN_RD16(mult + 3), SNN_RD8(shift + 3)));
}

void ann_conv_pool(const int8_t *w, const uint16_t *mult, const uint8_t *shift, const uint8_t *x, uint16_t n,
                   uint16_t cin, uint16_t cout, uint8_t width, uint8_t acc16, uint16_t *pool, snn_ops *ops) {
  const uint8_t left = (uint8_t)((width - 1) >> 1);
  const uint16_t cout4 = (uint16_t)((cout + 3u) & ~3u);
  const uint16_t step = (uint16_t)(width * cin * 4); /* weights of one block of 4 outputs */
  uint32_t taps = 0;
  for (uint16_t o = 0; o < cout4; o++) pool[o] = 0;
  for (uint16_t q = 0; q < n; q++) {
    /* taps j0 .. j1-1 land inside the sentence: input positions q - left + j */
    uint8_t j0 = q < left ? (uint8_t)(left - q) : 0;
    uint16_t j1 = (uint16_t)(n - q + left) < width ? (uint16_t)(n - q + left) : width;
    uint16_t len = (uint16_t)((j1 - j0) * cin);
    const uint8_t *xp = x + (uint16_t)(q + j0 - left) * cin;
    const int8_t *wp = w + (uint16_t)(j0 * cin * 4);
    taps += (uint16_t)(j1 - j0);
    for (uint16_t o = 0; o < cout4; o += 4, wp += step) {
      if (acc16) ann_block16(wp, xp, len, mult + o, shift + o, pool + o);
      else ann_block32(wp, xp, len, mult + o, shift + o, pool + o);
    }
  }
  ops->sops += taps * cin * cout;
}

void ann_mean(const uint16_t *pool, uint16_t cout, uint16_t n, uint8_t *out, snn_ops *ops) {
  uint16_t half = (uint16_t)(n >> 1);
  for (uint16_t o = 0; o < cout; o++) out[o] = (uint8_t)((uint16_t)(pool[o] + half) / n);
  ops->updates += (uint32_t)n * cout;
}

void ann_dense(const int8_t *w, const uint8_t *x, uint16_t features, uint16_t outputs, int32_t *z, snn_ops *ops) {
  for (uint16_t k = 0; k < outputs; k++) {
    int32_t a = 0;
    const uint8_t *xp = x;
    for (uint16_t f = features; f; f--) a += (int8_t)SNN_RD8(w++) * (int32_t)*xp++;
    z[k] = a;
  }
  ops->sops += (uint32_t)features * outputs;
}
