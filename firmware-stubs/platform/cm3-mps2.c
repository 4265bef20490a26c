/* snnc firmware platform: Cortex-M3 on the MPS2 AN385 board (as QEMU's mps2-an385 models it):
 * vector table and reset handler (copies .data, zeroes .bss), CMSDK APB UART0 at 0x40004000
 * polled, WFI on the UART0 RX interrupt while idle. No cycle counter (DWT reads 0 in QEMU):
 * instruction counts come from the TCG plugin in test/firmware/harness/insn-count.c. */
#include <stdint.h>
#include "../snn_platform.h"

#define UART0_DATA (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008u)
#define UART0_INTSTATUS (*(volatile uint32_t *)0x4000400Cu)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010u)
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)
#define NVIC_ICPR0 (*(volatile uint32_t *)0xE000E280u)

const char snn_pf_name[] = "cortex-m3";

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void snn_reset_handler(void) {
  uint32_t *src = &_sidata;
  for (uint32_t *d = &_sdata; d < &_edata;) *d++ = *src++;
  for (uint32_t *d = &_sbss; d < &_ebss;) *d++ = 0;
  main();
  for (;;) __asm volatile("wfi");
}

static void hang(void) {
  for (;;) {
  }
}

__attribute__((section(".vectors"), used)) static const void *const vectors[16 + 2] = {
  &_estack, (const void *)snn_reset_handler, (const void *)hang, (const void *)hang,
  (const void *)hang, (const void *)hang, (const void *)hang, 0, 0, 0, 0,
  (const void *)hang, (const void *)hang, 0, (const void *)hang, (const void *)hang,
  (const void *)hang, (const void *)hang,
};

void snn_pf_init(void) {
  UART0_BAUDDIV = 217; /* 25 MHz / 115200 */
  UART0_CTRL = 1u | 2u | 8u; /* TX enable, RX enable, RX interrupt */
  __asm volatile("cpsid i"); /* interrupts only wake WFI, no handler runs */
  NVIC_ISER0 = 1u; /* IRQ 0: UART0 RX */
}

int16_t snn_pf_getc(void) {
  while (!(UART0_STATE & 2u)) {
    __asm volatile("wfi");
    UART0_INTSTATUS = 2u;
    NVIC_ICPR0 = 1u;
  }
  return (int16_t)(UART0_DATA & 0xFFu);
}

void snn_pf_putc(uint8_t b) {
  while (UART0_STATE & 1u) {
  }
  UART0_DATA = b;
}

void snn_pf_flush(void) {}

uint32_t snn_pf_cycles(void) { return 0; }
