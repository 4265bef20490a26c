// C backend, phase 1: checks an integer graph against what the firmware kernel supports and
// describes what model.c/model.h will hold: constant tables, the caller-owned state struct
// (fields sorted by alignment so its size is known exactly before any compiler runs).

import type { Conv1dNode, DenseNode, EmbeddingNode, EncoderNode, Graph, LifNode, ReadoutNode, SynapseTable, TokensNode, VectorNode } from '../../ir/types.js';
import { fail } from '../../../core/errors.js';
import { embeddingRowBytes } from '../../../core/levels.js';
import { groupRows, levelTop, minLiveLevel } from '../../../core/schedule.js';

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
  /** Flags kept packed for the fast conv (all its consumers are fast convs): `cb` bytes of bits
   *  per position, `pad` zero positions before position 0 and `after` after maxLen. */
  packed?: { cb: number; pad: number; after: number };
  /** A grouped synapse reads it and its levels are more than one bit: the per-level clock (lc/lf, top + 1 bytes each). */
  clock?: boolean;
  /** Tokens mode, and every reader is grouped: no per-input spikes after step 0; the input spikes
   *  of a step are counted from the inputs per level (ic, u16 [top + 1]) and the level clock. */
  levelsOnly?: boolean;
}

/**
 * The level-grouped schedule of a synapse (docs/semantics.md "Level-grouped input schedule";
 * firmware-stubs/snn_group.c). Generic: sums H [rows][top][width] at the target's membrane
 * width and present flags [rows][top], formed at step 0 from the encoder's levels (tokens mode)
 * or its step-0 flags (spikes mode, binary only: a binary input's level is its spike). Fast
 * (binary, the fast conv into the population it fires alone): H [maxLen][width] int16 formed by
 * the fast conv itself, the count of present rows instead of flags, and a fused add + fire.
 */
export interface CGrouped {
  top: number;
  /** The smallest level that spikes in T steps. */
  live: number;
  /** Target rows: one per position (conv1d, position-wise dense) or one (global target). */
  perPosition: boolean;
  rows: number;
  width: number;
  h32: boolean;
  fast: boolean;
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
  /** `pool: 'max-positions'`: row c once per step if channel c spiked at any position. */
  maxPool: boolean;
  /** The fast conv (firmware-stubs/snn_fast.c): the table is emitted as nibble sums instead. */
  lut?: { cb: number; pad: number };
  /** The level-grouped schedule (absent: event-driven). */
  grouped?: CGrouped;
}

export interface CPop {
  node: LifNode;
  index: number;
  /** Neurons at maxLen (spike flags). */
  size: number;
  /** Membranes: `size`, or `channels` for a scan (one vector carried along the positions). */
  vSize: number;
  /** Recurrent scan over positions (docs/semantics.md "Scans"). */
  scan?: 'forward' | 'backward';
  /** false: a leaky integrator that never fires (no spike flags). */
  spiking: boolean;
  v32: boolean;
  pooled: boolean;
  hasPrev: boolean;
  inputs: CSynapse[];
  shifts: number[];
  /** Its one input is a fast conv that also fires it (snn_conv_lut with SNN_LUT_FIRE). */
  fused?: CSynapse;
  /** A synaptic current (docs/semantics.md "Synaptic current"): state `i<index>` at the membrane width, its leak shifts. */
  syn?: { shifts: number[] };
  /** Fused, and only mean-pooled denses read it: it keeps per-channel spike counts of the step
   *  instead of flags (SNN_LUT_COUNTS; the denses call snn_dense_counts). */
  counts?: boolean;
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
  /** `measure: 'membrane'`: signed scores from the final membranes, no spike counts. */
  membraneReadout: boolean;
  /** Bytes of the max-pool scratch flags (the widest max-pooled source), 0 without max pooling. */
  maxPoolChannels: number;
  poissonSeed?: number;
  /** Spike-frame bits per position and per step (spikes mode), global encoders separately. */
  frameBitsPerPosition: number;
  frameBitsFixed: number;
  /** Options the plan was made with (so a variant of the graph is planned alike). */
  options: PlanOptions;
}

