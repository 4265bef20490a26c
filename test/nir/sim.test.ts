// snnc sim: per-step traces of NIR graphs with no readout (one LIF neuron, a recurrent CubaLIF
// population), spike-train inputs, per-neuron tau split into groups, and every bad input file
// with its stable code. Expected traces come from recurrences written here from the NIR
// equations and docs/nir.md's time bridge, not from snnc.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../compiler/cli/index.js';
import { sim, type SimOutcome } from '../../compiler/api/sim.js';
import { readNirModel } from '../../compiler/frontend/nir/import.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { metaFor } from '../wasm/graphs.js';
import type { LifNode } from '../../compiler/ir/types.js';
import { f32, full, i64, lif, mlpGraph, rand, randArray, tmp, writeFixture, type FNode } from './fixtures.js';

const dir = tmp();
let k = 0;
const file = (name: string, text: string) => {
  const p = join(dir, `${k++}-${name}`);
  writeFileSync(p, text);
  return p;
};
const nir = async (g: FNode) => writeFixture(join(dir, `g${k++}.nir`), g);
async function codeOf(f: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await f();
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e), message: (e as Error).message };
  }
  return { code: 'no error', message: '' };
}

/** Input(1) -> Linear([[w]]) -> LIF(1) -> Output(1): one neuron, no classifier. */
function oneLif(w: number, tau: number, thr: number): FNode {
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', params: { shape: i64([1]) } },
      fc: { type: 'Linear', params: { weight: f32([w], [1, 1]) } },
      lif: lif(1, { tau, thr }),
      output: { type: 'Output', params: { shape: i64([1]) } },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'lif'],
      ['lif', 'output'],
    ],
  };
}

/** Input(din) -> Linear -> CubaLIF(n) <-> Linear (recurrent) ; CubaLIF -> Output(n). */
function cubaRecurrent(din: number, n: number, o: { tauSyn: number; tauMem: number; seed: number }): FNode {
  const dt = 1e-4;
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', params: { shape: i64([din]) } },
      fc: { type: 'Linear', params: { weight: f32(randArray(n * din, o.seed, 1.2).map((x) => Math.abs(x)), [n, din]) } },
      cuba: {
        type: 'CubaLIF',
        params: { tau_syn: full(n, o.tauSyn), tau_mem: full(n, o.tauMem), r: full(n, o.tauMem / dt), w_in: full(n, o.tauSyn / dt), v_leak: full(n, 0), v_threshold: full(n, 1), v_reset: full(n, 0) },
      },
      rec: { type: 'Linear', params: { weight: f32(randArray(n * n, o.seed + 1, 0.4), [n, n]) } },
      output: { type: 'Output', params: { shape: i64([n]) } },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'cuba'],
      ['cuba', 'rec'],
      ['rec', 'cuba'],
      ['cuba', 'output'],
    ],
  };
}

