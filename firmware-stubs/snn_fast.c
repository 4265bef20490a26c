/* snnc firmware kernel, the fast conv (snn_kernel.h "The fast conv"; docs/firmware.md): the
 * TextCNN's hot loop for its common case, a conv1d with a dense int8 table into 16-bit
 * membranes, 8 output channels at a time, reading an encoder's packed spike bits. Linked only
 * into firmware whose model uses it (compiler/backends/c/build.ts).
 *
 * Membrane-stationary: for each output position q and block of 8 output channels, the 8
 * membranes stay in registers while the W x cin input flags of q's receptive field are walked
 * four at a time (one nibble of the packed flags); the table holds, for every nibble and every
 * pattern of its four spikes, the sum of the spiking rows, so one 16-bit add per output covers
 * up to four synaptic ops (the compiler spends flash, 16 x 8 x 2 bytes per nibble, for speed).
 * Then, in the same pass, fire and reset. The sums are exact (16-bit wrap-around arithmetic,
 * and the final membrane fits 16 bits: docs/semantics.md "Overflow"), the op counters are the
 * spec's (rows visited = spikes in the receptive field), so results equal the event-driven
 * order bit for bit. */
#include "snn_kernel.h"

#if defined(__AVR__)
#define SNN_RDPTR(p) ((const void *)pgm_read_word(p))
#else
#define SNN_RDPTR(p) (*(const void *const *)(p))
#endif

static uint8_t pop8(uint8_t x) {
  x = (uint8_t)(x - ((x >> 1) & 0x55));
  x = (uint8_t)((x & 0x33) + ((x >> 2) & 0x33));
  return (uint8_t)((x + (x >> 4)) & 0x0F);
}

/* Rows the event-driven conv visits: every spike at p, once per tap j with 0 <= p + left - j < n,
 * i.e. width x all spikes, minus the taps that fall off the sentence: width - 1 - left - p at
 * the start, p + left + 1 - n at the end. 16-bit sums where they fit (an 8-bit CPU pays per
 * byte of a counter). */
static uint32_t lut_visits(const uint8_t *pc, uint16_t n, uint8_t width, uint8_t left) {
  uint32_t total = 0;
  const uint8_t *f = pc;
  for (uint16_t p = n; p;) {
    uint16_t part = 0;
    uint16_t m = p > 256 ? 256 : p;
    p = (uint16_t)(p - m);
    for (; m; m--) part = (uint16_t)(part + *f++);
    total += part;
  }
  uint32_t cut = 0;
  uint8_t miss = (uint8_t)(width - 1 - left);
  for (uint16_t p = 0; miss && p < n; miss--, p++) {
    uint16_t part = 0; /* at most 255 taps x 255 */
    for (uint8_t k = miss; k; k--) part = (uint16_t)(part + pc[p]);
    cut += part;
  }
  miss = left;
  for (uint16_t p = n; miss && p; miss--) {
    uint16_t part = 0;
    p--;
    for (uint8_t k = miss; k; k--) part = (uint16_t)(part + pc[p]);
    cut += part;
  }
  uint32_t v = 0;
  for (uint8_t j = width; j; j--) v += total;
  return v - cut;
}

#if defined(__AVR__)
/* One block of 8 output channels over n <= 255 positions, all in asm (avr-gcc keeps 8 int16
 * accumulators badly; the whole loop is hand-allocated): r2..r17 accumulators, X the flags
 * (left at the next position's field: rewound by nb - cb), Y membranes, Z the table page
 * (lpm Z+) and then the arguments, r0 scratch, r1 zero, r18 the flag byte, r19 the page of the
 * current nibble, r20 bytes left, r21 positions left, r22:r23 the arguments, r24:r25 spikes,
 * T reset to zero. Per non-zero nibble 64 cycles (8 x lpm, add, lpm, adc), per flag byte 15
 * more, per position about 135 (membranes in and out, fire, the arguments). */
