// The fuzz cases shared by test/trust/fuzz.test.ts (bounded, in `npm test`) and bench/fuzz.ts
// (long runs, counts in bench/results/fuzz.json): fast-check generators of mutated inputs and
// the oracle for each. Verdicts: `rejected` (a clear SnncError), `same` (accepted, output
// identical to the original), `different` (accepted, a model that differs and runs
// consistently: the wasm artifact equals the reference simulator on it), `silent` (accepted,
// output changed although nothing meaningful did, or targets disagree) and `crash` (anything
// else thrown). Only the last two are failures.

import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeModel, encodeModel } from '../compiler/frontend/model-format.js';
import { runPipeline } from '../compiler/passes/pipeline.js';
import { emitWasm } from '../compiler/backends/wasm/index.js';
import { lowerNir } from '../compiler/frontend/nir/lower.js';
import { readNirFile, writeNirFile } from '../compiler/frontend/nir/hdf5.js';
import { exportNir } from '../compiler/frontend/nir/export.js';
import type { NirFile, NirNode } from '../compiler/frontend/nir/types.js';
import type { Model } from '../compiler/ir/types.js';
import { validateModel } from '../compiler/ir/validate.js';
import { simulate, type InferenceResult, type SimInput } from '../runtime/reference.js';
import { loadArtifact } from '../runtime/wasm-host.js';
import { isSnncError } from '../core/errors.js';
import { SerialBoard } from '../runtime/serial/board.js';
import { ARTIFACT_SECTION } from '../runtime/wasm/artifact-format.js';
import { tinyTextCnn } from '../test/helpers/tiny-model.js';
import { craft, headerOf } from '../test/helpers/snn-craft.js';
import { withSection } from '../test/helpers/wasm-sections.js';
import { MSG, fakeBoard, infoPayload, resultPayload } from '../test/helpers/fake-board.js';

export const FUZZ_SEED = 20240615;

export interface Verdict {
  kind: 'rejected' | 'same' | 'different' | 'silent' | 'crash';
  detail?: string;
}

const crash = (e: unknown): Verdict => ({ kind: 'crash', detail: e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).join(' | ') : String(e) });
const verdictOf = (e: unknown): Verdict => (isSnncError(e) ? { kind: 'rejected', detail: e.code } : crash(e));

function sameResult(a: InferenceResult, b: InferenceResult): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A vector-input MLP-shaped float model (the NIR side: exportable). */
function tinyVectorModel(): Model {
  const r = (() => {
    let s = 7;
    return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.45;
  })();
  const w = (n: number) => Float32Array.from({ length: n }, r);
  return {
    meta: { name: 'vec', family: 'nir', classes: ['a', 'b'] },
    graph: {
      timesteps: 6,
      stage: 'float',
      passes: [],
      nodes: [
        { kind: 'vector', id: 'input', dim: 5 },
        { kind: 'encoder', id: 'encoder', from: 'input', scheme: 'rate', bits: 4, seed: 0 },
        { kind: 'dense', id: 'd1', from: 'encoder', to: 'h', inFeatures: 5, outFeatures: 4, weight: { dtype: 'f32', shape: [5, 4], data: w(20) } },
        { kind: 'lif', id: 'h', channels: 4, perPosition: false, reset: 'zero', beta: 0.875, threshold: 0.6 },
        { kind: 'dense', id: 'd2', from: 'h', to: 'o', inFeatures: 4, outFeatures: 2, weight: { dtype: 'f32', shape: [4, 2], data: w(8) } },
        { kind: 'lif', id: 'o', channels: 2, perPosition: false, reset: 'zero', beta: 0.875, threshold: 0.4 },
        { kind: 'readout', id: 'readout', from: 'o', classes: 2, population: 1 },
      ],
    },
  };
}

export interface FuzzSetup {
  model: Model;
  snn: Uint8Array;
  header: any;
  inputs: SimInput[];
  original: InferenceResult[];
  wasm: Uint8Array;
  wasmInfo: any;
  nir: NirFile;
  nirPath: string;
  nirBytes: Uint8Array;
  dir: string;
  arb: {
    snnHeader: fc.Arbitrary<{ path: number[]; value: unknown }>;
    snnBlob: fc.Arbitrary<{ at: number; value: number }[]>;
    artifactBytes: fc.Arbitrary<{ at: number; bit: number }>;
    artifactMeta: fc.Arbitrary<{ path: number[]; value: unknown }>;
    nirEdit: fc.Arbitrary<{ node: number; param: number; op: number; value: number; dim: number }>;
    nirBytes: fc.Arbitrary<{ at: number; value: number }[]>;
    boardReply: fc.Arbitrary<{ info: boolean; payload: number[]; cut: number; mode: number }>;
  };
}

/** Anything JSON: what a hostile header field may hold. */
const jsonValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 0.5, 2 ** 31, 2 ** 53, -(2 ** 40), 1e300, '', 'x', '<pad>', [], {}, [1, 2], { $tensor: {} }),
  fc.integer({ min: -70000, max: 70000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }),
);

