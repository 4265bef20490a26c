// Byte transports a SerialBoard talks over: any pair of Node streams (a child process's stdio:
// host-c firmware, simavr, QEMU), and real serial ports through the `serialport` package,
// loaded only when asked for so nothing else in snnc needs it.

import type { Readable, Writable } from 'node:stream';
import { fail } from '../../core/errors.js';

export interface ByteTransport {
  write(bytes: Uint8Array): void;
  onData(cb: (bytes: Uint8Array) => void): void;
  /** Called once when the channel is gone (error or end); err says why. */
  onClose(cb: (err?: Error) => void): void;
  close(): Promise<void>;
}

/** A transport over a readable (board -> host) and a writable (host -> board) stream. */
export function streamTransport(input: Readable, output: Writable, closeFn?: () => void): ByteTransport {
  const closers: ((err?: Error) => void)[] = [];
  let closed = false;
  const closeOnce = (err?: Error): void => {
    if (closed) return;
    closed = true;
    for (const c of closers) c(err);
  };
  input.on('end', () => closeOnce(new Error('the board closed the connection')));
  input.on('close', () => closeOnce(new Error('the board closed the connection')));
  input.on('error', (e) => closeOnce(e));
  output.on('error', (e) => closeOnce(e));
  return {
    write(bytes) {
      if (closed) return;
      output.write(Buffer.from(bytes));
    },
    onData(cb) {
      input.on('data', (d: Buffer) => cb(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    },
    onClose(cb) {
      closers.push(cb);
    },
    async close() {
      closeOnce();
      closeFn?.();
    },
  };
}

interface SerialPortLike {
  write(data: Buffer): boolean;
  on(ev: 'data', cb: (d: Buffer) => void): void;
  on(ev: 'close' | 'error', cb: (e?: Error) => void): void;
  close(cb?: (e?: Error | null) => void): void;
  isOpen: boolean;
}

/** Opens a serial port (device path or pty) with `serialport` v13; 115200 8N1 by default. */
export async function openSerialPort(path: string, baudRate = 115200): Promise<ByteTransport> {
  let mod: { SerialPort: new (o: { path: string; baudRate: number; autoOpen: boolean }) => SerialPortLike & { open(cb: (e?: Error | null) => void): void } };
  try {
    mod = (await import('serialport')) as unknown as typeof mod;
  } catch {
    fail('SNN_E_RUNTIME', 'the serialport package is not installed', 'npm install serialport@13');
  }
  const port = new mod.SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new Error(`cannot open ${path}: ${e.message}`)) : resolve()))).catch((e: Error) =>
    fail('SNN_E_DEVICE', e.message, 'check the port path and that no other program holds it'),
  );
  const closers: ((err?: Error) => void)[] = [];
  let closed = false;
  const closeOnce = (err?: Error): void => {
    if (closed) return;
    closed = true;
    for (const c of closers) c(err);
  };
  port.on('close', () => closeOnce(new Error(`serial port ${path} closed`)));
  port.on('error', (e) => closeOnce(e));
  return {
    write(bytes) {
      if (!closed) port.write(Buffer.from(bytes));
    },
    onData(cb) {
      port.on('data', (d: Buffer) => cb(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    },
    onClose(cb) {
      closers.push(cb);
    },
    async close() {
      if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
      closeOnce();
    },
  };
}