typedef struct lut_args {
  const uint8_t *x; /* 0: flags of position 0's receptive field */
  int16_t *v;       /* 2: membranes of (position 0, block) */
  uint8_t *s;       /* 4: flags of (position 0, block), advanced by the asm; or the block's counts */
  int16_t theta;    /* 6 */
  uint8_t n;        /* 8: positions (1..255) */
  uint8_t nb;       /* 9: flag bytes per receptive field (width x cb) */
  uint8_t back;     /* 10: nb - cb */
  uint8_t page;     /* 11: high byte of the block's table (page aligned) */
  uint16_t vskip;   /* 12: membrane bytes from one position's block to the next, minus 16 */
  uint16_t sstep;   /* 14: flag bytes from one position's block to the next */
  uint8_t mode;     /* 16: SNN_LUT_FIRE | SNN_LUT_RESET_ZERO | SNN_LUT_COUNTS */
} lut_args;
typedef char lut_args_layout[(sizeof(lut_args) == 17) ? 1 : -1];
uint16_t snn_lut8_avr(lut_args *a);
__asm__(
    /* fire membrane lo:hi (output k) against theta r19:r20, reset (T: to zero); spikes in
     * r24:r25; FLAG: store 1 (r18) or 0 at Z + k, else count: Z + k (a byte) + 1 */
    ".macro snn_lut8_fire lo, hi, k, flag\n"
    "  cp \\lo, r19\n  cpc \\hi, r20\n  brlt 3f\n"
    "  brts 4f\n  sub \\lo, r19\n  sbc \\hi, r20\n  rjmp 5f\n"
    "4: clr \\lo\n  clr \\hi\n"
    "5: adiw r24, 1\n"
    "  .if \\flag\n"
    "  std Z+\\k, r18\n  rjmp 6f\n"
    "3: std Z+\\k, r1\n"
    "  .else\n"
    "  ldd r0, Z+\\k\n  inc r0\n  std Z+\\k, r0\n"
    "3:\n"
    "  .endif\n"
    "6:\n"
    ".endm\n"
    ".macro snn_lut8_add8\n"
    "  lpm r0, Z+\n  add r2, r0\n  lpm r0, Z+\n  adc r3, r0\n"
    "  lpm r0, Z+\n  add r4, r0\n  lpm r0, Z+\n  adc r5, r0\n"
    "  lpm r0, Z+\n  add r6, r0\n  lpm r0, Z+\n  adc r7, r0\n"
    "  lpm r0, Z+\n  add r8, r0\n  lpm r0, Z+\n  adc r9, r0\n"
    "  lpm r0, Z+\n  add r10, r0\n  lpm r0, Z+\n  adc r11, r0\n"
    "  lpm r0, Z+\n  add r12, r0\n  lpm r0, Z+\n  adc r13, r0\n"
    "  lpm r0, Z+\n  add r14, r0\n  lpm r0, Z+\n  adc r15, r0\n"
    "  lpm r0, Z+\n  add r16, r0\n  lpm r0, Z+\n  adc r17, r0\n"
    ".endm\n"
    /* one flag byte: its low nibble's page, then its high nibble's (r19 counts the pages) */
    ".macro snn_lut8_byte\n"
    "  ld r18, X+\n"
    "  mov r30, r18\n  andi r30, 0x0F\n  breq 1f\n"
    "  swap r30\n  mov r31, r19\n"
    "  snn_lut8_add8\n"
    "1: inc r19\n"
    "  mov r30, r18\n  andi r30, 0xF0\n  breq 2f\n"
    "  mov r31, r19\n"
    "  snn_lut8_add8\n"
    "2: inc r19\n"
    ".endm\n"
    ".pushsection .text.snn_lut8_avr,\"ax\",@progbits\n"
    ".global snn_lut8_avr\n"
    ".type snn_lut8_avr, @function\n"
    "snn_lut8_avr:\n"
    "  push r2\n  push r3\n  push r4\n  push r5\n  push r6\n  push r7\n  push r8\n  push r9\n"
    "  push r10\n  push r11\n  push r12\n  push r13\n  push r14\n  push r15\n  push r16\n  push r17\n"
    "  push r28\n  push r29\n"
    "  movw r22, r24\n"
    "  clr r24\n  clr r25\n"
    "  movw r30, r22\n"
    "  ldd r21, Z+8\n"
    "  ldd r28, Z+2\n  ldd r29, Z+3\n"
    "  ldd r26, Z+0\n  ldd r27, Z+1\n"
    "  ldd r0, Z+16\n  bst r0, 1\n"
    ".Lsnn_lut8_q:\n"
    "  movw r30, r22\n"
    "  ldd r20, Z+9\n  ldd r19, Z+11\n"
    "  ldd r2, Y+0\n  ldd r3, Y+1\n  ldd r4, Y+2\n  ldd r5, Y+3\n"
    "  ldd r6, Y+4\n  ldd r7, Y+5\n  ldd r8, Y+6\n  ldd r9, Y+7\n"
    "  ldd r10, Y+8\n  ldd r11, Y+9\n  ldd r12, Y+10\n  ldd r13, Y+11\n"
    "  ldd r14, Y+12\n  ldd r15, Y+13\n  ldd r16, Y+14\n  ldd r17, Y+15\n"
    /* two flag bytes a turn: r20 = ceil(nb / 2), an odd nb enters at the second */
    "  lsr r20\n  brcc .Lsnn_lut8_b\n  inc r20\n  rjmp .Lsnn_lut8_b2\n"
    ".Lsnn_lut8_b:\n"
    "  snn_lut8_byte\n"
    ".Lsnn_lut8_b2:\n"
    "  snn_lut8_byte\n"
    "  dec r20\n  breq 7f\n  rjmp .Lsnn_lut8_b\n"
    "7: movw r30, r22\n"
    "  ldd r0, Z+10\n  sub r26, r0\n  sbc r27, r1\n"
    "  ldd r0, Z+16\n"
    "  sbrc r0, 2\n  rjmp 10f\n"
    "  sbrs r0, 0\n  rjmp 8f\n"
    /* flags */
    "  ldd r19, Z+6\n  ldd r20, Z+7\n"
    "  ldd r0, Z+4\n  ldd r31, Z+5\n  mov r30, r0\n"
    "  ldi r18, 1\n"
    "  snn_lut8_fire r2, r3, 0, 1\n  snn_lut8_fire r4, r5, 1, 1\n  snn_lut8_fire r6, r7, 2, 1\n  snn_lut8_fire r8, r9, 3, 1\n"
    "  snn_lut8_fire r10, r11, 4, 1\n  snn_lut8_fire r12, r13, 5, 1\n  snn_lut8_fire r14, r15, 6, 1\n  snn_lut8_fire r16, r17, 7, 1\n"
    "  movw r30, r22\n"
    "  ldd r18, Z+4\n  ldd r19, Z+5\n"
    "  ldd r0, Z+14\n  add r18, r0\n  ldd r0, Z+15\n  adc r19, r0\n"
    "  std Z+4, r18\n  std Z+5, r19\n"
    "  rjmp 8f\n"
    /* counts (fire implied) */
    "10: ldd r19, Z+6\n  ldd r20, Z+7\n"
    "  ldd r0, Z+4\n  ldd r31, Z+5\n  mov r30, r0\n"
    "  snn_lut8_fire r2, r3, 0, 0\n  snn_lut8_fire r4, r5, 1, 0\n  snn_lut8_fire r6, r7, 2, 0\n  snn_lut8_fire r8, r9, 3, 0\n"
    "  snn_lut8_fire r10, r11, 4, 0\n  snn_lut8_fire r12, r13, 5, 0\n  snn_lut8_fire r14, r15, 6, 0\n  snn_lut8_fire r16, r17, 7, 0\n"
    "  movw r30, r22\n"
    "8: st Y+, r2\n  st Y+, r3\n  st Y+, r4\n  st Y+, r5\n  st Y+, r6\n  st Y+, r7\n  st Y+, r8\n  st Y+, r9\n"
    "  st Y+, r10\n  st Y+, r11\n  st Y+, r12\n  st Y+, r13\n  st Y+, r14\n  st Y+, r15\n  st Y+, r16\n  st Y+, r17\n"
    "  ldd r0, Z+12\n  add r28, r0\n  ldd r0, Z+13\n  adc r29, r0\n"
    "  dec r21\n  breq 9f\n  rjmp .Lsnn_lut8_q\n"
    "9: pop r29\n  pop r28\n"
    "  pop r17\n  pop r16\n  pop r15\n  pop r14\n  pop r13\n  pop r12\n  pop r11\n  pop r10\n"
    "  pop r9\n  pop r8\n  pop r7\n  pop r6\n  pop r5\n  pop r4\n  pop r3\n  pop r2\n"
    "  ret\n"
    ".size snn_lut8_avr, .-snn_lut8_avr\n"
    ".popsection\n");
