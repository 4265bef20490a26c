/* snnc firmware main loop: answers the serial protocol (snn_proto.h) with the generated model
 * (model.h) on any board that provides snn_platform.h. Owns the one inference state; no heap.
 * Tokens mode takes token ids; spikes mode takes the host's packed spike frames step by step. */
#include <stdint.h>
#include "model.h"
#include "snn_platform.h"
#include "snn_proto.h"

#define MAX2(a, b) ((a) > (b) ? (a) : (b))
#if SNN_MODE_SPIKES
#define SNN_RX_PAYLOAD (2 + SNN_FRAME_BYTES_MAX)
#elif SNN_INPUT_VECTOR
#define SNN_RX_PAYLOAD SNN_INPUT_DIM
#else
#define SNN_RX_PAYLOAD (2 + 2 * SNN_MAXLEN)
#endif
#define SNN_RX_CAP (SNN_FRAME_OVERHEAD + MAX2(SNN_RX_PAYLOAD, 16))

static snn_state st;
static uint8_t rxbuf[SNN_RX_CAP];
static snn_rx rx;
static snn_tx tx;
static volatile uint8_t active; /* spikes mode: a session is open (volatile: kept in both modes, same RAM map) */
static uint32_t cycles;

static void put(uint8_t b) { snn_pf_putc(b); }

static void send_error(uint8_t req, uint8_t code, uint16_t detail) {
  snn_tx_begin(&tx, SNN_MSG_ERROR, req, 3);
  snn_tx_u8(&tx, code);
  snn_tx_u16(&tx, detail);
  snn_tx_end(&tx);
  snn_pf_flush();
}

static void send_info(uint8_t req) {
  uint8_t name_len = 0;
  while (snn_pf_name[name_len] && name_len < 32) name_len++;
  snn_tx_begin(&tx, SNN_MSG_INFO, req, (uint16_t)(27 + name_len));
  snn_tx_u8(&tx, SNN_PROTO_VERSION);
  snn_tx_u8(&tx, SNN_MODE_SPIKES);
  snn_tx_u8(&tx, SNN_INPUT_VECTOR);
  snn_tx_u16(&tx, SNN_MAXLEN);
  snn_tx_u16(&tx, SNN_T);
  snn_tx_u8(&tx, SNN_CLASSES);
  snn_tx_u8(&tx, SNN_POPS);
  snn_tx_u16(&tx, SNN_VOCAB);
  snn_tx_u16(&tx, SNN_INPUT_DIM);
  snn_tx_u16(&tx, SNN_FRAME_BITS_PER_POS);
  snn_tx_u16(&tx, SNN_FRAME_BITS_FIXED);
  snn_tx_u32(&tx, SNN_MODEL_HASH);
  snn_tx_u16(&tx, (uint16_t)sizeof(snn_state));
  snn_tx_u16(&tx, (uint16_t)SNN_RX_CAP);
  snn_tx_u8(&tx, (uint8_t)sizeof(void *));
  snn_tx_u8(&tx, name_len);
  for (uint8_t i = 0; i < name_len; i++) snn_tx_u8(&tx, (uint8_t)snn_pf_name[i]);
  snn_tx_end(&tx);
  snn_pf_flush();
}

/* Spike-count scores go out in RESULT (u32), membrane scores in RESULT_SIGNED (int32, two's
 * complement): same layout, so frames of spike-count models are unchanged. */
#if SNN_SCORES_SIGNED
#define SNN_RESULT_TYPE SNN_MSG_RESULT_SIGNED
#else
#define SNN_RESULT_TYPE SNN_MSG_RESULT
#endif

static void send_result(uint8_t req) {
  snn_score scores[SNN_CLASSES];
  uint8_t label = snn_model_scores(&st, scores);
  snn_tx_begin(&tx, SNN_RESULT_TYPE, req, (uint16_t)(2 + 4 * SNN_CLASSES + 20 + 1 + 8 * SNN_POPS + 4));
  snn_tx_u8(&tx, label);
  snn_tx_u8(&tx, SNN_CLASSES);
  for (uint8_t c = 0; c < SNN_CLASSES; c++) snn_tx_u32(&tx, (uint32_t)scores[c]);
  for (uint8_t i = 0; i < 5; i++) snn_tx_u32(&tx, st.ops[i]);
  snn_tx_u8(&tx, SNN_POPS);
#if SNN_POPS > 0 /* the twin ANN (docs/ann.md) has no populations */
  for (uint8_t i = 0; i < SNN_POPS; i++) snn_tx_u32(&tx, st.lspk[i]);
  for (uint8_t i = 0; i < SNN_POPS; i++) snn_tx_u32(&tx, st.lupd[i]);
#endif
  snn_tx_u32(&tx, cycles);
  snn_tx_end(&tx);
  snn_pf_flush();
}

static void send_empty(uint8_t type, uint8_t req, uint16_t t, uint8_t with_t) {
  snn_tx_begin(&tx, type, req, with_t ? 2 : 0);
  if (with_t) snn_tx_u16(&tx, t);
  snn_tx_end(&tx);
  snn_pf_flush();
}

