/* snnc firmware kernel, scans (docs/semantics.md "Scans"): one step of a recurrent population
 * that visits the positions of the sentence one at a time, forward or backward, carrying ONE
 * membrane vector of `channels` from position to position (the RAM point of scans on an Uno:
 * channels membranes, not maxLen x channels). Linked only into firmware whose model has a scan
 * (compiler/backends/c/build.ts), so other models' images do not grow.
 *
 * Per position, in scan order: leak, add the rows of every source spike at this position,
 * add the self-recurrent rows of this population's spikes at the previously visited position
 * (none at the first), fire and reset into this position's flags. Dense int8 tables (the
 * common case) integrate output-stationary: a group of membranes stays in registers while
 * every input's spiking rows add their weights; int16 weights and sparse tables go through
 * the kernel's snn_dense, one position at a time. Leak and fire are
 * snn_leak16/32 and snn_fire16/32. */
#include "snn_kernel.h"

#define SNN_SCAN_MAX_IN 4

#if defined(__AVR__)
#define SCAN_RDPTR(p) ((const void *)pgm_read_word(p))
/* one sign-extended int8 weight from flash (LPM Z+) into an int16 accumulator: 7 cycles */
#define SCAN_AVR_ADD1(acc)                                                        \
  "lpm __tmp_reg__, Z+\n\t"                                                       \
  "add %A[" #acc "], __tmp_reg__\n\t"                                             \
  "adc %B[" #acc "], __zero_reg__\n\t"                                            \
  "sbrc __tmp_reg__, 7\n\t"                                                       \
  "dec %B[" #acc "]\n\t"
/* The whole flag loop of one input for four int16 accumulators, in asm (a C loop around the
 * add leaves the row pointer on the stack): per flag 11 cycles, per spike 4 x 7 more.
 * cnt > 0 flags at *f, rows `step` bytes apart starting at w; rows counts the spikes. */
#define SCAN_ROWS4(F_, N_, W_, S_, A0_, A1_, A2_, A3_, R_)                          \
  do {                                                                          \
    const int8_t *z_;                                                           \
    __asm__ volatile("1:\n\t"                                                   \
                     "ld __tmp_reg__, %a[f]+\n\t"                               \
                     "tst __tmp_reg__\n\t"                                      \
                     "breq 2f\n\t"                                              \
                     "movw %A[z], %A[w]\n\t"                                    \
                     SCAN_AVR_ADD1(a0) SCAN_AVR_ADD1(a1) SCAN_AVR_ADD1(a2) SCAN_AVR_ADD1(a3) \
                     "subi %A[rows], 0xFF\n\t"                                  \
                     "sbci %B[rows], 0xFF\n\t"                                  \
                     "2:\n\t"                                                   \
                     "add %A[w], %A[step]\n\t"                                  \
                     "adc %B[w], %B[step]\n\t"                                  \
                     "subi %A[cnt], 1\n\t"                                      \
                     "sbci %B[cnt], 0\n\t"                                      \
                     "brne 1b\n\t"                                              \
                     : [a0] "+r"(A0_), [a1] "+r"(A1_), [a2] "+r"(A2_), [a3] "+r"(A3_), [f] "+x"(F_), \
                       [w] "+r"(W_), [cnt] "+d"(N_), [rows] "+d"(R_), [z] "=&z"(z_)   \
                     : [step] "r"(S_));                                       \
  } while (0)
#define SCAN_WIDE 0
#else
#define SCAN_RDPTR(p) (*(const void *const *)(p))
#define SCAN_WIDE 1
#endif

/* Dense weights of input i of a scan descriptor (in flash on AVR). */
static inline const int8_t *scan_w(const snn_scan_in *in, uint8_t i) {
  return (const int8_t *)SCAN_RDPTR(&((const snn_tab *)SCAN_RDPTR(&in[i].tab))->w);
}

/* Integrate one position, dense int8 tables, output-stationary: a group of membranes (eight
 * on 32-bit CPUs, four on AVR) stays in registers while the spiking rows of the m inputs
 * (flags f[i]) add their weights; the last C mod 4 go one at a time. The same additions as
 * the event-driven order (integer adds commute, no partial sum overflows: docs/semantics.md
 * "Overflow"), so the stored membrane is exact. Returns the rows visited. VT: membrane type,
 * ACC: accumulator type, ROWS4: the flag loop of one input for four accumulators. */
