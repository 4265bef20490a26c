/* snnc test harness: runs AVR firmware in simavr (libsimavr) with UART0 bridged to
 * stdin/stdout, respecting the UART's XON/XOFF so no byte is dropped by the simulator.
 * libsimavr's own messages go to stderr; at exit it prints "cycles=<n>" to stderr, and with
 * SNN_PROFILE="lo-hi,..." (flash byte addresses, e.g. from avr-nm -S) the cycles per range;
 * with SNN_STACK=1 "stack=<n>", the deepest stack seen (bytes below RAMEND, sampled after every
 * instruction, interrupts included). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim_avr.h"
#include "sim_elf.h"
#include "avr_uart.h"

/* about 150 byte times at 115200 baud: the simulated UART has surely drained by then */
#define QUIET_CYCLES 200000u

static int out_fd = 1;
static uint8_t outbuf[4096];
static size_t out_n;
static volatile int xoff;
static avr_t *avr;

static void flush_out(void) {
  size_t at = 0;
  while (at < out_n) {
    ssize_t k = write(out_fd, outbuf + at, out_n - at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) exit(0);
    at += (size_t)k;
  }
  out_n = 0;
}

static avr_cycle_count_t last_activity;

static void on_output(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  last_activity = avr->cycle;
  if (out_n == sizeof outbuf) flush_out();
  outbuf[out_n++] = (uint8_t)value;
}
static void on_xon(struct avr_irq_t *irq, uint32_t value, void *param) { (void)irq; (void)value; (void)param; xoff = 0; }
static void on_xoff(struct avr_irq_t *irq, uint32_t value, void *param) { (void)irq; (void)value; (void)param; xoff = 1; }

/* optional profile: SNN_PROFILE="lo-hi,lo-hi,..." (byte addresses) -> cycles spent per range */
static unsigned long prof_lo[64], prof_hi[64];
static unsigned long long prof_cycles[64];
static int prof_n;

static int track_stack;
static unsigned stack_max;

static void report(void) {
  flush_out();
  if (avr) fprintf(stderr, "cycles=%llu\n", (unsigned long long)avr->cycle);
  if (track_stack) fprintf(stderr, "stack=%u\n", stack_max);
  for (int i = 0; i < prof_n; i++) fprintf(stderr, "profile 0x%lx-0x%lx %llu\n", prof_lo[i], prof_hi[i], prof_cycles[i]);
}
static void on_signal(int sig) { (void)sig; report(); _exit(0); }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s firmware.elf [mcu] [hz]\n", argv[0]);
    return 2;
  }
  const char *mcu = argc > 2 ? argv[2] : "atmega328p";
  unsigned long hz = argc > 3 ? strtoul(argv[3], 0, 10) : 16000000UL;
  /* libsimavr prints on stdout: keep the real stdout for the UART and send the rest to stderr */
  out_fd = dup(1);
  dup2(2, 1);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  elf_firmware_t fw;
  memset(&fw, 0, sizeof fw);
  if (elf_read_firmware(argv[1], &fw) != 0) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  avr = avr_make_mcu_by_name(mcu);
  if (!avr) {
    fprintf(stderr, "unknown mcu %s\n", mcu);
    return 2;
  }
  avr_init(avr);
  avr->log = 0;
  fw.frequency = hz;
  avr_load_firmware(avr, &fw);
  avr->frequency = hz;
  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
  flags &= ~(uint32_t)AVR_UART_FLAG_STDIO;
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_t *in_irq = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_output, 0);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), on_xon, 0);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), on_xoff, 0);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  track_stack = getenv("SNN_STACK") != 0;
  const char *prof = getenv("SNN_PROFILE");
  while (prof && *prof && prof_n < 64) {
    char *end;
    prof_lo[prof_n] = strtoul(prof, &end, 0);
    if (*end != '-') break;
    prof_hi[prof_n] = strtoul(end + 1, &end, 0);
    prof_n++;
    prof = *end == ',' ? end + 1 : 0;
  }
  uint8_t inbuf[4096];
  size_t in_n = 0, in_at = 0;
  int eof = 0;
  unsigned long tick = 0;
  for (;;) {
    avr_flashaddr_t pc = avr->pc;
    avr_cycle_count_t c0 = avr->cycle;
    int state = avr_run(avr);
    if (track_stack) {
      unsigned sp = (unsigned)avr->data[R_SPL] | ((unsigned)avr->data[R_SPH] << 8);
      /* before the startup code sets SP it reads 0: ignore */
      if (sp && sp <= avr->ramend && avr->ramend - sp > stack_max) stack_max = avr->ramend - sp;
    }
    for (int i = 0; i < prof_n; i++)
      if (pc >= prof_lo[i] && pc < prof_hi[i]) {
        prof_cycles[i] += avr->cycle - c0;
        break;
      }
    if (state == cpu_Done || state == cpu_Crashed) {
      fprintf(stderr, "%s at pc=0x%lx (from 0x%lx) cycle=%llu\n", state == cpu_Crashed ? "crashed" : "done", (unsigned long)avr->pc, (unsigned long)pc, (unsigned long long)avr->cycle);
      break;
    }
    if (++tick < 256 && state != cpu_Sleeping) continue;
    tick = 0;
    if (out_n) flush_out();
    if (in_at == in_n && !eof) {
      /* idle for a while (UART drained) with nothing to feed: wait for the host, not spin */
      int idle = state == cpu_Sleeping && avr->cycle - last_activity > QUIET_CYCLES;
      struct pollfd p = { 0, POLLIN, 0 };
      if (poll(&p, 1, idle ? 20 : 0) > 0) {
        ssize_t k = read(0, inbuf, sizeof inbuf);
        if (k > 0) {
          in_n = (size_t)k;
          in_at = 0;
        } else if (k == 0) eof = 1;
      }
    }
    while (in_at < in_n && !xoff) {
      avr_raise_irq(in_irq, inbuf[in_at++]);
      last_activity = avr->cycle;
    }
    if (eof && in_at == in_n && state == cpu_Sleeping && avr->cycle - last_activity > QUIET_CYCLES) break;
  }
  report();
  return 0;
}
