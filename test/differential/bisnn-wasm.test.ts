// Differential tests for the bi-directional recurrent spiking encoder (bisnn) on the wasm
// backend: scans over positions, self-recurrence along the sentence, max pooling over
// positions, non-spiking integrators and membrane readouts. Every compiled module (SIMD and
// scalar) must equal `simulate(graph, {tokens}, 'integer')` exactly: label, signed scores,
// every op counter, layerSpikes and layerUpdates, on 100+ random sentences per graph
// (including sentences longer than maxLen, and <pad>/<unk> ids), on one instance per build
// (so state left over from a longer sentence would show).

import { describe, expect, it } from 'vitest';
import type { Graph, LifNode, Model, Node } from '../../compiler/ir/types.js';
import { runPipeline, type PipelineOptions } from '../../compiler/passes/pipeline.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { graphFeatures } from '../../compiler/ir/features.js';
import { loadArtifact, type WasmModel } from '../../runtime/wasm-host.js';
import { simulate, type InferenceResult } from '../../runtime/reference.js';
import type { ArtifactMeta } from '../../runtime/wasm/artifact-format.js';
import { handScanGraph as handGraph, tinyBisnn, type TinyBisnnOptions } from '../helpers/tiny-bisnn.js';
import { rng } from '../helpers/tiny-model.js';

// ------------------------------------------------------------------ inputs and helpers

/** Random sentences: lengths 1 .. 1.5·maxLen + 3 (many truncated), ids over the whole vocabulary. */
function sentences(count: number, vocab: number, maxLen: number, seed: number): number[][] {
  const r = rng(seed);
  const fixed = [1, 2, maxLen, maxLen + 1, maxLen + 7];
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const len = i < fixed.length ? fixed[i] : 1 + Math.floor(r() * (Math.floor(maxLen * 1.5) + 3));
    out.push(Array.from({ length: len }, () => Math.floor(r() * vocab)));
  }
  return out;
}

function metaOf(g: Graph): ArtifactMeta {
  const ro = g.nodes.find((n) => n.kind === 'readout');
  const classes = ro && ro.kind === 'readout' ? ro.classes : 0;
  return { name: 'bisnn-test', family: 'bisnn', classes: Array.from({ length: classes }, (_, i) => `c${i}`), float32Bytes: 1 };
}

async function builds(g: Graph): Promise<[string, WasmModel][]> {
  const meta = metaOf(g);
  return [
    ['SIMD', await loadArtifact(emitWasm(g, meta, { simd: true }).wasm)],
    ['scalar', await loadArtifact(emitWasm(g, meta, { simd: false }).wasm)],
  ];
}

/** Runs every sentence on both builds; returns the reference results. */
async function expectSame(g: Graph, inputs: number[][]): Promise<InferenceResult[]> {
  const want = inputs.map((tokens) => simulate(g, { tokens }, 'integer'));
  for (const [name, model] of await builds(g)) {
    for (let i = 0; i < inputs.length; i++) {
      const got = model.infer({ tokens: inputs[i] });
      expect(got, `${name} build, sentence ${i} [${inputs[i].join(' ')}]`).toEqual(want[i]);
    }
  }
  return want;
}

/** Not vacuous: every spiking population spikes on some sentence, scores and labels vary. */
function expectLively(g: Graph, want: InferenceResult[]): void {
  const lifs = g.nodes.filter((n): n is LifNode => n.kind === 'lif');
  lifs.forEach((l, i) => {
    if (l.spiking === false) return;
    expect(
      want.some((r) => r.layerSpikes[i] > 0),
      `population ${l.id} never spikes`,
    ).toBe(true);
  });
  expect(new Set(want.map((r) => r.scores.join(','))).size).toBeGreaterThan(1);
  expect(want.some((r) => r.scores.some((s) => s !== 0))).toBe(true);
}

// ------------------------------------------------------------------ float-model variants

interface Variant {
  /** Scans reset by subtraction instead of to zero. */
  subtract?: boolean;
  /** beta of the non-spiking output integrator (a leak there must not run after the last step). */
  outBeta?: number;
  /** Replace the binary encoder: rate or poisson over random real embeddings. */
  encoder?: { scheme: 'rate' | 'poisson'; bits: number };
  /** Neurons per class in the output (a class score sums several membranes). */
  population?: number;
}

