// NIR files on disk: HDF5 read and written with h5wasm (the HDF5 C library compiled to
// WebAssembly, gzip included). Every declared size is checked before a value is read, so
// an absurd file fails with SNN_E_SIZE instead of exhausting memory.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { devNull } from 'node:os';
import { fail, SnncError } from '../../../core/errors.js';
import type { NirArray, NirFile, NirNode, NirValue } from './types.js';
import { writeAtomicWith } from '../../io/atomic.js';

type H5 = typeof import('h5wasm');
type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

/** Largest dataset snnc reads, in elements, and the total over one file. */
export const MAX_DATASET_ELEMENTS = 1 << 24;
export const MAX_TOTAL_ELEMENTS = 1 << 26;
export const MAX_FILE_BYTES = 2 ** 31 - 1;
const MAX_NODES = 100_000;
const MAX_DEPTH = 32;
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n

let h5: Promise<H5> | undefined;
/** The module namespace: its `FS` is a live binding set once the library is ready (the default export has none). */
let namespace: { FS?: unknown } | undefined;
/** h5wasm's node build (real file paths), loaded once and only when a NIR file is touched. */
async function lib(): Promise<H5> {
  h5 ??= (async () => {
    // the Emscripten module binds console.error / warn / log when it loads: bind it to
    // forwarders that `quiet` can mute (its abort and UTF-8 messages would precede snnc's error)
    const saved = { error: console.error, warn: console.warn, log: console.log };
    for (const k of ['error', 'warn', 'log'] as const) console[k] = (...a: unknown[]) => (muted ? undefined : saved[k](...a));
    try {
      return await import('h5wasm/node');
    } finally {
      Object.assign(console, saved);
    }
  })().then(async (m) => {
    namespace = m as unknown as { FS?: unknown };
    const mod = ((m as unknown as { default?: H5 }).default ?? m) as H5;
    await mod.ready;
    return mod;
  });
  return h5;
}

/**
 * Runs fn with the HDF5 library's stderr sent to the null device: on a damaged file HDF5 prints
 * its error stack (50-160 lines of HDF5-DIAG) before h5wasm throws, and snnc reports the error
 * itself in one line. h5wasm's node build writes fd 2 through the stream's Node descriptor.
 */
let muted = false;
function quiet<T>(fn: () => T): T {
  muted = true;
  try {
    return quietFd(fn);
  } finally {
    muted = false;
  }
}

function quietFd<T>(fn: () => T): T {
  const stream = (namespace?.FS as { getStream?(fd: number): { nfd?: number } | null } | undefined)?.getStream?.(2);
  if (!stream || typeof stream.nfd !== 'number') return fn();
  const saved = stream.nfd;
  const sink = openSync(devNull, 'w');
  stream.nfd = sink;
  try {
    return fn();
  } finally {
    stream.nfd = saved;
    closeSync(sink);
  }
}

/** True when the HDF5 superblock signature sits at 0, 512, 1024, ... (user blocks), as HDF5 looks for it. */
function hasSignature(path: string, size: number): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      if (readSync(fd, buf, 0, 8, off) === 8 && SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

function toNumbers(v: unknown, where: string): Float64Array {
  if (typeof v === 'number') return Float64Array.of(v);
  if (typeof v === 'bigint') return Float64Array.of(Number(v));
  if (typeof v === 'boolean') return Float64Array.of(v ? 1 : 0);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v, (x) => Number(x));
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float64Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'boolean')) return Float64Array.from(v, Number);
  return fail('SNN_E_HEADER', `${where}: unsupported dataset type (expected numbers)`);
}

interface Budget {
  elements: number;
  nodes: number;
}

