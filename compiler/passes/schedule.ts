// Pass `schedule`: picks, per synapse, the event-driven or the level-grouped schedule of its
// additions (docs/semantics.md "Level-grouped input schedule") and records it on the node.
// `auto` estimates both schedules' expected synaptic ops per token from the embedding table's
// level statistics at the graph's T (no calibration text) and keeps the cheaper; it also
// keeps the event schedule where the grouped sums would not fit the target's RAM.

import type { Conv1dNode, DenseNode, EmbeddingNode, EncoderNode, Graph, LifNode, Node } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { embeddingRowBytes, unpackLevel } from '../../core/levels.js';
import { levelSpikeCount, levelTop, minLiveLevel } from '../../core/schedule.js';
import { cloneGraph, type PassResult } from './pass.js';
import { planMemory } from './plan-memory.js';

export type ScheduleChoice = 'auto' | 'event' | 'grouped';
export const SCHEDULES: readonly ScheduleChoice[] = ['auto', 'event', 'grouped'];

export interface ScheduleOptions {
  /** auto: the cheaper by the estimate; event / grouped: force (grouped where it holds). Default event. */
  schedule?: ScheduleChoice;
  /** RAM of the target for one inference's state (plan-memory's stateBytes); null or absent: unlimited. */
  ramBytes?: number | null;
}

/** Expected synaptic additions of one synapse per token under each schedule. */
export interface ScheduleEstimate {
  event: number;
  grouped: number;
  /** Of `grouped`: the forming share (the rest are the per-step adds of H rows). */
  forming: number;
}

type Synapse = Conv1dNode | DenseNode;

/** Why a synapse cannot take the grouped schedule, or undefined when it can. */
export function groupedBlocker(g: Graph, syn: Synapse): string | undefined {
  const src = g.nodes.find((n) => n.id === syn.from);
  if (src?.kind !== 'encoder') return `its source ${syn.from} is not an encoder`;
  if (src.scheme === 'poisson') return `its source ${syn.from} is a Poisson encoder (spikes do not depend on the level alone)`;
  if (src.scheme === 'direct') return `its source ${syn.from} is a direct spike input (per-step counts, no levels)`;
  if (syn.kind === 'dense' && syn.pool === 'max-positions') return 'it is max-pooled';
  const t = g.nodes.find((n) => n.id === syn.to);
  if (t?.kind === 'lif' && t.scan) return `its target ${syn.to} is a scan`;
  return undefined;
}

/** f[c][L]: the share of vocabulary rows (ids 1 ..) whose channel c has level L. */
function levelShares(emb: EmbeddingNode, bits: number): Float64Array[] {
  const top = levelTop(bits);
  const rowBits = embeddingRowBytes(emb.dim, bits) * 8;
  const f = Array.from({ length: emb.dim }, () => new Float64Array(top + 1));
  const rows = emb.vocab - 1;
  for (let id = 1; id < emb.vocab; id++) for (let c = 0; c < emb.dim; c++) f[c][unpackLevel(emb.levels!.data, id * rowBits, c, bits)] += 1 / rows;
  return f;
}

/**
 * Expected sops per token of both schedules (docs/wasm.md "Schedules" gives the formulas): the
 * event schedule adds a row per input spike and tap; the grouped one forms each live input's
 * rows once, then adds one H row per (row, level) present and spiking. A per-position target
 * row is taken in the interior of the sentence (W taps of every channel feed it); a global
 * target at n = 1, the length least favourable to grouping. Levels are independent draws of
 * the vocabulary's per-channel level shares.
 */
export function estimateSchedule(g: Graph, syn: Synapse, shares: Float64Array[], top: number): ScheduleEstimate {
  const T = g.timesteps;
  const lmin = minLiveLevel(top, T);
  const Cin = shares.length;
  const W = syn.kind === 'conv1d' ? syn.width : 1;
  const width = syn.kind === 'conv1d' ? syn.outChannels : syn.outFeatures;
  const t = syn.table;
  const entries = (row: number): number => (t?.layout === 'sparse' ? t.rowStart[row + 1] - t.rowStart[row] : width);
  const target = g.nodes.find((n) => n.id === syn.to) as LifNode;
  const perPositionRows = syn.kind === 'conv1d' || target.perPosition;
  let event = 0;
  let forming = 0;
  for (let c = 0; c < Cin; c++) {
    let spikes = 0;
    let live = 0;
    for (let l = 1; l <= top; l++) {
      spikes += shares[c][l] * levelSpikeCount(l, top, T);
      if (l >= lmin) live += shares[c][l];
    }
    for (let j = 0; j < W; j++) {
      event += entries(j * Cin + c) * spikes;
      forming += entries(j * Cin + c) * live;
    }
  }
  let steps = 0;
  const taps = perPositionRows ? W : 1;
  for (let l = lmin; l <= top; l++) {
    let absent = 1;
    for (let c = 0; c < Cin; c++) absent *= (1 - shares[c][l]) ** taps;
    steps += width * levelSpikeCount(l, top, T) * (1 - absent);
  }
  return { event, grouped: forming + steps, forming };
}

