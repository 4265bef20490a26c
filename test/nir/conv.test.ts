// Conv1d / Conv2d / SumPool2d / AvgPool2d lowering (compiler/frontend/nir/lower.ts) against a
// direct convolution written here in PyTorch's gather form (out[co][o] = sum over ci in the
// group and kernel taps of w * in[ci][o * stride - pad + k * dil]), on random shapes, strides,
// paddings, dilations and groups; and the N-MNIST-sized CNN of bench/nir-import.ts imports in
// bounded time.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lowerNir } from '../../compiler/frontend/nir/lower.js';
import { arr, type NirFile, type NirNode } from '../../compiler/frontend/nir/types.js';
import type { DenseNode } from '../../compiler/ir/types.js';
import { cnnGraph } from '../../bench/nir-cnn.js';
import { randArray, tmp } from './fixtures.js';
import { writeNirFile } from '../../compiler/frontend/nir/hdf5.js';
import { cli } from '../helpers/cli.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

interface Case {
  d: 1 | 2;
  pool?: 'SumPool2d' | 'AvgPool2d';
  cin: number;
  cout: number;
  groups: number;
  inSp: number[];
  k: number[];
  stride: number[];
  pad: number[];
  dil: number[];
  seed: number;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** out[co, o...] for in = e_i (one-hot), by the gather definition: column i of the map. */
function direct(c: Case, w: number[]): { out: number[]; matrix: number[][] } {
  const outSp = c.inSp.map((n, a) => Math.floor((n + 2 * c.pad[a] - c.dil[a] * (c.k[a] - 1) - 1) / c.stride[a]) + 1);
  const inN = c.cin * prod(c.inSp);
  const outN = c.cout * prod(outSp);
  const cinG = c.cin / c.groups;
  const coutG = c.cout / c.groups;
  const m = Array.from({ length: inN }, () => new Array(outN).fill(0));
  const sp = (xs: number[], shape: number[]) => (shape.length === 2 ? xs[0] * shape[1] + xs[1] : xs[0]);
  const kk = c.k.length === 2 ? c.k[0] * c.k[1] : c.k[0];
  for (let co = 0; co < c.cout; co++) {
    const g = Math.floor(co / coutG);
    for (let o = 0; o < prod(outSp); o++) {
      const oc = outSp.length === 2 ? [Math.floor(o / outSp[1]), o % outSp[1]] : [o];
      for (let t = 0; t < kk; t++) {
        const kc = c.k.length === 2 ? [Math.floor(t / c.k[1]), t % c.k[1]] : [t];
        const ic = oc.map((x, a) => x * c.stride[a] - c.pad[a] + kc[a] * c.dil[a]);
        if (ic.some((x, a) => x < 0 || x >= c.inSp[a])) continue;
        const cis = c.pool ? [co] : Array.from({ length: cinG }, (_, j) => g * cinG + j);
        for (const ci of cis) {
          const wv = c.pool ? (c.pool === 'AvgPool2d' ? 1 / kk : 1) : w[((co * cinG + (ci - g * cinG)) * kk) + t];
          m[ci * prod(c.inSp) + sp(ic, c.inSp)][co * prod(outSp) + o] += wv;
        }
      }
    }
  }
  return { out: [c.cout, ...outSp], matrix: m };
}

function graphOf(c: Case, w: number[], outShape: number[]): NirFile {
  const n = prod(outShape);
  const node: NirNode = c.pool
    ? { type: c.pool, params: { kernel_size: arr(c.k), stride: arr(c.stride), padding: arr(c.pad) }, metadata: {} }
    : {
        type: c.d === 1 ? 'Conv1d' : 'Conv2d',
        params: { weight: { shape: [c.cout, c.cin / c.groups, ...c.k], data: Float64Array.from(w) }, stride: arr(c.stride), padding: arr(c.pad), dilation: arr(c.dil), groups: arr([c.groups]) },
        metadata: {},
      };
  const fill = (x: number) => arr(new Float64Array(n).fill(x));
  return {
    version: '1.0.0',
    graph: {
      type: 'NIRGraph',
      params: {},
      metadata: {},
      nodes: {
        input: { type: 'Input', params: { shape: arr([c.cin, ...c.inSp]) }, metadata: {} },
        conv: node,
        // tau large, r = tau / dt: input scale 1; threshold 1: the dense is the conv map itself
        lif: { type: 'LIF', params: { tau: fill(1e-2), r: fill(1e-2 / 1e-4), v_leak: fill(0), v_threshold: fill(1), v_reset: fill(0) }, metadata: {} },
        fc: { type: 'Linear', params: { weight: { shape: [2, n], data: Float64Array.from(randArray(2 * n, 9)) } }, metadata: {} },
        out: { type: 'IF', params: { r: arr([1e4, 1e4]), v_threshold: arr([1, 1]), v_reset: arr([0, 0]) }, metadata: {} },
        output: { type: 'Output', params: { shape: arr([2]) }, metadata: {} },
      },
      edges: [
        ['input', 'conv'],
        ['conv', 'lif'],
        ['lif', 'fc'],
        ['fc', 'out'],
        ['out', 'output'],
      ],
    },
  };
}

const caseArb = fc
  .record({
    d: fc.constantFrom(1 as const, 2 as const),
    pool: fc.constantFrom(undefined, 'SumPool2d' as const, 'AvgPool2d' as const),
    gIn: fc.integer({ min: 1, max: 3 }),
    gOut: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 2 }),
    inSp: fc.tuple(fc.integer({ min: 3, max: 9 }), fc.integer({ min: 3, max: 9 })),
    k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    dil: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map((r): Case => {
    const d = r.pool ? 2 : r.d;
    const pick = (t: [number, number]) => (d === 2 ? [...t] : [t[0]]);
    const groups = r.pool ? r.gIn : r.groups;
    return {
      d,
      pool: r.pool,
      cin: r.pool ? r.gIn : r.gIn * groups,
      cout: r.pool ? r.gIn : r.gOut * groups,
      groups,
      inSp: pick(r.inSp),
      k: pick(r.k),
      stride: pick(r.stride),
      pad: r.pool ? pick(r.pad).map((p, a) => Math.min(p, Math.floor(pick(r.k)[a] / 2))) : pick(r.pad),
      dil: r.pool ? (d === 2 ? [1, 1] : [1]) : pick(r.dil),
      seed: r.seed,
    };
  })
  .filter((c) => c.inSp.every((n, a) => n + 2 * c.pad[a] - c.dil[a] * (c.k[a] - 1) - 1 >= 0));

describe('NIR conv lowering', () => {
  it('equals the direct convolution for random strides, paddings, dilations, groups and pools', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const w = randArray(c.cout * (c.cin / c.groups) * prod(c.k), c.seed);
        const want = direct(c, w);
        const { model } = lowerNir(graphOf(c, w, want.out));
        const d = model.graph.nodes.find((n): n is DenseNode => n.kind === 'dense' && n.from === 'encoder')!;
        const cols = prod(want.out);
        expect(d.weight.shape).toEqual([c.cin * prod(c.inSp), cols]);
        const got = Array.from(d.weight.data);
        const exp = want.matrix.flat().map((x) => Math.fround(x));
        for (let i = 0; i < exp.length; i++) expect(got[i]).toBeCloseTo(exp[i], 6);
      }),
      { numRuns: 60, seed: 12 },
    );
  });

  it('the N-MNIST-sized CNN (3 convs, 2 sum pools) imports in bounded time', () => {
    const t0 = performance.now();
    const { model } = lowerNir(cnnGraph());
    const s = (performance.now() - t0) / 1000;
    const dense = model.graph.nodes.filter((n): n is DenseNode => n.kind === 'dense');
    expect(dense.map((n) => n.weight.shape)).toEqual([
      [2 * 34 * 34, 12 * 30 * 30],
      [12 * 30 * 30, 32 * 6 * 6],
      [32 * 6 * 6, 10],
    ]);
    // generous on a shared 2-core machine; it took 100+ s before the scatter lowering
    expect(s).toBeLessThan(30);
  }, 120_000);

  it('snnc compile cnn.nir --json: the CNN compiles and the JSON result is the report, not the in-memory graph', async () => {
    const dir = tmp();
    const nir = join(dir, 'cnn.nir');
    await writeNirFile(nir, cnnGraph());
    const r = await cli(['compile', nir, '-o', join(dir, 'out'), '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.report.artifact.wasmBytes).toBeGreaterThan(0);
    expect(j.graph).toBeUndefined();
    expect(existsSync(join(dir, 'out', 'model.wasm'))).toBe(true);
  }, 300_000);
});
