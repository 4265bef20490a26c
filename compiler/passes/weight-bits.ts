// The weight width a model is lowered with when the user does not choose one (--weight-bits).
// Per family: int8 for the feed-forward families (textcnn, mlp: integer-vs-float agreement
// >= 99% measured, bench/results/accuracy.json); int16 for the bi-directional recurrent spiking
// encoder (bisnn), whose 256-step recurrence amplifies int8 rounding (agreement 96-98% at int8,
// >= 99.75% at int16: bench/results/bisnn.json, docs/training.md "The bisnn family").

import type { Graph, ModelMeta } from '../ir/types.js';

/** 16 for a bi-SNN (family bisnn, or any graph with a scan population), else 8. */
export function defaultWeightBits(model: { meta?: Pick<ModelMeta, 'family'>; graph: Graph }): 8 | 16 {
  if (model.meta?.family === 'bisnn') return 16;
  return model.graph.nodes.some((n) => n.kind === 'lif' && n.scan !== undefined) ? 16 : 8;
}