#define SCAN_ADD_W8(NAME, VT, ACC, ROWS4)                                                                     \
  static __attribute__((noinline)) uint16_t NAME(const snn_scan_in *in, const uint8_t *const *f, uint8_t m,  \
                                                 uint16_t C, VT *v) {                                         \
    uint16_t visits = 0;                                                                                      \
    uint16_t k = 0;                                                                                           \
    SCAN_ADD_W8_WIDE(ACC, VT)                                                                                 \
    for (; k + 4 <= C; k += 4) {                                                                              \
      ACC a0 = v[k], a1 = v[k + 1], a2 = v[k + 2], a3 = v[k + 3];                                             \
      uint16_t rows = 0;                                                                                      \
      for (uint8_t i = 0; i < m; i++) {                                                                       \
        const uint8_t *fi = f[i];                                                                             \
        const int8_t *wc = scan_w(in, i) + k;                                                                 \
        uint16_t cnt = SNN_RD16(&in[i].cin);                                                                  \
        if (cnt) ROWS4(fi, cnt, wc, C, a0, a1, a2, a3, rows);                                                 \
      }                                                                                                       \
      v[k] = (VT)a0; v[k + 1] = (VT)a1; v[k + 2] = (VT)a2; v[k + 3] = (VT)a3;                                 \
      visits = rows;                                                                                          \
    }                                                                                                         \
    for (; k < C; k++) {                                                                                      \
      ACC a0 = v[k];                                                                                          \
      uint16_t rows = 0;                                                                                      \
      for (uint8_t i = 0; i < m; i++) {                                                                       \
        const uint8_t *fi = f[i];                                                                             \
        const int8_t *wc = scan_w(in, i) + k;                                                                 \
        for (uint16_t c = SNN_RD16(&in[i].cin); c; c--, wc += C) {                                            \
          if (!*fi++) continue;                                                                               \
          a0 += (int8_t)SNN_RD8(wc);                                                                          \
          rows++;                                                                                             \
        }                                                                                                     \
      }                                                                                                       \
      v[k] = (VT)a0;                                                                                          \
      visits = rows;                                                                                          \
    }                                                                                                         \
    return visits;                                                                                            \
  }

/* The flag loop of one input for four accumulators, in C. */
#define SCAN_ROWS4_C(F_, N_, W_, S_, A0_, A1_, A2_, A3_, R_)                      \
  do {                                                                          \
    for (; N_; N_--, W_ += S_) {                                                \
      if (!*F_++) continue;                                                     \
      A0_ += (int8_t)SNN_RD8(W_ + 0);                                           \
      A1_ += (int8_t)SNN_RD8(W_ + 1);                                           \
      A2_ += (int8_t)SNN_RD8(W_ + 2);                                           \
      A3_ += (int8_t)SNN_RD8(W_ + 3);                                           \
      R_++;                                                                     \
    }                                                                           \
  } while (0)

#if SCAN_WIDE
/* 32-bit CPUs: eight accumulators first (registers to spare) */
#define SCAN_ADD_W8_WIDE(ACC, VT)                                                                         \
  for (; k + 8 <= C; k += 8) {                                                                            \
    ACC a0 = v[k], a1 = v[k + 1], a2 = v[k + 2], a3 = v[k + 3], a4 = v[k + 4], a5 = v[k + 5], a6 = v[k + 6], a7 = v[k + 7]; \
    uint16_t rows = 0;                                                                                    \
    for (uint8_t i = 0; i < m; i++) {                                                                     \
      const uint8_t *fi = f[i];                                                                           \
      const int8_t *wc = scan_w(in, i) + k;                                                               \
      for (uint16_t c = SNN_RD16(&in[i].cin); c; c--, wc += C) {                                          \
        if (!*fi++) continue;                                                                             \
        a0 += wc[0]; a1 += wc[1]; a2 += wc[2]; a3 += wc[3]; a4 += wc[4]; a5 += wc[5]; a6 += wc[6]; a7 += wc[7]; \
        rows++;                                                                                           \
      }                                                                                                   \
    }                                                                                                     \
    v[k] = (VT)a0; v[k + 1] = (VT)a1; v[k + 2] = (VT)a2; v[k + 3] = (VT)a3;                               \
    v[k + 4] = (VT)a4; v[k + 5] = (VT)a5; v[k + 6] = (VT)a6; v[k + 7] = (VT)a7;                           \
    visits = rows;                                                                                        \
  }