function variant(m: Model, v: Variant, seed: number): Model {
  const r = rng(seed * 31 + 7);
  const nodes = m.graph.nodes;
  for (const n of nodes) {
    if (n.kind === 'lif' && n.scan && v.subtract) n.reset = 'subtract';
    if (n.kind === 'lif' && n.id === 'out' && v.outBeta !== undefined) n.beta = v.outBeta;
    if (n.kind === 'encoder' && v.encoder) {
      n.scheme = v.encoder.scheme;
      n.bits = v.encoder.bits;
      n.seed = seed * 977;
    }
    if (n.kind === 'embedding' && v.encoder && n.table) {
      const t = n.table.data;
      for (let i = n.dim; i < t.length; i++) t[i] = r() < 0.3 ? 0 : r();
    }
  }
  if (v.population && v.population > 1) {
    const P = v.population;
    const out = nodes.find((n) => n.id === 'out')!;
    const ro = nodes.find((n) => n.kind === 'readout')!;
    if (out.kind !== 'lif' || ro.kind !== 'readout') throw new Error('shape');
    out.channels = ro.classes * P;
    ro.population = P;
    for (const n of nodes) {
      if (n.kind === 'dense' && n.to === 'out') {
        n.outFeatures = out.channels;
        const data = new Float32Array(n.inFeatures * out.channels);
        for (let i = 0; i < data.length; i++) data[i] = r() - 0.5;
        n.weight = { dtype: 'f32', shape: [n.inFeatures, out.channels], data };
      }
    }
  }
  return m;
}

interface Case {
  name: string;
  model: TinyBisnnOptions;
  variant?: Variant;
  pipe?: PipelineOptions;
  count?: number;
}

const VOCAB = 40;

const FIXED: Case[] = [
  { name: '1 layer, H 8, T 1, recurrent, leaky, maxLen 8', model: { layers: 1, hidden: 8, timesteps: 1, maxLen: 8, seed: 1 } },
  { name: '2 layers, H 5, T 3, recurrent, beta 1, maxLen 8', model: { layers: 2, hidden: 5, timesteps: 3, maxLen: 8, beta: 1, seed: 2 } },
  { name: '3 layers, H 12, T 3, recurrent, leaky, maxLen 64', model: { layers: 3, hidden: 12, timesteps: 3, maxLen: 64, threshold: 2.5, seed: 3 } },
  { name: '3 layers, H 3, T 1, no recurrence, maxLen 64', model: { layers: 3, hidden: 3, timesteps: 1, maxLen: 64, recurrent: false, seed: 4 } },
  { name: '2 layers, H 16, T 3, 32-bit membranes, maxLen 64', model: { layers: 2, hidden: 16, timesteps: 3, maxLen: 64, seed: 5 }, pipe: { stateBits: 32 } },
  { name: '1 layer, H 17, T 3, no recurrence, beta 1, 32-bit, maxLen 10', model: { layers: 1, hidden: 17, timesteps: 3, maxLen: 10, beta: 1, recurrent: false, seed: 6 }, pipe: { stateBits: 32 } },
  { name: '2 layers, H 24, T 1, sparse tables', model: { layers: 2, hidden: 24, timesteps: 1, maxLen: 20, seed: 7 }, pipe: { layout: 'sparse' } },
  { name: '2 layers, H 9, T 3, int16 weights, sparse, 32-bit', model: { layers: 2, hidden: 9, timesteps: 3, maxLen: 12, seed: 8 }, pipe: { weightBits: 16, layout: 'sparse', stateBits: 32 } },
  { name: '2 layers, H 20, T 3, pruned 60% (auto layouts)', model: { layers: 2, hidden: 20, timesteps: 3, maxLen: 16, seed: 9 }, pipe: { prune: 0.6 } },
  { name: '1 layer, H 150, T 1: long rows (looped row adds)', model: { layers: 1, hidden: 150, dim: 24, timesteps: 1, maxLen: 8, threshold: 2, seed: 10 }, count: 100 },
  { name: '2 layers, H 40, T 3, int16, maxLen 64', model: { layers: 2, hidden: 40, timesteps: 3, maxLen: 64, seed: 11 }, pipe: { weightBits: 16 }, count: 100 },
  { name: 'reset by subtraction, leaky output integrator', model: { layers: 2, hidden: 8, timesteps: 3, maxLen: 16, seed: 12 }, variant: { subtract: true, outBeta: 0.5 } },
  { name: '3 classes x 3 neurons, leaky output, T 3', model: { layers: 2, hidden: 7, classes: 3, timesteps: 3, maxLen: 12, seed: 13 }, variant: { population: 3, outBeta: 0.75 } },
  { name: 'rate encoder (3 bits), random embeddings', model: { layers: 2, hidden: 12, timesteps: 3, maxLen: 16, seed: 14 }, variant: { encoder: { scheme: 'rate', bits: 3 } } },
  { name: 'poisson encoder (2 bits), T 3', model: { layers: 2, hidden: 6, timesteps: 3, maxLen: 16, seed: 15 }, variant: { encoder: { scheme: 'poisson', bits: 2 } } },
];

