// The `.snn` model container (docs/formats.md): magic, version, a JSON header that holds the
// graph with tensors replaced by references, an 8-byte-aligned tensor blob, and a CRC-32.
// The reader checks every declared size against the file before it allocates anything.

import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib'; // CRC-32 (IEEE 802.3, the zlib one); Node >= 20.15
import type { Model } from '../ir/types.js';
import { SnncError, fail } from '../../core/errors.js';
import { fromHalf, toHalf } from '../../core/half.js';
import { validateModel } from '../ir/validate.js';
import { checkModelHeader } from '../schema/model.js';
import { writeAtomic } from '../io/atomic.js';

/** PNG-style magic: catches text-mode transfers and truncation of the first bytes. */
export const MAGIC = Uint8Array.from([0x89, 0x53, 0x4e, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a]); // \x89SNN\r\n\x1a\n
export const FORMAT_VERSION = 1;
const PREFIX = 20; // magic(8) + version(4) + headerLength(4) + blobLength(4)
const MAX_HEADER = 256 * 1024 * 1024;
const MAX_BLOB = 2 ** 31 - 1;
const MAX_ELEMENTS = 2 ** 28;

type ArrayName = 'Float32Array' | 'Int32Array' | 'Uint8Array' | 'Uint16Array' | 'Uint32Array';
type Storage = 'f32' | 'f16' | 'i8' | 'i16' | 'i32' | 'u8' | 'u16' | 'u32';

interface TensorRef {
  array: ArrayName;
  storage: Storage;
  length: number; // elements
  offset: number; // bytes into the blob
}

const STORAGE_BYTES: Record<Storage, number> = { f32: 4, f16: 2, i8: 1, i16: 2, i32: 4, u8: 1, u16: 2, u32: 4 };
const ALLOWED_STORAGE: Record<ArrayName, Storage[]> = {
  Float32Array: ['f32', 'f16'],
  Int32Array: ['i8', 'i16', 'i32'],
  Uint8Array: ['u8'],
  Uint16Array: ['u16'],
  Uint32Array: ['u32'],
};

export interface WriteOptions {
  /** Store float tensors with more than this many elements as float16 (halves the file). */
  f16Above?: number;
}

// ------------------------------------------------------------------------------ writing

function isTyped(v: unknown): v is Float32Array | Int32Array | Uint8Array | Uint16Array | Uint32Array {
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint16Array || v instanceof Uint32Array;
}

function intStorage(a: Int32Array): Storage {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  if (lo >= -128 && hi <= 127) return 'i8';
  if (lo >= -32768 && hi <= 32767) return 'i16';
  return 'i32';
}

/** Serializes a model to bytes; deterministic (same model, same bytes). */
export function encodeModel(model: Model, opts: WriteOptions = {}): Uint8Array {
  validateModel(model);
  const chunks: Uint8Array[] = [];
  let blobLength = 0;
  const replace = (v: unknown): unknown => {
    if (isTyped(v)) {
      const array = v.constructor.name as ArrayName;
      let storage: Storage;
      let bytes: Uint8Array;
      if (v instanceof Float32Array) {
        for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) fail('SNN_E_NAN', `refusing to write a tensor with NaN or infinity at element ${i}`);
        if (opts.f16Above !== undefined && v.length > opts.f16Above) {
          storage = 'f16';
          const h = new Uint16Array(v.length);
          for (let i = 0; i < v.length; i++) h[i] = toHalf(v[i]);
          bytes = new Uint8Array(h.buffer);
        } else {
          storage = 'f32';
          bytes = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
        }
      } else if (v instanceof Int32Array) {
        storage = intStorage(v);
        const out = storage === 'i8' ? Int8Array.from(v) : storage === 'i16' ? Int16Array.from(v) : Int32Array.from(v);
        bytes = new Uint8Array(out.buffer);
      } else {
        storage = v instanceof Uint8Array ? 'u8' : v instanceof Uint16Array ? 'u16' : 'u32';
        bytes = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      }
      const offset = blobLength;
      chunks.push(bytes);
      blobLength += bytes.length;
      const pad = (8 - (blobLength % 8)) % 8;
      if (pad) {
        chunks.push(new Uint8Array(pad));
        blobLength += pad;
      }
      const ref: TensorRef = { array, storage, length: v.length, offset };
      return { $tensor: ref };
    }
    if (Array.isArray(v)) return v.map(replace);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) o[k] = replace(x);
      }
      return o;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) fail('SNN_E_NAN', 'refusing to write a non-finite number in the model header');
    return v;
  };
  const header = replace({ format: 'snnc-model', version: FORMAT_VERSION, model });
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerPad = (8 - ((PREFIX + headerBytes.length) % 8)) % 8;
  const total = PREFIX + headerBytes.length + headerPad + blobLength + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, headerBytes.length + headerPad, true);
  dv.setUint32(16, blobLength, true);
  out.set(headerBytes, PREFIX);
  out.fill(0x20, PREFIX + headerBytes.length, PREFIX + headerBytes.length + headerPad); // JSON-safe padding
  let at = PREFIX + headerBytes.length + headerPad;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  dv.setUint32(total - 4, crc32(out.subarray(0, total - 4)), true);
  return out;
}