export interface PlanOptions {
  /** Use the fast conv where it applies (default true); emitC turns it off when its tables do not fit. */
  fast?: boolean;
}

/** Synapses per scan population that the firmware's snn_scan takes (SNN_SCAN_MAX_IN in snn_scan.c). */
export const SCAN_MAX_INPUTS = 4;

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

/**
 * A membrane readout's class score is a sum of `population` membranes; the firmware adds them
 * in int32 and sends int32. Each membrane is proven to fit its width (docs/semantics.md
 * "Overflow"); with 16-bit membranes any population <= 65535 sums within int32. With 32-bit
 * ones and more than one neuron per class, the same bound per neuron (theta + (T + 1) x the
 * largest one-step input, from the integer tables) must also hold for the sum, or we refuse.
 */
function checkScoreRange(readout: ReadoutNode, pop: CPop, T: number, maxLen: number): void {
  if (!pop.v32 || readout.population === 1) return;
  const C = pop.node.channels;
  const posIn = new Float64Array(C);
  const negIn = new Float64Array(C);
  for (const s of pop.inputs) {
    const t = s.table;
    const mult = s.node.kind === 'dense' && s.node.pool === 'mean-positions' ? maxLen : 1;
    const add = (f: number, w: number): void => {
      if (w > 0) posIn[f] += w * mult;
      else negIn[f] -= w * mult;
    };
    if (t.layout === 'dense') for (let i = 0; i < t.weights.length; i++) add(i % t.rowLength, t.weights[i]);
    else for (let e = 0; e < t.weights.length; e++) add(t.target![e], t.weights[e]);
  }
  const theta = pop.pooled ? pop.node.threshold * maxLen : pop.node.threshold;
  for (let c = 0; c < readout.classes; c++) {
    let bound = 0;
    for (let i = 0; i < readout.population; i++) {
      const f = c * readout.population + i;
      bound += theta + (T + 1) * Math.max(posIn[f], negIn[f]);
    }
    if (bound > 2 ** 31 - 1)
      fail('SNN_E_OVERFLOW', `class ${c} of ${readout.id} sums ${readout.population} membranes up to ${bound}, beyond the int32 score the firmware reports`, 'use population 1 for a membrane readout, or fewer timesteps');
  }
}

