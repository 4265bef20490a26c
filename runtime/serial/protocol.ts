// snnc serial protocol, host side (docs/formats.md "Serial protocol"): frame writer, a
// byte-at-a-time parser that mirrors firmware-stubs/snn_proto.c, and the message codecs.
// Frames are Firmata sysex 0xF0 0x0D <8-to-7 packed body> 0xF7 so Firmata hosts can carry them.

export const PROTO_VERSION = 1;
export const SYSEX_ID = 0x0d;
export const FRAME_OVERHEAD = 7;

export const MSG = {
  HELLO: 0x01,
  INFER: 0x02,
  BEGIN: 0x03,
  STEP: 0x04,
  INFO: 0x81,
  RESULT: 0x82,
  READY: 0x83,
  STEPPED: 0x84,
  BOOT: 0x85,
  /** RESULT with signed (int32) scores: models with a membrane readout. */
  RESULT_SIGNED: 0x86,
  ERROR: 0x7f,
} as const;

export const BOARD_ERRORS: Record<number, string> = {
  1: 'CRC mismatch',
  2: 'bad length',
  3: 'unsupported protocol version',
  4: 'unknown message type',
  5: 'bad input (token id outside the vocabulary or bad length n)',
  6: 'out-of-order step (no session open or wrong step number)',
  7: 'frame longer than the receive buffer',
  8: 'message not available in this firmware mode',
};

export function crc16(bytes: ArrayLike<number>, crc = 0xffff): number {
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i] << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** 8-to-7 packing: per group of up to 7 bytes, a septet of their top bits, then their low 7 bits. */
export function pack7(raw: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i += 7) {
    const k = Math.min(7, raw.length - i);
    let msb = 0;
    for (let j = 0; j < k; j++) msb |= (raw[i + j] >> 7) << j;
    out.push(msb);
    for (let j = 0; j < k; j++) out.push(raw[i + j] & 0x7f);
  }
  return out;
}

export function unpack7(septets: ArrayLike<number>): number[] {
  const out: number[] = [];
  let grp = 0;
  let msb = 0;
  for (let i = 0; i < septets.length; i++) {
    const b = septets[i];
    if (grp === 0) {
      msb = b;
      grp = 1;
      continue;
    }
    out.push(b | (((msb >> (grp - 1)) & 1) << 7));
    grp = grp === 7 ? 0 : grp + 1;
  }
  return out;
}

/** The raw body of a frame (before packing): version, type, request id, length, payload, CRC. */
export function frameBody(type: number, req: number, payload: ArrayLike<number>, version = PROTO_VERSION): number[] {
  const body = [version, type, req & 0xff, payload.length & 0xff, (payload.length >> 8) & 0xff, ...Array.from(payload)];
  const crc = crc16(body);
  body.push(crc & 0xff, crc >> 8);
  return body;
}

export function encodeFrame(type: number, req: number, payload: ArrayLike<number> = []): Uint8Array {
  return Uint8Array.from([0xf0, SYSEX_ID, ...pack7(frameBody(type, req, payload)), 0xf7]);
}

export type ParserEvent =
  | { kind: 'frame'; type: number; req: number; payload: Uint8Array }
  | { kind: 'bad'; err: number; req: number }
  | { kind: 'firmata'; query: number };

/** Mirrors snn_rx_push: resynchronises on every 0xF0, drops frames cut by a status byte. */
export class FrameParser {
  private state: 'idle' | 'cmd' | 'body' | 'skip' | 'query' = 'idle';
  private query = 0;
  private septets: number[] = [];
  constructor(private readonly cap = 65535 + FRAME_OVERHEAD) {}

  push(bytes: ArrayLike<number>): ParserEvent[] {
    const events: ParserEvent[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const ev = this.pushByte(bytes[i]);
      if (ev) events.push(ev);
    }
    return events;
  }

  pushByte(b: number): ParserEvent | undefined {
    if (b === 0xf0) {
      this.state = 'cmd';
      return undefined;
    }
    switch (this.state) {
      case 'idle':
        return b === 0xf9 ? { kind: 'firmata', query: 0xf9 } : undefined;
      case 'cmd':
        if (b === SYSEX_ID) {
          this.state = 'body';
          this.septets = [];
        } else if (b === 0x79 || b === 0x6b || b === 0x69) {
          this.query = b;
          this.state = 'query';
        } else this.state = b === 0xf7 ? 'idle' : 'skip';
        return undefined;
      case 'query':
        if (b === 0xf7) {
          this.state = 'idle';
          return { kind: 'firmata', query: this.query };
        }
        this.state = b & 0x80 ? 'idle' : 'skip';
        return undefined;
      case 'skip':
        if (b & 0x80) this.state = 'idle';
        return undefined;
      case 'body':
        if (b === 0xf7) {
          this.state = 'idle';
          return this.finish();
        }
        if (b & 0x80) {
          this.state = 'idle';
          return undefined;
        }
        this.septets.push(b);
        return undefined;
    }
  }

