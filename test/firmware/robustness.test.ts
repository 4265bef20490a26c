// Robustness: the firmware frame parser under AddressSanitizer/UBSan (1M random and mutated
// frames, plus libFuzzer), the emulated Uno recovering from malformed frames, and SerialBoard
// turning lost replies, board resets, silence and disconnects into retries or a clear
// SnncError, never a hang.

import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../runtime/reference.js';
import { SerialBoard } from '../../runtime/serial/board.js';
import { streamTransport, type ByteTransport } from '../../runtime/serial/transport.js';
import { FrameParser, MSG, encodeFrame, frameBody, pack7, type ParserEvent } from '../../runtime/serial/protocol.js';
import { repoRoot } from '../../targets/index.js';
import { IN_CI, SIMAVR_FLAGS, build, buildHarness, integerModel, spawnBoard, sst2Inputs, tempDir, toolGate, which, type ChildBoard } from './helpers.js';
import { rng } from '../helpers/tiny-model.js';

const stubs = join(repoRoot(), 'firmware-stubs');
const fuzzSrc = join(repoRoot(), 'test', 'firmware', 'harness', 'fuzz-proto.c');
const small = integerModel({ vocab: 300, dim: 10, maps: 4, widths: [3, 5], maxLen: 12, timesteps: 6, scheme: 'rate', bits: 2, population: 1, seed: 41 });
const inputs = sst2Inputs(small.model, 40);
const strip = <T extends { cycles: number; bytesSent: number; bytesReceived: number; attempts: number }>(r: T) => {
  const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...rest } = r;
  return rest;
};

describe('frame parser under sanitizers', () => {
  const gate = toolGate(['gcc']);
  it.skipIf(gate.skip)('survives 1,000,000 random and mutated frames (ASan + UBSan) and always recovers', () => {
    gate.assert();
    const bin = join(tempDir('fuzz'), 'fuzz-proto');
    execFileSync('gcc', ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', `-I${stubs}`, '-o', bin, fuzzSrc, join(stubs, 'snn_proto.c')]);
    const out = execFileSync(bin, ['1000000'], { encoding: 'utf8' });
    const m = /frames=(\d+) intact=(\d+) mutated=(\d+) recovered=(\d+)/.exec(out)!;
    expect(Number(m[1])).toBe(1000000);
    expect(Number(m[2])).toBeGreaterThan(100000);
    expect(Number(m[4])).toBe(Number(m[3]));
  });

  const lf = toolGate(['clang']);
  it.skipIf(lf.skip)('libFuzzer finds nothing in 300,000 runs', (ctx) => {
    lf.assert();
    const bin = join(tempDir('libfuzzer'), 'fuzz-lf');
    try {
      execFileSync('clang', ['-O1', '-g', '-fsanitize=fuzzer,address,undefined', '-DSNN_LIBFUZZER', `-I${stubs}`, '-o', bin, fuzzSrc, join(stubs, 'snn_proto.c')], { stdio: 'pipe' });
    } catch (e) {
      if (IN_CI) throw new Error(`clang cannot build a libFuzzer binary (install libclang-rt-14-dev): ${(e as Error).message}`);
      console.warn('[test/firmware] skipping libFuzzer: clang has no fuzzer runtime (libclang-rt-14-dev)');
      ctx.skip();
    }
    const out = execFileSync(bin, ['-runs=300000', '-max_len=256', '-seed=7'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).not.toMatch(/ERROR|crash/);
  });
});

/** Random malformed traffic: garbage, bit-flipped frames, truncated frames, bad CRC, bad version, over-long frames. */
function malformed(r: () => number): Uint8Array {
  const kind = Math.floor(r() * 6);
  const good = Array.from(encodeFrame(MSG.INFER, 200, [2, 0, 5, 0, 6, 0]));
  if (kind === 0) return Uint8Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 256));
  if (kind === 1) {
    const f = [...good];
    f[2 + Math.floor(r() * (f.length - 3))] ^= 1 << Math.floor(r() * 7);
    return Uint8Array.from(f);
  }
  if (kind === 2) return Uint8Array.from(good.slice(0, 1 + Math.floor(r() * (good.length - 1))));
  if (kind === 3) return Uint8Array.from([0xf0, 0x0d, ...pack7(frameBody(MSG.INFER, 201, [1, 0, 3, 0], 9)), 0xf7]); // bad version
  if (kind === 4) return Uint8Array.from([0xf0, 0x0d, ...pack7(frameBody(0x33, 202, [])), 0xf7]); // unknown type
  return Uint8Array.from([0xf0, 0x0d, ...Array.from({ length: 60 }, () => Math.floor(r() * 128)), 0xf7]); // longer than the buffer
}