#else
/* Pattern M's four words of the low (HI = 0) or high (HI = 1) nibble's page at G into a0..a3. */
#if defined(__thumb2__)
/* two LDRDs (gcc splits the four loads and the address arithmetic) */
#define LUT_NIB(G, M, HI)                                                                          \
  do {                                                                                             \
    uint32_t t0_, t1_, t2_, t3_, e_ = (M);                                                         \
    __asm__("add %[e], %[g], %[e], lsl #4\n\t"                                                      \
            "ldrd %[t0], %[t1], [%[e], %[o0]]\n\t"                                                 \
            "ldrd %[t2], %[t3], [%[e], %[o8]]\n\t"                                                 \
            "add %[a0], %[t0]\n\t"                                                                  \
            "add %[a1], %[t1]\n\t"                                                                  \
            "add %[a2], %[t2]\n\t"                                                                  \
            "add %[a3], %[t3]"                                                                     \
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [e] "+&r"(e_), [t0] "=&r"(t0_), \
              [t1] "=&r"(t1_), [t2] "=&r"(t2_), [t3] "=&r"(t3_)                                     \
            : [g] "r"(G), [o0] "i"((HI) * 256), [o8] "i"((HI) * 256 + 8));                         \
  } while (0)
#else
#define LUT_NIB(G, M, HI)                                 \
  do {                                                    \
    const uint32_t *e_ = (G) + (HI) * 64 + ((M) << 2);    \
    a0 += e_[0];                                          \
    a1 += e_[1];                                          \
    a2 += e_[2];                                          \
    a3 += e_[3];                                          \
  } while (0)
