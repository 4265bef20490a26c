// The level-grouped input schedule (docs/semantics.md) in the C firmware: graphs whose
// encoder-fed synapses are grouped run on host-c, the Uno (simavr), the Cortex-M3 (QEMU) and
// the native aarch64 build (qemu-user) and equal the reference simulator bit for bit, op
// counters included (forming, per-step sums, rows read once), on real and random sentences.

import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Model } from '../../compiler/ir/types.js';
import type { CMode } from '../../compiler/backends/c/plan.js';
import { emitC } from '../../compiler/backends/c/index.js';
import { buildRpiNative } from '../../compiler/deploy/rpi.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate, type SimInput } from '../../runtime/reference.js';
import { loadTarget, repoRoot } from '../../targets/index.js';
import { groupAll, randomSentences, textCnn, textCnnEncoderFed } from '../wasm/graphs.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { QEMU_CM3, SIMAVR_FLAGS, build, buildHarness, computeRanges, fastVariantModel, spawnBoard, sst2Inputs, sst2Vocab, tempDir, toolGate, unoModel, type ChildBoard } from './helpers.js';

interface Case {
  name: string;
  make: () => { graph: Graph; inputs: SimInput[] };
  mode: CMode;
  /** What the plan must take: the binary fast path, the generic one, or both. */
  paths: ('fast' | 'generic')[];
}

const grouped = (m: Model, count: number) => {
  const graph = runPipeline(m.graph, { schedule: 'grouped' }).graph;
  return { graph, inputs: sst2Inputs({ ...m, graph }, count) };
};
const random = (graph: Graph, count: number, vocab: number, maxLen: number, seed: number) => ({ graph, inputs: randomSentences(count, vocab, maxLen, seed).map((t) => ({ tokens: t })) });

/** Every conv fires its population alone (the fast path), one population's flags are read by a max-pooled dense (flags, not counts), leak, reset to zero. */
function fastFlags(scheme: 'binary' | 'rate', maps = 16): { model: Model; graph: Graph } {
  const float = tinyTextCnn({ vocab: 400, dim: 11, maps, widths: [2, 3, 5], maxLen: 10, timesteps: 6, reset: 'zero', beta: 0.8, seed: 23, scheme });
  float.vocab = sst2Vocab(400);
  const nodes = float.graph.nodes;
  const r = nodes.findIndex((n) => n.kind === 'readout');
  const aux = new Float32Array(maps * 4).map((_, k) => ((k * 7919) % 13) / 13 - 0.4);
  nodes.splice(
    r,
    0,
    { kind: 'dense', id: 'fcmax', from: 'lif2', to: 'aux', inFeatures: maps, outFeatures: 4, pool: 'max-positions', weight: { dtype: 'f32', shape: [maps, 4], data: aux } },
    { kind: 'lif', id: 'aux', channels: 4, perPosition: false, reset: 'subtract', beta: 1, threshold: 0.5 },
  );
  return { model: float, graph: runPipeline(float.graph, { schedule: 'grouped' }).graph };
}

