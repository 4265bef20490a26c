// Host half of the spikes mode: runs the model's encoders (docs/semantics.md "Encoders") on
// the host and packs each step's input spikes into the frame the board expects (all encoders
// in graph order, LSB first). Also what the host adds to the board's counters.

import type { EmbeddingNode, EncoderNode, Graph, VectorNode } from '../../compiler/ir/types.js';
import { fail } from '../../core/errors.js';
import type { SimInput, StepsInput } from '../reference.js';
import { encoderBits, poissonCuts, rateStart } from '../../core/encoders.js';
import { embeddingRowBytes, levelTop, toLevel, unpackLevel } from '../../core/levels.js';
import { seedState, xorshift32 } from '../../core/prng.js';

export interface EncodedInput {
  n: number;
  /** One packed frame per step. */
  frames: Uint8Array[];
  /** Counted on the host: embedding rows read (the board never sees the table). */
  hostBytesRead: number;
  inputSpikes: number;
}

/** Token ids truncated to maxLen (as the reference does), or a clear SNN_E_INPUT. */
export function truncateTokens(graph: Graph, tokens: ArrayLike<number>): number[] {
  const t = graph.nodes.find((n) => n.kind === 'tokens');
  const maxLen = t && t.kind === 'tokens' ? t.maxLen : 1;
  const ids = Array.from(tokens).slice(0, maxLen);
  if (ids.length === 0) fail('SNN_E_INPUT', 'no tokens to classify', 'pass non-empty text');
  return ids;
}

export function vectorLevels(x: ArrayLike<number>, bits: number): number[] {
  return Array.from(x, (v) => {
    const c = Math.min(1, Math.max(0, Number(v)));
    if (!Number.isFinite(c)) fail('SNN_E_INPUT', 'the input vector holds NaN');
    return toLevel(c, bits);
  });
}

/**
 * A direct spike input's frames (docs/firmware.md "Spike-train input"): step t's frame is row t's
 * counts, `bits` bits per channel, LSB first (0/1 spikes: one bit each); checked like the reference (runtime/reference.ts) checks them.
 */
function directFrames(graph: Graph, enc: EncoderNode, dim: number, input: SimInput | StepsInput): EncodedInput {
  if (!('steps' in input)) fail('SNN_E_INPUT', 'this model takes a spike train: one vector of counts per step');
  const T = graph.timesteps;
  const top = levelTop(encoderBits(enc.scheme, enc.bits));
  const nb = encoderBits(enc.scheme, enc.bits);
  if (input.steps.length < T) fail('SNN_E_INPUT', `expected ${T} per-step vectors, got ${input.steps.length}`);
  const frames: Uint8Array[] = [];
  let inputSpikes = 0;
  for (let t = 0; t < T; t++) {
    const row = input.steps[t];
    if (row.length !== dim) fail('SNN_E_INPUT', `step ${t}: expected ${dim} values, got ${row.length}`);
    // channel i's count takes bits i*nb .. i*nb+nb-1, LSB first (nb = 1: one spike bit per channel)
    const f = new Uint8Array(Math.ceil((dim * nb) / 8));
    for (let i = 0; i < dim; i++) {
      const c = Number(row[i]);
      if (!Number.isInteger(c) || c < 0 || c > top) fail('SNN_E_INPUT', `step ${t}, channel ${i}: a spike input takes integer counts 0..${top}, got ${row[i]}`);
      for (let j = 0; j < nb; j++) {
        const b = i * nb + j;
        if ((c >> j) & 1) f[b >> 3] |= 1 << (b & 7);
      }
      inputSpikes += c;
    }
    frames.push(f);
  }
  return { n: 1, frames, hostBytesRead: 0, inputSpikes };
}

export function encodeSpikeFrames(graph: Graph, input: SimInput | StepsInput): EncodedInput {
  const direct = graph.nodes.find((n): n is EncoderNode => n.kind === 'encoder' && n.scheme === 'direct');
  if (direct) {
    const src = graph.nodes.find((n) => n.id === direct.from);
    if (src?.kind !== 'vector' || graph.nodes.filter((n) => n.kind === 'encoder').length > 1) fail('SNN_E_GRAPH', `the direct spike input ${direct.id} must be the graph's one encoder, on a vector input`);
    return directFrames(graph, direct, src.dim, input);
  }
  if ('steps' in input) fail('SNN_E_INPUT', 'this model takes one input, not per-step vectors');
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  const hasTokens = graph.nodes.some((n) => n.kind === 'tokens');
  let ids: number[] = [];
  let n = 1;
  if (hasTokens) {
    if (!('tokens' in input)) fail('SNN_E_INPUT', 'this model takes token ids');
    ids = truncateTokens(graph, input.tokens);
    n = ids.length;
  }
  let hostBytesRead = 0;
  const encs: { node: EncoderNode; level: number[]; acc: number[]; top: number; cuts: Uint32Array }[] = [];
  let rng = 0;
  for (const node of graph.nodes) {
    if (node.kind !== 'encoder') continue;
    const src = byId.get(node.from) as EmbeddingNode | VectorNode | undefined;
    const bits = encoderBits(node.scheme, node.bits);
    const top = levelTop(bits);
    let level: number[];
    if (src?.kind === 'embedding') {
      if (!src.levels) fail('SNN_E_GRAPH', `embedding ${src.id} has no packed levels`);
      const rowBits = embeddingRowBytes(src.dim, bits) * 8;
      level = [];
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= src.vocab) fail('SNN_E_INPUT', `token id ${id} is outside the vocabulary (0..${src.vocab - 1})`);
        for (let d = 0; d < src.dim; d++) level.push(unpackLevel(src.levels.data, id * rowBits, d, bits));
        hostBytesRead += embeddingRowBytes(src.dim, bits);
      }
    } else if (src?.kind === 'vector') {
      if (!('vector' in input)) fail('SNN_E_INPUT', 'this model takes a vector');
      if (input.vector.length !== src.dim) fail('SNN_E_INPUT', `expected a vector of ${src.dim} values, got ${input.vector.length}`);
      level = vectorLevels(input.vector, bits);
    } else fail('SNN_E_GRAPH', `encoder ${node.id} has no embedding or vector source`);
    encs.push({ node, level, acc: level.map(() => rateStart(top)), top, cuts: poissonCuts(bits) });
    if (node.scheme === 'poisson') rng = seedState(node.seed);
  }
  const total = encs.reduce((a, e) => a + e.level.length, 0);
  const frames: Uint8Array[] = [];
  let inputSpikes = 0;
  for (let t = 0; t < graph.timesteps; t++) {
    const f = new Uint8Array(Math.ceil(total / 8));
    let bit = 0;
    for (const e of encs) {
      for (let i = 0; i < e.level.length; i++, bit++) {
        let s: number;
        if (e.node.scheme === 'poisson') {
          rng = xorshift32(rng);
          s = rng >>> 16 < e.cuts[e.level[i]] ? 1 : 0;
        } else {
          const a = e.acc[i] + e.level[i];
          s = a >= e.top ? 1 : 0;
          e.acc[i] = s ? a - e.top : a;
        }
        if (s) {
          f[bit >> 3] |= 1 << (bit & 7);
          inputSpikes++;
        }
      }
    }
    frames.push(f);
  }
  return { n, frames, hostBytesRead, inputSpikes };
}
