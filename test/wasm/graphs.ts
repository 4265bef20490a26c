// Hand-built integer graphs for the wasm backend's tests: a TextCNN over tokens and an MLP
// over a vector, with knobs for every feature the backend must match the reference on
// (encoders, leak, reset, sparse tables, weight widths, recurrence). Seeded, deterministic.

import type {
  Conv1dNode,
  DenseNode,
  EmbeddingNode,
  EncoderNode,
  Graph,
  IntTensor,
  LifNode,
  Node,
  SynapseTable,
} from '../../compiler/ir/types.js';
import type { ArtifactMeta } from '../../runtime/wasm/artifact-format.js';
import { embeddingRowBytes } from '../../core/levels.js';
import { mulberry32 } from '../../core/prng.js';

/** mulberry32 (core/prng.ts): test data only. */
export const rng = mulberry32;

export type TableKind = 'dense' | 'sparse' | 'none';

export interface Knobs {
  seed?: number;
  timesteps?: number;
  scheme?: EncoderNode['scheme'];
  bits?: number;
  weightBits?: 8 | 16 | 32;
  table?: TableKind;
  /** Fraction of zero weights. */
  zeros?: number;
  leakShifts?: number[];
  reset?: LifNode['reset'];
  stateBits?: 16 | 32;
  /** Added to every weight draw (shifts spike rates). */
  bias?: number;
  threshold?: number;
}

function weights(r: () => number, count: number, bits: number, zeros: number, bias: number): Int32Array {
  const lim = bits >= 16 ? 2000 : 2 ** (bits - 1) - 1;
  const w = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (r() < zeros) continue;
    w[i] = Math.max(-lim - 1, Math.min(lim, Math.round((r() * 2 - 1) * lim + bias)));
  }
  return w;
}

function tensor(data: Int32Array, shape: number[], bits: 8 | 16 | 32): IntTensor {
  return { dtype: 'int', shape, data, fmt: { bits, frac: 0 }, scale: 1 } as IntTensor;
}

function table(w: Int32Array, rows: number, rowLength: number, bits: 8 | 16 | 32, kind: TableKind): SynapseTable | undefined {
  if (kind === 'none') return undefined;
  const wb = bits === 32 ? 16 : bits;
  if (kind === 'dense') return { layout: 'dense', rows, rowLength, weights: w, weightBits: wb };
  const rowStart = new Uint32Array(rows + 1);
  const target: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < rowLength; k++) {
      const x = w[r * rowLength + k];
      if (x !== 0) {
        target.push(k);
        vals.push(x);
      }
    }
    rowStart[r + 1] = target.length;
  }
  return { layout: 'sparse', rows, rowLength, rowStart, target: Uint16Array.from(target), weights: Int32Array.from(vals), weightBits: wb };
}

function lif(id: string, channels: number, perPosition: boolean, threshold: number, k: Knobs): LifNode {
  const shifts = k.leakShifts ?? [];
  return {
    kind: 'lif',
    id,
    channels,
    perPosition,
    reset: k.reset ?? 'subtract',
    beta: 1 - shifts.reduce((a, s) => a + 2 ** -s, 0),
    threshold,
    leakShifts: shifts,
    stateBits: k.stateBits ?? 32,
    integer: true,
  };
}

function conv(r: () => number, id: string, from: string, to: string, width: number, cin: number, cout: number, k: Knobs): Conv1dNode {
  const bits = k.weightBits ?? 8;
  const w = weights(r, width * cin * cout, bits, k.zeros ?? 0.1, k.bias ?? 0);
  return {
    kind: 'conv1d',
    id,
    from,
    to,
    width,
    inChannels: cin,
    outChannels: cout,
    weight: tensor(w, [width, cin, cout], bits),
    table: table(w, width * cin, cout, bits, k.table ?? 'dense'),
  };
}

function dense(r: () => number, id: string, from: string, to: string, fin: number, fout: number, k: Knobs, extra: Partial<DenseNode> = {}): DenseNode {
  const bits = k.weightBits ?? 8;
  const w = weights(r, fin * fout, bits, k.zeros ?? 0.1, k.bias ?? 0);
  return {
    kind: 'dense',
    id,
    from,
    to,
    inFeatures: fin,
    outFeatures: fout,
    weight: tensor(w, [fin, fout], bits),
    table: table(w, fin, fout, bits, k.table ?? 'dense'),
    ...extra,
  };
}

export interface TextCnnShape {
  vocab: number;
  dim: number;
  maxLen: number;
  widths: number[];
  channels: number;
  classes: number;
  population: number;
}

