/* snnc firmware kernel, the level-grouped schedule's binary fast path (snn_kernel.h): a
 * binary encoder has one level, and an input's level is its spike at step 0, so the sums H of a
 * fast conv (snn_fast.c) are exactly one integrate-only pass of the fast conv over the step-0
 * bits into a zeroed H; each step then adds H to the membranes and fires, in one pass. Linked
 * only into firmware whose model has a grouped fast conv (with snn_fast.c and snn_group.c). */
#include "snn_kernel.h"

static uint8_t pop8(uint8_t x) {
  x = (uint8_t)(x - ((x >> 1) & 0x55));
  x = (uint8_t)((x & 0x33) + ((x >> 2) & 0x33));
  return (uint8_t)((x + (x >> 4)) & 0x0F);
}

/* After snn_conv_lut has formed H (integrate-only, at step 0): the op counters as
 * docs/semantics.md defines them for forming, and the present rows. snn_conv_lut counted a
 * row read per contribution; forming reads each used table row once: row (j, c) is used iff
 * channel c is on at a position p whose target p + left - j lies in 0 .. n-1, i.e. somewhere in
 * the positions lo_j .. hi_j (all of them for j == left, up to n - 1 - (left - j) for j < left,
 * from j - left for j > left): per tap, the channels on in the OR of those positions' bits.
 * Returns the rows of H with any contribution (a tap's input position holds a spike).
 * bytes_before: ops->bytes_read before snn_conv_lut. */
uint16_t snn_group_lut_rows(const snn_lut *d, const uint8_t *bits, const uint8_t *pc, uint16_t n, uint32_t bytes_before,
                            snn_ops *ops) {
  const uint16_t row_len = SNN_RD16(&d->row_len);
  const uint8_t width = SNN_RD8(&d->width);
  const uint8_t cb = SNN_RD8(&d->cb);
  const uint8_t left = (uint8_t)((width - 1) >> 1);
  const uint8_t *b0 = bits + (uint16_t)(SNN_RD8(&d->pad) * cb);
  uint16_t used = 0;
  for (uint8_t j = 0; j < width; j++) {
    int16_t lo = j > left ? (int16_t)(j - left) : 0;
    int16_t hi = j < left ? (int16_t)(n - 1) - (int16_t)(left - j) : (int16_t)(n - 1);
    for (uint8_t y = 0; y < cb; y++) {
      uint8_t any = 0;
      const uint8_t *b = b0 + (uint16_t)(lo * cb) + y;
      for (int16_t p = lo; p <= hi; p++, b += cb) any |= *b;
      used = (uint16_t)(used + pop8(any));
    }
  }
  ops->bytes_read = bytes_before + (uint32_t)used * row_len;
  uint16_t rows = 0;
  for (uint16_t q = 0; q < n; q++) {
    uint8_t any = 0;
    for (uint8_t j = 0; j < width && !any; j++) {
      int16_t p = (int16_t)(q + j - left);
      if (p >= 0 && p < (int16_t)n && pc[p]) any = 1;
    }
    rows = (uint16_t)(rows + any);
  }
  return rows;
}

/* v += H and fire, per neuron. The TextCNN's case (spike counts, reset by subtraction) gets a
 * copy with both constant: a runtime test in the loop costs avr-gcc a register and 12% here. */
#define GROUP_FIRE(COUNTS, RZ)                                      \
  for (uint16_t q = n; q; q--) {                                  \
    uint8_t *c = s;                                               \
    for (uint16_t o = row_len; o; o--) {                          \
      int x = *v + *h++; /* fits 16 bits (the overflow proof) */ \
      if (x >= th) {                                              \
        x = (RZ) ? 0 : x - th;                                    \
        spikes++;                                                 \
        if (COUNTS) (*c)++;                                       \
        else *c = 1;                                              \
      } else if (!COUNTS) *c = 0;                                 \
      *v++ = (int16_t)x;                                          \
      c++;                                                        \
    }                                                             \
    if (!COUNTS) s += row_len;                                    \
  }

/* The TextCNN's case on its own (avr-gcc allocates its registers apart from the general loop). */
__attribute__((noinline)) static uint16_t snn_group_fire_counts(const int16_t *h, int16_t *v, uint8_t *s, uint16_t n, uint16_t row_len, int16_t th) {
  unsigned spikes = 0;
  GROUP_FIRE(1, 0)
  return (uint16_t)spikes;
}

uint16_t snn_group_fire16(const int16_t *h, uint16_t hn, int16_t *v, uint8_t *s, uint16_t n, uint16_t row_len,
                          int32_t theta, uint8_t mode, snn_ops *ops) {
  const uint16_t size = (uint16_t)(n * row_len);
  ops->sops += (uint32_t)hn * row_len;
  if (mode & SNN_LUT_COUNTS)
    for (uint16_t i = 0; i < row_len; i++) s[i] = 0;
  if (!(mode & SNN_LUT_FIRE) || theta > 32767) {
    /* never fires (a 16-bit membrane cannot reach theta): integrate only */
    for (uint16_t i = size; i; i--, v++) *v = (int16_t)(*v + *h++);
    if ((mode & SNN_LUT_FIRE) && !(mode & SNN_LUT_COUNTS)) snn_zero(s, size);
    return 0;
  }
  const int16_t th = (int16_t)theta;
  uint16_t spikes = 0;
  const uint8_t counts = mode & SNN_LUT_COUNTS;
  const uint8_t rz = mode & SNN_LUT_RESET_ZERO;
  if (counts && !rz) return snn_group_fire_counts(h, v, s, n, row_len, th);
  GROUP_FIRE(counts, rz)
  return spikes;
}
