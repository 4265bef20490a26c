// The bi-directional recurrent spiking encoder (bisnn family) on every C target: scans over
// positions, non-spiking integrators, max pooling over positions and the membrane readout
// (docs/semantics.md). Seeded random bisnn graphs on host-c against the reference simulator,
// hand-computed cases, signed scores over the serial protocol, and one model each on the Uno
// (simavr), the Cortex-M3 (QEMU) and the Pi's native aarch64 firmware (qemu-user): label,
// scores, every op counter, layerSpikes and layerUpdates equal simulate(graph, input, 'integer').

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph, Model } from '../../compiler/ir/types.js';
import { validateGraph } from '../../compiler/ir/validate.js';
import { runPipeline, type PipelineOptions } from '../../compiler/passes/pipeline.js';
import { budgetC, emitC, planC } from '../../compiler/backends/c/index.js';
import { stateFields, type CMode } from '../../compiler/backends/c/plan.js';
import { buildRpiNative } from '../../compiler/deploy/rpi.js';
import { loadTarget } from '../../targets/index.js';
import { simulate, type SimInput } from '../../runtime/reference.js';
import { MSG, decodeResult, decodeResultFrame, encodeFrame, FrameParser } from '../../runtime/serial/protocol.js';
import { handScanGraph as handGraph, tinyBisnn, type TinyBisnnOptions } from '../helpers/tiny-bisnn.js';
import { randomTokens, rng } from '../helpers/tiny-model.js';
import {
  QEMU_CM3,
  SIMAVR_FLAGS,
  build,
  buildHarness,
  computeRanges,
  integerModel,
  spawnBoard,
  sst2Inputs,
  sst2Vocab,
  tempDir,
  toolGate,
  type ChildBoard,
} from './helpers.js';

type Got = Awaited<ReturnType<ChildBoard['board']['classify']>>;
const strip = ({ cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...rest }: Got) => rest;

/** A seeded random bisnn with an SST-2 vocabulary, lowered by the real pipeline. */
function bisnnModel(o: TinyBisnnOptions & { reset?: 'subtract' | 'zero' }, pipe: PipelineOptions = {}): { model: Model; graph: Graph } {
  const model = tinyBisnn({ vocab: 400, ...o });
  model.vocab = sst2Vocab(model.vocab!.length);
  if (o.reset) for (const n of model.graph.nodes) if (n.kind === 'lif' && n.spiking !== false) n.reset = o.reset;
  const graph = runPipeline(model.graph, pipe).graph;
  return { model: { ...model, graph }, graph };
}

const randomInputs = (vocab: number, maxLen: number, count: number, seed: number): SimInput[] => {
  const r = rng(seed);
  return Array.from({ length: count }, () => ({ tokens: randomTokens(r, vocab, maxLen) }));
};

/** Runs every input on a board and compares with the reference; returns totals for per-op figures. */
async function compare(b: ChildBoard, graph: Graph, inputs: SimInput[]): Promise<{ sops: number; cycles: number; negative: number; labels: Set<number> }> {
  let sops = 0;
  let cycles = 0;
  let negative = 0;
  const labels = new Set<number>();
  for (let i = 0; i < inputs.length; i++) {
    const want = simulate(graph, inputs[i], 'integer');
    const got = await b.board.classify(inputs[i]);
    expect(got.attempts, `input ${i}`).toBe(1);
    expect(strip(got), `input ${i}`).toEqual(want);
    sops += want.ops.sops;
    cycles += got.cycles;
    if (want.scores.some((x) => x < 0)) negative++;
    labels.add(want.label);
  }
  return { sops, cycles, negative, labels };
}

const int = (data: number[], shape: number[], bits: 8 | 16 = 8) => ({ dtype: 'int' as const, shape, data: Int32Array.from(data), fmt: { bits, frac: 0 }, scale: 1 });


const host = loadTarget('host-c');
const uno = loadTarget('arduino-uno');

