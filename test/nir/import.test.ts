// NIR import: every supported node type on fixtures written like the Python `nir` package
// writes them (0.2.x and 1.x layouts, gzip on and off), and every refusal with its code.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { readNirModel } from '../../compiler/frontend/nir/import.js';
import type { LowerOptions } from '../../compiler/frontend/nir/lower.js';
import type { DenseNode, LifNode, Model } from '../../compiler/ir/types.js';
import { simulate } from '../../runtime/reference.js';
import { f32, f64, full, i64, lif, mlpGraph, randArray, tmp, writeFixture, type FNode } from './fixtures.js';

const dir = tmp();
let k = 0;
async function load(g: FNode, o: LowerOptions = {}, w: Parameters<typeof writeFixture>[2] = {}): Promise<Model> {
  const p = await writeFixture(join(dir, `f${k++}.nir`), g, w);
  return (await readNirModel(p, o)).model;
}
async function codeOf(g: FNode | (() => Promise<unknown>), o: LowerOptions = {}, w: Parameters<typeof writeFixture>[2] = {}): Promise<{ code: string; message: string }> {
  try {
    if (typeof g === 'function') await g();
    else await load(g, o, w);
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e), message: (e as Error).message };
  }
  return { code: 'no error', message: '' };
}
const dense = (m: Model, id?: string) => m.graph.nodes.filter((n): n is DenseNode => n.kind === 'dense' && (id === undefined || n.id === id));
const lifs = (m: Model) => m.graph.nodes.filter((n): n is LifNode => n.kind === 'lif');
const weightsOf = (m: Model) => dense(m).map((d) => Array.from(d.weight.data));

function chain(din: number, nodes: [string, FNode][], out: number): FNode {
  const all: Record<string, FNode> = { input: { type: 'Input', params: { shape: i64([din]) } } };
  const edges: [string, string][] = [];
  let prev = 'input';
  for (const [name, n] of nodes) {
    all[name] = n;
    edges.push([prev, name]);
    prev = name;
  }
  all.output = { type: 'Output', params: { shape: i64([out]) } };
  edges.push([prev, 'output']);
  return { type: 'NIRGraph', nodes: all, edges };
}

describe('NIR import: layouts', () => {
  it('reads 0.2.x and 1.x layouts, gzip on and off, to the same model', async () => {
    const models: Model[] = [];
    for (const layout of ['0.2', '1.0'] as const) for (const gzip of [false, true]) models.push(await load(mlpGraph(6, 5, 3), {}, { layout, gzip }));
    for (const m of models.slice(1)) expect(weightsOf(m)).toEqual(weightsOf(models[0]));
    const m = models[0];
    expect(m.graph.nodes.map((n) => n.kind)).toEqual(['vector', 'encoder', 'dense', 'lif', 'dense', 'lif', 'readout']);
    expect(m.meta.family).toBe('nir');
    expect(m.meta.classes).toEqual(['class0', 'class1', 'class2']);
  });

  it('transposes Linear [out, in] to dense [in, out] and bridges tau with dt', async () => {
    const g = mlpGraph(4, 3, 2);
    const w = (g.nodes!.fc1.params!.weight as { f32: number[] }).f32;
    const m = await load(g, { dt: 1e-4 });
    const d = dense(m)[0];
    expect(d.weight.shape).toEqual([4, 3]);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect(d.weight.data[i * 3 + j]).toBeCloseTo(w[j * 4 + i], 6);
    expect(lifs(m)[0].beta).toBeCloseTo(Math.exp(-0.1), 6); // tau is float32
    const lin = await load(g, { dt: 1e-4, decay: 'linear' });
    expect(lifs(lin)[0].beta).toBeCloseTo(0.9, 6);
    expect(lifs(m)[0].reset).toBe('zero');
    expect(lifs(await load(g, { reset: 'subtract' }))[0].reset).toBe('subtract');
  });

  it('0.2.x LIF without v_reset resets to zero; edges as a src/dst group are read too', async () => {
    const g = mlpGraph(4, 3, 2);
    g.nodes!.lif1 = lif(3, { vReset: false });
    const m = await load(g, {}, { layout: '0.2' });
    expect(lifs(m)[0].reset).toBe('zero');
    const p = await writeFixture(join(dir, `edges.nir`), mlpGraph(4, 3, 2));
    await h5wasm.ready;
    const e = mlpGraph(4, 3, 2).edges!;
    // rewrite the file with an edge group instead of the [N, 2] dataset
    const g2 = new h5wasm.File(join(dir, 'edges2.nir'), 'w');
    g2.create_dataset({ name: 'version', data: '1.0.0' });
    const src = new h5wasm.File(p, 'r');
    const copy = (from: InstanceType<typeof h5wasm.Group>, to: InstanceType<typeof h5wasm.Group>) => {
      for (const k of from.keys()) {
        const x = from.get(k) as InstanceType<typeof h5wasm.Group> | InstanceType<typeof h5wasm.Dataset>;
        if (k === 'edges' && from.path === '/node') continue;
        if (x instanceof h5wasm.Group) copy(x, to.create_group(k));
        else to.create_dataset({ name: k, data: (x as InstanceType<typeof h5wasm.Dataset>).value as never, shape: (x as InstanceType<typeof h5wasm.Dataset>).shape });
      }
    };
    const root = g2.create_group('node');
    copy(src.get('node') as InstanceType<typeof h5wasm.Group>, root);
    const eg = root.create_group('edges');
    eg.create_dataset({ name: 'src', data: e.map((x) => x[0]) });
    eg.create_dataset({ name: 'dst', data: e.map((x) => x[1]) });
    src.close();
    g2.close();
    expect(weightsOf((await readNirModel(join(dir, 'edges2.nir'))).model)).toEqual(weightsOf(await load(mlpGraph(4, 3, 2))));
  });

  it('accepts a file without a version and refuses a future major version', async () => {
    expect(dense(await load(mlpGraph(3, 3, 2), {}, { version: null })).length).toBe(2);
    expect((await codeOf(mlpGraph(3, 3, 2), {}, { version: '2.0.0' })).code).toBe('SNN_E_VERSION');
  });
});

