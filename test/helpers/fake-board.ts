// A scripted board for host-side tests and fuzzers: a ByteTransport that parses the host's
// frames with the host's own parser and answers each with whatever payload the test chooses,
// so replies of every length and content reach SerialBoard without firmware or emulator.
import type { ByteTransport } from '../../runtime/serial/transport.js';
import { FrameParser, MSG, encodeFrame } from '../../runtime/serial/protocol.js';

export type Answer = (type: number, payload: Uint8Array) => { type: number; payload: ArrayLike<number> } | undefined;

export function fakeBoard(answer: Answer): ByteTransport {
  const parser = new FrameParser();
  let data: ((b: Uint8Array) => void) | undefined;
  let closed = false;
  const closers: ((e?: Error) => void)[] = [];
  return {
    write(bytes) {
      for (const ev of parser.push(bytes)) {
        if (ev.kind !== 'frame') continue;
        const a = answer(ev.type, ev.payload);
        if (a) {
          const frame = encodeFrame(a.type, ev.req, a.payload);
          queueMicrotask(() => !closed && data?.(frame));
        }
      }
    },
    onData(cb) {
      data = cb;
    },
    onClose(cb) {
      closers.push(cb);
    },
    async close() {
      closed = true;
    },
  };
}

/** A well-formed INFO payload (tokens mode, token input), as the firmware sends it. */
export function infoPayload(o: { classes?: number; pops?: number; maxLen?: number; vocab?: number; name?: string } = {}): number[] {
  const u16 = (x: number) => [x & 0xff, x >> 8];
  const name = o.name ?? 'host-c';
  return [
    1, 0, 0, ...u16(o.maxLen ?? 16), ...u16(8), o.classes ?? 2, o.pops ?? 2, ...u16(o.vocab ?? 40), ...u16(0), ...u16(0), ...u16(0),
    0x78, 0x56, 0x34, 0x12, ...u16(512), ...u16(64), 8, name.length, ...Array.from(name, (c) => c.charCodeAt(0)),
  ];
}

/** A well-formed RESULT payload for `classes` classes and `pops` populations. */
export function resultPayload(classes = 2, pops = 2, label = 1): number[] {
  const u32 = (x: number) => [x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, (x >>> 24) & 0xff];
  return [label, classes, ...Array.from({ length: classes }, (_, i) => u32(i * 3)).flat(), ...[5, 4, 3, 2, 1].flatMap(u32), pops, ...Array.from({ length: 2 * pops }, (_, i) => u32(i)).flat(), ...u32(99)];
}

export { MSG };
