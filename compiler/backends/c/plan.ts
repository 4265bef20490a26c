// C backend, phase 1: checks an integer graph against what the firmware kernel supports and
// describes what model.c/model.h will hold: constant tables, the caller-owned state struct
// (fields sorted by alignment so its size is known exactly before any compiler runs).

import type { Conv1dNode, DenseNode, EmbeddingNode, EncoderNode, Graph, LifNode, ReadoutNode, SynapseTable, TokensNode, VectorNode } from '../../ir/types.js';
import { fail } from '../../../runtime/errors.js';
import { embeddingRowBytes } from '../../../runtime/reference.js';

export type CMode = 'tokens' | 'spikes';

/** What the layout depends on: pointer size and struct alignment of the target's C ABI. */
export interface CAbi {
  pointerBytes: 2 | 4 | 8;
  /** Largest alignment the ABI applies to 4-byte scalars (1 on AVR, 4 elsewhere). */
  maxAlign: 1 | 4;
}

export interface CEncoder {
  node: EncoderNode;
  index: number;
  source: EmbeddingNode | VectorNode;
  dim: number;
  perPosition: boolean;
  bits: number;
  top: number;
}

export interface CTable {
  layout: 'dense' | 'sparse';
  rows: number;
  rowLength: number;
  weightBits: 8 | 16;
  weights: Int32Array;
  rowStart?: Uint32Array;
  target?: Uint16Array;
  /** Flash bytes of the arrays (weights, row starts as u16, targets as u16). */
  bytes: number;
}

export interface CSynapse {
  node: Conv1dNode | DenseNode;
  index: number;
  table: CTable;
  /** Source: an encoder (index) or a population (index). */
  src: { kind: 'enc' | 'pop'; index: number };
  srcChannels: number;
  srcPerPosition: boolean;
  recurrent: boolean;
}

export interface CPop {
  node: LifNode;
  index: number;
  /** Neurons at maxLen. */
  size: number;
  v32: boolean;
  pooled: boolean;
  hasPrev: boolean;
  inputs: CSynapse[];
  shifts: number[];
}

export interface StateField {
  name: string;
  ctype: 'uint32_t' | 'int32_t' | 'uint16_t' | 'int16_t' | 'uint8_t';
  count: number;
  what: string;
  /** A plain scalar, not an array. */
  scalar?: boolean;
}

export interface CPlan {
  graph: Graph;
  mode: CMode;
  tokens?: TokensNode;
  vector?: VectorNode;
  maxLen: number;
  timesteps: number;
  vocab: number;
  encoders: CEncoder[];
  pops: CPop[];
  synapses: CSynapse[];
  readout: ReadoutNode;
  readoutPop: CPop;
  poissonSeed?: number;
  /** Spike-frame bits per position and per step (spikes mode), global encoders separately. */
  frameBitsPerPosition: number;
  frameBitsFixed: number;
}

const sizeOf = (t: StateField['ctype']): number => (t.endsWith('32_t') ? 4 : t.endsWith('16_t') ? 2 : 1);

function checkInt(what: string, x: number, lo: number, hi: number): void {
  if (!Number.isInteger(x) || x < lo || x > hi) fail('SNN_E_GRAPH', `${what} is ${x}, expected an integer in [${lo}, ${hi}]`);
}

function tableOf(syn: Conv1dNode | DenseNode, rows: number, rowLength: number): CTable {
  let t: SynapseTable;
  if (syn.table) t = syn.table;
  else {
    const w = syn.weight;
    if (w.dtype !== 'int') fail('SNN_E_GRAPH', `${syn.id} has neither a synapse table nor integer weights`, 'run quantize and sparsify');
    if (w.fmt.bits === 32) fail('SNN_E_BACKEND', `${syn.id} has 32-bit weights; the C backend takes int8 or int16`, 'quantize with weightBits 8 or 16');
    t = { layout: 'dense', rows: w.data.length / rowLength, rowLength, weights: w.data, weightBits: w.fmt.bits as 8 | 16 };
  }
  if (t.rows !== rows || t.rowLength !== rowLength) fail('SNN_E_GRAPH', `${syn.id}: table is ${t.rows}x${t.rowLength}, the layer needs ${rows}x${rowLength}`);
  const lim = 2 ** (t.weightBits - 1);
  const wb = t.weightBits / 8;
  if (t.layout === 'dense') {
    if (t.weights.length !== rows * rowLength) fail('SNN_E_GRAPH', `${syn.id}: dense table holds ${t.weights.length} weights, expected ${rows * rowLength}`);
    for (const x of t.weights) if (x < -lim || x >= lim) fail('SNN_E_GRAPH', `${syn.id}: weight ${x} does not fit ${t.weightBits} bits`);
    return { layout: 'dense', rows, rowLength, weightBits: t.weightBits, weights: t.weights, bytes: rows * rowLength * wb };
  }
  const nnz = t.rowStart[rows];
  if (nnz > 65535) fail('SNN_E_TOO_BIG', `${syn.id}: ${nnz} sparse entries exceed the firmware's 16-bit row starts`, 'prune more or use dense tables');
  for (let r = 0; r < rows; r++) if (t.rowStart[r] > t.rowStart[r + 1]) fail('SNN_E_GRAPH', `${syn.id}: rowStart is not monotone`);
  for (let e = 0; e < nnz; e++) {
    if (t.target[e] >= rowLength) fail('SNN_E_GRAPH', `${syn.id}: sparse target ${t.target[e]} >= ${rowLength}`);
    if (t.weights[e] < -lim || t.weights[e] >= lim) fail('SNN_E_GRAPH', `${syn.id}: weight ${t.weights[e]} does not fit ${t.weightBits} bits`);
  }
  return {
    layout: 'sparse',
    rows,
    rowLength,
    weightBits: t.weightBits,
    weights: t.weights.subarray(0, nnz),
    rowStart: t.rowStart.subarray(0, rows + 1),
    target: t.target.subarray(0, nnz),
    bytes: nnz * wb + (rows + 1) * 2 + nnz * 2,
  };
}

