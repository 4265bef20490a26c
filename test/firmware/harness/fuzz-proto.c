/* snnc robustness harness for the firmware frame parser (firmware-stubs/snn_proto.c), built
 * for the host with AddressSanitizer + UBSan. Two entry points: libFuzzer
 * (LLVMFuzzerTestOneInput, with -DSNN_LIBFUZZER) and a standalone driver that feeds N random
 * and mutated frames (argv[1], default 1000000) and checks every invariant it can. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snn_proto.h"

#define CAP 48
static uint8_t sink[4096];
static unsigned sink_n;
static void sink_put(uint8_t b) {
  if (sink_n < sizeof sink) sink[sink_n++] = b;
}

static void check_event(const snn_rx *rx, uint8_t ev) {
  if (ev == SNN_EV_FRAME) {
    if (rx->count > rx->cap || (uint32_t)rx->len + SNN_FRAME_OVERHEAD != rx->count) abort();
  } else if (ev == SNN_EV_BAD) {
    if (rx->err < SNN_ERR_CRC || rx->err > SNN_ERR_OVERFLOW) abort();
  } else if (ev == SNN_EV_FIRMATA) {
    if (rx->query != 0xF9 && rx->query != 0x79 && rx->query != 0x6B && rx->query != 0x69) abort();
  } else if (ev != SNN_EV_NONE) abort();
}

/* Feeds bytes to a parser; returns the number of good frames. */
static unsigned feed(snn_rx *rx, const uint8_t *data, size_t n) {
  unsigned frames = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t ev = snn_rx_push(rx, data[i]);
    check_event(rx, ev);
    frames += ev == SNN_EV_FRAME;
  }
  return frames;
}

/* Writes one frame with the firmware's writer; returns its length in sink. */
static unsigned write_frame(uint8_t type, uint8_t req, const uint8_t *pl, uint16_t len) {
  snn_tx tx;
  tx.putc = sink_put;
  sink_n = 0;
  snn_tx_begin(&tx, type, req, len);
  for (uint16_t i = 0; i < len; i++) snn_tx_u8(&tx, pl[i]);
  snn_tx_end(&tx);
  return sink_n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(CAP); /* exactly CAP bytes: ASan catches any overrun */
  snn_rx rx;
  snn_rx_init(&rx, buf, CAP);
  feed(&rx, data, size);
  /* whatever came before, a good frame after it must parse */
  uint8_t pl[8] = { 1, 2, 3, 0x80, 0xFF, 0xF0, 0xF7, 0 };
  unsigned n = write_frame(0x02, 0x42, pl, sizeof pl);
  uint8_t ev = SNN_EV_NONE;
  for (unsigned i = 0; i < n; i++) ev = snn_rx_push(&rx, sink[i]);
  if (ev != SNN_EV_FRAME || rx.req != 0x42 || rx.len != sizeof pl || memcmp(buf + 5, pl, sizeof pl) != 0) abort();
  free(buf);
  return 0;
}

#ifndef SNN_LIBFUZZER
static uint32_t rng = 0x12345678u;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

int main(int argc, char **argv) {
  unsigned long total = argc > 1 ? strtoul(argv[1], 0, 10) : 1000000UL;
  unsigned long good = 0, mutated = 0, recovered = 0;
  uint8_t *buf = malloc(CAP);
  snn_rx rx;
  snn_rx_init(&rx, buf, CAP);
  uint8_t frame[4096], pl[64];
  for (unsigned long k = 0; k < total; k++) {
    uint16_t len = (uint16_t)(next() % 56); /* some longer than the buffer */
    for (uint16_t i = 0; i < len; i++) pl[i] = (uint8_t)next();
    uint8_t req = (uint8_t)next();
    unsigned n = write_frame((uint8_t)next(), req, pl, len);
    memcpy(frame, sink, n);
    unsigned kind = next() % 4;
    if (kind == 0) {
      /* intact: must parse to the same bytes, or overflow when too long */
      uint8_t ev = SNN_EV_NONE;
      for (unsigned i = 0; i < n; i++) {
        ev = snn_rx_push(&rx, frame[i]);
        check_event(&rx, ev);
      }
      if (len + SNN_FRAME_OVERHEAD <= CAP) {
        if (ev != SNN_EV_FRAME || rx.req != req || rx.len != len || memcmp(buf + 5, pl, len) != 0) abort();
        good++;
      } else if (ev != SNN_EV_BAD || rx.err != SNN_ERR_OVERFLOW) abort();
      continue;
    }
    /* mutated: flips, drops, insertions, truncation, pure garbage */
    unsigned m = n;
    if (kind == 1) {
      for (unsigned f = 1 + next() % 3; f; f--) frame[next() % m] ^= (uint8_t)(1u << (next() % 8));
    } else if (kind == 2) {
      unsigned at = next() % m;
      if (next() & 1) {
        memmove(frame + at, frame + at + 1, m - at - 1);
        m--;
      } else if (m + 1 < sizeof frame) {
        memmove(frame + at + 1, frame + at, m - at);
        frame[at] = (uint8_t)next();
        m++;
      }
    } else {
      m = next() % 64;
      for (unsigned i = 0; i < m; i++) frame[i] = (uint8_t)next();
    }
    if (next() % 8 == 0) m = next() % (m + 1);
    feed(&rx, frame, m);
    mutated++;
    /* recovery: the next intact frame always parses */
    uint8_t ok[4] = { (uint8_t)k, 7, 0x80, 0xF7 };
    unsigned g = write_frame(0x01, 0x33, ok, sizeof ok);
    uint8_t ev = SNN_EV_NONE;
    for (unsigned i = 0; i < g; i++) {
      ev = snn_rx_push(&rx, sink[i]);
      check_event(&rx, ev);
    }
    if (ev != SNN_EV_FRAME || rx.req != 0x33 || rx.len != sizeof ok || memcmp(buf + 5, ok, sizeof ok) != 0) abort();
    recovered++;
  }
  printf("frames=%lu intact=%lu mutated=%lu recovered=%lu\n", total, good, mutated, recovered);
  free(buf);
  return 0;
}
#endif
