// A small, seeded float TextCNN-shaped model for compiler tests: same node kinds and wiring as
// a trained one (tokens -> embedding -> encoder -> conv1d x k -> LIF -> pooled dense -> LIF ->
// readout), small enough that the reference simulator runs it in milliseconds.

import type { Graph, Model, Node } from '../../compiler/ir/types.js';
import { xorshift32 } from '../../core/prng.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = xorshift32(s);
    return s / 4294967296;
  };
}

export interface TinyOptions {
  vocab?: number;
  dim?: number;
  maps?: number;
  widths?: number[];
  classes?: number;
  population?: number;
  timesteps?: number;
  maxLen?: number;
  scheme?: 'rate' | 'binary' | 'poisson';
  bits?: number;
  beta?: number;
  reset?: 'subtract' | 'zero';
  seed?: number;
}

export function tinyTextCnn(o: TinyOptions = {}): Model {
  const r = rng(o.seed ?? 7);
  const vocab = o.vocab ?? 40;
  const dim = o.dim ?? 12;
  const maps = o.maps ?? 8;
  const widths = o.widths ?? [3, 4, 5];
  const classes = o.classes ?? 2;
  const pop = o.population ?? 3;
  const scheme = o.scheme ?? 'rate';
  const bits = scheme === 'binary' ? 1 : (o.bits ?? 4);
  const table = new Float32Array(vocab * dim);
  for (let i = dim; i < table.length; i++) table[i] = r();
  const nodes: Node[] = [
    { kind: 'tokens', id: 'tokens', maxLen: o.maxLen ?? 16 },
    { kind: 'embedding', id: 'embed', from: 'tokens', vocab, dim, table: { dtype: 'f32', shape: [vocab, dim], data: table } },
    { kind: 'encoder', id: 'enc', from: 'embed', scheme, bits, seed: 12345 },
  ];
  for (const w of widths) {
    const data = new Float32Array(w * dim * maps);
    for (let i = 0; i < data.length; i++) data[i] = (r() - 0.45) * 0.5;
    nodes.push({ kind: 'conv1d', id: `conv${w}`, from: 'enc', to: `lif${w}`, width: w, inChannels: dim, outChannels: maps, weight: { dtype: 'f32', shape: [w, dim, maps], data } });
    nodes.push({ kind: 'lif', id: `lif${w}`, channels: maps, perPosition: true, reset: o.reset ?? 'subtract', beta: o.beta ?? 1, threshold: 1.0 });
  }
  for (const w of widths) {
    const data = new Float32Array(maps * classes * pop);
    for (let i = 0; i < data.length; i++) data[i] = (r() - 0.4) * 0.8;
    nodes.push({ kind: 'dense', id: `fc${w}`, from: `lif${w}`, to: 'out', inFeatures: maps, outFeatures: classes * pop, pool: 'mean-positions', weight: { dtype: 'f32', shape: [maps, classes * pop], data } });
  }
  nodes.push({ kind: 'lif', id: 'out', channels: classes * pop, perPosition: false, reset: o.reset ?? 'subtract', beta: o.beta ?? 1, threshold: 0.3 });
  nodes.push({ kind: 'readout', id: 'readout', from: 'out', classes, population: pop });
  const graph: Graph = { timesteps: o.timesteps ?? 12, nodes, stage: 'float', passes: [] };
  const words = ['<pad>', '<unk>'];
  for (let i = 2; i < vocab; i++) words.push(`w${i}`);
  return {
    meta: { name: 'tiny', family: 'textcnn', classes: Array.from({ length: classes }, (_, i) => `c${i}`) },
    tokenizer: { kind: 'snnc-word-v1', lowercase: true },
    vocab: words,
    graph,
  };
}

export function randomTokens(r: () => number, vocab: number, maxLen: number): number[] {
  const n = 1 + Math.floor(r() * (maxLen + 4)); // sometimes longer than maxLen: truncation
  return Array.from({ length: n }, () => 1 + Math.floor(r() * (vocab - 1)));
}