const HOST: Case[] = [
  { name: 'uno configuration, spikes mode (binary fast path, counts)', make: () => { const u = unoModel(11, 'grouped'); return { graph: u.graph, inputs: sst2Inputs(u.model, 200) }; }, mode: 'spikes', paths: ['fast'] },
  { name: 'uno configuration, tokens mode', make: () => { const u = unoModel(11, 'grouped'); return { graph: u.graph, inputs: sst2Inputs(u.model, 200) }; }, mode: 'tokens', paths: ['fast'] },
  { name: 'binary fast path, flags + max-pooled reader, leak, reset to zero, widths 2/3/5', make: () => { const f = fastFlags('binary'); return { graph: f.graph, inputs: sst2Inputs(f.model, 150) }; }, mode: 'spikes', paths: ['fast'] },
  { name: 'fast conv variants, binary (two convs into one population: generic), spikes mode', make: () => { const f = fastVariantModel({ scheme: 'binary', bits: 1 }, 'grouped'); return { graph: f.graph, inputs: sst2Inputs(f.model, 150) }; }, mode: 'spikes', paths: ['generic'] },
  { name: 'rate 4-bit textCnn, tokens mode (levels 1..15, clock)', make: () => random(groupAll(textCnn(undefined, { seed: 3 })), 150, 50, 16, 5), mode: 'tokens', paths: ['generic'] },
  { name: 'rate 4-bit at T = 3 (dead levels 1, 2)', make: () => random(groupAll(textCnn(undefined, { timesteps: 3, seed: 13, bias: 15 })), 150, 50, 16, 6), mode: 'tokens', paths: ['generic'] },
  { name: 'encoder-fed conv + position-wise dense + pooled dense, int8', make: () => random(groupAll(textCnnEncoderFed({ seed: 41 })), 150, 40, 12, 7), mode: 'tokens', paths: ['generic'] },
  { name: 'encoder-fed, sparse int16', make: () => random(groupAll(textCnnEncoderFed({ seed: 42, table: 'sparse', weightBits: 16, zeros: 0.5 })), 150, 40, 12, 8), mode: 'tokens', paths: ['generic'] },
  {
    name: 'one encoder, both schedules (position-wise dense event-driven), leak',
    make: () => {
      const g = groupAll(textCnnEncoderFed({ seed: 43, leakShifts: [3] }));
      return random({ ...g, nodes: g.nodes.map((n) => (n.id === 'ppd' ? { ...n, schedule: undefined } : n)) }, 150, 40, 12, 9);
    },
    mode: 'tokens',
    paths: ['generic'],
  },
  { name: 'encoder-fed, 32-bit membranes', make: () => random(groupAll(textCnnEncoderFed({ seed: 44, stateBits: 32 })), 120, 40, 12, 10), mode: 'tokens', paths: ['generic'] },
];

function check(c: Case, graph: Graph, target = loadTarget('host-c')): ReturnType<typeof emitC> {
  const e = emitC(graph, target, { mode: c.mode, noFitCheck: true });
  const g = e.plan.synapses.filter((s) => s.grouped);
  expect(g.length).toBeGreaterThan(0);
  for (const p of c.paths) expect(g.some((s) => (p === 'fast') === s.grouped!.fast), p).toBe(true);
  return e;
}

