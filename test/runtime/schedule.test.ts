// The level-grouped input schedule (docs/semantics.md "Level-grouped input schedule") in the
// reference simulator: the same membranes, spikes and labels as the event-driven schedule at
// every step, and op counters that differ from it by exactly what the docs define, recounted
// here from the definition (closed-form level spikes, not the simulator's level clock).
import { describe, expect, it } from 'vitest';
import type { Conv1dNode, DenseNode, Graph, LifNode } from '../../compiler/ir/types.js';
import { simulate, type InferenceResult, type SimInput } from '../../runtime/reference.js';
import { unpackLevel, embeddingRowBytes } from '../../core/levels.js';
import { validateGraph } from '../../compiler/ir/validate.js';
import { graphFeatures } from '../../compiler/ir/features.js';
import { groupAll, mlp, randomSentences, randomVectors, textCnn, textCnnEncoderFed, textCnnExotic, SMALL_CNN, type Knobs } from '../wasm/graphs.js';

/** Levels of every (position, channel) of one encoder for an input, and its top. */
function levelsOf(g: Graph, encId: string, x: SimInput): { level: number[]; n: number; dim: number; top: number; perPosition: boolean } {
  const enc = g.nodes.find((m) => m.id === encId)!;
  if (enc.kind !== 'encoder') throw new Error('not an encoder');
  const bits = enc.scheme === 'binary' ? 1 : enc.bits;
  const top = (1 << bits) - 1;
  const src = g.nodes.find((m) => m.id === enc.from)!;
  if (src.kind === 'embedding') {
    const maxLen = (g.nodes.find((m) => m.kind === 'tokens') as { maxLen: number }).maxLen;
    const ids = Array.from((x as { tokens: number[] }).tokens).slice(0, maxLen);
    const rowBits = embeddingRowBytes(src.dim, bits) * 8;
    const level: number[] = [];
    for (const id of ids) for (let d = 0; d < src.dim; d++) level.push(unpackLevel(src.levels!.data, id * rowBits, d, bits));
    return { level, n: ids.length, dim: src.dim, top, perPosition: true };
  }
  if (src.kind !== 'vector') throw new Error('source');
  const level = Array.from((x as { vector: number[] }).vector, (v) => Math.floor(Math.min(1, Math.max(0, v)) * top + 0.5));
  return { level, n: 1, dim: src.dim, top, perPosition: false };
}

/** Does an input of level L spike at step t? The closed form of the rate encoder. */
const spikeAt = (L: number, t: number, top: number): boolean => Math.floor(((top >> 1) + (t + 1) * L) / top) - Math.floor(((top >> 1) + t * L) / top) === 1;

/** For each grouped synapse: (grouped - event) sops and bytesRead, from the definitions. */
function expectedDelta(g: Graph, x: SimInput): { sops: number; bytes: number } {
  const T = g.timesteps;
  let dS = 0;
  let dB = 0;
  for (const syn of g.nodes) {
    if ((syn.kind !== 'conv1d' && syn.kind !== 'dense') || syn.schedule !== 'grouped') continue;
    const s = syn as Conv1dNode | DenseNode;
    const { level, n, dim, top, perPosition } = levelsOf(g, s.from, x);
    const target = g.nodes.find((m) => m.id === s.to) as LifNode;
    const width = s.kind === 'conv1d' ? s.outChannels : s.outFeatures;
    const t = s.table;
    const entries = (row: number): number => (t?.layout === 'sparse' ? t.rowStart[row + 1] - t.rowStart[row] : width);
    const bytesOf = (row: number): number => (t ? (t.layout === 'sparse' ? entries(row) * (2 + t.weightBits / 8) : width * (t.weightBits / 8)) : width * ((s.weight as { fmt: { bits: number } }).fmt.bits / 8));
    const W = s.kind === 'conv1d' ? s.width : 1;
    const left = (W - 1) >> 1;
    const rowsPerPos = s.kind === 'conv1d' || target.perPosition;
    // every (input, tap) contribution: target row r of table row `row`
    const contrib: { p: number; c: number; row: number; r: number; L: number }[] = [];
    for (let p = 0; p < (perPosition ? n : 1); p++)
      for (let c = 0; c < dim; c++)
        for (let j = 0; j < W; j++) {
          const r = s.kind === 'conv1d' ? p + left - j : rowsPerPos ? p : 0;
          if (r < 0 || r >= n) continue;
          contrib.push({ p, c, row: j * dim + c, r, L: level[p * dim + c] });
        }
    let event = 0;
    let eventBytes = 0;
    for (let step = 0; step < T; step++)
      for (const k of contrib)
        if (k.L > 0 && spikeAt(k.L, step, top)) {
          event += entries(k.row);
          eventBytes += bytesOf(k.row);
        }
    const live = contrib.filter((k) => k.L > 0 && Math.floor(((top >> 1) + T * k.L) / top) > 0);
    let grouped = live.reduce((a, k) => a + entries(k.row), 0);
    const used = new Set(live.map((k) => k.row));
    const groupedBytes = [...used].reduce((a, row) => a + bytesOf(row), 0);
    const present = new Set(live.map((k) => `${k.r}/${k.L}`));
    for (let step = 0; step < T; step++) for (const key of present) if (spikeAt(Number(key.split('/')[1]), step, top)) grouped += width;
    dS += grouped - event;
    dB += groupedBytes - eventBytes;
  }
  return { sops: dS, bytes: dB };
}

/** Membranes and spike flags of every population after every step. */
function trace(g: Graph, x: SimInput): { r: InferenceResult; states: string[] } {
  const states: string[] = [];
  const r = simulate(g, x, 'integer', { afterStep: (t, id, v, s) => states.push(`${t} ${id} ${Array.from(v).join(',')} ${Array.from(s).join('')}`) });
  return { r, states };
}