#endif
/* Membrane K of the block plus its input IN, fired (flag or count) in the same pass. */
#define LUT_OUT(K, IN)                                                    \
  do {                                                                    \
    int16_t y_ = (int16_t)(uint16_t)((uint16_t)v[K] + (uint16_t)(IN));   \
    if (fire) {                                                           \
      if (y_ >= th) {                                                     \
        y_ = rz ? 0 : (int16_t)(y_ - th);                                 \
        if (counts) cnt[K]++;                                             \
        else s[K] = 1;                                                    \
        spikes++;                                                         \
      } else if (!counts)                                                 \
        s[K] = 0;                                                         \
    }                                                                     \
    v[K] = y_;                                                            \
  } while (0)
/* The two 16-bit lanes of accumulator A (exact: each lane's sum fits 16 bits). */
#define LUT_PAIR(A, K)                                                              \
  do {                                                                              \
    int16_t lo_ = (int16_t)(uint16_t)(A);                                           \
    int16_t hi_ = (int16_t)(uint16_t)(((A) - (uint32_t)(int32_t)lo_) >> 16);        \
    LUT_OUT(K, lo_);                                                                \
    LUT_OUT((K) + 1, hi_);                                                          \
  } while (0)
/* One block of 8 output channels over n positions: four 32-bit accumulators of two 16-bit
 * lanes each (the table's words), one add per two outputs per non-zero nibble. */
