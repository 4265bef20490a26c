// Runs the snnc CLI in process, capturing what it writes to stdout and stderr.
import { vi } from 'vitest';
import { main } from '../../compiler/cli.js';

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Runs the CLI in a child process (vite-node over the sources): what reaches the real fds 1 and 2. */
export async function cliChild(args: string[], timeoutMs = 120_000): Promise<{ code: number; out: string; err: string }> {
  const { spawnSync } = await import('node:child_process');
  const { join } = await import('node:path');
  const root = join(import.meta.dirname, '..', '..');
  const r = spawnSync(join(root, 'node_modules', '.bin', 'vite-node'), [join(root, 'test', 'helpers', 'cli-child.ts'), '--', ...args], { encoding: 'utf8', timeout: timeoutMs, cwd: root });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
