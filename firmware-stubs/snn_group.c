/* snnc firmware kernel, the level-grouped input schedule (docs/semantics.md "Level-grouped
 * input schedule"; snn_kernel.h). A deterministic rate or binary encoder's inputs of one level
 * spike on the same steps, so a synapse it feeds sums, once per inference (step 0), the table
 * rows of each (target row, level) group into H, and each step adds the sums of the levels that
 * spike. Same membranes as the event-driven schedule (integer adds commute; every H entry and
 * partial sum is a subset-sum of one step's inputs, within the proven width); the op counters
 * count what is done here. Linked only into firmware whose model has grouped synapses. */
#include "snn_kernel.h"

void snn_level_clock(uint8_t *acc, uint8_t *flags, uint8_t top) {
  for (uint16_t l = 1; l <= top; l++) {
    uint16_t a = (uint16_t)(acc[l] + l);
    if (a >= top) {
      acc[l] = (uint8_t)(a - top);
      flags[l] = 1;
    } else {
      acc[l] = (uint8_t)a;
      flags[l] = 0;
    }
  }
}

void snn_level_counts(const uint8_t *lev, uint16_t size, uint8_t top, uint16_t *cnt) {
  for (uint16_t l = 0; l <= top; l++) cnt[l] = 0;
  for (uint16_t i = 0; i < size; i++) cnt[lev[i]]++;
}

void snn_level_spikes(const uint16_t *cnt, const uint8_t *flags, uint8_t top, snn_ops *ops) {
  uint32_t k = 0;
  for (uint16_t l = 1; l <= top; l++)
    if (!flags || flags[l]) k += cnt[l];
  ops->input_spikes += k;
}

void snn_group_form(const snn_tab *tab, const uint8_t *lev, uint16_t positions, uint16_t cin, uint8_t width,
                    uint8_t kind, uint16_t n, uint8_t top, uint8_t live, void *h, uint8_t *present, uint8_t h32,
                    snn_ops *ops) {
  snn_tab t;
  SNN_RDBLK(&t, tab, sizeof t);
  const uint16_t rows = kind == SNN_GROUP_ONE ? 1 : n;
  const uint16_t hrow = (uint16_t)(t.row_len * (h32 ? 4u : 2u)); /* bytes of one H row */
  const uint8_t left = (uint8_t)((width - 1) >> 1);
  const uint8_t unit = (uint8_t)(t.sparse ? 2u + t.wbytes : t.wbytes); /* bytes per entry read */
  snn_zero(h, (uint32_t)rows * top * hrow);
  snn_zero(present, (uint32_t)rows * top);
  uint32_t sops = 0;
  uint32_t bytes = 0;
  for (uint16_t c = 0; c < cin; c++) {
    for (uint8_t j = 0; j < width; j++) {
      uint16_t row = (uint16_t)(j * cin + c);
      uint8_t used = 0;
      const uint8_t *l = lev + c;
      for (uint16_t p = 0; p < positions; p++, l += cin) {
        uint8_t level = *l;
        if (level < live) continue;
        uint16_t r;
        if (kind == SNN_GROUP_CONV) {
          int16_t q = (int16_t)(p + left - j);
          if (q < 0 || q >= (int16_t)n) continue;
          r = (uint16_t)q;
        } else r = kind == SNN_GROUP_POS ? p : 0;
        uint16_t k = (uint16_t)(r * top + level - 1);
        present[k] = 1;
        uint16_t e = snn_add_row(&t, row, (uint8_t *)h + (uint32_t)k * hrow, h32);
        sops += e;
        if (!used) bytes += (uint32_t)e * unit; /* each used row is read once */
        used = 1;
      }
    }
  }
  ops->sops += sops;
  ops->bytes_read += bytes;
}

void snn_group_add(const void *h, const uint8_t *present, const uint8_t *flags, uint16_t rows, uint8_t top,
                   uint16_t row_len, void *v, uint8_t v32, snn_ops *ops) {
  uint32_t adds = 0;
  for (uint16_t r = 0; r < rows; r++) {
    for (uint16_t l = 1; l <= top; l++, present++) {
      if (!*present || (flags && !flags[l])) continue;
      uint32_t k = ((uint32_t)r * top + l - 1) * row_len;
      adds++;
      if (v32) {
        const int32_t *a = (const int32_t *)h + k;
        int32_t *m = (int32_t *)v + (uint32_t)r * row_len;
        for (uint16_t i = row_len; i; i--) *m++ += *a++;
      } else {
        const int16_t *a = (const int16_t *)h + k;
        int16_t *m = (int16_t *)v + (uint32_t)r * row_len;
        for (uint16_t i = row_len; i; i--, m++) *m = (int16_t)(*m + *a++);
      }
    }
  }
  ops->sops += adds * row_len;
}
