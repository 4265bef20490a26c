// Cortex-M3 on emulated silicon: snnc firmware (arm-none-eabi-gcc) in QEMU's mps2-an385 with
// UART0 on stdio must equal the reference simulator on 200 SST-2 sentences; the TCG plugin
// in harness/insn-count.c counts the instructions the compute kernel executes, exactly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../runtime/reference.js';
import { QEMU_CM3, build, buildHarness, computeRanges, fastVariantModel, integerModel, spawnBoard, sst2Inputs, toolGate, unoModel, type ChildBoard } from './helpers.js';

const gate = toolGate(['arm-none-eabi-gcc', 'qemu-system-arm', 'gcc']);

describe.skipIf(gate.skip)('cortex-m3 firmware in QEMU mps2-an385', () => {
  const boards: ChildBoard[] = [];
  let plugin = '';
  beforeAll(() => {
    gate.assert();
    plugin = buildHarness('insn-count', ['-shared', '-fPIC']);
  });
  afterAll(async () => {
    for (const b of boards) await b.stop();
  });

  const cases = [
    { name: 'tokens mode, rate 4-bit', mode: 'tokens' as const, make: () => integerModel({ vocab: 800, dim: 12, maps: 8, maxLen: 24, timesteps: 10, scheme: 'rate', bits: 4, seed: 3 }) },
    { name: 'uno configuration, spikes mode', mode: 'spikes' as const, make: () => unoModel() },
    { name: 'uno configuration, tokens mode', mode: 'tokens' as const, make: () => unoModel() },
    { name: 'fast conv variants (flags, integrate-only, counts; 2 blocks), spikes mode', mode: 'spikes' as const, make: () => fastVariantModel() },
  ];

  it.each(cases)('$name: equals the reference on 200 SST-2 sentences; instructions counted', async (c) => {
    const { model, graph } = c.make();
    const inputs = sst2Inputs(model, 200);
    const { emitted, fw } = build(graph, 'cortex-m3', c.mode, 'cm3');
    expect(fw.text + fw.data).toBeLessThanOrEqual(emitted.budget.flashBytes);
    expect(fw.data + fw.bss).toBeLessThanOrEqual(emitted.budget.ramBytes - 1024);
    const ranges = computeRanges('arm-none-eabi-nm', fw.elf);
    expect(ranges.length).toBeGreaterThan(5);
    const pluginArg = [`${plugin}`, ...ranges.map(([lo, hi]) => `range=0x${lo.toString(16)}-0x${hi.toString(16)}`)].join(',');
    const b = await spawnBoard('qemu-system-arm', [...QEMU_CM3, '-plugin', pluginArg, '-kernel', fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 20000 });
    boards.push(b);
    expect(b.board.info).toMatchObject({ board: 'cortex-m3', mode: c.mode, stateBytes: emitted.budget.stateBytes, pointerBytes: 4 });
    let sops = 0;
    for (let i = 0; i < inputs.length; i++) {
      const want = simulate(graph, inputs[i], 'integer');
      const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(inputs[i]);
      expect(got, `sentence ${i}`).toEqual(want);
      sops += want.ops.sops;
    }
    await b.stop('SIGTERM');
    const m = /insns=(\d+) compute=(\d+)/.exec(b.stderr());
    expect(m, b.stderr()).not.toBeNull();
    const compute = Number(m![2]);
    expect(compute).toBeGreaterThan(sops);
    console.log(`[cortex-m3] ${c.name}: ${(compute / inputs.length).toFixed(0)} instructions/inference, ${(compute / sops).toFixed(2)} instructions/sop`);
  });
});
