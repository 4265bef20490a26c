// SerialBoard: the host API for a board running snnc firmware (any C target) over any byte
// transport. Request ids, per-request timeouts, retries of whole inferences after garbage,
// a board reset or a lost reply, and a clear SnncError (never a hang) when the board is gone.

import type { Graph } from '../../compiler/ir/types.js';
import { SnncError, fail } from '../../core/errors.js';
import type { InferenceResult, SimInput, StepsInput } from '../reference.js';
import { encodeSpikeFrames, truncateTokens, vectorLevels, type EncodedInput } from './host-encoder.js';
import { BOARD_ERRORS, FrameParser, MSG, decodeInfo, decodeResultFrame, encodeFrame, type BoardInfo } from './protocol.js';
import type { ByteTransport } from './transport.js';

export interface SerialBoardOptions {
  /** Milliseconds to wait for each reply (default 2000; emulators may want more). */
  timeoutMs?: number;
  /** Extra attempts of a whole inference after a timeout, reset or damaged reply (default 2). */
  retries?: number;
  /** The integer graph the board was built from: needed in spikes mode (the host encodes). */
  graph?: Graph;
  /** Expected model hash (from emitC); a board holding another model is refused. */
  modelHash?: number;
  /** Spikes mode: the host encoder (default: the graph's encoders, encodeSpikeFrames); the twin ANN's levels mode passes annLevelFrame. */
  encode?: (input: SimInput) => EncodedInput;
}

export interface BoardResult extends InferenceResult {
  /** Cycles the board spent computing (0 when the board has no counter). */
  cycles: number;
  /** Bytes written and read on the wire for this inference (successful attempt). */
  bytesSent: number;
  bytesReceived: number;
  attempts: number;
}

class Retryable extends Error {}