/** A seeded walk over the option space (every combination the fixed cases miss, at random). */
function randomCases(count: number, seed: number): Case[] {
  const r = rng(seed);
  const pick = <X>(xs: X[]): X => xs[Math.floor(r() * xs.length)];
  const out: Case[] = [];
  for (let i = 0; i < count; i++) {
    const model: TinyBisnnOptions = {
      layers: pick([1, 2, 3]),
      hidden: pick([1, 4, 6, 8, 11, 16, 19, 32]),
      dim: pick([8, 16, 21]),
      timesteps: pick([1, 3]),
      maxLen: pick([4, 9, 16, 64]),
      beta: pick([1, 0.75, 0.5, 0.875]),
      recurrent: r() < 0.75,
      threshold: pick([0.6, 1, 1.5]),
      classes: pick([2, 2, 3]),
      seed: 100 + i,
    };
    const pipe: PipelineOptions = { stateBits: pick([undefined, 32] as const), weightBits: pick([8, 8, 16] as const), layout: pick(['auto', 'dense', 'sparse'] as const) };
    const v: Variant = { subtract: r() < 0.3, outBeta: pick([1, 1, 0.5]), population: pick([1, 1, 2]) };
    out.push({ name: `random #${i}: ${JSON.stringify({ ...model, ...pipe, ...v })}`, model, pipe, variant: v });
  }
  return out;
}

const CASES: Case[] = [...FIXED, ...randomCases(12, 2024)];

describe.each(CASES)('bisnn $name', (c) => {
  it('wasm (SIMD and scalar) == reference on every sentence', async () => {
    const m = variant(tinyBisnn({ vocab: VOCAB, ...c.model }), c.variant ?? {}, c.model.seed ?? 0);
    const g = runPipeline(m.graph, c.pipe ?? {}).graph;
    expect([...graphFeatures(g)].sort()).toEqual(['max-positions', 'membrane-readout', 'non-spiking', 'scan']);
    const maxLen = c.model.maxLen ?? 16;
    const want = await expectSame(g, sentences(c.count ?? 120, VOCAB, maxLen, (c.model.seed ?? 0) + 500));
    if (!c.name.startsWith('random')) expectLively(g, want);
  }, 120_000);
});

// ------------------------------------------------------------------ an exotic wiring

/**
 * Everything that may feed or follow a scan: tokens -> rate encoder -> conv1d -> ordinary
 * per-position LIF `pre` -> forward scan `f` (reads pre and the encoder, self-recurrent) and
 * backward scan `b` (reads pre and f, subtract reset, no recurrence) -> a spiking global `g`
 * (mean-pooled from b) and the non-spiking leaky output (max-pooled straight from the
 * encoder, from pre, from f; dense from g), read by membrane with 2 neurons per class; and
 * a non-spiking backward scan `z` that only costs updates and synaptic ops.
 */
