/* snnc serial protocol, firmware side (docs/formats.md "Serial protocol"): a byte-at-a-time
 * frame parser that survives garbage and resynchronises on 0xF0, and a streaming frame writer.
 * Frames are Firmata sysex (0xF0 0x0D <7-bit body> 0xF7); the body is 8-to-7 packed
 * [version][type][request id][length u16 LE][payload][CRC-16/CCITT-FALSE u16 LE]. */
#ifndef SNN_PROTO_H
#define SNN_PROTO_H

#include <stdint.h>

#define SNN_PROTO_VERSION 1
#define SNN_SYSEX_ID 0x0D
#define SNN_FRAME_OVERHEAD 7 /* version, type, request id, length (2), crc (2) */

/* message types (host -> board) */
#define SNN_MSG_HELLO 0x01
#define SNN_MSG_INFER 0x02
#define SNN_MSG_BEGIN 0x03
#define SNN_MSG_STEP 0x04
/* message types (board -> host) */
#define SNN_MSG_INFO 0x81
#define SNN_MSG_RESULT 0x82
#define SNN_MSG_READY 0x83
#define SNN_MSG_STEPPED 0x84
#define SNN_MSG_BOOT 0x85
#define SNN_MSG_RESULT_SIGNED 0x86 /* RESULT with int32 scores (membrane readout) */
#define SNN_MSG_ERROR 0x7F

/* error reply codes */
#define SNN_ERR_CRC 1
#define SNN_ERR_LENGTH 2
#define SNN_ERR_VERSION 3
#define SNN_ERR_TYPE 4
#define SNN_ERR_BADINPUT 5
#define SNN_ERR_STATE 6
#define SNN_ERR_OVERFLOW 7
#define SNN_ERR_MODE 8

/* parser events */
#define SNN_EV_NONE 0
#define SNN_EV_FRAME 1   /* a valid frame: type, req, len, payload at buf + 5 */
#define SNN_EV_BAD 2     /* a damaged frame: err, and req when it could be read */
#define SNN_EV_FIRMATA 3 /* a Firmata query to answer: query = 0xF9, 0x79, 0x6B or 0x69 */

typedef struct snn_rx {
  uint8_t *buf;
  uint16_t cap;
  uint16_t count;
  uint8_t state;
  uint8_t grp;
  uint8_t msb;
  uint8_t overflow;
  uint8_t query;
  /* results of the last event */
  uint8_t type;
  uint8_t req;
  uint8_t err;
  uint16_t len;
} snn_rx;

void snn_rx_init(snn_rx *rx, uint8_t *buf, uint16_t cap);
uint8_t snn_rx_push(snn_rx *rx, uint8_t byte);
uint16_t snn_crc16(uint16_t crc, uint8_t byte);

/* Streaming writer: begin, exactly `len` payload bytes, end. putc is the platform's. */
typedef struct snn_tx {
  void (*putc)(uint8_t);
  uint16_t crc;
  uint8_t grp[7];
  uint8_t fill;
} snn_tx;

void snn_tx_begin(snn_tx *tx, uint8_t type, uint8_t req, uint16_t len);
void snn_tx_u8(snn_tx *tx, uint8_t b);
void snn_tx_u16(snn_tx *tx, uint16_t x);
void snn_tx_u32(snn_tx *tx, uint32_t x);
void snn_tx_end(snn_tx *tx);

#endif