function spikeTrain(steps: number, width: number, p: number, seed: number): number[][] {
  const r = rand(seed);
  return Array.from({ length: steps }, () => Array.from({ length: width }, () => (r() + 1) / 2 < p ? 1 : 0));
}
const csv = (rows: number[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';

afterEach(() => vi.restoreAllMocks());

describe('snnc sim', () => {
  it('runs a one-neuron LIF graph from a .nir file through the CLI and prints its trace', async () => {
    // beta = 0.9375 = 1 - 2^-4 exactly representable by one shift: the integer run then differs
    // from the float one only by weight and threshold rounding (16-bit) and the floor of the shift
    const tau = -1e-4 / Math.log(0.9375);
    const w = 0.35;
    const model = await nir(oneLif(w, tau, 1));
    const rows = spikeTrain(60, 1, 0.5, 3);
    const input = file('in.csv', 'x\n' + csv(rows));
    const out = join(dir, 'trace.json');
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (printed.push(String(s)), true));
    expect(await main(['sim', model, '--input', input, '--float', '--weight-bits', '16', '-o', out])).toBe(0);
    const text = printed.join('');
    expect(text).toContain('simulated');
    expect(text).toMatch(/lif: 1 neuron, \d+ spikes/);
    const r = JSON.parse(readFileSync(out, 'utf8')) as SimOutcome;
    expect(r.steps).toBe(60);
    // the NIR equations with docs/nir.md's bridge: beta = exp(-dt/tau), input scale r dt/tau = 1
    const beta = Math.exp(-1e-4 / Math.fround(tau));
    let v = 0;
    const spikes: number[] = [];
    const vs: number[] = [];
    for (const [x] of rows) {
      v = beta * v + Math.fround(w) * x;
      const s = v >= 1 ? 1 : 0;
      if (s) v = 0;
      spikes.push(s);
      vs.push(v);
    }
    expect(spikes.reduce((a, b) => a + b)).toBeGreaterThan(3);
    const fl = r.float!.populations[0];
    expect(fl.spikes!.map((x) => x[0])).toEqual(spikes);
    for (let t = 0; t < vs.length; t++) expect(fl.v![t][0]).toBeCloseTo(vs[t], 5);
    // integer: the membrane in float units (v * scale) within a few weight steps of the float one
    const it = r.integer.populations[0];
    const scale = it.scale;
    expect(scale).toBeCloseTo(w / 32767, 8);
    // until the runs first disagree on a spike (a membrane within rounding of the threshold)
    let first = vs.length;
    for (let t = 0; t < vs.length && first === vs.length; t++) if (it.spikes![t][0] !== spikes[t]) first = t;
    expect(first).toBeGreaterThan(40);
    // error per step <= 1 unit (floor of the shift) + 0.5 unit (weight rounding), decaying by beta
    for (let t = 0; t < first; t++) expect(Math.abs(it.v![t][0] * scale - vs[t])).toBeLessThan((1.5 / (1 - 0.9375)) * scale + 1e-6);
  });

  it('runs a CubaLIF recurrent graph: the float trace follows the NIR equations, the integer one is close', async () => {
    const dt = 1e-4;
    const tauSyn = 5e-4;
    const tauMem = 2e-3;
    const g = cubaRecurrent(2, 3, { tauSyn, tauMem, seed: 11 });
    const model = await nir(g);
    const rows = spikeTrain(80, 2, 0.3, 5);
    const input = file('in.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'));
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (printed.push(String(s)), true));
    expect(await main(['sim', model, '--input', input, '--float', '--steps', '100'])).toBe(0);
    expect(printed.join('')).toMatch(/i0/); // the synaptic current is printed
    const r = await sim(model, { input, float: true, steps: 100 });
    expect(r.steps).toBe(100);
    // independent float recurrence (docs/semantics.md "Synaptic current"): weights scaled by
    // (w_in dt / tau_syn)(r dt / tau_mem) = 1 here; i = a i + W x + R s(t-1); v = b v + i
    const a = Math.exp(-dt / tauSyn);
    const b = Math.exp(-dt / tauMem);
    const W = (g.nodes!.fc.params!.weight as { f32: number[] }).f32.map(Math.fround);
    const R = (g.nodes!.rec.params!.weight as { f32: number[] }).f32.map(Math.fround);
    const n = 3;
    const i = new Float64Array(n);
    const v = new Float64Array(n);
    let prev = new Uint8Array(n);
    const fl = r.float!.populations[0];
    let total = 0;
    for (let t = 0; t < 100; t++) {
      const x = rows[t] ?? [0, 0];
      const s = new Uint8Array(n);
      for (let j = 0; j < n; j++) {
        i[j] *= a;
        for (let q = 0; q < 2; q++) i[j] += W[j * 2 + q] * x[q];
        for (let q = 0; q < n; q++) i[j] += R[j * n + q] * prev[q];
        v[j] = b * v[j] + i[j];
        if (v[j] >= 1) {
          s[j] = 1;
          v[j] = 0;
        }
      }
      for (let j = 0; j < n; j++) {
        expect(fl.spikes![t][j]).toBe(s[j]);
        expect(fl.i![t][j]).toBeCloseTo(i[j], 5);
        expect(fl.v![t][j]).toBeCloseTo(v[j], 5);
      }
      total += s.reduce((p, q) => p + q, 0);
      prev = s;
    }
    expect(total).toBeGreaterThan(5);
    // the integer run: 2 updates per neuron and step; most spikes where the float run has them
    expect(r.integer.ops.updates).toBe(2 * n * 100);
    const si = r.integer.populations[0].spikes!.flat();
    const sf = fl.spikes!.flat();
    expect(si.filter((x, j) => x === sf[j]).length / sf.length).toBeGreaterThan(0.9);
  });

  it('splits a population by per-neuron tau into groups of equal beta, same dynamics per neuron', async () => {
    const taus = [1e-3, 3e-3, 1e-3, 3e-3];
    const g = mlpGraph(2, 4, 2, 7);
    g.nodes!.lif1 = { type: 'LIF', params: { tau: f32(taus), r: f32(taus.map((t) => t / 1e-4)), v_leak: full(4, 0), v_threshold: full(4, 1) } };
    const model = await nir(g);
    const { model: m, report } = await readNirModel(model, { encoder: 'direct' });
    const pops = m.graph.nodes.filter((n): n is LifNode => n.kind === 'lif');
    expect(pops.map((p) => p.id)).toEqual(['lif1.b0', 'lif1.b1', 'lif2']);
    expect(report.populations.lif1).toEqual([
      { id: 'lif1.b0', neurons: [0, 2] },
      { id: 'lif1.b1', neurons: [1, 3] },
    ]);
    expect(pops[0].beta).toBeCloseTo(Math.exp(-0.1), 6);
    expect(pops[1].beta).toBeCloseTo(Math.exp(-1 / 30), 6);
    // a classifier still: the readout reads lif2, which is not split
    expect(m.graph.nodes.some((n) => n.kind === 'readout')).toBe(true);
    // float dynamics of every hidden neuron = its own recurrence with its own beta
    const rows = spikeTrain(50, 2, 0.6, 9);
    const r = await sim(model, { input: file('in.json', JSON.stringify(rows)), float: true, pop: 'lif1' });
    expect(r.float!.populations.map((p) => p.id)).toEqual(['lif1.b0', 'lif1.b1']);
    const W = (g.nodes!.fc1.params!.weight as { f32: number[] }).f32.map(Math.fround);
    const v = new Float64Array(4);
    for (let t = 0; t < 50; t++) {
      for (let j = 0; j < 4; j++) {
        v[j] = Math.exp(-1e-4 / Math.fround(taus[j])) * v[j] + W[j * 2] * rows[t][0] + W[j * 2 + 1] * rows[t][1];
        const s = v[j] >= 1 ? 1 : 0;
        if (s) v[j] = 0;
        const part = r.float!.populations.find((p) => p.nir!.neurons.includes(j))!;
        const col = part.nir!.neurons.indexOf(j);
        expect(part.spikes![t][col]).toBe(s);
        expect(part.v![t][col]).toBeCloseTo(v[j], 4);
      }
    }
  });

  it('splits a recurrent CubaLIF population by tau_syn: recurrent synapses between every pair of groups, exact per neuron', async () => {
    const dt = 1e-4;
    const tauSyn = [5e-4, 1e-3, 5e-4];
    const tauMem = 2e-3;
    const g = cubaRecurrent(2, 3, { tauSyn: 5e-4, tauMem, seed: 13 });
    g.nodes!.cuba.params!.tau_syn = f32(tauSyn);
    g.nodes!.cuba.params!.w_in = f32(tauSyn.map((t) => t / dt));
    const model = await nir(g);
    const { model: m } = await readNirModel(model, { encoder: 'direct', readout: 'optional' });
    const rec = m.graph.nodes.filter((n) => n.kind === 'dense' && n.recurrent).map((n) => (n.kind === 'dense' ? `${n.from}->${n.to}` : ''));
    expect(rec.sort()).toEqual(['cuba.b0->cuba.b0', 'cuba.b0->cuba.b1', 'cuba.b1->cuba.b0', 'cuba.b1->cuba.b1']);
    expect(m.graph.nodes.some((n) => n.kind === 'readout')).toBe(false);
    const rows = spikeTrain(80, 2, 0.35, 17);
    const r = await sim(model, { input: file('in.csv', csv(rows)), float: true });
    const W = (g.nodes!.fc.params!.weight as { f32: number[] }).f32.map(Math.fround);
    const R = (g.nodes!.rec.params!.weight as { f32: number[] }).f32.map(Math.fround);
    const b = Math.exp(-dt / Math.fround(tauMem));
    const i = new Float64Array(3);
    const v = new Float64Array(3);
    let prev = new Uint8Array(3);
    let total = 0;
    for (let t = 0; t < 80; t++) {
      const s = new Uint8Array(3);
      for (let j = 0; j < 3; j++) {
        i[j] = Math.exp(-dt / Math.fround(tauSyn[j])) * i[j];
        for (let q = 0; q < 2; q++) i[j] += W[j * 2 + q] * rows[t][q];
        for (let q = 0; q < 3; q++) i[j] += R[j * 3 + q] * prev[q];
        v[j] = b * v[j] + i[j];
        if (v[j] >= 1) {
          s[j] = 1;
          v[j] = 0;
        }
        const part = r.float!.populations.find((p) => p.nir!.neurons.includes(j))!;
        const col = part.nir!.neurons.indexOf(j);
        expect(part.spikes![t][col]).toBe(s[j]);
        expect(part.i![t][col]).toBeCloseTo(i[j], 4);
        expect(part.v![t][col]).toBeCloseTo(v[j], 4);
      }
      total += s.reduce((x, y) => x + y, 0);
      prev = s;
    }
    expect(total).toBeGreaterThan(3);
  });

  it('keeps classifier graphs working (rate input, label) and refuses a 1-neuron output on import with a pointer to sim', async () => {
    const model = await nir(mlpGraph(3, 4, 2, 2));
    const rows = [[0.2, 0.9, 0.5]];
    const r = await sim(model, { input: file('in.csv', csv(rows)), encoder: 'rate', steps: 16 });
    expect(r.integer.label).toBeGreaterThanOrEqual(0);
    expect(r.encoder).toBe('rate (8 bits)');
    const one = await codeOf(() => readNirModel(model.replace(/g\d+/, 'x'), {}));
    expect(one.code).toBe('SNN_E_USAGE'); // missing file
    const single = await nir(oneLif(0.5, 1e-3, 1));
    const refused = await codeOf(() => readNirModel(single));
    expect(refused.code).toBe('SNN_E_GRAPH');
    expect(refused.message).toContain('snnc sim');
  });

  it('runs a .snn classifier with its rate encoder: constant rows give the one-vector inference exactly', async () => {
    const { model } = await readNirModel(await nir(mlpGraph(4, 5, 3, 4)), { timesteps: 24 });
    const snn = join(dir, 'm.snn');
    writeModelFile(snn, model);
    const x = [0.9, 0.1, 0.6, 0.35];
    const r = await sim(snn, { input: file('c.csv', csv(Array.from({ length: 24 }, () => x))) });
    const ref = simulate(runPipeline(model.graph).graph, { vector: x });
    expect(r.integer.label).toBe(ref.label);
    expect(r.integer.ops).toEqual(ref.ops);
    expect(r.integer.populations.map((p) => p.spikes!.flat().reduce((a, b) => a + b, 0))).toEqual(ref.layerSpikes);
    expect(ref.ops.spikes).toBeGreaterThan(0);
    // a .snn model keeps its encoder
    expect((await codeOf(() => sim(snn, { input: file('d.csv', '1,0,1,0\n'), encoder: 'direct' }))).code).toBe('SNN_E_USAGE');
  });

  it('snnc sim out/model.wasm: the artifact spike trace equals the reference run of its model, step by step (CubaLIF)', async () => {
    const dt = 1e-4;
    const g = mlpGraph(4, 6, 2, 8);
    g.nodes!.lif1 = { type: 'CubaLIF', params: { tau_syn: full(6, 1e-3), tau_mem: full(6, 2e-3), r: full(6, 2e-3 / dt), w_in: full(6, 1e-3 / dt), v_leak: full(6, 0), v_threshold: full(6, 0.6), v_reset: full(6, 0) } };
    const { model } = await readNirModel(await nir(g), { timesteps: 30 });
    const snn = join(dir, 'c.snn');
    writeModelFile(snn, model);
    const graph = runPipeline(model.graph).graph;
    const wasmPath = join(dir, 'c.wasm');
    writeFileSync(wasmPath, emitWasm(graph, metaFor(graph)).wasm);
    const x = [0.8, 0.3, 0.95, 0.6];
    const one = file('one.csv', csv([x]));
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (printed.push(String(s)), true));
    expect(await main(['sim', wasmPath, '--input', one])).toBe(0);
    expect(printed.join('')).toContain('lif1: 6 neurons');
    const art = await sim(wasmPath, { input: one });
    const ref = await sim(snn, { input: file('rows.csv', csv(Array.from({ length: 30 }, () => x))) });
    expect(art.integer.populations.map((p) => p.spikes)).toEqual(ref.integer.populations.map((p) => p.spikes));
    expect(art.integer.ops).toEqual(ref.integer.ops);
    expect(art.integer.label).toBe(ref.integer.label);
    expect(ref.integer.ops.spikes).toBeGreaterThan(0);
    // what an artifact cannot do, each a usage error
    for (const o of [{ record: 'spikes,v' }, { float: true }, { steps: 12 }, { encoder: 'direct' }]) expect((await codeOf(() => sim(wasmPath, { input: one, ...o }))).code).toBe('SNN_E_USAGE');
    const varying = await codeOf(() => sim(wasmPath, { input: file('two.csv', csv([x, [0, 0, 0, 0]])) }));
    expect(varying.code).toBe('SNN_E_USAGE');
    expect(varying.message).toContain('row 2 differs');
    expect((await codeOf(() => sim(join(dir, 'none.wasm'), { input: one }))).code).toBe('SNN_E_ARTIFACT');
  });

  it('snnc sim out/model.wasm on a spike-train (direct input) artifact: per-step rows, equal to the reference step by step', async () => {
    const { model } = await readNirModel(await nir(mlpGraph(4, 6, 2, 9)), { timesteps: 20, encoder: 'direct' });
    expect(model.graph.nodes.find((n) => n.kind === 'encoder')).toMatchObject({ scheme: 'direct' });
    const snn = join(dir, 'd.snn');
    writeModelFile(snn, model);
    const graph = runPipeline(model.graph).graph;
    const wasmPath = join(dir, 'd.wasm');
    writeFileSync(wasmPath, emitWasm(graph, metaFor(graph)).wasm);
    const r = rand(31);
    const rows = Array.from({ length: 14 }, () => Array.from({ length: 4 }, (): number => (r() > 0.2 ? 1 : 0)));
    // 14 rows: the artifact runs its 20 steps, zeros after; the model runs --steps 20 the same way
    const art = await sim(wasmPath, { input: file('spk.csv', csv(rows)) });
    const ref = await sim(snn, { input: file('spk.csv', csv(rows)), steps: 20 });
    expect(art.steps).toBe(20);
    expect(art.integer.populations.map((p) => p.spikes)).toEqual(ref.integer.populations.map((p) => p.spikes));
    expect(art.integer.ops).toEqual(ref.integer.ops);
    expect(art.integer.label).toBe(ref.integer.label);
    expect(ref.integer.ops.spikes).toBeGreaterThan(0);
    expect(art.integer.ops.inputSpikes).toBe(rows.flat().reduce((a, b) => a + b, 0));
    const long = await codeOf(() => sim(wasmPath, { input: file('long.csv', csv(Array.from({ length: 21 }, () => [1, 0, 1, 0]))) }));
    expect(long.code).toBe('SNN_E_USAGE');
    expect(long.message).toContain('21 rows');
    expect((await codeOf(() => sim(wasmPath, { input: file('frac.csv', csv([[0.5, 0, 0, 0]])) }))).code).toBe('SNN_E_INPUT');
  });

  it('bad input files: width mismatch, empty, NaN, non-count spikes, bad JSON; each a stable code naming the line', async () => {
    const model = await nir(oneLif(0.5, 1e-3, 1));
    const wide = await codeOf(() => sim(model, { input: file('w.csv', '1\n0,1\n') }));
    expect(wide.code).toBe('SNN_E_DATA');
    expect(wide.message).toContain('line 2');
    expect(wide.message).toContain("input has 1");
    expect((await codeOf(() => sim(model, { input: file('e.csv', '') }))).code).toBe('SNN_E_DATA');
    expect((await codeOf(() => sim(model, { input: file('e.json', '[]') }))).code).toBe('SNN_E_DATA');
    const nan = await codeOf(() => sim(model, { input: file('n.csv', '1\nNaN\n0\n') }));
    expect(nan.code).toBe('SNN_E_DATA');
    expect(nan.message).toContain('line 2');
    const nanJson = await codeOf(() => sim(model, { input: file('n.jsonl', '[1]\n[null]\n') }));
    expect(nanJson.code).toBe('SNN_E_DATA');
    expect(nanJson.message).toContain('line 2');
    expect((await codeOf(() => sim(model, { input: file('b.json', '[[1],') }))).code).toBe('SNN_E_DATA');
    const count = await codeOf(() => sim(model, { input: file('c.csv', '1\n0.5\n') }));
    expect(count.code).toBe('SNN_E_INPUT');
    expect(count.message).toContain('integer counts 0..1');
    // counts above 1 with more input bits
    const r = await sim(model, { input: file('c3.csv', '3\n0\n2\n'), bits: 2 });
    expect(r.integer.populations[0].spikes!.length).toBe(3);
    expect((await codeOf(() => sim(model, {}))).code).toBe('SNN_E_USAGE');
    expect((await codeOf(() => sim(model, { input: join(dir, 'none.csv') }))).code).toBe('SNN_E_USAGE');
    expect((await codeOf(() => sim(model, { input: file('ok.csv', '1\n'), record: 'spikes,q' }))).code).toBe('SNN_E_USAGE');
    // the CLI prints the code, exit status 1 (usage: 2)
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    expect(await main(['sim', model, '--input', file('w2.csv', '0,1\n')])).toBe(1);
    expect(err.join('')).toContain('SNN_E_DATA');
  });
});