static uint16_t lut_block32(const uint32_t *lut, const uint8_t *xq, uint8_t cb, uint8_t nb, uint16_t n, int16_t *v,
                            uint8_t *s, uint16_t row_len, int16_t th, uint8_t mode) {
  uint16_t spikes = 0;
  const uint8_t fire = mode & SNN_LUT_FIRE;
  const uint8_t rz = mode & SNN_LUT_RESET_ZERO;
  const uint8_t counts = mode & SNN_LUT_COUNTS;
  uint8_t *cnt = s; /* counts mode: the block's 8 spike counts */
  for (uint16_t q = n; q; q--, xq += cb, v += row_len, s += counts ? 0 : row_len) {
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const uint8_t *f = xq;
    const uint32_t *g = lut;
    for (uint8_t i = nb; i; i--, g += 128) {
      uint32_t x = *f++;
      uint32_t m = x & 15u;
      if (m) LUT_NIB(g, m, 0);
      m = x >> 4;
      if (m) LUT_NIB(g, m, 1);
    }
    LUT_PAIR(a0, 0);
    LUT_PAIR(a1, 2);
    LUT_PAIR(a2, 4);
    LUT_PAIR(a3, 6);
  }
  return spikes;
}
#endif

uint16_t snn_conv_lut(const snn_lut *d, const uint8_t *bits, const uint8_t *pc, uint16_t n, int16_t *v, uint8_t *s,
                      int32_t theta, uint8_t mode, snn_ops *ops) {
  const snn_lut_t *lut = (const snn_lut_t *)SNN_RDPTR(&d->lut);
  const uint16_t row_len = SNN_RD16(&d->row_len);
  const uint8_t width = SNN_RD8(&d->width);
  const uint8_t cb = SNN_RD8(&d->cb);
  const uint8_t left = (uint8_t)((width - 1) >> 1);
  const uint32_t e = lut_visits(pc, n, width, left) * row_len;
  ops->sops += e;
  ops->bytes_read += e; /* int8: one byte per weight */
  if (mode & SNN_LUT_COUNTS)
    for (uint16_t i = 0; i < row_len; i++) s[i] = 0;
  if ((mode & SNN_LUT_FIRE) && theta > 32767) {
    /* a 16-bit membrane never reaches it (counts stay 0) */
    if (!(mode & SNN_LUT_COUNTS)) snn_zero(s, (uint32_t)n * row_len);
    mode = (uint8_t)(mode & ~(SNN_LUT_FIRE | SNN_LUT_COUNTS));
  }
  const uint8_t nb = (uint8_t)(width * cb);
  const uint8_t *x0 = bits + (uint16_t)((uint16_t)(SNN_RD8(&d->pad) - left) * cb);
  const uint16_t block = (uint16_t)(nb * 2u * 16u * (sizeof(snn_lut_t) == 2 ? 8u : 4u)); /* table entries per block */
  uint16_t spikes = 0;
  for (uint16_t b = 0; b < row_len; b = (uint16_t)(b + 8), lut += block) {
#if defined(__AVR__)
    lut_args a;
    a.theta = (int16_t)theta;
    a.nb = nb;
    a.back = (uint8_t)(nb - cb);
    a.page = (uint8_t)((uint16_t)lut >> 8);
    a.vskip = (uint16_t)((row_len - 8u) * 2u);
    a.sstep = row_len;
    a.mode = mode;
    a.x = x0;
    a.v = v + b;
    a.s = s + b;
    for (uint16_t q = n; q;) {
      uint8_t m = q > 255 ? 255 : (uint8_t)q;
      a.n = m;
      q = (uint16_t)(q - m);
      spikes = (uint16_t)(spikes + snn_lut8_avr(&a));
      /* the next chunk (the asm advanced s in flags mode) */
      a.x += (uint16_t)(m * cb);
      a.v += (uint16_t)(m * row_len);
    }
#else
    spikes = (uint16_t)(spikes + lut_block32((const uint32_t *)lut, x0, cb, nb, n, v + b, s + b, row_len, (int16_t)theta, mode));
#endif
  }
  return spikes;
}

