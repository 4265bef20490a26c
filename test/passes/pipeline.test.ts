// One test file for the pass pipeline: each pass, --stop-after, calibration and the golden IR.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runPipeline, PASS_ORDER } from '../../compiler/passes/pipeline.js';
import { runCalibratedPipeline } from '../../compiler/api/calibrate.js';
import { leakShifts, quantize, roundSym } from '../../compiler/passes/quantize.js';
import { sparsify } from '../../compiler/passes/sparsify.js';
import { tableBytes } from '../../core/tables.js';
import { packEmbeddings } from '../../compiler/passes/pack-embeddings.js';
import { printGraph } from '../../compiler/ir/print.js';
import { simulate } from '../../runtime/reference.js';
import { randomTokens, rng, tinyTextCnn } from '../helpers/tiny-model.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';

const golden = join(import.meta.dirname, '..', 'golden', 'tiny.ir.txt');

describe('pass pipeline', () => {
  const model = tinyTextCnn();
  const r = rng(99);
  const inputs = Array.from({ length: 60 }, () => ({ tokens: randomTokens(r, 40, 16) }));

  it('stops after any pass and records the passes run', () => {
    PASS_ORDER.forEach((p, i) => {
      const g = runPipeline(model.graph, { stopAfter: p }).graph;
      expect(g.passes).toEqual(PASS_ORDER.slice(0, i + 1));
    });
    expect(() => runPipeline(model.graph, { stopAfter: 'fold' as never })).toThrow(/SNN_E_PASS/);
  });

  it('matches the golden IR text of the tiny model (UPDATE_GOLDEN=1 to rewrite)', () => {
    const text = printGraph(runPipeline(model.graph).graph);
    if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
    // and the golden graph runs: every population fires on some input
    const g = runPipeline(model.graph).graph;
    const spikes = inputs.map((x) => simulate(g, x).layerSpikes).reduce((a, b) => a.map((v, i) => v + b[i]));
    for (const s of spikes) expect(s).toBeGreaterThan(0);
  });

  it('quantize folds one scale per population into an integer threshold', () => {
    const q = quantize(packEmbeddings(model.graph).graph).graph;
    const conv = q.nodes.find((n) => n.id === 'conv3')!;
    const lif = q.nodes.find((n) => n.id === 'lif3')!;
    if (conv.kind !== 'conv1d' || lif.kind !== 'lif' || conv.weight.dtype !== 'int') throw new Error('shape');
    const f = (model.graph.nodes.find((n) => n.id === 'conv3') as any).weight.data as Float32Array;
    const scale = conv.weight.scale;
    expect(Math.max(...Array.from(conv.weight.data, Math.abs))).toBeLessThanOrEqual(127);
    for (let i = 0; i < f.length; i++) expect(conv.weight.data[i]).toBe(Math.max(-127, Math.min(127, roundSym(f[i] / scale))));
    expect(lif.threshold).toBe(roundSym(1.0 / scale));
    expect(lif.stateBits === 16 || lif.stateBits === 32).toBe(true);
  });

  it('integer SNN agrees with the float SNN on most inputs (8-bit) and better with 16-bit', () => {
    const p8 = runCalibratedPipeline(model.graph, { calibration: { inputs } }).calibration!;
    const p16 = runCalibratedPipeline(model.graph, { weightBits: 16, calibration: { inputs } }).calibration!;
    expect(p8.checked).toBe(60);
    expect(p8.agreement).toBeGreaterThanOrEqual(0.8);
    expect(p16.agreement).toBeGreaterThanOrEqual(p8.agreement);
  });

  it('approximates beta by shifts and warns when it cannot be exact', () => {
    expect(leakShifts(1)).toEqual({ shifts: [], beta: 1 });
    expect(leakShifts(0.75)).toEqual({ shifts: [2], beta: 0.75 });
    expect(leakShifts(0.875 - 0.03125).shifts).toEqual([3, 5]);
    const leaky = tinyTextCnn({ beta: 0.9 });
    const res = runPipeline(leaky.graph);
    expect(res.warnings.some((w) => /beta 0.9 approximated/.test(w))).toBe(true);
  });

  it('proves the membrane width or refuses with SNN_E_OVERFLOW', () => {
    const long = tinyTextCnn({ timesteps: 5000 });
    expect(() => runPipeline(long.graph, { stateBits: 16 })).toThrow(/SNN_E_OVERFLOW/);
    const g = runPipeline(long.graph).graph;
    expect(g.nodes.filter((n) => n.kind === 'lif').every((n) => n.kind === 'lif' && n.stateBits === 32)).toBe(true);
  });

  it('dense and sparse layouts give identical results; only op counts and bytes differ', () => {
    const q = quantize(packEmbeddings(model.graph).graph).graph;
    const d = sparsify(q, { layout: 'dense' }).graph;
    const s = sparsify(q, { layout: 'sparse' }).graph;
    for (const x of inputs.slice(0, 20)) {
      const a = simulate(d, x);
      const b = simulate(s, x);
      expect(b.scores).toEqual(a.scores);
      expect(b.layerSpikes).toEqual(a.layerSpikes);
      expect(b.ops.sops).toBeLessThanOrEqual(a.ops.sops);
    }
  });

  it('pruning removes the asked share of weights and reports its accuracy effect', () => {
    const labels = inputs.map((x) => simulate(runPipeline(model.graph).graph, x).label);
    const res = runCalibratedPipeline(model.graph, { prune: 0.5, calibration: { inputs, labels } });
    const det = res.reports.find((p) => p.pass === 'sparsify')!.details as Record<string, any>;
    expect(det.conv3.pruned).toBeGreaterThan(0);
    expect(det.conv3.nnz).toBeLessThanOrEqual(Math.ceil(3 * 12 * 8 * 0.5) + 1);
    expect(res.calibration!.accuracyIntUnpruned).toBe(1);
    expect(res.calibration!.accuracyInt).toBeLessThanOrEqual(1);
    const t = (res.graph.nodes.find((n) => n.id === 'conv3') as any).table;
    expect(tableBytes(t)).toBeGreaterThan(0);
  });

  it('calls a population silent only when it could have fired: the bi-SNN\'s membrane-read output is not', () => {
    const bi = tinyBisnn();
    const biInputs = Array.from({ length: 20 }, () => ({ tokens: randomTokens(r, 40, 10) }));
    const res = runCalibratedPipeline(bi.graph, { weightBits: 16, calibration: { inputs: biInputs } });
    expect(res.calibration!.layerSpikes.out).toBe(0); // a leaky integrator never fires
    expect(res.warnings.filter((w) => w.includes('population out '))).toEqual([]);
    // a spiking population that never fires is still reported: the same graph with every threshold out of reach
    const deaf = { ...bi.graph, nodes: bi.graph.nodes.map((n) => (n.kind === 'lif' && n.spiking !== false && n.id !== 'enc' ? { ...n, threshold: 50 * n.threshold } : n)) };
    const silent = runCalibratedPipeline(deaf, { weightBits: 16, calibration: { inputs: biInputs } });
    const named = silent.warnings.filter((w) => w.includes('silent after quantization'));
    expect(named.length).toBeGreaterThan(0);
    expect(named.some((w) => w.includes('population out '))).toBe(false);
  });

  it('plans memory exactly from the tables and state', () => {
    const g = runPipeline(model.graph).graph;
    const plan = g.plan!;
    expect(plan.constBytes).toBe(plan.items.filter((i) => i.region === 'const').reduce((a, i) => a + i.bytes, 0));
    const emb = plan.items.find((i) => i.node === 'embed')!;
    expect(emb.bytes).toBe(40 * Math.ceil((12 * 4) / 8));
    const mem = plan.items.find((i) => i.node === 'lif3' && i.what.startsWith('membranes'))!;
    expect(mem.bytes).toBe(16 * 8 * ((g.nodes.find((n) => n.id === 'lif3') as any).stateBits / 8));
  });

  describe('schedule pass (docs/semantics.md "Level-grouped input schedule")', () => {
    const grouped = (g: ReturnType<typeof runPipeline>['graph']) => g.nodes.filter((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped').map((n) => n.id);

    it('is event-driven unless asked; --schedule grouped marks every synapse fed by a rate encoder', () => {
      expect(grouped(runPipeline(model.graph).graph)).toEqual([]);
      expect(grouped(runPipeline(model.graph, { schedule: 'event' }).graph)).toEqual([]);
      const g = runPipeline(model.graph, { schedule: 'grouped' }).graph;
      expect(grouped(g)).toEqual(['conv3', 'conv4', 'conv5']);
      expect(printGraph(g)).toMatch(/%conv3 = conv1d .* schedule=grouped\n/);
      expect(g.passes).toContain('schedule');
      // the same labels and spikes as the event schedule on real inputs
      const e = runPipeline(model.graph).graph;
      for (const x of inputs.slice(0, 20)) {
        const a = simulate(e, x);
        const b = simulate(g, x);
        expect(b.scores).toEqual(a.scores);
        expect(b.layerSpikes).toEqual(a.layerSpikes);
      }
      expect(() => runPipeline(model.graph, { schedule: 'rows' as never })).toThrow(/SNN_E_USAGE/);
    });

    it('auto picks the cheaper schedule by the level statistics at T, and the estimate tracks the simulator', () => {
      // at T = 12 the 4-bit levels spike about 6 times each: forming once beats adding rows per spike
      const at = (T: number) => runPipeline({ ...model.graph, timesteps: T }, { schedule: 'auto' });
      const r12 = at(12);
      expect(grouped(r12.graph)).toEqual(['conv3', 'conv4', 'conv5']);
      const det = r12.reports.find((p) => p.pass === 'schedule')!.details as Record<string, any>;
      expect(det.conv3.expectedSopsPerToken.grouped).toBeLessThan(det.conv3.expectedSopsPerToken.event);
      // T = 1: every live input spikes once, so forming alone costs what the event schedule does
      expect(grouped(at(1).graph)).toEqual([]);
      // the per-token estimate of the event schedule is close to what the simulator counts in the interior
      const e = runPipeline({ ...model.graph, timesteps: 12 }).graph;
      let sops = 0;
      let tokens = 0;
      for (const x of inputs) {
        sops += simulate(e, x).ops.sops;
        tokens += Math.min(16, x.tokens.length);
      }
      const est = ['conv3', 'conv4', 'conv5'].reduce((a, id) => a + det[id].expectedSopsPerToken.event, 0);
      const perToken = sops / tokens; // includes the pooled heads (small) and the sentence edges (fewer taps)
      expect(est / perToken).toBeGreaterThan(0.8);
      expect(est / perToken).toBeLessThan(1.4);
    });

    it('plans the grouped sums at their worst case, and keeps or refuses them where RAM is short', () => {
      const g = runPipeline(model.graph, { schedule: 'grouped' }).graph;
      const e = runPipeline(model.graph).graph;
      const lif = g.nodes.find((n) => n.id === 'lif3') as { stateBits: number };
      const h = g.plan!.items.find((i) => i.node === 'conv3' && i.what.startsWith('grouped sums'))!;
      expect(h.bytes).toBe(16 * 15 * 8 * (lif.stateBits / 8)); // maxLen x levels x width x membrane bytes
      expect(g.plan!.items.find((i) => i.node === 'conv3' && i.what.startsWith('grouped present'))!.bytes).toBe(16 * 15);
      const extra = g.plan!.stateBytes - e.plan!.stateBytes;
      expect(extra).toBe(3 * (16 * 15 * 8 * (lif.stateBits / 8) + 16 * 15) + 2 * 15);
      // a 2 KB target: auto keeps the event schedule (with a warning), forcing is SNN_E_TOO_BIG
      const small = runPipeline(model.graph, { schedule: 'auto', ramBytes: e.plan!.stateBytes + 100 });
      expect(grouped(small.graph)).toEqual([]);
      expect(small.warnings.some((w) => /do not fit/.test(w))).toBe(true);
      expect(() => runPipeline(model.graph, { schedule: 'grouped', ramBytes: 2048 })).toThrow(/SNN_E_TOO_BIG/);
      expect(grouped(runPipeline(model.graph, { schedule: 'grouped', ramBytes: g.plan!.stateBytes }).graph)).toHaveLength(3);
    });

    it('never groups a Poisson-fed synapse, and says so when grouping is forced', () => {
      const p = tinyTextCnn({ scheme: 'poisson', bits: 3 });
      const r = runPipeline(p.graph, { schedule: 'grouped' });
      expect(grouped(r.graph)).toEqual([]);
      expect(r.warnings.some((w) => /no synapse can be grouped/.test(w))).toBe(true);
      expect((r.reports.find((x) => x.pass === 'schedule')!.details as any).conv3.why).toMatch(/Poisson/);
    });
  });
});