describe('C backend: bisnn graphs (no toolchain)', () => {
  const { graph } = bisnnModel({ layers: 3, hidden: 8, maxLen: 16, timesteps: 3, seed: 5, threshold: 2 });

  it('is no longer refused, and keeps one membrane vector per scan, no flags for the integrator, no spike counts', () => {
    const plan = planC(graph, 'spikes');
    const f = stateFields(plan);
    const byName = new Map(f.map((x) => [x.name, x]));
    for (const p of plan.pops) {
      if (p.scan) {
        expect(byName.get(`v${p.index}`)!.count, p.node.id).toBe(8); // channels, not maxLen x channels
        expect(byName.get(`s${p.index}`)!.count, p.node.id).toBe(16 * 8);
        expect(byName.has(`sp${p.index}`)).toBe(false); // the self-recurrence reads this step's flags
      } else {
        expect(p.spiking).toBe(false);
        expect(byName.has(`s${p.index}`)).toBe(false);
      }
    }
    expect(byName.has('counts')).toBe(false);
    expect(byName.get('anyp')!.count).toBe(8);
    const e = emitC(graph, host, { mode: 'tokens' });
    expect(e.files['model.h']).toContain('#define SNN_SCORES_SIGNED 1');
    expect(e.files['model.h']).toContain('typedef int32_t snn_score;');
    expect(e.files['model.c']).toMatch(/snn_scan\(&snn_scan\d+, st, n, ops\)/);
    expect(e.files['model.c']).toContain('snn_any_positions(');
    // a spike-count model keeps unsigned scores (and its RESULT frames)
    const cnn = emitC(integerModel({ dim: 8, maps: 4, maxLen: 8, timesteps: 4, seed: 2 }).graph, host).files['model.h'];
    expect(cnn).toContain('#define SNN_SCORES_SIGNED 0');
    expect(cnn).toContain('typedef uint32_t snn_score;');
  });

  it('fits the Uno in spikes mode, its RAM grows with maxLen by the flags only (no membranes per position)', () => {
    const b = emitC(graph, uno, { mode: 'spikes' }).budget;
    expect(b.fits).toBe(true);
    expect(b.stackBytes).toBe(160 + 48); // the scan kernel's deeper call chain is budgeted
    const longer = bisnnModel({ layers: 3, hidden: 8, maxLen: 17, timesteps: 3, seed: 5, threshold: 2 }).graph;
    // per position: 6 scans x 8 flag bytes + 16 encoder flag bytes + 2 bytes of spike frame
    expect(budgetC(planC(longer, 'spikes'), uno).ramBytes - b.ramBytes).toBe(6 * 8 + 16 + 2);
  });

  it('refuses what the scan kernel cannot run, and membrane sums beyond int32', () => {
    const g = structuredClone(graph);
    // a fifth synapse into l3f (the kernel takes at most four)
    const extra = g.nodes.find((n) => n.id === 'l2f_l3f')!;
    const i = g.nodes.indexOf(extra);
    g.nodes.splice(i + 1, 0, { ...structuredClone(extra), id: 'x1' }, { ...structuredClone(extra), id: 'x2' });
    expect(() => emitC(g, host)).toThrow(/SNN_E_BACKEND.*l3f has 5 synapses.*at most 4/);
    // two 32-bit integrators per class whose sum can exceed int32 (each one fits)
    const h = handGraph();
    h.timesteps = 20000; // each neuron: 1 + 20001 x 65534 < 2^31; two of them: more
    for (const n of h.nodes) {
      if (n.kind === 'lif' && n.id === 'out') Object.assign(n, { channels: 4, stateBits: 32 });
      if (n.kind === 'dense' && n.to === 'out') Object.assign(n, { outFeatures: 4, weight: int([32767, 32767, 32767, 32767], [1, 4], 16) });
      if (n.kind === 'readout') n.population = 2;
    }
    expect(() => emitC(validateGraph(h), host)).toThrow(/SNN_E_OVERFLOW.*beyond the int32 score/);
  });
});