export function planC(graph: Graph, mode: CMode, options: PlanOptions = {}): CPlan {
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
    if (n.scheme === 'direct') {
      // docs/firmware.md "Spike-train input": the host sends each step's spikes in the spikes-mode frame
      if (mode !== 'spikes') fail('SNN_E_BACKEND', `encoder ${n.id} is a direct spike input: the C firmware takes it in spikes mode (the host sends each step's spikes)`, 'emit with mode "spikes" (--mode spikes)');
      // counts 0..2^bits-1 travel as `bits` bits per channel (LSB first); the synapses add a row per spike
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
    if (n.scan !== undefined && n.scan !== 'forward' && n.scan !== 'backward') fail('SNN_E_GRAPH', `${n.id}: unknown scan ${String(n.scan)}`);
    if (n.scan && !n.perPosition) fail('SNN_E_GRAPH', `${n.id}: a scan population must be per-position`);
    let syn: CPop['syn'];
    if (n.synBeta !== undefined) {
      const ks = n.synLeakShifts ?? [];
      if (n.scan) fail('SNN_E_GRAPH', `${n.id}: a scan population has no synaptic current`);
      if (ks.length > 3) fail('SNN_E_BACKEND', `${n.id} has ${ks.length} current leak shifts; the firmware kernel takes at most 3`, 'quantize with maxLeakTerms <= 3');
      for (const k of ks) checkInt(`current leak shift of ${n.id}`, k, 0, n.stateBits === 16 ? 15 : 31);
      syn = { shifts: ks };
    }
    pops.push({
      node: n,
      index: pops.length,
      size,
      vSize: n.scan ? n.channels : size,
      scan: n.scan,
      spiking: n.spiking !== false,
      v32: n.stateBits !== 16,
      pooled: false,
      hasPrev: false,
      inputs: [],
      shifts,
      ...(syn ? { syn } : {}),
    });
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
    if (pop && !pop.spiking) fail('SNN_E_GRAPH', `synapse ${n.id} reads ${n.from}, which never spikes (spiking: false)`);
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
      if (n.pool === 'mean-positions' || n.pool === 'max-positions') {
        if (!srcPerPosition || target.node.perPosition) fail('SNN_E_GRAPH', `pooled dense ${n.id} needs a per-position source and a global target`);
        if (recurrent) fail('SNN_E_GRAPH', `pooled dense ${n.id} cannot be recurrent`);
        if (n.pool === 'mean-positions') target.pooled = true;
      } else if (n.pool !== undefined) fail('SNN_E_GRAPH', `dense ${n.id}: unknown pool ${String(n.pool)}`);
      else if (srcPerPosition !== target.node.perPosition) fail('SNN_E_GRAPH', `dense ${n.id} connects a per-position and a global population without pooling`);
      rows = n.inFeatures;
      rowLength = n.outFeatures;
    }
    if (target.scan) {
      // docs/semantics.md "Scans": position-wise dense synapses only; recurrence from itself
      if (n.kind !== 'dense') fail('SNN_E_GRAPH', `scan population ${target.node.id} takes dense synapses only, not conv1d ${n.id}`);
      if (recurrent && pop !== target) fail('SNN_E_GRAPH', `recurrent synapse ${n.id} into scan population ${target.node.id} must come from that population itself`);
    }
    if (recurrent && pop!.scan && pop !== target) fail('SNN_E_GRAPH', `scan population ${pop!.node.id} can feed back only into itself (${n.id})`);
    let grouped: CGrouped | undefined;
    if (n.schedule !== undefined) {
      // docs/semantics.md "Level-grouped input schedule" (the validator refuses the same)
      if (n.schedule !== 'grouped') fail('SNN_E_GRAPH', `synapse ${n.id}: unknown schedule ${String(n.schedule)}`);
      if (!enc || enc.node.scheme === 'poisson') fail('SNN_E_GRAPH', `synapse ${n.id} is grouped, but ${n.from} is not a rate or binary encoder`);
      if (recurrent || (n.kind === 'dense' && n.pool === 'max-positions') || target.scan) fail('SNN_E_GRAPH', `synapse ${n.id}: a recurrent or max-pooled synapse, or one into a scan, cannot be grouped`);
      const top = levelTop(enc.bits);
      if (mode === 'spikes' && top > 1)
        fail('SNN_E_BACKEND', `synapse ${n.id} is grouped over ${enc.bits}-bit levels: in spikes mode the board sees spikes, not levels (a binary input's level is its spike)`, 'tokens mode, or the event schedule (--schedule event)');
      const g = groupRows(n, target.node.perPosition, maxLen);
      grouped = { top, live: minLiveLevel(top, graph.timesteps), perPosition: g.perPosition, rows: g.maxRows, width: g.width, h32: target.v32, fast: false };
      if (top > 1) enc.clock = true;
    }
    // a scan's self-recurrence reads this step's flags at the previous position: no copy
    if (recurrent && !pop!.scan) pop!.hasPrev = true;
    const s: CSynapse = {
      node: n,
      index: synapses.length,
      table: tableOf(n, rows, rowLength),
      src: enc ? { kind: 'enc', index: enc.index } : { kind: 'pop', index: pop!.index },
      srcChannels,
      srcPerPosition,
      recurrent,
      maxPool: n.kind === 'dense' && n.pool === 'max-positions',
      ...(grouped ? { grouped } : {}),
    };
    synapses.push(s);
    target.inputs.push(s);
  }
  for (const p of pops) {
    if (!p.scan) continue;
    if (p.inputs.length === 0) fail('SNN_E_GRAPH', `scan population ${p.node.id} has no synapses`);
    if (p.inputs.length > SCAN_MAX_INPUTS) fail('SNN_E_BACKEND', `scan population ${p.node.id} has ${p.inputs.length} synapses; the firmware scan kernel takes at most ${SCAN_MAX_INPUTS}`, 'concatenate its sources into fewer populations');
    if (!p.inputs.some((s) => !s.recurrent)) fail('SNN_E_GRAPH', `scan population ${p.node.id} has no position-wise input`);
    const rows = p.inputs.reduce((a, s) => a + s.srcChannels, 0);
    if (rows > 65535) fail('SNN_E_BACKEND', `scan population ${p.node.id} reads ${rows} presynaptic channels per position; the firmware scan kernel counts at most 65535`);
    for (const s of p.inputs) if (!s.recurrent && !s.srcPerPosition) fail('SNN_E_GRAPH', `scan population ${p.node.id} reads ${s.node.from}, which is not per-position`);
  }
  const readoutPop = popById.get(readout.from);
  if (!readoutPop) fail('SNN_E_GRAPH', `readout reads ${readout.from}, which is not a LIF population`);
  checkInt('readout classes', readout.classes, 1, 255);
  if (readoutPop.node.perPosition) fail('SNN_E_GRAPH', `readout reads ${readout.from}, a per-position population`);
  if (readout.classes * readout.population > readoutPop.size) fail('SNN_E_GRAPH', `readout needs more neurons than ${readout.from} has`);
  const measure = readout.measure ?? 'spikes';
  if (measure !== 'spikes' && measure !== 'membrane') fail('SNN_E_GRAPH', `readout: unknown measure ${String(measure)}`);
  const membraneReadout = measure === 'membrane';
  if (membraneReadout && readoutPop.spiking) fail('SNN_E_GRAPH', `a membrane readout reads a non-spiking population; ${readout.from} spikes`);
  if (!membraneReadout && !readoutPop.spiking) fail('SNN_E_GRAPH', `population ${readout.from} never spikes; read it with measure: 'membrane'`);
  if (membraneReadout) checkScoreRange(readout, readoutPop, graph.timesteps, maxLen);
  const maxPoolChannels = Math.max(0, ...synapses.filter((s) => s.maxPool).map((s) => s.srcChannels));
  if (pops.length > 255) fail('SNN_E_BACKEND', 'the firmware reports at most 255 populations');
  if (options.fast !== false) planFast(encoders, synapses, pops, readoutPop, maxLen);
  // a binary grouped fast conv that fires its population alone: formed by the fast conv, fused add + fire
  for (const p of pops) if (p.fused?.grouped && p.fused.grouped.top === 1) p.fused.grouped.fast = true;
  if (mode === 'tokens')
    for (const e of encoders) {
      const readers = synapses.filter((s) => s.src.kind === 'enc' && s.src.index === e.index);
      if (readers.length && readers.every((s) => s.grouped)) e.levelsOnly = true;
    }
  let frameBitsPerPosition = 0;
  let frameBitsFixed = 0;
  for (const e of encoders) {
    if (e.perPosition) frameBitsPerPosition += e.dim;
    // a direct input's count takes `bits` bits per channel (docs/firmware.md "Spike-train input")
    else frameBitsFixed += e.node.scheme === 'direct' ? e.dim * e.bits : e.dim;
  }
  // the firmware indexes frame bits with 16 bits
  if (encoders.some((e) => e.node.scheme === 'direct') && frameBitsFixed > 65535)
    fail('SNN_E_BACKEND', `a spike frame of ${frameBitsFixed} bits (${encoders.map((e) => `${e.dim} channels x ${e.bits} bits`).join(', ')}): the firmware takes at most 65535 bits per step`, 'fewer input channels or bits, or the WASM backend');
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
    membraneReadout,
    maxPoolChannels,
    poissonSeed,
    frameBitsPerPosition,
    frameBitsFixed,
    options,
  };
}

