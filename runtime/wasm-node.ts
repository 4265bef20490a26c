// Node-only convenience over runtime/wasm-host.ts: load an artifact from a file path.
// Kept apart so the host itself stays free of Node APIs and runs in browsers.

import { readFile } from 'node:fs/promises';
import { fail } from '../core/errors.js';
import { loadArtifact, type WasmModel } from './wasm-host.js';

export async function loadArtifactFile(path: string): Promise<WasmModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    fail('SNN_E_ARTIFACT', `cannot read ${path}: ${(e as Error).message}`);
  }
  return loadArtifact(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
