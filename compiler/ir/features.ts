// Which execution features a graph uses, so a backend that lacks one refuses the graph
// with a clear error instead of computing something else.

import type { Graph } from './types.js';
import { fail } from '../../core/errors.js';

export type GraphFeature = 'scan' | 'max-positions' | 'membrane-readout' | 'non-spiking' | 'grouped-schedule' | 'synaptic-current' | 'spike-input' | 'no-readout';

export function graphFeatures(g: Graph): Set<GraphFeature> {
  const f = new Set<GraphFeature>();
  for (const n of g.nodes) {
    if (n.kind === 'lif' && n.scan) f.add('scan');
    if (n.kind === 'lif' && n.spiking === false) f.add('non-spiking');
    if (n.kind === 'dense' && n.pool === 'max-positions') f.add('max-positions');
    if (n.kind === 'readout' && n.measure === 'membrane') f.add('membrane-readout');
    // docs/semantics.md "Level-grouped input schedule": a backend without it would count other ops
    if ((n.kind === 'conv1d' || n.kind === 'dense') && n.schedule === 'grouped') f.add('grouped-schedule');
    // docs/semantics.md "Synaptic current" and "Encoders" (direct): both backends implement them
    if (n.kind === 'lif' && n.synBeta !== undefined) f.add('synaptic-current');
    if (n.kind === 'encoder' && n.scheme === 'direct') f.add('spike-input');
  }
  if (!g.nodes.some((n) => n.kind === 'readout')) f.add('no-readout');
  return f;
}

/** Refuses a graph using a feature `backend` does not implement (SNN_E_BACKEND). */
export function requireFeatures(g: Graph, backend: string, supported: GraphFeature[]): void {
  const missing = [...graphFeatures(g)].filter((x) => !supported.includes(x));
  if (missing.length) {
    fail('SNN_E_BACKEND', `the ${backend} backend does not implement ${missing.join(', ')} (used by this graph)`, 'run it with the reference simulator, or use a backend that does');
  }
}