/* Spikes mode: one encoder's bits of the host frame (from bit bit0, position-major) into the
 * packed flags, `cb` bytes per position, and the per-position counts. */
void snn_load_pk(const uint8_t *frame, uint16_t bit0, uint8_t *bits, uint8_t *pc, uint16_t n, uint16_t dim, uint8_t cb,
                 snn_ops *ops) {
  uint16_t total = 0;
  if (!(bit0 & 7) && !(dim & 7)) {
    /* byte aligned: a copy */
    const uint8_t *f = frame + (bit0 >> 3);
    for (uint16_t p = 0; p < n; p++) {
      uint8_t c = 0;
      for (uint8_t k = cb; k; k--) {
        uint8_t x = *f++;
        *bits++ = x;
        c = (uint8_t)(c + pop8(x));
      }
      pc[p] = c;
      total = (uint16_t)(total + c);
    }
  } else {
    uint16_t b = bit0;
    for (uint16_t p = 0; p < n; p++) {
      uint8_t c = 0;
      for (uint16_t k = 0; k < dim; k += 8) {
        uint8_t x = 0;
        for (uint8_t i = 0; i < 8 && k + i < dim; i++, b++) x = (uint8_t)(x | (((frame[b >> 3] >> (b & 7)) & 1u) << i));
        *bits++ = x;
        c = (uint8_t)(c + pop8(x));
      }
      pc[p] = c;
      total = (uint16_t)(total + c);
    }
  }
  ops->input_spikes += total;
}

/* Tokens mode: the rate encoder (docs/semantics.md "Encoders") into packed flags. */
void snn_enc_rate_pk(const uint8_t *lev, uint8_t *acc, uint8_t *bits, uint8_t *pc, uint16_t n, uint16_t dim, uint8_t cb,
                     uint8_t top, snn_ops *ops) {
  uint16_t total = 0;
  if (top == 1) {
    /* binary (1-bit levels): the accumulator stays 0 and the spike is the level */
    for (uint16_t p = 0; p < n; p++) {
      uint8_t c = 0;
      for (uint16_t k = 0; k < dim; k += 8) {
        uint8_t x = 0;
        for (uint8_t i = 0; i < 8 && k + i < dim; i++) x = (uint8_t)(x | (*lev++ << i));
        *bits++ = x;
        c = (uint8_t)(c + pop8(x));
      }
      pc[p] = c;
      total = (uint16_t)(total + c);
    }
    ops->input_spikes += total;
    (void)acc;
    (void)cb;
    return;
  }
  for (uint16_t p = 0; p < n; p++) {
    uint8_t c = 0;
    for (uint16_t k = 0; k < dim; k += 8) {
      uint8_t x = 0;
      for (uint8_t i = 0, bit = 1; i < 8 && k + i < dim; i++, bit = (uint8_t)(bit << 1)) {
        uint16_t a = (uint16_t)(*acc + *lev++);
        if (a >= top) {
          a = (uint16_t)(a - top);
          x |= bit;
          c++;
        }
        *acc++ = (uint8_t)a;
      }
      *bits++ = x;
    }
    pc[p] = c;
    total = (uint16_t)(total + c);
  }
  (void)cb;
  ops->input_spikes += total;
}

