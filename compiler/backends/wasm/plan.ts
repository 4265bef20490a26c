// Wasm backend, phase 1: checks an integer graph against what the backend supports and lays
// out linear memory (every address is a compile-time constant). No binaryen here; emit.ts
// turns this plan into code. docs/wasm.md "Memory map" describes the result.

import type {
  Conv1dNode,
  DenseNode,
  EmbeddingNode,
  EncoderNode,
  Graph,
  LifNode,
  ReadoutNode,
  SynapseTable,
  TokensNode,
  VectorNode,
} from '../../ir/types.js';
import { fail } from '../../../core/errors.js';
import { embeddingRowBytes } from '../../../core/levels.js';
import { poissonCuts } from '../../../core/encoders.js';
import { groupRows, minLiveLevel } from '../../../core/schedule.js';

/** A spike list: count at `cntAddr`, flat neuron indices (p * channels + c) at `dataAddr`. */
export interface SpikeList {
  cntAddr: number;
  dataAddr: number;
  capacity: number;
}

export interface EncoderPlan {
  node: EncoderNode;
  index: number;
  source: EmbeddingNode | VectorNode;
  dim: number;
  perPosition: boolean;
  bits: number;
  top: number;
  levelAddr: number;
  accAddr: number;
  cutsAddr: number;
  levelsDataAddr: number;
  embRowBytes: number;
  list: SpikeList;
  /**
   * Set when a grouped synapse reads this encoder (docs/semantics.md "Level-grouped input
   * schedule"): a per-level clock, stepped with the encoder, lists the levels that spike.
   */
  clock?: LevelClockPlan;
  /** Some event-driven synapse reads the spike list (else only inputSpikes is counted). */
  eventConsumers: boolean;
  /**
   * A direct spike input (docs/semantics.md "Encoders"): each step reads one row of `dim` u8
   * counts from the input region (T rows) and lists channel c once per spike (up to `top` times).
   */
  direct: boolean;
}

export interface LevelClockPlan {
  /** i32[top + 1]: accumulator per level (index 0 unused). */
  accAddr: number;
  /** i32 count, then i32[top]: the levels that spike this step, increasing. */
  listCntAddr: number;
  listAddr: number;
  /** i32[top + 1]: inputs per level of this inference (counts inputSpikes without a spike list). */
  histAddr: number;
}

/** A synapse with the level-grouped schedule: its sums H, present flags and forming scratch. */
export interface GroupedPlan {
  enc: EncoderPlan;
  /** One target row per position (conv1d, position-wise dense) or one row (global target). */
  perPosition: boolean;
  maxRows: number;
  /** Membranes per row (rowLength); H rows are padded to `paddedWidth` i32. */
  width: number;
  paddedWidth: number;
  /** Bytes per H row: paddedWidth * 4. */
  stride: number;
  top: number;
  /** Levels below this never spike in T steps: they take no part. */
  minLive: number;
  /** H: i32[maxRows * top * paddedWidth], row (r, L) at ((r * top + L - 1) * stride). */
  hAddr: number;
  /** u8[maxRows * top] present flags. */
  presentAddr: number;
  /** Forming scratch: per source position {hOff, pOff, r0, pad} i32[4]. */
  scratchAddr: number;
}

/** A synapse table as laid out in memory (rows padded to a multiple of 4 entries). */
export interface TablePlan {
  layout: 'dense' | 'sparse';
  rows: number;
  rowLength: number;
  weightBits: 8 | 16 | 32;
  /** dense: padded entries per row; byte stride = paddedRow * weightBits / 8. */
  paddedRow: number;
  weightsAddr: number;
  rowStartAddr: number;
  targetAddr: number;
  /** Entries counted by bytesRead (dense: rows * rowLength; sparse: nnz). */
  entries: number;
  /** Bytes counted by bytesRead for the whole table. */
  tableBytes: number;
  /** Bytes the table occupies in memory (padded). */
  memBytes: number;
  segments: { addr: number; data: Uint8Array }[];
}