function exotic(seed: number, T: number, maxLen: number): Graph {
  const r = rng(seed);
  const w = (rows: number, cols: number, bias: number, gain: number) => {
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = (r() - bias) * gain;
    return { dtype: 'f32' as const, shape: [rows, cols], data };
  };
  const vocab = VOCAB;
  const dim = 10;
  const table = new Float32Array(vocab * dim);
  for (let i = dim; i < table.length; i++) table[i] = r() < 0.4 ? 0 : r();
  const lif = (id: string, channels: number, extra: Partial<LifNode> = {}): LifNode => ({ kind: 'lif', id, channels, perPosition: true, reset: 'zero', beta: 0.75, threshold: 1, ...extra });
  const nodes: Node[] = [
    { kind: 'tokens', id: 'tokens', maxLen },
    { kind: 'embedding', id: 'embed', from: 'tokens', vocab, dim, table: { dtype: 'f32', shape: [vocab, dim], data: table } },
    { kind: 'encoder', id: 'enc', from: 'embed', scheme: 'rate', bits: 2, seed: 0 },
    { kind: 'conv1d', id: 'conv', from: 'enc', to: 'pre', width: 3, inChannels: dim, outChannels: 6, weight: { ...w(3 * dim, 6, 0.3, 0.8), shape: [3, dim, 6] } },
    lif('pre', 6, { beta: 0.5 }),
    lif('f', 9, { scan: 'forward' }),
    { kind: 'dense', id: 'pre_f', from: 'pre', to: 'f', inFeatures: 6, outFeatures: 9, weight: w(6, 9, 0.3, 1.2) },
    { kind: 'dense', id: 'enc_f', from: 'enc', to: 'f', inFeatures: dim, outFeatures: 9, weight: w(dim, 9, 0.4, 0.8) },
    { kind: 'dense', id: 'f_rec', from: 'f', to: 'f', recurrent: true, inFeatures: 9, outFeatures: 9, weight: w(9, 9, 0.5, 1) },
    lif('b', 5, { scan: 'backward', reset: 'subtract', beta: 1 }),
    { kind: 'dense', id: 'pre_b', from: 'pre', to: 'b', inFeatures: 6, outFeatures: 5, weight: w(6, 5, 0.3, 1) },
    { kind: 'dense', id: 'f_b', from: 'f', to: 'b', inFeatures: 9, outFeatures: 5, weight: w(9, 5, 0.35, 1) },
    // a non-spiking scan nobody reads: it still leaks, integrates and counts its updates
    lif('z', 3, { scan: 'backward', spiking: false, beta: 0.5 }),
    { kind: 'dense', id: 'f_z', from: 'f', to: 'z', inFeatures: 9, outFeatures: 3, weight: w(9, 3, 0.5, 1) },
    lif('g', 4, { perPosition: false, threshold: 1.5 }),
    { kind: 'dense', id: 'b_g', from: 'b', to: 'g', pool: 'mean-positions', inFeatures: 5, outFeatures: 4, weight: w(5, 4, 0.2, 2) },
    lif('out', 4, { perPosition: false, spiking: false, beta: 0.5 }),
    { kind: 'dense', id: 'enc_out', from: 'enc', to: 'out', pool: 'max-positions', inFeatures: dim, outFeatures: 4, weight: w(dim, 4, 0.5, 1) },
    { kind: 'dense', id: 'pre_out', from: 'pre', to: 'out', pool: 'max-positions', inFeatures: 6, outFeatures: 4, weight: w(6, 4, 0.5, 1) },
    { kind: 'dense', id: 'f_out', from: 'f', to: 'out', pool: 'max-positions', inFeatures: 9, outFeatures: 4, weight: w(9, 4, 0.5, 1) },
    { kind: 'dense', id: 'g_out', from: 'g', to: 'out', inFeatures: 4, outFeatures: 4, weight: w(4, 4, 0.5, 1) },
    { kind: 'readout', id: 'readout', from: 'out', classes: 2, population: 2, measure: 'membrane' },
  ];
  return runPipeline({ timesteps: T, nodes, stage: 'float', passes: [] }).graph;
}

describe('bisnn-style wiring beyond the tiny model', () => {
  for (const [T, maxLen, seed] of [
    [1, 12, 41],
    [3, 12, 42],
    [3, 64, 43],
  ] as const) {
    it(`conv -> LIF -> scans, max pooling from an encoder, a LIF and a scan, mean pooling from a backward scan (T ${T}, maxLen ${maxLen})`, async () => {
      const g = exotic(seed, T, maxLen);
      const want = await expectSame(g, sentences(150, VOCAB, maxLen, seed + 1));
      expectLively(g, want);
    }, 120_000);
  }
});

// ------------------------------------------------------------------ hand-computed cases

const int = (data: number[], shape: number[], bits: 8 | 16 | 32 = 8) => ({ dtype: 'int' as const, shape, data: Int32Array.from(data), fmt: { bits, frac: 0 }, scale: 1 });


