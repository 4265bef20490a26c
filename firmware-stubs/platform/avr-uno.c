/* snnc firmware platform: Arduino Uno (ATmega328P, 16 MHz). UART0 at 115200 baud (U2X),
 * interrupt-driven 64-byte receive ring, idle sleep while waiting; Timer1 at clk/1 with an
 * overflow count gives a 32-bit cycle counter (the overflow ISR's own cycles are included). */
#include <stdint.h>
#include <avr/io.h>
#include <avr/interrupt.h>
#include <avr/sleep.h>
#include "../snn_platform.h"

#ifndef SNN_BAUD
#define SNN_BAUD 115200UL
#endif

const char snn_pf_name[] = "arduino-uno";
static volatile uint8_t ring[64];
static volatile uint8_t head, tail;
static volatile uint16_t ovf;

ISR(USART_RX_vect) {
  uint8_t b = UDR0;
  uint8_t next = (uint8_t)((head + 1) & 63);
  if (next != tail) { /* full: the byte is lost, the host's CRC and retry recover */
    ring[head] = b;
    head = next;
  }
}

ISR(TIMER1_OVF_vect) { ovf++; }

void snn_pf_init(void) {
  UCSR0A = (uint8_t)(1 << U2X0);
  uint16_t ubrr = (uint16_t)((F_CPU / 8 / SNN_BAUD) - 1);
  UBRR0H = (uint8_t)(ubrr >> 8);
  UBRR0L = (uint8_t)ubrr;
  UCSR0C = (uint8_t)((1 << UCSZ01) | (1 << UCSZ00));
  UCSR0B = (uint8_t)((1 << RXEN0) | (1 << TXEN0) | (1 << RXCIE0));
  TCCR1A = 0;
  TCCR1B = (uint8_t)(1 << CS10);
  TIMSK1 = (uint8_t)(1 << TOIE1);
  set_sleep_mode(SLEEP_MODE_IDLE);
  sei();
}

int16_t snn_pf_getc(void) {
  for (;;) {
    cli();
    if (head != tail) {
      uint8_t b = ring[tail];
      tail = (uint8_t)((tail + 1) & 63);
      sei();
      return b;
    }
    sleep_enable();
    sei();
    sleep_cpu();
    sleep_disable();
  }
}

void snn_pf_putc(uint8_t b) {
  while (!(UCSR0A & (1 << UDRE0))) {
  }
  UDR0 = b;
}

void snn_pf_flush(void) {}

uint32_t snn_pf_cycles(void) {
  uint8_t sreg = SREG;
  cli();
  uint16_t lo = TCNT1;
  uint16_t hi = ovf;
  if ((TIFR1 & (1 << TOV1)) && lo < 0x8000u) hi++;
  SREG = sreg;
  return ((uint32_t)hi << 16) | lo;
}
