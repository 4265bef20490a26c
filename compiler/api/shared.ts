// Helpers the command modules share: reading a model file (or NIR), token ids and vocabularies,
// text input, the host-side sentence vector of an mlp model, result comparison and formatting.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph, Model } from '../ir/types.js';
import { fail, SnncError } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import type { InferenceResult, OpCounts } from '../../runtime/reference.js';
import { Vocab, decodeText, textToIds } from '../../runtime/tokenizer.js';
import type { WasmModel } from '../../runtime/wasm-host.js';

/** The repository (or installed package) root: compiler/api/ is two levels down, dist/ adds one. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));

export function float32Bytes(g: Graph): number {
  let n = 0;
  for (const node of g.nodes) {
    if (node.kind === 'embedding' && node.table) n += node.table.data.length;
    if (node.kind === 'conv1d' || node.kind === 'dense') n += node.weight.data.length;
  }
  return 4 * n;
}

export async function readModelOrNir(path: string, o: { readout?: 'optional' } = {}): Promise<Model> {
  if (path.endsWith('.nir') || path.endsWith('.h5')) {
    // NIR interchange (docs/nir.md): lowered with the default dt bridge; `snnc import` exposes the options
    // (readout 'optional', for `snnc compile`: an Output that forms no classifier compiles without one)
    const { readNirModel } = await import('../frontend/nir/import.js');
    return (await readNirModel(path, o.readout ? { readout: o.readout } : {})).model;
  }
  return readModelFile(path);
}

/** Token ids for text under a model's vocabulary (the one tokenizer, docs/tokenizer.md). */
export function tokenIds(text: string, vocab: Vocab, maxLen: number): number[] {
  return textToIds(text, vocab, maxLen);
}

export { vocabOf } from '../../runtime/classify.js';

export function maxLenOf(g: Graph): number {
  const t = g.nodes.find((n) => n.kind === 'tokens');
  return t && t.kind === 'tokens' ? t.maxLen : 0;
}

export function pct(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`;
}

export function meanOps(list: OpCounts[]): OpCounts {
  const m: OpCounts = { sops: 0, updates: 0, spikes: 0, inputSpikes: 0, bytesRead: 0 };
  for (const o of list) for (const k of Object.keys(m) as (keyof OpCounts)[]) m[k] += o[k];
  for (const k of Object.keys(m) as (keyof OpCounts)[]) m[k] = list.length ? m[k] / list.length : 0;
  return m;
}

/** Per-sentence costs summed over an evaluation: op counts and energies (pJ) of the SNN and its ANN. */
export interface CostTotals {
  sops: number;
  bytes: number;
  inSpikes: number;
  spikes: number;
  macs: number;
  snn: number;
  snnMem: number;
  ann: number;
  annMem: number;
}

export function newCostTotals(): CostTotals {
  return { sops: 0, bytes: 0, inSpikes: 0, spikes: 0, macs: 0, snn: 0, snnMem: 0, ann: 0, annMem: 0 };
}

/** Adds one sentence's op counts and energy estimate (runtime/energy.ts `artifactEnergy`) to `sum`. */
export function addCost(sum: CostTotals, ops: OpCounts, e: { snnArithPj: number; snnMemoryPj: number; annArithPj: number; annMemoryPj: number; annMacs: number }): void {
  sum.sops += ops.sops;
  sum.bytes += ops.bytesRead;
  sum.inSpikes += ops.inputSpikes;
  sum.spikes += ops.spikes;
  sum.macs += e.annMacs;
  sum.snn += e.snnArithPj;
  sum.snnMem += e.snnMemoryPj;
  sum.ann += e.annArithPj;
  sum.annMem += e.annMemoryPj;
}

export function sameResult(a: InferenceResult, b: InferenceResult): boolean {
  return (
    a.label === b.label &&
    a.scores.length === b.scores.length &&
    a.scores.every((x, i) => x === b.scores[i]) &&
    (Object.keys(a.ops) as (keyof OpCounts)[]).every((k) => a.ops[k] === b.ops[k]) &&
    a.layerSpikes.every((x, i) => x === b.layerSpikes[i]) &&
    a.layerUpdates.every((x, i) => x === b.layerUpdates[i])
  );
}

export function safeIds(text: string, v: Vocab, maxLen: number): number[] | undefined {
  try {
    return textToIds(text, v, maxLen);
  } catch (e) {
    if (e instanceof SnncError && e.code === 'SNN_E_INPUT') return undefined; // e.g. a line of punctuation only
    throw e;
  }
}

export function readTextInput(args: string[], file?: string): string {
  if (file !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = file === '-' ? readFileSync(0) : readFileSync(file);
    } catch (e) {
      fail('SNN_E_INPUT', `cannot read ${file === '-' ? 'standard input' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return decodeText(bytes);
  }
  if (!args.length) fail('SNN_E_INPUT', 'no text given', 'pass the text as an argument or with --file');
  return args.join(' ');
}

/** The artifact's input vector for a text, from the mlp model's stored sentence-vector rule. */
export async function vectorOf(model: Model, host: WasmModel, text: string): Promise<number[]> {
  if (model.meta.family !== 'mlp') fail('SNN_E_USAGE', `--model names a ${model.meta.family} model; a vector artifact needs the mlp model it was compiled from`);
  const { sentenceVector } = await import('../train/sentence-vector.js');
  const vector = Array.from(sentenceVector(model, text));
  const dim = host.meta.input.kind === 'vector' ? host.meta.input.dim : -1;
  if (vector.length !== dim) fail('SNN_E_INPUT', `the model gives ${vector.length}-value vectors, the artifact takes ${dim}`, 'pass the model the artifact was compiled from');
  return vector;
}

/** snnc's version (package.json). */
export function snncVersion(): string {
  try {
    return String((JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** Where a model came from, as carried into its artifact (`extra.provenance`) and reports. */
export interface Provenance {
  dataset?: string;
  seed?: number;
  epochs?: number;
  stage?: string;
  /** Accuracies the trainer measured (fractions), e.g. snnTest. */
  accuracy?: Record<string, number>;
  snnc: string;
}

export function provenanceOf(model: Model): Provenance {
  const t = (model.meta.training ?? {}) as Record<string, unknown>;
  const opts = (t.options ?? {}) as Record<string, unknown>;
  const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const acc: Record<string, number> = {};
  if (t.accuracy && typeof t.accuracy === 'object') for (const [k, v] of Object.entries(t.accuracy)) if (num(v) !== undefined) acc[k] = v as number;
  return {
    ...(typeof t.dataset === 'string' ? { dataset: t.dataset } : {}),
    ...(num(t.seed ?? opts.seed) !== undefined ? { seed: num(t.seed ?? opts.seed) } : {}),
    ...(num(opts.epochs) !== undefined ? { epochs: num(opts.epochs) } : {}),
    ...(typeof t.stage === 'string' ? { stage: t.stage } : {}),
    ...(Object.keys(acc).length ? { accuracy: acc } : {}),
    snnc: snncVersion(),
  };
}
