// CubaLIF / CubaLI and direct spike inputs in the IR: the integer reference against a
// recurrence written from docs/semantics.md "Synaptic current", the overflow proof's bound,
// NIR export -> import round trip, and the backends' clear refusal of spike inputs.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { exportNir, readNirModel } from '../../compiler/frontend/nir/import.js';
import { writeNirFile } from '../../compiler/frontend/nir/hdf5.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { emitC } from '../../compiler/backends/c/index.js';
import { loadTarget } from '../../targets/index.js';
import { graphFeatures } from '../../compiler/ir/features.js';
import { simulate } from '../../runtime/reference.js';
import type { DenseNode, Graph, LifNode, Model, Node } from '../../compiler/ir/types.js';
import { f32, full, i64, rand, randArray, tmp, writeFixture, type FNode } from './fixtures.js';

const dir = tmp();

function cubaModel(spikingOut = true): Model {
  const w = (i: number, o: number, seed: number, s = 0.8) => ({ dtype: 'f32' as const, shape: [i, o], data: Float32Array.from(randArray(i * o, seed, s)) });
  const nodes: Node[] = [
    { kind: 'vector', id: 'x', dim: 5 },
    { kind: 'encoder', id: 'encoder', from: 'x', scheme: 'direct', bits: 2, seed: 0 },
    { kind: 'dense', id: 'd1', from: 'encoder', to: 'h', inFeatures: 5, outFeatures: 6, weight: w(5, 6, 1) },
    { kind: 'dense', id: 'r1', from: 'h', to: 'h', inFeatures: 6, outFeatures: 6, weight: w(6, 6, 2, 0.3), recurrent: true },
    { kind: 'lif', id: 'h', channels: 6, perPosition: false, reset: 'subtract', beta: 0.875, synBeta: 0.75, threshold: 0.6 },
    { kind: 'dense', id: 'd2', from: 'h', to: 'o', inFeatures: 6, outFeatures: 4, weight: w(6, 4, 3) },
    { kind: 'lif', id: 'o', channels: 4, perPosition: false, reset: 'zero', beta: 0.9375, synBeta: 0.5, threshold: 0.5, ...(spikingOut ? {} : { spiking: false }) },
    { kind: 'readout', id: 'readout', from: 'o', classes: 2, population: 2, ...(spikingOut ? {} : { measure: 'membrane' as const }) },
  ];
  const graph: Graph = { timesteps: 30, nodes, stage: 'float', passes: [] };
  return { meta: { name: 'cuba', family: 'nir', classes: ['a', 'b'] }, graph };
}

function counts(T: number, dim: number, seed: number, top = 3): number[][] {
  const r = rand(seed);
  return Array.from({ length: T }, () => Array.from({ length: dim }, () => Math.floor(((r() + 1) / 2) * (top + 1.6)) % (top + 1)));
}