SCAN_ADD_W8(scan_add_w8_v16, int16_t, int32_t, SCAN_ROWS4_C)
#else
#define SCAN_ADD_W8_WIDE(ACC, VT)
SCAN_ADD_W8(scan_add_w8_v16, int16_t, int16_t, SCAN_ROWS4)
#endif
SCAN_ADD_W8(scan_add_w8_v32, int32_t, int32_t, SCAN_ROWS4_C)

uint16_t snn_scan(const snn_scan_pop *d, void *st, uint16_t n, snn_ops *ops) {
  uint8_t *base = (uint8_t *)st;
  const uint16_t C = SNN_RD16(&d->channels);
  const uint8_t flags = SNN_RD8(&d->flags);
  const uint8_t v32 = (flags & SNN_SCAN_V32) ? 1 : 0;
  const uint8_t back = flags & SNN_SCAN_BACKWARD;
  const snn_scan_in *in = (const snn_scan_in *)SCAN_RDPTR(&d->in);
  void *v = base + SNN_RD32(&d->v);
  uint8_t *s = (flags & SNN_SCAN_SPIKING) ? base + SNN_RD32(&d->s) : 0;
  snn_zero(v, (uint32_t)C << (v32 ? 2 : 1));
  if (!n) return 0;
  const uint16_t last = (uint16_t)(n - 1);
  const uint8_t nfeed = SNN_RD8(&d->n_feed);
  /* a non-spiking scan has no spikes to feed back; n_in <= SNN_SCAN_MAX_IN (plan.ts checks) */
  const uint8_t nin = s ? SNN_RD8(&d->n_in) : nfeed;

  /* the fused path takes dense int8 tables */
  uint8_t fused = 1;
  for (uint8_t i = 0; i < nin; i++) {
    const snn_tab *t = (const snn_tab *)SCAN_RDPTR(&in[i].tab);
    if (SNN_RD8(&t->sparse) || SNN_RD8(&t->wbytes) != 1) fused = 0;
  }
  /* flags read at this position: the feeds' at this position, the self inputs' at the
   * previously visited one (set from the second position on) */
  const uint8_t *f[SNN_SCAN_MAX_IN];
  for (uint8_t i = 0; i < nfeed; i++) f[i] = base + SNN_RD32(&in[i].src) + (back ? (uint16_t)(last * SNN_RD16(&in[i].cin)) : 0);
  uint8_t *sq = s ? s + (back ? (uint16_t)(last * C) : 0) : 0;
  uint16_t spikes = 0;
  uint32_t visits = 0; /* rows visited by the fused path (per position at most 65535: plan.ts) */
  for (uint16_t q = 0;; q++) {
    uint8_t m = q ? nin : nfeed; /* nothing to feed back at the first position */
    if (v32) snn_leak32((int32_t *)v, C, SNN_RD8(&d->nshift), SNN_RD8(&d->k0), SNN_RD8(&d->k1), SNN_RD8(&d->k2));
    else snn_leak16((int16_t *)v, C, SNN_RD8(&d->nshift), SNN_RD8(&d->k0), SNN_RD8(&d->k1), SNN_RD8(&d->k2));
    if (fused) visits += v32 ? scan_add_w8_v32(in, f, m, C, (int32_t *)v) : scan_add_w8_v16(in, f, m, C, (int16_t *)v);
    else
      for (uint8_t i = 0; i < m; i++) snn_dense((const snn_tab *)SCAN_RDPTR(&in[i].tab), f[i], 1, SNN_RD16(&in[i].cin), v, 0, v32, ops);
    if (sq) {
      int32_t theta = (int32_t)SNN_RD32(&d->theta);
      uint8_t rz = (flags & SNN_SCAN_RESET_ZERO) ? 1 : 0;
      spikes = (uint16_t)(spikes + (v32 ? snn_fire32((int32_t *)v, sq, C, theta, rz, 0) : snn_fire16((int16_t *)v, sq, C, theta, rz, 0)));
    }
    if (q == last) break;
    /* next position: the feeds move one position, the self inputs read the flags just written */
    for (uint8_t i = 0; i < nfeed; i++) {
      uint16_t cin = SNN_RD16(&in[i].cin);
      f[i] = back ? f[i] - cin : f[i] + cin;
    }
    for (uint8_t i = nfeed; i < nin; i++) f[i] = sq;
    if (sq) sq = back ? sq - C : sq + C;
  }
  /* the fused path's rows: int8, one byte per weight (snn_dense counts its own) */
  ops->sops += visits * C;
  ops->bytes_read += visits * C;
  return spikes;
}
