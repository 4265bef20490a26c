// Training checkpoints: a directory with `checkpoint.json` (epoch, PRNG state, options,
// vocabulary hash, tensor manifest, SHA-256 of the payload) and `checkpoint.bin` (the
// float32 tensors back to back). Written atomically; anything off -> SNN_E_CHECKPOINT.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../../core/errors.js';
import { writeAtomic } from '../io/atomic.js';
import { checkManifest } from '../schema/checkpoint.js';

export const CHECKPOINT_FORMAT = 'snnc-train-checkpoint-v1';

export interface CheckpointMeta {
  /** Epochs completed. */
  epoch: number;
  rngState: number;
  adamStep: number;
  /** The options that shape the run; a resume must present the same. */
  fingerprint: Record<string, unknown>;
  vocabHash: string;
  bestDev: number;
  bestEpoch: number;
  /** Per epoch; `inputDensity` (share of nonzero input levels on the epoch's training tokens: the TextCNN ANN trainer) and `firingRate` (fan-out-weighted hidden firing rate: fine-tuning). */
  history: { epoch: number; loss: number; trainAcc: number; devAcc: number; seconds: number; inputDensity?: number; firingRate?: number }[];
}

export interface Checkpoint {
  meta: CheckpointMeta;
  /** Named float32 tensors (weights, best weights, Adam moments). */
  tensors: Map<string, Float32Array>;
}

interface Manifest extends CheckpointMeta {
  format: string;
  tensors: { name: string; length: number; offset: number }[];
  bytes: number;
  sha256: string;
  /** The payload file, named by its hash (older checkpoints: absent, `checkpoint.bin`). */
  payload?: string;
}

const JSON_NAME = 'checkpoint.json';
const BIN_NAME = 'checkpoint.bin';

export function hashStrings(items: string[]): string {
  return createHash('sha256').update(items.join('\n')).digest('hex');
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, JSON_NAME));
}

export function saveCheckpoint(dir: string, ck: Checkpoint): void {
  fs.mkdirSync(dir, { recursive: true });
  const entries: Manifest['tensors'] = [];
  let offset = 0;
  for (const [name, t] of ck.tensors) {
    entries.push({ name, length: t.length, offset });
    offset += t.length * 4;
  }
  const bin = Buffer.alloc(offset);
  for (const e of entries) {
    const t = ck.tensors.get(e.name)!;
    Buffer.from(t.buffer, t.byteOffset, t.byteLength).copy(bin, e.offset);
  }
  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    ...ck.meta,
    tensors: entries,
    bytes: offset,
    sha256: createHash('sha256').update(bin).digest('hex'),
  };
  // payload first, under a name of its own (its hash), then the manifest that names it; the old
  // payload is removed last. Each file is written atomically, so a kill at any instant leaves
  // the previous manifest with its payload intact, or the new pair: always a usable checkpoint.
  const payload = `checkpoint-${manifest.sha256.slice(0, 16)}.bin`;
  manifest.payload = payload;
  writeAtomic(path.join(dir, payload), bin);
  writeAtomic(path.join(dir, JSON_NAME), JSON.stringify(manifest, null, 1));
  for (const f of fs.readdirSync(dir)) {
    if (f !== payload && (f === BIN_NAME || /^checkpoint-[0-9a-f]{16}\.bin$/.test(f))) fs.rmSync(path.join(dir, f), { force: true });
  }
}

export function loadCheckpoint(dir: string): Checkpoint {
  const jp = path.join(dir, JSON_NAME);
  if (!fs.existsSync(jp)) fail('SNN_E_CHECKPOINT', `no checkpoint in ${dir}`, 'train without --resume first');
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(jp, 'utf8')) as Manifest;
  } catch {
    fail('SNN_E_CHECKPOINT', `${jp} is not valid JSON`, 'delete the checkpoint directory and train again');
  }
  checkManifest(m, jp);
  const bp = path.join(dir, m.payload ?? BIN_NAME);
  if (!fs.existsSync(bp)) fail('SNN_E_CHECKPOINT', `${bp}, the payload ${jp} names, is missing`, 'delete the checkpoint directory and train again');
  const num = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
  const bin = fs.readFileSync(bp);
  if (bin.length !== m.bytes) fail('SNN_E_CHECKPOINT', `${bp} holds ${bin.length} bytes, the manifest says ${m.bytes}`);
  if (createHash('sha256').update(bin).digest('hex') !== m.sha256) fail('SNN_E_CHECKPOINT', `${bp} is corrupt (checksum mismatch)`);
  const tensors = new Map<string, Float32Array>();
  for (const e of m.tensors) {
    if (typeof e?.name !== 'string' || !num(e.length) || !num(e.offset) || e.offset % 4 || e.offset + e.length * 4 > bin.length)
      fail('SNN_E_CHECKPOINT', `tensor entry ${JSON.stringify(e)} is inconsistent with the payload`);
    const copy = new Uint8Array(e.length * 4);
    bin.copy(copy, 0, e.offset, e.offset + e.length * 4);
    tensors.set(e.name, new Float32Array(copy.buffer));
  }
  const { format: _f, tensors: _t, bytes: _b, sha256: _s, payload: _p, ...meta } = m;
  return { meta, tensors };
}

/** Fails unless the checkpoint was made by a run with the same fingerprint and vocabulary. */
export function checkCompatible(ck: Checkpoint, fingerprint: Record<string, unknown>, vocabHash: string): void {
  if (ck.meta.vocabHash !== vocabHash) fail('SNN_E_CHECKPOINT', 'the checkpoint was made with another vocabulary', 'resume with the same data set and embeddings, or start afresh');
  const a = JSON.stringify(ck.meta.fingerprint);
  const b = JSON.stringify(fingerprint);
  if (a !== b) fail('SNN_E_CHECKPOINT', `the checkpoint was made with other options: ${a} vs ${b}`, 'resume with the same options, or start afresh');
}

/** Fetches a tensor of an expected length or fails. */
export function need(ck: Checkpoint, name: string, length: number): Float32Array {
  const t = ck.tensors.get(name);
  if (!t || t.length !== length) fail('SNN_E_CHECKPOINT', `tensor ${name} is missing or has the wrong size`);
  return t;
}
