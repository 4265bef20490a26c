// `snnc run model.snn --port <path>` end to end through the real serial path: a float .snn
// model, `snnc deploy --target host-c` (spikes mode, so the host encodes with the graph it
// lowers itself), the firmware behind a socat pty, and the CLI in process opening the pty with
// serialport. Label, scores and op counters equal the reference simulator's; a board deployed
// with other options (model hash differs) is refused with a message naming the fix.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/cli.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { simulate } from '../../runtime/reference.js';
import { Vocab, textToIds } from '../../runtime/tokenizer.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { sst2Sentences, sst2Vocab, tempDir, toolGate } from './helpers.js';

const gate = toolGate(['gcc', 'socat']);

async function cli(args: string[]): Promise<{ code: number; out: Record<string, unknown> }> {
  let text = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    const code = await main(args);
    return { code, out: JSON.parse(text) as Record<string, unknown> };
  } finally {
    spy.mockRestore();
  }
}

describe.skipIf(gate.skip)('snnc run --port: host-c firmware behind a pty', () => {
  const model = tinyTextCnn({ vocab: 300, dim: 10, maps: 4, widths: [3, 4], maxLen: 12, timesteps: 6, seed: 23 });
  model.vocab = sst2Vocab(300);
  const maxLen = 12;
  const texts = sst2Sentences()
    .slice(0, 3)
    .map((s) => s.text);
  let dir = '';
  let snn = '';
  let socat: ChildProcess | undefined;

  beforeAll(async () => {
    gate.assert();
    dir = tempDir('run-port');
    snn = join(dir, 'model.snn');
    writeModelFile(snn, model);
    expect((await cli(['deploy', snn, '--target', 'host-c', '--mode', 'spikes', '-o', join(dir, 'w8'), '--json'])).code).toBe(0);
    expect((await cli(['deploy', snn, '--target', 'host-c', '--mode', 'spikes', '--weight-bits', '16', '-o', join(dir, 'w16'), '--json'])).code).toBe(0);
  }, 60000);

  async function stopBoard(): Promise<void> {
    if (socat && socat.exitCode === null && socat.signalCode === null) {
      const done = new Promise((r) => socat!.once('exit', r));
      socat.kill('SIGTERM');
      await done;
    }
  }
  afterEach(stopBoard);

  /** A pty whose other end is the firmware (a fresh process, like a board reset on open). */
  async function board(build: string): Promise<string> {
    const link = join(tempDir('pty'), 'board');
    socat = spawn('socat', [`pty,raw,echo=0,link=${link}`, `EXEC:${join(dir, build, 'snn-firmware')}`], { stdio: 'ignore' });
    const t0 = Date.now();
    while (!existsSync(link)) {
      if (Date.now() - t0 > 10000) throw new Error('socat pty did not appear');
      await new Promise((r) => setTimeout(r, 20));
    }
    return link;
  }

  it('classifies like the reference simulator (label, scores, every op counter, layer spikes)', async () => {
    const graph = runPipeline(model.graph, { weightBits: 8, prune: 0, layout: 'auto' }).graph;
    const vocab = new Vocab(model.vocab!);
    for (const text of texts) {
      const link = await board('w8');
      const { code, out } = await cli(['run', snn, '--port', link, text, '--json']);
      expect(code, JSON.stringify(out)).toBe(0);
      const want = simulate(graph, { tokens: textToIds(text, vocab, maxLen) }, 'integer');
      expect(out.ids).toEqual(textToIds(text, vocab, maxLen));
      expect({ label: out.label, scores: out.scores, ops: out.ops }).toEqual({ label: want.label, scores: want.scores, ops: want.ops });
      expect(Object.values(out.layerSpikes as Record<string, number>)).toEqual(want.layerSpikes);
      expect(out.class).toBe(model.meta.classes[want.label]);
      await stopBoard();
    }
  }, 60000);

  it('a board deployed with other weight bits is refused (model hash), naming the option; with it, it runs', async () => {
    const link = await board('w16');
    const bad = await cli(['run', snn, '--port', link, texts[0], '--json']);
    expect(bad.code).toBe(1);
    const err = (bad.out as { error: { code: string; message: string; hint: string } }).error;
    expect(err.code).toBe('SNN_E_ARTIFACT');
    expect(err.message).toMatch(/host-c board on .* runs model [0-9a-f]{8} \(spikes mode\), but .*model\.snn lowered with --weight-bits 8 gives [0-9a-f]{8}/);
    expect(err.hint).toBe('the firmware was deployed with --weight-bits 16: pass --weight-bits 16 to snnc run');
    await stopBoard();
    const link2 = await board('w16');
    const ok = await cli(['run', snn, '--port', link2, texts[0], '--weight-bits', '16', '--json']);
    expect(ok.code, JSON.stringify(ok.out)).toBe(0);
    const graph16 = runPipeline(model.graph, { weightBits: 16, prune: 0, layout: 'auto' }).graph;
    const want = simulate(graph16, { tokens: textToIds(texts[0], new Vocab(model.vocab!), maxLen) }, 'integer');
    expect({ label: ok.out.label, scores: ok.out.scores, ops: ok.out.ops }).toEqual({ label: want.label, scores: want.scores, ops: want.ops });
  }, 60000);

  it('a port nobody answers on fails with SNN_E_DEVICE after its retries', async () => {
    const link = join(tempDir('pty'), 'silent');
    socat = spawn('socat', [`pty,raw,echo=0,link=${link}`, 'EXEC:sleep 10'], { stdio: 'ignore' });
    const t0 = Date.now();
    while (!existsSync(link)) {
      if (Date.now() - t0 > 10000) throw new Error('socat pty did not appear');
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await cli(['run', snn, '--port', link, texts[0], '--timeout', '200', '--json']);
    expect(r.code).toBe(1);
    expect((r.out as { error: { code: string; message: string } }).error.message).toMatch(/SNN_E_DEVICE: the board did not complete the request after 3 attempts: no reply within 200 ms/);
  }, 30000);
});
