// Rewrites the header JSON of a valid .snn file and fixes the lengths and the CRC: how tests and
// fuzzers craft files that pass the checksum but carry a bad header.
import { crc32 } from 'node:zlib';

/** Rewrites the header JSON of a valid file and fixes lengths and CRC, to craft bad files. */
export function craft(bytes: Uint8Array, edit: (h: any) => void): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const hl = dv.getUint32(12, true);
  const bl = dv.getUint32(16, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + hl)));
  edit(header);
  let hb = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - ((20 + hb.length) % 8)) % 8;
  const out = new Uint8Array(20 + hb.length + pad + bl + 4);
  out.set(bytes.subarray(0, 20));
  const odv = new DataView(out.buffer);
  odv.setUint32(12, hb.length + pad, true);
  out.set(hb, 20);
  out.fill(0x20, 20 + hb.length, 20 + hb.length + pad);
  out.set(bytes.subarray(20 + hl, 20 + hl + bl), 20 + hb.length + pad);
  odv.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** The header JSON of a .snn file. */
export function headerOf(bytes: Uint8Array): any {
  const hl = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + hl)));
}
