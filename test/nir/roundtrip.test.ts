// NIR export -> import round trip (identical integer outputs), export refusals, and the CLI rows
// (`snnc import`, `snnc export`, `snnc compile model.nir`).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { exportNir, readNirModel } from '../../compiler/frontend/nir/import.js';
import { randomVectors } from '../../compiler/api/calibrate.js';
import { writeNirFile } from '../../compiler/frontend/nir/hdf5.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { main } from '../../compiler/cli.js';
import { compile } from '../../compiler/api.js';
import type { Graph, Model, Node } from '../../compiler/ir/types.js';
import { randomTokens, rng, tinyTextCnn } from '../helpers/tiny-model.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';
import { mlpGraph, randArray, tmp, writeFixture } from './fixtures.js';

const dir = tmp();

function vectorModel(): Model {
  const w = (i: number, o: number, seed: number) => ({ dtype: 'f32' as const, shape: [i, o], data: Float32Array.from(randArray(i * o, seed, 0.8)) });
  const nodes: Node[] = [
    { kind: 'vector', id: 'x', dim: 8 },
    { kind: 'encoder', id: 'encoder', from: 'x', scheme: 'rate', bits: 4, seed: 0 },
    { kind: 'dense', id: 'd1', from: 'encoder', to: 'h', inFeatures: 8, outFeatures: 6, weight: w(8, 6, 1) },
    { kind: 'dense', id: 'r1', from: 'h', to: 'h', inFeatures: 6, outFeatures: 6, weight: w(6, 6, 2), recurrent: true },
    { kind: 'lif', id: 'h', channels: 6, perPosition: false, reset: 'subtract', beta: 0.875, threshold: 0.6 },
    { kind: 'dense', id: 'd2', from: 'h', to: 'o', inFeatures: 6, outFeatures: 6, weight: w(6, 6, 3) },
    { kind: 'lif', id: 'o', channels: 6, perPosition: false, reset: 'zero', beta: 1, threshold: 0.9 },
    { kind: 'readout', id: 'readout', from: 'o', classes: 3, population: 2 },
  ];
  const graph: Graph = { timesteps: 12, nodes, stage: 'float', passes: [] };
  return { meta: { name: 'vec', family: 'mlp', classes: ['a', 'b', 'c'] }, graph };
}

