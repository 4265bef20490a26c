// The twin ANN (docs/ann.md): its float view is the trainer's tailored ANN, its int8 reference
// (runtime/ann-int8.ts) is exact, and its firmware (firmware-stubs/ann_kernel.c) equals that
// reference bit for bit, MAC counts included, on host-c, the Uno (simavr) and the Cortex-M3
// (QEMU), on real SST-2 sentences.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../../compiler/ir/types.js';
import { fixedMultiplier, floatAnnForward, int8Twin, quantizeAnn, tailoredAnn } from '../../compiler/backends/c/ann.js';
import { emitAnnC, type AnnMode } from '../../compiler/backends/c/ann-emit.js';
import { buildFirmware } from '../../compiler/backends/c/build.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { annInt8, annLevelFrame, requant, type Int8Ann } from '../../runtime/ann-int8.js';
import { annCost, type SynapseShape } from '../../runtime/energy.js';
import { loadTarget, repoRoot } from '../../targets/index.js';
import { tinyTextCnn, rng, type TinyOptions } from '../helpers/tiny-model.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';
import { QEMU_CM3, SIMAVR_FLAGS, buildHarness, computeRanges, spawnBoard, sst2Inputs, sst2Sentences, sst2TrainIds, sst2Vocab, tempDir, toolGate, type ChildBoard } from './helpers.js';
import { Vocab, tokenize } from '../../runtime/tokenizer.js';

/** A seeded random float TextCNN with a real SST-2 vocabulary and its int8 twin, calibrated on 300 SST-2 training sentences. */
function twinOf(o: TinyOptions): { model: Model; ann: Int8Ann } {
  const model = tinyTextCnn({ vocab: 500, ...o });
  model.vocab = sst2Vocab(o.vocab ?? 500);
  return { model, ann: int8Twin(model, sst2TrainIds(model, 300)).int8 };
}

/** The shapes runtime/energy.ts prices, from a float TextCNN graph. */
function shapes(model: Model): SynapseShape[] {
  return model.graph.nodes.flatMap((n): SynapseShape[] =>
    n.kind === 'conv1d'
      ? [{ kind: 'conv1d', id: n.id, width: n.width, inChannels: n.inChannels, outChannels: n.outChannels }]
      : n.kind === 'dense'
        ? [{ kind: 'dense', id: n.id, inFeatures: n.inFeatures, outFeatures: n.outFeatures, pool: n.pool, perPosition: true }]
        : [],
  );
}

const unoFile = join(repoRoot(), 'examples', 'uno', 'model.snn');

