// snnc float Model -> NIR graph (docs/nir.md "Export"): vector input, dense synapses, LIF/IF
// populations and the readout map to Input, Linear, LIF/IF and Output; a non-spiking output
// population (membrane readout) maps to LI (beta < 1) or I (beta = 1). What NIR cannot say
// (encoder, T, class names, subtractive resets) travels in the graph's `metadata/snnc` JSON.

import type { Model } from '../../ir/types.js';
import { fail } from '../../../core/errors.js';
import { validateModel } from '../../ir/validate.js';
import { arr, type NirFile, type NirNode } from './types.js';
import type { DecayConvention } from './lower.js';
import { exportTextNir } from './text.js';

export interface ExportOptions {
  dt?: number;
  decay?: DecayConvention;
}

/** The NIR layout version snnc writes (NIR >= 1.0: metadata groups, v_reset present). */
export const NIR_WRITE_VERSION = '1.0.0';

export function exportNir(model: Model, o: ExportOptions = {}): NirFile {
  validateModel(model);
  const g = model.graph;
  const dt = o.dt ?? 1e-4;
  const decay = o.decay ?? 'exp';
  if (!(dt > 0 && Number.isFinite(dt))) fail('SNN_E_USAGE', `--dt must be a positive number, got ${dt}`);
  if (g.stage !== 'float') fail('SNN_E_USAGE', 'export a float model (.snn as trained), not a quantized graph');
  // a token-input model (textcnn, bisnn): a standard-node body plus what NIR lacks in metadata (text.ts)
  if (g.nodes.some((n) => n.kind === 'tokens')) return exportTextNir(model, { dt, decay });
  const vec = g.nodes.find((n) => n.kind === 'vector');
  if (!vec || vec.kind !== 'vector') return fail('SNN_E_USAGE', `model ${model.meta.name} has neither a vector nor a token input`);
  const enc = g.nodes.find((n) => n.kind === 'encoder');
  if (!enc || enc.kind !== 'encoder') return fail('SNN_E_GRAPH', 'the model has no encoder');
  if (enc.scheme !== 'rate' && enc.scheme !== 'binary' && enc.scheme !== 'direct') {
    fail('SNN_E_USAGE', `the ${enc.scheme} encoder cannot be expressed in NIR, and NIR import takes only a rate code or a direct spike input`, 'export a model with a rate, binary or direct encoder');
  }
  const nodes: Record<string, NirNode> = { input: { type: 'Input', params: { shape: arr([vec.dim]) }, metadata: {} } };
  const edges: [string, string][] = [];
  const resets: Record<string, string> = {};
  const thresholds: Record<string, number> = {};
  const readout = g.nodes.find((n) => n.kind === 'readout');
  const order = new Map(g.nodes.map((n, i) => [n.id, i]));
  const nirIds = nirIdsOf(g.nodes, vec.id);
  const name = (id: string) => nirIds.get(id)!;
  for (const n of g.nodes) {
    if (n.kind === 'dense') {
      if (n.pool) fail('SNN_E_USAGE', `dense ${n.id} pools positions: not in a vector model`);
      if (n.recurrent && order.get(n.from)! < order.get(n.to)!) {
        fail('SNN_E_USAGE', `dense ${n.id} is recurrent on a forward edge (${n.from} -> ${n.to}): NIR would need a Delay node, which snnc does not import`);
      }
      const w = n.weight.data as Float32Array;
      const t = new Float64Array(w.length);
      // NIR (PyTorch) weights are [out, in]; the IR's dense is [in, out]
      for (let i = 0; i < n.inFeatures; i++) for (let j = 0; j < n.outFeatures; j++) t[j * n.inFeatures + i] = w[i * n.outFeatures + j];
      nodes[name(n.id)] = { type: 'Linear', params: { weight: { shape: [n.outFeatures, n.inFeatures], data: t } }, metadata: {} };
      edges.push([name(n.from), name(n.id)], [name(n.id), name(n.to)]);
    } else if (n.kind === 'lif') {
      if (n.perPosition) fail('SNN_E_USAGE', `population ${n.id} is per-position: not in a vector model`);
      const c = n.channels;
      const fill = (x: number) => arr(new Float64Array(c).fill(x));
      const tauOf = (b: number) => (decay === 'exp' ? -dt / Math.log(b) : dt / (1 - b));
      if (n.synBeta !== undefined) {
        // CubaLIF / CubaLI: r = tau_mem/dt and w_in = tau_syn/dt make both input scales 1 (docs/nir.md)
        if (n.beta === 1 || n.synBeta === 1) fail('SNN_E_USAGE', `population ${n.id}: a current-based population with beta or synBeta = 1 has no NIR counterpart (CubaLIF needs finite tau_mem and tau_syn)`);
        const tauMem = tauOf(n.beta);
        const tauSyn = tauOf(n.synBeta);
        const cuba = { tau_syn: fill(tauSyn), tau_mem: fill(tauMem), r: fill(tauMem / dt), w_in: fill(tauSyn / dt), v_leak: fill(0) };
        if (n.spiking === false) {
          if (!readout || readout.kind !== 'readout' || readout.from !== n.id) fail('SNN_E_USAGE', `non-spiking population ${n.id} is not the one the readout reads: NIR import accepts CubaLI only as the output`);
          if (n.threshold !== 1) thresholds[n.id] = n.threshold;
          nodes[n.id] = { type: 'CubaLI', params: cuba, metadata: {} };
        } else {
          if (n.reset === 'subtract') resets[n.id] = 'subtract';
          nodes[n.id] = { type: 'CubaLIF', params: { ...cuba, v_threshold: fill(n.threshold), v_reset: fill(0) }, metadata: {} };
        }
        continue;
      }
      if (n.spiking === false) {
        // the import takes LI / I only as the population the Output reads
        if (!readout || readout.kind !== 'readout' || readout.from !== n.id) fail('SNN_E_USAGE', `non-spiking population ${n.id} is not the one the readout reads: NIR import accepts LI / I only as the output`);
        // no threshold in NIR's LI / I; the IR keeps one only to size the membrane bound
        if (n.threshold !== 1) thresholds[name(n.id)] = n.threshold;
        if (n.beta === 1) nodes[name(n.id)] = { type: 'I', params: { r: fill(1 / dt) }, metadata: {} };
        else {
          const tau = decay === 'exp' ? -dt / Math.log(n.beta) : dt / (1 - n.beta);
          nodes[name(n.id)] = { type: 'LI', params: { tau: fill(tau), r: fill(tau / dt), v_leak: fill(0) }, metadata: {} };
        }
        continue;
      }
      if (n.reset === 'subtract') resets[name(n.id)] = 'subtract';
      if (n.beta === 1) {
        // IF: dv/dt = r I; r = 1/dt makes one step add exactly the synaptic input
        nodes[name(n.id)] = { type: 'IF', params: { r: fill(1 / dt), v_threshold: fill(n.threshold), v_reset: fill(0) }, metadata: {} };
      } else {
        // LIF: beta = exp(-dt/tau) (or 1 - dt/tau); r = tau/dt makes the input scale r dt / tau = 1
        const tau = decay === 'exp' ? -dt / Math.log(n.beta) : dt / (1 - n.beta);
        nodes[name(n.id)] = { type: 'LIF', params: { tau: fill(tau), r: fill(tau / dt), v_leak: fill(0), v_threshold: fill(n.threshold), v_reset: fill(0) }, metadata: {} };
      }
    } else if (n.kind === 'readout') {
      nodes.output = { type: 'Output', params: { shape: arr([n.classes * n.population]) }, metadata: {} };
      edges.push([name(n.from), 'output']);
    } else if (n.kind !== 'vector' && n.kind !== 'encoder') {
      fail('SNN_E_USAGE', `${n.kind} node ${n.id} has no NIR counterpart snnc exports`);
    }
  }
  const snnc = {
    name: model.meta.name,
    dt,
    decay,
    timesteps: g.timesteps,
    encoder: enc.scheme,
    bits: enc.scheme === 'binary' ? 1 : enc.bits,
    classes: model.meta.classes,
    population: (g.nodes.find((n) => n.kind === 'readout') as { population: number }).population,
    resets,
    ...(Object.keys(thresholds).length ? { thresholds } : {}),
    // NIR id -> the IR id it stands for, so the import gives back the model's own names
    ids: Object.fromEntries([...nirIds].filter(([ir]) => ir !== enc.id && ir !== readout?.id).map(([ir, nir]) => [nir, ir])),
  };
  return { version: NIR_WRITE_VERSION, graph: { type: 'NIRGraph', params: {}, metadata: { snnc: JSON.stringify(snnc) }, nodes, edges } };
}

/** NIR's reserved node names: the graph's Input and Output. */
const RESERVED = new Set(['input', 'output']);

/**
 * IR id -> NIR node id. The vector input and its encoder are the Input (`input`), the readout
 * is the Output (`output`); every other node keeps its id unless it is a reserved name or
 * already taken, then it gets the first free `<id>_<k>` (a trained mlp names its last
 * population `output`).
 */
export function nirIdsOf(nodes: readonly { kind: string; id: string }[], vectorId: string): Map<string, string> {
  const ids = new Map<string, string>([[vectorId, 'input']]);
  const taken = new Set(RESERVED);
  for (const n of nodes) {
    if (n.kind === 'vector' || n.kind === 'encoder') {
      ids.set(n.id, 'input');
      continue;
    }
    if (n.kind === 'readout') {
      ids.set(n.id, 'output');
      continue;
    }
    let id = n.id;
    for (let k = 1; taken.has(id); k++) id = `${n.id}_${k}`;
    taken.add(id);
    ids.set(n.id, id);
  }
  return ids;
}
