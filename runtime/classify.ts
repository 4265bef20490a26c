// Text in, a classified result out, with a token-input wasm artifact: the one path `snnc run`,
// `snnc report` and the browser demo (examples/browser) share. Browser-safe: no Node APIs.

import { fail } from '../core/errors.js';
import { artifactEnergy, DEFAULT_PROFILE, type EnergyReport } from './energy.js';
import type { InferenceResult } from './reference.js';
import { textToIds, Vocab } from './tokenizer.js';
import type { ArtifactInfo } from './wasm/artifact-format.js';
import type { WasmModel } from './wasm-host.js';

const vocabCache = new WeakMap<object, Vocab>();
/** The Vocab of a model's or artifact's word list, with the tokenizer kind it names; built once per list. */
export function vocabOf(words: string[], tokenizer?: { kind: string }): Vocab {
  let v = vocabCache.get(words);
  if (!v || v.kind !== (tokenizer?.kind ?? 'snnc-word-v1')) {
    v = new Vocab(words, tokenizer?.kind);
    vocabCache.set(words, v);
  }
  return v;
}

export interface TextClassification {
  /** Token ids fed to the model (at most maxLen). */
  ids: number[];
  /** The vocabulary entry of each id (`<unk>` for unknown words). */
  words: string[];
  result: InferenceResult;
  energy: EnergyReport & { annMacs: number };
}

/** The token ids of `text` under a token-input artifact's vocabulary. */
export function artifactIds(info: ArtifactInfo, text: string): number[] {
  if (info.input.kind !== 'tokens' || !info.vocab) fail('SNN_E_INPUT', 'this artifact takes vectors, not text');
  return textToIds(text, vocabOf(info.vocab, info.tokenizer), info.input.maxLen);
}

/** Classifies one text with a loaded token-input artifact: label, scores, ops and energy. */
export function classifyText(model: WasmModel, text: string, profile = DEFAULT_PROFILE): TextClassification {
  const info = model.meta;
  const ids = artifactIds(info, text);
  const result = model.infer({ tokens: ids });
  return { ids, words: ids.map((i) => info.vocab![i]), result, energy: artifactEnergy(info, result.ops, ids.length, profile) };
}

/** The winning class's lead over the best other class (scores in the artifact's unit). */
export function margin(scores: number[], label: number): number {
  let other = -Infinity;
  scores.forEach((s, c) => {
    if (c !== label && s > other) other = s;
  });
  return scores[label] - (other === -Infinity ? 0 : other);
}

/**
 * How much each token drove the decision: the drop of the winning class's margin when that
 * one token is left out (leave-one-out occlusion, one inference per token). Positive: the token
 * argued for the label; negative: against it. A one-token input gets [its margin].
 */
export function tokenInfluence(model: WasmModel, ids: number[], label: number, scores: number[]): number[] {
  const full = margin(scores, label);
  if (ids.length === 1) return [full];
  return ids.map((_, i) => {
    const r = model.infer({ tokens: [...ids.slice(0, i), ...ids.slice(i + 1)] });
    return full - margin(r.scores, label);
  });
}
