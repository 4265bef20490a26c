// Magnitude pruning of the first-layer conv weights of the spiking TextCNN: per conv branch, the
// largest |w| share `keep` stays, the rest becomes exactly 0. The sparsify pass then lays the
// tables out as sparse (target, weight) rows when that is smaller (docs/semantics.md "Synaptic
// input"): 3 bytes per kept int8 weight instead of 1 byte per weight, so keeping less than about
// a third shrinks the integer tables, and every input spike adds fewer weights.

import { fail } from '../../core/errors.js';
import type { TextCnnWeights } from './textcnn.js';

/** `w` with a share `keep` of the largest-magnitude entries kept (ties at the cut kept too), the rest 0. */
export function pruneMagnitude(w: Float32Array, keep: number): Float32Array {
  if (!(keep > 0 && keep <= 1)) fail('SNN_E_USAGE', `the kept share of conv weights must be in (0, 1], got ${keep}`);
  if (keep === 1 || w.length === 0) return w.slice();
  const mags = Float32Array.from(w, Math.abs).sort();
  const drop = Math.min(w.length - 1, Math.floor((1 - keep) * w.length));
  const cut = mags[drop];
  return Float32Array.from(w, (x) => (Math.abs(x) >= cut ? x : 0));
}

/** The weights with every conv branch pruned to `keep` (embedding and classifier untouched). */
export function pruneConv(w: TextCnnWeights, keep: number): TextCnnWeights {
  return { embedding: w.embedding, conv: w.conv.map((c) => pruneMagnitude(c, keep)), classifier: w.classifier };
}