__attribute__((unused)) static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | ((uint16_t)p[1] << 8)); }

static void handle_frame(void) {
  const uint8_t *pl = rxbuf + 5;
  uint16_t len = rx.len;
  uint8_t req = rx.req;
  switch (rx.type) {
    case SNN_MSG_HELLO:
      send_info(req);
      return;
#if !SNN_MODE_SPIKES
    case SNN_MSG_INFER: {
      uint16_t n;
#if SNN_INPUT_VECTOR
      if (len != SNN_INPUT_DIM) { send_error(req, SNN_ERR_LENGTH, len); return; }
      for (uint16_t i = 0; i < SNN_INPUT_DIM; i++) st.vin[i] = pl[i];
      n = 1;
#else
      if (len < 2) { send_error(req, SNN_ERR_LENGTH, len); return; }
      n = rd16(pl);
      if (n < 1 || n > SNN_MAXLEN) { send_error(req, SNN_ERR_BADINPUT, n); return; }
      if (len != 2 + 2 * n) { send_error(req, SNN_ERR_LENGTH, len); return; }
      for (uint16_t i = 0; i < n; i++) st.ids[i] = rd16(pl + 2 + 2 * i);
#endif
      uint32_t c0 = snn_pf_cycles();
      active = 0;
      if (snn_model_begin(&st, n)) { send_error(req, SNN_ERR_BADINPUT, 0); return; }
      for (uint16_t t = 0; t < SNN_T; t++) snn_model_step(&st);
      cycles = snn_pf_cycles() - c0;
      send_result(req);
      return;
    }
#else
    case SNN_MSG_BEGIN: {
      if (len != 2) { send_error(req, SNN_ERR_LENGTH, len); return; }
      uint16_t n = rd16(pl);
      uint32_t c0 = snn_pf_cycles();
      if (snn_model_begin(&st, n)) { active = 0; send_error(req, SNN_ERR_BADINPUT, n); return; }
      cycles = snn_pf_cycles() - c0;
      active = 1;
      send_empty(SNN_MSG_READY, req, 0, 0);
      return;
    }
    case SNN_MSG_STEP: {
      if (!active) { send_error(req, SNN_ERR_STATE, 0); return; }
      if (len < 2) { send_error(req, SNN_ERR_LENGTH, len); return; }
      uint16_t t = rd16(pl);
      if (t != st.t) { send_error(req, SNN_ERR_STATE, st.t); return; }
      uint16_t bits = (uint16_t)(st.n * SNN_FRAME_BITS_PER_POS + SNN_FRAME_BITS_FIXED);
      if (len != 2 + ((bits + 7) >> 3)) { send_error(req, SNN_ERR_LENGTH, len); return; }
      uint32_t c0 = snn_pf_cycles();
      snn_model_load(&st, pl + 2);
      snn_model_step(&st);
      cycles += snn_pf_cycles() - c0;
      if (st.t == SNN_T) {
        active = 0;
        send_result(req);
      } else {
        send_empty(SNN_MSG_STEPPED, req, t, 1);
      }
      return;
    }
#endif
#if SNN_MODE_SPIKES
    case SNN_MSG_INFER:
#else
    case SNN_MSG_BEGIN:
    case SNN_MSG_STEP:
#endif
      send_error(req, SNN_ERR_MODE, SNN_MODE_SPIKES);
      return;
    default:
      send_error(req, SNN_ERR_TYPE, rx.type);
      return;
  }
}

/* Firmata handshake: enough for firmata.js / johnny-five to connect (no pins are offered). */
#define SNN_FIRMATA_PINS 20
static void firmata_reply(uint8_t query) {
  if (query == 0xF9) {
    put(0xF9); put(2); put(5);
  } else if (query == 0x79) {
    const char *name = "snnc";
    put(0xF0); put(0x79); put(2); put(5);
    for (const char *p = name; *p; p++) { put((uint8_t)(*p & 0x7F)); put((uint8_t)(*p >> 7)); }
    put(0xF7);
  } else if (query == 0x6B) {
    put(0xF0); put(0x6C);
    for (uint8_t i = 0; i < SNN_FIRMATA_PINS; i++) put(0x7F);
    put(0xF7);
  } else if (query == 0x69) {
    put(0xF0); put(0x6A);
    for (uint8_t i = 0; i < SNN_FIRMATA_PINS; i++) put(0x7F);
    put(0xF7);
  }
  snn_pf_flush();
}

int main(void) {
  snn_pf_init();
  tx.putc = put;
  snn_rx_init(&rx, rxbuf, SNN_RX_CAP);
  firmata_reply(0xF9);
  send_empty(SNN_MSG_BOOT, 0, 0, 0);
  for (;;) {
    int16_t c = snn_pf_getc();
    if (c < 0) break;
    uint8_t ev = snn_rx_push(&rx, (uint8_t)c);
    if (ev == SNN_EV_FRAME) handle_frame();
    else if (ev == SNN_EV_BAD) send_error(rx.req, rx.err, 0);
    else if (ev == SNN_EV_FIRMATA) firmata_reply(rx.query);
  }
  return 0;
}
