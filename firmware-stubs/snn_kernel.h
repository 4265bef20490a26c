/* snnc firmware kernel: the generic, addition-only integer LIF primitives that the C backend's
 * generated model.c calls (docs/firmware.md). No heap, no libc, no multiplies in the event
 * loops: the caller owns every byte of state. Semantics: docs/semantics.md, bit for bit. */
#ifndef SNN_KERNEL_H
#define SNN_KERNEL_H

#include <stdint.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
/* constant tables live in flash and are read with LPM */
#define SNN_CONST const __attribute__((__progmem__))
#define SNN_RD8(p) ((uint8_t)pgm_read_byte(p))
#define SNN_RD16(p) ((uint16_t)pgm_read_word(p))
#define SNN_RD32(p) ((uint32_t)pgm_read_dword(p))
#define SNN_RDBLK(dst, src, n) memcpy_P((dst), (src), (n))
#else
#define SNN_CONST const __attribute__((aligned(4)))
#define SNN_RD8(p) (*(const uint8_t *)(p))
#define SNN_RD16(p) (*(const uint16_t *)(p))
#define SNN_RD32(p) (*(const uint32_t *)(p))
#define SNN_RDBLK(dst, src, n) snn_copy((dst), (src), (n))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Op counters of one inference (docs/semantics.md "Op counters"); 32 bits each. */
typedef struct snn_ops {
  uint32_t sops;
  uint32_t updates;
  uint32_t spikes;
  uint32_t input_spikes;
  uint32_t bytes_read;
} snn_ops;

/* One event-driven synapse table, indexed by presynaptic row. Dense: rows x row_len weights.
 * Sparse: row r owns entries rs[r] .. rs[r+1]-1 of (tg, w). Weights are int8 or int16. */
typedef struct snn_tab {
  const void *w;
  const uint16_t *rs;
  const uint16_t *tg;
  uint16_t rows;
  uint16_t row_len;
  uint8_t sparse;
  uint8_t wbytes;
} snn_tab;

void snn_copy(void *dst, const void *src, uint32_t n);
void snn_zero(void *p, uint32_t n);

/* Unpacks n embedding rows (bit-packed q-bit levels, LSB first) into per-position levels. */
void snn_unpack(const uint8_t *levels, uint16_t row_bytes, uint8_t bits, uint16_t dim,
                const uint16_t *ids, uint16_t n, uint8_t *lev, snn_ops *ops);
/* Deterministic rate encoder, one step: acc += level; spike and acc -= top when acc >= top. */
void snn_enc_rate(const uint8_t *lev, uint8_t *acc, uint8_t *s, uint16_t size, uint8_t top, snn_ops *ops);
/* Poisson encoder, one step: xorshift32 per value, spike iff (x >> 16) < cut[level]. */
void snn_enc_poisson(const uint8_t *lev, uint8_t *s, uint16_t size, const uint32_t *cuts, uint32_t *rng, snn_ops *ops);
/* Unpacks `size` spike bits starting at bit `bit0` of a host frame into flags; returns their count. */
uint16_t snn_load_bits(const uint8_t *bits, uint16_t bit0, uint8_t *s, uint16_t size);
/* Unpacks `size` counts of `nbits` bits each (LSB first) starting at bit `bit0` (a direct
 * spike input's counts 0..2^nbits-1); returns their sum (the input spikes). In snn_counts.c. */
uint32_t snn_load_counts(const uint8_t *bits, uint16_t bit0, uint8_t *s, uint16_t size, uint8_t nbits);

/* Leak v -= sum(v >> k) over up to three shifts (count 0..3). */
void snn_leak16(int16_t *v, uint16_t size, uint8_t count, uint8_t k0, uint8_t k1, uint8_t k2);
void snn_leak32(int32_t *v, uint16_t size, uint8_t count, uint8_t k0, uint8_t k1, uint8_t k2);
/* v[i] += c[i]: a synaptic current flows into its membrane (docs/semantics.md "Synaptic current"). */
void snn_add16(int16_t *v, const int16_t *c, uint16_t size);
void snn_add32(int32_t *v, const int32_t *c, uint16_t size);

/* conv1d ('same' padding) from per-position spike flags [n x cin] into membranes [n x row_len]. */
void snn_conv(const snn_tab *tab, const uint8_t *src, uint16_t n, uint16_t cin, uint8_t width,
              void *v, uint8_t v32, snn_ops *ops);
/* dense: `positions` groups of cin flags; target offset advances by vstride per position
 * (0: pooled or global target, row_len: position-wise). */