describe('serial protocol: signed scores', () => {
  const payload = (label: number, scores: number[], signed: boolean) => {
    const b: number[] = [label, scores.length];
    for (const s of scores) {
      const u = signed ? s >>> 0 : s;
      b.push(u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24);
    }
    for (let i = 0; i < 5; i++) b.push(i, 0, 0, 0);
    b.push(1, 7, 0, 0, 0, 9, 0, 0, 0, 0x10, 0, 0, 0);
    return Uint8Array.from(b);
  };

  it('RESULT_SIGNED round-trips negative scores; RESULT keeps unsigned counts', () => {
    const f = new FrameParser().push(encodeFrame(MSG.RESULT_SIGNED, 9, payload(1, [-2886, 15, -2147483648, 2147483647], true)));
    expect(f).toHaveLength(1);
    const ev = f[0] as { kind: 'frame'; type: number; payload: Uint8Array };
    expect(ev.type).toBe(0x86);
    const r = decodeResultFrame(ev);
    expect(r.scores).toEqual([-2886, 15, -2147483648, 2147483647]);
    expect(r).toMatchObject({ label: 1, layerSpikes: [7], layerUpdates: [9], cycles: 16 });
    expect(decodeResultFrame({ type: MSG.RESULT, payload: payload(0, [4294967295, 3], false) }).scores).toEqual([4294967295, 3]);
  });

  it('malformed results fail with a clear RangeError (the host retries, then SNN_E_DEVICE)', () => {
    const good = payload(1, [-1, 2], true);
    expect(() => decodeResult(good.subarray(0, good.length - 1), true)).toThrow(/payload too short/);
    expect(() => decodeResult(Uint8Array.from([...good, 0]), true)).toThrow(/payload too long/);
    expect(() => decodeResult(payload(2, [-1, 2], true), true)).toThrow(/label 2 is not one of 2 classes/);
    expect(() => decodeResultFrame({ type: MSG.STEPPED, payload: good })).toThrow(/not a result/);
  });
});

const hostGate = toolGate(['gcc']);

interface HostCase {
  name: string;
  o: TinyBisnnOptions & { reset?: 'subtract' | 'zero' };
  pipe: PipelineOptions;
  mode: CMode;
}

