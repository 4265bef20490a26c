// Pass `quantize`: float weights -> int8/int16 with one scale per target population, the
// scale folded into an integer threshold; beta -> leak shifts; and the membrane width
// proven from the weights (docs/semantics.md "Overflow"), or a refusal that says why.

import type { Conv1dNode, DenseNode, Graph, IntTensor, LifNode } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { cloneGraph, type PassResult } from './pass.js';
import { validateGraph } from '../ir/validate.js';

export interface QuantizeOptions {
  weightBits?: 8 | 16;
  /** Force a membrane width (a target may demand 16); default: the narrowest that is proven safe. */
  stateBits?: 16 | 32;
  /** How many shift terms may approximate beta (1 - sum 2^-k). */
  maxLeakTerms?: number;
}

/** Round half away from zero: symmetric, so +w and -w quantize to opposite integers. */
export function roundSym(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Greedy approximation of beta by 1 - sum(2^-k); returns the shifts and the beta they give. */
export function leakShifts(beta: number, maxTerms = 3): { shifts: number[]; beta: number } {
  if (beta >= 1) return { shifts: [], beta: 1 };
  let r = 1 - beta;
  const shifts: number[] = [];
  while (r > 1e-12 && shifts.length < maxTerms) {
    let k = Math.ceil(-Math.log2(r));
    if (k < 1) k = 1;
    if (k > 30) break;
    shifts.push(k);
    r -= 2 ** -k;
  }
  const got = 1 - shifts.reduce((a, k) => a + 2 ** -k, 0);
  return { shifts, beta: got };
}

interface Incoming {
  syn: (Conv1dNode | DenseNode)[];
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]);
    if (x > m) m = x;
  }
  return m;
}

/**
 * Worst-case input one neuron of `target` can receive in one step, positive and negative:
 * every presynaptic neuron spikes (at most once per step); mean-pooled inputs count maxLen
 * times, max-pooled ones once.
 */
function inputBounds(target: LifNode, syns: (Conv1dNode | DenseNode)[], maxLen: number, countOf: (s: Conv1dNode | DenseNode) => number): { pos: number; neg: number } {
  const C = target.channels;
  const pos = new Float64Array(C);
  const neg = new Float64Array(C);
  for (const s of syns) {
    const w = s.weight.data;
    const rows = s.kind === 'conv1d' ? s.width * s.inChannels : s.inFeatures;
    // a direct spike input delivers up to 2^bits - 1 spikes per channel and step
    const mult = (s.kind === 'dense' && s.pool === 'mean-positions' ? maxLen : 1) * countOf(s);
    for (let r = 0; r < rows; r++) {
      for (let f = 0; f < C; f++) {
        const x = w[r * C + f];
        if (x > 0) pos[f] += x * mult;
        else neg[f] -= x * mult;
      }
    }
  }
  let p = 0;
  let n = 0;
  for (let f = 0; f < C; f++) {
    if (pos[f] > p) p = pos[f];
    if (neg[f] > n) n = neg[f];
  }
  return { pos: p, neg: n };
}

/**
 * The largest T for which every membrane bound B = thetaEff + (T + 1) * I (docs/semantics.md
 * "Overflow") stays within its limit; scans do not depend on T. Undefined when no bound
 * depends on T (then T cannot be what overflows).
 */
export function maxTimesteps(bounds: { thetaEff: number; perStep: number; limit: number; scan: boolean }[]): number | undefined {
  let best: number | undefined;
  for (const b of bounds) {
    if (b.scan || b.perStep <= 0) continue;
    const t = Math.floor((b.limit - b.thetaEff) / b.perStep) - 1;
    best = best === undefined ? t : Math.min(best, t);
  }
  return best;
}