void snn_dense(const snn_tab *tab, const uint8_t *src, uint16_t positions, uint16_t cin,
               void *v, uint16_t vstride, uint8_t v32, snn_ops *ops);


/* Fire and reset; counts (nullable) gets +1 per spike. Returns the number of spikes. */
uint16_t snn_fire16(int16_t *v, uint8_t *s, uint16_t size, int32_t theta, uint8_t reset_zero, uint16_t *counts);
uint16_t snn_fire32(int32_t *v, uint8_t *s, uint16_t size, int32_t theta, uint8_t reset_zero, uint16_t *counts);

/* Scans (docs/semantics.md "Scans"; snn_scan.c, linked only by models with scans). Everything
 * one scan step needs is in a const descriptor, the state is addressed by byte offsets (so the
 * generated call is small): one input of a scan population is its table, the offset of the
 * source's per-position flags [n x cin] (feeds only) and cin. */
typedef struct snn_scan_in {
  const snn_tab *tab;
  uint32_t src;
  uint16_t cin;
} snn_scan_in;
#define SNN_SCAN_BACKWARD 1
#define SNN_SCAN_V32 2
#define SNN_SCAN_RESET_ZERO 4
#define SNN_SCAN_SPIKING 8
/* A scan population: offsets of its membrane vector [channels] and spike flags [n x channels],
 * its threshold (a scan is never pooled), inputs [0, n_feed) read their sources at the visited
 * position, inputs [n_feed, n_in) are its self-recurrence (its own spikes at the previously
 * visited position); n_in <= 4. SNN_SCAN_* flags, leak shifts as snn_leak16/32. */
typedef struct snn_scan_pop {
  const snn_scan_in *in;
  uint32_t v;
  uint32_t s;
  int32_t theta;
  uint16_t channels;
  uint8_t n_in;
  uint8_t n_feed;
  uint8_t flags;
  uint8_t nshift;
  uint8_t k0, k1, k2;
} snn_scan_pop;
/* One step of a scan population over n positions of the state `st`; returns its spikes. */
uint16_t snn_scan(const snn_scan_pop *d, void *st, uint16_t n, snn_ops *ops);

/* The fast conv (snn_fast.c, linked only by models that use it; docs/firmware.md "The fast
 * conv"): a conv1d with a dense int8 table into 16-bit membranes, output channels a multiple of
 * 8, reading an encoder whose flags are kept packed: per position `cb` bytes of bits (channel c
 * is bit c & 7 of byte c >> 3), `pad` zero positions before position 0 and enough after the
 * last, plus each position's spike count. The table is stored as sums: for every group of four
 * input channels of one tap (a nibble of the packed flags) and every pattern of their spikes,
 * the sum of the spiking rows, per block of 8 output channels. Layout of one synapse:
 * [block][tap][flag byte][nibble][pattern 0..15][8 outputs], int16 on AVR (a 256-byte page per
 * nibble, the whole array page aligned), on 32-bit CPUs as four int32 words per pattern, word
 * i = out[2i] + 65536 * out[2i+1] (two 16-bit lanes, added with one instruction). */
#if defined(__AVR__)
#define SNN_LUT_ALIGN __attribute__((aligned(256)))
typedef int16_t snn_lut_t;
#else
#define SNN_LUT_ALIGN
typedef int32_t snn_lut_t;
#endif
typedef struct snn_lut {
  const snn_lut_t *lut;
  uint16_t row_len; /* output channels, a multiple of 8 */
  uint8_t width;
  uint8_t cb;  /* flag bytes per position */
  uint8_t pad; /* zero positions before position 0 in the packed flags */
} snn_lut;
#define SNN_LUT_FIRE 1
#define SNN_LUT_RESET_ZERO 2
#define SNN_LUT_COUNTS 4
/* Integrates the conv for all n positions; with SNN_LUT_FIRE also fires (threshold theta, reset
 * by subtraction or to zero) into s [n x row_len] and returns the spikes; with SNN_LUT_COUNTS
 * too, s is instead [row_len] spike counts over the positions (n <= 255; for a population only
 * mean-pooled denses read: snn_dense_counts). The leak, if any, is done before (snn_leak16).
 * bits: the packed flags buffer (padding included); pc: per position spike counts (op counters). */
/* A mean-pooled dense (dense int8 table) from per-channel spike counts (a population fired
 * with SNN_LUT_COUNTS): row c added counts[c] times. */
void snn_dense_counts(const snn_tab *tab, const uint8_t *counts, uint16_t cin, void *v, uint8_t v32, snn_ops *ops);
uint16_t snn_conv_lut(const snn_lut *d, const uint8_t *bits, const uint8_t *pc, uint16_t n, int16_t *v, uint8_t *s,
                      int32_t theta, uint8_t mode, snn_ops *ops);
