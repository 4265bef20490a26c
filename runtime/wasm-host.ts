// Loads a compiled snnc wasm artifact and runs inferences on it, in Node or a browser (no
// Node-only APIs here: no fs, no Buffer). Results have exactly the reference simulator's
// shape and values (runtime/reference.ts); input checks mirror the reference's.

import { fail, SnncError } from '../core/errors.js';
import type { InferenceResult, SimInput, StepsInput } from './reference.js';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_SECTION,
  ARTIFACT_VERSION,
  WASM_ERRORS,
  WASM_EXPORTS,
  WASM_TRACE_EXPORT,
  type ArtifactInfo,
} from './wasm/artifact-format.js';
import { validate as validateSchema } from './wasm/artifact-schema.gen.js';
import { firstError, type SchemaError } from './schema-errors.js';
import { verifyDigest } from './wasm/digest.js';

export type { ArtifactInfo, ArtifactMeta } from './wasm/artifact-format.js';

export interface WasmModel {
  readonly meta: ArtifactInfo;
  /**
   * One inference; throws SnncError SNN_E_INPUT for unusable input. A spike-train model
   * (an encoder with scheme 'direct') takes `{ steps }`: T rows of integer counts 0 .. 2^bits - 1.
   */
  infer(input: SimInput | StepsInput): InferenceResult;
  /** Many inferences on the same instance (state is reset for each). */
  inferMany(inputs: Iterable<SimInput | StepsInput>): InferenceResult[];
  /** Whether the artifact can trace spikes per step (artifacts before the trace export cannot). */
  readonly canTrace: boolean;
  /**
   * One inference with the per-step spike trace on (`infer` never pays for it): the result, and
   * for each population (meta.populations order) and step, the flat indices (p * channels + c)
   * of the neurons that spiked. Throws SNN_E_ARTIFACT if the artifact cannot trace.
   */
  inferTraced(input: SimInput | StepsInput): TracedInference;
}

/**
 * One traced inference: per population, per step, the spiking neurons; an artifact compiled
 * without readout (docs/wasm.md "Graphs without readout") also gives per population and step
 * the integer membranes `v` and, for a population with a synaptic current, the currents `i`
 * (`i[l]` undefined for one without).
 */
export interface TracedInference {
  result: InferenceResult;
  spikes: Int32Array[][];
  v?: Int32Array[][];
  i?: (Int32Array[] | undefined)[];
}

function asBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  fail('SNN_E_ARTIFACT', 'expected the artifact as a Uint8Array or ArrayBuffer');
}

/**
 * Checks the parsed custom section against the artifact schema (compiler/schema/artifact.ts,
 * run here as the generated standalone validator) and the fields that must agree with each
 * other; throws SNN_E_ARTIFACT naming the first bad field.
 */
export function validateArtifactInfo(x: unknown): ArtifactInfo {
  const bad = (what: string): never => fail('SNN_E_ARTIFACT', `artifact metadata: ${what}`, 'recompile the model with this snnc');
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad('not a JSON object');
  const v = x as Record<string, unknown>;
  // the two fields that say which schema applies come first, with their own messages
  if (v.format !== ARTIFACT_FORMAT) bad(`format is ${JSON.stringify(v.format)}, expected "${ARTIFACT_FORMAT}"`);
  if (v.version !== ARTIFACT_VERSION) bad(`format version ${JSON.stringify(v.version)} is not supported (this runtime reads version ${ARTIFACT_VERSION})`);
  if (!validateSchema(x)) {
    const e = firstError((validateSchema as unknown as { errors?: SchemaError[] }).errors, x);
    bad(`field ${e.field} ${e.message}`);
  }
  const info = x as ArtifactInfo;
  if (info.readout.classes !== info.classes.length) bad(`field readout.classes is ${info.readout.classes}, but classes names ${info.classes.length}`);
  const pop = info.populations.find((p) => p.id === info.readout.from);
  if (!pop) bad(`field readout.from names "${info.readout.from}", which is not a population`);
  if (pop!.channels !== info.readout.classes * info.readout.population) bad(`field readout: ${info.readout.classes} classes x ${info.readout.population} neurons != ${pop!.channels} channels of "${pop!.id}"`);
  if (info.input.kind === 'tokens' && info.vocab && info.vocab.length !== info.input.vocabSize) bad(`field vocab has ${info.vocab.length} words, input.vocabSize says ${info.input.vocabSize}`);
  if (info.energy.timesteps !== info.timesteps) bad(`field energy.timesteps ${info.energy.timesteps} != timesteps ${info.timesteps}`);
  return info;
}

