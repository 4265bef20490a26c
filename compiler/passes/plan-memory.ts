// Pass `plan-memory`: the exact byte budget of the canonical integer layout of
// docs/semantics.md "Memory plan": constant tables and the mutable state of one inference at
// maxLen. Targets compare it with their flash and RAM budgets before anything is built.

import type { Graph, MemoryPlan } from '../ir/types.js';
import { embeddingRowBytes } from '../../core/levels.js';
import { fail } from '../../core/errors.js';
import { cloneGraph, type PassResult } from './pass.js';
import { tableBytes } from '../../core/tables.js';
import { groupRows, levelTop } from '../../core/schedule.js';

/** Counters: sops, updates, spikes, inputSpikes, bytesRead as 64-bit integers. */
export const COUNTER_BYTES = 5 * 8;

export function planMemory(g: Graph): MemoryPlan {
  const items: MemoryPlan['items'] = [];
  const tokens = g.nodes.find((n) => n.kind === 'tokens');
  const maxLen = tokens && tokens.kind === 'tokens' ? tokens.maxLen : 1;
  const spikesOf = new Map<string, number>();
  for (const n of g.nodes) {
    switch (n.kind) {
      case 'tokens':
        items.push({ node: n.id, what: 'token ids (u16)', bytes: 2 * n.maxLen, region: 'state' });
        break;
      case 'vector':
        items.push({ node: n.id, what: 'input levels (u8)', bytes: n.dim, region: 'state' });
        break;
      case 'embedding':
        if (!n.levels) fail('SNN_E_PASS', 'plan-memory runs after pack');
        items.push({ node: n.id, what: `levels u${n.levels.bits}`, bytes: n.vocab * embeddingRowBytes(n.dim, n.levels.bits), region: 'const' });
        break;
      case 'encoder': {
        const src = g.nodes.find((x) => x.id === n.from);
        const dim = src?.kind === 'embedding' || src?.kind === 'vector' ? src.dim : 0;
        const size = (src?.kind === 'embedding' ? maxLen : 1) * dim;
        items.push({ node: n.id, what: 'levels + accumulators (u8 each)', bytes: 2 * size, region: 'state' });
        items.push({ node: n.id, what: 'spike flags (u8)', bytes: size, region: 'state' });
        if (n.scheme === 'poisson') items.push({ node: n.id, what: 'prng state', bytes: 4, region: 'state' });
        if (g.nodes.some((x) => (x.kind === 'conv1d' || x.kind === 'dense') && x.from === n.id && x.schedule === 'grouped')) {
          items.push({ node: n.id, what: 'level clock: accumulator + spike flag per level (u8 each)', bytes: 2 * levelTop(n.scheme === 'binary' ? 1 : n.bits), region: 'state' });
        }
        spikesOf.set(n.id, size);
        break;
      }
      case 'conv1d':
      case 'dense':
        if (!n.table) fail('SNN_E_PASS', 'plan-memory runs after sparsify');
        items.push({ node: n.id, what: `table ${n.table.layout} w${n.table.weightBits}`, bytes: tableBytes(n.table), region: 'const' });
        if (n.schedule === 'grouped') {
          // docs/semantics.md "Memory plan": the worst case, every (row, level) group present
          const enc = g.nodes.find((x) => x.id === n.from);
          const target = g.nodes.find((x) => x.id === n.to);
          if (enc?.kind !== 'encoder' || target?.kind !== 'lif') fail('SNN_E_PASS', `grouped synapse ${n.id} needs an encoder source and a LIF target`);
          const top = levelTop(enc.scheme === 'binary' ? 1 : enc.bits);
          const { maxRows, width } = groupRows(n, target.perPosition, maxLen);
          const hb = (target.stateBits ?? 32) / 8;
          items.push({ node: n.id, what: `grouped sums H (${maxRows} rows x ${top} levels x ${width}, i${8 * hb})`, bytes: maxRows * top * width * hb, region: 'state' });
          items.push({ node: n.id, what: 'grouped present flags (u8)', bytes: maxRows * top, region: 'state' });
        }
        break;
      case 'lif': {
        if (!n.stateBits) fail('SNN_E_PASS', 'plan-memory runs after quantize');
        const size = (n.perPosition ? maxLen : 1) * n.channels;
        // a scan's self-recurrence reads the previous position's flags: no second buffer
        const recurrent = !n.scan && g.nodes.some((x) => x.kind === 'dense' && x.recurrent && x.from === n.id);
        const membranes = n.scan ? n.channels : size;
        items.push({ node: n.id, what: n.scan ? `membranes i${n.stateBits} (one vector, carried along the scan)` : `membranes i${n.stateBits}`, bytes: membranes * (n.stateBits / 8), region: 'state' });
        if (n.spiking !== false) {
          items.push({ node: n.id, what: recurrent ? 'spike flags, this and previous step (u8)' : 'spike flags (u8)', bytes: size * (recurrent ? 2 : 1), region: 'state' });
        }
        items.push({ node: n.id, what: 'threshold + leak shifts', bytes: 4 + (n.leakShifts?.length ?? 0), region: 'const' });
        if (n.synBeta !== undefined) {
          // docs/semantics.md "Synaptic current": one current per neuron at the membrane's width
          items.push({ node: n.id, what: `synaptic currents i${n.stateBits}`, bytes: size * (n.stateBits / 8), region: 'state' });
          items.push({ node: n.id, what: 'current leak shifts', bytes: n.synLeakShifts?.length ?? 0, region: 'const' });
        }
        break;
      }
      case 'readout':
        if (n.measure !== 'membrane') items.push({ node: n.id, what: 'spike counts per output neuron (u16)', bytes: 2 * n.classes * n.population, region: 'state' });
        break;
    }
  }
  items.push({ node: '-', what: 'op counters (5 x u64)', bytes: COUNTER_BYTES, region: 'state' });
  const constBytes = items.filter((i) => i.region === 'const').reduce((a, i) => a + i.bytes, 0);
  const stateBytes = items.filter((i) => i.region === 'state').reduce((a, i) => a + i.bytes, 0);
  return { constBytes, stateBytes, items };
}

export function planMemoryPass(input: Graph): PassResult {
  const graph = cloneGraph(input);
  graph.plan = planMemory(graph);
  graph.passes = [...graph.passes, 'plan-memory'];
  return { graph, report: { pass: 'plan-memory', details: { constBytes: graph.plan.constBytes, stateBytes: graph.plan.stateBytes }, warnings: [] } };
}
