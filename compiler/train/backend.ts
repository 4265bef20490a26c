// TF.js backend selection for training and the dense-tensor SNN: tfjs-node when the user has
// it installed, else the WebAssembly (SIMD) backend, else the slow pure-JS cpu backend.
// Measured here (Node 20, 2 cores): the threaded-SIMD wasm binary does not initialise under
// Node (the backend reports no multithread support and forcing it fails), so we use SIMD.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fail } from '../../core/errors.js';

export type BackendPreference = 'auto' | 'node' | 'wasm' | 'cpu';

let chosen: string | undefined;
let pending: Promise<string> | undefined;

/** The TF.js namespace every training module uses (one instance, shared with tfjs-node). */
export { tf };

async function tryNode(): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript from requiring the (optional) package's types.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const req = createRequire(import.meta.url);
    const dir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    // The threaded build cannot start in Node; ask for the SIMD single-thread binary.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths(dir + path.sep);
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Selects and initialises a TF.js backend; returns its name ('tensorflow', 'wasm' or 'cpu').
 * Idempotent: later calls return the first choice whatever they prefer.
 */
export function initBackend(prefer: BackendPreference = 'auto'): Promise<string> {
  if (chosen) return Promise.resolve(chosen);
  if (pending) return pending;
  pending = (async () => {
    let ok = false;
    if (prefer === 'node') ok = await tryNode();
    else if (prefer === 'wasm') ok = await tryWasm();
    else if (prefer === 'cpu') ok = await tf.setBackend('cpu');
    else ok = (await tryNode()) || (await tryWasm()) || (await tf.setBackend('cpu'));
    if (!ok) fail('SNN_E_BACKEND', `the TF.js backend '${prefer}' could not be initialised`, 'install @tensorflow/tfjs-node or use --backend wasm');
    await tf.ready();
    chosen = tf.getBackend();
    return chosen;
  })();
  return pending;
}