/** Reads and validates the metadata of a compiled module. */
export function artifactInfoOf(module: WebAssembly.Module): ArtifactInfo {
  const sections = WebAssembly.Module.customSections(module, ARTIFACT_SECTION);
  if (sections.length !== 1)
    fail('SNN_E_ARTIFACT', sections.length ? `the module has ${sections.length} "${ARTIFACT_SECTION}" sections` : `the module has no "${ARTIFACT_SECTION}" section`, 'is this an snnc artifact?');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(sections[0]));
  } catch {
    fail('SNN_E_ARTIFACT', `the "${ARTIFACT_SECTION}" section is not valid UTF-8 JSON`);
  }
  return validateArtifactInfo(json);
}

/**
 * Verifies an artifact's digest, compiles it and validates its metadata, without running
 * anything: what `loadArtifact` and the Node host's bounded (worker) runner share.
 */
export async function compileArtifact(bytes: Uint8Array | ArrayBuffer): Promise<{ module: WebAssembly.Module; meta: ArtifactInfo }> {
  const b = asBytes(bytes);
  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d)
    fail('SNN_E_ARTIFACT', 'not a WebAssembly module (bad magic bytes)', 'pass the .wasm file snnc compiled');
  if (b[4] !== 1 || b[5] !== 0 || b[6] !== 0 || b[7] !== 0) fail('SNN_E_ARTIFACT', 'unsupported WebAssembly binary version');
  await verifyDigest(b);
  let module: WebAssembly.Module;
  try {
    // copy: WebAssembly.compile wants a plain ArrayBuffer-backed view
    module = await WebAssembly.compile(b.slice().buffer);
  } catch (e) {
    fail('SNN_E_ARTIFACT', `the module does not compile: ${(e as Error).message}`, 'the file is corrupt or needs WebAssembly SIMD');
  }
  return { module, meta: artifactInfoOf(module) };
}

/** Compiles, validates and instantiates an artifact; inferences run on the calling thread. */
export async function loadArtifact(bytes: Uint8Array | ArrayBuffer): Promise<WasmModel> {
  const { module, meta } = await compileArtifact(bytes);
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, {});
  } catch (e) {
    fail('SNN_E_ARTIFACT', `the module does not instantiate: ${(e as Error).message}`);
  }
  return modelFromExports(meta, instance.exports as unknown as ArtifactExports);
}

/** The module's exports the host uses (docs/wasm.md "Exports"); `memory` may be any object with a buffer. */
export interface ArtifactExports {
  memory: { buffer: ArrayBufferLike };
  infer: (n: number) => number;
  input_ptr: () => number;
  scores_ptr: () => number;
  counters_ptr: () => number;
  error_ptr: () => number;
  max_len: () => number;
  /** Optional (artifacts before it lack it): turns the per-step spike trace on or off. */
  trace_spikes?: (on: number) => number;
}

/** A WasmModel over an instance's exports (or a stand-in that forwards them, e.g. to a worker). */
export function modelFromExports(meta: ArtifactInfo, ex: ArtifactExports): WasmModel {
  for (const name of Object.values(WASM_EXPORTS)) {
    const v = (ex as unknown as Record<string, unknown>)[name];
    if (name === WASM_EXPORTS.memory ? !(v && typeof v === 'object' && 'buffer' in v) : typeof v !== 'function') fail('SNN_E_ARTIFACT', `the module lacks the export "${name}"`);
  }
  return new Model(meta, ex);
}

class Model implements WasmModel {
  private readonly maxLen: number;
  private readonly inputPtr: number;
  private readonly scoresPtr: number;
  private readonly countersPtr: number;
  private readonly errorPtr: number;
  private buffer: ArrayBufferLike | undefined;
  private i32!: Int32Array;
  private f64!: Float64Array;
  private big!: BigInt64Array;

