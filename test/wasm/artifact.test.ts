// The artifact as a file: deterministic bytes, metadata that round-trips through the custom
// section, and the error codes for corrupt / foreign / outdated artifacts and bad inputs.

import { describe, expect, it } from 'vitest';
import { emitWasm } from '../../compiler/backends/wasm/index.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactInfoOf, loadArtifact } from '../../runtime/wasm-host.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';
import { simulate } from '../../runtime/reference.js';
import { ARTIFACT_SECTION, ARTIFACT_VERSION } from '../../runtime/wasm/artifact-format.js';
import type { ErrorCode } from '../../core/errors.js';
import { SMALL_CNN, metaFor, mlp, textCnn } from './graphs.js';
import type { Conv1dNode, DenseNode, Graph, Node } from '../../compiler/ir/types.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { withSection } from '../helpers/wasm-sections.js';
import { tinyBisnn } from '../helpers/tiny-bisnn.js';

// ---- minimal wasm section surgery (tests only)
async function code(p: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code: ErrorCode }).code;
  }
}

const graph = textCnn(SMALL_CNN, {});
const meta = metaFor(graph);

describe('wasm artifact', () => {
  it('emits identical bytes for identical input (SIMD and scalar)', () => {
    for (const simd of [true, false]) {
      const a = emitWasm(textCnn(SMALL_CNN, {}), metaFor(graph), { simd, text: true });
      const b = emitWasm(textCnn(SMALL_CNN, {}), metaFor(graph), { simd, text: true });
      expect(Buffer.from(a.wasm).equals(Buffer.from(b.wasm))).toBe(true);
      expect(a.wat).toBe(b.wat);
    }
  });

  it('round-trips its metadata through the custom section', async () => {
    const out = emitWasm(graph, meta);
    const model = await loadArtifact(out.wasm);
    expect(model.meta).toEqual(out.info);
    expect(model.meta.version).toBe(ARTIFACT_VERSION);
    expect(model.meta.classes).toEqual(meta.classes);
    expect(model.meta.vocab).toEqual(meta.vocab);
    expect(model.meta.input).toEqual({ kind: 'tokens', maxLen: SMALL_CNN.maxLen, vocabSize: SMALL_CNN.vocab });
    expect(model.meta.populations.map((p) => p.id)).toEqual(['lif0', 'lif1', 'lif2', 'out']);
    expect(model.meta.energy.float32Bytes).toBe(1234);
    // ANN MACs: convs scale with n, the pooled heads do not
    const D = SMALL_CNN.dim;
    const C = SMALL_CNN.channels;
    expect(model.meta.energy.annMacsPerToken).toBe((3 + 4 + 5) * D * C);
    expect(model.meta.energy.annMacsConstant).toBe(3 * C * SMALL_CNN.classes * SMALL_CNN.population);
    expect(out.layout.tables).toHaveLength(6);
    const v = await loadArtifact(emitWasm(mlp(), metaFor(mlp())).wasm);
    expect(v.meta.input).toEqual({ kind: 'vector', dim: 20 });
  });

  it('reads metadata without instantiating', async () => {
    const mod = await WebAssembly.compile(emitWasm(graph, meta).wasm);
    expect(artifactInfoOf(mod).name).toBe('test-model');
  });

  it('loads from a file in Node, and reports a missing file as SNN_E_ARTIFACT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snnc-wasm-'));
    const path = join(dir, 'model.wasm');
    writeFileSync(path, emitWasm(graph, meta).wasm);
    const model = await loadArtifactFile(path);
    expect(model.infer({ tokens: [9, 8] })).toEqual(simulate(graph, { tokens: [9, 8] }, 'integer'));
    expect(await code(loadArtifactFile(join(dir, 'missing.wasm')))).toBe('SNN_E_ARTIFACT');
  });

  it('accepts an ArrayBuffer', async () => {
    const w = emitWasm(graph, meta).wasm;
    const model = await loadArtifact(w.slice().buffer);
    expect(model.infer({ tokens: [2, 3, 4] })).toEqual(simulate(graph, { tokens: [2, 3, 4] }, 'integer'));
  });

  it('rejects non-wasm, corrupt, section-less and wrong-version artifacts with SNN_E_ARTIFACT', async () => {
    const good = emitWasm(graph, meta).wasm;
    expect(await code(loadArtifact(good))).toBe('ok');
    expect(await code(loadArtifact(new TextEncoder().encode('{"not":"wasm"}')))).toBe('SNN_E_ARTIFACT');
    expect(await code(loadArtifact(new Uint8Array(0)))).toBe('SNN_E_ARTIFACT');
    expect(await code(loadArtifact(good.subarray(0, good.length >> 1)))).toBe('SNN_E_ARTIFACT');
    const flipped = good.slice();
    flipped[9] ^= 0xff; // first section's header
    expect(await code(loadArtifact(flipped))).toBe('SNN_E_ARTIFACT');
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, null)))).toBe('SNN_E_ARTIFACT');
    const info = JSON.parse(JSON.stringify(emitWasm(graph, meta).info));
    const enc = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x));
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, enc(info))))).toBe('ok');
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, enc({ ...info, version: ARTIFACT_VERSION + 1 }))))).toBe('SNN_E_ARTIFACT');
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, enc({ ...info, format: 'other' }))))).toBe('SNN_E_ARTIFACT');
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, enc({ ...info, classes: 'x' }))))).toBe('SNN_E_ARTIFACT');
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, new Uint8Array([0x7b, 0xff, 0x00]))))).toBe('SNN_E_ARTIFACT');
    // readout.measure: absent, "spikes" or "membrane"; anything else is a score this runtime cannot read
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, enc({ ...info, readout: { ...info.readout, measure: 'spikes' } }))))).toBe('ok');
    expect(await code(loadArtifact(withSection(good, ARTIFACT_SECTION, enc({ ...info, readout: { ...info.readout, measure: 'mean' } }))))).toBe('SNN_E_ARTIFACT');
  });

  it('turns bad inputs into SNN_E_INPUT like the reference', async () => {
    const model = await loadArtifact(emitWasm(graph, meta).wasm);
    const refCode = (x: unknown, g = graph): string => {
      try {
        simulate(g, x as never, 'integer');
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    const wasmCode = (x: unknown): string => {
      try {
        model.infer(x as never);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    const bad = [
      { tokens: [] },
      { tokens: [2, SMALL_CNN.vocab] },
      { tokens: [-1] },
      { tokens: [1.5] },
      { tokens: [2 ** 40] },
      { tokens: [NaN] },
      { vector: [0.5] },
    ];
    for (const x of bad) {
      expect(refCode(x), JSON.stringify(x)).toBe('SNN_E_INPUT');
      expect(wasmCode(x), JSON.stringify(x)).toBe('SNN_E_INPUT');
    }
    // a bad id past maxLen is truncated away, as in the reference
    const long = [...Array(SMALL_CNN.maxLen).fill(3), 999999];
    expect(model.infer({ tokens: long })).toEqual(simulate(graph, { tokens: long }, 'integer'));
    // the instance stays usable after an error
    expect(model.infer({ tokens: [5, 6] })).toEqual(simulate(graph, { tokens: [5, 6] }, 'integer'));
    const v = mlp();
    const vm = await loadArtifact(emitWasm(v, metaFor(v)).wasm);
    for (const x of [{ vector: [1, 2] }, { vector: Array(20).fill(NaN) }, { tokens: [1] }]) {
      expect(refCode(x, v), JSON.stringify(x)).toBe('SNN_E_INPUT');
      let c = 'ok';
      try {
        vm.infer(x as never);
      } catch (e) {
        c = (e as { code: string }).code;
      }
      expect(c).toBe('SNN_E_INPUT');
    }
  });

  it('reports a pooled threshold that overflows 32 bits as SNN_E_OVERFLOW, like the reference', async () => {
    const g = textCnn(SMALL_CNN, {});
    const out = g.nodes.find((n) => n.id === 'out');
    if (out?.kind !== 'lif') throw new Error('no out');
    out.threshold = 2 ** 30;
    const model = await loadArtifact(emitWasm(g, metaFor(g)).wasm);
    expect(model.infer({ tokens: [4] })).toEqual(simulate(g, { tokens: [4] }, 'integer'));
    expect(() => simulate(g, { tokens: [4, 5] }, 'integer')).toThrow(/SNN_E_OVERFLOW/);
    expect(() => model.infer({ tokens: [4, 5] })).toThrow(/SNN_E_OVERFLOW/);
  });

  it('rejects graphs it cannot compile with SNN_E_GRAPH', () => {
    const g = textCnn(SMALL_CNN, {});
    expect(() => emitWasm({ ...g, stage: 'float' }, meta)).toThrow(/SNN_E_GRAPH/);
    const noLevels = textCnn(SMALL_CNN, {});
    const emb = noLevels.nodes.find((n) => n.kind === 'embedding');
    if (emb?.kind === 'embedding') delete emb.levels;
    expect(() => emitWasm(noLevels, meta)).toThrow(/SNN_E_GRAPH/);
    expect(() => emitWasm(g, { ...meta, classes: ['only-one'] })).toThrow(/SNN_E_BACKEND/);
  });

  it('refuses malformed scans, max pooling and membrane readouts with SNN_E_GRAPH naming the node', () => {
    const bisnn = (): Graph => runPipeline(tinyBisnn({ layers: 1, hidden: 4 }).graph).graph;
    const node = (g: Graph, id: string): Node => g.nodes.find((n) => n.id === id)!;
    const cases: [string, (g: Graph) => void, RegExp][] = [
      ['a recurrent synapse into a scan from elsewhere', (g) => Object.assign(node(g, 'l1f_rec'), { from: 'l1b' }), /must come from that population itself/],
      ['a conv1d into a scan', (g) => {
        const d = node(g, 'enc_l1f') as DenseNode;
        const conv: Conv1dNode = { kind: 'conv1d', id: 'enc_l1f', from: 'enc', to: 'l1f', width: 1, inChannels: d.inFeatures, outChannels: d.outFeatures, weight: d.weight, table: d.table };
        g.nodes[g.nodes.indexOf(d)] = conv;
      }, /scan population l1f takes position-wise dense synapses only/],
      ['a scan on a global population', (g) => Object.assign(node(g, 'out'), { scan: 'forward' }), /scan population out must be per-position/],
      ['a spiking population read by membrane', (g) => Object.assign(node(g, 'out'), { spiking: true }), /membrane readout reads a non-spiking/],
      ['an integrator read by spikes', (g) => delete (node(g, 'readout') as { measure?: string }).measure, /never spikes/],
      ['max pooling into a per-position target', (g) => Object.assign(node(g, 'enc_l1f'), { pool: 'max-positions' }), /max-positions pooling maps a per-position source to a global target/],
    ];
    for (const [what, mutate, msg] of cases) {
      const g = bisnn();
      mutate(g);
      expect(() => emitWasm(g, metaFor(g)), what).toThrow(msg);
      try {
        emitWasm(g, metaFor(g));
      } catch (e) {
        expect((e as { code: string }).code, what).toBe('SNN_E_GRAPH');
      }
    }
  });
});