export function schedulePass(input: Graph, opts: ScheduleOptions = {}): PassResult {
  if (input.stage !== 'integer') fail('SNN_E_PASS', 'schedule runs after quantize');
  const choice = opts.schedule ?? 'event';
  if (!SCHEDULES.includes(choice)) fail('SNN_E_USAGE', `unknown schedule "${String(choice)}"`, `schedules: ${SCHEDULES.join(', ')}`);
  const graph = cloneGraph(input);
  const details: Record<string, unknown> = { schedule: choice };
  const warnings: string[] = [];
  const byId = new Map<string, Node>(graph.nodes.map((n) => [n.id, n]));
  const shareCache = new Map<string, Float64Array[]>();
  const grouped: Synapse[] = [];
  for (const node of graph.nodes) {
    if (node.kind !== 'conv1d' && node.kind !== 'dense') continue;
    delete node.schedule;
    if (choice === 'event') continue;
    const blocker = groupedBlocker(graph, node);
    if (blocker) {
      if (node.from && byId.get(node.from)?.kind === 'encoder') details[node.id] = { schedule: 'event', why: `cannot be grouped: ${blocker}` };
      continue;
    }
    const enc = byId.get(node.from) as EncoderNode;
    const bits = enc.scheme === 'binary' ? 1 : enc.bits;
    const top = levelTop(bits);
    const src = byId.get(enc.from);
    let est: ScheduleEstimate | undefined;
    if (src?.kind === 'embedding' && src.levels) {
      if (!shareCache.has(enc.id)) shareCache.set(enc.id, levelShares(src, bits));
      est = estimateSchedule(graph, node, shareCache.get(enc.id)!, top);
    }
    const pick = choice === 'grouped' || (est !== undefined && est.grouped < est.event);
    details[node.id] = {
      schedule: pick ? 'grouped' : 'event',
      ...(est ? { expectedSopsPerToken: { event: Math.round(est.event), grouped: Math.round(est.grouped), forming: Math.round(est.forming) } } : { why: 'no level statistics (vector input): auto keeps the event schedule' }),
    };
    if (pick) {
      node.schedule = 'grouped';
      grouped.push(node);
    }
  }
  if (choice === 'grouped' && !grouped.length) warnings.push('--schedule grouped: no synapse can be grouped (it needs a rate or binary encoder as its direct source)');
  // the grouped sums live in RAM: a target that cannot hold them keeps (or refuses) them
  if (grouped.length && opts.ramBytes != null) {
    const need = planMemory(graph).stateBytes;
    if (need > opts.ramBytes) {
      const event = cloneGraph(graph);
      for (const n of event.nodes) if (n.kind === 'conv1d' || n.kind === 'dense') delete n.schedule;
      const without = planMemory(event).stateBytes;
      if (choice === 'grouped') {
        fail('SNN_E_TOO_BIG', `the grouped schedule needs ${need} bytes of state (its sums ${need - without} of them), the target has ${opts.ramBytes}`, 'use --schedule event (or auto)');
      }
      for (const s of grouped) {
        delete s.schedule;
        details[s.id] = { ...(details[s.id] as object), schedule: 'event', why: `the grouped sums need ${need - without} bytes more state than the target's ${opts.ramBytes}` };
      }
      warnings.push(`schedule: the grouped sums do not fit the target's ${opts.ramBytes} bytes of RAM (${need} needed); every synapse keeps the event schedule`);
    }
  }
  graph.passes = [...graph.passes, 'schedule'];
  return { graph, report: { pass: 'schedule', details, warnings } };
}