  constructor(
    readonly meta: ArtifactInfo,
    private readonly ex: ArtifactExports,
  ) {
    this.maxLen = ex.max_len();
    this.inputPtr = ex.input_ptr();
    this.scoresPtr = ex.scores_ptr();
    this.countersPtr = ex.counters_ptr();
    this.errorPtr = ex.error_ptr();
    if (meta.input.kind === 'tokens' && this.maxLen !== meta.input.maxLen) fail('SNN_E_ARTIFACT', 'max_len() disagrees with the metadata');
  }

  private views(): void {
    const buf = this.ex.memory.buffer;
    if (buf === this.buffer) return;
    this.buffer = buf;
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    this.big = new BigInt64Array(buf);
  }

  infer(input: SimInput | StepsInput): InferenceResult {
    this.views();
    const meta = this.meta;
    let n = 1;
    if (meta.input.kind === 'tokens') {
      if (!input || !('tokens' in input)) fail('SNN_E_INPUT', 'this model takes token ids');
      const ids = Array.from(input.tokens).slice(0, this.maxLen);
      n = ids.length;
      if (n === 0) fail('SNN_E_INPUT', 'no tokens to classify', 'pass non-empty text');
      const base = this.inputPtr >> 2;
      for (let p = 0; p < n; p++) {
        const id = ids[p];
        if (!Number.isInteger(id) || id < -(2 ** 31) || id >= 2 ** 31)
          fail('SNN_E_INPUT', `token id ${id} is outside the vocabulary (0..${meta.input.vocabSize - 1})`);
        this.i32[base + p] = id;
      }
    } else if (meta.encoders.some((e) => e.scheme === 'direct')) {
      // a spike train: T rows of u8 counts at input_ptr (docs/wasm.md "Input"); the checks mirror the reference's
      if (!input || !('steps' in input)) fail('SNN_E_INPUT', 'this model takes a spike train: one vector of counts per step');
      const T = meta.timesteps;
      const dim = meta.input.dim;
      const top = 2 ** meta.encoders[0].bits - 1;
      if (input.steps.length < T) fail('SNN_E_INPUT', `expected ${T} per-step vectors, got ${input.steps.length}`);
      const u8 = new Uint8Array(this.ex.memory.buffer);
      for (let t = 0; t < T; t++) {
        const row = input.steps[t];
        if (row.length !== dim) fail('SNN_E_INPUT', `step ${t}: expected ${dim} values, got ${row.length}`);
        for (let i = 0; i < dim; i++) {
          const c = Number(row[i]);
          if (!Number.isInteger(c) || c < 0 || c > top)
            fail('SNN_E_INPUT', `step ${t}, channel ${i}: a spike input takes integer counts 0..${top}, got ${row[i]}`, top === 1 ? 'import with more input bits for counts above 1, or a rate input for analog values' : 'use a rate input for analog values');
          u8[this.inputPtr + t * dim + i] = c;
        }
      }
    } else {
      if (!input || !('vector' in input)) fail('SNN_E_INPUT', 'this model takes a vector');
      const v = input.vector;
      const dim = meta.input.dim;
      if (v.length !== dim) fail('SNN_E_INPUT', `expected a vector of ${dim} values, got ${v.length}`);
      const base = this.inputPtr >> 3;
      for (let i = 0; i < dim; i++) {
        const x = Number(v[i]);
        if (Number.isNaN(x)) fail('SNN_E_INPUT', 'the input vector holds NaN');
        this.f64[base + i] = x;
      }
    }
    let label: number;
    try {
      label = this.ex.infer(n);
    } catch (e) {
      if (e instanceof SnncError) throw e;
      throw new SnncError('SNN_E_RUNTIME', `the wasm module trapped: ${(e as Error).message}`);
    }
    if (label < 0) this.raise(label);
    // i32 slots: spike counts (spike readout) or signed membrane sums (membrane readout)
    const classes = meta.readout.classes;
    const scores = new Array<number>(classes);
    const s0 = this.scoresPtr >> 2;
    for (let c = 0; c < classes; c++) scores[c] = this.i32[s0 + c];
    const c0 = this.countersPtr >> 3;
    const big = this.big;
    const L = meta.populations.length;
    const layerSpikes = new Array<number>(L);
    const layerUpdates = new Array<number>(L);
    for (let l = 0; l < L; l++) {
      layerSpikes[l] = Number(big[c0 + 5 + l]);
      layerUpdates[l] = Number(big[c0 + 5 + L + l]);
    }
    return {
      label,
      scores,
      ops: {
        sops: Number(big[c0]),
        updates: Number(big[c0 + 1]),
        spikes: Number(big[c0 + 2]),
        inputSpikes: Number(big[c0 + 3]),
        bytesRead: Number(big[c0 + 4]),
      },
      layerSpikes,
      layerUpdates,
    };
  }

