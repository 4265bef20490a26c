// Direct spike-train inputs with counts above 1 on the C kernel and firmware (docs/firmware.md
// "Spike-train input"): a count c of channel i travels as `bits` bits in the STEP frame, the
// board's snn_load_counts unpacks it and every synapse adds row i c times, so host-c (gcc),
// the Uno (simavr) and the Cortex-M3 (qemu) answer exactly like the reference simulator.
import { afterAll, describe, expect, it } from 'vitest';
import { simulate } from '../../runtime/reference.js';
import { emitC } from '../../compiler/backends/c/index.js';
import { encodeSpikeFrames } from '../../runtime/serial/host-encoder.js';
import { loadTarget } from '../../targets/index.js';
import { QEMU_CM3, SIMAVR_FLAGS, build, buildHarness, spawnBoard, toolGate, type ChildBoard } from '../firmware/helpers.js';
import { directGraph, spikeTrains } from './direct-fixtures.js';

const STRIP = ({ cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...rest }: Record<string, unknown>) => rest;

describe('C backend: direct spike input with counts above 1', () => {
  it('packs `bits` bits per channel, LSB first, and sizes the frame for them', () => {
    const g = directGraph({ bits: 3, weightBits: 8, cuba: false });
    const { plan } = emitC(g, loadTarget('host-c'));
    expect(plan.mode).toBe('spikes');
    expect(plan.frameBitsFixed).toBe(11 * 3);
    const [x] = spikeTrains(1, g.timesteps, 11, 7, 3, 0.6);
    const enc = encodeSpikeFrames(g, x);
    expect(enc.frames.every((f) => f.length === Math.ceil(33 / 8))).toBe(true);
    const unpack = (f: Uint8Array, i: number) => [0, 1, 2].reduce((a, j) => a | (((f[(3 * i + j) >> 3] >> ((3 * i + j) & 7)) & 1) << j), 0);
    expect(enc.frames.map((f) => Array.from({ length: 11 }, (_, i) => unpack(f, i)))).toEqual(x.steps);
    expect(enc.inputSpikes).toBe(simulate(g, x).ops.inputSpikes);
    expect(x.steps.some((r) => r.some((c) => c > 1))).toBe(true);
    const bad = x.steps.map((r) => [...r]);
    bad[4][2] = 8;
    expect(() => encodeSpikeFrames(g, { steps: bad })).toThrow(/SNN_E_INPUT.*step 4, channel 2.*0\.\.7/);
    bad[4][2] = 1.5;
    expect(() => encodeSpikeFrames(g, { steps: bad })).toThrow(/SNN_E_INPUT.*step 4, channel 2/);
    expect(() => emitC(g, loadTarget('host-c'), { mode: 'tokens' })).toThrow(/SNN_E_BACKEND.*spikes mode/);
    // a frame the firmware's 16-bit bit index cannot address
    const wide = directGraph({ bits: 8, weightBits: 8, cuba: false, dim: 8192, hidden: 2, T: 2 });
    expect(() => emitC(wide, loadTarget('host-c'), { noFitCheck: true })).toThrow(/SNN_E_BACKEND.*65536 bits.*at most 65535/);
  });

  const gate = toolGate(['gcc']);
  describe.skipIf(gate.skip).each([
    { name: 'counts 0..3, LIF, int8, dense tables', bits: 2, weightBits: 8 as const, cuba: false, layout: 'dense' as const },
    { name: 'counts 0..3, CubaLIF, int16, sparse tables', bits: 2, weightBits: 16 as const, cuba: true, layout: 'sparse' as const },
    { name: 'counts 0..15, LIF, int8, sparse tables, 17 channels', bits: 4, weightBits: 8 as const, cuba: false, layout: 'sparse' as const, dim: 17 },
  ])('host-c: $name', (o) => {
    let fw: ChildBoard | undefined;
    afterAll(async () => fw?.stop());
    it('answers 30 random count trains exactly like the reference simulator', async () => {
      const graph = directGraph(o);
      const dim = o.dim ?? 11;
      const { fw: built, emitted } = build(graph, 'host-c', 'spikes', `dcount${o.bits}${o.weightBits}${o.layout}`);
      expect(emitted.plan.synapses.map((s) => s.table.layout)).toContain(o.layout);
      fw = await spawnBoard(built.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 10000 });
      const inputs = spikeTrains(30, graph.timesteps, dim, 2 ** o.bits - 1, 90 + o.bits + o.weightBits, 0.4);
      expect(inputs.some((x) => x.steps.some((r) => r.some((c) => c > 1)))).toBe(true);
      const want = inputs.map((x) => simulate(graph, x, 'integer'));
      expect(new Set(want.map((r) => JSON.stringify(r.scores))).size).toBeGreaterThan(3);
      for (const [k, x] of inputs.entries()) expect(STRIP((await fw.board.classify(x)) as never), `input ${k}`).toEqual(want[k]);
    });
  });

  const avr = toolGate(['avr-gcc', 'simavr']);
  describe.skipIf(avr.skip)('Arduino Uno (simavr)', () => {
    let b: ChildBoard | undefined;
    afterAll(async () => b?.stop());
    it('builds and answers counts 0..3 like the reference', async () => {
      const graph = directGraph({ bits: 2, weightBits: 8, cuba: true, layout: 'sparse', T: 12 });
      const harness = buildHarness('simavr-uart', SIMAVR_FLAGS);
      const { emitted, fw } = build(graph, 'arduino-uno', 'spikes', 'unodcount');
      // snn_counts.c is linked, and the image stays within the budget computed before building
      expect(fw.text + fw.data).toBeLessThanOrEqual(emitted.budget.flashBytes);
      b = await spawnBoard(harness, [fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 30000 });
      for (const [k, x] of spikeTrains(4, graph.timesteps, 11, 3, 5, 0.4).entries()) expect(STRIP((await b.board.classify(x)) as never), `input ${k}`).toEqual(simulate(graph, x, 'integer'));
    });
  });

  const arm = toolGate(['arm-none-eabi-gcc', 'qemu-system-arm']);
  describe.skipIf(arm.skip)('Cortex-M3 (qemu)', () => {
    let b: ChildBoard | undefined;
    afterAll(async () => b?.stop());
    it('builds and answers counts 0..7 like the reference', async () => {
      const graph = directGraph({ bits: 3, weightBits: 16, cuba: false, layout: 'dense', T: 12 });
      const { emitted, fw } = build(graph, 'cortex-m3', 'spikes', 'cm3dcount');
      expect(fw.text + fw.data).toBeLessThanOrEqual(emitted.budget.flashBytes);
      b = await spawnBoard('qemu-system-arm', [...QEMU_CM3, '-kernel', fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 30000 });
      for (const [k, x] of spikeTrains(4, graph.timesteps, 11, 7, 6, 0.4).entries()) expect(STRIP((await b.board.classify(x)) as never), `input ${k}`).toEqual(simulate(graph, x, 'integer'));
    });
  });
});
