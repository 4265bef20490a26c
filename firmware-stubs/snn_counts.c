/* Direct spike input with counts above 1 (docs/firmware.md "Spike-train input"): linked only
 * into firmware whose model takes counts 0..2^bits-1 with bits > 1, so other images do not grow. */
#include "snn_kernel.h"

uint32_t snn_load_counts(const uint8_t *bits, uint16_t bit0, uint8_t *s, uint16_t size, uint8_t nbits) {
  uint32_t count = 0;
  uint16_t b = bit0;
  for (uint16_t i = 0; i < size; i++) {
    uint8_t k = 0;
    for (uint8_t j = 0; j < nbits; j++, b++) k = (uint8_t)(k | (((bits[b >> 3] >> (b & 7)) & 1u) << j));
    s[i] = k;
    count += k;
  }
  return count;
}