  get canTrace(): boolean {
    return typeof this.ex[WASM_TRACE_EXPORT] === 'function';
  }

  inferTraced(input: SimInput | StepsInput): TracedInference {
    const trace = this.ex[WASM_TRACE_EXPORT];
    if (typeof trace !== 'function') fail('SNN_E_ARTIFACT', 'this artifact has no spike trace', 'recompile it with this snnc');
    const base = trace(1);
    if (base <= 0) fail('SNN_E_RUNTIME', 'the wasm module could not grow its memory for the spike trace');
    try {
      const result = this.infer(input);
      this.views();
      const T = this.meta.timesteps;
      const spikes: Int32Array[][] = this.meta.populations.map(() => []);
      let at = base >> 2;
      // an artifact compiled without readout also traces membranes and currents (docs/wasm.md "Graphs without readout")
      const or = this.meta.extra?.outputReadout as { traceState?: boolean; currents?: unknown } | undefined;
      const state = or?.traceState === true;
      const currents = new Set(Array.isArray(or?.currents) ? (or.currents as unknown[]).map(String) : []);
      const pops = this.meta.populations;
      const v: Int32Array[][] | undefined = state ? pops.map(() => []) : undefined;
      const cur: (Int32Array[] | undefined)[] | undefined = state ? pops.map((p) => (currents.has(p.id) ? [] : undefined)) : undefined;
      for (let t = 0; t < T; t++) {
        for (let l = 0; l < spikes.length; l++) {
          const cnt = this.i32[at];
          spikes[l].push(this.i32.slice(at + 1, at + 1 + cnt));
          at += 1 + cnt;
          if (!v || !cur) continue;
          const c = pops[l].channels;
          v[l].push(this.i32.slice(at, at + c));
          at += c;
          if (cur[l]) {
            cur[l]!.push(this.i32.slice(at, at + c));
            at += c;
          }
        }
      }
      return { result, spikes, ...(v && cur ? { v, i: cur } : {}) };
    } finally {
      trace(0);
    }
  }

  inferMany(inputs: Iterable<SimInput | StepsInput>): InferenceResult[] {
    const out: InferenceResult[] = [];
    for (const x of inputs) out.push(this.infer(x));
    return out;
  }

  private raise(code: number): never {
    const e0 = this.errorPtr >> 2;
    const pos = this.i32[e0 + 1];
    const value = this.i32[e0 + 2];
    const meta = this.meta;
    switch (code) {
      case WASM_ERRORS.badToken:
        fail('SNN_E_INPUT', `token id ${value} is outside the vocabulary (0..${meta.input.kind === 'tokens' ? meta.input.vocabSize - 1 : 0})`, `at position ${pos}`);
      case WASM_ERRORS.emptyInput:
        fail('SNN_E_INPUT', 'no tokens to classify', 'pass non-empty text');
      case WASM_ERRORS.thresholdOverflow:
        fail('SNN_E_OVERFLOW', `effective threshold of population ${meta.populations[pos]?.id ?? pos} times ${value} tokens does not fit 32 bits`);
      case WASM_ERRORS.nanInput:
        fail('SNN_E_INPUT', 'the input vector holds NaN');
      case WASM_ERRORS.scoreOverflow:
        fail('SNN_E_OVERFLOW', `the membrane score of class ${meta.classes[pos] ?? pos} (a sum of ${meta.readout.population} membranes) does not fit 32 bits`, 'use a readout population of one neuron per class, or 16-bit membranes');
      case WASM_ERRORS.badCount: {
        const dim = meta.input.kind === 'vector' ? meta.input.dim : 1;
        fail('SNN_E_INPUT', `step ${Math.floor(pos / dim)}, channel ${pos % dim}: a spike input takes integer counts 0..${2 ** (meta.encoders[0]?.bits ?? 1) - 1}, got ${value}`);
      }
      default:
        fail('SNN_E_RUNTIME', `the wasm module returned the unknown error code ${code}`);
    }
  }
}