// layers 1..3, leaky or not, with and without recurrence, T 1 and 3, 16- and 32-bit membranes,
// int16 weights, pruned sparse tables, channel counts that are not a multiple of four, both modes
const HOST_CASES: HostCase[] = [
  { name: 'L1, IF, recurrent, T1, i16 membranes', o: { layers: 1, hidden: 8, timesteps: 1, beta: 1, threshold: 2, seed: 31 }, pipe: { stateBits: 16 }, mode: 'tokens' },
  { name: 'L1, leaky, recurrent, T3, i16, reset by subtraction', o: { layers: 1, hidden: 8, timesteps: 3, beta: 0.75, threshold: 2, reset: 'subtract', seed: 43 }, pipe: { stateBits: 16 }, mode: 'spikes' },
  { name: 'L1, leaky, no recurrence, T3, i32 membranes, spikes mode', o: { layers: 1, hidden: 11, timesteps: 3, beta: 0.75, recurrent: false, threshold: 2, seed: 32 }, pipe: { stateBits: 32 }, mode: 'spikes' },
  { name: 'L1, leaky, recurrent, T3, int16 weights', o: { layers: 1, hidden: 10, timesteps: 3, beta: 0.75, threshold: 3, seed: 33 }, pipe: { weightBits: 16 }, mode: 'tokens' },
  { name: 'L2, IF, recurrent, T3, i16, sparse', o: { layers: 2, hidden: 8, timesteps: 3, beta: 1, threshold: 2, seed: 34 }, pipe: { stateBits: 16, prune: 0.5, layout: 'sparse' }, mode: 'spikes' },
  { name: 'L2, leaky, recurrent, T1, i32', o: { layers: 2, hidden: 13, timesteps: 1, beta: 0.75, threshold: 2, seed: 35 }, pipe: { stateBits: 32 }, mode: 'tokens' },
  { name: 'L2, leaky, no recurrence, T3, i16', o: { layers: 2, hidden: 16, timesteps: 3, beta: 0.875, recurrent: false, threshold: 2, seed: 36 }, pipe: { stateBits: 16 }, mode: 'tokens' },
  { name: 'L2, IF, no recurrence, T1, i32, int16 weights sparse', o: { layers: 2, hidden: 9, timesteps: 1, beta: 1, recurrent: false, threshold: 2, seed: 37 }, pipe: { stateBits: 32, weightBits: 16, prune: 0.4, layout: 'sparse' }, mode: 'spikes' },
  { name: 'L3, leaky, recurrent, T3, i16', o: { layers: 3, hidden: 8, timesteps: 3, beta: 0.75, threshold: 2, seed: 38 }, pipe: { stateBits: 16 }, mode: 'spikes' },
  { name: 'L3, IF, recurrent, T1, i32', o: { layers: 3, hidden: 12, timesteps: 1, beta: 1, threshold: 2, seed: 39 }, pipe: { stateBits: 32 }, mode: 'tokens' },
  { name: 'L3, leaky, no recurrence, T3, i32', o: { layers: 3, hidden: 8, timesteps: 3, beta: 0.75, recurrent: false, threshold: 1, seed: 40 }, pipe: { stateBits: 32 }, mode: 'tokens' },
  { name: 'L3, IF, no recurrence, T1, i16, 6 channels', o: { layers: 3, hidden: 6, timesteps: 1, beta: 1, recurrent: false, threshold: 2, seed: 41 }, pipe: { stateBits: 16 }, mode: 'spikes' },
  { name: 'L2, leaky, recurrent, T3, i32, reset by subtraction, sparse', o: { layers: 2, hidden: 12, timesteps: 3, beta: 0.75, threshold: 2, reset: 'subtract', seed: 44 }, pipe: { stateBits: 32, prune: 0.5, layout: 'sparse' }, mode: 'tokens' },
  { name: 'L3, leaky, recurrent, T3, 3 classes, default lowering', o: { layers: 3, hidden: 8, timesteps: 3, beta: 0.75, classes: 3, threshold: 2, seed: 42 }, pipe: {}, mode: 'tokens' },
];

describe.skipIf(hostGate.skip)('host-c: bisnn graphs equal the reference simulator', () => {
  beforeAll(() => hostGate.assert());

  it('the hand-computed scans: scores [2, 3]; negative tied scores go to class 0', async () => {
    const g = handGraph();
    const { fw, emitted } = build(g, 'host-c', 'tokens', 'hand');
    const b = await spawnBoard(fw.elf, [], { graph: g, modelHash: emitted.hash });
    try {
      const r = await b.board.classify({ tokens: [2, 2, 3, 2] });
      expect(r.scores).toEqual([2, 3]);
      expect(r.label).toBe(1);
      expect(r.ops).toEqual({ sops: 11, updates: 10, spikes: 2, inputSpikes: 3, bytesRead: 15 });
      await compare(b, g, randomInputs(4, 8, 100, 7));
    } finally {
      await b.stop();
    }
    const neg = handGraph();
    for (const n of neg.nodes) {
      if (n.id === 'f_out' && n.kind === 'dense') n.weight = int([-4, -1], [1, 2]);
      if (n.id === 'b_out' && n.kind === 'dense') n.weight = int([0, -3], [1, 2]);
    }
    const built = build(neg, 'host-c', 'spikes', 'handneg');
    const nb = await spawnBoard(built.fw.elf, [], { graph: neg, modelHash: built.emitted.hash });
    try {
      const r = await nb.board.classify({ tokens: [2, 2, 3, 2] });
      expect(r.scores).toEqual([-4, -4]);
      expect(r.label).toBe(0);
    } finally {
      await nb.stop();
    }
  });

  describe.each(HOST_CASES)('$name', (c) => {
    let b: ChildBoard | undefined;
    afterAll(async () => b?.stop());
    it(`answers 250 random sentences exactly like simulate(graph, input, 'integer')`, async () => {
      const maxLen = 12 + (c.o.seed! % 3) * 4;
      const { graph } = bisnnModel({ ...c.o, maxLen, vocab: 60 }, c.pipe);
      const bits = graph.nodes.flatMap((n) => (n.kind === 'lif' ? [n.stateBits] : []));
      if (c.pipe.stateBits) expect(new Set(bits)).toEqual(new Set([c.pipe.stateBits]));
      const { fw, emitted } = build(graph, 'host-c', c.mode, 'bisnn');
      b = await spawnBoard(fw.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 10000 });
      expect(b.board.info.mode).toBe(c.mode);
      expect(b.board.info.stateBytes).toBe(emitted.budget.stateBytes);
      const r = await compare(b, graph, randomInputs(60, maxLen, 250, c.o.seed! + 1000));
      expect(r.sops).toBeGreaterThan(0);
    });
  });

  it('signed scores really cross the wire: most random bisnn sentences score below zero somewhere', async () => {
    const { graph } = bisnnModel({ layers: 2, hidden: 8, maxLen: 12, timesteps: 1, threshold: 2, seed: 51, vocab: 60 });
    const { fw, emitted } = build(graph, 'host-c', 'tokens', 'bisnnneg');
    const b = await spawnBoard(fw.elf, [], { graph, modelHash: emitted.hash });
    try {
      const r = await compare(b, graph, randomInputs(60, 12, 60, 51));
      expect(r.negative).toBeGreaterThan(30);
      expect(r.labels.size).toBe(2);
    } finally {
      await b.stop();
    }
  });
});

