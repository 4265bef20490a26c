/* snnc firmware kernel: implementation of the generic integer LIF primitives (snn_kernel.h).
 * Every loop is adds, shifts and compares; tables are read through SNN_RD* so the same code
 * runs from AVR flash (LPM) and from memory-mapped flash or RAM elsewhere. */
#include "snn_kernel.h"

void snn_copy(void *dst, const void *src, uint32_t n) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  while (n--) *d++ = *s++;
}

void snn_zero(void *p, uint32_t n) {
  uint8_t *d = (uint8_t *)p;
#if !defined(__AVR__)
  /* 32-bit CPUs: whole words while aligned (the level-grouped sums are large) */
  if (!((uintptr_t)d & 3u)) {
    uint32_t *w = (uint32_t *)p;
    for (; n >= 4; n -= 4) *w++ = 0;
    d = (uint8_t *)w;
  }
#endif
  /* a 16-bit count (an 8-bit CPU pays for every byte of a 32-bit counter) */
  for (; n >> 15; n -= 0x8000u)
    for (uint16_t m = 0x8000u; m; m--) *d++ = 0;
  uint16_t m = (uint16_t)n;
#if defined(__AVR__)
  /* begin zeroes the whole state: four bytes a turn */
  for (; m >= 4; m = (uint16_t)(m - 4)) {
    *d++ = 0;
    *d++ = 0;
    *d++ = 0;
    *d++ = 0;
  }
#endif
  for (; m; m--) *d++ = 0;
}

void snn_unpack(const uint8_t *levels, uint16_t row_bytes, uint8_t bits, uint16_t dim,
                const uint16_t *ids, uint16_t n, uint8_t *lev, snn_ops *ops) {
  uint16_t mask = (uint16_t)((1u << bits) - 1u);
  for (uint16_t p = 0; p < n; p++) {
    const uint8_t *row = levels + (uint32_t)ids[p] * row_bytes;
    uint16_t bit = 0;
    for (uint16_t d = 0; d < dim; d++) {
      const uint8_t *b = row + (bit >> 3);
      uint16_t word = (uint16_t)SNN_RD8(b) | (uint16_t)((uint16_t)SNN_RD8(b + 1) << 8);
      *lev++ = (uint8_t)((word >> (bit & 7)) & mask);
      bit += bits;
    }
    ops->bytes_read += row_bytes;
  }
}

void snn_enc_rate(const uint8_t *lev, uint8_t *acc, uint8_t *s, uint16_t size, uint8_t top, snn_ops *ops) {
  uint16_t count = 0;
  for (uint16_t i = 0; i < size; i++) {
    uint16_t a = (uint16_t)acc[i] + lev[i];
    if (a >= top) {
      acc[i] = (uint8_t)(a - top);
      s[i] = 1;
      count++;
    } else {
      acc[i] = (uint8_t)a;
      s[i] = 0;
    }
  }
  ops->input_spikes += count;
}

void snn_enc_poisson(const uint8_t *lev, uint8_t *s, uint16_t size, const uint32_t *cuts, uint32_t *rng, snn_ops *ops) {
  uint32_t x = *rng;
  uint16_t count = 0;
  for (uint16_t i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    uint8_t sp = (x >> 16) < SNN_RD32(cuts + lev[i]) ? 1 : 0;
    s[i] = sp;
    count += sp;
  }
  *rng = x;
  ops->input_spikes += count;
}

uint16_t snn_load_bits(const uint8_t *bits, uint16_t bit0, uint8_t *s, uint16_t size) {
  uint16_t count = 0;
  for (uint16_t i = 0; i < size; i++) {
    uint16_t b = (uint16_t)(bit0 + i);
    uint8_t sp = (uint8_t)((bits[b >> 3] >> (b & 7)) & 1u);
    s[i] = sp;
    count += sp;
  }
  return count;
}

void snn_leak16(int16_t *v, uint16_t size, uint8_t count, uint8_t k0, uint8_t k1, uint8_t k2) {
  if (!count) return;
  for (uint16_t i = 0; i < size; i++) {
    int16_t x = v[i];
    int16_t d = (int16_t)(x >> k0);
    if (count > 1) d = (int16_t)(d + (x >> k1));
    if (count > 2) d = (int16_t)(d + (x >> k2));
    v[i] = (int16_t)(x - d);
  }
}

