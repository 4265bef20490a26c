// NIR LI / I as the output population: a non-spiking IR population (spiking: false) read by a
// membrane readout. Import to the expected IR, the dt bridge, refusals anywhere else, the
// compiled wasm artifact against the reference, and export -> import round trips.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readNirModel, exportNir } from '../../compiler/frontend/nir/import.js';
import { randomVectors } from '../../compiler/api/calibrate.js';
import { writeNirFile } from '../../compiler/frontend/nir/hdf5.js';
import type { LowerOptions } from '../../compiler/frontend/nir/lower.js';
import type { DenseNode, Graph, LifNode, Model, Node, ReadoutNode } from '../../compiler/ir/types.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { f32, full, integratorGraph, li, mlpGraph, randArray, tmp, writeFixture, type FNode } from './fixtures.js';

const SEED = 3; // weights whose labels vary over the random inputs
const dir = tmp();
let k = 0;
async function load(g: FNode, o: LowerOptions = {}): Promise<Model> {
  const p = await writeFixture(join(dir, `li${k++}.nir`), g);
  return (await readNirModel(p, o)).model;
}
async function refusal(g: FNode, o: LowerOptions = {}): Promise<{ code: string; message: string }> {
  try {
    await load(g, o);
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e), message: (e as Error).message };
  }
  return { code: 'no error', message: '' };
}
const lifs = (m: Model) => m.graph.nodes.filter((n): n is LifNode => n.kind === 'lif');
const denses = (m: Model) => m.graph.nodes.filter((n): n is DenseNode => n.kind === 'dense');
const readout = (m: Model) => m.graph.nodes.find((n): n is ReadoutNode => n.kind === 'readout')!;