  private finish(): ParserEvent {
    const raw = unpack7(this.septets);
    const req = raw.length >= 3 ? raw[2] : 0;
    if (raw.length > this.cap) return { kind: 'bad', err: 7, req };
    if (raw.length < FRAME_OVERHEAD) return { kind: 'bad', err: 2, req };
    const len = raw[3] | (raw[4] << 8);
    if (len + FRAME_OVERHEAD !== raw.length) return { kind: 'bad', err: 2, req };
    const crc = crc16(raw.slice(0, raw.length - 2));
    if (crc !== (raw[raw.length - 2] | (raw[raw.length - 1] << 8))) return { kind: 'bad', err: 1, req };
    if (raw[0] !== PROTO_VERSION) return { kind: 'bad', err: 3, req };
    return { kind: 'frame', type: raw[1], req, payload: Uint8Array.from(raw.slice(5, 5 + len)) };
  }
}

/** Little-endian reader over a payload. */
export class Reader {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  u8(): number {
    if (this.at + 1 > this.b.length) throw new RangeError('payload too short');
    return this.b[this.at++];
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }
  i32(): number {
    return this.u32() | 0;
  }
  get remaining(): number {
    return this.b.length - this.at;
  }
}

export interface BoardInfo {
  protocol: number;
  mode: 'tokens' | 'spikes';
  input: 'tokens' | 'vector';
  maxLen: number;
  timesteps: number;
  classes: number;
  pops: number;
  vocab: number;
  inputDim: number;
  frameBitsPerPosition: number;
  frameBitsFixed: number;
  modelHash: number;
  stateBytes: number;
  rxBytes: number;
  pointerBytes: number;
  board: string;
}

/** Decodes an INFO payload; throws RangeError on a payload of the wrong length or impossible fields. */
export function decodeInfo(p: Uint8Array): BoardInfo {
  const r = new Reader(p);
  const info: BoardInfo = {
    protocol: r.u8(),
    mode: r.u8() ? 'spikes' : 'tokens',
    input: r.u8() ? 'vector' : 'tokens',
    maxLen: r.u16(),
    timesteps: r.u16(),
    classes: r.u8(),
    pops: r.u8(),
    vocab: r.u16(),
    inputDim: r.u16(),
    frameBitsPerPosition: r.u16(),
    frameBitsFixed: r.u16(),
    modelHash: r.u32(),
    stateBytes: r.u16(),
    rxBytes: r.u16(),
    pointerBytes: r.u8(),
    board: '',
  };
  const n = r.u8();
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.u8());
  info.board = s;
  if (r.remaining !== 0) throw new RangeError(`INFO payload has ${r.remaining} bytes past the board name`);
  // fields no firmware can send: a damaged or foreign reply, not a board to talk to
  if (info.protocol !== PROTO_VERSION) throw new RangeError(`INFO says protocol ${info.protocol}`);
  // pops may be 0: the int8 twin ANN firmware (docs/ann.md) has no spiking populations
  // one class: a graph compiled without readout reports its one output neuron (docs/firmware.md)
  if (info.classes < 1 || info.timesteps < 1) throw new RangeError(`INFO says ${info.classes} classes, ${info.pops} populations, T = ${info.timesteps}`);
  if (info.input === 'tokens' ? info.maxLen < 1 || info.vocab < 2 : info.inputDim < 1) throw new RangeError(`INFO says maxLen ${info.maxLen}, vocabulary ${info.vocab}, input dim ${info.inputDim}`);
  return info;
}

export interface BoardResultRaw {
  label: number;
  scores: number[];
  ops: { sops: number; updates: number; spikes: number; inputSpikes: number; bytesRead: number };
  layerSpikes: number[];
  layerUpdates: number[];
  cycles: number;
}

/**
 * Decodes a RESULT payload; `signed` (a RESULT_SIGNED frame) reads the scores as int32.
 * Throws RangeError on a payload of the wrong length or a label that is not a class.
 */
export function decodeResult(p: Uint8Array, signed = false): BoardResultRaw {
  const r = new Reader(p);
  const label = r.u8();
  const classes = r.u8();
  if (label >= classes) throw new RangeError(`label ${label} is not one of ${classes} classes`);
  const scores = Array.from({ length: classes }, () => (signed ? r.i32() : r.u32()));
  const ops = { sops: r.u32(), updates: r.u32(), spikes: r.u32(), inputSpikes: r.u32(), bytesRead: r.u32() };
  const pops = r.u8();
  const layerSpikes = Array.from({ length: pops }, () => r.u32());
  const layerUpdates = Array.from({ length: pops }, () => r.u32());
  const cycles = r.u32();
  if (r.remaining !== 0) throw new RangeError('result payload too long');
  return { label, scores, ops, layerSpikes, layerUpdates, cycles };
}

/** Is `type` a result frame (RESULT or RESULT_SIGNED)? */
export function isResultType(type: number): boolean {
  return type === MSG.RESULT || type === MSG.RESULT_SIGNED;
}

/** Decodes a result frame of either type. */
export function decodeResultFrame(f: { type: number; payload: Uint8Array }): BoardResultRaw {
  if (!isResultType(f.type)) throw new RangeError(`frame type 0x${f.type.toString(16)} is not a result`);
  return decodeResult(f.payload, f.type === MSG.RESULT_SIGNED);
}
