/* snnc firmware platform: host C (Linux, macOS) over stdin/stdout, for differential tests and
 * the Raspberry Pi native runner. Cycle counter: none (reports 0). */
#include <stdint.h>
#include <unistd.h>
#include "../snn_platform.h"

const char snn_pf_name[] = "host-c";
static uint8_t out[512];
static unsigned out_n;
static uint8_t in[512];
static unsigned in_n, in_at;

void snn_pf_init(void) {}

void snn_pf_flush(void) {
  unsigned at = 0;
  while (at < out_n) {
    ssize_t k = write(1, out + at, out_n - at);
    if (k <= 0) _exit(0);
    at += (unsigned)k;
  }
  out_n = 0;
}

int16_t snn_pf_getc(void) {
  if (in_at == in_n) {
    snn_pf_flush();
    ssize_t k = read(0, in, sizeof in);
    if (k <= 0) return -1;
    in_n = (unsigned)k;
    in_at = 0;
  }
  return in[in_at++];
}

void snn_pf_putc(uint8_t b) {
  if (out_n == sizeof out) snn_pf_flush();
  out[out_n++] = b;
}

uint32_t snn_pf_cycles(void) { return 0; }