describe('emulated Uno recovers from malformed frames', () => {
  const gate = toolGate(['avr-gcc', 'gcc', '/usr/include/simavr/sim_avr.h']);
  let b: ChildBoard | undefined;
  beforeAll(async () => {
    if (gate.skip) return;
    gate.assert();
    const harness = buildHarness('simavr-uart', SIMAVR_FLAGS);
    const { emitted, fw } = build(small.graph, 'arduino-uno', 'tokens', 'robust');
    b = await spawnBoard(harness, [fw.elf], { graph: small.graph, modelHash: emitted.hash, timeoutMs: 3000, retries: 3 });
  });
  afterAll(async () => b?.stop());

  it.skipIf(gate.skip)('answers error replies with the request id, then the next good frame correctly (30 random rounds)', async () => {
    const events: ParserEvent[] = [];
    const parser = new FrameParser();
    b!.child.stdout!.on('data', (d: Buffer) => events.push(...parser.push(d)));
    const r = rng(99);
    let errors = 0;
    for (let round = 0; round < 30; round++) {
      events.length = 0;
      b!.child.stdin!.write(malformed(r));
      await new Promise((res) => setTimeout(res, 30));
      const x = inputs[round % inputs.length];
      expect(strip(await b!.board.classify(x)), `round ${round}`).toEqual(simulate(small.graph, x, 'integer'));
      errors += events.filter((e) => e.kind === 'frame' && e.type === MSG.ERROR).length;
    }
    expect(errors).toBeGreaterThan(0);
    // a CRC error is answered with the damaged frame's request id and code 1
    events.length = 0;
    const f = Array.from(encodeFrame(MSG.INFER, 77, [1, 0, 3, 0]));
    f[f.length - 3] ^= 0x01;
    b!.child.stdin!.write(Uint8Array.from(f));
    await new Promise((res) => setTimeout(res, 300));
    const err = events.find((e) => e.kind === 'frame' && e.type === MSG.ERROR) as { payload: Uint8Array; req: number } | undefined;
    expect(err?.req).toBe(77);
    expect(err?.payload[0]).toBe(1);
    // an id outside the vocabulary is refused by the board itself (SNN_E_INPUT semantics)
    events.length = 0;
    b!.child.stdin!.write(encodeFrame(MSG.INFER, 78, [1, 0, 0xff, 0xff]));
    await new Promise((res) => setTimeout(res, 300));
    const bad = events.find((e) => e.kind === 'frame' && e.type === MSG.ERROR) as { payload: Uint8Array; req: number } | undefined;
    expect(bad?.req).toBe(78);
    expect(bad?.payload[0]).toBe(5);
  });
});

/** A transport that loses the next `drop` replies, or injects a BOOT frame instead of one. */
function flaky(inner: ByteTransport): ByteTransport & { drop: number; boot: number } {
  const t = {
    drop: 0,
    boot: 0,
    write: (b: Uint8Array) => inner.write(b),
    onData(cb: (b: Uint8Array) => void) {
      const parser = new FrameParser();
      inner.onData((bytes) => {
        for (const ev of parser.push(bytes)) {
          if (ev.kind !== 'frame') continue;
          if (t.boot > 0) {
            t.boot--;
            cb(encodeFrame(MSG.BOOT, 0));
            continue;
          }
          if (t.drop > 0) {
            t.drop--;
            continue;
          }
          cb(encodeFrame(ev.type, ev.req, ev.payload));
        }
      });
    },
    onClose: (cb: (e?: Error) => void) => inner.onClose(cb),
    close: () => inner.close(),
  };
  return t;
}

describe('SerialBoard: retries and clear errors, never a hang', () => {
  const gate = toolGate(['gcc']);
  let elf = '';
  beforeAll(() => {
    if (gate.skip) return;
    gate.assert();
    elf = build(small.graph, 'host-c', 'spikes', 'retry').fw.elf;
  });

  it.skipIf(gate.skip)('a lost reply or a board reset mid-inference is retried and gives the right result', async () => {
    const child = spawn(elf, [], { stdio: ['pipe', 'pipe', 'ignore'] });
    const t = flaky(streamTransport(child.stdout!, child.stdin!, () => child.kill('SIGKILL')));
    const board = await SerialBoard.connect(t, { graph: small.graph, timeoutMs: 300, retries: 2 });
    const x = inputs[0];
    const want = simulate(small.graph, x, 'integer');
    t.drop = 1;
    const a = await board.classify(x);
    expect(strip(a)).toEqual(want);
    expect(a.attempts).toBe(2);
    t.boot = 1;
    const c = await board.classify(inputs[1]);
    expect(strip(c)).toEqual(simulate(small.graph, inputs[1], 'integer'));
    expect(c.attempts).toBe(2);
    t.drop = 100;
    const t0 = Date.now();
    await expect(board.classify(x)).rejects.toThrow(/SNN_E_DEVICE.*after 3 attempts/);
    expect(Date.now() - t0).toBeLessThan(3000);
    await board.close();
  });

  it.skipIf(gate.skip)('a board that disconnects mid-inference fails at once with SNN_E_DEVICE', async () => {
    const b = await spawnBoard(elf, [], { graph: small.graph, timeoutMs: 5000 });
    const p = b.board.classify(inputs[2]);
    b.child.kill('SIGKILL');
    const t0 = Date.now();
    await expect(p).rejects.toThrow(/SNN_E_DEVICE: the board disconnected/);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(b.board.classify(inputs[2])).rejects.toThrow(/disconnected/);
  });

  it.skipIf(!which('cat'))('a silent board fails to connect with SNN_E_DEVICE after its retries', async () => {
    const child = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const { PassThrough } = await import('node:stream');
    const t0 = Date.now();
    await expect(SerialBoard.connect(streamTransport(new PassThrough(), child.stdin!), { timeoutMs: 200, retries: 2 })).rejects.toThrow(/SNN_E_DEVICE.*3 attempts.*no reply within 200 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
    child.kill('SIGKILL');
  });
});