async function equalOnBoard(b: ChildBoard, graph: Graph, inputs: SimInput[]): Promise<{ cycles: number; sops: number }> {
  let cycles = 0;
  let sops = 0;
  for (let i = 0; i < inputs.length; i++) {
    const want = simulate(graph, inputs[i], 'integer');
    const { cycles: c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(inputs[i]);
    expect(got, `sentence ${i}`).toEqual(want);
    cycles += c;
    sops += want.ops.sops;
  }
  return { cycles, sops };
}

describe.skipIf(toolGate(['gcc']).skip)('grouped schedule on host-c', () => {
  it('refuses a grouped synapse over multi-bit levels in spikes mode (the board sees spikes, not levels)', () => {
    expect(() => emitC(groupAll(textCnn(undefined, { seed: 3 })), loadTarget('host-c'), { mode: 'spikes' })).toThrow(/SNN_E_BACKEND.*spikes mode/);
  });
  it('snnc deploy --schedule grouped --timesteps 4: the firmware runs the grouped graph at T = 4 (usage errors are SNN_E_USAGE)', async () => {
    const { runDeploy } = await import('../../compiler/api/deploy.js');
    const float = tinyTextCnn({ vocab: 400, dim: 16, maps: 8, widths: [3, 4, 5], maxLen: 16, timesteps: 8, scheme: 'binary', population: 2, seed: 12 });
    float.vocab = sst2Vocab(400);
    const file = join(tempDir('deploygrouped'), 'model.snn');
    (await import('../../compiler/frontend/model-format.js')).writeModelFile(file, float);
    const out = tempDir('deploygrouped-out');
    const r = await runDeploy([file], { target: 'host-c', out, schedule: 'grouped', timesteps: '4' });
    expect(r.text).toMatch(/deployed/);
    const graph = runPipeline({ ...float.graph, timesteps: 4 }, { schedule: 'grouped' }).graph;
    const b = await spawnBoard(join(out, 'snn-firmware'), [], { graph, timeoutMs: 20000 });
    try {
      expect(b.board.info.timesteps).toBe(4);
      await equalOnBoard(b, graph, sst2Inputs({ ...float, graph }, 60));
    } finally {
      await b.stop();
    }
    await expect(runDeploy([file], { target: 'host-c', out, timesteps: '0' })).rejects.toThrow(/SNN_E_USAGE/);
    await expect(runDeploy([file], { target: 'host-c', out, schedule: 'sideways' })).rejects.toThrow(/SNN_E_USAGE/);
  });
  it.each(HOST)('$name: equals the reference, counters included', async (c) => {
    const { graph, inputs } = c.make();
    check(c, graph);
    const { emitted, fw } = build(graph, 'host-c', c.mode, 'grouped');
    const b = await spawnBoard(fw.elf, [], { graph, modelHash: emitted.hash, timeoutMs: 20000 });
    try {
      await equalOnBoard(b, graph, inputs);
    } finally {
      await b.stop();
    }
  });
});

const unoFile = join(repoRoot(), 'examples', 'uno', 'model.snn');
const avrGate = toolGate(['avr-gcc', 'gcc', '/usr/include/simavr/sim_avr.h']);
describe.skipIf(avrGate.skip)('grouped schedule on the Uno (simavr)', () => {
  let harness = '';
  beforeAll(() => {
    avrGate.assert();
    harness = buildHarness('simavr-uart', SIMAVR_FLAGS);
  });
  const cases: (Case & { count?: number })[] = [
    HOST[0],
    ...(existsSync(unoFile) ? [{ name: 'examples/uno, spikes mode', make: () => grouped(readModelFile(unoFile), 100), mode: 'spikes' as const, paths: ['fast' as const] }] : []),
    // smaller shapes where H must fit the Uno's 2 KB
    { name: 'binary fast path, flags + max-pooled reader, leak, reset to zero (8 maps)', make: () => { const f = fastFlags('binary', 8); return { graph: f.graph, inputs: sst2Inputs(f.model, 100) }; }, mode: 'spikes', paths: ['fast'] },
    { name: 'fast conv variants, binary, 6 channels (generic), spikes mode', make: () => { const f = fastVariantModel({ scheme: 'binary', bits: 1, dim: 6, maps: 8, maxLen: 8 }, 'grouped'); return { graph: f.graph, inputs: sst2Inputs(f.model, 100) }; }, mode: 'spikes', paths: ['generic'] },
    { name: 'rate 2-bit, 6 positions, tokens mode (level clock)', make: () => random(groupAll(textCnn({ vocab: 50, dim: 6, maxLen: 6, widths: [2, 3], channels: 4, classes: 2, population: 2 }, { bits: 2, seed: 5 })), 100, 50, 6, 11), mode: 'tokens', paths: ['generic'] },
    { name: 'sparse int16, 32-bit sums, tokens mode', make: () => random(groupAll(textCnn({ vocab: 40, dim: 5, maxLen: 6, widths: [3], channels: 4, classes: 2, population: 1 }, { bits: 2, seed: 6, table: 'sparse', weightBits: 16, zeros: 0.5, stateBits: 32 })), 100, 40, 6, 12), mode: 'tokens', paths: ['generic'] },
  ];
  it.each(cases)('$name: fits, RAM exact, stack within the reserve, equals the reference', async (c) => {
    const { graph, inputs } = c.make();
    check(c, graph, loadTarget('arduino-uno'));
    const { emitted, fw } = build(graph, 'arduino-uno', c.mode, 'unogrouped');
    expect(emitted.budget.fits).toBe(true);
    expect(fw.data + fw.bss).toBe(emitted.budget.ramBytes - emitted.budget.stackBytes);
    expect(fw.text + fw.data).toBeLessThanOrEqual(emitted.budget.flashBytes);
    const b = await spawnBoard(harness, [fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 30000, env: { SNN_STACK: '1' } });
    let r: { cycles: number; sops: number };
    try {
      r = await equalOnBoard(b, graph, inputs.slice(0, 100));
    } finally {
      await b.stop('SIGTERM');
    }
    const stack = Number(/stack=(\d+)/.exec(b.stderr())?.[1]);
    expect(stack).toBeGreaterThan(0);
    expect(stack).toBeLessThanOrEqual(emitted.budget.stackBytes);
    console.log(`[grouped] uno ${c.name}: ${(r.cycles / Math.min(100, inputs.length)).toFixed(0)} cycles/inference, ${r.sops / Math.min(100, inputs.length)} sops, RAM ${emitted.budget.ramBytes} B, flash ${fw.text + fw.data} B, deepest stack ${stack} B`);
  });
});

const armGate = toolGate(['arm-none-eabi-gcc', 'qemu-system-arm', 'gcc']);
describe.skipIf(armGate.skip)('grouped schedule on the Cortex-M3 (QEMU)', () => {
  let plugin = '';
  beforeAll(() => {
    armGate.assert();
    plugin = buildHarness('insn-count', ['-shared', '-fPIC']);
  });
  it.each([HOST[1], HOST[2], HOST[4], HOST[6], HOST[9]])('$name: equals the reference; instructions counted', async (c) => {
    const { graph, inputs } = c.make();
    check(c, graph, loadTarget('cortex-m3'));
    const { emitted, fw } = build(graph, 'cortex-m3', c.mode, 'cm3grouped');
    expect(fw.text + fw.data).toBeLessThanOrEqual(emitted.budget.flashBytes);
    const ranges = computeRanges('arm-none-eabi-nm', fw.elf).map(([lo, hi]) => `range=0x${lo.toString(16)}-0x${hi.toString(16)}`);
    const b = await spawnBoard('qemu-system-arm', [...QEMU_CM3, '-plugin', [plugin, ...ranges].join(','), '-kernel', fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 30000 });
    let r: { cycles: number; sops: number };
    try {
      r = await equalOnBoard(b, graph, inputs.slice(0, 100));
    } finally {
      await b.stop('SIGTERM');
    }
    const compute = Number(/compute=(\d+)/.exec(b.stderr())?.[1]);
    expect(compute).toBeGreaterThan(0);
    console.log(`[grouped] cortex-m3 ${c.name}: ${(compute / Math.min(100, inputs.length)).toFixed(0)} instructions/inference (${(compute / r.sops).toFixed(2)} per sop)`);
  });
});

const rpiGate = toolGate(['qemu-aarch64-static', 'aarch64-linux-gnu-gcc']);
describe.skipIf(rpiGate.skip)('grouped schedule, native aarch64 firmware (qemu-user)', () => {
  it.each([HOST[1], HOST[6]])('$name: equals the reference', async (c) => {
    rpiGate.assert();
    const { graph, inputs } = c.make();
    const { emitted, fw } = buildRpiNative(graph, 'grouped', tempDir('rpigrouped'));
    expect(emitted.plan.synapses.some((s) => s.grouped)).toBe(true);
    const b = await spawnBoard('qemu-aarch64-static', ['-L', '/usr/aarch64-linux-gnu', fw.elf], { graph, modelHash: emitted.hash, timeoutMs: 30000 });
    try {
      await equalOnBoard(b, graph, inputs.slice(0, 100));
    } finally {
      await b.stop();
    }
  });
});