describe('synaptic current (CubaLIF) in the integer reference', () => {
  it('follows docs/semantics.md: i -= sum(i >> k); i += input; v -= sum(v >> k); v += i; fire; reset', () => {
    const g = runPipeline(cubaModel().graph).graph;
    const h = g.nodes.find((n): n is LifNode => n.id === 'h')!;
    const d1 = g.nodes.find((n): n is DenseNode => n.id === 'd1')!;
    const r1 = g.nodes.find((n): n is DenseNode => n.id === 'r1')!;
    expect(h.synLeakShifts).toEqual([2]);
    expect(h.leakShifts).toEqual([3]);
    const x = counts(30, 5, 4);
    const seen: { v: number[]; i: number[]; s: number[] }[] = [];
    const res = simulate(g, { steps: x }, 'integer', { afterStep: (_t, id, v, s, i) => id === 'h' && seen.push({ v: Array.from(v), i: Array.from(i!), s: Array.from(s) }) });
    const W = d1.weight.data as Int32Array;
    const R = r1.weight.data as Int32Array;
    const v = new Int32Array(6);
    const i = new Int32Array(6);
    let prev = new Uint8Array(6);
    let spikes = 0;
    for (let t = 0; t < 30; t++) {
      const s = new Uint8Array(6);
      for (let j = 0; j < 6; j++) {
        i[j] -= i[j] >> 2;
        for (let q = 0; q < 5; q++) i[j] += x[t][q] * W[q * 6 + j];
        for (let q = 0; q < 6; q++) if (prev[q]) i[j] += R[q * 6 + j];
        v[j] -= v[j] >> 3;
        v[j] += i[j];
        if (v[j] >= h.threshold) {
          s[j] = 1;
          v[j] -= h.threshold;
        }
      }
      expect(seen[t].i).toEqual(Array.from(i));
      expect(seen[t].v).toEqual(Array.from(v));
      expect(seen[t].s).toEqual(Array.from(s));
      spikes += s.reduce((a, b) => a + b, 0);
      prev = s;
    }
    expect(spikes).toBeGreaterThan(3);
    // two updates per neuron and step (current and membrane); input spikes are the counts
    expect(res.ops.updates).toBe(30 * (6 + 4) * 2);
    expect(res.ops.inputSpikes).toBe(x.flat().reduce((a, b) => a + b, 0));
    expect(res.label).toBeGreaterThanOrEqual(0);
  });

  it('the overflow proof bounds the current and the membrane it observes', () => {
    const g = runPipeline(cubaModel().graph).graph;
    let maxI = 0;
    let maxV = 0;
    for (let s = 0; s < 20; s++) {
      simulate(g, { steps: counts(30, 5, 100 + s) }, 'integer', {
        afterStep: (_t, id, v, _sp, i) => {
          if (id !== 'h') return;
          for (const a of i!) maxI = Math.max(maxI, Math.abs(a));
          for (const a of v) maxV = Math.max(maxV, Math.abs(a));
        },
      });
    }
    const rep = runPipeline(cubaModel().graph).reports.find((r) => r.pass === 'quantize')!.details.h as { bound: number; currentBound: number };
    expect(maxI).toBeGreaterThan(0);
    expect(maxI).toBeLessThanOrEqual(rep.currentBound);
    expect(maxV).toBeLessThanOrEqual(rep.bound);
    // the geometric bound, not T times the current bound
    expect(rep.bound).toBeLessThan(31 * rep.currentBound);
  });

  it('refuses counts outside 0..2^bits-1 and a plain vector for a spike input', () => {
    const g = runPipeline(cubaModel().graph).graph;
    const x = counts(30, 5, 1);
    x[3][2] = 4;
    expect(() => simulate(g, { steps: x })).toThrow(/SNN_E_INPUT.*step 3, channel 2.*0\.\.3/);
    expect(() => simulate(g, { vector: [0, 0, 0, 0, 0] })).toThrow(/SNN_E_INPUT.*spike train/);
    expect(() => simulate(g, { steps: x.slice(0, 5) })).toThrow(/SNN_E_INPUT.*30 per-step/);
  });

  it('WASM and C take a direct spike input of counts; both compile a graph without readout (its output neurons)', () => {
    const g = runPipeline(cubaModel().graph).graph;
    expect([...graphFeatures(g)].sort()).toEqual(['spike-input', 'synaptic-current']);
    // bit-exactness: test/nir/direct-wasm.test.ts, direct-c.test.ts, direct-counts-c.test.ts, no-readout.test.ts
    expect(emitWasm(g, { name: 'x', classes: ['a', 'b'], float32Bytes: 0 }).info.encoders[0]).toMatchObject({ scheme: 'direct', bits: 2 });
    expect(emitC(g, loadTarget('host-c')).plan.frameBitsFixed).toBe(2 * (g.nodes.find((n) => n.kind === 'vector') as { dim: number }).dim);
    const noReadout = { ...g, nodes: g.nodes.filter((n) => n.kind !== 'readout') };
    expect(graphFeatures(noReadout).has('no-readout')).toBe(true);
    const ro = g.nodes.find((n) => n.kind === 'readout')!;
    expect(emitC(noReadout, loadTarget('host-c')).plan.readout).toMatchObject({ from: ro.kind === 'readout' ? ro.from : '', population: 1 });
  });
});

