// Structural validation of a Graph/Model: ids, references, topological order, tensor shapes,
// parameter ranges. Every reader and every pass calls it, so a bad graph is refused with
// SNN_E_GRAPH naming the node, never discovered as a crash deep in a backend.

import type { Graph, LifNode, Model, Node, SynapseTable, Tensor } from './types.js';
import { fail } from '../../core/errors.js';
import { embeddingRowBytes } from '../../core/levels.js';

const bad = (node: Node | undefined, msg: string): never => fail('SNN_E_GRAPH', node ? `node "${node.id}" (${node.kind}): ${msg}` : msg);

function isPosInt(x: unknown, max = 2 ** 31 - 1): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x > 0 && x <= max;
}

function checkTensor(node: Node, name: string, t: Tensor | undefined, shape: number[]): void {
  if (!t || typeof t !== 'object') bad(node, `missing tensor ${name}`);
  const tt = t as Tensor;
  if (!Array.isArray(tt.shape) || tt.shape.length !== shape.length || tt.shape.some((d, i) => d !== shape[i])) {
    bad(node, `${name} has shape [${tt.shape}], expected [${shape}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (tt.dtype === 'f32') {
    if (!(tt.data instanceof Float32Array)) bad(node, `${name} data must be a Float32Array`);
  } else if (tt.dtype === 'int') {
    if (!(tt.data instanceof Int32Array)) bad(node, `${name} data must be an Int32Array`);
    if (!tt.fmt || ![8, 16, 32].includes(tt.fmt.bits)) bad(node, `${name} has no valid fixed-point format`);
  } else bad(node, `${name} has unknown dtype`);
  if (tt.data.length !== size) bad(node, `${name} holds ${tt.data.length} values, shape says ${size}`);
  if (tt.dtype === 'f32') {
    for (let i = 0; i < tt.data.length; i++) if (!Number.isFinite(tt.data[i])) fail('SNN_E_NAN', `node "${node.id}": ${name} holds ${tt.data[i]} at element ${i}`);
  }
}

/**
 * A synapse table must describe exactly its node's weights: rows x rowLength, every sparse
 * target inside its row, row starts ascending up to the entry count, weights in their width.
 * A table that lies would make targets read or write past a row: refused here, not run.
 */
function checkTable(node: Node, t: SynapseTable, rows: number, rowLength: number): void {
  const where = `table (${t.layout})`;
  if (t.rows !== rows || t.rowLength !== rowLength) bad(node, `${where} is ${t.rows} x ${t.rowLength}, the weights are ${rows} x ${rowLength}`);
  if (t.weightBits !== 8 && t.weightBits !== 16) bad(node, `${where} weightBits must be 8 or 16`);
  if (!(t.weights instanceof Int32Array)) bad(node, `${where} weights must be an Int32Array`);
  const lim = 2 ** (t.weightBits - 1);
  for (let i = 0; i < t.weights.length; i++) if (t.weights[i] < -lim || t.weights[i] >= lim) bad(node, `${where} weight ${i} = ${t.weights[i]} does not fit ${t.weightBits} bits`);
  if (t.layout === 'dense') {
    if (t.weights.length !== rows * rowLength) bad(node, `${where} holds ${t.weights.length} weights, not ${rows} x ${rowLength}`);
    return;
  }
  if (t.layout !== 'sparse') bad(node, `unknown table layout`);
  if (!(t.rowStart instanceof Uint32Array) || t.rowStart.length !== rows + 1) bad(node, `${where} rowStart must hold ${rows + 1} u32 values`);
  if (!(t.target instanceof Uint16Array) || t.target.length !== t.weights.length) bad(node, `${where} target must hold one u16 per weight`);
  if (t.rowStart[0] !== 0 || t.rowStart[rows] !== t.weights.length) bad(node, `${where} rowStart must run from 0 to the ${t.weights.length} entries`);
  for (let r = 0; r < rows; r++) if (t.rowStart[r + 1] < t.rowStart[r]) bad(node, `${where} rowStart decreases at row ${r}`);
  for (let i = 0; i < t.target.length; i++) if (t.target[i] >= rowLength) bad(node, `${where} target ${i} = ${t.target[i]} is outside the row of ${rowLength}`);
}

/** Validates a graph; returns it for chaining. */
export function validateGraph(g: Graph): Graph {
  if (!g || typeof g !== 'object' || !Array.isArray(g.nodes)) bad(undefined, 'graph has no node list');
  if (!isPosInt(g.timesteps, 1_000_000)) bad(undefined, `timesteps must be a positive integer, got ${g.timesteps}`);
  if (g.stage !== 'float' && g.stage !== 'integer') bad(undefined, `unknown graph stage ${g.stage}`);
  const seen = new Map<string, Node>();
  const kinds = new Set(['tokens', 'vector', 'embedding', 'encoder', 'conv1d', 'dense', 'lif', 'readout']);
  for (const n of g.nodes) {
    if (!n || typeof n.id !== 'string' || !n.id) bad(undefined, 'a node has no id');
    if (!kinds.has(n.kind)) bad(n, `unknown node kind`);
    if (seen.has(n.id)) bad(n, 'duplicate id');
    seen.set(n.id, n);
  }
  const before = new Set<string>();
  const lifs = new Map<string, LifNode>();
  for (const n of g.nodes) if (n.kind === 'lif') lifs.set(n.id, n);
  const channelsOf = (id: string, user: Node): { channels: number; perPosition: boolean } => {
    const s = seen.get(id);
    if (!s) bad(user, `refers to unknown node "${id}"`);
    switch (s!.kind) {
      case 'encoder': {
        const src = seen.get(s!.from);
        if (src?.kind === 'embedding') return { channels: src.dim, perPosition: true };
        if (src?.kind === 'vector') return { channels: src.dim, perPosition: false };
        return bad(s, 'encoder input must be an embedding or a vector');
      }
      case 'lif':
        if (s!.spiking === false) bad(user, `reads "${id}", which never spikes (spiking: false)`);
        return { channels: s!.channels, perPosition: s!.perPosition };
      default:
        return bad(user, `reads "${id}", a ${s!.kind} node, which emits no spikes`);
    }
  };
  const integer = g.stage === 'integer';
  const pooledTargets = new Map<string, boolean>();
  for (const n of g.nodes) {
    switch (n.kind) {
      case 'tokens':
        if (!isPosInt(n.maxLen, 65535)) bad(n, `maxLen must be 1..65535, got ${n.maxLen}`);
        break;
      case 'vector':
        if (!isPosInt(n.dim, 1 << 20)) bad(n, `dim must be a positive integer`);
        break;
      case 'embedding': {
        const src = seen.get(n.from);
        if (src?.kind !== 'tokens' || !before.has(n.from)) bad(n, 'must read a preceding tokens node');
        if (!isPosInt(n.vocab, 1 << 24) || n.vocab < 2) bad(n, 'vocab must be >= 2 (<pad>, <unk>)');
        if (!isPosInt(n.dim, 4096)) bad(n, 'dim must be 1..4096');
        if (!n.table && !n.levels) bad(n, 'has neither a float table nor packed levels');
        if (n.table) {
          checkTensor(n, 'table', n.table, [n.vocab, n.dim]);
          for (let d = 0; d < n.dim; d++) if (n.table.data[d] !== 0) bad(n, 'row 0 (<pad>) must be all zeros');
          for (let i = 0; i < n.table.data.length; i++) {
            const x = n.table.data[i];
            if (x < 0 || x > 1) bad(n, `table values must lie in [0, 1] (positive shift); found ${x}`);
          }
        }
        if (n.levels) {
          if (!isPosInt(n.levels.bits, 8)) bad(n, 'levels.bits must be 1..8');
          const rowBytes = embeddingRowBytes(n.dim, n.levels.bits);
          if (!(n.levels.data instanceof Uint8Array) || n.levels.data.length !== rowBytes * n.vocab) bad(n, `levels must hold ${rowBytes * n.vocab} bytes`);
        }
        break;
      }
      case 'encoder': {
        const src = seen.get(n.from);
        if (!src || (src.kind !== 'embedding' && src.kind !== 'vector') || !before.has(n.from)) bad(n, 'must read a preceding embedding or vector node');
        if (!['rate', 'binary', 'poisson', 'direct'].includes(n.scheme)) bad(n, `unknown scheme ${n.scheme}`);
        if (n.scheme === 'direct' && src?.kind !== 'vector') bad(n, 'a direct spike input reads a vector input (per-step counts), not an embedding');
        if (!isPosInt(n.bits, 8)) bad(n, 'bits must be 1..8');
        if (n.scheme === 'binary' && n.bits !== 1) bad(n, 'binary encoder has bits = 1');
        if (!Number.isInteger(n.seed) || n.seed < 0 || n.seed > 0xffffffff) bad(n, 'seed must be a uint32');
        if (integer && src?.kind === 'embedding' && (!src.levels || src.levels.bits !== n.bits)) bad(n, `integer graph needs embedding levels packed at ${n.bits} bits`);
        break;
      }
      case 'conv1d': {
        const s = channelsOf(n.from, n);
        if (!before.has(n.from)) bad(n, 'source must precede it');
        if (!s.perPosition) bad(n, 'conv1d needs a per-position source');
        const t = lifs.get(n.to);
        if (!t) bad(n, `target "${n.to}" is not a LIF population`);
        if (!t!.perPosition) bad(n, 'conv1d target must be per-position');
        if (t!.scan) bad(n, `scan population "${n.to}" takes position-wise dense synapses only, not conv1d`);
        if (!isPosInt(n.width, 64)) bad(n, 'width must be 1..64');
        if (n.inChannels !== s.channels) bad(n, `inChannels ${n.inChannels} != source channels ${s.channels}`);
        if (n.outChannels !== t!.channels) bad(n, `outChannels ${n.outChannels} != target channels ${t!.channels}`);
        checkTensor(n, 'weight', n.weight, [n.width, n.inChannels, n.outChannels]);
        if (integer && n.weight.dtype !== 'int') bad(n, 'integer graph has float weights');
        if (n.table) checkTable(n, n.table, n.width * n.inChannels, n.outChannels);
        checkSchedule(n);
        markPool(n.to, false);
        break;
      }
      case 'dense': {
        const s = channelsOf(n.from, n);
        if (!n.recurrent && !before.has(n.from)) bad(n, 'a non-recurrent source must precede it');
        const t = lifs.get(n.to);
        if (!t) bad(n, `target "${n.to}" is not a LIF population`);
        if (n.inFeatures !== s.channels) bad(n, `inFeatures ${n.inFeatures} != source channels ${s.channels}`);
        if (n.outFeatures !== t!.channels) bad(n, `outFeatures ${n.outFeatures} != target channels ${t!.channels}`);
        if (n.pool === 'mean-positions' || n.pool === 'max-positions') {
          if (!s.perPosition || t!.perPosition) bad(n, `${n.pool} pooling maps a per-position source to a global target`);
          if (n.recurrent) bad(n, 'a pooled synapse cannot be recurrent');
        } else if (n.pool !== undefined) bad(n, `unknown pool ${n.pool}`);
        else if (s.perPosition !== t!.perPosition) bad(n, 'source and target must both be per-position or both global');
        {
          const src = lifs.get(n.from);
          if (t!.scan && n.recurrent && n.from !== n.to) bad(n, `a recurrent synapse into scan population "${n.to}" must come from that population itself`);
          if (src?.scan && n.recurrent && n.from !== n.to) bad(n, `scan population "${n.from}" can feed back only into itself`);
        }
        checkTensor(n, 'weight', n.weight, [n.inFeatures, n.outFeatures]);
        if (integer && n.weight.dtype !== 'int') bad(n, 'integer graph has float weights');
        if (n.table) checkTable(n, n.table, n.inFeatures, n.outFeatures);
        checkSchedule(n);
        markPool(n.to, n.pool === 'mean-positions');
        break;
      }
      case 'lif':
        if (!isPosInt(n.channels, 1 << 20)) bad(n, 'channels must be a positive integer');
        if (n.reset !== 'subtract' && n.reset !== 'zero') bad(n, `unknown reset ${n.reset}`);
        if (!(n.beta > 0 && n.beta <= 1)) bad(n, `beta must be in (0, 1], got ${n.beta}`);
        if (n.scan !== undefined) {
          if (n.scan !== 'forward' && n.scan !== 'backward') bad(n, `unknown scan ${n.scan}`);
          if (!n.perPosition) bad(n, 'a scan population must be per-position');
        }
        if (n.spiking !== undefined && typeof n.spiking !== 'boolean') bad(n, 'spiking must be a boolean');
        if (!(Number.isFinite(n.threshold) && n.threshold > 0)) bad(n, `threshold must be positive and finite, got ${n.threshold}`);
        if (n.synBeta !== undefined) {
          if (!(typeof n.synBeta === 'number' && n.synBeta > 0 && n.synBeta <= 1)) bad(n, `synBeta must be in (0, 1], got ${n.synBeta}`);
          if (n.scan) bad(n, 'a scan population has no synaptic current state');
          if (integer && (!Array.isArray(n.synLeakShifts) || n.synLeakShifts.some((k) => !Number.isInteger(k) || k < 1 || k > 30))) bad(n, 'synLeakShifts must be integers 1..30');
        } else if (n.synLeakShifts !== undefined) bad(n, 'synLeakShifts without synBeta');
        if (integer) {
          if (!Number.isSafeInteger(n.threshold) || n.threshold > 0x7fffffff) bad(n, `integer threshold must be an int32, got ${n.threshold}`);
          if (!Array.isArray(n.leakShifts) || n.leakShifts.some((k) => !Number.isInteger(k) || k < 1 || k > 30)) bad(n, 'leakShifts must be integers 1..30');
          if (n.stateBits !== 16 && n.stateBits !== 32) bad(n, 'stateBits must be 16 or 32');
        }
        break;
      case 'readout': {
        const t = lifs.get(n.from);
        if (!t || !before.has(n.from)) bad(n, 'must read a preceding LIF population');
        if (t!.perPosition) bad(n, 'must read a global (not per-position) population');
        if (n.measure !== undefined && n.measure !== 'spikes' && n.measure !== 'membrane') bad(n, `unknown measure ${n.measure}`);
        if (n.measure === 'membrane' && t!.spiking !== false) bad(n, 'a membrane readout reads a non-spiking population (spiking: false)');
        if (n.measure !== 'membrane' && t!.spiking === false) bad(n, `population "${n.from}" never spikes; read it with measure: 'membrane'`);
        if (!isPosInt(n.classes, 65535) || n.classes < 2 || !isPosInt(n.population, 65535)) bad(n, 'classes >= 2 and population >= 1');
        if (n.classes * n.population !== t!.channels) bad(n, `classes x population = ${n.classes * n.population} != ${t!.channels} channels`);
        break;
      }
    }
    before.add(n.id);
  }
  // no readout: a graph for trace simulation only (`snnc sim`); backends refuse it (feature no-readout)
  if (g.nodes.filter((n) => n.kind === 'readout').length > 1) bad(undefined, 'a graph has at most one readout');
  // one PRNG stream per inference (docs/semantics.md "Encoders")
  if (g.nodes.filter((n) => n.kind === 'encoder' && n.scheme === 'poisson').length > 1) bad(undefined, 'a graph has at most one poisson encoder');
  if (g.nodes.filter((n) => n.kind === 'tokens' || n.kind === 'vector').length !== 1) bad(undefined, 'a graph has exactly one input (tokens or vector)');
  for (const [id, l] of lifs) {
    if (!g.nodes.some((n) => (n.kind === 'conv1d' || n.kind === 'dense') && n.to === id)) bad(l, 'has no incoming synapses');
  }
  return g;

  /**
   * The level-grouped schedule (docs/semantics.md) holds only where an input's spikes depend
   * on its level alone: a deterministic rate or binary encoder. Poisson spikes are drawn per
   * input, so inputs of one level do not spike together.
   */
  function checkSchedule(n: Node & { kind: 'conv1d' | 'dense' }): void {
    if (n.schedule === undefined) return;
    if (n.schedule !== 'grouped') bad(n, `unknown schedule ${String(n.schedule)}`);
    if (!integer) bad(n, 'the grouped schedule applies to the integer network (the schedule pass runs after quantize)');
    const src = seen.get(n.from);
    if (src?.kind !== 'encoder') bad(n, `the grouped schedule needs an encoder source; "${n.from}" is a ${src?.kind}`);
    if (src!.kind === 'encoder' && src!.scheme === 'poisson') bad(n, `the grouped schedule needs a rate or binary encoder: Poisson spikes of "${n.from}" do not depend on the level alone`);
    if (src!.kind === 'encoder' && src!.scheme === 'direct') bad(n, `the grouped schedule needs a rate or binary encoder: "${n.from}" is a direct spike input`);
    if (n.kind === 'dense' && n.pool === 'max-positions') bad(n, 'a max-pooled synapse cannot be grouped (a channel counts once per step, whatever its levels)');
    if (lifs.get(n.to)?.scan) bad(n, `scan population "${n.to}" takes event-driven synapses only`);
  }

  function markPool(target: string, pooled: boolean): void {
    const prev = pooledTargets.get(target);
    if (prev !== undefined && prev !== pooled) bad(seen.get(target), 'mixes pooled and unpooled inputs');
    pooledTargets.set(target, pooled);
  }
}

export function validateModel(m: Model): Model {
  if (!m || typeof m !== 'object') fail('SNN_E_HEADER', 'model is not an object');
  if (!m.meta || typeof m.meta.name !== 'string' || !Array.isArray(m.meta.classes)) fail('SNN_E_HEADER', 'model meta needs a name and classes');
  validateGraph(m.graph);
  const readout = m.graph.nodes.find((n) => n.kind === 'readout');
  if (readout && readout.kind === 'readout' && readout.classes !== m.meta.classes.length) {
    fail('SNN_E_GRAPH', `readout has ${readout.classes} classes, meta names ${m.meta.classes.length}`);
  }
  const emb = m.graph.nodes.find((n) => n.kind === 'embedding');
  if (emb && emb.kind === 'embedding') {
    if (!Array.isArray(m.vocab) || m.vocab.length !== emb.vocab) fail('SNN_E_GRAPH', `embedding has ${emb.vocab} rows, vocabulary has ${m.vocab?.length ?? 0} words`);
    if (m.vocab[0] !== '<pad>' || m.vocab[1] !== '<unk>') fail('SNN_E_GRAPH', 'vocabulary must start with <pad>, <unk>');
    if (!m.tokenizer || (m.tokenizer.kind !== 'snnc-word-v1' && m.tokenizer.kind !== 'snnc-word-v2')) fail('SNN_E_GRAPH', 'a token model needs tokenizer snnc-word-v1 or snnc-word-v2');
  }
  return m;
}
