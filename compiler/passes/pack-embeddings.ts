// Pass `pack`: turns the positive-shifted float embedding table into q-bit integer levels,
// bit-packed LSB-first, one byte-aligned row per token (docs/semantics.md "Embedding levels").
// q is the encoder's bit width: 1 bit gives binary spiking embeddings.

import type { EmbeddingNode, EncoderNode, Graph } from '../ir/types.js';
import { encoderBits } from '../../core/encoders.js';
import { packLevels } from '../../core/levels.js';
import { fail } from '../../core/errors.js';
import { cloneGraph, type PassResult } from './pass.js';

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
    const bits = encoderBits(enc.scheme, enc.bits);
    emb.levels = { bits, data: packLevels(emb.table.data, emb.vocab, emb.dim, bits) };
    const floatBytes = emb.vocab * emb.dim * 4;
    details[emb.id] = { bits, bytes: emb.levels.data.length, float32Bytes: floatBytes, ratio: emb.levels.data.length / floatBytes };
  }
  graph.passes = [...graph.passes, 'pack'];
  return { graph, report: { pass: 'pack', details, warnings } };
}
