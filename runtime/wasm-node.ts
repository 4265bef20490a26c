// Node-only convenience over runtime/wasm-host.ts: load an artifact from a file path, and run
// its inferences with a deadline. Kept apart so the host itself stays free of Node APIs and
// runs in browsers.
//
// Bounded inference. A module whose `infer` never returns would hang the caller at 100% CPU,
// and nothing inside a synchronous wasm call can stop it. So the instance lives in a worker
// thread; the caller writes the input into a small SharedArrayBuffer that mirrors the start of
// the module's memory (error slot, counters, scores, input buffer: docs/wasm.md "Memory map"),
// wakes the worker with Atomics.notify and waits with Atomics.wait up to the deadline. A
// worker that misses it is terminated (V8 interrupts running wasm) and the call fails with
// SNN_E_RUNTIME. This keeps `infer` synchronous, works on any module (a budget compiled into
// the module would not bind a hostile one), and costs one round trip per inference (measured in
// docs/wasm.md "Bounded inference").

import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { fail } from '../core/errors.js';
import { compileArtifact, loadArtifact, modelFromExports, type ArtifactExports, type ArtifactInfo, type WasmModel } from './wasm-host.js';

export interface LoadOptions {
  /**
   * Run inferences in a worker with a deadline (default true). false: on the calling thread,
   * unbounded (what `snnc compile` does with the module it has just emitted).
   */
  bounded?: boolean;
  /** Deadline per inference in ms (default: deadlineFor(meta)). */
  deadlineMs?: number;
}

export async function loadArtifactFile(path: string, o: LoadOptions = {}): Promise<WasmModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    fail('SNN_E_ARTIFACT', `cannot read ${path}: ${(e as Error).message}`);
  }
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return o.bounded === false ? loadArtifact(view) : loadBounded(view, o.deadlineMs);
}

/** ns allowed per worst-case operation: ~100x the measured 0.12-0.22 ns/sop (SIMD), ~20x scalar on a loaded core. */
const NS_PER_OP = 20;
const MIN_DEADLINE_MS = 2_000;
const MAX_DEADLINE_MS = 120_000;

/**
 * Deadline of one inference from the model's T and sizes: every neuron of every population
 * firing at every step at the longest input, each spike adding a full row (the ANN MACs of the
 * layer), plus the neuron updates, at NS_PER_OP each; at least 2 s, at most 120 s.
 */
export function deadlineFor(meta: ArtifactInfo): number {
  const n = meta.input.kind === 'tokens' ? meta.input.maxLen : 1;
  const e = meta.energy;
  const perStep = e.annMacsPerToken * n + e.annMacsConstant + e.neuronsPerToken * n + e.neuronsConstant;
  const ms = (meta.timesteps * perStep * NS_PER_OP) / 1e6;
  return Math.min(MAX_DEADLINE_MS, Math.max(MIN_DEADLINE_MS, Math.ceil(ms)));
}

// control words in the shared control buffer
const STATE = 0; // 0 idle, 1 request, 2 reply
const ARG = 1; // n in, label out
const TRAP = 2; // 1 when infer trapped
const READY = 3; // 1 once instantiated, -1 when instantiation failed

