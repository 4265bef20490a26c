// The reference simulator: it defines what a correct snnc inference is. `integer` mode
// executes the integer graph exactly as docs/semantics.md specifies (every backend must match
// it bit for bit, op counters included); `float` mode runs the same network on the float
// weights and thresholds, which is how conversion and quantization are judged.

import type {
  Conv1dNode,
  DenseNode,
  EmbeddingNode,
  EncoderNode,
  Graph,
  LifNode,
  Node,
  ReadoutNode,
  SynapseTable,
} from '../compiler/ir/types.js';
import { fail } from '../core/errors.js';
import { encoderBits, poissonCuts, rateStart } from '../core/encoders.js';
import { embeddingRowBytes, levelTop, toLevel, unpackLevel } from '../core/levels.js';
import { seedState, xorshift32 } from '../core/prng.js';
import { rowBytes } from '../core/tables.js';
import { groupRows, minLiveLevel, newLevelClock, stepLevelClock } from '../core/schedule.js';

/** Op counters; docs/semantics.md "Op counters" defines each exactly. */
export interface OpCounts {
  /** Synaptic additions performed (one per weight added into a membrane). */
  sops: number;
  /** LIF neuron updates (one per active neuron per step). */
  updates: number;
  /** Spikes emitted by LIF neurons. */
  spikes: number;
  /** Spikes emitted by the input encoder. */
  inputSpikes: number;
  /** Bytes of constant tables read (synapse rows and embedding rows). */
  bytesRead: number;
}

export interface InferenceResult {
  /** The winning class; -1 for a graph without a readout (trace simulation). */
  label: number;
  /** Spike count per class (sum over its population); empty without a readout. */
  scores: number[];
  ops: OpCounts;
  /** Spikes per LIF population, in graph order. */
  layerSpikes: number[];
  /** Active neuron-steps per LIF population (updates), in graph order. */
  layerUpdates: number[];
}

export type SimMode = 'integer' | 'float';

/**
 * `steps`: one vector per step (at least T of them), for a vector input: a direct spike input
 * takes each step's counts, a rate encoder each step's value (its accumulator carries over).
 */
export type SimInput = { tokens: ArrayLike<number> } | { vector: ArrayLike<number> };
export type StepsInput = { steps: ArrayLike<ArrayLike<number>> };

export function emptyOps(): OpCounts {
  return { sops: 0, updates: 0, spikes: 0, inputSpikes: 0, bytesRead: 0 };
}

interface Pop {
  node: LifNode;
  index: number;
  v: Float64Array | Int32Array;
  /** Synaptic currents of a current-based population (synBeta set). */
  i?: Float64Array | Int32Array;
  spikes: Uint8Array; // this step
  prev: Uint8Array; // previous step (for recurrent synapses)
  counts: Uint32Array; // spikes per neuron over the whole inference
  inputs: (Conv1dNode | DenseNode)[];
  pooled: boolean;
}

interface Prepared {
  graph: Graph;
  byId: Map<string, Node>;
  pops: Pop[];
  popById: Map<string, Pop>;
  order: Node[];
  readout?: ReadoutNode;
  /** Formed level groups of the grouped synapses (integer mode), by synapse id. */
  groups: Map<string, Groups>;
}

/** A grouped synapse's sums (docs/semantics.md "Level-grouped input schedule"). */
interface Groups {
  /** H[(r * top + L - 1) * width + k]: sum of the table rows feeding target row r from level L. */
  h: Int32Array;
  /** present[r * top + L - 1]: something was added into H[r][L]. */
  present: Uint8Array;
  rows: number;
  width: number;
  top: number;
  perPosition: boolean;
}