describe('twin ANN in TypeScript', () => {
  it('the float view is the tailored ANN that compiler/train/convert.ts annForward runs (TF.js)', async () => {
    const { initBackend } = await import('../../compiler/train/backend.js');
    const { annForward } = await import('../../compiler/train/convert.js');
    await initBackend();
    const model = tinyTextCnn({ vocab: 300, dim: 12, maps: 8, widths: [2, 3, 5], maxLen: 20, scheme: 'rate', bits: 4, population: 3, seed: 31 });
    // annForward reads the float table as it is: round it to the encoder's levels, as the converter does
    const emb = model.graph.nodes.find((n) => n.kind === 'embedding');
    if (emb?.kind !== 'embedding' || !emb.table) throw new Error('no table');
    emb.table.data = emb.table.data.map((x) => Math.round(x * 15) / 15);
    const r = rng(5);
    const ids = Array.from({ length: 60 }, () => Array.from({ length: 1 + Math.floor(r() * 24) }, () => 1 + Math.floor(r() * 299)));
    const want = annForward(model, ids);
    const view = tailoredAnn(model.graph);
    ids.forEach((x, i) => {
      const got = floatAnnForward(view, x);
      got.scores.forEach((s, c) => expect(s).toBeCloseTo(want[i][c], 4));
    });
  });

  it('requantization is exact, and equals the two-stage form the C kernel computes', () => {
    const r = rng(9);
    for (let k = 0; k < 20000; k++) {
      const acc = k % 7 === 0 ? -Math.floor(r() * 1000) : Math.floor(r() * 2 ** (1 + Math.floor(r() * 30)));
      const mult = 2 ** 14 + Math.floor(r() * 2 ** 14);
      const shift = 1 + Math.floor(r() * 46);
      const exact = acc <= 0 ? 0n : (BigInt(acc) * BigInt(mult) + (1n << BigInt(shift - 1))) >> BigInt(shift);
      const want = Number(exact > 255n ? 255n : exact);
      expect(requant(acc, mult, shift), `${acc} ${mult} ${shift}`).toBe(want);
      if (acc > 0) {
        const h = (BigInt(acc) * BigInt(mult)) >> BigInt(shift - 1);
        expect(Number(h >= 511n ? 255n : (h + 1n) >> 1n)).toBe(want);
      }
    }
    const f = fixedMultiplier(0.0123);
    expect(f.mult).toBeGreaterThanOrEqual(2 ** 14);
    expect(f.mult).toBeLessThan(2 ** 15);
    expect(Math.abs(f.mult / 2 ** f.shift / 0.0123 - 1)).toBeLessThan(2 ** -14);
  });

  it('quantization: int8 weights, 15-bit multipliers, the float ANN\'s labels, and MACs as runtime/energy.ts counts them', () => {
    const { model, ann } = twinOf({ dim: 12, maps: 6, widths: [2, 3, 5], maxLen: 20, scheme: 'rate', bits: 3, seed: 41 });
    for (const cv of ann.convs) {
      expect(Math.max(...cv.weights.map(Math.abs))).toBe(127); // per output channel, each reaches the full range
      for (let o = 0; o < cv.cout; o++) {
        if (cv.mult[o] === 0) continue;
        expect(cv.mult[o]).toBeGreaterThanOrEqual(2 ** 14);
        expect(cv.mult[o]).toBeLessThan(2 ** 15);
      }
    }
    const view = tailoredAnn(model.graph);
    const inputs = sst2Inputs(model, 300);
    let agree = 0;
    for (const x of inputs) {
      const got = annInt8(ann, x);
      const n = Math.min(x.tokens.length, ann.maxLen);
      const cost = annCost(shapes(model), n);
      expect(got.ops.sops).toBe(cost.macs);
      expect(got.ops.updates).toBe(cost.adds);
      if (got.label === floatAnnForward(view, x.tokens).label) agree++;
    }
    expect(agree / inputs.length).toBeGreaterThanOrEqual(0.95);
  });

  it.skipIf(!existsSync(unoFile))('examples/uno: the int8 twin loses at most 0.5 points of the float tailored ANN on the 1821 SST-2 test sentences', () => {
    const model = readModelFile(unoFile);
    const { float, int8 } = int8Twin(model, sst2TrainIds(model, 2000));
    const vocab = new Vocab(model.vocab!);
    const test = sst2Sentences().map((s) => ({ label: s.label, ids: vocab.encode(tokenize(s.text)) })).filter((s) => s.ids.length > 0);
    let fl = 0;
    let q = 0;
    for (const s of test) {
      if (floatAnnForward(float, s.ids).label === s.label) fl++;
      if (annInt8(int8, { tokens: s.ids }).label === s.label) q++;
    }
    console.log(`[ann] examples/uno twin on ${test.length} SST-2 test sentences: float ${((100 * fl) / test.length).toFixed(2)}%, int8 ${((100 * q) / test.length).toFixed(2)}%`);
    expect(fl / test.length).toBeGreaterThan(0.75);
    expect((fl - q) / test.length).toBeLessThanOrEqual(0.005);
  });

  it('refuses what it cannot build, with a clear SNN_E_ code', () => {
    const model = tinyTextCnn({ vocab: 40, seed: 3 });
    const ids = [[2, 3, 4]];
    expect(() => tailoredAnn(runPipeline(model.graph, {}).graph)).toThrow(/SNN_E_GRAPH.*float model/);
    expect(() => int8Twin(model, [])).toThrow(/SNN_E_USAGE/);
    expect(() => tailoredAnn(tinyBisnn({ seed: 1 }).graph)).toThrow(/SNN_E_GRAPH/);
    const { int8 } = int8Twin(model, ids);
    expect(() => annInt8(int8, { tokens: [] })).toThrow(/SNN_E_INPUT/);
    expect(() => annInt8(int8, { tokens: [1, 40] })).toThrow(/SNN_E_INPUT/);
    expect(() => emitAnnC({ ...int8, maxLen: 300 }, loadTarget('host-c'))).toThrow(/SNN_E_BACKEND/);
    // 26,636 words of levels in flash do not fit the Uno: levels mode does
    if (existsSync(unoFile)) {
      const uno = int8Twin(readModelFile(unoFile), ids).int8;
      expect(() => emitAnnC(uno, loadTarget('arduino-uno'), { mode: 'tokens' })).toThrow(/SNN_E_TOO_BIG.*levels mode/);
      expect(emitAnnC(uno, loadTarget('arduino-uno')).budget.fits).toBe(true);
    }
  });
});