export const SMALL_CNN: TextCnnShape = { vocab: 50, dim: 12, maxLen: 16, widths: [3, 4, 5], channels: 10, classes: 2, population: 3 };

/** tokens -> embedding -> encoder -> k x (conv1d -> lif) -> k x dense(pool) -> lif out -> readout. */
export function textCnn(shape: TextCnnShape = SMALL_CNN, k: Knobs = {}): Graph {
  const r = rng(k.seed ?? 1);
  const bits = k.scheme === 'binary' ? 1 : (k.bits ?? 4);
  const rowBytes = embeddingRowBytes(shape.dim, bits);
  const data = new Uint8Array(shape.vocab * rowBytes);
  for (let v = 1; v < shape.vocab; v++) {
    for (let d = 0; d < shape.dim; d++) {
      const level = Math.floor(r() * 2 ** bits);
      const bit = v * rowBytes * 8 + d * bits;
      for (let b = 0; b < bits; b++) if ((level >> b) & 1) data[(bit + b) >> 3] |= 1 << ((bit + b) & 7);
    }
  }
  const emb: EmbeddingNode = { kind: 'embedding', id: 'emb', from: 'tokens', vocab: shape.vocab, dim: shape.dim, levels: { bits, data } };
  const enc: EncoderNode = { kind: 'encoder', id: 'enc', from: 'emb', scheme: k.scheme ?? 'rate', bits, seed: (k.seed ?? 1) * 7919 };
  const nodes: Node[] = [{ kind: 'tokens', id: 'tokens', maxLen: shape.maxLen }, emb, enc];
  const out = shape.classes * shape.population;
  const th = k.threshold ?? (k.weightBits === 16 || k.weightBits === 32 ? 3000 : 150);
  shape.widths.forEach((w, i) => {
    nodes.push(conv(r, `conv${i}`, 'enc', `lif${i}`, w, shape.dim, shape.channels, k), lif(`lif${i}`, shape.channels, true, th, k));
  });
  shape.widths.forEach((_, i) => nodes.push(dense(r, `fc${i}`, `lif${i}`, 'out', shape.channels, out, k, { pool: 'mean-positions' })));
  nodes.push(lif('out', out, false, Math.max(1, Math.round(th / 6)), k));
  nodes.push({ kind: 'readout', id: 'readout', from: 'out', classes: shape.classes, population: shape.population });
  return { timesteps: k.timesteps ?? 8, nodes, stage: 'integer', passes: ['test'] };
}

export interface MlpShape {
  dim: number;
  hidden: number;
  classes: number;
  population: number;
  recurrent?: boolean;
}

/** vector -> encoder -> dense -> lif -> (recurrent dense) -> dense -> lif out -> readout. */
export function mlp(shape: MlpShape = { dim: 20, hidden: 24, classes: 3, population: 2 }, k: Knobs = {}): Graph {
  const r = rng(k.seed ?? 2);
  const out = shape.classes * shape.population;
  const th = k.threshold ?? (k.weightBits === 16 || k.weightBits === 32 ? 2500 : 120);
  const nodes: Node[] = [
    { kind: 'vector', id: 'x', dim: shape.dim },
    { kind: 'encoder', id: 'enc', from: 'x', scheme: k.scheme ?? 'rate', bits: k.bits ?? 4, seed: (k.seed ?? 2) * 104729 },
    dense(r, 'fc1', 'enc', 'h', shape.dim, shape.hidden, k),
  ];
  if (shape.recurrent) nodes.push(dense(r, 'rec', 'h', 'h', shape.hidden, shape.hidden, k, { recurrent: true }));
  nodes.push(lif('h', shape.hidden, false, th, k), dense(r, 'fc2', 'h', 'out', shape.hidden, out, k), lif('out', out, false, th, k));
  nodes.push({ kind: 'readout', id: 'readout', from: 'out', classes: shape.classes, population: shape.population });
  return { timesteps: k.timesteps ?? 10, nodes, stage: 'integer', passes: ['test'] };
}

export function metaFor(g: Graph): ArtifactMeta {
  const ro = g.nodes.find((n) => n.kind === 'readout');
  const classes = ro && ro.kind === 'readout' ? ro.classes : 0;
  const emb = g.nodes.find((n) => n.kind === 'embedding');
  return {
    name: 'test-model',
    classes: Array.from({ length: classes }, (_, i) => `class${i}`),
    tokenizer: emb ? { kind: 'snnc-word-v1', lowercase: true } : undefined,
    vocab: emb && emb.kind === 'embedding' ? Array.from({ length: emb.vocab }, (_, i) => (i === 0 ? '<pad>' : i === 1 ? '<unk>' : `w${i}`)) : undefined,
    float32Bytes: 1234,
  };
}

