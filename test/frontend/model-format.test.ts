// The .snn container: round trips, and every kind of bad file gives its stable error code.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel, readModelFile, writeModelFile } from '../../compiler/frontend/model-format.js';
import { fromHalf, toHalf } from '../../core/half.js';
import { runPipeline } from '../../compiler/passes/pipeline.js';
import { printGraph } from '../../compiler/ir/print.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import type { Model } from '../../compiler/ir/types.js';
import { codeOf } from '../helpers/code-of.js';
import { craft } from '../helpers/snn-craft.js';


describe('.snn model format', () => {
  const model = tinyTextCnn();
  const bytes = encodeModel(model);

  it('round-trips a float model exactly and deterministically', () => {
    const back = decodeModel(bytes);
    expect(printGraph(back.graph)).toBe(printGraph(model.graph));
    expect(back.vocab).toEqual(model.vocab);
    expect(back.meta).toEqual(model.meta);
    expect(encodeModel(back)).toEqual(bytes);
  });

  it('round-trips a compiled integer model (tables, levels, plan)', () => {
    const g = runPipeline(model.graph).graph;
    const m: Model = { ...model, graph: g };
    const back = decodeModel(encodeModel(m));
    expect(printGraph(back.graph)).toBe(printGraph(g));
  });

  it('stores large float tensors as float16 on request, within half precision', () => {
    const small = encodeModel(model, { f16Above: 100 });
    expect(small.length).toBeLessThan(bytes.length);
    const back = decodeModel(small);
    const a = (model.graph.nodes[1] as any).table.data as Float32Array;
    const b = (back.graph.nodes[1] as any).table.data as Float32Array;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(Math.abs(a[i]) * 2 ** -11 + 1e-7);
    for (const x of [0, 1, -2.5, 65504, 1e-5, 0.1]) expect(fromHalf(toHalf(x))).toBeCloseTo(x, 3);
  });

  it('writes files atomically and reads them back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snnc-'));
    writeModelFile(join(dir, 'm.snn'), model);
    expect(printGraph(readModelFile(join(dir, 'm.snn')).graph)).toBe(printGraph(model.graph));
    expect(codeOf(() => readModelFile(join(dir, 'missing.snn')))).toBe('SNN_E_ARTIFACT');
  });

  it('rejects truncated files at every cut point class', () => {
    for (const cut of [0, 5, 19, 24, 100, bytes.length - 1]) expect(codeOf(() => decodeModel(bytes.subarray(0, cut)))).toBe('SNN_E_TRUNCATED');
  });

  it('rejects a flipped bit anywhere after the prefix with a checksum error', () => {
    for (const at of [25, Math.floor(bytes.length / 2), bytes.length - 5]) {
      const b = bytes.slice();
      b[at] ^= 0x10;
      expect(codeOf(() => decodeModel(b))).toBe('SNN_E_CHECKSUM');
    }
  });

  it('rejects wrong magic and wrong version', () => {
    const b = bytes.slice();
    b[1] = 0x41;
    expect(codeOf(() => decodeModel(b))).toBe('SNN_E_MAGIC');
    const v = bytes.slice();
    new DataView(v.buffer).setUint32(8, 99, true);
    expect(codeOf(() => decodeModel(v))).toBe('SNN_E_VERSION');
    expect(codeOf(() => decodeModel(new TextEncoder().encode('{"this is": "json, not a model"}')))).toBe('SNN_E_MAGIC');
  });

  it('checks declared sizes before allocating', () => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint32(12, 0xfffffff0, true);
    expect(codeOf(() => decodeModel(b))).toBe('SNN_E_SIZE');
    const huge = craft(bytes, (h) => {
      h.model.graph.nodes[1].table.data.$tensor.length = 2 ** 27;
    });
    expect(codeOf(() => decodeModel(huge))).toBe('SNN_E_SIZE');
    const trailing = new Uint8Array(bytes.length + 3);
    trailing.set(bytes);
    expect(codeOf(() => decodeModel(trailing))).toBe('SNN_E_SIZE');
  });

  it('rejects NaN-bearing tensors, on write and on read', () => {
    const bad = tinyTextCnn();
    (bad.graph.nodes[3] as any).weight.data[5] = NaN;
    expect(codeOf(() => encodeModel(bad))).toBe('SNN_E_NAN');
    // craft a file whose conv weights hold NaN: flip the bytes in the blob and fix the CRC
    const b = bytes.slice();
    const dv = new DataView(b.buffer);
    const hl = dv.getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(b.subarray(20, 20 + hl)));
    const off = 20 + hl + header.model.graph.nodes[3].weight.data.$tensor.offset;
    dv.setFloat32(off, NaN, true);
    dv.setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
    expect(codeOf(() => decodeModel(b))).toBe('SNN_E_NAN');
  });

  it('rejects malformed headers and invalid graphs with their codes', () => {
    expect(codeOf(() => decodeModel(craft(bytes, (h) => delete h.model.meta)))).toBe('SNN_E_HEADER');
    expect(codeOf(() => decodeModel(craft(bytes, (h) => (h.model.graph.nodes[3].width = 9))))).toBe('SNN_E_GRAPH');
    expect(codeOf(() => decodeModel(craft(bytes, (h) => (h.model.graph.nodes[3].weight.data.$tensor.storage = 'u8'))))).toBe('SNN_E_HEADER');
    expect(codeOf(() => decodeModel(craft(bytes, (h) => (h.model.graph.nodes[4].threshold = -1))))).toBe('SNN_E_GRAPH');
    expect(codeOf(() => decodeModel(craft(bytes, (h) => h.model.vocab.pop())))).toBe('SNN_E_GRAPH');
  });
});