export interface SynapsePlan {
  node: Conv1dNode | DenseNode;
  index: number;
  target: PopPlan;
  /** The source's spike list (a recurrent synapse reads the previous step's copy). */
  srcList: SpikeList;
  srcChannels: number;
  srcPerPosition: boolean;
  /** Order of positions in the source's spike list (a backward scan writes it last position first). */
  srcOrder: 'asc' | 'desc';
  recurrent: boolean;
  /** A scan's self-recurrence: reads the spikes it wrote at the previously visited position. */
  scanSelf: boolean;
  /** `pool: 'max-positions'`: one byte per source channel marks rows already added this step. */
  maxPool: boolean;
  seenAddr: number;
  table: TablePlan;
  grouped?: GroupedPlan;
}

export interface PopPlan {
  node: LifNode;
  index: number;
  /** Active neurons at maxLen (the spike-list capacity). */
  size: number;
  /** Membranes kept: `channels` for a scan (one vector carried along positions), else `size`. */
  vSize: number;
  scan?: 'forward' | 'backward';
  spiking: boolean;
  vAddr: number;
  list: SpikeList;
  prev?: SpikeList;
  countsAddr?: number;
  pooled: boolean;
  inputs: SynapsePlan[];
  leakShifts: number[];
  /** A synaptic current (docs/semantics.md "Synaptic current"): its i32 array (synapses add into it) and leak shifts. */
  iAddr?: number;
  synShifts?: number[];
}

export type StepItem = { kind: 'encoder'; enc: EncoderPlan } | { kind: 'lif'; pop: PopPlan };

export interface Plan {
  graph: Graph;
  timesteps: number;
  tokens?: TokensNode;
  vector?: VectorNode;
  maxLen: number;
  encoders: EncoderPlan[];
  pops: PopPlan[];
  synapses: SynapsePlan[];
  steps: StepItem[];
  readout: ReadoutNode;
  readoutPop: PopPlan;
  readoutMeasure: 'spikes' | 'membrane';
  poissonSeed?: number;
  // header addresses
  errorAddr: number;
  countersAddr: number;
  scoresAddr: number;
  inputAddr: number;
  constStart: number;
  constEnd: number;
  stateStart: number;
  memEnd: number;
  pages: number;
  segments: { addr: number; data: Uint8Array }[];
}

/** Number of i64 counters: 5 totals, then spikes and updates per population. */
export function counterSlots(pops: number): number {
  return 5 + 2 * pops;
}

const align = (x: number, a = 16): number => Math.ceil(x / a) * a;

class Bump {
  at = 0;
  take(bytes: number, a = 16): number {
    this.at = align(this.at, a);
    const r = this.at;
    this.at += bytes;
    return r;
  }
}

function checkInt(what: string, x: number, lo: number, hi: number): void {
  if (!Number.isInteger(x) || x < lo || x > hi) fail('SNN_E_GRAPH', `${what} is ${x}, expected an integer in [${lo}, ${hi}]`);
}

/** The table a synapse reads: its own, or (before sparsify) its integer weight tensor as dense rows. */
function effectiveTable(syn: Conv1dNode | DenseNode): {
  t: SynapseTable | { layout: 'dense'; rows: number; rowLength: number; weights: Int32Array; weightBits: 32 };
  bits: 8 | 16 | 32;
} {
  if (syn.table) return { t: syn.table, bits: syn.table.weightBits };
  const w = syn.weight;
  if (w.dtype !== 'int') fail('SNN_E_GRAPH', `${syn.id} has neither a synapse table nor integer weights`, 'run quantize and sparsify');
  const rowLength = syn.kind === 'conv1d' ? syn.outChannels : syn.outFeatures;
  const rows = w.data.length / rowLength;
  if (w.fmt.bits === 32) return { t: { layout: 'dense', rows, rowLength, weights: w.data, weightBits: 32 }, bits: 32 };
  return { t: { layout: 'dense', rows, rowLength, weights: w.data, weightBits: w.fmt.bits }, bits: w.fmt.bits };
}

