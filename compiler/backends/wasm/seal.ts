// Appends the integrity section (runtime/wasm/digest.ts) to an emitted module: the SHA-256 of
// the final bytes, as the last section, so it covers whatever the backend put before it.
import { createHash } from 'node:crypto';
import { digestSection } from '../../../runtime/wasm/digest.js';

export function sealArtifact(wasm: Uint8Array): Uint8Array<ArrayBuffer> {
  const digest = new Uint8Array(createHash('sha256').update(wasm).digest());
  const section = digestSection(digest);
  const out = new Uint8Array(wasm.length + section.length);
  out.set(wasm);
  out.set(section, wasm.length);
  return out;
}