function prepare(graph: Graph, mode: SimMode): Prepared {
  const byId = new Map<string, Node>();
  for (const n of graph.nodes) byId.set(n.id, n);
  const pops: Pop[] = [];
  const popById = new Map<string, Pop>();
  let maxLen = 1;
  for (const n of graph.nodes) if (n.kind === 'tokens') maxLen = n.maxLen;
  for (const n of graph.nodes) {
    if (n.kind !== 'lif') continue;
    const size = (n.perPosition ? maxLen : 1) * n.channels;
    // a scan population carries one membrane vector from position to position
    const vSize = n.scan ? n.channels : size;
    const p: Pop = {
      node: n,
      index: pops.length,
      v: mode === 'integer' ? new Int32Array(vSize) : new Float64Array(vSize),
      ...(n.synBeta !== undefined ? { i: mode === 'integer' ? new Int32Array(vSize) : new Float64Array(vSize) } : {}),
      spikes: new Uint8Array(size),
      prev: new Uint8Array(size),
      counts: new Uint32Array(size),
      inputs: [],
      pooled: false,
    };
    pops.push(p);
    popById.set(n.id, p);
  }
  for (const n of graph.nodes) {
    if (n.kind === 'conv1d' || n.kind === 'dense') {
      const p = popById.get(n.to);
      if (!p) fail('SNN_E_GRAPH', `synapse ${n.id} targets ${n.to}, which is not a LIF population`);
      p.inputs.push(n);
      if (n.kind === 'dense' && n.pool === 'mean-positions') p.pooled = true;
    }
  }
  const readout = graph.nodes.find((n): n is ReadoutNode => n.kind === 'readout');
  return { graph, byId, pops, popById, order: graph.nodes, readout, groups: new Map() };
}

/** Per-source spike view: which spikes a synapse reads. */
interface Source {
  perPosition: boolean;
  channels: number;
  spikes: Uint8Array;
  /** A deterministic rate/binary encoder (integer mode): its levels and this step's per-level spike flags. */
  levels?: { level: Int32Array; top: number; flags: Uint8Array };
}

/** Observers of one inference (tests): called after each population's step with its state. */
export interface SimObserver {
  /** Membranes (a scan's: its last position's vector) and spike flags of population `id` after step t. */
  afterStep?: (t: number, id: string, v: Int32Array | Float64Array, spikes: Uint8Array, current?: Int32Array | Float64Array) => void;
}

/**
 * Simulates one inference. The same Prepared state could be reused; for clarity the
 * reference allocates fresh state per call (it is the specification, not the fast path).
 */
