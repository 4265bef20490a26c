// Rewrites custom sections of a wasm module (tests and fuzzers of the artifact checks).
import { sealArtifact } from '../../compiler/backends/wasm/seal.js';
import { DIGEST_SECTION } from '../../runtime/wasm/digest.js';

export function leb(bytes: Uint8Array, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    v |= (b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) return [v >>> 0, at];
  }
}
export function encLeb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
/**
 * Rebuilds a module, replacing (or with `data` null, dropping) custom sections named `name`;
 * the integrity section is dropped and, with `seal` (default), recomputed over the new bytes,
 * so a test reaches the metadata checks behind the digest.
 */
export function withSection(bytes: Uint8Array, name: string, data: Uint8Array | null, seal = true): Uint8Array {
  const out: number[] = Array.from(bytes.subarray(0, 8));
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    const end = body + size;
    let keep = true;
    if (id === 0) {
      const [len, nameAt] = leb(bytes, body);
      const n = new TextDecoder().decode(bytes.subarray(nameAt, nameAt + len));
      if (n === name || n === DIGEST_SECTION) keep = false;
    }
    if (keep) out.push(...bytes.subarray(at, end));
    at = end;
  }
  if (data) {
    const nm = new TextEncoder().encode(name);
    const payload = [...encLeb(nm.length), ...nm, ...data];
    out.push(0, ...encLeb(payload.length), ...payload);
  }
  return seal ? sealArtifact(Uint8Array.from(out)) : Uint8Array.from(out);
}

