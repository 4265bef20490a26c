// Pass `pack`: turns the positive-shifted float embedding table into q-bit integer levels,
// bit-packed LSB-first, one byte-aligned row per token (docs/semantics.md "Embedding levels").
// q is the encoder's bit width: 1 bit gives binary spiking embeddings.

import type { EmbeddingNode, EncoderNode, Graph } from '../ir/types.js';
import { embeddingRowBytes } from '../../runtime/reference.js';
import { fail } from '../../runtime/errors.js';
import { cloneGraph, type PassResult } from './pass.js';

/** level = floor(x * (2^q - 1) + 0.5), x in [0, 1]. */
export function toLevel(x: number, bits: number): number {
  const top = (1 << bits) - 1;
  const l = Math.floor(x * top + 0.5);
  return l < 0 ? 0 : l > top ? top : l;
}

export function packLevels(table: Float32Array, vocab: number, dim: number, bits: number): Uint8Array {
  const rowBytes = embeddingRowBytes(dim, bits);
  const out = new Uint8Array(rowBytes * vocab);
  for (let r = 0; r < vocab; r++) {
    const base = r * rowBytes * 8;
    for (let d = 0; d < dim; d++) {
      const l = toLevel(table[r * dim + d], bits);
      const bit = base + d * bits;
      // a level never straddles more than two bytes (bits <= 8)
      out[bit >>> 3] |= (l << (bit & 7)) & 0xff;
      if ((bit & 7) + bits > 8) out[(bit >>> 3) + 1] |= l >>> (8 - (bit & 7));
    }
  }
  return out;
}

export function packEmbeddings(input: Graph): PassResult {
  const graph = cloneGraph(input);
  const details: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const node of graph.nodes) {
    if (node.kind !== 'encoder') continue;
    const enc = node as EncoderNode;
    const src = graph.nodes.find((n) => n.id === enc.from);
    if (src?.kind !== 'embedding') continue;
    const emb = src as EmbeddingNode;
    if (!emb.table) {
      if (emb.levels?.bits === enc.bits) continue;
      fail('SNN_E_GRAPH', `embedding ${emb.id} has no float table to pack`);
    }
    const bits = enc.scheme === 'binary' ? 1 : enc.bits;
    emb.levels = { bits, data: packLevels(emb.table.data, emb.vocab, emb.dim, bits) };
    const floatBytes = emb.vocab * emb.dim * 4;
    details[emb.id] = { bits, bytes: emb.levels.data.length, float32Bytes: floatBytes, ratio: emb.levels.data.length / floatBytes };
  }
  graph.passes = [...graph.passes, 'pack'];
  return { graph, report: { pass: 'pack', details, warnings } };
}