export function simulate(graph: Graph, input: SimInput | StepsInput, mode: SimMode = 'integer', observer?: SimObserver): InferenceResult {
  const P = prepare(graph, mode);
  const integer = mode === 'integer';
  if (integer && graph.stage !== 'integer') fail('SNN_E_GRAPH', 'integer simulation needs a quantized graph', 'run the quantize pass first');
  const ops = emptyOps();
  const T = graph.timesteps;

  // ---- input: positions and per-position encoder levels (or float values)
  const tokensNode = graph.nodes.find((n) => n.kind === 'tokens');
  let n = 1;
  let ids: number[] = [];
  if (tokensNode && tokensNode.kind === 'tokens') {
    if (!('tokens' in input)) fail('SNN_E_INPUT', 'this model takes token ids');
    ids = Array.from(input.tokens).slice(0, tokensNode.maxLen);
    n = ids.length;
    if (n === 0) fail('SNN_E_INPUT', 'no tokens to classify', 'pass non-empty text');
  }

  const sources = new Map<string, Source>();
  const encoders: {
    node: EncoderNode;
    dim: number;
    perPosition: boolean;
    level: Int32Array; // integer levels (integer mode)
    value: Float64Array; // float values (float mode)
    acc: Float64Array | Int32Array;
    spikes: Uint8Array;
    top: number;
    cuts: Uint32Array;
    /** Per-level clock of a rate/binary encoder (integer mode): which levels spike this step. */
    clock?: { acc: Int32Array; flags: Uint8Array };
  }[] = [];
  let rng = 0;

  for (const node of P.order) {
    if (node.kind !== 'encoder') continue;
    const src = P.byId.get(node.from);
    const bits = encoderBits(node.scheme, node.bits);
    const top = levelTop(bits);
    let dim: number;
    let perPosition: boolean;
    let level: Int32Array;
    let value: Float64Array;
    if (src?.kind === 'embedding') {
      dim = src.dim;
      perPosition = true;
      level = new Int32Array(n * dim);
      value = new Float64Array(n * dim);
      fillFromEmbedding(src, ids, dim, bits, integer, level, value, ops);
    } else if (src?.kind === 'vector') {
      dim = src.dim;
      perPosition = false;
      level = new Int32Array(dim);
      value = new Float64Array(dim);
      if ('steps' in input) {
        if (input.steps.length < T) fail('SNN_E_INPUT', `expected ${T} per-step vectors, got ${input.steps.length}`);
        for (let t = 0; t < T; t++) if (input.steps[t].length !== dim) fail('SNN_E_INPUT', `step ${t}: expected ${dim} values, got ${input.steps[t].length}`);
        if (node.scheme === 'direct') for (let t = 0; t < T; t++) directCounts(input.steps[t], top, t);
        else if (node.scheme !== 'rate' && node.scheme !== 'binary') fail('SNN_E_INPUT', `a ${node.scheme} encoder takes one vector, not per-step vectors`);
      } else {
        if (!('vector' in input)) fail('SNN_E_INPUT', 'this model takes a vector');
        if (node.scheme === 'direct') fail('SNN_E_INPUT', 'this model takes a spike train: one vector of counts per step');
        if (input.vector.length !== dim) fail('SNN_E_INPUT', `expected a vector of ${dim} values, got ${input.vector.length}`);
        setLevels(input.vector, bits, level, value);
      }
    } else {
      fail('SNN_E_GRAPH', `encoder ${node.id} reads ${node.from}, which is neither an embedding nor a vector input`);
    }
    const size = perPosition ? n * dim : dim;
    const acc = integer ? new Int32Array(size) : new Float64Array(size);
    // deterministic rate: the accumulator starts half full (docs/semantics.md)
    if (node.scheme === 'rate' || node.scheme === 'binary') acc.fill(integer ? rateStart(top) : 0.5);
    const spikes = new Uint8Array(size);
    const clock = integer && (node.scheme === 'rate' || node.scheme === 'binary') && !('steps' in input) ? newLevelClock(top) : undefined;
    encoders.push({ node, dim, perPosition, level, value, acc, spikes, top, cuts: poissonCuts(bits), clock });
    sources.set(node.id, { perPosition, channels: dim, spikes, ...(clock ? { levels: { level, top, flags: clock.flags } } : {}) });
    if (node.scheme === 'poisson') rng = seedState(node.seed);
  }
  for (const p of P.pops) sources.set(p.node.id, { perPosition: p.node.perPosition, channels: p.node.channels, spikes: p.spikes });

  // ---- thresholds (pooled populations: threshold times n)
  const theta = P.pops.map((p) => (p.pooled ? p.node.threshold * n : p.node.threshold));
  if (integer) {
    for (const t of theta) if (!Number.isSafeInteger(t) || t > 0x7fffffff) fail('SNN_E_OVERFLOW', `effective threshold ${t} does not fit 32 bits`);
  }

  const layerSpikes = new Array<number>(P.pops.length).fill(0);
  const layerUpdates = new Array<number>(P.pops.length).fill(0);

  for (let t = 0; t < T; t++) {
    for (const node of P.order) {
      if (node.kind === 'encoder') {
        const e = encoders.find((x) => x.node === node)!;
        const bits = encoderBits(node.scheme, node.bits);
        const size = e.spikes.length;
        if (e.clock) stepLevelClock(e.clock.acc, e.clock.flags, e.top);
        if ('steps' in input) {
          if (node.scheme === 'direct') {
            // docs/semantics.md "Encoders": the step's counts are its spikes (validated above)
            const row = input.steps[t];
            for (let i = 0; i < size; i++) {
              e.spikes[i] = Number(row[i]);
              ops.inputSpikes += e.spikes[i];
            }
            continue;
          }
          setLevels(input.steps[t], bits, e.level, e.value);
        }
        for (let i = 0; i < size; i++) {
          let s = 0;
          if (node.scheme === 'poisson') {
            rng = xorshift32(rng);
            const u = rng >>> 16;
            s = integer ? (u < e.cuts[e.level[i]] ? 1 : 0) : u < e.value[i] * 65536 ? 1 : 0;
          } else if (integer) {
            const a = (e.acc as Int32Array)[i] + e.level[i];
            if (a >= e.top) {
              (e.acc as Int32Array)[i] = a - e.top;
              s = 1;
            } else (e.acc as Int32Array)[i] = a;
          } else {
            const a = e.acc[i] + e.value[i];
            if (a >= 1) {
              e.acc[i] = a - 1;
              s = 1;
            } else e.acc[i] = a;
          }
          e.spikes[i] = s;
          ops.inputSpikes += s;
        }
      } else if (node.kind === 'lif') {
        const p = P.popById.get(node.id)!;
        if (node.scan) stepScan(p, P, sources, n, theta[p.index], integer, ops, layerSpikes, layerUpdates);
        else stepLif(p, P, sources, n, theta[p.index], integer, ops, layerSpikes, layerUpdates);
        observer?.afterStep?.(t, node.id, p.v, p.spikes, p.i);
      }
    }
    for (const p of P.pops) p.prev.set(p.spikes);
  }

  // ---- readout (none: a trace simulation)
  const r = P.readout;
  if (!r) return { label: -1, scores: [], ops, layerSpikes, layerUpdates };
  const out = P.popById.get(r.from);
  if (!out) fail('SNN_E_GRAPH', `readout reads ${r.from}, which is not a LIF population`);
  const scores = new Array<number>(r.classes).fill(0);
  const perClass = r.measure === 'membrane' ? out.v : out.counts;
  for (let c = 0; c < r.classes; c++) for (let i = 0; i < r.population; i++) scores[c] += perClass[c * r.population + i];
  let label = 0;
  for (let c = 1; c < r.classes; c++) if (scores[c] > scores[label]) label = c;
  return { label, scores, ops, layerSpikes, layerUpdates };
}