describe('CubaLIF / CubaLI through NIR', () => {
  it('export -> import gives the same integer network (CubaLIF hidden, CubaLIF or CubaLI output, direct input)', async () => {
    for (const spiking of [true, false]) {
      const m = cubaModel(spiking);
      const p = join(dir, `cuba-${spiking}.nir`);
      const file = exportNir(m);
      expect(Object.values(file.graph.nodes!).map((n) => n.type).sort()).toEqual(['Input', 'Linear', 'Linear', 'Linear', 'Output', spiking ? 'CubaLIF' : 'CubaLI', 'CubaLIF'].sort());
      await writeNirFile(p, file);
      const back = (await readNirModel(p)).model;
      const lifsA = m.graph.nodes.filter((n): n is LifNode => n.kind === 'lif');
      const lifsB = back.graph.nodes.filter((n): n is LifNode => n.kind === 'lif');
      expect(lifsB.map((l) => [l.beta, l.synBeta, l.spiking])).toEqual(lifsA.map((l) => [l.beta, l.synBeta, l.spiking]));
      expect(back.graph.nodes.find((n) => n.kind === 'encoder')).toMatchObject({ scheme: 'direct', bits: 2 });
      const a = runPipeline(m.graph).graph;
      const b = runPipeline(back.graph).graph;
      let fired = 0;
      for (let s = 0; s < 10; s++) {
        const x = counts(30, 5, 50 + s);
        const ra = simulate(a, { steps: x });
        const rb = simulate(b, { steps: x });
        expect(rb.scores).toEqual(ra.scores);
        expect(rb.ops).toEqual(ra.ops);
        fired += ra.ops.spikes;
      }
      expect(fired).toBeGreaterThan(0);
    }
  });

  it('imports CubaLIF with the time bridge: beta from tau_mem, synBeta from tau_syn, input scale (w_in dt/tau_syn)(r dt/tau_mem)', async () => {
    const g: FNode = {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', params: { shape: i64([2]) } },
        fc: { type: 'Linear', params: { weight: f32([1, 2, 3, 4], [2, 2]) } },
        c: { type: 'CubaLIF', params: { tau_syn: full(2, 2e-3), tau_mem: full(2, 4e-3), r: full(2, 3), w_in: full(2, 5), v_leak: full(2, 0), v_threshold: full(2, 1), v_reset: full(2, 0) } },
        output: { type: 'Output', params: { shape: i64([2]) } },
      },
      edges: [
        ['input', 'fc'],
        ['fc', 'c'],
        ['c', 'output'],
      ],
    };
    const { model, report } = await readNirModel(await writeFixture(join(dir, 'bridge.nir'), g), { encoder: 'direct' });
    const c = model.graph.nodes.find((n): n is LifNode => n.kind === 'lif')!;
    // parameters are float32 in the file
    expect(c.beta).toBeCloseTo(Math.exp(-1e-4 / Math.fround(4e-3)), 9);
    expect(c.synBeta).toBeCloseTo(Math.exp(-1e-4 / Math.fround(2e-3)), 9);
    const scale = ((5 * 1e-4) / 2e-3) * ((3 * 1e-4) / 4e-3);
    const d = model.graph.nodes.find((n): n is DenseNode => n.kind === 'dense')!;
    // [in, out]: row q = input q, column j = neuron j
    expect(Array.from(d.weight.data).map((x) => x / scale)).toEqual([1, 3, 2, 4].map((x) => expect.closeTo(x, 5)));
    expect(report.encoder).toBe('direct');
    expect(report.notes.join('\n')).toContain('spike train');
  });

  it('refuses a CubaLIF with v_leak != 0 or a non-positive tau_syn / w_in, naming the node', async () => {
    const base = (params: Record<string, ReturnType<typeof full>>): FNode => ({
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', params: { shape: i64([2]) } },
        fc: { type: 'Linear', params: { weight: f32([1, 2, 3, 4], [2, 2]) } },
        c: { type: 'CubaLIF', params: { tau_syn: full(2, 2e-3), tau_mem: full(2, 4e-3), r: full(2, 3), w_in: full(2, 1), v_leak: full(2, 0), v_threshold: full(2, 1), ...params } },
        output: { type: 'Output', params: { shape: i64([2]) } },
      },
      edges: [
        ['input', 'fc'],
        ['fc', 'c'],
        ['c', 'output'],
      ],
    });
    for (const [params, what] of [
      [{ v_leak: full(2, 0.2) }, 'v_leak'],
      [{ tau_syn: full(2, -1) }, 'tau_syn'],
      [{ w_in: full(2, 0) }, 'w_in'],
    ] as const) {
      let msg = '';
      try {
        await readNirModel(await writeFixture(join(dir, `bad-${what}.nir`), base(params)));
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(/SNN_E_(GRAPH|HEADER)/);
      expect(msg).toContain('"c" (CubaLIF)');
      expect(msg).toContain(what);
    }
  });
});