function planTable(syn: Conv1dNode | DenseNode, rows: number, rowLength: number, mem: Bump): TablePlan {
  const { t, bits } = effectiveTable(syn);
  if (t.rows !== rows || t.rowLength !== rowLength)
    fail('SNN_E_GRAPH', `${syn.id}: table is ${t.rows}x${t.rowLength}, the layer needs ${rows}x${rowLength}`);
  const wb = bits / 8;
  const lim = bits === 32 ? 2 ** 31 : 2 ** (bits - 1);
  for (let i = 0; i < t.weights.length; i++) {
    const x = t.weights[i];
    if (x < -lim || x >= lim) fail('SNN_E_GRAPH', `${syn.id}: weight ${x} does not fit ${bits} bits`);
  }
  const put = (view: DataView, off: number, x: number, b: number): void => {
    if (b === 1) view.setInt8(off, x);
    else if (b === 2) view.setInt16(off, x, true);
    else view.setInt32(off, x, true);
  };
  if (t.layout === 'dense') {
    if (t.weights.length !== rows * rowLength) fail('SNN_E_GRAPH', `${syn.id}: dense table holds ${t.weights.length} weights, expected ${rows * rowLength}`);
    const paddedRow = align(rowLength, 4);
    const bytes = rows * paddedRow * wb;
    const data = new Uint8Array(bytes);
    const view = new DataView(data.buffer);
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < rowLength; k++) put(view, (r * paddedRow + k) * wb, t.weights[r * rowLength + k], wb);
    // 16 spare bytes: SIMD loads never run past the segment
    const weightsAddr = mem.take(bytes + 16);
    return {
      layout: 'dense',
      rows,
      rowLength,
      weightBits: bits,
      paddedRow,
      weightsAddr,
      rowStartAddr: 0,
      targetAddr: 0,
      entries: rows * rowLength,
      tableBytes: rows * rowLength * wb,
      memBytes: bytes,
      segments: [{ addr: weightsAddr, data }],
    };
  }
  const nnz = t.rowStart[rows];
  if (t.rowStart.length !== rows + 1 || t.target.length < nnz || t.weights.length < nnz)
    fail('SNN_E_GRAPH', `${syn.id}: sparse table arrays are inconsistent`);
  for (let r = 0; r < rows; r++) if (t.rowStart[r] > t.rowStart[r + 1]) fail('SNN_E_GRAPH', `${syn.id}: rowStart is not monotone`);
  for (let e = 0; e < nnz; e++) if (t.target[e] >= rowLength) fail('SNN_E_GRAPH', `${syn.id}: sparse target ${t.target[e]} >= ${rowLength}`);
  const rs = new Uint8Array((rows + 1) * 4);
  new Uint32Array(rs.buffer).set(t.rowStart.subarray(0, rows + 1));
  const tg = new Uint8Array(Math.max(nnz * 2, 1));
  const tv = new DataView(tg.buffer);
  for (let e = 0; e < nnz; e++) tv.setUint16(e * 2, t.target[e], true);
  const wd = new Uint8Array(Math.max(nnz * wb, 1));
  const wv = new DataView(wd.buffer);
  for (let e = 0; e < nnz; e++) put(wv, e * wb, t.weights[e], wb);
  const rowStartAddr = mem.take(rs.length);
  const targetAddr = mem.take(tg.length);
  const weightsAddr = mem.take(wd.length);
  return {
    layout: 'sparse',
    rows,
    rowLength,
    weightBits: bits,
    paddedRow: rowLength,
    weightsAddr,
    rowStartAddr,
    targetAddr,
    entries: nnz,
    tableBytes: nnz * (2 + wb),
    memBytes: rs.length + tg.length + wd.length,
    segments: [
      { addr: rowStartAddr, data: rs },
      { addr: targetAddr, data: tg },
      { addr: weightsAddr, data: wd },
    ],
  };
}

