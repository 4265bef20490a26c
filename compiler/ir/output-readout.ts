// A graph without readout (a NIR graph simulated for its dynamics, docs/nir.md "snnc sim")
// compiles with a per-neuron readout of its output population: its "classes" are the
// output neurons, a class score is that neuron's spike count over the T steps (or, for a
// non-spiking population, its final membrane), so the backends' result reports them with no
// new result format. The dynamics (every spike, membrane, op counter) do not depend on the
// readout; the reference simulator run on withOutputReadout(g) gives the same scores.

import { fail } from '../../core/errors.js';
import type { Graph, LifNode, ReadoutNode } from './types.js';

/** The LIF populations no forward synapse reads (recurrent synapses do not count), in graph order. */
export function outputPopulations(g: Graph): LifNode[] {
  const read = new Set<string>();
  for (const n of g.nodes) if ((n.kind === 'dense' || n.kind === 'conv1d') && !(n.kind === 'dense' && n.recurrent)) read.add(n.from);
  return g.nodes.filter((n): n is LifNode => n.kind === 'lif' && !read.has(n.id));
}

/** The graph itself when it has a readout; else the graph plus a per-neuron readout of its one output population. */
export function withOutputReadout(g: Graph): Graph {
  if (g.nodes.some((n) => n.kind === 'readout')) return g;
  const outs = outputPopulations(g);
  if (outs.length !== 1)
    fail(
      'SNN_E_BACKEND',
      `a graph without readout is compiled with the neurons of its one output population as its result, but this graph has ${outs.length ? `${outs.length} output populations (${outs.map((p) => p.id).join(', ')})` : 'none'}`,
      'simulate it with snnc sim on the model (reference simulator); a population split by per-neuron tau is several populations: make its tau uniform or raise --beta-tolerance',
    );
  const p = outs[0];
  if (p.perPosition) fail('SNN_E_BACKEND', `the output population ${p.id} of a graph without readout is per-position; only a vector model's output can be compiled without readout`);
  const ids = new Set(g.nodes.map((n) => n.id));
  let id = 'outputs';
  for (let k = 1; ids.has(id); k++) id = `outputs_${k}`;
  const r: ReadoutNode = { kind: 'readout', id, from: p.id, classes: p.channels, population: 1, ...(p.spiking === false ? { measure: 'membrane' as const } : {}) };
  return { ...g, nodes: [...g.nodes, r] };
}

/** Class names of a compiled graph without readout: the output neurons, `<population>[j]`. */
export function outputNeuronNames(g: Graph): string[] {
  const r = withOutputReadout(g).nodes.find((n): n is ReadoutNode => n.kind === 'readout')!;
  return Array.from({ length: r.classes }, (_, j) => `${r.from}[${j}]`);
}
