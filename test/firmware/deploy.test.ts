// `snnc deploy` for C targets: a .snn file in, model sources + firmware sources + budget.json
// (+ the built image when the toolchain exists) out; the host-c image answers like the
// reference; a model that does not fit the Uno fails before anything is written as an image.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../compiler/api/deploy.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { loadTarget } from '../../targets/index.js';
import { simulate } from '../../runtime/reference.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { spawnBoard, sst2Inputs, sst2Vocab, tempDir, toolGate } from './helpers.js';

const gate = toolGate(['gcc']);

describe('snnc deploy (C targets)', () => {
  const model = tinyTextCnn({ vocab: 300, dim: 10, maps: 6, maxLen: 16, timesteps: 6, seed: 13 });
  model.vocab = sst2Vocab(300);
  const dir = tempDir('deploy');
  const file = join(dir, 'model.snn');
  writeModelFile(file, model);

  it.skipIf(gate.skip)('host-c: writes sources, budget.json and a firmware that equals the reference', async () => {
    gate.assert();
    const out = join(dir, 'host');
    const r = await runDeploy([file], { target: 'host-c', out });
    for (const f of ['model.h', 'model.c', 'budget.json', 'firmware/snn_kernel.c', 'firmware/snn_proto.c', 'firmware/snn_firmware.c', 'snn-firmware']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(r.text).toMatch(/deployed tiny for host-c \(tokens mode\)/);
    const budget = JSON.parse(readFileSync(join(out, 'budget.json'), 'utf8')) as { modelHash: number; stateBytes: number };
    const saved = (await import('../../compiler/frontend/model-format.js')).readModelFile(file);
    // deploy's default schedule: auto, with the target's RAM
    const graph = runPipeline(saved.graph, { weightBits: 8, prune: 0, layout: 'auto', schedule: 'auto', ramBytes: loadTarget('host-c').ramBytes }).graph;
    expect(r.text).toMatch(graph.nodes.some((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped') ? /schedule: level-grouped/ : /schedule: event-driven/);
    const b = await spawnBoard(join(out, 'snn-firmware'), [], { graph, modelHash: budget.modelHash });
    expect(b.board.info.stateBytes).toBe(budget.stateBytes);
    for (const x of sst2Inputs(saved, 20)) {
      const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await b.board.classify(x);
      expect(got).toEqual(simulate(graph, x, 'integer'));
    }
    await b.stop();
  });

  it('arduino-uno without building: sources and budget only; too big fails with SNN_E_TOO_BIG', async () => {
    const out = join(dir, 'uno');
    const r = await runDeploy([file], { target: 'arduino-uno', out, build: false });
    expect(r.budget?.mode).toBe('spikes');
    expect(existsSync(join(out, 'firmware.elf'))).toBe(false);
    expect(readFileSync(join(out, 'model.c'), 'utf8')).not.toContain('snn_levels_');
    const big = tinyTextCnn({ vocab: 300, dim: 16, maps: 24, maxLen: 40, timesteps: 6, seed: 14 });
    big.vocab = sst2Vocab(300);
    writeModelFile(join(dir, 'big.snn'), big);
    await expect(runDeploy([join(dir, 'big.snn')], { target: 'arduino-uno', out: join(dir, 'big') })).rejects.toThrow(/SNN_E_TOO_BIG.*bytes of RAM/);
    await expect(runDeploy([file], { target: 'arduino-uno', out, mode: 'bits' })).rejects.toThrow(/SNN_E_USAGE/);
    await expect(runDeploy([file], { target: 'nope', out })).rejects.toThrow(/unknown target/);
  });
});