describe('NIR import: LI / I output populations', () => {
  it('an LI output is a spiking: false population with beta from tau/dt, read by membrane', async () => {
    const m = await load(integratorGraph(5, 4, 3, li(3, { tau: 2e-3 })), { dt: 1e-4, timesteps: 16 });
    const [h, out] = lifs(m);
    expect(h.spiking).toBeUndefined();
    expect(out).toMatchObject({ id: 'lif2', spiking: false, reset: 'zero', threshold: 1 });
    expect(out.beta).toBeCloseTo(Math.exp(-0.05), 6); // tau is float32
    expect(readout(m)).toMatchObject({ from: 'lif2', classes: 3, population: 1, measure: 'membrane' });
    expect((await load(integratorGraph(5, 4, 3, li(3, { tau: 2e-3 })), { decay: 'linear' })).graph.nodes.find((n) => n.id === 'lif2')).toMatchObject({ beta: expect.closeTo(0.95, 6) });
  });

  it('per-neuron r folds into the incoming weights exactly (no threshold to keep)', async () => {
    const base = await load(integratorGraph(4, 3, 2, li(2)));
    const scaled = await load(integratorGraph(4, 3, 2, li(2, { r: [10, 25] })));
    const a = denses(base)[1].weight.data;
    const b = denses(scaled)[1].weight.data;
    // r = tau/dt = 10 is input scale 1; r = 25 is 2.5 on neuron 1's column
    for (let i = 0; i < 3; i++) {
      expect(b[i * 2]).toBe(a[i * 2]);
      expect(b[i * 2 + 1]).toBeCloseTo(a[i * 2 + 1] * 2.5, 5);
    }
  });

  it('an I output is a non-leaky integrator: beta 1, input scale r dt', async () => {
    const m = await load(integratorGraph(4, 3, 2, { type: 'I', params: { r: full(2, 2e4) } }), { dt: 1e-4 });
    const ref = await load(mlpGraph(4, 3, 2));
    const out = lifs(m)[1];
    expect(out).toMatchObject({ spiking: false, beta: 1 });
    expect(readout(m).measure).toBe('membrane');
    const w = denses(m)[1].weight.data;
    const w0 = denses(ref)[1].weight.data;
    for (let i = 0; i < w.length; i++) expect(w[i]).toBeCloseTo(2 * w0[i], 5);
  });

  it('a graph with no spiking layer (Input -> Linear -> LI -> Output) imports and simulates', async () => {
    const g = mlpGraph(4, 3, 2);
    g.nodes = { input: g.nodes!.input, fc1: { type: 'Linear', params: { weight: f32(randArray(8, 5), [2, 4]) } }, li: li(2), output: g.nodes!.output };
    g.edges = [['input', 'fc1'], ['fc1', 'li'], ['li', 'output']];
    const m = await load(g);
    expect(m.graph.nodes.map((n) => n.kind)).toEqual(['vector', 'encoder', 'dense', 'lif', 'readout']);
    const gi = runPipeline(m.graph).graph;
    const r = simulate(gi, { vector: [0.5, 0.25, 1, 0] }, 'integer');
    expect(r.ops.spikes).toBe(0);
    expect(r.scores.some((s) => s !== 0)).toBe(true);
  });

  it('reads the LI through Flatten / a subgraph Output', async () => {
    const g = integratorGraph(4, 3, 2, li(2));
    g.nodes!.flat = { type: 'Flatten', params: { start_dim: { i64: [0] }, end_dim: { i64: [-1] } } };
    g.edges = g.edges!.map(([a, b]) => (a === 'lif2' ? ['lif2', 'flat'] : [a, b]));
    g.edges.push(['flat', 'output']);
    const m = await load(g);
    expect(readout(m)).toMatchObject({ from: 'lif2', measure: 'membrane' });
  });

  it('refuses LI / I anywhere but the output, naming the node and the reason', async () => {
    for (const out of [li(3), { type: 'I', params: { r: full(3, 1e4) } } as FNode]) {
      const g = mlpGraph(3, 3, 2);
      g.nodes!.lif1 = out;
      const r = await refusal(g);
      expect(r.code).toBe('SNN_E_GRAPH');
      expect(r.message).toContain(`"lif1" (${out.type})`);
      expect(r.message).toContain('feeds NIR node "fc2" (Linear)');
      expect(r.message).toContain('non-spiking');
      expect(r.message).toContain('only as the output population');
    }
    // an LI that is both the output and feeds a layer (a loop back into itself)
    const loop = integratorGraph(3, 3, 2, li(2));
    loop.nodes!.rec = { type: 'Linear', params: { weight: f32(randArray(4, 9), [2, 2]) } };
    loop.edges!.push(['lif2', 'rec'], ['rec', 'lif2']);
    expect((await refusal(loop)).message).toContain('feeds NIR node "rec" (Linear)');
    // an LI that feeds nothing
    const dangling = mlpGraph(3, 3, 2);
    dangling.nodes!.side = li(3);
    dangling.edges!.push(['fc1', 'side']);
    expect((await refusal(dangling)).message).toMatch(/"side" \(LI\) is not supported: it feeds nothing/);
  });

  it('refuses what it refuses for LIF: v_leak != 0, per-neuron tau', async () => {
    const leak = await refusal(integratorGraph(3, 3, 2, li(2, { vLeak: 0.1 })));
    expect(leak.code).toBe('SNN_E_GRAPH');
    expect(leak.message).toContain('"lif2" (LI)');
    expect(leak.message).toContain('v_leak');
    const g = integratorGraph(3, 3, 2, li(2));
    g.nodes!.lif2.params!.tau = f32([1e-3, 2e-3]);
    expect((await refusal(g)).message).toContain('split by per-neuron tau');
  });
});

describe('NIR LI output: compiled', () => {
  it('compiles through runPipeline; the wasm artifact equals the reference; scores are final membranes', async () => {
    const m = await load(integratorGraph(6, 8, 3, li(3, { tau: 8e-4 }), SEED), { timesteps: 20, classes: ['a', 'b', 'c'] });
    const g = runPipeline(m.graph).graph;
    expect(g.stage).toBe('integer');
    const meta = { name: 'nir-li', family: 'nir', classes: m.meta.classes, float32Bytes: 1 };
    const builds = [await loadArtifact(emitWasm(g, meta, { simd: true }).wasm), await loadArtifact(emitWasm(g, meta, { simd: false }).wasm)];
    const xs = randomVectors(6, 60, 11);
    const want = xs.map((x) => simulate(g, x, 'integer'));
    for (const wasm of builds) for (let i = 0; i < xs.length; i++) expect(wasm.infer(xs[i]), `input ${i}`).toEqual(want[i]);
    // not vacuous: the hidden layer fires, scores are signed membranes that vary, labels vary
    expect(want.some((r) => r.ops.spikes > 0)).toBe(true);
    expect(new Set(want.map((r) => r.scores.join(','))).size).toBeGreaterThan(10);
    expect(want.some((r) => r.scores.some((s) => s < 0))).toBe(true);
    expect(new Set(want.map((r) => r.label)).size).toBeGreaterThan(1);
    // the float simulation mostly agrees with the integer one
    const agree = xs.filter((x, i) => simulate(m.graph, x, 'float').label === want[i].label).length;
    expect(agree / xs.length).toBeGreaterThan(0.7);
  });
});

