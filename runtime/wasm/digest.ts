// Artifact integrity (docs/wasm.md "Digest"): the last section of every model.wasm snnc emits is
// a custom section `snnc.sha256` holding the SHA-256 of all the bytes before it (code, data
// segments with the tables, the `snnc` metadata section, everything). It is computed over the
// final bytes, so it composes with whatever the backend emits before it. The host verifies it
// before it compiles the module: a flipped bit anywhere is SNN_E_ARTIFACT, never another label.
// Browser-safe: WebCrypto (globalThis.crypto.subtle, also in Node >= 19), no imports but errors.

import { fail } from '../../core/errors.js';

export const DIGEST_SECTION = 'snnc.sha256';
const NAME = new TextEncoder().encode(DIGEST_SECTION);
/** id 0 (custom), section size, name length, name: 2 + 1 + 11 = 14 bytes before the 32-byte digest. */
const SECTION_PREFIX = Uint8Array.from([0, 1 + NAME.length + 32, NAME.length, ...NAME]);
export const DIGEST_SECTION_BYTES = SECTION_PREFIX.length + 32;

/** The section to append to a module whose bytes hash to `digest` (32 bytes). */
export function digestSection(digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new RangeError('a SHA-256 digest has 32 bytes');
  const out = new Uint8Array(DIGEST_SECTION_BYTES);
  out.set(SECTION_PREFIX);
  out.set(digest, SECTION_PREFIX.length);
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Checks the trailing digest section of an artifact; throws SNN_E_ARTIFACT when it is missing or wrong. */
export async function verifyDigest(bytes: Uint8Array): Promise<void> {
  const at = bytes.length - DIGEST_SECTION_BYTES;
  const present = at >= 8 && SECTION_PREFIX.every((b, i) => bytes[at + i] === b);
  if (!present) fail('SNN_E_ARTIFACT', `the module does not end with its "${DIGEST_SECTION}" integrity section`, 'recompile the model with this snnc (artifacts carry a SHA-256 of their bytes)');
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!subtle) fail('SNN_E_ARTIFACT', 'cannot verify the artifact: this JavaScript engine has no WebCrypto (crypto.subtle)', 'browsers expose it in secure contexts (https, localhost)');
  const body = bytes.slice(0, at);
  const actual = new Uint8Array(await subtle.digest('SHA-256', body));
  const stored = bytes.subarray(at + SECTION_PREFIX.length);
  for (let i = 0; i < 32; i++) {
    if (actual[i] !== stored[i]) fail('SNN_E_ARTIFACT', `the module is corrupt: SHA-256 ${hex(actual).slice(0, 16)}… of its bytes, its digest says ${hex(stored).slice(0, 16)}…`, 'copy or compile it again');
  }
}