/** Largest receptive field (width x flag bytes per position) of the fast conv (8-bit counters on AVR). */
export const LUT_MAX_FIELD_BYTES = 255;

/**
 * The fast conv (firmware-stubs/snn_fast.c) takes a conv1d from a per-position encoder into a
 * 16-bit population, dense int8 table, output channels a multiple of 8, at most 255 input
 * channels; the encoder's flags are then kept packed, so every synapse reading it must be one.
 * A population whose one input it is also fires in the same pass (unless it is the readout,
 * whose spikes are counted).
 */
function planFast(encoders: CEncoder[], synapses: CSynapse[], pops: CPop[], readoutPop: CPop, maxLen: number): void {
  const targetOf = new Map<CSynapse, CPop>();
  for (const p of pops) for (const s of p.inputs) targetOf.set(s, p);
  const eligible = (s: CSynapse, e: CEncoder): boolean => {
    const t = targetOf.get(s)!;
    const cb = Math.ceil(e.dim / 8);
    // a grouped synapse takes the fast conv only as the binary, fused case (the generic forming reads byte levels)
    if (s.grouped && (s.grouped.top !== 1 || t.inputs.length !== 1 || !t.spiking || t === readoutPop)) return false;
    return (
      s.node.kind === 'conv1d' &&
      s.table.layout === 'dense' &&
      s.table.weightBits === 8 &&
      !t.v32 &&
      !t.scan &&
      s.table.rowLength % 8 === 0 &&
      e.dim <= 255 &&
      s.node.width * cb <= LUT_MAX_FIELD_BYTES
    );
  };
  for (const e of encoders) {
    if (!e.perPosition) continue;
    const readers = synapses.filter((s) => s.src.kind === 'enc' && s.src.index === e.index);
    if (!readers.length || !readers.every((s) => eligible(s, e))) continue;
    const cb = Math.ceil(e.dim / 8);
    let pad = 0;
    let after = 0;
    for (const s of readers) {
      const w = (s.node as Conv1dNode).width;
      const left = (w - 1) >> 1;
      pad = Math.max(pad, left);
      after = Math.max(after, w - 1 - left);
    }
    e.packed = { cb, pad, after };
    for (const s of readers) s.lut = { cb, pad };
  }
  // a population with a synaptic current integrates into its current, never fused with its fire
  for (const p of pops) if (p.inputs.length === 1 && p.inputs[0].lut && p.spiking && p !== readoutPop && !p.syn) p.fused = p.inputs[0];
  for (const p of pops) {
    if (!p.fused || p.hasPrev || maxLen > 255) continue;
    const readers = synapses.filter((s) => s.src.kind === 'pop' && s.src.index === p.index);
    const ok = (s: CSynapse): boolean => s.node.kind === 'dense' && s.node.pool === 'mean-positions' && s.table.layout === 'dense' && s.table.weightBits === 8;
    if (readers.every(ok)) p.counts = true;
  }
}