/** Follows `path` (indices into the keys / items at each level) and returns the container and key reached. */
function locate(root: any, path: number[]): { holder: any; key: string | number } | undefined {
  let at = root;
  let holder: any;
  let key: string | number | undefined;
  for (const p of path) {
    if (at === null || typeof at !== 'object') break;
    const keys = Array.isArray(at) ? at.map((_, i) => i) : Object.keys(at);
    if (!keys.length) break;
    holder = at;
    key = keys[p % keys.length];
    at = at[key];
  }
  return holder === undefined ? undefined : { holder, key: key! };
}

export async function fuzzSetup(): Promise<FuzzSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'snnc-fuzz-'));
  const model = tinyTextCnn({ vocab: 30, dim: 8, maps: 4, widths: [3], timesteps: 6, maxLen: 8 });
  const snn = encodeModel(model);
  const inputs: SimInput[] = [{ tokens: [2, 3, 4, 5] }, { tokens: [9, 1, 17] }];
  const original = inputs.map((x) => simulate(runPipeline(model.graph, { weightBits: 8 }).graph, x, 'integer'));
  const g = runPipeline(model.graph, { weightBits: 8 }).graph;
  const emitted = emitWasm(g, { name: 'tiny', classes: model.meta.classes, family: 'textcnn', tokenizer: model.tokenizer, vocab: model.vocab, float32Bytes: 100 }, { optimize: false });
  const vec = tinyVectorModel();
  const nir = exportNir(vec);
  const nirPath = join(dir, 'base.nir');
  await writeNirFile(nirPath, nir, { gzip: 0 });
  const nirBytes = new Uint8Array(readFileSync(nirPath));
  const blobStart = 20 + new DataView(snn.buffer, snn.byteOffset).getUint32(12, true);
  const blobLength = snn.length - 4 - blobStart;
  return {
    model,
    snn,
    header: headerOf(snn),
    inputs,
    original,
    wasm: emitted.wasm,
    wasmInfo: emitted.info,
    nir,
    nirPath,
    nirBytes,
    dir,
    arb: {
      snnHeader: fc.record({ path: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), value: jsonValue }),
      snnBlob: fc.array(fc.record({ at: fc.integer({ min: blobStart, max: blobStart + blobLength - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      artifactBytes: fc.record({ at: fc.integer({ min: 8, max: emitted.wasm.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) }),
      artifactMeta: fc.record({ path: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), value: fc.oneof(jsonValue, fc.constant(undefined)) }),
      nirEdit: fc.record({ node: fc.nat(), param: fc.nat(), op: fc.integer({ min: 0, max: 5 }), value: fc.oneof(fc.constantFrom(0, -1, 1, 2, 0.5, 1e6, NaN), fc.double({ noNaN: true, min: -10, max: 10 })), dim: fc.integer({ min: 0, max: 9 }) }),
      nirBytes: fc.array(fc.record({ at: fc.integer({ min: 8, max: nirBytes.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
      boardReply: fc.record({ info: fc.boolean(), payload: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 80 }), cut: fc.integer({ min: 0, max: 80 }), mode: fc.integer({ min: 0, max: 2 }) }),
    },
  };
}

/** Decoded-model oracle: reject, or compile and run; equal to the original iff the model is. */
function checkDecoded(s: FuzzSetup, bytes: Uint8Array): Verdict {
  let m: Model;
  try {
    m = decodeModel(bytes);
  } catch (e) {
    return verdictOf(e);
  }
  try {
    const same = encodeModel(m).every((b, i, a) => a.length === s.snn.length && b === s.snn[i]);
    const g = runPipeline(m.graph, { weightBits: 8 }).graph;
    const out = s.inputs.map((x) => simulate(g, x, 'integer'));
    if (same) return out.every((r, i) => sameResult(r, s.original[i])) ? { kind: 'same' } : { kind: 'silent', detail: 'same model, other output' };
    return { kind: 'different' };
  } catch (e) {
    return verdictOf(e);
  }
}

export function fuzzSnnHeader(s: FuzzSetup, x: { path: number[]; value: unknown }): Verdict {
  let bytes: Uint8Array;
  try {
    bytes = craft(s.snn, (h) => {
      const at = locate(h, x.path);
      if (at) at.holder[at.key] = x.value;
    });
  } catch (e) {
    return crash(e);
  }
  return checkDecoded(s, bytes);
}

export function fuzzSnnBlob(s: FuzzSetup, edits: { at: number; value: number }[]): Verdict {
  const b = s.snn.slice();
  for (const e of edits) b[e.at] = e.value;
  new DataView(b.buffer).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
  return checkDecoded(s, b);
}

export async function fuzzArtifactBytes(s: FuzzSetup, x: { at: number; bit: number }): Promise<Verdict> {
  const b = s.wasm.slice();
  b[x.at] ^= 1 << x.bit;
  try {
    const m = await loadArtifact(b);
    const out = s.inputs.map((i) => m.infer(i));
    return out.every((r, i) => sameResult(r, s.original[i])) ? { kind: 'silent', detail: 'a flipped bit was accepted' } : { kind: 'silent', detail: `a flipped bit at ${x.at} changed the output silently` };
  } catch (e) {
    return verdictOf(e);
  }
}

export async function fuzzArtifactMeta(s: FuzzSetup, x: { path: number[]; value: unknown }): Promise<Verdict> {
  const info = JSON.parse(JSON.stringify(s.wasmInfo));
  const at = locate(info, x.path);
  if (at) {
    if (x.value === undefined) {
      if (Array.isArray(at.holder)) at.holder.splice(Number(at.key), 1);
      else delete at.holder[at.key];
    } else at.holder[at.key] = x.value;
  }
  try {
    const m = await loadArtifact(withSection(s.wasm, ARTIFACT_SECTION, new TextEncoder().encode(JSON.stringify(info))));
    for (const i of s.inputs) m.infer(i);
    return { kind: JSON.stringify(info) === JSON.stringify(s.wasmInfo) ? 'same' : 'different' };
  } catch (e) {
    return verdictOf(e);
  }
}

const PARAMS_OF = (n: NirNode) => Object.keys(n.params);

/** Lowered-model oracle: reject, or a model that validates and simulates. */
function checkLowered(file: NirFile): Verdict {
  try {
    const { model } = lowerNir(file, { name: 'fuzz' });
    validateModel(model);
    const dim = (model.graph.nodes[0] as { dim: number }).dim;
    simulate(model.graph, { vector: new Array(dim).fill(0.5) }, 'float');
    return { kind: 'different' };
  } catch (e) {
    return verdictOf(e);
  }
}

export function fuzzNirEdit(s: FuzzSetup, x: { node: number; param: number; op: number; value: number; dim: number }): Verdict {
  const file: NirFile = structuredClone(s.nir);
  const nodes = Object.values(file.graph.nodes ?? {});
  const n = nodes[x.node % nodes.length];
  const names = PARAMS_OF(n);
  if (!names.length) return { kind: 'same' };
  const p = n.params[names[x.param % names.length]];
  if ('strings' in p) p.strings[0] = String(x.value);
  else if (x.op === 0 && p.data.length) p.data[x.dim % p.data.length] = x.value; // one value
  else if (x.op === 1) p.shape = p.shape.map((d, i) => (i === x.dim % Math.max(1, p.shape.length) ? Math.max(0, d + (x.value > 0 ? 1 : -1)) : d)); // shape edit
  else if (x.op === 2) p.data = p.data.subarray(0, Math.max(0, p.data.length - 1 - (x.dim % 3))); // fewer values
  else if (x.op === 3) delete n.params[names[x.param % names.length]]; // attribute deleted
  else if (x.op === 4) n.type = ['LIF', 'IF', 'LI', 'Linear', 'Conv1d', 'Delay', 'Flatten', 'Output', 'Input', 'Scale'][x.dim]; // type swapped
  else file.graph.metadata.snnc = JSON.stringify({ ...JSON.parse(String(file.graph.metadata.snnc)), [['dt', 'timesteps', 'bits', 'classes', 'population', 'decay'][x.dim % 6]]: x.value });
  return checkLowered(file);
}

export async function fuzzNirBytes(s: FuzzSetup, edits: { at: number; value: number }[]): Promise<Verdict> {
  const b = s.nirBytes.slice();
  for (const e of edits) b[e.at] = e.value;
  const path = join(s.dir, 'mut.nir');
  writeFileSync(path, b);
  let file: NirFile;
  try {
    file = await readNirFile(path);
  } catch (e) {
    return verdictOf(e);
  }
  return checkLowered(file);
}

export async function fuzzBoardReply(_s: FuzzSetup, x: { info: boolean; payload: number[]; cut: number; mode: number }): Promise<Verdict> {
  const good = x.info ? infoPayload() : resultPayload();
  // mode 0: random bytes; 1: the good payload cut to any length; 2: the good payload with random bytes patched in
  const payload = x.mode === 0 ? x.payload : x.mode === 1 ? good.slice(0, x.cut % (good.length + 1)) : good.map((b, i) => (i < x.payload.length && x.payload[i] % 3 === 0 ? x.payload[i] : b));
  const t = fakeBoard((type) => (type === MSG.HELLO ? { type: MSG.INFO, payload: x.info ? payload : good.length && x.info ? good : infoPayload() } : { type: MSG.RESULT, payload }));
  try {
    const board = await SerialBoard.connect(t, { timeoutMs: 1000, retries: 0 });
    if (x.info) return { kind: 'different' };
    const r = await board.classify({ tokens: [3, 4] });
    if (!(r.label < r.scores.length)) return { kind: 'silent', detail: 'label outside the classes' };
    return { kind: 'different' };
  } catch (e) {
    return verdictOf(e);
  }
}