describe('hand-computed scans on wasm', () => {
  it('forward and backward scans with leak, self-recurrence and reset (the reference test case)', async () => {
    for (const [name, m] of await builds(handGraph())) {
      const r = m.infer({ tokens: [2, 2, 3, 2] });
      expect(r.layerSpikes, name).toEqual([1, 1, 0]);
      expect(r.scores, name).toEqual([2, 3]);
      expect(r.label, name).toBe(1);
      expect(r.ops, name).toEqual({ sops: 11, updates: 10, spikes: 2, inputSpikes: 3, bytesRead: 15 });
      // several positions spike in the forward scan: its max-pooled row still counts once
      const s = m.infer({ tokens: [2, 2, 2, 2, 2] });
      expect(s.layerSpikes[0], name).toBeGreaterThan(1);
      expect(s.scores[0], name).toBe(2);
    }
  });

  it('negative membrane scores: ties go to the lowest class, and a higher negative score wins', async () => {
    for (const [name, m] of await builds(handGraph([-4, -1], [0, -3]))) expect(m.infer({ tokens: [2, 2, 3, 2] }), name).toMatchObject({ scores: [-4, -4], label: 0 });
    for (const [name, m] of await builds(handGraph([-5, -1], [0, -2]))) expect(m.infer({ tokens: [2, 2, 3, 2] }), name).toMatchObject({ scores: [-5, -3], label: 1 });
    // nothing spikes: every score 0, label 0
    for (const [name, m] of await builds(handGraph([-5, -1], [0, -2]))) expect(m.infer({ tokens: [3, 3] }), name).toMatchObject({ scores: [0, 0], label: 0 });
  });

  it('a class score that does not fit int32 is SNN_E_OVERFLOW, not a wrapped number', async () => {
    // outside any graph quantize would prove: two 2^30 membranes in one class
    const nodes: Node[] = [
      { kind: 'vector', id: 'x', dim: 1 },
      { kind: 'encoder', id: 'enc', from: 'x', scheme: 'binary', bits: 1, seed: 0 },
      { kind: 'dense', id: 'fc', from: 'enc', to: 'out', inFeatures: 1, outFeatures: 4, weight: int([2 ** 30, 2 ** 30, 5, -7], [1, 4], 32) },
      { kind: 'lif', id: 'out', channels: 4, perPosition: false, spiking: false, reset: 'zero', beta: 1, threshold: 1, leakShifts: [], stateBits: 32, integer: true },
      { kind: 'readout', id: 'r', from: 'out', classes: 2, population: 2, measure: 'membrane' },
    ];
    const g: Graph = { timesteps: 1, nodes, stage: 'integer', passes: [] };
    expect(simulate(g, { vector: [0] }).scores).toEqual([0, 0]);
    expect(simulate(g, { vector: [1] }).scores[0]).toBe(2 ** 31);
    for (const [name, m] of await builds(g)) {
      expect(m.infer({ vector: [0] }), name).toEqual(simulate(g, { vector: [0] }));
      expect(() => m.infer({ vector: [1] }), name).toThrow(/SNN_E_OVERFLOW.*class c0/);
      // the instance stays usable
      expect(m.infer({ vector: [0] }), name).toEqual(simulate(g, { vector: [0] }));
    }
  });
});

// ------------------------------------------------------------------ the artifact

describe('bisnn artifact metadata', () => {
  it('records the readout measure, scans and non-spiking populations; max pooling costs no per-token MACs', () => {
    const g = runPipeline(tinyBisnn({ layers: 2, hidden: 8 }).graph).graph;
    const { info } = emitWasm(g, metaOf(g));
    expect(info.readout).toEqual({ from: 'out', classes: 2, population: 1, measure: 'membrane' });
    const pops = Object.fromEntries(info.populations.map((p) => [p.id, p]));
    expect(pops.l1f.scan).toBe('forward');
    expect(pops.l2b.scan).toBe('backward');
    expect(pops.out.spiking).toBe(false);
    expect(pops.l1f.spiking).toBeUndefined();
    const syn = Object.fromEntries(info.synapses.map((s) => [s.id, s]));
    expect(syn.l2f_out).toMatchObject({ pool: 'max-positions', macsPerToken: 0, macsConstant: 16 });
    expect(syn.l1f_rec).toMatchObject({ recurrent: true, macsPerToken: 64, macsConstant: 0 });
  });

  it('emits identical bytes for identical input (SIMD and scalar)', () => {
    for (const simd of [true, false]) {
      const a = emitWasm(exotic(7, 3, 16), metaOf(exotic(7, 3, 16)), { simd }).wasm;
      const b = emitWasm(exotic(7, 3, 16), metaOf(exotic(7, 3, 16)), { simd }).wasm;
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    }
  });

  it('a spike-readout artifact has no measure field (absent = spikes)', () => {
    const m = tinyBisnn({ layers: 1 });
    // turn the output into a spiking population read by spikes
    for (const n of m.graph.nodes) {
      if (n.kind === 'lif' && n.id === 'out') delete n.spiking;
      if (n.kind === 'readout') delete n.measure;
    }
    const g = runPipeline(m.graph).graph;
    const { info } = emitWasm(g, metaOf(g));
    expect(info.readout).toEqual({ from: 'out', classes: 2, population: 1 });
    expect(info.populations.find((p) => p.id === 'out')!.spiking).toBeUndefined();
  });
});
