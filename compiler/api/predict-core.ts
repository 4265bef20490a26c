// The per-text work of `snnc predict`, shared by the main thread and its worker threads: a
// text -> token ids (or, for an mlp artifact, its sentence vector) -> the artifact -> one JSON
// line {id, label, scores, ops}. A text that cannot be classified gives {id, error}.

import { readModelFile } from '../frontend/model-format.js';
import { SnncError } from '../../core/errors.js';
import { Vocab, textToIds } from '../../runtime/tokenizer.js';
import { loadArtifact } from '../../runtime/wasm-host.js';
import type { Model } from '../ir/types.js';

export interface PredictItem {
  id: number;
  text: string;
}

export interface Classifier {
  /** One JSON line (no newline) per item, in order. */
  classify(items: readonly PredictItem[]): string[];
  classes: readonly string[];
}

/** A classifier over an artifact's bytes; `modelPath` is the .snn model of an mlp (vector) artifact. */
export async function makeClassifier(wasm: Uint8Array, modelPath?: string): Promise<Classifier> {
  const host = await loadArtifact(wasm);
  const info = host.meta;
  const classes = info.classes;
  let input: (text: string) => { tokens: number[] } | { vector: number[] };
  if (info.input.kind === 'vector') {
    const dim = info.input.dim;
    const model: Model = readModelFile(modelPath as string);
    const { sentenceVector } = await import('../train/sentence-vector.js');
    input = (text) => {
      if (text.trim() === '') throw new SnncError('SNN_E_INPUT', 'input text is empty');
      const vector = Array.from(sentenceVector(model, text));
      if (vector.length !== dim) throw new SnncError('SNN_E_INPUT', `the model gives ${vector.length}-value vectors, the artifact takes ${dim}`);
      return { vector };
    };
  } else {
    if (!info.vocab) throw new SnncError('SNN_E_ARTIFACT', 'the artifact has no vocabulary');
    const vocab = new Vocab(info.vocab, info.tokenizer?.kind);
    const maxLen = info.input.maxLen;
    input = (text) => ({ tokens: textToIds(text, vocab, maxLen) });
  }
  return {
    classes,
    classify(items) {
      return items.map(({ id, text }) => {
        let x;
        try {
          x = input(text);
        } catch (e) {
          if (e instanceof SnncError && e.code === 'SNN_E_INPUT') return JSON.stringify({ id, error: { code: e.code, message: e.message.replace(/^SNN_E_\w+: /, '') } });
          throw e;
        }
        const r = host.infer(x);
        const scores: Record<string, number> = {};
        classes.forEach((c, i) => (scores[c] = r.scores[i]));
        return JSON.stringify({ id, label: classes[r.label], scores, ops: r.ops });
      });
    },
  };
}