/** The worker: instantiates the module, then serves requests until terminated. Plain JS (eval'd). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, ctl, mirror, inputStart, inputEnd, mirrorBytes } = workerData;
const c = new Int32Array(ctl);
const m = new Uint8Array(mirror);
let ex;
try {
  ex = new WebAssembly.Instance(module, {}).exports;
  Atomics.store(c, ${READY}, 1);
} catch (e) {
  Atomics.store(c, ${READY}, -1);
}
Atomics.notify(c, ${READY});
if (ex) for (;;) {
  Atomics.wait(c, ${STATE}, 0);
  if (Atomics.load(c, ${STATE}) !== 1) continue;
  const mem = new Uint8Array(ex.memory.buffer);
  mem.set(m.subarray(inputStart, inputEnd), inputStart);
  let trapped = 0;
  let label = 0;
  try {
    label = ex.infer(Atomics.load(c, ${ARG}));
  } catch (e) {
    trapped = 1;
  }
  m.set(mem.subarray(0, mirrorBytes));
  Atomics.store(c, ${ARG}, label);
  Atomics.store(c, ${TRAP}, trapped);
  Atomics.store(c, ${STATE}, 2);
  Atomics.notify(c, ${STATE});
}
`;

async function loadBounded(bytes: Uint8Array, deadlineMs?: number): Promise<WasmModel> {
  const { module, meta } = await compileArtifact(bytes);
  // the pointers and sizes come from the module: a probe instance on this thread (it never runs infer)
  let probe: ArtifactExports;
  try {
    probe = new WebAssembly.Instance(module, {}).exports as unknown as ArtifactExports;
  } catch (e) {
    fail('SNN_E_ARTIFACT', `the module does not instantiate: ${(e as Error).message}`);
  }
  const ptrs = { input: probe.input_ptr(), scores: probe.scores_ptr(), counters: probe.counters_ptr(), error: probe.error_ptr(), maxLen: probe.max_len() };
  const memBytes = probe.memory.buffer.byteLength;
  // a spike-train (direct) artifact's input is T rows of u8 counts (docs/wasm.md "Spike-train input")
  const direct = meta.encoders.some((e) => e.scheme === 'direct');
  const inputBytes = meta.input.kind === 'tokens' ? 4 * ptrs.maxLen : direct ? meta.timesteps * meta.input.dim : 8 * meta.input.dim;
  const L = meta.populations.length;
  const end = Math.max(ptrs.error + 12, ptrs.counters + 8 * (5 + 2 * L), ptrs.scores + 4 * meta.readout.classes, ptrs.input + inputBytes);
  const mirrorBytes = Math.ceil(end / 8) * 8;
  if (mirrorBytes > memBytes || mirrorBytes > 64 << 20) fail('SNN_E_ARTIFACT', `the module's header pointers run past its memory (${end} > ${memBytes} bytes)`);
  const ctl = new SharedArrayBuffer(16);
  const mirror = new SharedArrayBuffer(mirrorBytes);
  const c = new Int32Array(ctl);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, ctl, mirror, inputStart: ptrs.input, inputEnd: ptrs.input + inputBytes, mirrorBytes } });
  worker.on('error', () => undefined); // termination and failures surface through the control words
  // Atomics.waitAsync: Node >= 16 (lib.es2024 types)
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
  const startup = waitAsync(c, READY, 0, 30_000);
  // the worker stays referenced until it is ready: a pending waitAsync alone does not keep the
  // event loop alive, and the process would end silently; once idle it must not keep it alive
  const started = startup.async ? await startup.value : startup.value;
  worker.unref();
  if (started === 'timed-out' || Atomics.load(c, READY) !== 1) {
    await worker.terminate();
    fail('SNN_E_ARTIFACT', 'the module does not instantiate in a worker');
  }
  const deadline = deadlineMs ?? deadlineFor(meta);
  let dead: string | undefined;
  const ex: ArtifactExports = {
    memory: { buffer: mirror },
    infer(n: number): number {
      if (dead) fail('SNN_E_RUNTIME', dead);
      Atomics.store(c, ARG, n);
      Atomics.store(c, STATE, 1);
      Atomics.notify(c, STATE);
      const r = Atomics.wait(c, STATE, 1, deadline);
      if (r === 'timed-out' && Atomics.load(c, STATE) !== 2) {
        dead = `the model did not finish an inference within ${deadline} ms (deadline from its T = ${meta.timesteps} and sizes) and was stopped`;
        void worker.terminate();
        fail('SNN_E_RUNTIME', dead, 'the artifact is damaged or not from snnc; recompile it');
      }
      Atomics.store(c, STATE, 0);
      if (Atomics.load(c, TRAP)) throw new Error('the wasm module trapped in the worker');
      return Atomics.load(c, ARG);
    },
    input_ptr: () => ptrs.input,
    scores_ptr: () => ptrs.scores,
    counters_ptr: () => ptrs.counters,
    error_ptr: () => ptrs.error,
    max_len: () => ptrs.maxLen,
  };
  return modelFromExports(meta, ex);
}