/** Flash bytes of a fast conv's nibble-sum table: per block of 8 outputs, tap, flag byte and nibble, 16 patterns x 8 x 16 bits. */
export function lutBytes(s: CSynapse): number {
  if (!s.lut) return 0;
  return (s.table.rowLength / 8) * (s.node as Conv1dNode).width * s.lut.cb * 2 * 256;
}

/**
 * A fast conv's table (snn_kernel.h "The fast conv"): for block b of 8 outputs, tap j, flag
 * byte y, nibble h and pattern m, output k the sum of the rows of the channels
 * c = 8y + 4h + i (i a set bit of m, c < cin). AVR: int16 per output; 32-bit CPUs: one int32
 * word per two outputs, out[2i] + 65536 * out[2i + 1].
 */
export function lutTable(s: CSynapse, words: boolean): Int32Array {
  const t = s.table;
  const node = s.node as Conv1dNode;
  const cb = s.lut!.cb;
  const cin = node.inChannels;
  const R = t.rowLength;
  const per = words ? 4 : 8;
  const out = new Int32Array((lutBytes(s) / 256) * 16 * per);
  let o = 0;
  const sum = new Int32Array(8);
  for (let b = 0; b < R / 8; b++)
    for (let j = 0; j < node.width; j++)
      for (let y = 0; y < cb; y++)
        for (let h = 0; h < 2; h++)
          for (let m = 0; m < 16; m++) {
            sum.fill(0);
            for (let i = 0; i < 4; i++) {
              const c = 8 * y + 4 * h + i;
              if (!(m & (1 << i)) || c >= cin) continue;
              const row = (j * cin + c) * R + b * 8;
              for (let k = 0; k < 8; k++) sum[k] += t.weights[row + k];
            }
            if (words) for (let k = 0; k < 4; k++) out[o++] = sum[2 * k] + 65536 * sum[2 * k + 1];
            else for (let k = 0; k < 8; k++) out[o++] = sum[k];
          }
  return out;
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
  const vWhat = (p: CPop): string => (p.scan ? `membranes of ${p.node.id} (one vector, carried along the ${p.scan} scan)` : `membranes of ${p.node.id}`);
  for (const p of plan.pops) if (p.v32) f.push({ name: `v${p.index}`, ctype: 'int32_t', count: p.vSize, what: vWhat(p) });
  for (const p of plan.pops) if (p.syn) f.push({ name: `i${p.index}`, ctype: p.v32 ? 'int32_t' : 'int16_t', count: p.vSize, what: `synaptic currents of ${p.node.id}` });
  // level-grouped sums at the target's membrane width (docs/semantics.md), then the 16-bit ones
  const gWhat = (s: CSynapse): string => `level-grouped sums of ${s.node.id} (${s.grouped!.rows} rows x ${s.grouped!.fast ? '' : `${s.grouped!.top} levels x `}${s.grouped!.width}${s.grouped!.fast ? ', formed by the fast conv' : ''})`;
  const gCount = (g: CGrouped): number => g.rows * (g.fast ? 1 : g.top) * g.width;
  for (const s of plan.synapses) if (s.grouped?.h32) f.push({ name: `g${s.index}`, ctype: 'int32_t', count: gCount(s.grouped), what: gWhat(s) });
  for (const p of plan.pops) if (!p.v32) f.push({ name: `v${p.index}`, ctype: 'int16_t', count: p.vSize, what: vWhat(p) });
  for (const s of plan.synapses) if (s.grouped && !s.grouped.h32) f.push({ name: `g${s.index}`, ctype: 'int16_t', count: gCount(s.grouped), what: gWhat(s) });
  for (const s of plan.synapses) if (s.grouped?.fast) f.push({ name: `gn${s.index}`, ctype: 'uint16_t', count: 1, what: `present rows of ${s.node.id}`, scalar: true });
  for (const e of plan.encoders) if (e.levelsOnly) f.push({ name: `ic${e.index}`, ctype: 'uint16_t', count: e.top + 1, what: `inputs per level of ${e.node.id}` });
  if (!plan.membraneReadout) f.push({ name: 'counts', ctype: 'uint16_t', count: plan.readoutPop.size, what: `spike counts of ${plan.readoutPop.node.id}` });
  f.push({ name: 'n', ctype: 'uint16_t', count: 1, what: 'positions', scalar: true });
  f.push({ name: 't', ctype: 'uint16_t', count: 1, what: 'step', scalar: true });
  if (plan.mode === 'tokens' && plan.tokens) f.push({ name: 'ids', ctype: 'uint16_t', count: plan.maxLen, what: 'token ids' });
  if (plan.mode === 'tokens' && plan.vector) f.push({ name: 'vin', ctype: 'uint8_t', count: plan.vector.dim, what: 'input levels' });
  for (const e of plan.encoders) {
    const size = (e.perPosition ? plan.maxLen : 1) * e.dim;
    if (plan.mode === 'tokens') {
      f.push({ name: `lev${e.index}`, ctype: 'uint8_t', count: size, what: `levels of ${e.node.id}` });
      if (e.node.scheme !== 'poisson' && !e.levelsOnly) f.push({ name: `acc${e.index}`, ctype: 'uint8_t', count: size, what: `accumulators of ${e.node.id}` });
    }
    if (e.packed) {
      const k = e.packed;
      f.push({ name: `se${e.index}`, ctype: 'uint8_t', count: (k.pad + plan.maxLen + k.after) * k.cb, what: `packed spike bits of ${e.node.id} (${k.cb} B per position, ${k.pad} + ${k.after} zero positions around)` });
      f.push({ name: `pc${e.index}`, ctype: 'uint8_t', count: plan.maxLen, what: `spikes per position of ${e.node.id}` });
    } else if (!e.levelsOnly) f.push({ name: `se${e.index}`, ctype: 'uint8_t', count: size, what: `spike flags of ${e.node.id}` });
  }
  for (const p of plan.pops) {
    if (p.counts) f.push({ name: `c${p.index}`, ctype: 'uint8_t', count: p.node.channels, what: `spikes per channel of ${p.node.id} in this step` });
    else if (p.spiking) f.push({ name: `s${p.index}`, ctype: 'uint8_t', count: p.size, what: `spike flags of ${p.node.id}` });
    if (p.hasPrev) f.push({ name: `sp${p.index}`, ctype: 'uint8_t', count: p.size, what: `previous-step spikes of ${p.node.id}` });
  }
  for (const s of plan.synapses) if (s.grouped && !s.grouped.fast) f.push({ name: `gp${s.index}`, ctype: 'uint8_t', count: s.grouped.rows * s.grouped.top, what: `present flags of ${s.node.id}` });
  for (const e of plan.encoders) {
    if (!e.clock) continue;
    f.push({ name: `lc${e.index}`, ctype: 'uint8_t', count: e.top + 1, what: `level clock of ${e.node.id} (accumulator per level)` });
    f.push({ name: `lf${e.index}`, ctype: 'uint8_t', count: e.top + 1, what: `level clock of ${e.node.id} (levels that spike this step)` });
  }
  if (plan.maxPoolChannels) f.push({ name: 'anyp', ctype: 'uint8_t', count: plan.maxPoolChannels, what: 'channels that spiked at any position (max pooling)' });
  return f;
}

