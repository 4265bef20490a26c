// Firmata compatibility on emulated silicon: the AVR firmware in simavr behind a socat pty
// answers firmata.js's handshake, so johnny-five connects and gets a classification through a
// sysex frame; plain serialport (runtime/serial openSerialPort) works on the same pty too.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../runtime/reference.js';
import { SerialBoard } from '../../runtime/serial/board.js';
import { openSerialPort } from '../../runtime/serial/transport.js';
import { FrameParser, MSG, SYSEX_ID, decodeResult, frameBody, pack7, unpack7 } from '../../runtime/serial/protocol.js';
import { SIMAVR_FLAGS, build, buildHarness, integerModel, sst2Inputs, tempDir, toolGate } from './helpers.js';

const require = createRequire(import.meta.url);
const gate = toolGate(['avr-gcc', 'gcc', 'socat', '/usr/include/simavr/sim_avr.h']);

interface FirmataIo {
  on(ev: string, cb: (...a: unknown[]) => void): void;
  sysexResponse(cmd: number, handler: (data: number[]) => void): void;
  sysexCommand(message: number[]): void;
  firmware: { name?: string; version?: { major: number; minor: number } };
  transport: { close(cb?: () => void): void; isOpen?: boolean };
}

async function waitFor(path: string, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(path)) {
    if (Date.now() - t0 > ms) throw new Error(`${path} did not appear`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(gate.skip)('Firmata / johnny-five over a socat pty to the emulated Uno', () => {
  const { model, graph } = integerModel({ vocab: 300, dim: 10, maps: 4, widths: [3, 5], maxLen: 12, timesteps: 6, scheme: 'rate', bits: 2, population: 1, seed: 31 });
  const inputs = sst2Inputs(model, 6);
  let elf = '';
  let harness = '';
  let socat: ChildProcess | undefined;
  beforeAll(() => {
    gate.assert();
    harness = buildHarness('simavr-uart', SIMAVR_FLAGS);
    elf = build(graph, 'arduino-uno', 'tokens', 'j5').fw.elf;
  });
  afterEach(async () => {
    if (socat && socat.exitCode === null) {
      const done = new Promise((r) => socat!.once('exit', r));
      socat.kill('SIGTERM');
      await done;
    }
  });

  async function startPty(): Promise<string> {
    const link = join(tempDir('pty'), 'uno');
    socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${link}`, `EXEC:${harness} ${elf}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitFor(link, 10000);
    return link;
  }

  it('johnny-five connects (Firmata handshake) and classifies a sentence via sysex', async () => {
    const link = await startPty();
    const { SerialPort } = require('serialport') as { SerialPort: new (o: { path: string; baudRate: number }) => unknown };
    const Firmata = (require('firmata-io') as { Firmata: new (port: unknown, opts: object) => FirmataIo }).Firmata;
    const five = require('johnny-five') as { Board: new (o: object) => { on(ev: string, cb: (...a: unknown[]) => void): void; io: FirmataIo } };
    const port = new SerialPort({ path: link, baudRate: 115200 });
    const io = new Firmata(port, { reportVersionTimeout: 300 });
    const board = new five.Board({ io, repl: false, debug: false, timeout: 20000 });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('johnny-five never became ready')), 20000);
      board.on('ready', () => {
        clearTimeout(t);
        resolve();
      });
      board.on('error', (e) => reject(e as Error));
    });
    expect(io.firmware.name).toBe('snnc');
    for (const [i, x] of inputs.entries()) {
      const reply = await new Promise<number[]>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no sysex reply')), 10000);
        try {
          io.sysexResponse(SYSEX_ID, (data) => {
            clearTimeout(t);
            resolve(data);
          });
        } catch {
          // handler already registered by a previous sentence: replace it
        }
        const ids = x.tokens.slice(0, 12); // maxLen
        const payload = [ids.length, 0, ...ids.flatMap((id) => [id & 0xff, id >> 8])];
        io.sysexCommand([SYSEX_ID, ...pack7(frameBody(MSG.INFER, 40 + i, payload))]);
      });
      (io as unknown as { clearSysexResponse(c: number): void }).clearSysexResponse(SYSEX_ID);
      const ev = new FrameParser().push([0xf0, SYSEX_ID, ...reply, 0xf7]);
      expect(ev[0]).toMatchObject({ kind: 'frame', type: MSG.RESULT, req: 40 + i });
      const r = decodeResult((ev[0] as { payload: Uint8Array }).payload);
      const want = simulate(graph, x, 'integer');
      expect({ label: r.label, scores: r.scores, ops: r.ops, layerSpikes: r.layerSpikes, layerUpdates: r.layerUpdates }).toEqual(want);
      expect(unpack7(reply).length).toBeGreaterThan(7);
    }
    await new Promise<void>((r) => io.transport.close(() => r()));
  }, 60000);

  it('plain serialport: SerialBoard over openSerialPort on the same kind of pty', async () => {
    const link = await startPty();
    const transport = await openSerialPort(link, 115200);
    const board = await SerialBoard.connect(transport, { graph, timeoutMs: 5000 });
    expect(board.info.board).toBe('arduino-uno');
    for (const x of inputs) {
      const { cycles: _c, bytesSent: _s, bytesReceived: _r, attempts: _a, ...got } = await board.classify(x);
      expect(got).toEqual(simulate(graph, x, 'integer'));
    }
    await board.close();
  }, 60000);
});