interface Case {
  name: string;
  graph: Graph;
  inputs: SimInput[];
}
const sent = (count: number, vocab: number, maxLen: number, seed: number): SimInput[] => randomSentences(count, vocab, maxLen, seed).map((tokens) => ({ tokens }));
const cnn = (name: string, k: Knobs): Case => ({ name, graph: textCnn(SMALL_CNN, k), inputs: sent(40, SMALL_CNN.vocab, SMALL_CNN.maxLen, (k.seed ?? 1) + 500) });

const CASES: Case[] = [
  cnn('rate 4 bits, dense int8 tables', {}),
  cnn('binary encoder', { scheme: 'binary', seed: 3 }),
  cnn('rate 4 bits at T = 3 (levels 1 and 2 never spike)', { timesteps: 3, seed: 13, bias: 15 }),
  cnn('sparse int8 tables, leaky, reset zero', { table: 'sparse', zeros: 0.6, leakShifts: [2, 4], reset: 'zero', seed: 6, bias: 10 }),
  cnn('dense int16 tables', { weightBits: 16, seed: 7 }),
  cnn('no tables (int32 weight tensors)', { table: 'none', weightBits: 32, seed: 8 }),
  cnn('8-bit levels, 16-bit state', { bits: 8, leakShifts: [1], stateBits: 16, seed: 9, bias: 30 }),
  { name: 'conv, position-wise dense and pooled dense from the encoder', graph: textCnnEncoderFed({ seed: 41 }), inputs: sent(40, 40, 12, 541) },
  { name: 'the same, sparse int16', graph: textCnnEncoderFed({ seed: 42, table: 'sparse', weightBits: 16, zeros: 0.5 }), inputs: sent(40, 40, 12, 542) },
  { name: 'rate and poisson encoders side by side (only the rate one grouped)', graph: textCnnExotic({ seed: 31 }), inputs: sent(40, 30, 9, 543) },
  { name: 'mlp over a vector (global source and target)', graph: mlp(undefined, { seed: 21 }), inputs: randomVectors(40, 20, 544).map((vector) => ({ vector })) },
  { name: 'mlp, recurrent hidden layer, binary', graph: mlp({ dim: 20, hidden: 24, classes: 3, population: 2, recurrent: true }, { scheme: 'binary', bits: 1, seed: 23 }), inputs: randomVectors(40, 20, 545).map((vector) => ({ vector })) },
];

describe.each(CASES)('grouped schedule: $name', (c) => {
  const event = c.graph;
  const grouped = validateGraph(groupAll(event));

  it('groups at least one synapse and declares the feature', () => {
    expect(grouped.nodes.some((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped')).toBe(true);
    expect(graphFeatures(grouped).has('grouped-schedule')).toBe(true);
    expect(graphFeatures(event).has('grouped-schedule')).toBe(false);
  });

  it('has the same membranes and spikes at every step, the same labels and scores, and the documented counters', () => {
    let spikes = 0;
    let saved = 0;
    for (const x of c.inputs) {
      const a = trace(event, x);
      const b = trace(grouped, x);
      expect(b.states).toEqual(a.states);
      expect(b.r.label).toBe(a.r.label);
      expect(b.r.scores).toEqual(a.r.scores);
      expect(b.r.layerSpikes).toEqual(a.r.layerSpikes);
      expect(b.r.layerUpdates).toEqual(a.r.layerUpdates);
      const { sops: _s, bytesRead: _b, ...same } = b.r.ops;
      const { sops: _s2, bytesRead: _b2, ...same2 } = a.r.ops;
      expect(same).toEqual(same2);
      const d = expectedDelta(grouped, x);
      expect(b.r.ops.sops - a.r.ops.sops).toBe(d.sops);
      expect(b.r.ops.bytesRead - a.r.ops.bytesRead).toBe(d.bytes);
      spikes += a.r.ops.spikes;
      saved += a.r.ops.sops - b.r.ops.sops;
    }
    expect(spikes).toBeGreaterThan(0);
    // not vacuous: the schedules really do different work
    expect(saved).not.toBe(0);
  });
});

describe('grouped schedule: where it does not hold', () => {
  const base = textCnnExotic({ seed: 31 });
  const set = (g: Graph, id: string): Graph => ({ ...g, nodes: g.nodes.map((n) => (n.id === id ? { ...n, schedule: 'grouped' as const } : n)) });

  it('refuses a Poisson source: its spikes do not depend on the level alone', () => {
    expect(() => validateGraph(set(base, 'conv1'))).toThrow(/SNN_E_GRAPH.*Poisson/);
  });

  it('refuses a LIF source, a max-pooled synapse, an unknown schedule and a float graph', () => {
    expect(() => validateGraph(set(base, 'fc0'))).toThrow(/SNN_E_GRAPH.*encoder source/);
    const enc = textCnnEncoderFed({ seed: 41 });
    const maxPooled = { ...enc, nodes: enc.nodes.map((n) => (n.id === 'fce' ? { ...n, pool: 'max-positions' as const } : n)) };
    // fce shares its target with mean-pooled synapses: make it the only input of a fresh output
    expect(() => validateGraph(set(maxPooled, 'fce'))).toThrow(/SNN_E_GRAPH/);
    expect(() => validateGraph({ ...base, nodes: base.nodes.map((n) => (n.id === 'conv0' ? { ...n, schedule: 'rows' as never } : n)) })).toThrow(/unknown schedule/);
    expect(() => validateGraph({ ...set(base, 'conv0'), stage: 'float' })).toThrow(/SNN_E_GRAPH/);
  });
});