/** Random token sentences: lengths 1..maxLen+4 (truncation exercised), ids in [0, vocab). */
export function randomSentences(count: number, vocab: number, maxLen: number, seed: number): number[][] {
  const r = rng(seed);
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(r() * (maxLen + 4));
    out.push(Array.from({ length: len }, () => Math.floor(r() * vocab)));
  }
  return out;
}

export function randomVectors(count: number, dim: number, seed: number): number[][] {
  const r = rng(seed);
  // a few out-of-range values: the encoder clamps them
  return Array.from({ length: count }, () => Array.from({ length: dim }, () => r() * 1.2 - 0.1));
}

/**
 * Less common wiring: two encoders (rate + poisson) over one embedding, a per-position dense
 * layer (no pooling) between per-position populations, and pooled heads from two depths.
 */
export function textCnnExotic(k: Knobs = {}): Graph {
  const shape: TextCnnShape = { vocab: 30, dim: 10, maxLen: 9, widths: [3, 2], channels: 12, classes: 2, population: 2 };
  const base = textCnn(shape, { ...k, bits: 3 });
  const r = rng((k.seed ?? 31) + 1);
  const byId = new Map(base.nodes.map((n) => [n.id, n] as const));
  const enc2: EncoderNode = { kind: 'encoder', id: 'enc2', from: 'emb', scheme: 'poisson', bits: 3, seed: 77 };
  const conv1 = byId.get('conv1') as Conv1dNode;
  conv1.from = 'enc2';
  const fc0 = byId.get('fc0') as DenseNode;
  fc0.from = 'pp';
  const out = shape.classes * shape.population;
  const ppd = dense(r, 'ppd', 'lif0', 'pp', shape.channels, 8, k);
  fc0.inFeatures = 8;
  const w = weights(r, 8 * out, 8, 0.1, 0);
  fc0.weight = tensor(w, [8, out], 8);
  fc0.table = table(w, 8, out, 8, k.table ?? 'dense');
  const nodes: Node[] = [];
  for (const n of base.nodes) {
    nodes.push(n);
    if (n.id === 'enc') nodes.push(enc2);
    if (n.id === 'lif1') nodes.push(ppd, lif('pp', 8, true, k.threshold ?? 150, k));
  }
  return { ...base, nodes };
}

/**
 * Every synapse kind the level-grouped schedule covers, fed straight by the encoder: a conv1d,
 * a position-wise dense into a per-position population, and a mean-pooled dense into the
 * output population (beside the pooled heads of the two hidden populations).
 */
export function textCnnEncoderFed(k: Knobs = {}): Graph {
  const shape: TextCnnShape = { vocab: 40, dim: 11, maxLen: 12, widths: [4], channels: 9, classes: 2, population: 2 };
  const base = textCnn(shape, k);
  const r = rng((k.seed ?? 41) + 3);
  const out = shape.classes * shape.population;
  const th = k.threshold ?? (k.weightBits === 16 || k.weightBits === 32 ? 3000 : 150);
  const nodes: Node[] = [];
  for (const n of base.nodes) {
    if (n.id === 'out') {
      nodes.push(dense(r, 'fcp', 'pp', 'out', 7, out, k, { pool: 'mean-positions' }));
      nodes.push(dense(r, 'fce', 'enc', 'out', shape.dim, out, { ...k, bias: (k.bias ?? 0) - 20 }, { pool: 'mean-positions' }));
    }
    nodes.push(n);
    if (n.id === 'lif0') nodes.push(dense(r, 'ppd', 'enc', 'pp', shape.dim, 7, k), lif('pp', 7, true, th, k));
  }
  return { ...base, nodes };
}

/** The graph with every synapse that can take the level-grouped schedule set to it. */
export function groupAll(g: Graph): Graph {
  const byId = new Map(g.nodes.map((n) => [n.id, n] as const));
  const nodes = g.nodes.map((n) => {
    if (n.kind !== 'conv1d' && n.kind !== 'dense') return n;
    const src = byId.get(n.from);
    if (src?.kind !== 'encoder' || src.scheme === 'poisson') return n;
    if (n.kind === 'dense' && n.pool === 'max-positions') return n;
    return { ...n, schedule: 'grouped' as const };
  });
  return { ...g, nodes };
}
