// The Node side of the optional PyTorch peer: finds a Python with torch, exports the model's
// weights and the sentences for bench/peers/torch_peer.py, starts it as a child process and
// talks to it one JSON line at a time, so that its timed passes interleave with the Node
// engines'. Without such a Python the benchmark runs without the peer and says why.

import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Model } from '../../compiler/ir/types.js';
import { exportTextCnn } from './export.js';

export const TORCH_INSTALL_HINT = 'apt-get install -y python3-torch libopenblas0-pthread (Debian 12), then run with --python /usr/bin/python3';

export interface TorchInfo {
  /** The interpreter the benchmark started. */
  python: string;
  python_version: string;
  torch: string;
  numpy: string;
  threads: number;
  interop_threads: number;
  blas_config: string[];
  blas_loaded: string[];
  openblas: boolean;
  snn_supported: boolean;
}

/** The first of the candidates that imports torch and numpy, or why none does. */
export function findTorchPython(candidates: string[]): { python?: string; reason?: string } {
  const why: string[] = [];
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', 'import torch, numpy'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
      return { python: py };
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      why.push(`${py}: ${err.code === 'ENOENT' ? 'not found' : (err.stderr?.toString().trim().split('\n').pop() ?? 'failed')}`);
    }
  }
  return { reason: `no Python with torch and numpy (${why.join('; ')})` };
}

export class TorchPeer {
  private waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private exited = false;

  private constructor(private child: ChildProcessWithoutNullStreams, readonly python: string) {
    createInterface({ input: child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: `the peer exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` }));
    });
  }

  /** Writes the weights (meta.json, *.npy) and ids.json ({ set: ids[][] }) to dir and starts the peer. */
  static start(python: string, script: string, dir: string, model: Model, sets: Record<string, number[][]>): TorchPeer {
    exportTextCnn(model, dir);
    writeFileSync(join(dir, 'ids.json'), JSON.stringify(sets));
    const child = spawn(python, [script, dir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    return new TorchPeer(child, python);
  }

  /** Sends one command; resolves with the answer, rejects with the peer's error. */
  send<R = Record<string, unknown>>(cmd: Record<string, unknown>): Promise<R> {
    if (this.exited) return Promise.reject(new Error(`the PyTorch peer has exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
    return new Promise((resolveAns, reject) => {
      this.waiting.push((line) => {
        const ans = JSON.parse(line) as R & { error?: string };
        if (ans.error) reject(new Error(`PyTorch peer: ${ans.error}`));
        else resolveAns(ans);
      });
      this.child.stdin.write(JSON.stringify(cmd) + '\n');
    });
  }

  async info(): Promise<TorchInfo> {
    return { python: this.python, ...(await this.send<Omit<TorchInfo, 'python'>>({ cmd: 'info' })) } as TorchInfo;
  }

  /** Wall ms of one pass over the set at this batch size, timed inside the peer. */
  async time(engine: 'ann' | 'snn', set: string, batch: number, T: number): Promise<number> {
    return (await this.send<{ ms: number }>({ cmd: 'time', engine, set, batch, T })).ms;
  }

  predict(engine: 'ann' | 'snn', set: string, T: number, batch = 256): Promise<{ labels: number[]; scores: number[][] }> {
    return this.send({ cmd: 'predict', engine, set, T, batch });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    await done;
  }
}