interface Case {
  name: string;
  make: () => { model: Model; ann: Int8Ann };
  mode: AnnMode;
  count: number;
}

const CASES: Case[] = [
  { name: 'rate 4-bit, widths 2/3/5, 6 maps (padded block), tokens mode', make: () => twinOf({ dim: 12, maps: 6, widths: [2, 3, 5], maxLen: 20, scheme: 'rate', bits: 4, seed: 51 }), mode: 'tokens', count: 150 },
  { name: 'rate 3-bit (values straddle bytes), levels mode', make: () => twinOf({ dim: 10, maps: 8, widths: [3, 4], maxLen: 16, scheme: 'rate', bits: 3, population: 1, seed: 52 }), mode: 'levels', count: 150 },
  { name: 'binary, 3 classes, levels mode', make: () => twinOf({ dim: 16, maps: 8, widths: [3, 4, 5], maxLen: 16, scheme: 'binary', classes: 3, population: 2, seed: 53 }), mode: 'levels', count: 150 },
  { name: 'poisson 2-bit (the ANN reads the levels), tokens mode', make: () => twinOf({ dim: 8, maps: 4, widths: [1, 3], maxLen: 30, scheme: 'poisson', bits: 2, seed: 54 }), mode: 'tokens', count: 150 },
];

function same(got: { label: number; scores: number[]; ops: unknown; layerSpikes: number[]; layerUpdates: number[] }, ann: Int8Ann, x: { tokens: number[] }): void {
  const { logits: _l, ...want } = annInt8(ann, x);
  expect({ label: got.label, scores: got.scores, ops: got.ops, layerSpikes: got.layerSpikes, layerUpdates: got.layerUpdates }).toEqual(want);
}

async function runCase(c: { model: Model; ann: Int8Ann }, target: string, mode: AnnMode, count: number, cmd: (elf: string) => [string, string[]], env?: Record<string, string>) {
  const t = loadTarget(target);
  const emitted = emitAnnC(c.ann, t, { mode, name: 'twin-test' });
  const fw = buildFirmware(emitted, t, tempDir(`ann-${target}`));
  const [bin, args] = cmd(fw.elf);
  const b = await spawnBoard(bin, args, { modelHash: emitted.hash, timeoutMs: 30000, encode: (x) => annLevelFrame(c.ann, x), env });
  const inputs = sst2Inputs(c.model, count);
  let cycles = 0;
  let macs = 0;
  for (let i = 0; i < inputs.length; i++) {
    const r = await b.board.classify(inputs[i]);
    same(r, c.ann, inputs[i]);
    cycles += r.cycles;
    macs += r.ops.sops;
  }
  return { b, emitted, fw, cycles, macs, n: inputs.length };
}

describe.skipIf(toolGate(['gcc']).skip)('twin ANN firmware on host-c', () => {
  it.each(CASES)('$name: equals the int8 reference on SST-2 sentences', async (c) => {
    const { b, emitted } = await runCase(c.make(), 'host-c', c.mode, c.count, (elf) => [elf, []]);
    expect(b.board.info).toMatchObject({ mode: c.mode === 'levels' ? 'spikes' : 'tokens', timesteps: 1, pops: 0, stateBytes: emitted.budget.stateBytes });
    await b.stop();
  });
});