describe('NIR export: non-spiking outputs', () => {
  function model(beta: number, threshold = 1): Model {
    const w = (i: number, o: number, seed: number) => ({ dtype: 'f32' as const, shape: [i, o], data: Float32Array.from(randArray(i * o, seed, 0.8)) });
    const nodes: Node[] = [
      { kind: 'vector', id: 'x', dim: 7 },
      { kind: 'encoder', id: 'encoder', from: 'x', scheme: 'rate', bits: 4, seed: 0 },
      { kind: 'dense', id: 'd1', from: 'encoder', to: 'h', inFeatures: 7, outFeatures: 6, weight: w(7, 6, 21) },
      { kind: 'lif', id: 'h', channels: 6, perPosition: false, reset: 'subtract', beta: 0.875, threshold: 0.6 },
      { kind: 'dense', id: 'd2', from: 'h', to: 'o', inFeatures: 6, outFeatures: 4, weight: w(6, 4, 22) },
      { kind: 'lif', id: 'o', channels: 4, perPosition: false, spiking: false, reset: 'zero', beta, threshold },
      { kind: 'readout', id: 'readout', from: 'o', classes: 2, population: 2, measure: 'membrane' },
    ];
    const graph: Graph = { timesteps: 12, nodes, stage: 'float', passes: [] };
    return { meta: { name: 'li', family: 'mlp', classes: ['neg', 'pos'] }, graph };
  }
  const strip = (g: Graph) =>
    g.nodes.map((n) => {
      const { id: _id, ...rest } = n as Node & { from?: string; to?: string };
      if ('from' in rest) delete rest.from;
      if ('to' in rest) delete rest.to;
      return rest;
    });

  it.each([
    ['LI', 0.875, 1],
    ['LI', 0.75, 0.5],
    ['I', 1, 1],
  ])('a spiking: false output exports as NIR %s (beta %s) and imports back bit for bit', async (type, beta, threshold) => {
    const m = model(beta, threshold);
    const nir = exportNir(m);
    expect(nir.graph.nodes!.o.type).toBe(type);
    const p = join(dir, `rt-${type}-${beta}.nir`);
    await writeNirFile(p, nir, { gzip: 6 });
    const back = (await readNirModel(p)).model;
    expect(back.meta.classes).toEqual(['neg', 'pos']);
    // same float model up to node ids: weights, beta, threshold, spiking, readout measure
    expect(strip(back.graph)).toEqual(strip(m.graph));
    const a = runPipeline(m.graph).graph;
    const b = runPipeline(back.graph).graph;
    expect(strip(b)).toEqual(strip(a));
    for (const x of randomVectors(7, 40, 5)) expect(simulate(b, x, 'integer')).toEqual(simulate(a, x, 'integer'));
  });

  it('refuses a non-spiking population the readout does not read', () => {
    const m = model(0.875);
    m.graph.nodes.splice(5, 0, { kind: 'dense', id: 'd3', from: 'h', to: 'z', inFeatures: 6, outFeatures: 2, weight: { dtype: 'f32', shape: [6, 2], data: new Float32Array(12) } }, { kind: 'lif', id: 'z', channels: 2, perPosition: false, spiking: false, reset: 'zero', beta: 0.5, threshold: 1 });
    expect(() => exportNir(m)).toThrow(/SNN_E_USAGE.*non-spiking population z/);
  });
});
