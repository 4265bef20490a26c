/* snnc serial protocol, firmware side: parser state machine and frame writer (snn_proto.h).
 * No allocation, bounded buffer, every byte value accepted in every state: this file is what
 * the AddressSanitizer/libFuzzer harness in test/firmware/ hammers. */
#include "snn_proto.h"

enum { ST_IDLE, ST_CMD, ST_BODY, ST_SKIP, ST_QUERY };

uint16_t snn_crc16(uint16_t crc, uint8_t byte) {
  crc ^= (uint16_t)byte << 8;
  for (uint8_t i = 0; i < 8; i++) crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  return crc;
}

void snn_rx_init(snn_rx *rx, uint8_t *buf, uint16_t cap) {
  rx->buf = buf;
  rx->cap = cap;
  rx->count = 0;
  rx->state = ST_IDLE;
  rx->grp = 0;
  rx->msb = 0;
  rx->overflow = 0;
  rx->query = 0;
  rx->type = 0;
  rx->req = 0;
  rx->err = 0;
  rx->len = 0;
}

static uint8_t finish(snn_rx *rx) {
  uint16_t n = rx->count;
  rx->state = ST_IDLE;
  rx->req = n >= 3 ? rx->buf[2] : 0;
  rx->type = n >= 2 ? rx->buf[1] : 0;
  if (rx->overflow) {
    rx->err = SNN_ERR_OVERFLOW;
    return SNN_EV_BAD;
  }
  if (n < SNN_FRAME_OVERHEAD) {
    rx->err = SNN_ERR_LENGTH;
    return SNN_EV_BAD;
  }
  uint16_t len = (uint16_t)(rx->buf[3] | ((uint16_t)rx->buf[4] << 8));
  if ((uint32_t)len + SNN_FRAME_OVERHEAD != n) {
    rx->err = SNN_ERR_LENGTH;
    return SNN_EV_BAD;
  }
  uint16_t crc = 0xFFFFu;
  for (uint16_t i = 0; i < n - 2; i++) crc = snn_crc16(crc, rx->buf[i]);
  if (crc != (uint16_t)(rx->buf[n - 2] | ((uint16_t)rx->buf[n - 1] << 8))) {
    rx->err = SNN_ERR_CRC;
    return SNN_EV_BAD;
  }
  if (rx->buf[0] != SNN_PROTO_VERSION) {
    rx->err = SNN_ERR_VERSION;
    return SNN_EV_BAD;
  }
  rx->len = len;
  return SNN_EV_FRAME;
}

uint8_t snn_rx_push(snn_rx *rx, uint8_t b) {
  if (b == 0xF0) {
    /* a frame start always wins: resynchronise, whatever came before */
    rx->state = ST_CMD;
    return SNN_EV_NONE;
  }
  switch (rx->state) {
    case ST_IDLE:
      if (b == 0xF9) {
        rx->query = 0xF9;
        return SNN_EV_FIRMATA;
      }
      return SNN_EV_NONE;
    case ST_CMD:
      if (b == SNN_SYSEX_ID) {
        rx->state = ST_BODY;
        rx->count = 0;
        rx->grp = 0;
        rx->overflow = 0;
      } else if (b == 0x79 || b == 0x6B || b == 0x69) {
        rx->query = b;
        rx->state = ST_QUERY;
      } else {
        rx->state = b == 0xF7 ? ST_IDLE : ST_SKIP;
      }
      return SNN_EV_NONE;
    case ST_QUERY:
      if (b == 0xF7) {
        rx->state = ST_IDLE;
        return SNN_EV_FIRMATA;
      }
      rx->state = b & 0x80 ? ST_IDLE : ST_SKIP;
      return SNN_EV_NONE;
    case ST_SKIP:
      if (b & 0x80) rx->state = ST_IDLE;
      return SNN_EV_NONE;
    case ST_BODY:
      if (b == 0xF7) return finish(rx);
      if (b & 0x80) {
        /* a status byte inside a frame: the frame is lost; drop it silently */
        rx->state = ST_IDLE;
        return SNN_EV_NONE;
      }
      if (rx->grp == 0) {
        rx->msb = b;
        rx->grp = 1;
        return SNN_EV_NONE;
      }
      if (rx->count < rx->cap) rx->buf[rx->count++] = (uint8_t)(b | (((rx->msb >> (rx->grp - 1)) & 1u) << 7));
      else rx->overflow = 1;
      rx->grp = rx->grp == 7 ? 0 : (uint8_t)(rx->grp + 1);
      return SNN_EV_NONE;
    default:
      rx->state = ST_IDLE;
      return SNN_EV_NONE;
  }
}

static void flush_group(snn_tx *tx) {
  if (!tx->fill) return;
  uint8_t msb = 0;
  for (uint8_t i = 0; i < tx->fill; i++) msb |= (uint8_t)((tx->grp[i] >> 7) << i);
  tx->putc(msb);
  for (uint8_t i = 0; i < tx->fill; i++) tx->putc((uint8_t)(tx->grp[i] & 0x7F));
  tx->fill = 0;
}

static void put_raw(snn_tx *tx, uint8_t b) {
  tx->grp[tx->fill++] = b;
  if (tx->fill == 7) flush_group(tx);
}

void snn_tx_u8(snn_tx *tx, uint8_t b) {
  tx->crc = snn_crc16(tx->crc, b);
  put_raw(tx, b);
}

void snn_tx_u16(snn_tx *tx, uint16_t x) {
  snn_tx_u8(tx, (uint8_t)x);
  snn_tx_u8(tx, (uint8_t)(x >> 8));
}

void snn_tx_u32(snn_tx *tx, uint32_t x) {
  snn_tx_u16(tx, (uint16_t)x);
  snn_tx_u16(tx, (uint16_t)(x >> 16));
}

void snn_tx_begin(snn_tx *tx, uint8_t type, uint8_t req, uint16_t len) {
  tx->crc = 0xFFFFu;
  tx->fill = 0;
  tx->putc(0xF0);
  tx->putc(SNN_SYSEX_ID);
  snn_tx_u8(tx, SNN_PROTO_VERSION);
  snn_tx_u8(tx, type);
  snn_tx_u8(tx, req);
  snn_tx_u16(tx, len);
}

void snn_tx_end(snn_tx *tx) {
  uint16_t crc = tx->crc;
  put_raw(tx, (uint8_t)crc);
  put_raw(tx, (uint8_t)(crc >> 8));
  flush_group(tx);
  tx->putc(0xF7);
}