export function planC(graph: Graph, mode: CMode): CPlan {
  if (graph.stage !== 'integer') fail('SNN_E_GRAPH', 'the C backend needs an integer graph', 'run the quantize pass first');
  checkInt('timesteps', graph.timesteps, 1, 65535);
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  const tokens = graph.nodes.find((n): n is TokensNode => n.kind === 'tokens');
  const vector = graph.nodes.find((n): n is VectorNode => n.kind === 'vector');
  if (tokens && vector) fail('SNN_E_GRAPH', 'a graph takes either tokens or a vector, not both');
  if (!tokens && !vector) fail('SNN_E_GRAPH', 'the graph has no input node');
  const maxLen = tokens ? tokens.maxLen : 1;
  checkInt('maxLen', maxLen, 1, 4096);
  const readout = graph.nodes.find((n): n is ReadoutNode => n.kind === 'readout');
  if (!readout) fail('SNN_E_GRAPH', 'the graph has no readout node');
  let vocab = 0;
  const encoders: CEncoder[] = [];
  let poissonSeed: number | undefined;
  for (const n of graph.nodes) {
    if (n.kind === 'embedding') {
      vocab = n.vocab;
      checkInt('vocab', n.vocab, 2, 65535);
    }
    if (n.kind !== 'encoder') continue;
    const src = byId.get(n.from);
    if (src?.kind !== 'embedding' && src?.kind !== 'vector') fail('SNN_E_GRAPH', `encoder ${n.id} reads ${n.from}, which is neither an embedding nor a vector input`);
    const bits = n.scheme === 'binary' ? 1 : n.bits;
    checkInt(`encoder ${n.id} bits`, bits, 1, 8);
    if (src.kind === 'embedding') {
      if (!src.levels) fail('SNN_E_GRAPH', `embedding ${src.id} has no packed levels`, 'run the pack pass');
      if (src.levels.bits !== bits) fail('SNN_E_GRAPH', `embedding ${src.id} is packed at ${src.levels.bits} bits, the encoder wants ${bits}`);
      if (src.levels.data.length < src.vocab * embeddingRowBytes(src.dim, bits)) fail('SNN_E_GRAPH', `embedding ${src.id} levels are truncated`);
    }
    if (n.scheme === 'poisson') {
      if (poissonSeed !== undefined) fail('SNN_E_GRAPH', 'a graph has at most one poisson encoder');
      poissonSeed = n.seed;
    }
    encoders.push({ node: n, index: encoders.length, source: src, dim: src.dim, perPosition: src.kind === 'embedding', bits, top: (1 << bits) - 1 });
  }
  if (mode === 'tokens' && vector && new Set(encoders.map((e) => e.bits)).size > 1)
    fail('SNN_E_BACKEND', 'a vector model whose encoders use different bit widths needs spikes mode', 'emit with mode "spikes"');
  const pops: CPop[] = [];
  for (const n of graph.nodes) {
    if (n.kind !== 'lif') continue;
    checkInt(`threshold of ${n.id}`, n.threshold, 1, 2 ** 31 - 1);
    const shifts = n.leakShifts ?? [];
    if (shifts.length > 3) fail('SNN_E_BACKEND', `${n.id} has ${shifts.length} leak shifts; the firmware kernel takes at most 3`, 'quantize with maxLeakTerms <= 3');
    for (const k of shifts) checkInt(`leak shift of ${n.id}`, k, 0, n.stateBits === 16 ? 15 : 31);
    const size = (n.perPosition ? maxLen : 1) * n.channels;
    checkInt(`neurons of ${n.id} at maxLen`, size, 1, 65535);
    pops.push({ node: n, index: pops.length, size, v32: n.stateBits !== 16, pooled: false, hasPrev: false, inputs: [], shifts });
  }
  const popById = new Map(pops.map((p) => [p.node.id, p] as const));
  const encById = new Map(encoders.map((e) => [e.node.id, e] as const));
  for (const e of encoders) checkInt(`inputs of ${e.node.id} at maxLen`, (e.perPosition ? maxLen : 1) * e.dim, 1, 65535);
  const synapses: CSynapse[] = [];
  for (const n of graph.nodes) {
    if (n.kind !== 'conv1d' && n.kind !== 'dense') continue;
    const target = popById.get(n.to);
    if (!target) fail('SNN_E_GRAPH', `synapse ${n.id} targets ${n.to}, which is not a LIF population`);
    const enc = encById.get(n.from);
    const pop = popById.get(n.from);
    if (!enc && !pop) fail('SNN_E_GRAPH', `synapse ${n.id} reads ${n.from}, which emits no spikes`);
    const srcChannels = enc ? enc.dim : pop!.node.channels;
    const srcPerPosition = enc ? enc.perPosition : pop!.node.perPosition;
    const recurrent = n.kind === 'dense' && n.recurrent === true;
    if (recurrent && !pop) fail('SNN_E_GRAPH', `recurrent synapse ${n.id} must read a LIF population`);
    let rows: number;
    let rowLength: number;
    if (n.kind === 'conv1d') {
      if (!srcPerPosition || !target.node.perPosition) fail('SNN_E_GRAPH', `conv1d ${n.id} needs per-position source and target`);
      if (n.inChannels !== srcChannels || n.outChannels !== target.node.channels) fail('SNN_E_GRAPH', `conv1d ${n.id} does not match the channels of its ends`);
      checkInt(`width of ${n.id}`, n.width, 1, 255);
      rows = n.width * n.inChannels;
      rowLength = n.outChannels;
    } else {
      if (n.inFeatures !== srcChannels || n.outFeatures !== target.node.channels) fail('SNN_E_GRAPH', `dense ${n.id} does not match the channels of its ends`);
      if (n.pool === 'mean-positions') {
        if (!srcPerPosition || target.node.perPosition) fail('SNN_E_GRAPH', `pooled dense ${n.id} needs a per-position source and a global target`);
        target.pooled = true;
      } else if (srcPerPosition !== target.node.perPosition) fail('SNN_E_GRAPH', `dense ${n.id} connects a per-position and a global population without pooling`);
      rows = n.inFeatures;
      rowLength = n.outFeatures;
    }
    if (recurrent) pop!.hasPrev = true;
    const s: CSynapse = {
      node: n,
      index: synapses.length,
      table: tableOf(n, rows, rowLength),
      src: enc ? { kind: 'enc', index: enc.index } : { kind: 'pop', index: pop!.index },
      srcChannels,
      srcPerPosition,
      recurrent,
    };
    synapses.push(s);
    target.inputs.push(s);
  }
  const readoutPop = popById.get(readout.from);
  if (!readoutPop) fail('SNN_E_GRAPH', `readout reads ${readout.from}, which is not a LIF population`);
  checkInt('readout classes', readout.classes, 1, 255);
  if (readout.classes * readout.population > readoutPop.size) fail('SNN_E_GRAPH', `readout needs more neurons than ${readout.from} has`);
  if (pops.length > 255) fail('SNN_E_BACKEND', 'the firmware reports at most 255 populations');
  let frameBitsPerPosition = 0;
  let frameBitsFixed = 0;
  for (const e of encoders) {
    if (e.perPosition) frameBitsPerPosition += e.dim;
    else frameBitsFixed += e.dim;
  }
  return {
    graph,
    mode,
    tokens,
    vector,
    maxLen,
    timesteps: graph.timesteps,
    vocab,
    encoders,
    pops,
    synapses,
    readout,
    readoutPop,
    poissonSeed,
    frameBitsPerPosition,
    frameBitsFixed,
  };
}

