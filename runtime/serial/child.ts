// A board behind a child process's stdio: the host-c firmware, simavr, QEMU or qemu-user.
// Spawns it, connects a SerialBoard and gives a stop() that waits for the process to exit.

import { spawn, type ChildProcess } from 'node:child_process';
import { SerialBoard, type SerialBoardOptions } from './board.js';
import { streamTransport } from './transport.js';

export interface ChildBoard {
  board: SerialBoard;
  child: ChildProcess;
  /** What the process wrote to stderr so far (first 20 kB). */
  stderr: () => string;
  /** Ends the process (SIGKILL unless told otherwise) and resolves once it has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export async function spawnSerialBoard(cmd: string, args: string[], opts: SerialBoardOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<ChildBoard> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (err.length < 20000) err += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const transport = streamTransport(child.stdout!, child.stdin!, () => child.kill('SIGKILL'));
  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  try {
    const board = await SerialBoard.connect(transport, opts);
    return { board, child, stderr: () => err, stop };
  } catch (e) {
    await stop();
    if (e instanceof Error) e.message += err ? `\nboard stderr: ${err.slice(0, 2000)}` : '';
    throw e;
  }
}