/** Levels (integer) and clamped values (float) of one input vector. */
function setLevels(x: ArrayLike<number>, bits: number, level: Int32Array, value: Float64Array): void {
  for (let i = 0; i < level.length; i++) {
    const raw = Number(x[i]);
    if (Number.isNaN(raw)) fail('SNN_E_INPUT', 'the input vector holds NaN');
    const v = Math.min(1, Math.max(0, raw));
    value[i] = v;
    level[i] = toLevel(v, bits);
  }
}

/** A direct spike input's counts of one step: integers 0 .. top. */
function directCounts(x: ArrayLike<number>, top: number, t: number): void {
  for (let i = 0; i < x.length; i++) {
    const c = Number(x[i]);
    if (!Number.isInteger(c) || c < 0 || c > top) fail('SNN_E_INPUT', `step ${t}, channel ${i}: a spike input takes integer counts 0..${top}, got ${x[i]}`, top === 1 ? 'import with more input bits for counts above 1, or a rate input for analog values' : 'use a rate input for analog values');
  }
}

function fillFromEmbedding(
  e: EmbeddingNode,
  ids: number[],
  dim: number,
  bits: number,
  integer: boolean,
  level: Int32Array,
  value: Float64Array,
  ops: OpCounts,
): void {
  for (let p = 0; p < ids.length; p++) {
    const id = ids[p];
    if (!Number.isInteger(id) || id < 0 || id >= e.vocab) fail('SNN_E_INPUT', `token id ${id} is outside the vocabulary (0..${e.vocab - 1})`);
    if (integer) {
      if (!e.levels) fail('SNN_E_GRAPH', `embedding ${e.id} has no packed levels`, 'run the pack pass');
      if (e.levels.bits !== bits) fail('SNN_E_GRAPH', `embedding ${e.id} is packed at ${e.levels.bits} bits, the encoder wants ${bits}`);
      const rowBits = embeddingRowBytes(dim, bits) * 8;
      for (let d = 0; d < dim; d++) level[p * dim + d] = unpackLevel(e.levels.data, id * rowBits, d, bits);
      ops.bytesRead += embeddingRowBytes(dim, bits);
    } else {
      if (!e.table) fail('SNN_E_GRAPH', `embedding ${e.id} has no float table`);
      for (let d = 0; d < dim; d++) value[p * dim + d] = e.table.data[id * dim + d];
    }
  }
}