void snn_leak32(int32_t *v, uint16_t size, uint8_t count, uint8_t k0, uint8_t k1, uint8_t k2) {
  if (!count) return;
  for (uint16_t i = 0; i < size; i++) {
    int32_t x = v[i];
    int32_t d = x >> k0;
    if (count > 1) d += x >> k1;
    if (count > 2) d += x >> k2;
    v[i] = x - d;
  }
}

void snn_add16(int16_t *v, const int16_t *c, uint16_t size) {
  for (uint16_t i = 0; i < size; i++) v[i] = (int16_t)(v[i] + c[i]);
}

void snn_add32(int32_t *v, const int32_t *c, uint16_t size) {
  for (uint16_t i = 0; i < size; i++) v[i] += c[i];
}

/* Dense row adds: the hot loops (one weight load, one membrane add), unrolled by four and
 * specialised per weight and membrane width so nothing but the adds sits in the loop. */
#define SNN_ROW_ADD(NAME, WT, RD, VT)                                                \
  static inline __attribute__((always_inline)) void NAME(const WT *w, VT *m, uint16_t len) { \
    for (; len >= 4; len -= 4, w += 4, m += 4) {                                     \
      m[0] = (VT)(m[0] + (WT)RD(w + 0));                                             \
      m[1] = (VT)(m[1] + (WT)RD(w + 1));                                             \
      m[2] = (VT)(m[2] + (WT)RD(w + 2));                                             \
      m[3] = (VT)(m[3] + (WT)RD(w + 3));                                             \
    }                                                                                \
    for (; len; len--, m++, w++) *m = (VT)(*m + (WT)RD(w));                          \
  }
SNN_ROW_ADD(row_w8_v16, int8_t, SNN_RD8, int16_t)
SNN_ROW_ADD(row_w8_v32, int8_t, SNN_RD8, int32_t)
SNN_ROW_ADD(row_w16_v16, int16_t, SNN_RD16, int16_t)
SNN_ROW_ADD(row_w16_v32, int16_t, SNN_RD16, int32_t)

static void add_dense(const void *wrow, uint16_t len, uint8_t wbytes, void *v, uint8_t v32) {
  if (wbytes == 1) {
    if (v32) row_w8_v32((const int8_t *)wrow, (int32_t *)v, len);
    else row_w8_v16((const int8_t *)wrow, (int16_t *)v, len);
  } else {
    if (v32) row_w16_v32((const int16_t *)wrow, (int32_t *)v, len);
    else row_w16_v16((const int16_t *)wrow, (int16_t *)v, len);
  }
}

/* Sparse row `row`: (target, weight) entries; returns how many were added. */
static uint16_t add_sparse(const snn_tab *t, uint16_t row, void *v, uint8_t v32) {
  uint16_t a = SNN_RD16(t->rs + row);
  uint16_t len = (uint16_t)(SNN_RD16(t->rs + row + 1) - a);
  uint16_t k = len;
  const uint16_t *tg = t->tg + a;
  if (t->wbytes == 1) {
    const int8_t *w = (const int8_t *)t->w + a;
    if (v32) {
      int32_t *m = (int32_t *)v;
      while (k--) { m[SNN_RD16(tg)] += (int8_t)SNN_RD8(w); tg++; w++; }
    } else {
      int16_t *m = (int16_t *)v;
      while (k--) { uint16_t i = SNN_RD16(tg); m[i] = (int16_t)(m[i] + (int8_t)SNN_RD8(w)); tg++; w++; }
    }
  } else {
    const int16_t *w = (const int16_t *)t->w + a;
    if (v32) {
      int32_t *m = (int32_t *)v;
      while (k--) { m[SNN_RD16(tg)] += (int16_t)SNN_RD16(w); tg++; w++; }
    } else {
      int16_t *m = (int16_t *)v;
      while (k--) { uint16_t i = SNN_RD16(tg); m[i] = (int16_t)(m[i] + (int16_t)SNN_RD16(w)); tg++; w++; }
    }
  }
  return len;
}

uint16_t snn_add_row(const snn_tab *t, uint16_t row, void *v, uint8_t v32) {
  if (t->sparse) return add_sparse(t, row, v, v32);
  add_dense((const uint8_t *)t->w + (uint32_t)row * t->row_len * t->wbytes, t->row_len, t->wbytes, v, v32);
  return t->row_len;
}

static void count(snn_ops *ops, const snn_tab *t, uint32_t entries) {
  ops->sops += entries;
  ops->bytes_read += entries * (t->sparse ? 2u + t->wbytes : t->wbytes);
}