/* Packed encoder outputs: bits at position 0 of the buffer (after its padding), pc per position. */
void snn_load_pk(const uint8_t *frame, uint16_t bit0, uint8_t *bits, uint8_t *pc, uint16_t n, uint16_t dim, uint8_t cb, snn_ops *ops);
void snn_enc_rate_pk(const uint8_t *lev, uint8_t *acc, uint8_t *bits, uint8_t *pc, uint16_t n, uint16_t dim, uint8_t cb, uint8_t top, snn_ops *ops);
void snn_enc_poisson_pk(const uint8_t *lev, uint8_t *bits, uint8_t *pc, uint16_t n, uint16_t dim, uint8_t cb, const uint32_t *cuts, uint32_t *rng, snn_ops *ops);

/* One table row added into a row of membranes (or sums) v: dense, all row_len weights; sparse,
 * its entries. Returns the weights added. For kernels outside this file (snn_group.c). */
uint16_t snn_add_row(const snn_tab *t, uint16_t row, void *v, uint8_t v32);

/* The level-grouped schedule (docs/semantics.md "Level-grouped input schedule"; snn_group.c,
 * linked only by models with grouped synapses). Levels 1..top spike together: the clock's
 * flags[L] says whether level L spikes this step (flags[0] stays 0). */
void snn_level_clock(uint8_t *acc, uint8_t *flags, uint8_t top);
/* An encoder read only by grouped synapses (tokens mode): its inputs per level (at step 0), and
 * each step the spikes they emit, the inputs of the levels that spike (flags null: binary). */
void snn_level_counts(const uint8_t *lev, uint16_t size, uint8_t top, uint16_t *cnt);
void snn_level_spikes(const uint16_t *cnt, const uint8_t *flags, uint8_t top, snn_ops *ops);
#define SNN_GROUP_CONV 0  /* target row r = p + left - j (one per position) */
#define SNN_GROUP_POS 1   /* position-wise dense: r = p */
#define SNN_GROUP_ONE 2   /* into a global target: one row */
/* Forms H [rows][top][row_len] (at the target's width, h32) and present [rows][top] from the
 * levels lev [positions][cin] (inputs below `live` never spike and take no part); counts
 * sops per contribution and bytes_read once per table row used. width: the conv's taps (1 for
 * dense). */
void snn_group_form(const snn_tab *tab, const uint8_t *lev, uint16_t positions, uint16_t cin, uint8_t width,
                    uint8_t kind, uint16_t n, uint8_t top, uint8_t live, void *h, uint8_t *present, uint8_t h32,
                    snn_ops *ops);
/* One step: for every row r and level L present with flags[L], v[r] += H[r][L]; flags null: a
 * binary encoder, whose one level spikes at every step. */
void snn_group_add(const void *h, const uint8_t *present, const uint8_t *flags, uint16_t rows, uint8_t top,
                   uint16_t row_len, void *v, uint8_t v32, snn_ops *ops);
/* The binary fast path (snn_group_fast.c, with the fast conv): H [n][row_len] is formed by
 * snn_conv_lut (integrate-only into a zeroed H) from the packed step-0 bits (= the levels);
 * snn_group_lut_rows then sets bytes_read as forming counts it (bytes_before: its value before
 * snn_conv_lut) and returns the rows with any contribution; each step snn_group_fire16 adds H
 * to the membranes, fires and resets as snn_conv_lut's SNN_LUT_* mode (flags or counts). */
uint16_t snn_group_lut_rows(const snn_lut *d, const uint8_t *bits, const uint8_t *pc, uint16_t n, uint32_t bytes_before,
                            snn_ops *ops);
uint16_t snn_group_fire16(const int16_t *h, uint16_t hn, int16_t *v, uint8_t *s, uint16_t n, uint16_t row_len,
                          int32_t theta, uint8_t mode, snn_ops *ops);

/* Max pooling over positions (pool: 'max-positions'): any[c] = 1 iff channel c spiked at one
 * of the n positions of src [n x cin]. The caller then adds row c of every flagged channel
 * once (snn_dense over one "position"). Inline, so only models that pool this way carry it. */
static inline void snn_any_positions(const uint8_t *src, uint16_t n, uint16_t cin, uint8_t *any) {
  for (uint16_t c = 0; c < cin; c++) any[c] = 0;
  for (uint16_t p = 0; p < n; p++)
    for (uint16_t c = 0; c < cin; c++) any[c] |= *src++;
}

#ifdef __cplusplus
}
#endif

#endif
