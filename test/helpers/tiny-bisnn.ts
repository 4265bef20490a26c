// A small, seeded float bi-directional recurrent spiking encoder (the bi-SNN family): same
// node kinds and wiring as a trained one (tokens -> 1-bit embedding -> binary encoder ->
// L stacked layers of forward and backward scan populations with self-recurrence ->
// max-pooled dense -> non-spiking output -> membrane readout), small enough for the
// reference simulator to run in milliseconds.

import type { Graph, Model, Node } from '../../compiler/ir/types.js';
import { rng } from './tiny-model.js';
import { validateGraph } from '../../compiler/ir/validate.js';

export interface TinyBisnnOptions {
  vocab?: number;
  dim?: number;
  hidden?: number;
  layers?: number;
  classes?: number;
  timesteps?: number;
  maxLen?: number;
  beta?: number;
  threshold?: number;
  recurrent?: boolean;
  seed?: number;
}

export function tinyBisnn(o: TinyBisnnOptions = {}): Model {
  const r = rng(o.seed ?? 11);
  const vocab = o.vocab ?? 40;
  const dim = o.dim ?? 16;
  const H = o.hidden ?? 8;
  const L = o.layers ?? 3;
  const classes = o.classes ?? 2;
  const table = new Float32Array(vocab * dim);
  for (let i = dim; i < table.length; i++) table[i] = r() < 0.4 ? 1 : 0; // 1-bit embeddings
  const w = (rows: number, cols: number, bias: number, gain: number) => {
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = (r() - bias) * gain;
    return { dtype: 'f32' as const, shape: [rows, cols], data };
  };
  const nodes: Node[] = [
    { kind: 'tokens', id: 'tokens', maxLen: o.maxLen ?? 16 },
    { kind: 'embedding', id: 'embed', from: 'tokens', vocab, dim, table: { dtype: 'f32', shape: [vocab, dim], data: table } },
    { kind: 'encoder', id: 'enc', from: 'embed', scheme: 'binary', bits: 1, seed: 0 },
  ];
  let inputs: { id: string; channels: number }[] = [{ id: 'enc', channels: dim }];
  for (let l = 1; l <= L; l++) {
    const next: { id: string; channels: number }[] = [];
    for (const dir of ['forward', 'backward'] as const) {
      const id = `l${l}${dir[0]}`;
      nodes.push({ kind: 'lif', id, channels: H, perPosition: true, scan: dir, reset: 'zero', beta: o.beta ?? 0.75, threshold: o.threshold ?? 1 });
      for (const s of inputs) {
        nodes.push({ kind: 'dense', id: `${s.id}_${id}`, from: s.id, to: id, inFeatures: s.channels, outFeatures: H, weight: w(s.channels, H, 0.35, 1.2) });
      }
      if (o.recurrent !== false) nodes.push({ kind: 'dense', id: `${id}_rec`, from: id, to: id, recurrent: true, inFeatures: H, outFeatures: H, weight: w(H, H, 0.5, 1.0) });
      next.push({ id, channels: H });
    }
    inputs = next;
  }
  nodes.push({ kind: 'lif', id: 'out', channels: classes, perPosition: false, spiking: false, reset: 'zero', beta: 1, threshold: 1 });
  for (const s of inputs) {
    nodes.push({ kind: 'dense', id: `${s.id}_out`, from: s.id, to: 'out', pool: 'max-positions', inFeatures: s.channels, outFeatures: classes, weight: w(s.channels, classes, 0.5, 1.0) });
  }
  nodes.push({ kind: 'readout', id: 'readout', from: 'out', classes, population: 1, measure: 'membrane' });
  const graph: Graph = { timesteps: o.timesteps ?? 1, nodes, stage: 'float', passes: [] };
  const words = ['<pad>', '<unk>'];
  for (let i = 2; i < vocab; i++) words.push(`w${i}`);
  return {
    meta: { name: 'tiny-bisnn', family: 'bisnn', classes: Array.from({ length: classes }, (_, i) => `c${i}`) },
    tokenizer: { kind: 'snnc-word-v1', lowercase: true },
    vocab: words,
    graph,
  };
}

const intW = (data: number[], shape: number[]) => ({ dtype: 'int' as const, shape, data: Int32Array.from(data), fmt: { bits: 8 as const, frac: 0 }, scale: 1 });

/**
 * The hand-computed integer graph of docs/semantics.md "Scans" (test/runtime/scan.test.ts works
 * it out by hand): tokens -> 1-bit embedding (id 2 spikes, id 3 does not) -> one-neuron forward
 * and backward scans (input weight 3, self-recurrence 2, theta 5, beta 1/2, reset to zero) ->
 * max-pooled into two integrators with weights `fOut` and `bOut` -> membrane readout.
 */
export function handScanGraph(fOut = [2, 0], bOut = [0, 3]): Graph {
  const lif = (id: string, scan: 'forward' | 'backward'): Node => ({ kind: 'lif', id, channels: 1, perPosition: true, scan, reset: 'zero', beta: 0.5, threshold: 5, leakShifts: [1], stateBits: 16, integer: true });
  const nodes: Node[] = [
    { kind: 'tokens', id: 'tokens', maxLen: 8 },
    { kind: 'embedding', id: 'embed', from: 'tokens', vocab: 4, dim: 1, levels: { bits: 1, data: Uint8Array.from([0, 0, 1, 0]) } },
    { kind: 'encoder', id: 'enc', from: 'embed', scheme: 'binary', bits: 1, seed: 0 },
    lif('f', 'forward'),
    { kind: 'dense', id: 'in_f', from: 'enc', to: 'f', inFeatures: 1, outFeatures: 1, weight: intW([3], [1, 1]) },
    { kind: 'dense', id: 'rec_f', from: 'f', to: 'f', recurrent: true, inFeatures: 1, outFeatures: 1, weight: intW([2], [1, 1]) },
    lif('b', 'backward'),
    { kind: 'dense', id: 'in_b', from: 'enc', to: 'b', inFeatures: 1, outFeatures: 1, weight: intW([3], [1, 1]) },
    { kind: 'dense', id: 'rec_b', from: 'b', to: 'b', recurrent: true, inFeatures: 1, outFeatures: 1, weight: intW([2], [1, 1]) },
    { kind: 'lif', id: 'out', channels: 2, perPosition: false, spiking: false, reset: 'zero', beta: 1, threshold: 1, leakShifts: [], stateBits: 16, integer: true },
    { kind: 'dense', id: 'f_out', from: 'f', to: 'out', pool: 'max-positions', inFeatures: 1, outFeatures: 2, weight: intW(fOut, [1, 2]) },
    { kind: 'dense', id: 'b_out', from: 'b', to: 'out', pool: 'max-positions', inFeatures: 1, outFeatures: 2, weight: intW(bOut, [1, 2]) },
    { kind: 'readout', id: 'r', from: 'out', classes: 2, population: 1, measure: 'membrane' },
  ];
  return validateGraph({ timesteps: 1, nodes, stage: 'integer', passes: [] });
}