function stepLif(
  p: Pop,
  P: Prepared,
  sources: Map<string, Source>,
  n: number,
  theta: number,
  integer: boolean,
  ops: OpCounts,
  layerSpikes: number[],
  layerUpdates: number[],
): void {
  const node = p.node;
  const C = node.channels;
  const active = (node.perPosition ? n : 1) * C;
  const v = p.v;
  // a current-based population integrates into its synaptic current (docs/semantics.md "Synaptic current")
  const cur = p.i;
  const target = cur ?? v;
  // 1. leak (the current's own, first)
  if (cur) leakBy(node.synLeakShifts ?? [], node.synBeta!, cur, active, integer);
  else leak(node, v, active, integer);
  // 2. integrate
  for (const syn of p.inputs) {
    const src = sources.get(syn.from);
    if (!src) fail('SNN_E_GRAPH', `synapse ${syn.id} reads ${syn.from}, which emits no spikes`);
    const recurrent = syn.kind === 'dense' && syn.recurrent === true;
    const spikes = recurrent ? P.popById.get(syn.from)!.prev : src.spikes;
    if (integer && syn.schedule === 'grouped') integrateGrouped(syn, src, P, node, target, n, ops);
    else if (syn.kind === 'conv1d') integrateConv(syn, spikes, src, target, n, integer, ops);
    else integrateDense(syn, spikes, src, node, target, n, integer, ops);
  }
  if (cur) {
    // membrane leak, then the current flows in
    leak(node, v, active, integer);
    for (let k = 0; k < active; k++) v[k] += cur[k];
  }
  // 3. fire and 4. reset
  const count = fire(p, v, 0, 0, active, theta);
  // a current-based neuron updates two states per step
  const updates = cur ? 2 * active : active;
  ops.updates += updates;
  ops.spikes += count;
  layerSpikes[p.index] += count;
  layerUpdates[p.index] += updates;
}

/** Step 1, leak: v -= sum(v >> k) (integer) or v *= beta (float), on v[0 .. count). */
function leak(node: LifNode, v: Float64Array | Int32Array, count: number, integer: boolean): void {
  leakBy(node.leakShifts ?? [], node.beta, v, count, integer);
}

/** x -= sum(x >> k) over `shifts` (integer) or x *= beta (float), on x[0 .. count). */
function leakBy(shifts: number[], beta: number, v: Float64Array | Int32Array, count: number, integer: boolean): void {
  if (integer) {
    if (!shifts.length) return;
    const vi = v as Int32Array;
    for (let i = 0; i < count; i++) {
      const x = vi[i];
      let d = 0;
      for (const k of shifts) d += x >> k;
      vi[i] = x - d;
    }
  } else if (beta !== 1) {
    for (let i = 0; i < count; i++) v[i] *= beta;
  }
}

/**
 * Steps 3 and 4, fire and reset, for `count` membranes v[vBase ..] whose spike flags are
 * p.spikes[sBase ..]. A non-spiking population (spiking: false) neither fires nor resets.
 * Returns the number of spikes.
 */
function fire(p: Pop, v: Float64Array | Int32Array, vBase: number, sBase: number, count: number, theta: number): number {
  if (p.node.spiking === false) return 0;
  const zero = p.node.reset !== 'subtract';
  let spikes = 0;
  for (let i = 0; i < count; i++) {
    const x = v[vBase + i];
    if (x >= theta) {
      p.spikes[sBase + i] = 1;
      p.counts[sBase + i]++;
      spikes++;
      v[vBase + i] = zero ? 0 : x - theta;
    } else p.spikes[sBase + i] = 0;
  }
  return spikes;
}

/**
 * One step of a scan population (docs/semantics.md "Scans"): the membrane vector starts at
 * zero; positions are visited in scan order, each doing leak, integrate (position-wise
 * inputs at this position, then self-recurrent input from the previous visited position),
 * fire, reset. Its spikes land at their position; updates count n x channels.
 */
function stepScan(
  p: Pop,
  P: Prepared,
  sources: Map<string, Source>,
  n: number,
  theta: number,
  integer: boolean,
  ops: OpCounts,
  layerSpikes: number[],
  layerUpdates: number[],
): void {
  const node = p.node;
  const C = node.channels;
  const v = p.v;
  v.fill(0);
  let count = 0;
  let prevPos = -1;
  for (let k = 0; k < n; k++) {
    const pos = node.scan === 'backward' ? n - 1 - k : k;
    leak(node, v, C, integer);
    for (const syn of p.inputs) {
      if (syn.kind !== 'dense') fail('SNN_E_GRAPH', `scan population ${node.id} takes dense synapses only`);
      const w = syn.weight.data;
      const Cin = syn.inFeatures;
      if (syn.recurrent) {
        if (prevPos < 0) continue;
        for (let c = 0; c < Cin; c++) if (p.spikes[prevPos * C + c]) addRow(syn.table, w, c, C, v, 0, integer, ops, tensorBytes(syn));
      } else {
        const src = sources.get(syn.from);
        if (!src) fail('SNN_E_GRAPH', `synapse ${syn.id} reads ${syn.from}, which emits no spikes`);
        for (let c = 0; c < Cin; c++) if (src.spikes[pos * Cin + c]) addRow(syn.table, w, c, C, v, 0, integer, ops, tensorBytes(syn));
      }
    }
    count += fire(p, v, 0, pos * C, C, theta);
    prevPos = pos;
  }
  ops.updates += n * C;
  ops.spikes += count;
  layerSpikes[p.index] += count;
  layerUpdates[p.index] += n * C;
}

