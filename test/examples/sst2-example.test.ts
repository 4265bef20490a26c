// The shipped example works without training, as the README says: compile the committed
// model and classify clearly positive and negative sentences through the CLI.
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../compiler/cli.js';
import { PACKAGE_ROOT } from '../../compiler/api.js';

async function json(args: string[]): Promise<any> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await main([...args, '--json'])).toBe(0);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return JSON.parse(out);
}

describe('examples/sst2', () => {
  it('compiles the shipped model and classifies text with op counts and energy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snnc-ex-'));
    const c = await json(['compile', join(PACKAGE_ROOT, 'examples', 'sst2', 'model.snn'), '-o', dir]);
    expect(c.report.model.classes).toEqual(['negative', 'positive']);
    const wasm = join(dir, 'model.wasm');
    const pos = await json(['run', wasm, 'a gorgeous , witty film']);
    expect(pos.class).toBe('positive');
    expect(pos.ops.sops).toBeGreaterThan(0);
    expect(pos.energy.ratio).toBeGreaterThan(0);
    expect(pos.text).toBeUndefined();
    const neg = await json(['run', wasm, 'a dull , tedious mess of a movie']);
    expect(neg.class).toBe('negative');
  }, 120_000);
});