function readDataset(d: H5Dataset, where: string, budget: Budget): NirValue {
  const shape = (d.shape ?? []).map(Number);
  if (shape.length > 8 || shape.some((x) => !Number.isSafeInteger(x) || x < 0)) fail('SNN_E_SIZE', `${where}: absurd dataset shape [${shape}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_DATASET_ELEMENTS) fail('SNN_E_SIZE', `${where}: dataset of ${size} elements (shape [${shape}]) exceeds the ${MAX_DATASET_ELEMENTS} snnc reads`);
  budget.elements += size;
  if (budget.elements > MAX_TOTAL_ELEMENTS) fail('SNN_E_SIZE', `${where}: the file holds more than ${MAX_TOTAL_ELEMENTS} values`);
  const meta = d.metadata as { type: number; vlen?: boolean; size?: number };
  if (meta.type === 3 /* H5T_STRING */) {
    const v = d.value;
    const strings = Array.isArray(v) ? v.map(String) : [String(v)];
    return { shape, strings };
  }
  if (meta.type !== 0 && meta.type !== 1 && meta.type !== 8 /* integer, float, enum (h5py bool) */) {
    fail('SNN_E_HEADER', `${where}: unsupported HDF5 datatype class ${meta.type}`);
  }
  let v: unknown;
  try {
    v = d.value;
  } catch (e) {
    fail('SNN_E_HEADER', `${where}: cannot read the dataset (${(e as Error).message})`);
  }
  const data = toNumbers(v, where);
  if (data.length !== size) fail('SNN_E_SIZE', `${where}: holds ${data.length} values, shape [${shape}] says ${size}`);
  return { shape, data } satisfies NirArray;
}

function readMetadata(g: H5Group, where: string, budget: Budget, arrays: Record<string, NirArray>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k of g.keys()) {
    const e = g.get(k);
    if (!e || (e as { type?: string }).type !== 'Dataset') continue;
    const v = readDataset(e as H5Dataset, `${where}/${k}`, budget);
    if ('strings' in v) out[k] = v.strings.length === 1 ? v.strings[0] : JSON.stringify(v.strings);
    else if (v.data.length === 1) out[k] = v.data[0];
    else arrays[k] = v;
  }
  return out;
}

function readNode(g: H5Group, where: string, depth: number, budget: Budget): NirNode {
  if (depth > MAX_DEPTH) fail('SNN_E_SIZE', `${where}: graphs nested more than ${MAX_DEPTH} deep`);
  if (++budget.nodes > MAX_NODES) fail('SNN_E_SIZE', `more than ${MAX_NODES} NIR nodes`);
  const keys = g.keys();
  if (!keys.includes('type')) fail('SNN_E_HEADER', `${where}: NIR node has no "type"`);
  const t = g.get('type');
  if (!t || (t as { type?: string }).type !== 'Dataset') fail('SNN_E_HEADER', `${where}/type is not a dataset`);
  const tv = readDataset(t as H5Dataset, `${where}/type`, budget);
  if (!('strings' in tv) || tv.strings.length !== 1) fail('SNN_E_HEADER', `${where}/type is not a string`);
  const node: NirNode = { type: tv.strings[0], params: {}, metadata: {} };
  for (const k of keys) {
    if (k === 'type') continue;
    const e = g.get(k);
    const kind = (e as { type?: string } | null)?.type;
    if (node.type === 'NIRGraph' && k === 'nodes') {
      if (kind !== 'Group') fail('SNN_E_HEADER', `${where}/nodes is not a group`);
      node.nodes = {};
      const ng = e as H5Group;
      for (const name of ng.keys()) {
        const c = ng.get(name);
        if ((c as { type?: string } | null)?.type !== 'Group') fail('SNN_E_HEADER', `${where}/nodes/${name} is not a group`);
        node.nodes[name] = readNode(c as H5Group, `${where}/nodes/${name}`, depth + 1, budget);
      }
    } else if (node.type === 'NIRGraph' && k === 'edges') {
      node.edges = readEdges(e, `${where}/edges`, budget);
    } else if (k === 'metadata' && kind === 'Group') {
      const arrays: Record<string, NirArray> = {};
      node.metadata = readMetadata(e as H5Group, `${where}/metadata`, budget, arrays);
      if (Object.keys(arrays).length) node.metadataArrays = arrays;
    } else if (kind === 'Dataset') {
      node.params[k] = readDataset(e as H5Dataset, `${where}/${k}`, budget);
    }
    // other groups (input_type / output_type of NIR >= 1.0) are derived shapes: not needed
  }
  if (node.type === 'NIRGraph') {
    if (!node.nodes) fail('SNN_E_HEADER', `${where}: NIRGraph has no "nodes" group`);
    node.edges ??= [];
  }
  return node;
}

/** Edges: an [N, 2] string dataset (every NIR version), or a group of `src` / `dst` string arrays. */
function readEdges(e: unknown, where: string, budget: Budget): [string, string][] {
  const kind = (e as { type?: string } | null)?.type;
  if (kind === 'Dataset') {
    const v = readDataset(e as H5Dataset, where, budget);
    if (!('strings' in v)) fail('SNN_E_HEADER', `${where}: edges must be strings`);
    if (v.strings.length === 0) return [];
    if (v.shape.length !== 2 || v.shape[1] !== 2) fail('SNN_E_HEADER', `${where}: edges must have shape [N, 2], got [${v.shape}]`);
    const out: [string, string][] = [];
    for (let i = 0; i < v.shape[0]; i++) out.push([v.strings[2 * i], v.strings[2 * i + 1]]);
    return out;
  }
  if (kind === 'Group') {
    const g = e as H5Group;
    const src = g.get('src');
    const dst = g.get('dst');
    if (!src || !dst) fail('SNN_E_HEADER', `${where}: edge group needs "src" and "dst"`);
    const a = readDataset(src as H5Dataset, `${where}/src`, budget);
    const b = readDataset(dst as H5Dataset, `${where}/dst`, budget);
    if (!('strings' in a) || !('strings' in b) || a.strings.length !== b.strings.length) fail('SNN_E_HEADER', `${where}: src and dst must be string arrays of one length`);
    return a.strings.map((s, i) => [s, b.strings[i]]);
  }
  return fail('SNN_E_HEADER', `${where}: no edges`);
}

/** Reads a NIR HDF5 file (any version's layout: docs/nir.md "Versions"). */
export async function readNirFile(path: string): Promise<NirFile> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    return fail('SNN_E_USAGE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > MAX_FILE_BYTES) fail('SNN_E_SIZE', `${path} is ${size} bytes, more than snnc reads`);
  if (!hasSignature(path, size)) fail('SNN_E_HEADER', `${path} is not an HDF5 file (no HDF5 signature), so it is not a NIR file`);
  const H = await lib();
  return quiet(() => readOpened(H, path));
}

function readOpened(H: H5, path: string): NirFile {
  let f: InstanceType<H5['File']>;
  try {
    f = new H.File(path, 'r');
  } catch (e) {
    return fail('SNN_E_HEADER', `${path}: HDF5 library cannot open it (${(e as Error).message})`);
  }
  try {
    const budget: Budget = { elements: 0, nodes: 0 };
    const keys = f.keys();
    let version: string | undefined;
    if (keys.includes('version')) {
      const v = readDataset(f.get('version') as H5Dataset, '/version', budget);
      version = 'strings' in v ? v.strings[0] : undefined;
    }
    const root = keys.includes('node') ? f.get('node') : null;
    if (!root || (root as { type?: string }).type !== 'Group') fail('SNN_E_HEADER', `${path}: no /node group, so it is not a NIR file`);
    return { version, graph: readNode(root as H5Group, '/node', 0, budget) };
  } catch (e) {
    if (e instanceof SnncError) throw e;
    return fail('SNN_E_HEADER', `${path}: unreadable NIR content (${(e as Error).message})`);
  } finally {
    f.close();
  }
}

export interface WriteNirOptions {
  /** gzip level 0-9 for numeric arrays (0: uncompressed). Default 4. */
  gzip?: number;
}

/** Writes a NIR file: `/version` and the `/node` tree, numbers as float64 (float32 where given so). */
export async function writeNirFile(path: string, file: NirFile, o: WriteNirOptions = {}): Promise<void> {
  const H = await lib();
  const gzip = o.gzip ?? 4;
  // h5wasm writes by path: into a temporary file, renamed over `path` once complete
  await writeAtomicWith(path, (tmp) => {
    const f = new H.File(tmp, 'w');
    try {
      if (file.version !== undefined) f.create_dataset({ name: 'version', data: file.version });
      writeNode(f.create_group('node'), file.graph);
    } finally {
      f.close();
    }
  });
  function writeValue(g: H5Group, name: string, v: NirValue, f32 = false): void {
    if ('strings' in v) {
      g.create_dataset({ name, data: v.strings.length === 1 && v.shape.length === 0 ? v.strings[0] : v.strings, shape: v.shape });
      return;
    }
    const data = f32 ? Float32Array.from(v.data) : v.data;
    const chunked = gzip > 0 && v.shape.length > 0 && v.data.length > 0;
    g.create_dataset({ name, data, shape: v.shape, ...(chunked ? { chunks: v.shape, compression: gzip } : {}) });
  }
  function writeNode(g: H5Group, n: NirNode): void {
    g.create_dataset({ name: 'type', data: n.type });
    for (const [k, v] of Object.entries(n.params)) writeValue(g, k, v, k === 'weight');
    if (Object.keys(n.metadata).length || Object.keys(n.metadataArrays ?? {}).length) {
      const m = g.create_group('metadata');
      for (const [k, v] of Object.entries(n.metadata)) m.create_dataset({ name: k, data: typeof v === 'number' ? Float64Array.of(v) : v, shape: [] });
      // numeric metadata arrays (an exported text model's embedding table) are float32, as weights
      for (const [k, v] of Object.entries(n.metadataArrays ?? {})) writeValue(m, k, v, true);
    }
    if (n.type === 'NIRGraph') {
      const ng = g.create_group('nodes');
      for (const [k, c] of Object.entries(n.nodes ?? {})) writeNode(ng.create_group(k), c);
      const edges = n.edges ?? [];
      if (edges.length) g.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] });
      else g.create_dataset({ name: 'edges', data: [''], shape: [0, 2] } as never);
    }
  }
}