// ------------------------------------------------------------------------------ reading

/** Parses and validates a `.snn` file; throws SnncError with a stable code on any defect. */
export function decodeModel(bytes: Uint8Array): Model {
  if (bytes.length < PREFIX + 4) fail('SNN_E_TRUNCATED', `file has ${bytes.length} bytes, less than the ${PREFIX + 4}-byte minimum`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) fail('SNN_E_MAGIC', 'the file does not start with the snnc magic bytes', 'is this a .snn model written by snnc?');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) fail('SNN_E_VERSION', `model format version ${version}; this snnc reads version ${FORMAT_VERSION}`, 'upgrade snnc or re-export the model');
  const headerLength = dv.getUint32(12, true);
  const blobLength = dv.getUint32(16, true);
  if (headerLength > MAX_HEADER || blobLength > MAX_BLOB) fail('SNN_E_SIZE', `declared header ${headerLength} B / blob ${blobLength} B exceed the format limits`);
  const expected = PREFIX + headerLength + blobLength + 4;
  if (bytes.length < expected) fail('SNN_E_TRUNCATED', `file has ${bytes.length} bytes but its header declares ${expected}`, 'the file was cut short; copy it again');
  if (bytes.length > expected) fail('SNN_E_SIZE', `file has ${bytes.length - expected} unexpected trailing bytes`);
  const stored = dv.getUint32(expected - 4, true);
  const actual = crc32(bytes.subarray(0, expected - 4));
  if (stored !== actual) fail('SNN_E_CHECKSUM', `CRC-32 is ${actual.toString(16)}, the file says ${stored.toString(16)}`, 'the file is corrupt; copy it again');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch (e) {
    fail('SNN_E_HEADER', `header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  const h = header as { format?: unknown; version?: unknown; model?: unknown };
  if (!h || typeof h !== 'object' || h.format !== 'snnc-model' || h.version !== FORMAT_VERSION || !h.model || typeof h.model !== 'object') {
    fail('SNN_E_HEADER', 'header lacks format "snnc-model", the version or the model');
  }
  checkModelHeader(h);
  const blobStart = PREFIX + headerLength;
  const spans: { start: number; end: number; path: string }[] = [];
  const revive = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => revive(x, `${path}[${i}]`));
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('$tensor' in o) return readTensor(o.$tensor, path, bytes, blobStart, blobLength, spans);
      const r: Record<string, unknown> = {};
      for (const k of Object.keys(o)) r[k] = revive(o[k], `${path}.${k}`);
      return r;
    }
    return v;
  };
  const model = revive(h.model, 'model') as Model;
  try {
    validateModel(model);
  } catch (e) {
    if (e instanceof SnncError) throw e;
    fail('SNN_E_GRAPH', `model failed validation: ${(e as Error).message}`);
  }
  return model;
}

function readTensor(ref: unknown, path: string, bytes: Uint8Array, blobStart: number, blobLength: number, spans: { start: number; end: number; path: string }[]): unknown {
  const r = ref as Partial<TensorRef>;
  if (!r || typeof r !== 'object' || typeof r.array !== 'string' || typeof r.storage !== 'string') fail('SNN_E_HEADER', `tensor reference at ${path} is malformed`);
  const allowed = ALLOWED_STORAGE[r.array as ArrayName];
  if (!allowed || !allowed.includes(r.storage as Storage)) fail('SNN_E_HEADER', `tensor at ${path} has array ${r.array} stored as ${r.storage}`);
  const length = r.length;
  const offset = r.offset;
  if (!Number.isSafeInteger(length) || !Number.isSafeInteger(offset) || (length as number) < 0 || (offset as number) < 0 || (length as number) > MAX_ELEMENTS) {
    fail('SNN_E_SIZE', `tensor at ${path} declares length ${length} at offset ${offset}`);
  }
  const nbytes = (length as number) * STORAGE_BYTES[r.storage as Storage];
  if ((offset as number) + nbytes > blobLength) fail('SNN_E_SIZE', `tensor at ${path} (${nbytes} B at ${offset}) runs past the ${blobLength}-byte blob`);
  // tensors never share bytes (the writer lays them out back to back): an overlap is a forged header
  const span = { start: offset as number, end: (offset as number) + nbytes, path };
  // (spans is kept sorted by start: the check is a binary search, before anything is allocated)
  if (nbytes > 0) {
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid].start < span.start) lo = mid + 1;
      else hi = mid;
    }
    for (const o of [spans[lo - 1], spans[lo]]) {
      if (o && span.start < o.end && o.start < span.end) fail('SNN_E_SIZE', `tensor at ${path} (bytes ${span.start}..${span.end}) overlaps the tensor at ${o.path} (bytes ${o.start}..${o.end})`);
    }
    spans.splice(lo, 0, span);
  }
  const start = blobStart + (offset as number);
  // an explicit copy: aligned, and independent of the file buffer (Buffer#slice would be a view)
  const raw = new Uint8Array(nbytes);
  raw.set(bytes.subarray(start, start + nbytes));
  const n = length as number;
  switch (r.storage as Storage) {
    case 'f32': {
      const a = new Float32Array(raw.buffer);
      for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) fail('SNN_E_NAN', `tensor at ${path} holds ${a[i]} at element ${i}`);
      return a;
    }
    case 'f16': {
      const h = new Uint16Array(raw.buffer);
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        a[i] = fromHalf(h[i]);
        if (!Number.isFinite(a[i])) fail('SNN_E_NAN', `tensor at ${path} holds ${a[i]} at element ${i}`);
      }
      return a;
    }
    case 'i8':
      return Int32Array.from(new Int8Array(raw.buffer));
    case 'i16':
      return Int32Array.from(new Int16Array(raw.buffer));
    case 'i32':
      return new Int32Array(raw.buffer);
    case 'u8':
      return new Uint8Array(raw.buffer);
    case 'u16':
      return new Uint16Array(raw.buffer);
    case 'u32':
      return new Uint32Array(raw.buffer);
  }
}

// ------------------------------------------------------------------------------ files

export function readModelFile(path: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail('SNN_E_ARTIFACT', `cannot read model file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return decodeModel(bytes);
  } catch (e) {
    if (e instanceof SnncError) throw new SnncError(e.code, `${path}: ${e.message.replace(/^SNN_E_\w+: /, '')}`);
    throw e;
  }
}

/** Writes atomically (temp file + fsync + rename) so a crash never leaves a half-written model. */
export function writeModelFile(path: string, model: Model, opts: WriteOptions = {}): void {
  writeAtomic(path, encodeModel(model, opts));
}
