// The snnc CLI end to end, in process: compile -> run -> inspect on a small model, --json
// output, --stop-after, and the stable error codes of bad inputs.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';
import { simulate } from '../../runtime/reference.js';
import { readModelFile } from '../../compiler/frontend/model-format.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';


describe('snnc CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snnc-cli-'));
  const modelPath = join(dir, 'tiny.snn');
  beforeAll(() => writeModelFile(modelPath, tinyTextCnn({ vocab: 40 })));
  afterEach(() => vi.restoreAllMocks());

  it('compiles a model to model.wasm + report.json + ir.txt and reports table sizes', async () => {
    const r = await cli(['compile', modelPath, '-o', join(dir, 'out'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.report.artifact.wasmBytes).toBe(readFileSync(join(dir, 'out', 'model.wasm')).length);
    expect(j.report.artifact.integerBytes).toBeLessThan(j.report.artifact.float32Bytes);
    expect(existsSync(join(dir, 'out', 'ir.txt'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).passes.map((p: { pass: string }) => p.pass)).toEqual(['pack', 'quantize', 'sparsify', 'schedule', 'plan-memory']);
  });

  it('runs text through the artifact and matches the reference simulator', async () => {
    await cli(['compile', modelPath, '-o', join(dir, 'out')]);
    const r = await cli(['run', join(dir, 'out', 'model.wasm'), 'W2 w7 w13, w5', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.tokens).toEqual(['w2', 'w7', 'w13', ',', 'w5']);
    expect(j.ids).toEqual([2, 7, 13, 1, 5]); // "," is not in the tiny vocabulary: <unk>
    // snnc compile's default schedule is auto (docs/semantics.md "Level-grouped input schedule")
    const g = runPipeline(readModelFile(modelPath).graph, { schedule: 'auto' }).graph;
    const ref = simulate(g, { tokens: j.ids });
    expect(j.label).toBe(ref.label);
    expect(j.scores).toEqual(ref.scores);
    expect(j.ops).toEqual(ref.ops);
    expect(j.energy.annMacs).toBeGreaterThan(0);
    expect(j.energy.ratio).toBeGreaterThan(0);
    const human = await cli(['run', join(dir, 'out', 'model.wasm'), 'w2 w7']);
    expect(human.out).toMatch(/synaptic additions/);
    expect(human.out).toMatch(/energy \(horowitz45-int\)/);
  });

  it('compiles and runs a bi-directional spiking encoder (scans, membrane readout) end to end', async () => {
    const path = join(dir, 'bisnn.snn');
    writeModelFile(path, tinyBisnn({ vocab: 40 }));
    const c = await cli(['compile', path, '-o', join(dir, 'bisnn'), '--json']);
    expect(c.code).toBe(0);
    const r = await cli(['run', join(dir, 'bisnn', 'model.wasm'), 'w3 w9 w21 w4 w30', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const g = runPipeline(readModelFile(path).graph, { schedule: 'auto', weightBits: 16 }).graph; // compile's default for bisnn models (compiler/passes/weight-bits.ts)
    const ref = simulate(g, { tokens: j.ids });
    expect(j.label).toBe(ref.label);
    expect(j.scores).toEqual(ref.scores);
    expect(j.ops).toEqual(ref.ops);
    const human = await cli(['run', join(dir, 'bisnn', 'model.wasm'), 'w3 w9 w21']);
    expect(human.out).toMatch(/membrane scores c0=-?\d+ c1=-?\d+/);
  });

  it('reads text from a file as strict UTF-8 and refuses invalid bytes and empty text', async () => {
    await cli(['compile', modelPath, '-o', join(dir, 'out')]);
    const wasm = join(dir, 'out', 'model.wasm');
    writeFileSync(join(dir, 'ok.txt'), 'w3 w4 w5\n');
    expect((await cli(['run', wasm, '--file', join(dir, 'ok.txt'), '--json'])).code).toBe(0);
    writeFileSync(join(dir, 'bad.txt'), Uint8Array.from([0x77, 0x33, 0x20, 0xc3, 0x28]));
    const bad = await cli(['run', wasm, '--file', join(dir, 'bad.txt'), '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).error.code).toBe('SNN_E_INPUT');
    const empty = await cli(['run', wasm, '   ']);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/SNN_E_INPUT/);
  });

  it('stops after a pass and writes that IR; refuses unknown passes', async () => {
    const r = await cli(['compile', modelPath, '-o', join(dir, 'q'), '--stop-after', 'quantize']);
    expect(r.code).toBe(0);
    const ir = readFileSync(join(dir, 'q', 'ir.txt'), 'utf8');
    expect(ir).toMatch(/passes=\[pack,quantize\]/);
    expect(ir).not.toMatch(/table=/);
    expect(existsSync(join(dir, 'q', 'model.wasm'))).toBe(false);
    const bad = await cli(['compile', modelPath, '-o', join(dir, 'q'), '--stop-after', 'fold', '--json']);
    expect(JSON.parse(bad.out).error.code).toBe('SNN_E_PASS');
  });

  it('gives stable codes for corrupt models, missing files and bad artifacts', async () => {
    const bytes = readFileSync(modelPath);
    writeFileSync(join(dir, 'cut.snn'), bytes.subarray(0, bytes.length - 10));
    expect(JSON.parse((await cli(['compile', join(dir, 'cut.snn'), '-o', join(dir, 'x'), '--json'])).out).error.code).toBe('SNN_E_TRUNCATED');
    expect(JSON.parse((await cli(['inspect', join(dir, 'nope.snn'), '--json'])).out).error.code).toBe('SNN_E_ARTIFACT');
    writeFileSync(join(dir, 'fake.wasm'), 'not wasm');
    expect(JSON.parse((await cli(['run', join(dir, 'fake.wasm'), 'w2', '--json'])).out).error.code).toBe('SNN_E_ARTIFACT');
    expect(JSON.parse((await cli(['compile', modelPath, '--target', 'zx81', '--json'])).out).error.code).toBe('SNN_E_USAGE');
  });

  it('inspects models and artifacts, lists energy profiles, and exits 2 on usage errors', async () => {
    const m = await cli(['inspect', modelPath]);
    expect(m.out).toMatch(/%conv3 = conv1d %enc -> %lif3 width=3/);
    await cli(['compile', modelPath, '-o', join(dir, 'out')]);
    const a = JSON.parse((await cli(['inspect', join(dir, 'out', 'model.wasm'), '--json'])).out);
    expect(a.info.classes).toEqual(['c0', 'c1']);
    const p = JSON.parse((await cli(['profiles', '--json'])).out);
    expect(p.profiles.map((x: { name: string }) => x.name)).toContain('loihi');
    expect((await cli(['compile'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['compile', modelPath, '--prune', 'lots'])).code).toBe(2);
  });

  it('the artifact loads on its own and gives the same answer as the CLI', async () => {
    await cli(['compile', modelPath, '-o', join(dir, 'out')]);
    const m = await loadArtifactFile(join(dir, 'out', 'model.wasm'));
    const r = m.infer({ tokens: [2, 3, 4] });
    const j = JSON.parse((await cli(['run', join(dir, 'out', 'model.wasm'), 'w2 w3 w4', '--json'])).out);
    expect(j.scores).toEqual(r.scores);
  });
});