/** Bytes of one spike frame at n positions (spikes mode): all encoders' bits, LSB first. */
export function frameBytes(plan: CPlan, n: number): number {
  return Math.ceil((plan.frameBitsPerPosition * n + plan.frameBitsFixed) / 8);
}

/** The caller-owned state struct, in declaration order (4-byte, then 2-byte, then 1-byte fields). */
export function stateFields(plan: CPlan): StateField[] {
  const f: StateField[] = [];
  const P = plan.pops.length;
  f.push({ name: 'ops', ctype: 'uint32_t', count: 5, what: 'op counters (snn_ops)' });
  f.push({ name: 'lspk', ctype: 'uint32_t', count: P, what: 'spikes per population' });
  f.push({ name: 'lupd', ctype: 'uint32_t', count: P, what: 'updates per population' });
  f.push({ name: 'theta', ctype: 'int32_t', count: P, what: 'effective thresholds' });
  if (plan.poissonSeed !== undefined && plan.mode === 'tokens') f.push({ name: 'rng', ctype: 'uint32_t', count: 1, what: 'xorshift32 state', scalar: true });
  for (const p of plan.pops) if (p.v32) f.push({ name: `v${p.index}`, ctype: 'int32_t', count: p.size, what: `membranes of ${p.node.id}` });
  for (const p of plan.pops) if (!p.v32) f.push({ name: `v${p.index}`, ctype: 'int16_t', count: p.size, what: `membranes of ${p.node.id}` });
  f.push({ name: 'counts', ctype: 'uint16_t', count: plan.readoutPop.size, what: `spike counts of ${plan.readoutPop.node.id}` });
  f.push({ name: 'n', ctype: 'uint16_t', count: 1, what: 'positions', scalar: true });
  f.push({ name: 't', ctype: 'uint16_t', count: 1, what: 'step', scalar: true });
  if (plan.mode === 'tokens' && plan.tokens) f.push({ name: 'ids', ctype: 'uint16_t', count: plan.maxLen, what: 'token ids' });
  if (plan.mode === 'tokens' && plan.vector) f.push({ name: 'vin', ctype: 'uint8_t', count: plan.vector.dim, what: 'input levels' });
  for (const e of plan.encoders) {
    const size = (e.perPosition ? plan.maxLen : 1) * e.dim;
    if (plan.mode === 'tokens') {
      f.push({ name: `lev${e.index}`, ctype: 'uint8_t', count: size, what: `levels of ${e.node.id}` });
      if (e.node.scheme !== 'poisson') f.push({ name: `acc${e.index}`, ctype: 'uint8_t', count: size, what: `accumulators of ${e.node.id}` });
    }
    f.push({ name: `se${e.index}`, ctype: 'uint8_t', count: size, what: `spike flags of ${e.node.id}` });
  }
  for (const p of plan.pops) {
    f.push({ name: `s${p.index}`, ctype: 'uint8_t', count: p.size, what: `spike flags of ${p.node.id}` });
    if (p.hasPrev) f.push({ name: `sp${p.index}`, ctype: 'uint8_t', count: p.size, what: `previous-step spikes of ${p.node.id}` });
  }
  return f;
}

