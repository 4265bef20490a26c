// Graphs without readout on the backends (docs/wasm.md, docs/firmware.md "Graphs without
// readout"): a NIR graph whose Output forms no classifier (one LIF neuron, a recurrent CubaLIF
// population read by a one-neuron LI) compiles to WASM (SIMD and scalar) and to host C, and the
// compiled artifact reproduces the reference simulator bit for bit: every population's per-step
// spikes (WASM trace), the op counters, and the result, which is the output population's
// per-neuron spike counts (or final membranes). End to end through the CLI: snnc import
// --encoder direct, snnc compile, snnc sim out/model.wasm equal snnc sim model.nir step by step.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../compiler/cli/index.js';
import { sim } from '../../compiler/api/sim.js';
import { readNirModel } from '../../compiler/frontend/nir/import.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate, type StepsInput } from '../../runtime/reference.js';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { emitC } from '../../compiler/backends/c/index.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import { outputPopulations, withOutputReadout } from '../../compiler/ir/output-readout.js';
import { graphFeatures } from '../../compiler/ir/features.js';
import { loadTarget } from '../../targets/index.js';
import type { Graph, LifNode } from '../../compiler/ir/types.js';
import { build, spawnBoard, toolGate, type ChildBoard } from '../firmware/helpers.js';
import { f32, full, i64, li, lif, randArray, tmp, writeFixture, type FNode } from './fixtures.js';
import { referenceTrace, spikeTrains } from './direct-fixtures.js';

const dir = tmp();
let k = 0;
const nir = async (g: FNode) => writeFixture(join(dir, `g${k++}.nir`), g);
const csv = (rows: number[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';
async function codeOf(f: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await f();
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e), message: (e as Error).message };
  }
  return { code: 'no error', message: '' };
}
afterEach(() => vi.restoreAllMocks());

/** Input(1) -> Linear -> LIF(1) -> Output(1). */
const oneLif = (): FNode => ({
  type: 'NIRGraph',
  nodes: {
    input: { type: 'Input', params: { shape: i64([1]) } },
    fc: { type: 'Linear', params: { weight: f32([0.45], [1, 1]) } },
    lif: lif(1, { tau: 2e-3, thr: 1 }),
    output: { type: 'Output', params: { shape: i64([1]) } },
  },
  edges: [
    ['input', 'fc'],
    ['fc', 'lif'],
    ['lif', 'output'],
  ],
});

/**
 * Input(din) -> Linear -> CubaLIF(n) <-> Linear (recurrent); the Output reads the CubaLIF
 * (`all`: n neurons, a classifier the test strips), or, through a Linear, one LI neuron (`li`)
 * or one CubaLIF neuron (`cuba1`).
 */
function cubaRecurrent(din: number, n: number, seed: number, out: 'all' | 'li' | 'cuba1' = 'all'): FNode {
  const dt = 1e-4;
  const cuba = (m: number, thr: number): FNode => ({
    type: 'CubaLIF',
    params: { tau_syn: full(m, 1e-3), tau_mem: full(m, 2e-3), r: full(m, 2e-3 / dt), w_in: full(m, 1e-3 / dt), v_leak: full(m, 0), v_threshold: full(m, thr), v_reset: full(m, 0) },
  });
  const g: FNode = {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', params: { shape: i64([din]) } },
      fc: { type: 'Linear', params: { weight: f32(randArray(n * din, seed, 1.2).map((x) => Math.abs(x)), [n, din]) } },
      cuba: cuba(n, 1),
      rec: { type: 'Linear', params: { weight: f32(randArray(n * n, seed + 1, 0.4), [n, n]) } },
      output: { type: 'Output', params: { shape: i64([out === 'all' ? n : 1]) } },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'cuba'],
      ['cuba', 'rec'],
      ['rec', 'cuba'],
    ],
  };
  if (out === 'all') g.edges!.push(['cuba', 'output']);
  else {
    g.nodes!.ro = { type: 'Linear', params: { weight: f32(randArray(n, seed + 2, 0.8).map((x) => (out === 'cuba1' ? Math.abs(x) : x)), [1, n]) } };
    g.nodes!.last = out === 'li' ? li(1, { tau: 3e-3 }) : cuba(1, 0.5);
    g.edges!.push(['cuba', 'ro'], ['ro', 'last'], ['last', 'output']);
  }
  return g;
}

