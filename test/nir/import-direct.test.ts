// `snnc import --encoder direct [--bits n]`: a NIR graph trained on event data imports with a
// spike-train Input, calibrates on random spike trains, compiles to WASM and runs per-step
// rows through `snnc sim out/model.wasm`, equal to the reference run of the imported model.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../compiler/cli/index.js';
import { importNir } from '../../compiler/api/import.js';
import { sim } from '../../compiler/api/sim.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { rejection } from '../helpers/code-of.js';
import { mlpGraph, rand, tmp, writeFixture } from './fixtures.js';

const dir = tmp();
afterEach(() => vi.restoreAllMocks());

describe('snnc import --encoder direct', () => {
  it('imports a spike-train Input (bits 1 by default, --bits for counts) and calibrates on spike trains', async () => {
    const nir = await writeFixture(join(dir, 'ev.nir'), mlpGraph(6, 8, 2, 4));
    const r = await importNir(nir, { out: join(dir, 'ev.snn'), encoder: 'direct', timesteps: 20, calibrate: 16 });
    expect(r.report.encoder).toBe('direct');
    expect(r.text).toContain('a spike train (direct), counts 0..1 per channel and step');
    expect(r.calibration?.inputs).toContain('random spike trains');
    expect(r.calibration?.checked).toBe(16);
    const m = readModelFile(join(dir, 'ev.snn'));
    expect(m.graph.nodes.find((n) => n.kind === 'encoder')).toMatchObject({ scheme: 'direct', bits: 1 });
    const r3 = await importNir(nir, { out: join(dir, 'ev3.snn'), encoder: 'direct', bits: 3, timesteps: 20, calibrate: 4 });
    expect(r3.text).toContain('counts 0..7');
    expect(readModelFile(join(dir, 'ev3.snn')).graph.nodes.find((n) => n.kind === 'encoder')).toMatchObject({ scheme: 'direct', bits: 3 });
    // the default stays the rate code
    const rr = await importNir(nir, { out: join(dir, 'rate.snn'), timesteps: 20, calibrate: 4 });
    expect(rr.report.encoder).toBe('rate');
    expect((await rejection(importNir(nir, { out: join(dir, 'x.snn'), encoder: 'poisson' }))).code).toBe('SNN_E_USAGE');
  });

  it('CLI: import --encoder direct, compile, then snnc sim out/model.wasm equals snnc sim on the model', async () => {
    const nir = await writeFixture(join(dir, 'cli.nir'), mlpGraph(6, 8, 2, 5));
    const snn = join(dir, 'cli.snn');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['import', nir, '-o', snn, '--encoder', 'direct', '--bits', '2', '--timesteps', '24', '--calibrate', '8', '--json'])).toBe(0);
    const out = join(dir, 'out');
    expect(await main(['compile', snn, '-o', out])).toBe(0);
    expect(existsSync(join(out, 'model.wasm'))).toBe(true);
    const r = rand(9);
    const rows = Array.from({ length: 24 }, () => Array.from({ length: 6 }, (): number => Math.floor(((r() + 1) / 2) * 4) % 4));
    const csv = join(dir, 'ev.csv');
    writeFileSync(csv, rows.map((x) => x.join(',')).join('\n') + '\n');
    const art = await sim(join(out, 'model.wasm'), { input: csv });
    const ref = await sim(snn, { input: csv });
    expect(art.integer.populations.map((p) => p.spikes)).toEqual(ref.integer.populations.map((p) => p.spikes));
    expect(art.integer.ops).toEqual(ref.integer.ops);
    expect(art.integer.label).toBe(ref.integer.label);
    expect(ref.integer.ops.spikes).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toBeTruthy();
  });
});