describe('NIR import: node types', () => {
  const W = (o: number, i: number, seed: number) => f32(randArray(o * i, seed), [o, i]);

  it('Affine with a zero bias is a dense; a nonzero bias is refused naming the node, or rides an input channel', async () => {
    const g = (bias: number[]) => chain(3, [['aff', { type: 'Affine', params: { weight: W(2, 3, 3), bias: f32(bias) } }], ['lif', lif(2)]], 2);
    expect(dense(await load(g([0, 0])))[0].weight.shape).toEqual([3, 2]);
    const r = await codeOf(g([0.5, 0]));
    expect(r.code).toBe('SNN_E_GRAPH');
    expect(r.message).toContain('"aff" (Affine)');
    expect(r.message).toContain('bias');
    const m = await load(g([0.5, -0.25]), { bias: 'input' });
    expect(m.graph.nodes[0]).toMatchObject({ kind: 'vector', dim: 4 });
    const d = dense(m)[0];
    expect(Array.from(d.weight.data.slice(6, 8))).toEqual([0.5, -0.25]); // the bias row, input scale 1
  });

  it('Scale folds into the weights; Flatten is the identity', async () => {
    const base = await load(chain(3, [['fc', { type: 'Linear', params: { weight: W(2, 3, 5) } }], ['lif', lif(2)]], 2));
    const scaled = await load(chain(3, [['fl', { type: 'Flatten', params: { start_dim: i64([0], []), end_dim: i64([-1], []), input_type: i64([3]) } }], ['fc', { type: 'Linear', params: { weight: W(2, 3, 5) } }], ['sc', { type: 'Scale', params: { scale: f32([2, -1]) } }], ['lif', lif(2)]], 2));
    const a = dense(base)[0].weight.data;
    const b = dense(scaled)[0].weight.data;
    for (let i = 0; i < 3; i++) {
      expect(b[i * 2]).toBeCloseTo(2 * a[i * 2], 6);
      expect(b[i * 2 + 1]).toBeCloseTo(-a[i * 2 + 1], 6);
    }
  });

  it('IF is beta 1 with input scale r dt; per-neuron thresholds fold into the weights exactly', async () => {
    const ifn: FNode = { type: 'IF', params: { r: full(2, 1e4), v_threshold: f32([1, 2]), v_reset: full(2, 0) } };
    const m = await load(chain(2, [['fc', { type: 'Linear', params: { weight: f32([1, 0, 0, 1], [2, 2]) } }], ['if', ifn]], 2));
    const l = lifs(m)[0];
    expect(l.beta).toBe(1);
    expect(l.threshold).toBe(1);
    expect(Array.from(dense(m)[0].weight.data)).toEqual([1, 0, 0, 0.5]);
  });

  it('refuses per-neuron tau beyond the tolerance on the output population (a readout reads one population), averages it within', async () => {
    const g = chain(2, [['fc', { type: 'Linear', params: { weight: W(2, 2, 7) } }], ['lif', { type: 'LIF', params: { tau: f32([1e-3, 2e-3]), r: full(2, 10), v_leak: full(2, 0), v_threshold: full(2, 1) } }]], 2);
    const r = await codeOf(g);
    expect(r.code).toBe('SNN_E_GRAPH');
    expect(r.message).toContain('split by per-neuron tau into 2');
    expect(lifs(await load(g, { betaTolerance: 0.1 }))[0].beta).toBeGreaterThan(0.9);
  });

  it('nested subgraphs flatten to the same model', async () => {
    const flat = await load(mlpGraph(4, 3, 2));
    const g = mlpGraph(4, 3, 2);
    const inner: FNode = {
      type: 'NIRGraph',
      nodes: { in: { type: 'Input', params: { shape: i64([4]) } }, fc1: g.nodes!.fc1, lif1: g.nodes!.lif1, out: { type: 'Output', params: { shape: i64([3]) } } },
      edges: [['in', 'fc1'], ['fc1', 'lif1'], ['lif1', 'out']],
    };
    const nested: FNode = {
      type: 'NIRGraph',
      nodes: { input: g.nodes!.input, block: inner, fc2: g.nodes!.fc2, lif2: g.nodes!.lif2, output: g.nodes!.output },
      edges: [['input', 'block'], ['block', 'fc2'], ['fc2', 'lif2'], ['lif2', 'output']],
    };
    const m = await load(nested);
    expect(weightsOf(m)).toEqual(weightsOf(flat));
    expect(lifs(m).map((l) => l.id)).toEqual(['block.lif1', 'lif2']);
  });

  it('a LIF <-> Linear loop becomes a recurrent dense', async () => {
    const g: FNode = {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', params: { shape: i64([3]) } },
        fc: { type: 'Linear', params: { weight: W(4, 3, 11) } },
        lif: lif(4),
        rec: { type: 'Linear', params: { weight: W(4, 4, 12) } },
        fc2: { type: 'Linear', params: { weight: W(2, 4, 13) } },
        lif2: { type: 'LIF', params: { tau: f64([1e-3], []), r: f64([10], []), v_leak: f64([0], []), v_threshold: f64([1], []) } },
        output: { type: 'Output', params: { shape: i64([2]) } },
      },
      edges: [['input', 'fc'], ['fc', 'lif'], ['lif', 'rec'], ['rec', 'lif'], ['lif', 'fc2'], ['fc2', 'lif2'], ['lif2', 'output']],
    };
    const m = await load(g);
    const rec = dense(m).filter((d) => d.recurrent);
    expect(rec.map((d) => [d.from, d.to])).toEqual([['lif', 'lif']]);
    expect(lifs(m)[1].channels).toBe(2); // scalar parameters: size from the input
    simulate(m.graph, { vector: [0.2, 0.9, 0.5] }, 'float');
  });

  it('Conv1d and SumPool2d unroll to exact dense synapses', async () => {
    // Conv1d: 1 -> 1 channel, width 3, 'same'-like padding 1, over 4 positions
    const conv = await load(chain(4, [['c', { type: 'Conv1d', params: { input_shape: i64([4], []), weight: f32([1, 2, 3], [1, 1, 3]), stride: i64([1], []), padding: i64([1], []), dilation: i64([1], []), groups: i64([1], []), bias: f32([0]) } }], ['lif', lif(4)]], 4));
    // y[o] = x[o-1] + 2 x[o] + 3 x[o+1]; dense [in, out]
    const want = [2, 1, 0, 0, 3, 2, 1, 0, 0, 3, 2, 1, 0, 0, 3, 2];
    expect(Array.from(dense(conv)[0].weight.data)).toEqual(want);
    const g = chain(4, [['p', { type: 'SumPool2d', params: { kernel_size: i64([2, 2]), stride: i64([2, 2]), padding: i64([0, 0]) } }], ['lif', lif(1)], ['fc', { type: 'Linear', params: { weight: f32([1, -1], [2, 1]) } }], ['lif2', lif(2)]], 2);
    g.nodes!.input.params!.shape = i64([1, 2, 2]);
    const pool = await load(g);
    expect(Array.from(dense(pool)[0].weight.data)).toEqual([1, 1, 1, 1]); // a 2x2 sum into one neuron
  });

  it('a Threshold in [0, 1) after spikes is the identity; on a continuous value it is refused', async () => {
    const g = mlpGraph(3, 3, 2);
    g.nodes!.th = { type: 'Threshold', params: { threshold: full(3, 0.5) } };
    g.edges = [['input', 'fc1'], ['fc1', 'lif1'], ['lif1', 'th'], ['th', 'fc2'], ['fc2', 'lif2'], ['lif2', 'output']];
    expect(weightsOf(await load(g))).toEqual(weightsOf(await load(mlpGraph(3, 3, 2))));
    g.edges = [['input', 'fc1'], ['fc1', 'th'], ['th', 'lif1'], ['lif1', 'fc2'], ['fc2', 'lif2'], ['lif2', 'output']];
    const r = await codeOf(g);
    expect(r.code).toBe('SNN_E_GRAPH');
    expect(r.message).toContain('"th" (Threshold)');
  });
});