/** sizeof(snn_state) on an ABI: fields are already in alignment order, so only tail padding. */
export function stateBytes(plan: CPlan, abi: CAbi): number {
  const raw = stateFields(plan).reduce((a, x) => a + sizeOf(x.ctype) * x.count, 0);
  return Math.ceil(raw / abi.maxAlign) * abi.maxAlign;
}

/** Flash bytes of every constant the generated model.c defines, on an ABI. */
export function constItems(plan: CPlan, abi: CAbi): { name: string; bytes: number }[] {
  const items: { name: string; bytes: number }[] = [];
  const pad = (x: number): number => (abi.maxAlign === 4 ? Math.ceil(x / 4) * 4 : x);
  if (plan.mode === 'tokens') {
    for (const n of plan.graph.nodes) {
      if (n.kind !== 'embedding' || !n.levels) continue;
      items.push({ name: `levels ${n.id}`, bytes: pad(n.vocab * embeddingRowBytes(n.dim, n.levels.bits) + 1) });
    }
    for (const e of plan.encoders) if (e.node.scheme === 'poisson') items.push({ name: `poisson cuts ${e.node.id}`, bytes: 4 * (e.top + 1) });
  }
  const tabDesc = 3 * abi.pointerBytes + 6;
  const descBytes = abi.maxAlign === 4 ? Math.ceil(tabDesc / abi.pointerBytes) * abi.pointerBytes : tabDesc;
  for (const s of plan.synapses) {
    const t = s.table;
    const wb = t.weightBits / 8;
    if (t.layout === 'dense') items.push({ name: `table ${s.node.id}`, bytes: pad(t.rows * t.rowLength * wb) });
    else {
      const nnz = t.weights.length;
      items.push({ name: `table ${s.node.id}`, bytes: pad(Math.max(nnz, 1) * wb) + pad((t.rows + 1) * 2) + pad(Math.max(nnz, 1) * 2) });
    }
    items.push({ name: `descriptor ${s.node.id}`, bytes: descBytes });
  }
  return items;
}