interface Pending {
  req: number;
  resolve: (f: { type: number; payload: Uint8Array }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class SerialBoard {
  info!: BoardInfo;
  private readonly parser = new FrameParser();
  private pending?: Pending;
  private nextReq = 1;
  private closedErr?: Error;
  private rxBytes = 0;
  private txBytes = 0;
  private readonly timeoutMs: number;
  private readonly retries: number;
  /** Unsolicited BOOT frames seen (board resets). */
  boots = 0;

  private constructor(
    private readonly transport: ByteTransport,
    private readonly opts: SerialBoardOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.retries = opts.retries ?? 2;
    transport.onData((bytes) => this.onBytes(bytes));
    transport.onClose((err) => {
      this.closedErr = new SnncError('SNN_E_DEVICE', `the board disconnected${err ? `: ${err.message}` : ''}`, 'check the cable and that the board is powered');
      if (this.pending) this.settle((p) => p.reject(this.closedErr!));
    });
  }

  /** Connects: asks the board who it is (HELLO, retried) and checks it against the options. */
  static async connect(transport: ByteTransport, opts: SerialBoardOptions = {}): Promise<SerialBoard> {
    const b = new SerialBoard(transport, opts);
    // a malformed INFO (short, long, impossible fields) is a damaged reply: retried, then SNN_E_DEVICE
    const { attempts: _attempts, ...info } = await b.withRetries(async () => {
      const reply = await b.request(MSG.HELLO, [], [MSG.INFO]);
      try {
        return decodeInfo(reply.payload);
      } catch (e) {
        throw new Retryable(`malformed INFO: ${(e as Error).message}`);
      }
    });
    b.info = info;
    if (opts.modelHash !== undefined && b.info.modelHash !== opts.modelHash >>> 0)
      fail('SNN_E_ARTIFACT', `the board holds model ${b.info.modelHash.toString(16)}, expected ${(opts.modelHash >>> 0).toString(16)}`, 'flash the firmware built for this model');
    if (b.info.mode === 'spikes' && !opts.graph && !opts.encode) fail('SNN_E_USAGE', 'a spikes-mode board needs the model graph on the host (options.graph)');
    return b;
  }

  private onBytes(bytes: Uint8Array): void {
    this.rxBytes += bytes.length;
    for (const ev of this.parser.push(bytes)) {
      if (ev.kind !== 'frame') continue; // damaged replies: the request times out and is retried
      if (ev.type === MSG.BOOT) {
        this.boots++;
        if (this.pending) this.settle((p) => p.reject(new Retryable('the board reset during the request')));
        continue;
      }
      if (this.pending && ev.req === this.pending.req) {
        const f = { type: ev.type, payload: ev.payload };
        this.settle((p) => p.resolve(f));
      }
    }
  }

  private settle(fn: (p: Pending) => void): void {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = undefined;
    fn(p);
  }

  private request(type: number, payload: ArrayLike<number>, expect: number[]): Promise<{ type: number; payload: Uint8Array }> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    if (this.pending) return Promise.reject(new SnncError('SNN_E_RUNTIME', 'one request at a time per board'));
    const req = this.nextReq;
    this.nextReq = this.nextReq === 255 ? 1 : this.nextReq + 1;
    const frame = encodeFrame(type, req, payload);
    return new Promise<{ type: number; payload: Uint8Array }>((resolve, reject) => {
      const timer = setTimeout(() => this.settle((p) => p.reject(new Retryable(`no reply within ${this.timeoutMs} ms`))), this.timeoutMs);
      this.pending = { req, resolve, reject, timer };
      this.txBytes += frame.length;
      this.transport.write(frame);
    }).then((f) => {
      if (f.type === MSG.ERROR) {
        const code = f.payload[0] ?? 0;
        const detail = (f.payload[1] ?? 0) | ((f.payload[2] ?? 0) << 8);
        const what = `${BOARD_ERRORS[code] ?? `error ${code}`} (detail ${detail})`;
        if (code === 5) fail('SNN_E_INPUT', `the board refused the input: ${what}`);
        if (code === 8 || code === 4 || code === 3) fail('SNN_E_RUNTIME', `the board refused the request: ${what}`, 'host and firmware disagree: rebuild the firmware');
        throw new Retryable(`the board reported ${what}`);
      }
      if (!expect.includes(f.type)) throw new Retryable(`unexpected reply type 0x${f.type.toString(16)}`);
      return f;
    });
  }

  private async withRetries<T>(fn: () => Promise<T>): Promise<T & { attempts?: number }> {
    let last: Error | undefined;
    for (let attempt = 1; attempt <= this.retries + 1; attempt++) {
      try {
        const r = (await fn()) as T & { attempts?: number };
        if (r && typeof r === 'object') (r as { attempts?: number }).attempts = attempt;
        return r;
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        last = e;
        if (this.closedErr) throw this.closedErr;
      }
    }
    fail('SNN_E_DEVICE', `the board did not complete the request after ${this.retries + 1} attempts: ${last?.message}`, 'check the connection, the baud rate and that the board runs snnc firmware for this model');
  }

  /** One inference; the result has the reference simulator's shape plus wire statistics. */
  async classify(input: SimInput | StepsInput): Promise<BoardResult> {
    const info = this.info;
    let payload: number[] = [];
    let encoded: ReturnType<typeof encodeSpikeFrames> | undefined;
    if (info.mode === 'spikes') {
      if (this.opts.encode && 'steps' in input) fail('SNN_E_INPUT', 'this board takes one input, not per-step vectors');
      encoded = this.opts.encode && !('steps' in input) ? this.opts.encode(input) : encodeSpikeFrames(this.opts.graph!, input);
    }
    else if ('steps' in input) fail('SNN_E_INPUT', 'this board takes one input, not per-step vectors (a spike-train model runs in spikes mode)');
    else if (info.input === 'tokens') {
      if (!('tokens' in input)) fail('SNN_E_INPUT', 'this board takes token ids');
      const ids = Array.from(input.tokens).slice(0, info.maxLen);
      if (ids.length === 0) fail('SNN_E_INPUT', 'no tokens to classify', 'pass non-empty text');
      payload = [ids.length & 0xff, ids.length >> 8];
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= info.vocab) fail('SNN_E_INPUT', `token id ${id} is outside the vocabulary (0..${info.vocab - 1})`);
        payload.push(id & 0xff, id >> 8);
      }
    } else {
      if (!('vector' in input)) fail('SNN_E_INPUT', 'this board takes a vector');
      if (input.vector.length !== info.inputDim) fail('SNN_E_INPUT', `expected a vector of ${info.inputDim} values, got ${input.vector.length}`);
      const enc = this.opts.graph?.nodes.find((n) => n.kind === 'encoder');
      const bits = enc && enc.kind === 'encoder' ? (enc.scheme === 'binary' ? 1 : enc.bits) : 8;
      payload = vectorLevels(input.vector, bits);
    }
    return this.withRetries(async () => {
      const tx0 = this.txBytes;
      const rx0 = this.rxBytes;
      // spike-count models answer RESULT (u32 scores), membrane readouts RESULT_SIGNED (int32)
      const results = [MSG.RESULT, MSG.RESULT_SIGNED];
      let reply: { type: number; payload: Uint8Array };
      if (!encoded) reply = await this.request(MSG.INFER, payload, results);
      else {
        await this.request(MSG.BEGIN, [encoded.n & 0xff, encoded.n >> 8], [MSG.READY]);
        reply = { type: MSG.RESULT, payload: new Uint8Array() };
        for (let t = 0; t < encoded.frames.length; t++) {
          const last = t === encoded.frames.length - 1;
          reply = await this.request(MSG.STEP, [t & 0xff, t >> 8, ...encoded.frames[t]], last ? results : [MSG.STEPPED]);
        }
      }
      let raw;
      try {
        raw = decodeResultFrame(reply);
      } catch (e) {
        throw new Retryable(`malformed result: ${(e as Error).message}`);
      }
      const r: BoardResult = {
        label: raw.label,
        scores: raw.scores,
        ops: { ...raw.ops, bytesRead: raw.ops.bytesRead + (encoded?.hostBytesRead ?? 0) },
        layerSpikes: raw.layerSpikes,
        layerUpdates: raw.layerUpdates,
        cycles: raw.cycles,
        bytesSent: this.txBytes - tx0,
        bytesReceived: this.rxBytes - rx0,
        attempts: 1,
      };
      return r;
    });
  }

  /** Bytes moved so far in each direction. */
  get traffic(): { sent: number; received: number } {
    return { sent: this.txBytes, received: this.rxBytes };
  }

  async close(): Promise<void> {
    if (this.pending) this.settle((p) => p.reject(new SnncError('SNN_E_RUNTIME', 'the board was closed')));
    await this.transport.close();
  }
}

export { truncateTokens };
