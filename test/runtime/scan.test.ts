// Scans (docs/semantics.md "Scans"), max-pooling over positions and membrane readouts: the
// execution model of the bi-directional recurrent spiking encoder, against hand-computed
// cases and properties that must hold whatever the weights.
import { describe, expect, it } from 'vitest';
import type { Node } from '../../compiler/ir/types.js';
import { simulate } from '../../runtime/reference.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { validateGraph } from '../../compiler/ir/validate.js';
import { handScanGraph as handGraph, tinyBisnn } from '../helpers/tiny-bisnn.js';
import { randomTokens, rng } from '../helpers/tiny-model.js';

const int = (data: number[], shape: number[]) => ({ dtype: 'int' as const, shape, data: Int32Array.from(data), fmt: { bits: 8 as const, frac: 0 }, scale: 1 });


describe('scans, max pooling and membrane readout', () => {
  it('a hand-computed forward and backward scan with leak, self-recurrence and reset to zero', () => {
    // tokens 2 2 3 2 -> input spikes 1 1 0 1; input weight 3, recurrent 2, theta 5, beta 1/2
    // forward:  p0: 3 | p1: 3-1+3 = 5 fire -> 0 | p2: 0 + rec 2 = 2 | p3: 2-1+3 = 4   -> spikes 0 1 0 0
    // backward: p3: 3 | p2: 3-1 = 2 | p1: 2-1+3 = 4 | p0: 4-2+3 = 5 fire               -> spikes 1 0 0 0
    const r = simulate(handGraph(), { tokens: [2, 2, 3, 2] });
    expect(r.layerSpikes).toEqual([1, 1, 0]);
    expect(r.scores).toEqual([2, 3]); // each direction spiked somewhere: its max-pooled row once
    expect(r.label).toBe(1);
    // sops: f 3 input rows + 1 recurrent row, b 3 input rows, out 2 rows of 2
    expect(r.ops).toEqual({ sops: 11, updates: 4 + 4 + 2, spikes: 2, inputSpikes: 3, bytesRead: 4 + 11 });
  });

  it('max pooling adds a channel once per step however many positions spiked', () => {
    // tokens 2 2 2 2 2: forward spikes at p1 and p3 (p2: 0+rec 2+3 = 5 too) -> still one row
    const r = simulate(handGraph(), { tokens: [2, 2, 2, 2, 2] });
    expect(r.layerSpikes[0]).toBeGreaterThan(1);
    expect(r.scores[0]).toBe(2);
  });

  it('ties between membrane scores go to the lowest class; negative scores are kept', () => {
    const g = handGraph();
    const fOut = g.nodes.find((n) => n.id === 'f_out')!;
    const bOut = g.nodes.find((n) => n.id === 'b_out')!;
    if (fOut.kind !== 'dense' || bOut.kind !== 'dense') throw new Error('shape');
    fOut.weight = int([-4, -1], [1, 2]);
    bOut.weight = int([0, -3], [1, 2]);
    const r = simulate(g, { tokens: [2, 2, 3, 2] });
    expect(r.scores).toEqual([-4, -4]);
    expect(r.label).toBe(0);
  });

  it('a sentence scores the same whatever maxLen beyond its length (no padding leaks into a scan)', () => {
    const a = runPipeline(tinyBisnn({ maxLen: 12 }).graph).graph;
    const b = runPipeline(tinyBisnn({ maxLen: 40 }).graph).graph;
    const r = rng(3);
    for (let i = 0; i < 50; i++) {
      const toks = randomTokens(r, 40, 12).slice(0, 12);
      const x = simulate(a, { tokens: toks });
      const y = simulate(b, { tokens: toks });
      expect(y).toEqual(x);
    }
  });

  it('reversing the sentence swaps what forward and backward scans see (1 layer, mirrored weights)', () => {
    const m = tinyBisnn({ layers: 1, seed: 5 });
    const nodes = m.graph.nodes;
    const get = (id: string) => nodes.find((n) => n.id === id)!;
    // give the backward direction the forward direction's weights, and swap the class rows
    for (const [f, b] of [['enc_l1f', 'enc_l1b'], ['l1f_rec', 'l1b_rec']]) {
      const F = get(f);
      const B = get(b);
      if (F.kind !== 'dense' || B.kind !== 'dense') throw new Error('shape');
      B.weight = { dtype: 'f32', shape: [...F.weight.shape], data: Float32Array.from(F.weight.data) };
    }
    const fo = get('l1f_out');
    const bo = get('l1b_out');
    if (fo.kind !== 'dense' || bo.kind !== 'dense') throw new Error('shape');
    bo.weight = { dtype: 'f32', shape: [...fo.weight.shape], data: Float32Array.from(fo.weight.data) };
    const g = runPipeline(m.graph).graph;
    const r = rng(9);
    for (let i = 0; i < 40; i++) {
      const toks = randomTokens(r, 40, 16).slice(0, 16);
      const x = simulate(g, { tokens: toks });
      const y = simulate(g, { tokens: [...toks].reverse() });
      expect(y.scores).toEqual(x.scores);
      expect(y.layerSpikes).toEqual([x.layerSpikes[1], x.layerSpikes[0], x.layerSpikes[2]]);
    }
  });

  it('the integer bi-SNN agrees with its float simulation, and quantize proves its membranes', () => {
    const m = tinyBisnn({ maxLen: 16, layers: 3 });
    const res = runPipeline(m.graph);
    const g = res.graph;
    for (const n of g.nodes) if (n.kind === 'lif') expect(n.stateBits).toBe(16);
    const r = rng(21);
    let agree = 0;
    const N = 200;
    for (let i = 0; i < N; i++) {
      const toks = randomTokens(r, 40, 16);
      if (simulate(g, { tokens: toks }).label === simulate(m.graph, { tokens: toks }, 'float').label) agree++;
    }
    expect(agree / N).toBeGreaterThan(0.85);
  });

  it('the memory plan keeps one membrane vector per scan and no spike counts for a membrane readout', () => {
    const g = runPipeline(tinyBisnn({ hidden: 8, maxLen: 16 }).graph).graph;
    const items = g.plan!.items;
    const mem = items.find((i) => i.node === 'l1f' && i.what.startsWith('membranes'))!;
    expect(mem.bytes).toBe(8 * 2);
    expect(items.find((i) => i.node === 'l1f' && i.what.startsWith('spike flags'))!.bytes).toBe(16 * 8);
    expect(items.some((i) => i.node === 'readout')).toBe(false);
    expect(items.some((i) => i.node === 'out' && i.what.startsWith('spike flags'))).toBe(false);
  });

  it('quantize refuses a membrane readout whose class score could pass 32 bits', () => {
    const m = tinyBisnn({ hidden: 8, classes: 2 });
    const g = m.graph;
    const out = g.nodes.find((n) => n.id === 'out')!;
    const ro = g.nodes.find((n) => n.id === 'readout')!;
    if (out.kind !== 'lif' || ro.kind !== 'readout') throw new Error('shape');
    out.channels = 4;
    ro.population = 2;
    for (const n of g.nodes) {
      if (n.kind === 'dense' && n.to === 'out') n.weight = { dtype: 'f32', shape: [8, 4], data: new Float32Array(32).fill(1) } as typeof n.weight;
      if (n.kind === 'dense' && n.to === 'out') n.outFeatures = 4;
    }
    // one membrane: 16 rows of 127 per step over 600,000 steps fits 31 bits; two of them do not
    g.timesteps = 600_000;
    expect(() => runPipeline(g)).toThrow(/class score sums 2 membranes/);
    ro.population = 1;
    ro.classes = 4;
    m.meta.classes = ['a', 'b', 'c', 'd'];
    expect(() => runPipeline(g)).not.toThrow();
  });

  it('refuses malformed scans with SNN_E_GRAPH naming the node', () => {
    const cases: [string, (nodes: Node[]) => void, RegExp][] = [
      ['scan on a global population', (ns) => { const o = ns.find((n) => n.id === 'out')!; if (o.kind === 'lif') o.scan = 'forward'; }, /scan population must be per-position/],
      ['recurrent from another population', (ns) => { const d = ns.find((n) => n.id === 'rec_f')!; if (d.kind === 'dense') d.from = 'b'; }, /must come from that population itself/],
      ['spike readout of an integrator', (ns) => { const r = ns.find((n) => n.id === 'r')!; if (r.kind === 'readout') delete r.measure; }, /never spikes/],
      ['membrane readout of a spiking population', (ns) => { const o = ns.find((n) => n.id === 'out')!; if (o.kind === 'lif') delete o.spiking; }, /membrane readout reads a non-spiking/],
      ['unknown scan', (ns) => { const o = ns.find((n) => n.id === 'f')!; if (o.kind === 'lif') (o as { scan: string }).scan = 'sideways'; }, /unknown scan/],
    ];
    for (const [, mutate, msg] of cases) {
      const g = handGraph();
      mutate(g.nodes);
      expect(() => validateGraph(g)).toThrow(msg);
    }
  });
});