/* Output-stationary conv for the common case (dense int8 table, int16 membranes): for each
 * output position and group of channels, the membranes stay in registers while every spiking
 * input in the receptive field adds its weights: one load and one add per sop. The same
 * additions as the event-driven loop (integer adds commute, and no partial sum can overflow:
 * docs/semantics.md "Overflow"), so the stored int16 is exact. Returns the rows visited. */
#if defined(__AVR__)
/* four sign-extended int8 weights from flash (LPM Z+) into four int16 accumulators: 7 cycles each */
#define SNN_AVR_ADD1(acc)                                                         \
  "lpm __tmp_reg__, Z+\n\t"                                                       \
  "add %A" #acc ", __tmp_reg__\n\t"                                               \
  "adc %B" #acc ", __zero_reg__\n\t"                                              \
  "sbrc __tmp_reg__, 7\n\t"                                                       \
  "dec %B" #acc "\n\t"
#define SNN_AVR_ADD4(ptr, a0, a1, a2, a3)                                         \
  do {                                                                          \
    const int8_t *z_ = (ptr);                                                   \
    __asm__ volatile(SNN_AVR_ADD1(0) SNN_AVR_ADD1(1) SNN_AVR_ADD1(2) SNN_AVR_ADD1(3) \
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+z"(z_));        \
  } while (0)
typedef int16_t snn_acc; /* 8-bit CPU: 16-bit registers pairs */
#define SNN_OS_WIDE 0
#else
typedef int32_t snn_acc; /* 32-bit CPU: no sign-extension of partial sums */
#define SNN_OS_WIDE 1
#endif
static uint32_t conv_os_w8_v16(const int8_t *w, const uint8_t *src, uint16_t n, uint16_t cin, uint8_t width,
                               uint16_t len, int16_t *v) {
  uint8_t left = (uint8_t)((width - 1) >> 1);
  uint32_t visits = 0;
  uint16_t wtap = (uint16_t)(cin * len); /* weights from tap j to j + 1 */
  for (uint16_t q = 0; q < n; q++) {
    int16_t p0 = (int16_t)(q - left); /* input position of tap 0 */
    uint8_t j0 = p0 < 0 ? (uint8_t)(-p0) : 0;
    uint8_t j1 = (int16_t)(p0 + width - 1) >= (int16_t)n ? (uint8_t)(n - 1 - p0) : (uint8_t)(width - 1);
    int16_t *vq = v + (uint32_t)q * len;
    const uint8_t *s0 = src + (uint32_t)(p0 + j0) * cin;
    const int8_t *w0 = w + (uint32_t)j0 * wtap;
    uint16_t k = 0;
#if SNN_OS_WIDE
    for (; k + 8 <= len; k += 8) {
      snn_acc a0 = vq[k + 0]; snn_acc a1 = vq[k + 1]; snn_acc a2 = vq[k + 2]; snn_acc a3 = vq[k + 3]; snn_acc a4 = vq[k + 4]; snn_acc a5 = vq[k + 5]; snn_acc a6 = vq[k + 6]; snn_acc a7 = vq[k + 7];
      const uint8_t *s = s0;
      const int8_t *wj = w0 + k;
      for (uint8_t j = j0; j <= j1; j++, wj += wtap) {
        const int8_t *wc = wj;
        for (uint16_t c = 0; c < cin; c++, wc += len) {
          if (!*s++) continue;
          a0 += (int8_t)SNN_RD8(wc + 0);
          a1 += (int8_t)SNN_RD8(wc + 1);
          a2 += (int8_t)SNN_RD8(wc + 2);
          a3 += (int8_t)SNN_RD8(wc + 3);
          a4 += (int8_t)SNN_RD8(wc + 4);
          a5 += (int8_t)SNN_RD8(wc + 5);
          a6 += (int8_t)SNN_RD8(wc + 6);
          a7 += (int8_t)SNN_RD8(wc + 7);
          if (!k) visits++;
        }
      }
      vq[k + 0] = (int16_t)a0;
      vq[k + 1] = (int16_t)a1;
      vq[k + 2] = (int16_t)a2;
      vq[k + 3] = (int16_t)a3;
      vq[k + 4] = (int16_t)a4;
      vq[k + 5] = (int16_t)a5;
      vq[k + 6] = (int16_t)a6;
      vq[k + 7] = (int16_t)a7;
    }
#endif
    for (; k + 4 <= len; k += 4) {
      snn_acc a0 = vq[k + 0]; snn_acc a1 = vq[k + 1]; snn_acc a2 = vq[k + 2]; snn_acc a3 = vq[k + 3];
      const uint8_t *s = s0;
      const int8_t *wj = w0 + k;
      for (uint8_t j = j0; j <= j1; j++, wj += wtap) {
        const int8_t *wc = wj;
        for (uint16_t c = 0; c < cin; c++, wc += len) {
          if (!*s++) continue;
#if defined(__AVR__)
          SNN_AVR_ADD4(wc, a0, a1, a2, a3);
#else
          a0 += (int8_t)SNN_RD8(wc + 0);
          a1 += (int8_t)SNN_RD8(wc + 1);
          a2 += (int8_t)SNN_RD8(wc + 2);
          a3 += (int8_t)SNN_RD8(wc + 3);
#endif
          if (!k) visits++;
        }
      }
      vq[k + 0] = (int16_t)a0;
      vq[k + 1] = (int16_t)a1;
      vq[k + 2] = (int16_t)a2;
      vq[k + 3] = (int16_t)a3;
    }
    for (; k + 1 <= len; k += 1) {
      snn_acc a0 = vq[k + 0];
      const uint8_t *s = s0;
      const int8_t *wj = w0 + k;
      for (uint8_t j = j0; j <= j1; j++, wj += wtap) {
        const int8_t *wc = wj;
        for (uint16_t c = 0; c < cin; c++, wc += len) {
          if (!*s++) continue;
          a0 += (int8_t)SNN_RD8(wc + 0);
          if (!k) visits++;
        }
      }
      vq[k + 0] = (int16_t)a0;
    }
  }
  return visits;
}

void snn_conv(const snn_tab *tab, const uint8_t *src, uint16_t n, uint16_t cin, uint8_t width,
              void *v, uint8_t v32, snn_ops *ops) {
  snn_tab t;
  SNN_RDBLK(&t, tab, sizeof t);
  if (!t.sparse && t.wbytes == 1 && !v32) {
    count(ops, &t, conv_os_w8_v16((const int8_t *)t.w, src, n, cin, width, t.row_len, (int16_t *)v) * t.row_len);
    return;
  }
  uint8_t left = (uint8_t)((width - 1) >> 1);
  uint16_t vstep = (uint16_t)(v32 ? t.row_len * 4u : t.row_len * 2u); /* membrane bytes per position */
  uint16_t wrow = (uint16_t)(t.row_len * t.wbytes);                    /* weight bytes per dense row */
  uint16_t wtap = (uint16_t)(wrow * cin);                              /* dense rows j -> j + 1 */
  uint32_t entries = 0;
  uint32_t visits = 0;
  for (uint16_t p = 0; p < n; p++) {
    /* taps j with 0 <= q = p + left - j < n: j0 .. j1 */
    int16_t top = (int16_t)(p + left);
    uint8_t j0 = top - (int16_t)n + 1 > 0 ? (uint8_t)(top - (int16_t)n + 1) : 0;
    uint8_t j1 = top < (int16_t)width - 1 ? (uint8_t)top : (uint8_t)(width - 1);
    uint8_t taps = (uint8_t)(j1 - j0 + 1);
    uint8_t *vq0 = (uint8_t *)v + (uint16_t)(top - j0) * (uint32_t)vstep;
    for (uint16_t c = 0; c < cin; c++) {
      if (!*src++) continue;
      uint8_t *vq = vq0;
      if (!t.sparse) {
        const uint8_t *w = (const uint8_t *)t.w + (uint32_t)(j0 * cin + c) * wrow;
        if (t.wbytes == 1 && !v32) {
          for (uint8_t j = taps; j; j--) {
            row_w8_v16((const int8_t *)w, (int16_t *)vq, t.row_len);
            w += wtap;
            vq -= vstep;
          }
        } else {
          for (uint8_t j = taps; j; j--) {
            add_dense(w, t.row_len, t.wbytes, vq, v32);
            w += wtap;
            vq -= vstep;
          }
        }
        visits += taps;
      } else {
        uint16_t row = (uint16_t)(j0 * cin + c);
        for (uint8_t j = taps; j; j--) {
          entries += add_sparse(&t, row, vq, v32);
          row = (uint16_t)(row + cin);
          vq -= vstep;
        }
      }
    }
  }
  count(ops, &t, t.sparse ? entries : visits * t.row_len);
}

/* Dense into one target (pooled or global), dense table: the spikes of channel c over all
 * positions are counted first (flags are 0 or 1: every writer stores exactly that), then row c
 * is added that many times, as a sum held in registers (additions only: k adds of the same
 * weight, not a multiply). Integer adds commute and the final membrane fits its width
 * (docs/semantics.md "Overflow"), so the result equals the event-driven order; the rows
 * visited are the spikes counted. */
static void add_times(const snn_tab *t, uint16_t c, uint16_t k, void *v, uint8_t v32) {
  const uint16_t len = t->row_len;
  if (t->wbytes == 1 && k <= 256) {
    /* |k x int8| < 2^15: 16-bit sums */
    const int8_t *w = (const int8_t *)t->w + (uint32_t)c * len;
    for (uint16_t i = 0; i < len; i++) {
      int16_t x = (int8_t)SNN_RD8(w + i), sum = 0;
      for (uint16_t r = k; r; r--) sum = (int16_t)(sum + x);
      if (v32) ((int32_t *)v)[i] += sum;
      else ((int16_t *)v)[i] = (int16_t)(((int16_t *)v)[i] + sum);
    }
    return;
  }
  for (uint16_t i = 0; i < len; i++) {
    int32_t x = t->wbytes == 1 ? (int32_t)(int8_t)SNN_RD8((const int8_t *)t->w + (uint32_t)c * len + i)
                               : (int32_t)(int16_t)SNN_RD16((const int16_t *)t->w + (uint32_t)c * len + i);
    int32_t sum = 0;
    for (uint16_t r = k; r; r--) sum += x;
    if (v32) ((int32_t *)v)[i] += sum;
    else ((int16_t *)v)[i] = (int16_t)(((int16_t *)v)[i] + sum);
  }
}

static uint32_t dense_count(const snn_tab *t, const uint8_t *src, uint16_t positions, uint16_t cin, void *v, uint8_t v32) {
  uint32_t visits = 0;
  for (uint16_t c = 0; c < cin; c++) {
    uint16_t k = 0;
    const uint8_t *f = src + c;
    for (uint16_t p = positions; p; p--, f += cin) k = (uint16_t)(k + *f);
    if (!k) continue;
    visits += k;
    add_times(t, c, k, v, v32);
  }
  return visits;
}

void snn_dense(const snn_tab *tab, const uint8_t *src, uint16_t positions, uint16_t cin,
               void *v, uint16_t vstride, uint8_t v32, snn_ops *ops) {
  snn_tab t;
  SNN_RDBLK(&t, tab, sizeof t);
  if (!t.sparse && vstride == 0) {
    count(ops, &t, dense_count(&t, src, positions, cin, v, v32) * t.row_len);
    return;
  }
  uint16_t vstep = (uint16_t)(v32 ? vstride * 4u : vstride * 2u);
  uint16_t wrow = (uint16_t)(t.row_len * t.wbytes);
  uint8_t *vb = (uint8_t *)v;
  uint32_t entries = 0;
  uint32_t visits = 0;
  for (uint16_t p = 0; p < positions; p++, vb += vstep) {
    const uint8_t *w = (const uint8_t *)t.w;
    for (uint16_t c = 0; c < cin; c++, w += wrow) {
      /* a flag, or a direct spike input's count: one row add per spike */
      uint8_t k = *src++;
      if (!k) continue;
      do {
        if (!t.sparse) {
          add_dense(w, t.row_len, t.wbytes, vb, v32);
          visits++;
        } else entries += add_sparse(&t, c, vb, v32);
      } while (--k);
    }
  }
  count(ops, &t, t.sparse ? entries : visits * t.row_len);
}

uint16_t snn_fire16(int16_t *v, uint8_t *s, uint16_t size, int32_t theta, uint8_t reset_zero, uint16_t *counts) {
  uint16_t count = 0;
  if (theta > 32767) {
    /* a 16-bit membrane can never reach it */
    snn_zero(s, size);
    return 0;
  }
  int16_t th = (int16_t)theta;
  for (uint16_t i = 0; i < size; i++) {
    int16_t x = v[i];
    if (x >= th) {
      v[i] = reset_zero ? 0 : (int16_t)(x - th);
      s[i] = 1;
      count++;
      if (counts) counts[i]++;
    } else {
      s[i] = 0;
    }
  }
  return count;
}

uint16_t snn_fire32(int32_t *v, uint8_t *s, uint16_t size, int32_t theta, uint8_t reset_zero, uint16_t *counts) {
  uint16_t count = 0;
  for (uint16_t i = 0; i < size; i++) {
    int32_t x = v[i];
    if (x >= theta) {
      v[i] = reset_zero ? 0 : x - theta;
      s[i] = 1;
      count++;
      if (counts) counts[i]++;
    } else {
      s[i] = 0;
    }
  }
  return count;
}