/** Adds one table row into v at offset `base` (integer) or the float row (float). */
function addRow(
  table: SynapseTable | undefined,
  weight: Float32Array | Int32Array,
  row: number,
  rowLength: number,
  v: Float64Array | Int32Array,
  base: number,
  integer: boolean,
  ops: OpCounts,
  weightBytes?: number,
): void {
  if (integer && table) {
    if (table.layout === 'dense') {
      addDenseInt(v as Int32Array, table.weights, row * rowLength, base, rowLength);
      ops.sops += rowLength;
    } else {
      const a = table.rowStart[row];
      const b = table.rowStart[row + 1];
      addSparseInt(v as Int32Array, table.target, table.weights, a, b, base);
      ops.sops += b - a;
    }
    ops.bytesRead += rowBytes(table, row);
    return;
  }
  // float weights, or integer weights before sparsify read as a dense row of their width
  if (integer) {
    addDenseInt(v as Int32Array, weight as Int32Array, row * rowLength, base, rowLength);
    ops.bytesRead += rowLength * (weightBytes ?? 4);
  } else addDenseFloat(v as Float64Array, weight, row * rowLength, base, rowLength);
  ops.sops += rowLength;
}

// Monomorphic inner loops: one array type each, so the JIT keeps them tight.
function addDenseInt(v: Int32Array, w: Int32Array, o: number, base: number, len: number): void {
  for (let k = 0; k < len; k++) v[base + k] += w[o + k];
}

function addSparseInt(v: Int32Array, target: Uint16Array, w: Int32Array, a: number, b: number, base: number): void {
  for (let e = a; e < b; e++) v[base + target[e]] += w[e];
}

function addDenseFloat(v: Float64Array, w: Float32Array | Int32Array, o: number, base: number, len: number): void {
  for (let k = 0; k < len; k++) v[base + k] += w[o + k];
}

function tensorBytes(syn: Conv1dNode | DenseNode): number {
  return syn.weight.dtype === 'int' ? syn.weight.fmt.bits / 8 : 4;
}

function integrateConv(
  syn: Conv1dNode,
  spikes: Uint8Array,
  src: Source,
  v: Float64Array | Int32Array,
  n: number,
  integer: boolean,
  ops: OpCounts,
): void {
  const Cin = syn.inChannels;
  const Cout = syn.outChannels;
  const W = syn.width;
  const left = (W - 1) >> 1;
  if (!src.perPosition) fail('SNN_E_GRAPH', `conv1d ${syn.id} needs a per-position source`);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < Cin; c++) {
      if (!spikes[p * Cin + c]) continue;
      for (let j = 0; j < W; j++) {
        const q = p + left - j;
        if (q < 0 || q >= n) continue;
        addRow(syn.table, syn.weight.data, j * Cin + c, Cout, v, q * Cout, integer, ops, tensorBytes(syn));
      }
    }
  }
}

