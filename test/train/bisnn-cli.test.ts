// `snnc train --family bisnn` end to end, in process: a tiny run on real SST-2 sentences writes a
// .snn model of the bisnn family that `snnc compile` lowers through every pass; the WASM backend
// either emits it or refuses scans with SNN_E_BACKEND (until the backends implement them).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { simulate } from '../../runtime/reference.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { defaultWeightBits } from '../../compiler/passes/weight-bits.js';


describe('snnc train --family bisnn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snnc-bisnn-cli-'));
  const model = join(dir, 'bisnn.snn');
  afterEach(() => vi.restoreAllMocks());

  it('trains, saves a bisnn model, and compile lowers it to a wasm artifact equal to the reference', async () => {
    const t = await cli(['train', '--family', 'bisnn', '--limit', '96', '--epochs', '1', '--layers', '1', '--hidden', '8', '--surrogate', 'triangular', '--width', '0.8', '--skip-snn-eval', '-o', model, '--json']);
    expect(t.code, t.err).toBe(0);
    const j = JSON.parse(t.out);
    expect(j.metrics.family).toBe('bisnn');
    expect(j.metrics.history.length).toBe(1);
    const m = readModelFile(model);
    expect(m.meta.family).toBe('bisnn');
    expect((m.meta.training as { surrogate: { kind: string } }).surrogate.kind).toBe('triangular');
    const kinds = m.graph.nodes.map((n) => n.id);
    expect(kinds).toEqual(['tokens', 'embed', 'enc', 'l1f', 'enc_l1f', 'l1f_rec', 'l1b', 'enc_l1b', 'l1b_rec', 'out', 'l1f_out', 'l1b_out', 'readout']);
    // every pass up to the memory plan
    const s = await cli(['compile', model, '-o', join(dir, 'ir'), '--stop-after', 'plan-memory', '--json']);
    expect(s.code, s.err).toBe(0);
    expect(existsSync(join(dir, 'ir', 'ir.txt'))).toBe(true);
    // the integer graph runs in the reference simulator (lowered as compile does: int16 weights, the bisnn default)
    expect(defaultWeightBits(m)).toBe(16);
    const g = runPipeline(m.graph, { weightBits: defaultWeightBits(m) }).graph;
    const r = simulate(g, { tokens: [2, 3, 4, 5] }, 'integer');
    expect(r.scores.length).toBe(2);
    // the wasm backend emits it, and the artifact computes what the reference does
    const c = await cli(['compile', model, '-o', join(dir, 'out'), '--json']);
    expect(c.code, c.err).toBe(0);
    expect(existsSync(join(dir, 'out', 'model.wasm'))).toBe(true);
    const run = await cli(['run', join(dir, 'out', 'model.wasm'), 'a gorgeous , witty film', '--json']);
    expect(run.code, run.err).toBe(0);
    const ran = JSON.parse(run.out);
    const ref = simulate(g, { tokens: ran.ids }, 'integer');
    expect(ran.scores).toEqual(ref.scores);
    expect(ran.ops).toEqual(ref.ops);
  }, 180_000);

  it('refuses bad bisnn options with exit code 2 (SNN_E_USAGE)', async () => {
    for (const args of [
      ['--hidden', '64,32'],
      ['--beta', '1.5'],
      ['--input-threshold', '0'],
      ['--surrogate', 'boxcar'],
      ['--timesteps', '8'],
      ['--layers', '0'],
    ]) {
      const r = await cli(['train', '--family', 'bisnn', ...args, '-o', join(dir, 'never.snn'), '--json']);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const r = await cli(['train', '--family', 'textcnn', '--layers', '2', '-o', join(dir, 'never.snn'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('SNN_E_USAGE');
    expect(existsSync(join(dir, 'never.snn'))).toBe(false);
  });
});