const avrGate = toolGate(['avr-gcc', 'gcc', '/usr/include/simavr/sim_avr.h']);
describe.skipIf(avrGate.skip)('twin ANN firmware on the Uno (simavr)', () => {
  const boards: ChildBoard[] = [];
  let harness = '';
  beforeAll(() => {
    avrGate.assert();
    harness = buildHarness('simavr-uart', SIMAVR_FLAGS);
  });
  afterAll(async () => {
    for (const b of boards) await b.stop();
  });

  it.skipIf(!existsSync(unoFile))('examples/uno twin, levels mode: fits, RAM exact, equals the reference on 100 SST-2 sentences; cycles counted', async () => {
    const model = readModelFile(unoFile);
    const ann = int8Twin(model, sst2TrainIds(model, 500)).int8;
    const r = await runCase({ model, ann }, 'arduino-uno', 'levels', 100, (elf) => [harness, [elf]], { SNN_STACK: '1' });
    boards.push(r.b);
    expect(r.emitted.acc16).toEqual([true, true, true]);
    expect(r.emitted.budget.fits).toBe(true);
    expect(r.fw.data + r.fw.bss).toBe(r.emitted.budget.ramBytes - r.emitted.budget.stackBytes);
    expect(r.fw.text + r.fw.data).toBeLessThanOrEqual(r.emitted.budget.flashBytes);
    expect(r.cycles).toBeGreaterThan(r.macs);
    await r.b.stop('SIGTERM');
    const stack = Number(/stack=(\d+)/.exec(r.b.stderr())?.[1]);
    expect(stack).toBeGreaterThan(0);
    expect(stack).toBeLessThanOrEqual(r.emitted.budget.stackBytes);
    console.log(`[ann] uno twin: ${(r.cycles / r.n).toFixed(0)} cycles/inference, ${(r.cycles / r.macs).toFixed(2)} cycles/MAC, deepest stack ${stack} B, flash ${r.fw.text + r.fw.data} B`);
  });

  it('rate 4-bit (32-bit accumulators), tokens mode: equals the reference', async () => {
    const c = twinOf({ vocab: 400, dim: 12, maps: 8, widths: [2, 4], maxLen: 12, scheme: 'rate', bits: 4, seed: 61 });
    const r = await runCase(c, 'arduino-uno', 'tokens', 60, (elf) => [harness, [elf]], { SNN_STACK: '1' });
    boards.push(r.b);
    expect(r.emitted.acc16).toContain(false); // the 32-bit path on AVR (64-bit requantization)
    expect(r.fw.text + r.fw.data).toBeLessThanOrEqual(r.emitted.budget.flashBytes);
    await r.b.stop('SIGTERM');
    expect(Number(/stack=(\d+)/.exec(r.b.stderr())?.[1])).toBeLessThanOrEqual(r.emitted.budget.stackBytes);
  });
});

const armGate = toolGate(['arm-none-eabi-gcc', 'qemu-system-arm', 'gcc']);
describe.skipIf(armGate.skip)('twin ANN firmware on the Cortex-M3 (QEMU)', () => {
  let plugin = '';
  beforeAll(() => {
    armGate.assert();
    plugin = buildHarness('insn-count', ['-shared', '-fPIC']);
  });
  const qemu = (elf: string): [string, string[]] => {
    const ranges = computeRanges('arm-none-eabi-nm', elf).map(([lo, hi]) => `range=0x${lo.toString(16)}-0x${hi.toString(16)}`);
    return ['qemu-system-arm', [...QEMU_CM3, '-plugin', [plugin, ...ranges].join(','), '-kernel', elf]];
  };
  const cases: { name: string; make: () => { model: Model; ann: Int8Ann }; mode: AnnMode }[] = [
    ...(existsSync(unoFile) ? [{ name: 'examples/uno twin, tokens mode', make: () => { const model = readModelFile(unoFile); return { model, ann: int8Twin(model, sst2TrainIds(model, 500)).int8 }; }, mode: 'tokens' as const }] : []),
    { name: 'rate 3-bit, 6 maps, levels mode', make: () => twinOf({ dim: 10, maps: 6, widths: [2, 3, 5], maxLen: 24, scheme: 'rate', bits: 3, seed: 71 }), mode: 'levels' },
  ];
  it.each(cases)('$name: equals the reference on 100 SST-2 sentences; instructions counted', async (c) => {
    const r = await runCase(c.make(), 'cortex-m3', c.mode, 100, qemu);
    expect(r.fw.text + r.fw.data).toBeLessThanOrEqual(r.emitted.budget.flashBytes);
    expect(r.fw.data + r.fw.bss).toBeLessThanOrEqual(r.emitted.budget.ramBytes - r.emitted.budget.stackBytes);
    await r.b.stop('SIGTERM');
    const m = /insns=(\d+) compute=(\d+)/.exec(r.b.stderr());
    expect(m, r.b.stderr()).not.toBeNull();
    const compute = Number(m![2]);
    expect(compute).toBeGreaterThan(r.macs);
    console.log(`[ann] cortex-m3 ${c.name}: ${(compute / r.n).toFixed(0)} instructions/inference, ${(compute / r.macs).toFixed(2)} per MAC`);
  });
});
