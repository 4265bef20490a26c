/* snnc twin-ANN kernel (docs/ann.md): the int8 tailored ANN of a spiking TextCNN, for
 * comparing the spiking network with the plain one on the same board. Plain C, the same
 * conventions as the SNN kernel (snn_kernel.h: tables in flash through SNN_CONST / SNN_RD*,
 * no heap, the caller owns the state); bit for bit runtime/ann-int8.ts. */
#ifndef ANN_KERNEL_H
#define ANN_KERNEL_H

#include <stdint.h>
#include "snn_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Unpacks n rows of packed q-bit levels (LSB first, byte-aligned rows of row_bytes) into
 * x [n][dim]: rows ids[p] of a flash table (ids non-null), or n consecutive rows in RAM. */
void ann_unpack(const uint8_t *rows, const uint16_t *ids, uint16_t n, uint16_t row_bytes, uint8_t bits,
                uint16_t dim, uint8_t *x);

/* One conv branch ('same' padding, width taps, left = (width - 1) / 2) over x [n][cin] and its
 * ReLU, requantized to uint8 and summed over the positions into pool [cout4] (zeroed first).
 * Weights [cout4 / 4][width][cin][4] int8 (cout4: cout rounded up to 4, padding outputs all
 * zero); per output a 15-bit multiplier and a shift: a = min(255, (acc * mult + 2^(shift-1))
 * >> shift) for acc > 0, else 0. Taps outside the sentence are skipped. acc16: accumulate in
 * 16 bits (the compiler proved every partial sum fits; the 8-bit CPU's fast path). Counts
 * multiply-accumulates (real outputs only) in ops->sops. */
void ann_conv_pool(const int8_t *w, const uint16_t *mult, const uint8_t *shift, const uint8_t *x, uint16_t n,
                   uint16_t cin, uint16_t cout, uint8_t width, uint8_t acc16, uint16_t *pool, snn_ops *ops);

/* The rounded mean over n positions: out[o] = (pool[o] + n / 2) / n; counts the pooling
 * additions (n per feature) in ops->updates. */
void ann_mean(const uint16_t *pool, uint16_t cout, uint16_t n, uint8_t *out, snn_ops *ops);

/* Classifier: z[k] = sum_f w[k][f] * x[f], int8 weights [outputs][features], int32 sums. */
void ann_dense(const int8_t *w, const uint8_t *x, uint16_t features, uint16_t outputs, int32_t *z, snn_ops *ops);

#ifdef __cplusplus
}
#endif

#endif