/** sizeof(snn_state) on an ABI: fields are already in alignment order, so only tail padding. */
export function stateBytes(plan: CPlan, abi: CAbi): number {
  const raw = stateFields(plan).reduce((a, x) => a + sizeOf(x.ctype) * x.count, 0);
  return Math.ceil(raw / abi.maxAlign) * abi.maxAlign;
}

function ptrAlignOf(abi: CAbi, x: number): number {
  return abi.maxAlign === 4 ? Math.ceil(x / abi.pointerBytes) * abi.pointerBytes : x;
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
  const luts = plan.synapses.filter((s) => s.lut);
  if (luts.length) {
    items.push({ name: 'fast conv tables', bytes: luts.reduce((a, s) => a + lutBytes(s), 0) });
    // AVR: the tables are one page-aligned array; the linker may pad before it
    if (abi.pointerBytes === 2) items.push({ name: 'fast conv table alignment (at most)', bytes: 255 });
  }
  const lutDesc = ptrAlignOf(abi, abi.pointerBytes + 5);
  for (const s of plan.synapses) {
    const t = s.table;
    const wb = t.weightBits / 8;
    if (s.lut) {
      items.push({ name: `descriptor ${s.node.id}`, bytes: lutDesc });
      continue;
    }
    if (t.layout === 'dense') items.push({ name: `table ${s.node.id}`, bytes: pad(t.rows * t.rowLength * wb) });
    else {
      const nnz = t.weights.length;
      items.push({ name: `table ${s.node.id}`, bytes: pad(Math.max(nnz, 1) * wb) + pad((t.rows + 1) * 2) + pad(Math.max(nnz, 1) * 2) });
    }
    items.push({ name: `descriptor ${s.node.id}`, bytes: descBytes });
  }
  // scan descriptors (snn_scan_in per input, snn_scan_pop): pointer-aligned off AVR
  const ptrAlign = (x: number): number => (abi.maxAlign === 4 ? Math.ceil(x / abi.pointerBytes) * abi.pointerBytes : x);
  for (const p of plan.pops) {
    if (!p.scan) continue;
    items.push({ name: `scan descriptor ${p.node.id}`, bytes: p.inputs.length * ptrAlign(abi.pointerBytes + 6) + ptrAlign(abi.pointerBytes + 21) });
  }
  return items;
}