describe('NIR import: refusals and bad files', () => {
  const swap = (type: string, params: Record<string, ReturnType<typeof full>>) => {
    const g = mlpGraph(3, 3, 2);
    g.nodes!.lif1 = { type, params };
    return g;
  };
  it.each([
    ['LI', { tau: full(3, 1e-3), r: full(3, 1), v_leak: full(3, 0) }, 'non-spiking'],
    ['CubaLI', { tau_mem: full(3, 1e-3), tau_syn: full(3, 1e-3), r: full(3, 1), v_leak: full(3, 0) }, 'non-spiking'],
    ['I', { r: full(3, 1) }, 'non-spiking'],
    ['Delay', { delay: full(3, 1) }, 'delay'],
    ['Mystery', {}, 'unknown NIR node type'],
  ])('refuses %s, naming the node and the reason', async (type, params, reason) => {
    const r = await codeOf(swap(type, params));
    expect(r.code).toBe('SNN_E_GRAPH');
    expect(r.message).toContain(`"lif1" (${type})`);
    expect(r.message).toContain(reason);
  });

  it('not HDF5, missing file, missing parameters, shape mismatches, absurd shapes', async () => {
    const junk = join(dir, 'junk.nir');
    writeFileSync(junk, 'this is not an HDF5 file at all');
    expect((await codeOf(() => readNirModel(junk))).code).toBe('SNN_E_HEADER');
    expect((await codeOf(() => readNirModel(join(dir, 'missing.nir')))).code).toBe('SNN_E_USAGE');

    const noTau = mlpGraph(3, 3, 2);
    delete noTau.nodes!.lif1.params!.tau;
    const m = await codeOf(noTau);
    expect(m.code).toBe('SNN_E_HEADER');
    expect(m.message).toContain('"lif1" (LIF) misses parameter "tau"');

    const mismatch = mlpGraph(3, 3, 2);
    mismatch.nodes!.fc2.params!.weight = f32(randArray(8, 1), [2, 4]);
    const s = await codeOf(mismatch);
    expect(s.code).toBe('SNN_E_GRAPH');
    expect(s.message).toContain('shape mismatch');

    const wrongOut = mlpGraph(3, 3, 2);
    wrongOut.nodes!.output.params!.shape = i64([5]);
    expect((await codeOf(wrongOut)).code).toBe('SNN_E_GRAPH');

    const absurd = mlpGraph(3, 3, 2);
    absurd.nodes!.input.params!.shape = i64([1e12]);
    expect((await codeOf(absurd)).code).toBe('SNN_E_SIZE');
  });

  it('a huge declared dataset is refused before it is read (bounded memory)', async () => {
    const p = join(dir, 'huge.nir');
    await writeFixture(p, mlpGraph(3, 3, 2), { gzip: true });
    await h5wasm.ready;
    const f = new h5wasm.File(p, 'a');
    const g = f.get('node/nodes/fc1') as InstanceType<typeof h5wasm.Group>;
    g.create_dataset({ name: 'extra', data: new Float32Array(4), shape: [2, 2], maxshape: [null, null], chunks: [2, 2], compression: 'gzip' });
    (g.get('extra') as InstanceType<typeof h5wasm.Dataset>).resize([100000, 100000]);
    f.close();
    expect((await codeOf(() => readNirModel(p))).code).toBe('SNN_E_SIZE');
  });

  it('a cycle without state, v_leak != 0, v_reset != 0, a missing Output', async () => {
    const cyc = mlpGraph(3, 3, 2);
    cyc.nodes!.a = { type: 'Linear', params: { weight: f32(randArray(9, 2), [3, 3]) } };
    cyc.nodes!.b = { type: 'Linear', params: { weight: f32(randArray(9, 3), [3, 3]) } };
    cyc.edges!.push(['lif1', 'a'], ['a', 'b'], ['b', 'a'], ['b', 'lif2']);
    const c = await codeOf(cyc);
    expect(c.code).toBe('SNN_E_GRAPH');
    expect(c.message).toContain('cycle without state');

    const leak = mlpGraph(3, 3, 2);
    leak.nodes!.lif1 = { type: 'LIF', params: { tau: full(3, 1e-3), r: full(3, 10), v_leak: full(3, 0.1), v_threshold: full(3, 1) } };
    expect((await codeOf(leak)).message).toContain('v_leak');

    const reset = mlpGraph(3, 3, 2);
    reset.nodes!.lif1.params!.v_reset = full(3, -1);
    expect((await codeOf(reset)).message).toContain('v_reset');

    const noOut = mlpGraph(3, 3, 2);
    delete noOut.nodes!.output;
    noOut.edges = noOut.edges!.filter(([, b]) => b !== 'output');
    expect((await codeOf(noOut)).code).toBe('SNN_E_GRAPH');

    const dangling = mlpGraph(3, 3, 2);
    dangling.edges!.push(['lif2', 'nowhere']);
    expect((await codeOf(dangling)).message).toContain('"nowhere"');
  });
});
