// Bad NIR files the other suites (test/nir/import.test.ts, test/trust/nir.test.ts, fuzz) do not
// cover: each is a clear SNN_E_* naming the node (or the graph-level problem), in bounded time
// and memory, never a crash, a hang or a stack trace on the CLI.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readNirModel } from '../../compiler/frontend/nir/import.js';
import { main } from '../../compiler/cli.js';
import { f32, f64, full, i64, lif, mlpGraph, randArray, tmp, writeFixture, type FNode } from './fixtures.js';

const dir = tmp();
let k = 0;

async function errorOf(g: FNode): Promise<{ code: string; message: string }> {
  const p = await writeFixture(join(dir, `b${k++}.nir`), g);
  try {
    await readNirModel(p);
  } catch (e) {
    return { code: (e as { code?: string }).code ?? `crash: ${String(e)}`, message: (e as Error).message };
  }
  return { code: 'accepted', message: '' };
}

/** Input [2, 34, 34] -> conv -> LIF -> Linear -> LIF(2) -> Output, with the conv given. */
function convNet(conv: FNode, convOut: number): FNode {
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', params: { shape: i64([2, 34, 34]) } },
      conv,
      lif: lif(convOut),
      fc: { type: 'Linear', params: { weight: f32(new Float32Array(2 * convOut).fill(0.01), [2, convOut]) } },
      out: lif(2),
      output: { type: 'Output', params: { shape: i64([2]) } },
    },
    edges: [
      ['input', 'conv'],
      ['conv', 'lif'],
      ['lif', 'fc'],
      ['fc', 'out'],
      ['out', 'output'],
    ],
  };
}

describe('bad NIR input', () => {
  it('a graph without an Input', async () => {
    const g = mlpGraph(3, 3, 2);
    delete g.nodes!.input;
    g.edges = g.edges!.filter(([a]) => a !== 'input');
    const e = await errorOf(g);
    expect(e.code).toBe('SNN_E_GRAPH');
    expect(e.message).toMatch(/0 Input nodes/);
  });

  it('two Inputs or two Outputs', async () => {
    const g = mlpGraph(3, 3, 2);
    g.nodes!.input2 = { type: 'Input', params: { shape: i64([3]) } };
    g.edges!.push(['input2', 'fc1']);
    expect(await errorOf(g)).toMatchObject({ code: 'SNN_E_GRAPH', message: expect.stringMatching(/2 Input nodes/) });
    const h = mlpGraph(3, 3, 2);
    h.nodes!.output2 = { type: 'Output', params: { shape: i64([2]) } };
    h.edges!.push(['lif2', 'output2']);
    expect(await errorOf(h)).toMatchObject({ code: 'SNN_E_GRAPH', message: expect.stringMatching(/2 Output nodes/) });
  });

  it('NaN and infinite parameters name the node and the parameter', async () => {
    const cases: [string, (g: FNode) => void, RegExp][] = [
      ['weight', (g) => (g.nodes!.fc2.params!.weight = f32([0.1, NaN, 0.2, 0.3, 0.4, 0.5], [2, 3])), /"fc2".*weight/],
      ['tau', (g) => (g.nodes!.lif1.params!.tau = f64([1e-3, NaN, 1e-3])), /"lif1".*tau/],
      ['threshold', (g) => (g.nodes!.lif2.params!.v_threshold = f64([1, Infinity])), /"lif2".*v_threshold/],
      ['r', (g) => (g.nodes!.lif1.params!.r = full(3, NaN)), /"lif1".*\br\b/],
    ];
    for (const [what, edit, re] of cases) {
      const g = mlpGraph(3, 3, 2);
      edit(g);
      const e = await errorOf(g);
      expect([what, e.code]).toEqual([what, 'SNN_E_NAN']);
      expect(e.message).toMatch(re);
    }
  });

  it('a Linear fed by a node of another size names both (shapes do not chain)', async () => {
    const g = mlpGraph(3, 4, 2);
    g.nodes!.fc2.params!.weight = f32(randArray(2 * 5, 3), [2, 5]); // takes 5, lif1 gives 4
    const e = await errorOf(g);
    expect(e.code).toBe('SNN_E_GRAPH');
    expect(e.message).toMatch(/"fc2"/);
    expect(e.message).toMatch(/shape mismatch/);
  });

  it('a cycle of linear nodes alone (no Input reaches a neuron through it) is refused, not looped on', async () => {
    const g = mlpGraph(3, 3, 2);
    g.nodes!.a = { type: 'Scale', params: { scale: full(3, 0.5) } };
    g.nodes!.b = { type: 'Scale', params: { scale: full(3, 2) } };
    g.edges!.push(['a', 'b'], ['b', 'a'], ['b', 'lif1']);
    const e = await errorOf(g);
    expect(e.code).toBe('SNN_E_GRAPH');
    expect(e.message).toMatch(/"[ab]" \(Scale\).*cycle without state/);
  });

  it('a 10 GB declared shape: an Input, an Output, and a conv whose unrolled map would be that large', async () => {
    const bigIn = mlpGraph(3, 3, 2);
    bigIn.nodes!.input.params!.shape = i64([50_000, 50_000]); // 2.5e9 values, 10 GB as float32
    const a = await errorOf(bigIn);
    expect(a.code).toBe('SNN_E_SIZE');
    expect(a.message).toMatch(/"input" \(Input\)/);
    const bigOut = mlpGraph(3, 3, 2);
    bigOut.nodes!.output.params!.shape = i64([50_000, 50_000]);
    const b = await errorOf(bigOut);
    expect(['SNN_E_SIZE', 'SNN_E_GRAPH']).toContain(b.code);
    expect(b.message).toMatch(/"output" \(Output\)/);
    // a declared input_shape of 2.5e9 positions on a small input: refused, not allocated
    const conv: FNode = { type: 'Conv2d', params: { weight: f32(randArray(4 * 2 * 9, 2), [4, 2, 3, 3]), stride: i64([1, 1]), padding: i64([1, 1]), dilation: i64([1, 1]), groups: i64([1]), input_shape: i64([50_000, 50_000]) } };
    const c = await errorOf(convNet(conv, 4 * 34 * 34));
    expect(c.code).toMatch(/SNN_E_(GRAPH|SIZE)/);
    expect(c.message).toMatch(/"conv" \(Conv2d\)/);
  });

  it('on the CLI it is an snnc error (exit code 1), and no model is written', async () => {
    const g = mlpGraph(3, 3, 2);
    g.nodes!.fc1.params!.weight = f32([NaN, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3]);
    const p = await writeFixture(join(dir, 'cli-nan.nir'), g);
    expect(await main(['import', p, '-o', join(dir, 'never.snn')])).toBe(1);
    expect(existsSync(join(dir, 'never.snn'))).toBe(false);
  });
});