function integrateDense(
  syn: DenseNode,
  spikes: Uint8Array,
  src: Source,
  target: LifNode,
  v: Float64Array | Int32Array,
  n: number,
  integer: boolean,
  ops: OpCounts,
): void {
  const Cin = syn.inFeatures;
  const Cout = syn.outFeatures;
  if (syn.pool === 'max-positions') {
    // the max over positions of 0/1 spikes: channel c adds its row once if it spiked anywhere
    for (let c = 0; c < Cin; c++) {
      for (let p = 0; p < n; p++) {
        if (spikes[p * Cin + c]) {
          addRow(syn.table, syn.weight.data, c, Cout, v, 0, integer, ops, tensorBytes(syn));
          break;
        }
      }
    }
    return;
  }
  const positions = src.perPosition ? n : 1;
  for (let p = 0; p < positions; p++) {
    const base = target.perPosition ? p * Cout : 0;
    for (let c = 0; c < Cin; c++) {
      // a direct spike input's count k is k spikes, each adding the row
      for (let k = spikes[p * Cin + c]; k > 0; k--) addRow(syn.table, syn.weight.data, c, Cout, v, base, integer, ops, tensorBytes(syn));
    }
  }
}

// ------------------------------------------------------------ the level-grouped schedule

/**
 * A grouped synapse's input at this step (docs/semantics.md "Level-grouped input schedule"):
 * at its first visit the groups are formed from the encoder's levels; then, for each target
 * row r and each level L in increasing order that is present and spikes at this step, the
 * sum H[r][L] is added to the membranes of row r.
 */
function integrateGrouped(syn: Conv1dNode | DenseNode, src: Source, P: Prepared, target: LifNode, v: Float64Array | Int32Array, n: number, ops: OpCounts): void {
  if (!src.levels) fail('SNN_E_GRAPH', `synapse ${syn.id} is grouped, but ${syn.from} is not a rate or binary encoder`);
  if (syn.kind === 'dense' && (syn.pool === 'max-positions' || syn.recurrent)) fail('SNN_E_GRAPH', `synapse ${syn.id}: a max-pooled or recurrent synapse cannot be grouped`);
  let g = P.groups.get(syn.id);
  if (!g) {
    g = formGroups(syn, src, target, n, P.graph.timesteps, ops);
    P.groups.set(syn.id, g);
  }
  const { h, present, width, top } = g;
  const flags = src.levels.flags;
  const vi = v as Int32Array;
  const rows = g.perPosition ? n : 1;
  for (let r = 0; r < rows; r++) {
    const base = g.perPosition ? r * width : 0;
    for (let l = 1; l <= top; l++) {
      const k = r * top + l - 1;
      if (!present[k] || !flags[l]) continue;
      addDenseInt(vi, h, k * width, base, width);
      ops.sops += width;
    }
  }
}

/**
 * Forms H and the present flags once per inference. Every used table row is read once
 * (bytesRead) and added into every group it feeds (sops: its entries per contribution).
 * Inputs whose level never spikes in T steps (below minLiveLevel) contribute nothing.
 */
function formGroups(syn: Conv1dNode | DenseNode, src: Source, target: LifNode, n: number, T: number, ops: OpCounts): Groups {
  const { level, top } = src.levels!;
  const { perPosition, width } = groupRows(syn, target.perPosition, n);
  const rows = perPosition ? n : 1;
  const h = new Int32Array(rows * top * width);
  const present = new Uint8Array(rows * top);
  const Cin = src.channels;
  const positions = src.perPosition ? n : 1;
  const live = minLiveLevel(top, T);
  const W = syn.kind === 'conv1d' ? syn.width : 1;
  const left = syn.kind === 'conv1d' ? (syn.width - 1) >> 1 : 0;
  const table = syn.table;
  const w = syn.weight.data as Int32Array;
  for (let c = 0; c < Cin; c++) {
    for (let j = 0; j < W; j++) {
      const row = j * Cin + c;
      let used = false;
      for (let p = 0; p < positions; p++) {
        const l = level[p * Cin + c];
        if (l < live) continue;
        // the target row this input feeds through this tap
        const r = syn.kind === 'conv1d' ? p + left - j : perPosition ? p : 0;
        if (r < 0 || r >= rows) continue;
        const k = r * top + l - 1;
        present[k] = 1;
        used = true;
        if (table && table.layout === 'sparse') {
          const a = table.rowStart[row];
          const b = table.rowStart[row + 1];
          addSparseInt(h, table.target, table.weights, a, b, k * width);
          ops.sops += b - a;
        } else {
          addDenseInt(h, table ? table.weights : w, row * width, k * width, width);
          ops.sops += width;
        }
      }
      if (used) ops.bytesRead += table ? rowBytes(table, row) : width * tensorBytes(syn);
    }
  }
  return { h, present, rows, width, top, perPosition };
}
