// Pass `sparsify`: optional magnitude pruning, then an event-driven synapse table per synapse
// node, indexed by presynaptic channel. Per node it picks the smaller of a dense row layout
// (one weight per target, SIMD-friendly) and a sparse (target, weight) list.

import type { Conv1dNode, DenseNode, Graph, SynapseTable } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { tableBytes } from '../../core/tables.js';
import { cloneGraph, type PassResult } from './pass.js';

export interface SparsifyOptions {
  /** Fraction (0..1) of each node's nonzero weights, smallest magnitude first, set to zero. */
  prune?: number;
  layout?: 'auto' | 'dense' | 'sparse';
}

export function buildTable(w: Int32Array, rows: number, rowLength: number, weightBits: 8 | 16, layout: 'dense' | 'sparse'): SynapseTable {
  if (layout === 'dense') return { layout, rows, rowLength, weights: Int32Array.from(w), weightBits };
  if (rowLength > 65536) fail('SNN_E_TOO_BIG', `a sparse row of ${rowLength} targets exceeds 16-bit target indices`);
  const rowStart = new Uint32Array(rows + 1);
  let nnz = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) nnz++;
  const target = new Uint16Array(nnz);
  const weights = new Int32Array(nnz);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    rowStart[r] = e;
    for (let k = 0; k < rowLength; k++) {
      const x = w[r * rowLength + k];
      if (x !== 0) {
        target[e] = k;
        weights[e] = x;
        e++;
      }
    }
  }
  rowStart[rows] = e;
  return { layout, rows, rowLength, rowStart, target, weights, weightBits };
}

function pruneInPlace(w: Int32Array, fraction: number): number {
  const mags: number[] = [];
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) mags.push(Math.abs(w[i]));
  const k = Math.floor(mags.length * fraction);
  if (k <= 0) return 0;
  mags.sort((a, b) => a - b);
  const cut = mags[k - 1];
  // prune exactly k weights: all below the cut, then enough at the cut in index order
  let below = 0;
  for (const m of mags) if (m < cut) below++;
  let atCut = k - below;
  let pruned = 0;
  for (let i = 0; i < w.length; i++) {
    const m = Math.abs(w[i]);
    if (m === 0) continue;
    if (m < cut || (m === cut && atCut > 0)) {
      if (m === cut) atCut--;
      w[i] = 0;
      pruned++;
    }
  }
  return pruned;
}

export function sparsify(input: Graph, opts: SparsifyOptions = {}): PassResult {
  if (input.stage !== 'integer') fail('SNN_E_PASS', 'sparsify runs after quantize');
  const prune = opts.prune ?? 0;
  if (!(prune >= 0 && prune < 1)) fail('SNN_E_USAGE', `prune must be in [0, 1), got ${prune}`);
  const graph = cloneGraph(input);
  const details: Record<string, unknown> = { prune };
  const warnings: string[] = [];
  for (const node of graph.nodes) {
    if (node.kind !== 'conv1d' && node.kind !== 'dense') continue;
    const syn = node as Conv1dNode | DenseNode;
    if (syn.weight.dtype !== 'int') fail('SNN_E_PASS', `synapse ${syn.id} is not quantized`);
    const w = syn.weight.data;
    const pruned = prune > 0 ? pruneInPlace(w, prune) : 0;
    const rows = syn.kind === 'conv1d' ? syn.width * syn.inChannels : syn.inFeatures;
    const rowLength = syn.kind === 'conv1d' ? syn.outChannels : syn.outFeatures;
    const weightBits = syn.weight.fmt.bits === 8 ? 8 : 16;
    if (syn.weight.fmt.bits === 32) fail('SNN_E_PASS', `synapse ${syn.id}: 32-bit weights have no table layout`);
    let nnz = 0;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) nnz++;
    const dense = buildTable(w, rows, rowLength, weightBits, 'dense');
    let table: SynapseTable = dense;
    const want = opts.layout ?? 'auto';
    if (want === 'sparse' || (want === 'auto' && rowLength <= 65536)) {
      const sparse = buildTable(w, rows, rowLength, weightBits, 'sparse');
      if (want === 'sparse' || tableBytes(sparse) < tableBytes(dense)) table = sparse;
    }
    syn.table = table;
    details[syn.id] = { rows, rowLength, nnz, density: nnz / w.length, pruned, layout: table.layout, bytes: tableBytes(table) };
  }
  graph.passes = [...graph.passes, 'sparsify'];
  return { graph, report: { pass: 'sparsify', details, warnings } };
}
