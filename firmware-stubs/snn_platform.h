/* snnc firmware: what a board's platform file provides (one file in firmware-stubs/platform/): a byte
 * channel (UART or stdio) and a cycle counter. Adding a board = one file implementing these. */
#ifndef SNN_PLATFORM_H
#define SNN_PLATFORM_H

#include <stdint.h>

void snn_pf_init(void);
/* Next received byte; blocks (sleeping if it can). -1 only when the channel is closed for good. */
int16_t snn_pf_getc(void);
void snn_pf_putc(uint8_t b);
/* Pushes out buffered output (a no-op on UARTs). */
void snn_pf_flush(void);
/* Free-running cycle counter (0 if the board has none). */
uint32_t snn_pf_cycles(void);
/* Board name reported in the INFO reply. */
extern const char snn_pf_name[];

#endif