/** The imported graph (direct input, no readout) after the pass pipeline. */
async function lowered(g: FNode, T: number, bits: number, weightBits: 8 | 16, strip = false): Promise<Graph> {
  const { model } = await readNirModel(await nir(g), { encoder: 'direct', bits, timesteps: T, readout: 'optional' });
  // an Output of several neurons forms a classifier: `strip` takes its readout away (the IR's graph without readout)
  const graph = strip ? { ...model.graph, nodes: model.graph.nodes.filter((n) => n.kind !== 'readout') } : model.graph;
  expect(graph.nodes.some((n) => n.kind === 'readout')).toBe(false);
  return runPipeline(graph, { weightBits }).graph;
}

/** What the compiled graph must answer: per output neuron its spike count, or its final membrane (non-spiking). */
function outputScores(g: Graph, x: StepsInput): number[] {
  const out = outputPopulations(g)[0];
  let last: number[] = [];
  const counts = new Array<number>(out.channels).fill(0);
  simulate(g, x, 'integer', {
    afterStep: (_t, id, v, spikes) => {
      if (id !== out.id) return;
      spikes.forEach((s, j) => (counts[j] += s));
      last = Array.from(v);
    },
  });
  return out.spiking === false ? last : counts;
}

/** The reference's integer membranes and currents per population and step. */
function referenceState(g: Graph, x: StepsInput): { v: Map<string, number[][]>; i: Map<string, number[][] | undefined> } {
  const v = new Map<string, number[][]>();
  const i = new Map<string, number[][] | undefined>();
  for (const n of g.nodes) if (n.kind === 'lif') (v.set(n.id, []), i.set(n.id, n.synBeta !== undefined ? [] : undefined));
  simulate(g, x, 'integer', {
    afterStep: (_t, id, vv, _s, cur) => {
      v.get(id)!.push(Array.from(vv));
      if (cur) i.get(id)!.push(Array.from(cur));
    },
  });
  return { v, i };
}

const CASES = [
  { name: 'one LIF neuron, 0/1 spikes, int8', graph: oneLif, dim: 1, bits: 1, weightBits: 8 as const, T: 60 },
  { name: 'recurrent CubaLIF (5), no readout, counts 0..3, int16', graph: () => cubaRecurrent(3, 5, 4), strip: true, dim: 3, bits: 2, weightBits: 16 as const, T: 40 },
  { name: 'recurrent CubaLIF (6) -> one CubaLIF neuron, int8', graph: () => cubaRecurrent(4, 6, 9, 'cuba1'), dim: 4, bits: 1, weightBits: 8 as const, T: 40 },
  { name: 'recurrent CubaLIF (6) -> one LI neuron (membrane), int16', graph: () => cubaRecurrent(4, 6, 9, 'li'), dim: 4, bits: 1, weightBits: 16 as const, T: 40 },
];

