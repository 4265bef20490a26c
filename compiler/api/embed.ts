// `snnc embed`: the host-side sentence vector of an mlp model for a text, optionally classified
// by an artifact of the same model.

import { fail } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import type { OpCounts } from '../../runtime/reference.js';
import { artifactEnergy, DEFAULT_PROFILE } from '../../runtime/energy.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';
import { readTextInput } from './shared.js';

export interface EmbedOptions {
  file?: string;
  /** A compiled artifact of the same model: classify the vector with it. */
  artifact?: string;
  profile?: string;
}

export interface EmbedOutcome {
  text: string;
  input: string;
  vector: number[];
  label?: number;
  class?: string;
  scores?: number[];
  ops?: OpCounts;
  energy?: ReturnType<typeof artifactEnergy>;
}

/**
 * `snnc embed`: the input vector an 'mlp' model's artifact takes, computed on the host from the
 * text with the rule stored in the .snn model (compiler/train/sentence-vector.ts); with
 * `artifact`, also the artifact's classification of that vector.
 */
export async function embed(modelPath: string, args: string[], o: EmbedOptions = {}): Promise<EmbedOutcome> {
  const model = readModelFile(modelPath);
  const text = readTextInput(args, o.file);
  const { sentenceVector } = await import('../train/sentence-vector.js');
  const vector = Array.from(sentenceVector(model, text));
  const out: EmbedOutcome = { text: '', input: text, vector };
  const lines = [`vector (${vector.length} values in [0, 1]): ${vector.map((x) => x.toFixed(3)).join(' ')}`];
  if (o.artifact) {
    const host = await loadArtifactFile(o.artifact);
    if (host.meta.input.kind !== 'vector' || host.meta.input.dim !== vector.length) fail('SNN_E_INPUT', `${o.artifact} does not take ${vector.length}-value vectors`, 'compile the same mlp model');
    const r = host.infer({ vector });
    const energy = artifactEnergy(host.meta, r.ops, 1, o.profile ?? DEFAULT_PROFILE);
    Object.assign(out, { label: r.label, class: host.meta.classes[r.label], scores: r.scores, ops: r.ops, energy });
    lines.unshift(
      `${host.meta.classes[r.label]}  (class ${r.label}; spike counts ${host.meta.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')})`,
      `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes (+${r.ops.inputSpikes} input spikes); energy ratio ${energy.ratio.toFixed(3)} (${energy.profile})`,
    );
  }
  out.text = lines.join('\n');
  return out;
}
