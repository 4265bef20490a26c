// The twin ANN in int8 (docs/ann.md): the reference that every build of it (firmware-stubs/
// ann_kernel.c on host-c, AVR, Cortex-M3) must equal bit for bit. The network is the tailored
// ANN of a spiking TextCNN (ReLU instead of LIF, one pass instead of T steps), quantized after
// training by compiler/backends/c/ann.ts. Pure integer arithmetic; browser-safe.

import type { InferenceResult, SimInput } from './reference.js';
import { embeddingRowBytes, unpackLevel } from '../core/levels.js';
import { fail } from '../core/errors.js';
import { requant, type Int8Ann } from '../core/ann-int8.js';

export { requant, roundHalfAway, type Int8Ann, type Int8Conv } from '../core/ann-int8.js';
import type { EncodedInput } from './serial/host-encoder.js';

/** Token ids as the SNN reference takes them: truncated to maxLen, non-empty, inside the vocabulary. */
export function annTokens(ann: Int8Ann, input: SimInput): number[] {
  if (!('tokens' in input)) fail('SNN_E_INPUT', 'the twin ANN takes token ids');
  const ids = Array.from(input.tokens).slice(0, ann.maxLen);
  if (ids.length === 0) fail('SNN_E_INPUT', 'no tokens to classify', 'pass non-empty text');
  for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= ann.vocab) fail('SNN_E_INPUT', `token id ${id} is outside the vocabulary (0..${ann.vocab - 1})`);
  return ids;
}

/** The input levels [n][dim] of a sentence. */
export function annLevels(ann: Int8Ann, ids: number[]): Uint8Array {
  const rb = embeddingRowBytes(ann.dim, ann.bits);
  const x = new Uint8Array(ids.length * ann.dim);
  ids.forEach((id, p) => {
    for (let c = 0; c < ann.dim; c++) x[p * ann.dim + c] = unpackLevel(ann.levels, id * rb * 8, c, ann.bits);
  });
  return x;
}

/**
 * One inference of the int8 ANN, in the reference simulator's result shape: scores are the
 * class sums of ReLU(logits) (int32), ops.sops counts multiply-accumulates (conv taps inside
 * the sentence, as runtime/energy.ts annCost does, plus the classifier), ops.updates the
 * pooling additions (n per feature); the other counters are 0 and there are no populations.
 */
export function annInt8(ann: Int8Ann, input: SimInput): InferenceResult & { logits: number[] } {
  const ids = annTokens(ann, input);
  const n = ids.length;
  const x = annLevels(ann, ids);
  const pooled = new Uint8Array(ann.fc.features);
  let macs = 0;
  let f0 = 0;
  for (const cv of ann.convs) {
    const left = (cv.width - 1) >> 1;
    const sum = new Float64Array(cv.cout);
    for (let q = 0; q < n; q++) {
      const j0 = Math.max(0, left - q);
      const j1 = Math.min(cv.width, n - q + left);
      macs += (j1 - j0) * cv.cin * cv.cout;
      for (let o = 0; o < cv.cout; o++) {
        let acc = 0;
        for (let j = j0; j < j1; j++) {
          const xp = (q - left + j) * ann.dim;
          const wp = (o * cv.width + j) * cv.cin;
          for (let c = 0; c < cv.cin; c++) acc += cv.weights[wp + c] * x[xp + c];
        }
        sum[o] += requant(acc, cv.mult[o], cv.shift[o]);
      }
    }
    // mean over the n positions, rounded half up (sum and n are non-negative)
    for (let o = 0; o < cv.cout; o++) pooled[f0 + o] = Math.floor((sum[o] + (n >> 1)) / n);
    f0 += cv.cout;
  }
  const { weights, features: F, outputs: K } = ann.fc;
  const logits: number[] = [];
  for (let k = 0; k < K; k++) {
    let z = 0;
    for (let f = 0; f < F; f++) z += weights[k * F + f] * pooled[f];
    logits.push(z);
  }
  macs += F * K;
  const scores: number[] = [];
  let label = 0;
  for (let c = 0; c < ann.classes; c++) {
    let s = 0;
    for (let i = 0; i < ann.population; i++) s += Math.max(0, logits[c * ann.population + i]);
    scores.push(s);
    if (s > scores[label]) label = c;
  }
  return { label, scores, logits, ops: { sops: macs, updates: n * F, spikes: 0, inputSpikes: 0, bytesRead: 0 }, layerSpikes: [], layerUpdates: [] };
}

/**
 * The host half of the ANN firmware's levels mode (the analog of the SNN's spikes mode: the
 * host keeps the embedding): one frame holding the sentence's packed level rows, in order.
 */
export function annLevelFrame(ann: Int8Ann, input: SimInput): EncodedInput {
  const ids = annTokens(ann, input);
  const rb = embeddingRowBytes(ann.dim, ann.bits);
  const frame = new Uint8Array(ids.length * rb);
  ids.forEach((id, p) => frame.set(ann.levels.subarray(id * rb, (id + 1) * rb), p * rb));
  return { n: ids.length, frames: [frame], hostBytesRead: 0, inputSpikes: 0 };
}