export function planGraph(graph: Graph): Plan {
  if (graph.stage !== 'integer') fail('SNN_E_GRAPH', 'the wasm backend needs an integer graph', 'run the quantize pass first');
  checkInt('timesteps', graph.timesteps, 1, 1 << 20);
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  const tokens = graph.nodes.find((n): n is TokensNode => n.kind === 'tokens');
  const vector = graph.nodes.find((n): n is VectorNode => n.kind === 'vector');
  if (tokens && vector) fail('SNN_E_GRAPH', 'a graph takes either tokens or a vector, not both');
  if (!tokens && !vector) fail('SNN_E_GRAPH', 'the graph has no input node');
  const maxLen = tokens ? tokens.maxLen : 1;
  checkInt('maxLen', maxLen, 1, 1 << 16);
  const readout = graph.nodes.find((n): n is ReadoutNode => n.kind === 'readout');
  if (!readout) fail('SNN_E_GRAPH', 'the graph has no readout node');

  const mem = new Bump();
  mem.at = 16;
  const errorAddr = mem.take(16);
  const lifs = graph.nodes.filter((n): n is LifNode => n.kind === 'lif');
  const countersAddr = mem.take(counterSlots(lifs.length) * 8);
  const scoresAddr = mem.take(readout.classes * 4);
  // a direct spike input takes T rows of u8 counts (docs/wasm.md "Input"), a vector one f64 per channel
  const directInput = graph.nodes.some((n) => n.kind === 'encoder' && n.scheme === 'direct');
  if (directInput && graph.nodes.some((n) => n.kind === 'encoder' && n.scheme !== 'direct'))
    fail('SNN_E_GRAPH', 'a graph with a direct spike input takes no other encoder (they would share one input region)');
  const inputAddr = tokens ? mem.take(maxLen * 4) : mem.take(directInput ? align(graph.timesteps * vector!.dim, 8) : vector!.dim * 8);

  // ---- constants (data segments)
  const constStart = align(mem.at);
  mem.at = constStart;
  const segments: { addr: number; data: Uint8Array }[] = [];
  const levelsAddr = new Map<string, number>();
  for (const n of graph.nodes) {
    if (n.kind !== 'embedding') continue;
    if (!n.levels) fail('SNN_E_GRAPH', `embedding ${n.id} has no packed levels`, 'run the pack pass');
    checkInt(`embedding ${n.id} bits`, n.levels.bits, 1, 16);
    const need = n.vocab * embeddingRowBytes(n.dim, n.levels.bits);
    if (n.levels.data.length < need) fail('SNN_E_GRAPH', `embedding ${n.id} levels hold ${n.levels.data.length} bytes, need ${need}`);
    // a zero byte after the data: the unpacker reads 16 bits at a time
    const data = new Uint8Array(need + 2);
    data.set(n.levels.data.subarray(0, need));
    const addr = mem.take(data.length);
    segments.push({ addr, data });
    levelsAddr.set(n.id, addr);
  }
  const cutsAddr = new Map<string, number>();
  for (const n of graph.nodes) {
    if (n.kind !== 'encoder' || n.scheme !== 'poisson') continue;
    const cuts = poissonCuts(n.bits);
    const data = new Uint8Array(cuts.buffer.slice(0));
    const addr = mem.take(data.length);
    segments.push({ addr, data });
    cutsAddr.set(n.id, addr);
  }
  const lifById = new Map(lifs.map((l) => [l.id, l] as const));
  const tables = new Map<string, TablePlan>();
  for (const n of graph.nodes) {
    if (n.kind !== 'conv1d' && n.kind !== 'dense') continue;
    const rows = n.kind === 'conv1d' ? n.width * n.inChannels : n.inFeatures;
    const rowLength = n.kind === 'conv1d' ? n.outChannels : n.outFeatures;
    const tp = planTable(n, rows, rowLength, mem);
    segments.push(...tp.segments);
    tables.set(n.id, tp);
  }
  const constEnd = align(mem.at);
  mem.at = constEnd;
  const stateStart = constEnd;

  // ---- state
  const list = (capacity: number): SpikeList => ({ cntAddr: mem.take(4), dataAddr: mem.take(capacity * 4), capacity });
  const encoders: EncoderPlan[] = [];
  let poissonSeed: number | undefined;
  for (const n of graph.nodes) {
    if (n.kind !== 'encoder') continue;
    const src = byId.get(n.from);
    if (src?.kind !== 'embedding' && src?.kind !== 'vector')
      fail('SNN_E_GRAPH', `encoder ${n.id} reads ${n.from}, which is neither an embedding nor a vector input`);
    const bits = n.scheme === 'binary' ? 1 : n.bits;
    checkInt(`encoder ${n.id} bits`, bits, 1, 16);
    if (src.kind === 'embedding') {
      if (!tokens) fail('SNN_E_GRAPH', `embedding ${src.id} needs a tokens input`);
      if (src.levels!.bits !== bits) fail('SNN_E_GRAPH', `embedding ${src.id} is packed at ${src.levels!.bits} bits, the encoder wants ${bits}`);
    }
    const perPosition = src.kind === 'embedding';
    const dim = src.dim;
    const size = (perPosition ? maxLen : 1) * dim;
    if (n.scheme === 'poisson') poissonSeed = n.seed;
    encoders.push({
      node: n,
      index: encoders.length,
      source: src,
      dim,
      perPosition,
      bits,
      top: (1 << bits) - 1,
      levelAddr: mem.take(size * 4 + 16),
      accAddr: mem.take(size * 4 + 16),
      cutsAddr: cutsAddr.get(n.id) ?? 0,
      levelsDataAddr: src.kind === 'embedding' ? levelsAddr.get(src.id)! : 0,
      embRowBytes: src.kind === 'embedding' ? embeddingRowBytes(dim, bits) : 0,
      // a direct input lists a channel once per spike: up to top entries per channel and step
      list: list(n.scheme === 'direct' ? size * ((1 << bits) - 1) : size),
      eventConsumers: false,
      direct: n.scheme === 'direct',
    });
  }
  const pops: PopPlan[] = [];
  for (const l of lifs) {
    checkInt(`threshold of ${l.id}`, l.threshold, -(2 ** 31), 2 ** 31 - 1);
    checkInt(`channels of ${l.id}`, l.channels, 1, 1 << 20);
    const shifts = l.leakShifts ?? [];
    for (const k of shifts) checkInt(`leak shift of ${l.id}`, k, 0, 31);
    if (l.scan !== undefined && l.scan !== 'forward' && l.scan !== 'backward') fail('SNN_E_GRAPH', `population ${l.id}: unknown scan ${String(l.scan)}`);
    if (l.scan && !l.perPosition) fail('SNN_E_GRAPH', `scan population ${l.id} must be per-position`);
    const size = (l.perPosition ? maxLen : 1) * l.channels;
    const vSize = l.scan ? l.channels : size;
    const spiking = l.spiking !== false;
    pops.push({
      node: l,
      index: pops.length,
      size,
      vSize,
      ...(l.scan ? { scan: l.scan } : {}),
      spiking,
      // slack: padded SIMD rows add zeros past the last neuron
      vAddr: mem.take(vSize * 4 + 64),
      // a non-spiking population never appends to its list
      list: list(spiking ? size : 0),
      pooled: false,
      inputs: [],
      leakShifts: shifts,
      ...(l.synBeta !== undefined ? { iAddr: mem.take(vSize * 4 + 64), synShifts: (l.synLeakShifts ?? []).map((k) => (checkInt(`current leak shift of ${l.id}`, k, 0, 31), k)) } : {}),
    });
  }
  const popById = new Map(pops.map((p) => [p.node.id, p] as const));
  const encById = new Map(encoders.map((e) => [e.node.id, e] as const));
  const synapses: SynapsePlan[] = [];
  for (const n of graph.nodes) {
    if (n.kind !== 'conv1d' && n.kind !== 'dense') continue;
    const target = popById.get(n.to);
    if (!target) fail('SNN_E_GRAPH', `synapse ${n.id} targets ${n.to}, which is not a LIF population`);
    const srcEnc = encById.get(n.from);
    const srcPop = popById.get(n.from);
    if (!srcEnc && !srcPop) fail('SNN_E_GRAPH', `synapse ${n.id} reads ${n.from}, which emits no spikes`);
    const srcChannels = srcEnc ? srcEnc.dim : srcPop!.node.channels;
    const srcPerPosition = srcEnc ? srcEnc.perPosition : srcPop!.node.perPosition;
    const recurrent = n.kind === 'dense' && n.recurrent === true;
    if (recurrent && !srcPop) fail('SNN_E_GRAPH', `recurrent synapse ${n.id} must read a LIF population`);
    if (srcPop && !srcPop.spiking) fail('SNN_E_GRAPH', `synapse ${n.id} reads ${n.from}, which never spikes (spiking: false)`);
    const maxPool = n.kind === 'dense' && n.pool === 'max-positions';
    if (n.kind === 'dense' && n.pool !== undefined && n.pool !== 'mean-positions' && n.pool !== 'max-positions') fail('SNN_E_GRAPH', `dense ${n.id}: unknown pool ${String(n.pool)}`);
    if (n.kind === 'dense' && n.pool && (!srcPerPosition || target.node.perPosition || recurrent))
      fail('SNN_E_GRAPH', `dense ${n.id}: ${n.pool} pooling maps a per-position source to a global target, not recurrently`);
    const scanSelf = recurrent && !!target.scan;
    if (target.scan) {
      if (n.kind !== 'dense' || n.pool) fail('SNN_E_GRAPH', `scan population ${target.node.id} takes position-wise dense synapses only (${n.id} is not)`);
      if (recurrent && n.from !== n.to) fail('SNN_E_GRAPH', `a recurrent synapse into scan population ${target.node.id} must come from that population itself (${n.id})`);
      if (!recurrent && !srcPerPosition) fail('SNN_E_GRAPH', `scan population ${target.node.id} reads ${n.from}, which is not per-position`);
    }
    if (srcPop?.scan && recurrent && !scanSelf) fail('SNN_E_GRAPH', `scan population ${srcPop.node.id} can feed back only into itself (${n.id})`);
    if (n.kind === 'conv1d') {
      if (!srcPerPosition) fail('SNN_E_GRAPH', `conv1d ${n.id} needs a per-position source`);
      if (!target.node.perPosition) fail('SNN_E_GRAPH', `conv1d ${n.id} needs a per-position target`);
      if (n.inChannels !== srcChannels || n.outChannels !== target.node.channels)
        fail('SNN_E_GRAPH', `conv1d ${n.id} is ${n.inChannels}->${n.outChannels}, its ends have ${srcChannels} and ${target.node.channels} channels`);
      checkInt(`width of ${n.id}`, n.width, 1, 1 << 10);
    } else {
      if (n.inFeatures !== srcChannels || n.outFeatures !== target.node.channels)
        fail('SNN_E_GRAPH', `dense ${n.id} is ${n.inFeatures}->${n.outFeatures}, its ends have ${srcChannels} and ${target.node.channels} channels`);
      if (n.pool === 'mean-positions') target.pooled = true;
    }
    if (recurrent && !scanSelf && !srcPop!.prev) srcPop!.prev = list(srcPop!.size);
    let grouped: GroupedPlan | undefined;
    if (n.schedule !== undefined) {
      if (n.schedule !== 'grouped') fail('SNN_E_GRAPH', `synapse ${n.id}: unknown schedule ${String(n.schedule)}`);
      if (!srcEnc || srcEnc.node.scheme === 'poisson') fail('SNN_E_GRAPH', `synapse ${n.id} is grouped, but ${n.from} is not a rate or binary encoder`);
      if (maxPool || target.scan) fail('SNN_E_GRAPH', `synapse ${n.id}: a max-pooled synapse or one into a scan cannot be grouped`);
      const top = srcEnc.top;
      const g = groupRows(n, target.node.perPosition, maxLen);
      const paddedWidth = align(g.width, 4);
      const stride = paddedWidth * 4;
      if (!srcEnc.clock) {
        srcEnc.clock = { accAddr: mem.take((top + 1) * 4), listCntAddr: mem.take(4), listAddr: mem.take(top * 4), histAddr: mem.take((top + 1) * 4) };
      }
      grouped = {
        enc: srcEnc,
        perPosition: g.perPosition,
        maxRows: g.maxRows,
        width: g.width,
        paddedWidth,
        stride,
        top,
        minLive: minLiveLevel(top, graph.timesteps),
        hAddr: mem.take(g.maxRows * top * stride + 64),
        presentAddr: mem.take(g.maxRows * top),
        scratchAddr: mem.take((srcEnc.perPosition ? maxLen : 1) * 16),
      };
    } else if (srcEnc) srcEnc.eventConsumers = true;
    const sp: SynapsePlan = {
      node: n,
      index: synapses.length,
      target,
      srcList: recurrent && !scanSelf ? srcPop!.prev! : srcEnc ? srcEnc.list : srcPop!.list,
      srcChannels,
      srcPerPosition,
      srcOrder: srcPop?.scan === 'backward' ? 'desc' : 'asc',
      recurrent,
      scanSelf,
      maxPool,
      seenAddr: maxPool ? mem.take(srcChannels) : 0,
      table: tables.get(n.id)!,
      ...(grouped ? { grouped } : {}),
    };
    synapses.push(sp);
    target.inputs.push(sp);
  }
  const readoutPop = popById.get(readout.from);
  if (!readoutPop) fail('SNN_E_GRAPH', `readout reads ${readout.from}, which is not a LIF population`);
  checkInt('readout classes', readout.classes, 1, 1 << 16);
  if (readout.classes * readout.population > readoutPop.size)
    fail('SNN_E_GRAPH', `readout needs ${readout.classes}x${readout.population} neurons, ${readout.from} has ${readoutPop.size}`);
  const readoutMeasure = readout.measure ?? 'spikes';
  if (readoutMeasure !== 'spikes' && readoutMeasure !== 'membrane') fail('SNN_E_GRAPH', `readout: unknown measure ${String(readoutMeasure)}`);
  if (readoutMeasure === 'membrane') {
    // the reference reads the final membranes v[c * population + i] of a global population
    if (readoutPop.node.perPosition) fail('SNN_E_GRAPH', `a membrane readout reads a global population; ${readout.from} is per-position`);
    if (readoutPop.spiking) fail('SNN_E_GRAPH', `a membrane readout reads a non-spiking population (spiking: false); ${readout.from} spikes`);
  } else {
    if (!readoutPop.spiking) fail('SNN_E_GRAPH', `population ${readout.from} never spikes; read it with measure: 'membrane'`);
    readoutPop.countsAddr = mem.take(readoutPop.size * 4);
  }

  const steps: StepItem[] = [];
  for (const n of graph.nodes) {
    if (n.kind === 'encoder') steps.push({ kind: 'encoder', enc: encById.get(n.id)! });
    else if (n.kind === 'lif') steps.push({ kind: 'lif', pop: popById.get(n.id)! });
  }
  const memEnd = align(mem.at + 64);
  const pages = Math.max(1, Math.ceil(memEnd / 65536));
  if (pages > 65536) fail('SNN_E_TOO_BIG', `the model needs ${memEnd} bytes of wasm memory`);
  return {
    graph,
    timesteps: graph.timesteps,
    tokens,
    vector,
    maxLen,
    encoders,
    pops,
    synapses,
    steps,
    readout,
    readoutPop,
    readoutMeasure,
    poissonSeed,
    errorAddr,
    countersAddr,
    scoresAddr,
    inputAddr,
    constStart,
    constEnd,
    stateStart,
    memEnd,
    pages,
    segments,
  };
}

/** Per-table memory sizes, reported by emitWasm. */
export function tableLayout(plan: Plan): { id: string; layout: 'dense' | 'sparse'; weightBits: number; tableBytes: number; memBytes: number; addr: number }[] {
  return plan.synapses.map((s) => ({
    id: s.node.id,
    layout: s.table.layout,
    weightBits: s.table.weightBits,
    tableBytes: s.table.tableBytes,
    memBytes: s.table.memBytes,
    addr: s.table.layout === 'dense' ? s.table.weightsAddr : s.table.rowStartAddr,
  }));
}
