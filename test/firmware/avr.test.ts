// AVR on emulated silicon: snnc firmware for the Arduino Uno (avr-gcc, ATmega328P) runs in
// simavr through test/firmware/harness/simavr-uart.c (UART0 on stdio, exact cycle counts) and
// must equal the reference simulator on 200 real SST-2 sentences, counters included.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../runtime/reference.js';
import { SIMAVR_FLAGS, build, buildHarness, fastVariantModel, integerModel, spawnBoard, sst2Inputs, toolGate, unoModel, type ChildBoard } from './helpers.js';

const gate = toolGate(['avr-gcc', 'gcc', '/usr/include/simavr/sim_avr.h']);

describe.skipIf(gate.skip)('arduino-uno firmware in simavr', () => {
  const boards: ChildBoard[] = [];
  let harness = '';
  beforeAll(() => {
    gate.assert();
    harness = buildHarness('simavr-uart', SIMAVR_FLAGS);
  });
  afterAll(async () => {
    for (const b of boards) await b.stop();
  });

  it('uno configuration (spikes mode): fits, and equals the reference on 200 SST-2 sentences', async () => {
    const { model, graph } = unoModel();
    const inputs = sst2Inputs(model, 200);
    const { emitted, fw } = build(graph, 'arduino-uno', 'spikes', 'uno');
    expect(emitted.budget.fits).toBe(true);
    // the fast conv (firmware-stubs/snn_fast.c) with spike counts for the mean-pooled denses
    expect(emitted.plan.synapses.filter((s) => s.lut).length).toBe(3);
    expect(emitted.plan.pops.filter((p) => p.counts).length).toBe(3);
    // the prediction made before building: state exact, code within the budgeted bound
    expect(fw.data + fw.bss).toBe(emitted.budget.ramBytes - emitted.budget.stackBytes); // exact: state + receive buffer + firmware statics
    expect(fw.text).toBeLessThanOrEqual(emitted.budget.flashBytes);
    const b = await spawnBoard(harness, [fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 20000, env: { SNN_STACK: '1' } });
    boards.push(b);
    expect(b.board.info).toMatchObject({ board: 'arduino-uno', mode: 'spikes', stateBytes: emitted.budget.stateBytes, pointerBytes: 2 });
    let cycles = 0;
    let sops = 0;
    for (let i = 0; i < inputs.length; i++) {
      const want = simulate(graph, inputs[i], 'integer');
      const { cycles: c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(inputs[i]);
      expect(got, `sentence ${i}`).toEqual(want);
      cycles += c;
      sops += want.ops.sops;
    }
    expect(sops).toBeGreaterThan(0);
    expect(cycles).toBeGreaterThan(sops); // the timer really counts
    await b.stop('SIGTERM');
    const stack = Number(/stack=(\d+)/.exec(b.stderr())?.[1]);
    expect(stack).toBeGreaterThan(0);
    expect(stack).toBeLessThanOrEqual(emitted.budget.stackBytes);
    console.log(`[avr] uno spikes mode: ${(cycles / inputs.length).toFixed(0)} cycles/inference, ${(cycles / sops).toFixed(2)} cycles/sop, deepest stack ${stack} B`);
  });

  // every path of the asm block: flags written (a max-pooled reader), integrate-only (two convs
  // into one population, then snn_fire16), spike counts, two blocks of 8 channels (strides),
  // reset to zero, leak, a width-2 conv (no left padding), 6 channels (a padded nibble)
  it.each(['spikes', 'tokens'] as const)('fast conv variants (%s mode): equal the reference on SST-2 sentences', async (mode) => {
    const { model, graph } = fastVariantModel({ dim: 6, widths: [2, 3, 4] });
    const inputs = sst2Inputs(model, mode === 'spikes' ? 60 : 40);
    const { emitted, fw } = build(graph, 'arduino-uno', mode, `unofast${mode}`);
    expect(emitted.plan.synapses.filter((s) => s.lut).length).toBe(4);
    expect(emitted.plan.pops.filter((p) => p.fused).length).toBe(2);
    expect(emitted.plan.pops.filter((p) => p.counts).length).toBe(1);
    expect(fw.data + fw.bss).toBe(emitted.budget.ramBytes - emitted.budget.stackBytes);
    expect(fw.text).toBeLessThanOrEqual(emitted.budget.flashBytes);
    const b = await spawnBoard(harness, [fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 20000, env: { SNN_STACK: '1' } });
    boards.push(b);
    let spikes = 0;
    for (let i = 0; i < inputs.length; i++) {
      const want = simulate(graph, inputs[i], 'integer');
      const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(inputs[i]);
      expect(got, `sentence ${i}`).toEqual(want);
      spikes += want.layerSpikes[0] + want.layerSpikes[1];
    }
    expect(spikes).toBeGreaterThan(0);
    await b.stop('SIGTERM');
    expect(Number(/stack=(\d+)/.exec(b.stderr())?.[1])).toBeLessThanOrEqual(emitted.budget.stackBytes);
  });

  it('tokens mode (embedding levels in flash): equals the reference on 200 SST-2 sentences', async () => {
    const { model, graph } = integerModel({ vocab: 600, dim: 12, maps: 4, widths: [3, 5], maxLen: 12, timesteps: 6, scheme: 'rate', bits: 2, population: 1, seed: 21 });
    const inputs = sst2Inputs(model, 200);
    const { emitted, fw } = build(graph, 'arduino-uno', 'tokens', 'unotok');
    const b = await spawnBoard(harness, [fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 20000 });
    boards.push(b);
    expect(b.board.info.mode).toBe('tokens');
    for (let i = 0; i < inputs.length; i++) {
      const want = simulate(graph, inputs[i], 'integer');
      const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(inputs[i]);
      expect(got, `sentence ${i}`).toEqual(want);
    }
  });
});