/** The Uno's bisnn: 2 bi-directional layers of 8, maxLen 16, T 3, binary 1-bit embeddings of 16 (threshold 4: the random max-pooled scores vary). */
const unoBisnn = (pipe: PipelineOptions = {}) => bisnnModel({ layers: 2, hidden: 8, dim: 16, maxLen: 16, timesteps: 3, beta: 0.75, threshold: 4, seed: 6 }, { weightBits: 8, ...pipe });

const avrGate = toolGate(['avr-gcc', 'gcc', '/usr/include/simavr/sim_avr.h']);
describe.skipIf(avrGate.skip)('arduino-uno firmware in simavr: bisnn', () => {
  let harness = '';
  beforeAll(() => {
    avrGate.assert();
    harness = buildHarness('simavr-uart', SIMAVR_FLAGS);
  });

  const cases = [
    { name: '16-bit scans, spikes mode (the fused kernel path)', pipe: { stateBits: 16 as const }, mode: 'spikes' as const, count: 50 },
    { name: '32-bit scans, tokens mode (the fused int32 path)', pipe: { stateBits: 32 as const }, mode: 'tokens' as const, count: 25 },
    { name: 'pruned sparse tables, spikes mode (the snn_dense path)', pipe: { stateBits: 16 as const, prune: 0.5, layout: 'sparse' as const }, mode: 'spikes' as const, count: 20 },
  ];
  it.each(cases)('$name: fits, RAM exact, stack within the reserve, equals the reference on SST-2 sentences', async (c) => {
    const { model, graph } = unoBisnn(c.pipe);
    const inputs = sst2Inputs(model, c.count);
    const { emitted, fw } = build(graph, 'arduino-uno', c.mode, 'unobisnn');
    expect(emitted.budget.fits).toBe(true);
    expect(fw.data + fw.bss).toBe(emitted.budget.ramBytes - emitted.budget.stackBytes); // exact
    expect(fw.text + fw.data).toBeLessThanOrEqual(emitted.budget.flashBytes);
    const b = await spawnBoard(harness, [fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 30000, env: { SNN_STACK: '1' } });
    try {
      expect(b.board.info).toMatchObject({ board: 'arduino-uno', mode: c.mode, stateBytes: emitted.budget.stateBytes, pointerBytes: 2 });
      const r = await compare(b, graph, inputs);
      expect(r.cycles).toBeGreaterThan(r.sops);
      expect(r.labels.size).toBe(2);
      await b.stop('SIGTERM');
      const stack = Number(/stack=(\d+)/.exec(b.stderr())?.[1]);
      expect(stack).toBeGreaterThan(50);
      expect(stack).toBeLessThanOrEqual(emitted.budget.stackBytes);
      console.log(
        `[avr] bisnn ${c.name}: ${(r.cycles / inputs.length).toFixed(0)} cycles/inference, ${(r.cycles / r.sops).toFixed(2)} cycles/sop, ` +
          `${(r.sops / inputs.length).toFixed(0)} sops/inference, RAM ${emitted.budget.ramBytes} B (state ${emitted.budget.stateBytes}), flash ${fw.text + fw.data} B, deepest stack ${stack} B`,
      );
    } finally {
      await b.stop();
    }
  });
});