describe('graphs without readout on the backends', () => {
  it.each(CASES)('WASM (SIMD and scalar): $name, bit-exact per step with the reference', async (c) => {
    const g = await lowered(c.graph(), c.T, c.bits, c.weightBits, c.strip);
    expect(graphFeatures(g).has('no-readout')).toBe(true);
    const inputs = spikeTrains(12, c.T, c.dim, 2 ** c.bits - 1, 40 + c.dim, 0.5);
    const gr = withOutputReadout(g);
    let spikes = 0;
    for (const simd of [true, false]) {
      const em = emitWasm(g, { name: 'nr', classes: [], float32Bytes: 0 }, { simd });
      const out = outputPopulations(g)[0];
      expect(em.info.readout).toMatchObject({ from: out.id, classes: out.channels, population: 1 });
      expect(em.info.classes).toEqual(Array.from({ length: out.channels }, (_, j) => `${out.id}[${j}]`));
      expect(em.info.extra).toMatchObject({ outputReadout: { from: out.id, neurons: out.channels } });
      const model = await loadArtifact(em.wasm);
      for (const [i, x] of inputs.entries()) {
        const { result, spikes: trace, v, i: cur } = model.inferTraced(x);
        const want = simulate(gr, x, 'integer');
        expect(result, `${simd ? 'SIMD' : 'scalar'} input ${i}`).toEqual(want);
        expect(result.scores).toEqual(outputScores(g, x));
        expect(result.ops).toEqual(simulate(g, x, 'integer').ops);
        const ref = referenceTrace(g, x);
        model.meta.populations.forEach((p, l) => expect(trace[l].map((s) => [...s].sort((a, b) => a - b)), `${p.id} input ${i}`).toEqual(ref.get(p.id)));
        // the state trace: every population's membranes (and currents) at the end of every step
        const st = referenceState(g, x);
        model.meta.populations.forEach((p, l) => {
          expect(v![l].map((row) => Array.from(row)), `v of ${p.id}, input ${i}`).toEqual(st.v.get(p.id));
          expect(cur![l]?.map((row) => Array.from(row)), `i of ${p.id}, input ${i}`).toEqual(st.i.get(p.id));
        });
        spikes += want.ops.spikes;
      }
    }
    expect(spikes).toBeGreaterThan(0);
  });

  const gate = toolGate(['gcc']);
  describe.skipIf(gate.skip)('host C (gcc)', () => {
    const boards: ChildBoard[] = [];
    afterAll(async () => {
      for (const b of boards) await b.stop();
    });
    it.each(CASES)('$name: scores (output neurons), every counter and per-population spikes equal the reference', async (c) => {
      const g = await lowered(c.graph(), c.T, c.bits, c.weightBits, c.strip);
      const graph = withOutputReadout(g);
      const { fw, emitted } = build(g, 'host-c', 'spikes', `nr${c.dim}${c.bits}${c.weightBits}`);
      expect(emitted.plan.readout).toMatchObject({ from: outputPopulations(g)[0].id, population: 1 });
      const b = await spawnBoard(fw.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 10000 });
      boards.push(b);
      let spikes = 0;
      for (const [i, x] of spikeTrains(15, c.T, c.dim, 2 ** c.bits - 1, 70 + c.dim, 0.5).entries()) {
        const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(x);
        const want = simulate(graph, x, 'integer');
        expect(got, `input ${i}`).toEqual(want);
        expect(got.scores).toEqual(outputScores(g, x));
        spikes += want.ops.spikes;
      }
      expect(spikes).toBeGreaterThan(0);
    });
  });

  it('a graph with several output populations (an Output split by per-neuron tau) is refused, naming them', async () => {
    const g = oneLif();
    g.nodes!.fc = { type: 'Linear', params: { weight: f32([0.5, 0.7], [2, 1]) } };
    g.nodes!.lif = { type: 'LIF', params: { tau: f32([1e-3, 3e-3]), r: f32([10, 30]), v_leak: full(2, 0), v_threshold: full(2, 1), v_reset: full(2, 0) } };
    g.nodes!.output = { type: 'Output', params: { shape: i64([2]) } };
    const gi = await lowered(g, 20, 1, 8);
    expect(outputPopulations(gi).map((p: LifNode) => p.id)).toEqual(['lif.b0', 'lif.b1']);
    for (const f of [() => emitWasm(gi, { name: 'x', classes: [], float32Bytes: 0 }), () => emitC(gi, loadTarget('host-c'))]) {
      const e = await codeOf(f);
      expect(e.code).toBe('SNN_E_BACKEND');
      expect(e.message).toContain('2 output populations (lif.b0, lif.b1)');
    }
    // the reference still simulates it (snnc sim)
    expect(simulate(gi, { steps: Array.from({ length: 20 }, () => [1]) }).label).toBe(-1);
  });

  it('a classifier graph keeps its readout (withOutputReadout is the identity)', async () => {
    const g: Graph = {
      timesteps: 4,
      stage: 'float',
      passes: [],
      nodes: [
        { kind: 'vector', id: 'x', dim: 2 },
        { kind: 'encoder', id: 'e', from: 'x', scheme: 'rate', bits: 8, seed: 0 },
        { kind: 'dense', id: 'd', from: 'e', to: 'o', inFeatures: 2, outFeatures: 2, weight: { dtype: 'f32', shape: [2, 2], data: Float32Array.from([1, 0, 0, 1]) } },
        { kind: 'lif', id: 'o', channels: 2, perPosition: false, reset: 'zero', beta: 0.5, threshold: 1 },
        { kind: 'readout', id: 'r', from: 'o', classes: 2, population: 1 },
      ],
    };
    expect(withOutputReadout(g)).toBe(g);
  });

  it('end to end: snnc import --encoder direct, snnc compile, snnc sim out/model.wasm = snnc sim model.nir, step by step', async () => {
    for (const [name, g, dim] of [
      ['lif', oneLif(), 1],
      ['cuba', cubaRecurrent(3, 5, 11, 'cuba1'), 3],
    ] as const) {
      const file = await nir(g);
      const snn = join(dir, `${name}.snn`);
      const out = join(dir, `out-${name}`);
      const printed: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((s) => (printed.push(String(s)), true));
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => (printed.push(String(s)), true));
      expect(await main(['import', file, '--encoder', 'direct', '--timesteps', '50', '-o', snn])).toBe(0);
      expect(printed.join('')).toContain('no classifier readout');
      expect(await main(['compile', snn, '-o', out]), printed.join('')).toBe(0);
      const r = (() => {
        let s = 7 + dim;
        return () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
      })();
      const rows = Array.from({ length: 50 }, () => Array.from({ length: dim }, () => (r() < 0.45 ? 1 : 0)));
      const x = join(dir, `${name}.csv`);
      writeFileSync(x, csv(rows));
      const art = await sim(join(out, 'model.wasm'), { input: x });
      const ref = await sim(file, { input: x });
      expect(art.steps).toBe(50);
      expect(art.integer.populations.map((p) => [p.id, p.spikes])).toEqual(ref.integer.populations.map((p) => [p.id, p.spikes]));
      // membranes and currents from the artifact too (--record v,i), equal to the reference run
      const state = await sim(join(out, 'model.wasm'), { input: x, record: 'spikes,v,i' });
      expect(state.integer.populations.map((p) => [p.id, p.v, p.i])).toEqual(ref.integer.populations.map((p) => [p.id, p.v, p.i]));
      expect(state.integer.populations.some((p) => p.v!.flat().some((u) => u !== 0))).toBe(true);
      if (name === 'cuba') expect(state.integer.populations.every((p) => p.i !== undefined)).toBe(true);
      expect(art.integer.ops).toEqual(ref.integer.ops);
      expect(art.integer.label).toBeUndefined();
      expect(ref.integer.ops.spikes).toBeGreaterThan(0);
      expect(await main(['sim', join(out, 'model.wasm'), '--input', x])).toBe(0);
      // the C firmware's sources for the same model: one "class", the output neuron
      const dep = join(dir, `dep-${name}`);
      expect(await main(['deploy', snn, '--target', 'host-c', '-o', dep, '--no-build']), printed.join('')).toBe(0);
      expect(readFileSync(join(dep, 'model.h'), 'utf8')).toMatch(/#define SNN_CLASSES 1\b/);
      // snnc compile of the .nir file itself (its rate input by default) also compiles without readout
      expect(await main(['compile', file, '-o', join(dir, `out-nir-${name}`)]), printed.join('')).toBe(0);
      expect(printed.join('')).toMatch(/compiled g\d+\.nir ->/);
      vi.restoreAllMocks();
    }
  });
});