/* Tokens mode: the poisson encoder (same draw order as snn_enc_poisson) into packed flags. */
void snn_enc_poisson_pk(const uint8_t *lev, uint8_t *bits, uint8_t *pc, uint16_t n, uint16_t dim, uint8_t cb,
                        const uint32_t *cuts, uint32_t *rng, snn_ops *ops) {
  uint32_t x = *rng;
  uint16_t total = 0;
  for (uint16_t p = 0; p < n; p++) {
    uint8_t c = 0;
    for (uint16_t k = 0; k < dim; k += 8) {
      uint8_t y = 0;
      for (uint8_t i = 0; i < 8 && k + i < dim; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if ((x >> 16) < SNN_RD32(cuts + *lev)) {
          y = (uint8_t)(y | (1u << i));
          c++;
        }
        lev++;
      }
      *bits++ = y;
    }
    pc[p] = c;
    total = (uint16_t)(total + c);
  }
  (void)cb;
  *rng = x;
  ops->input_spikes += total;
}

/* A mean-pooled dense whose source keeps spike counts (SNN_LUT_COUNTS), int8 dense table:
 * output-stationary, per output the weights of all channels times their spike counts summed
 * in a register (one multiply, count x weight, per channel and output: the kernel's one
 * multiply in an event loop, standing for k additions of the same weight), added to the
 * membrane once. 16-bit sums when the step has at most 255 spikes in all (|sum| <= 255 x 128),
 * else 32-bit. The same total as adding row c k times in the event-driven order (integer adds
 * commute; the final membrane fits its width: docs/semantics.md "Overflow"); rows visited =
 * the spikes counted. */
void snn_dense_counts(const snn_tab *tab, const uint8_t *counts, uint16_t cin, void *v, uint8_t v32, snn_ops *ops) {
  const int8_t *w = (const int8_t *)SNN_RDPTR(&tab->w);
  const uint16_t len = SNN_RD16(&tab->row_len);
  uint32_t visits = 0;
  for (uint16_t c = 0; c < cin; c++) visits += counts[c];
  const uint8_t narrow = visits <= 255u;
  for (uint16_t i = 0; i < len; i++, w++) {
    const int8_t *wc = w;
    const uint8_t *cn = counts;
    int32_t acc = 0;
    if (narrow) {
      int16_t a16 = 0;
#if defined(__AVR__)
      /* one column: lpm the weight, ld the count, mulsu, add; 14 cycles a channel */
      for (uint16_t c = cin; c;) {
        uint8_t m = c > 255 ? 255 : (uint8_t)c;
        uint8_t t, k;
        c = (uint16_t)(c - m);
        __asm__ volatile("1:\n\t"
                         "lpm %[t], Z\n\t"
                         "ld %[k], X+\n\t"
                         "add r30, %A[len]\n\t"
                         "adc r31, %B[len]\n\t"
                         "mulsu %[t], %[k]\n\t"
                         "add %A[a], r0\n\t"
                         "adc %B[a], r1\n\t"
                         "dec %[m]\n\t"
                         "brne 1b\n\t"
                         "clr __zero_reg__"
                         : [a] "+r"(a16), [t] "=&a"(t), [k] "=&a"(k), [m] "+r"(m), "+z"(wc), "+x"(cn)
                         : [len] "r"(len)
                         : "r0");
      }
#else
      for (uint16_t c = cin; c; c--, wc += len) a16 = (int16_t)(a16 + (int16_t)((int8_t)SNN_RD8(wc) * (int16_t)*cn++));
#endif
      acc = a16;
    } else
      for (uint16_t c = cin; c; c--, wc += len) acc += (int32_t)(int16_t)((int8_t)SNN_RD8(wc) * (int16_t)*cn++);
    if (v32) ((int32_t *)v)[i] += acc;
    else ((int16_t *)v)[i] = (int16_t)(((int16_t *)v)[i] + acc);
  }
  visits *= len;
  ops->sops += visits;
  ops->bytes_read += visits; /* int8: one byte per weight */
}