export function quantize(input: Graph, opts: QuantizeOptions = {}): PassResult {
  if (input.stage !== 'float') fail('SNN_E_QUANT', 'the graph is already integer');
  const weightBits = opts.weightBits ?? 8;
  const qmax = 2 ** (weightBits - 1) - 1;
  const graph = cloneGraph(input);
  const warnings: string[] = [];
  const details: Record<string, unknown> = { weightBits };
  const tokens = graph.nodes.find((n) => n.kind === 'tokens');
  const maxLen = tokens && tokens.kind === 'tokens' ? tokens.maxLen : 1;
  const T = graph.timesteps;

  const countOf = (s: Conv1dNode | DenseNode): number => {
    const src = graph.nodes.find((x) => x.id === s.from);
    return src?.kind === 'encoder' && src.scheme === 'direct' ? 2 ** src.bits - 1 : 1;
  };
  const incoming = new Map<string, Incoming>();
  for (const n of graph.nodes) {
    if (n.kind === 'conv1d' || n.kind === 'dense') {
      if (!incoming.has(n.to)) incoming.set(n.to, { syn: [] });
      incoming.get(n.to)!.syn.push(n);
    }
  }

  // membrane bounds per population: a failure names the largest T the whole graph allows
  const bounds: { id: string; thetaEff: number; perStep: number; limit: number; scan: boolean }[] = [];
  const overflows: { message: string; hint: string; bound: number; scan?: boolean }[] = [];
  const membraneReadout = new Map<string, number>();
  for (const r of graph.nodes) if (r.kind === 'readout' && r.measure === 'membrane') membraneReadout.set(r.from, r.population);
  for (const node of graph.nodes) {
    if (node.kind !== 'lif') continue;
    const syns = incoming.get(node.id)?.syn ?? [];
    for (const s of syns) if (s.weight.dtype !== 'f32') fail('SNN_E_QUANT', `synapse ${s.id} is not float`);
    const m = Math.max(0, ...syns.map((s) => maxAbs(s.weight.data as Float32Array)));
    if (m === 0) warnings.push(`population ${node.id}: every incoming weight is zero; it will stay silent`);
    const scale = m > 0 ? m / qmax : 1;
    const frac = Math.round(-Math.log2(scale));
    for (const s of syns) {
      const f = s.weight.data as Float32Array;
      const q = new Int32Array(f.length);
      let zeroed = 0;
      for (let i = 0; i < f.length; i++) {
        const v = roundSym(f[i] / scale);
        q[i] = v > qmax ? qmax : v < -qmax ? -qmax : v;
        if (q[i] === 0 && f[i] !== 0) zeroed++;
      }
      const t: IntTensor = { dtype: 'int', shape: [...s.weight.shape], data: q, fmt: { bits: weightBits, frac }, scale };
      s.weight = t;
      details[s.id] = { scale, frac, roundedToZero: zeroed };
    }
    const thetaF = node.threshold;
    const theta = Math.max(1, roundSym(thetaF / scale));
    const leak = leakShifts(node.beta, opts.maxLeakTerms ?? 3);
    if (Math.abs(leak.beta - node.beta) > 1e-3) {
      warnings.push(`population ${node.id}: beta ${node.beta} approximated as ${leak.beta} by shifts [${leak.shifts}]`);
    }
    const pooled = syns.some((s) => s.kind === 'dense' && s.pool === 'mean-positions');
    const thetaEff = pooled ? theta * maxLen : theta;
    const b = inputBounds(node, syns, maxLen, countOf);
    // a scan population's membrane restarts at zero every step and is updated once per
    // position; every other membrane is updated once per step over the whole inference
    const updatesPerRun = node.scan ? maxLen : T;
    let perStep = Math.max(b.pos, b.neg);
    let currentBound: number | undefined;
    let synLeak: { shifts: number[]; beta: number } | undefined;
    if (node.synBeta !== undefined) {
      // docs/semantics.md "Overflow" (synaptic current): |i_t| <= alpha |i_t-1| + m + I, so
      // |i| <= min((T + 1)(I + m), (I + m) / (1 - alpha)); the membrane then takes |i| + its
      // own m_v per step in place of I
      synLeak = leakShifts(node.synBeta, opts.maxLeakTerms ?? 3);
      if (Math.abs(synLeak.beta - node.synBeta) > 1e-3) warnings.push(`population ${node.id}: synaptic beta ${node.synBeta} approximated as ${synLeak.beta} by shifts [${synLeak.shifts}]`);
      const m = synLeak.shifts.length;
      const linear = (T + 1) * (perStep + m);
      currentBound = synLeak.beta < 1 ? Math.min(linear, Math.ceil((perStep + m) / (1 - synLeak.beta))) : linear;
      perStep = currentBound + leak.shifts.length;
    }
    // a membrane that leaks (beta < 1) and takes at most perStep a step stays within perStep / (1 - beta)
    // (docs/semantics.md "Overflow"); used for current-based populations, whose per-step input is a decaying current
    const geometric = synLeak && leak.beta < 1 ? Math.ceil(perStep / (1 - leak.beta)) : Infinity;
    const bound = thetaEff + Math.min((updatesPerRun + 1) * perStep, geometric);
    const limit = opts.stateBits === 16 ? 32767 : 0x7fffffff;
    const popLimit = membraneReadout.has(node.id) ? Math.min(limit, Math.floor(0x7fffffff / membraneReadout.get(node.id)!)) : limit;
    // `scan`: the bound does not grow with T (a scan's restarts, or the geometric bound of a leaking current-based membrane)
    const flat = Boolean(node.scan) || geometric <= (updatesPerRun + 1) * perStep;
    bounds.push({ id: node.id, thetaEff, perStep, limit: popLimit, scan: flat });
    let stateBits: 16 | 32;
    if (opts.stateBits === 16) {
      if (bound > 32767) overflows.push({ message: `population ${node.id} needs |v| up to ${bound}, more than a 16-bit membrane holds`, hint: 'use 32-bit state, fewer timesteps or a smaller maxLen', bound, scan: flat });
      stateBits = 16;
    } else if (opts.stateBits === 32 || bound > 32767) stateBits = 32;
    else stateBits = 16;
    if (bound > 0x7fffffff && opts.stateBits !== 16) {
      overflows.push({ message: `population ${node.id} needs |v| up to ${bound}, beyond 32 bits`, hint: 'reduce timesteps, maxLen or weight bits', bound, scan: flat });
    }
    node.threshold = theta;
    node.leakShifts = leak.shifts;
    if (synLeak) node.synLeakShifts = synLeak.shifts;
    node.stateBits = stateBits;
    node.integer = true;
    details[node.id] = { thresholdFloat: thetaF, threshold: theta, scale, leakShifts: leak.shifts, betaInt: leak.beta, bound, stateBits, ...(synLeak ? { synLeakShifts: synLeak.shifts, synBetaInt: synLeak.beta, currentBound } : {}) };
  }
  // a membrane readout sums `population` membranes per class: the sum must fit an int32 too
  for (const r of graph.nodes) {
    if (r.kind !== 'readout' || r.measure !== 'membrane') continue;
    const b = (details[r.from] as { bound?: number } | undefined)?.bound ?? 0;
    if (b * r.population > 0x7fffffff) {
      overflows.push({ message: `readout ${r.id}: a class score sums ${r.population} membranes of up to ${b}, beyond 32 bits`, hint: 'use one neuron per class, fewer timesteps or smaller weights', bound: b });
    }
  }
  if (overflows.length) {
    const o = overflows[0];
    const maxT = maxTimesteps(bounds);
    // T is to blame only when a smaller T would prove every bound
    const fewer = maxT !== undefined && maxT < T && !overflows.some((x) => x.scan);
    const tNote = !fewer ? '' : maxT >= 1 ? `; at T = ${T}: the largest T the proof allows for this model is ${maxT}` : `; no T >= 1 fits`;
    fail('SNN_E_OVERFLOW', `${o.message}${tNote}`, fewer && maxT >= 1 ? `use --timesteps ${maxT} or fewer, 32-bit state, a smaller maxLen or fewer weight bits` : o.hint);
  }
  for (const node of graph.nodes) if (node.kind === 'embedding') delete node.table;
  graph.stage = 'integer';
  graph.passes = [...graph.passes, 'quantize'];
  validateGraph(graph);
  return { graph, report: { pass: 'quantize', details, warnings } };
}