const cm3Gate = toolGate(['arm-none-eabi-gcc', 'qemu-system-arm', 'gcc']);
describe.skipIf(cm3Gate.skip)('cortex-m3 firmware in QEMU mps2-an385: bisnn', () => {
  it('3 layers of 16, tokens mode: equals the reference on 50 SST-2 sentences; instructions counted', async () => {
    cm3Gate.assert();
    const plugin = buildHarness('insn-count', ['-shared', '-fPIC']);
    const { model, graph } = bisnnModel({ layers: 3, hidden: 16, dim: 16, maxLen: 24, timesteps: 3, beta: 0.75, threshold: 4, seed: 6 }, { weightBits: 8 });
    const inputs = sst2Inputs(model, 50);
    const { emitted, fw } = build(graph, 'cortex-m3', 'tokens', 'cm3bisnn');
    expect(fw.text + fw.data).toBeLessThanOrEqual(emitted.budget.flashBytes);
    expect(fw.data + fw.bss).toBeLessThanOrEqual(emitted.budget.ramBytes - emitted.budget.stackBytes);
    const ranges = computeRanges('arm-none-eabi-nm', fw.elf);
    const pluginArg = [plugin, ...ranges.map(([lo, hi]) => `range=0x${lo.toString(16)}-0x${hi.toString(16)}`)].join(',');
    const b = await spawnBoard('qemu-system-arm', [...QEMU_CM3, '-plugin', pluginArg, '-kernel', fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 20000 });
    try {
      expect(b.board.info).toMatchObject({ board: 'cortex-m3', mode: 'tokens', stateBytes: emitted.budget.stateBytes, pointerBytes: 4 });
      const r = await compare(b, graph, inputs);
      expect(r.labels.size).toBe(2);
      await b.stop('SIGTERM');
      const m = /insns=(\d+) compute=(\d+)/.exec(b.stderr());
      expect(m, b.stderr()).not.toBeNull();
      const compute = Number(m![2]);
      expect(compute).toBeGreaterThan(r.sops);
      console.log(`[cortex-m3] bisnn 3x16 tokens mode: ${(compute / inputs.length).toFixed(0)} instructions/inference, ${(compute / r.sops).toFixed(2)} instructions/sop, ${(r.sops / inputs.length).toFixed(0)} sops/inference`);
    } finally {
      await b.stop();
    }
  });
});

const rpiGate = toolGate(['qemu-aarch64-static', 'aarch64-linux-gnu-gcc']);
describe.skipIf(rpiGate.skip)('rpi native aarch64 firmware under qemu-user: bisnn', () => {
  it('the bundle\'s native firmware equals the reference on 50 SST-2 sentences', async () => {
    rpiGate.assert();
    const { model, graph } = bisnnModel({ layers: 3, hidden: 16, dim: 16, maxLen: 24, timesteps: 3, beta: 0.75, threshold: 4, seed: 8 }, { weightBits: 8 });
    const { emitted, fw } = buildRpiNative(graph, 'bisnn', tempDir('rpibisnn'));
    const b = await spawnBoard('qemu-aarch64-static', ['-L', '/usr/aarch64-linux-gnu', fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 20000 });
    try {
      expect(b.board.info).toMatchObject({ mode: 'tokens', pointerBytes: 8, stateBytes: emitted.budget.stateBytes });
      const r = await compare(b, graph, sst2Inputs(model, 50));
      expect(r.labels.size).toBe(2);
    } finally {
      await b.stop();
    }
  });
});