describe('NIR export', () => {
  it('export -> import gives identical integer outputs', async () => {
    const m = vectorModel();
    for (const gzip of [0, 6]) {
      const p = join(dir, `rt${gzip}.nir`);
      await writeNirFile(p, exportNir(m), { gzip });
      const back = (await readNirModel(p)).model;
      expect(back.meta.classes).toEqual(['a', 'b', 'c']);
      expect(back.graph.timesteps).toBe(12);
      const a = runPipeline(m.graph).graph;
      const b = runPipeline(back.graph).graph;
      let fired = 0;
      for (const x of randomVectors(8, 40, 7)) {
        const ra = simulate(a, x, 'integer');
        const rb = simulate(b, x, 'integer');
        expect(rb.scores).toEqual(ra.scores);
        expect(rb.label).toBe(ra.label);
        expect(rb.ops).toEqual(ra.ops);
        fired += ra.ops.spikes;
      }
      expect(fired).toBeGreaterThan(0);
    }
  });

  it('node ids named like the reserved Input / Output are renamed in NIR and restored by the import', async () => {
    const m = vectorModel();
    const rename: Record<string, string> = { h: 'input', o: 'output', d2: 'output_1', x: 'vec' };
    const re = (id: string) => rename[id] ?? id;
    m.graph.nodes = m.graph.nodes.map((n) => ({ ...n, id: re(n.id), ...('from' in n ? { from: re(n.from) } : {}), ...('to' in n ? { to: re(n.to) } : {}) }) as Node);
    const file = exportNir(m);
    const nodes = file.graph.nodes!;
    expect(nodes.input.type).toBe('Input');
    expect(nodes.output.type).toBe('Output');
    expect(Object.values(nodes).filter((n) => n.type === 'LIF' || n.type === 'IF')).toHaveLength(2);
    // every edge joins two existing nodes, and only the Output has no successor
    for (const [a, b] of file.graph.edges!) expect([nodes[a] !== undefined, nodes[b] !== undefined]).toEqual([true, true]);
    const p = join(dir, 'reserved.nir');
    await writeNirFile(p, file);
    const back = (await readNirModel(p)).model;
    expect(back.graph.nodes.map((n) => [n.kind, n.id])).toEqual(m.graph.nodes.map((n) => [n.kind, n.id]));
    const a = runPipeline(m.graph).graph;
    const b = runPipeline(back.graph).graph;
    for (const x of randomVectors(8, 20, 3)) expect(simulate(b, x, 'integer').scores).toEqual(simulate(a, x, 'integer').scores);
  });

  it('a text model with leaky populations and zero reset round-trips (docs/nir.md "Text models")', async () => {
    const m = tinyTextCnn({ beta: 0.875, reset: 'zero', maxLen: 10 });
    const p = join(dir, 'text-lif.nir');
    await writeNirFile(p, exportNir(m));
    const back = (await readNirModel(p)).model;
    const a = runPipeline(m.graph).graph;
    const b = runPipeline(back.graph).graph;
    expect(b.nodes.map((n) => [n.kind, n.id, n.kind === 'lif' ? [n.leakShifts, n.threshold, n.reset] : []])).toEqual(a.nodes.map((n) => [n.kind, n.id, n.kind === 'lif' ? [n.leakShifts, n.threshold, n.reset] : []]));
    const r = rng(5);
    let spikes = 0;
    for (let i = 0; i < 30; i++) {
      const x = { tokens: randomTokens(r, 40, 10).slice(0, 10) };
      const ra = simulate(a, x, 'integer');
      expect(simulate(b, x, 'integer')).toEqual(ra);
      spikes += ra.ops.spikes;
    }
    expect(spikes).toBeGreaterThan(0);
    // the text block, not options, sets a text model's T, encoder and classes
    expect(await main(['import', p, '-o', join(dir, 'text-lif.snn'), '--timesteps', '4'])).toBe(2);
    // snnc sim steps the standard-node body: a [dim, L] spike train per step
    const csv = join(dir, 'text-body.csv');
    const r2 = rng(9);
    writeFileSync(csv, Array.from({ length: 12 }, () => Array.from({ length: 12 * 10 }, () => (r2() < 0.3 ? 1 : 0)).join(',')).join('\n') + '\n');
    expect(await main(['sim', p, '--input', csv, '-o', join(dir, 'text-body.json')])).toBe(0);
    const tr = JSON.parse(readFileSync(join(dir, 'text-body.json'), 'utf8'));
    expect(JSON.stringify(tr)).toMatch(/lif3/);
  });

  it('refuses poisson encoders (vector and text models) with a clear message', () => {
    expect(() => exportNir(tinyTextCnn({ scheme: 'poisson' }))).toThrow(/SNN_E_USAGE.*poisson/);
    // a scan model runs its scans as NIR time: one step per position, so T must be 1
    expect(() => exportNir(tinyBisnn({ timesteps: 2 }))).toThrow(/SNN_E_USAGE.*T = 1/);
    const m = vectorModel();
    m.graph.nodes[1] = { ...m.graph.nodes[1], scheme: 'poisson' } as Node;
    expect(() => exportNir(m)).toThrow(/SNN_E_USAGE.*poisson/);
  });
});

describe('NIR CLI', () => {
  it('snnc import writes a .snn model; snnc export writes a .nir file; compile takes .nir', async () => {
    const nir = await writeFixture(join(dir, 'cli.nir'), mlpGraph(5, 4, 2), { gzip: true });
    const snn = join(dir, 'cli.snn');
    expect(await main(['import', nir, '-o', snn, '--timesteps', '16', '--classes', 'neg,pos', '--calibrate', '16', '--json'])).toBe(0);
    expect(existsSync(snn)).toBe(true);
    const out = join(dir, 'back.nir');
    expect(await main(['export', snn, '-o', out, '--json'])).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(await main(['import', join(dir, 'nope.nir'), '-o', snn])).toBe(2);
    const text = join(dir, 'text.snn');
    writeModelFile(text, tinyTextCnn());
    expect(await main(['export', text, '-o', join(dir, 'text.nir'), '--json'])).toBe(0);
    expect(existsSync(join(dir, 'text.nir'))).toBe(true);
    writeModelFile(text, tinyTextCnn({ scheme: 'poisson' }));
    expect(await main(['export', text, '-o', join(dir, 'text-poisson.nir')])).toBe(2);
    expect(existsSync(join(dir, 'text-poisson.nir'))).toBe(false);
    const c = await compile(nir, { out: join(dir, 'compiled') });
    expect(c.report.model.family).toBe('nir');
    expect(existsSync(c.wasmPath!)).toBe(true);
  });
});
