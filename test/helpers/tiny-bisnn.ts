// A small, seeded float bi-directional recurrent spiking encoder (the bi-SNN family): same
// node kinds and wiring as a trained one (tokens -> 1-bit embedding -> binary encoder ->
// L stacked layers of forward and backward scan populations with self-recurrence ->
// max-pooled dense -> non-spiking output -> membrane readout), small enough for the
// reference simulator to run in milliseconds.

import type { Graph, Model, Node } from '../../compiler/ir/types.js';
import { rng } from './tiny-model.js';

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
