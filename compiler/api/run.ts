// `snnc run`: classify text with a compiled artifact (label, scores, op counts, energy); a
// vector (mlp) artifact takes the .snn model that turns the text into its vector. With --port,
// the board path in run-board.ts.

import { basename } from 'node:path';
import type { Model } from '../ir/types.js';
import { fail } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import type { OpCounts } from '../../runtime/reference.js';
import { tokenize, tokenizerKind } from '../../runtime/tokenizer.js';
import { classifyText } from '../../runtime/classify.js';
import { artifactEnergy, DEFAULT_PROFILE } from '../../runtime/energy.js';
import type { ArtifactInfo } from '../../runtime/wasm/artifact-format.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';
import type { WasmModel } from '../../runtime/wasm-host.js';
import { readTextInput, vectorOf } from './shared.js';
import { runOnBoard } from './run-board.js';

export interface RunOptions {
  file?: string;
  /** The .snn model a vector-input (mlp) artifact was compiled from: snnc computes the vector from the text with it. */
  model?: string;
  profile?: string;
  port?: string;
  baud?: number;
  timeout?: number;
  weightBits?: string | number;
  /** With --port: the first-layer schedule the firmware was deployed with (default: event, or grouped when the board's model hash says so). */
  schedule?: string;
  /** With --port: the T the firmware was deployed with (default: the model's). */
  timesteps?: string | number;
}

export interface RunOutcome {
  text: string;
  input: string;
  tokens: string[];
  ids: number[];
  label: number;
  class: string;
  scores: number[];
  ops: OpCounts;
  layerSpikes: Record<string, number>;
  energy: ReturnType<typeof artifactEnergy>;
}

export async function run(artifactPath: string, args: string[], o: RunOptions = {}): Promise<RunOutcome> {
  if (o.port) return runOnBoard(artifactPath, args, o);
  const model = await loadArtifactFile(artifactPath);
  const text = readTextInput(args, o.file);
  if (model.meta.input.kind === 'vector') {
    if (!o.model) {
      fail('SNN_E_USAGE', `${basename(artifactPath)} takes a sentence vector, not text; pass the .snn model it was compiled from with --model, and snnc computes the vector from the text`, `snnc run ${basename(artifactPath)} --model model.snn "text"`);
    }
    return classifyVector(model, readModelFile(o.model), text, o.profile);
  }
  return classify(model, text, o.profile);
}

/** Classifies a text with a vector-input (mlp) artifact, the vector computed on the host. */
async function classifyVector(host: WasmModel, model: Model, text: string, profile = DEFAULT_PROFILE): Promise<RunOutcome> {
  const info = host.meta;
  const vector = await vectorOf(model, host, text);
  const r = host.infer({ vector });
  const energy = artifactEnergy(info, r.ops, 1, profile);
  const layerSpikes: Record<string, number> = {};
  info.populations.forEach((p, i) => (layerSpikes[p.id] = r.layerSpikes[i]));
  const cls = info.classes[r.label];
  const lines = [
    `${cls}  (class ${r.label}; ${scoreWord(info)} ${info.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')})`,
    `input: a ${vector.length}-value sentence vector computed on the host from ${tokenize(text, tokenizerKind(model.tokenizer?.kind)).length} tokens`,
    `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes (+${r.ops.inputSpikes} input spikes), ${r.ops.bytesRead} table bytes read`,
    `ANN equivalent: ${energy.annMacs} MACs`,
    `energy (${energy.profile}): SNN ${(energy.snnArithPj / 1e6).toFixed(3)} uJ vs ANN ${(energy.annArithPj / 1e6).toFixed(3)} uJ, ratio ${energy.ratio.toFixed(3)}; with memory reads ${energy.ratioWithMemory.toFixed(3)}`,
  ];
  return { text: lines.join('\n'), input: text, tokens: tokenize(text, tokenizerKind(model.tokenizer?.kind)), ids: [], label: r.label, class: cls, scores: r.scores, ops: r.ops, layerSpikes, energy };
}

/** How an artifact's class scores read: spike counts, or membrane values (membrane readout). */
function scoreWord(info: ArtifactInfo): string {
  return info.readout.measure === 'membrane' ? 'membrane scores' : 'spike counts';
}

/** Classifies one text with a loaded artifact; shared by `run`, the examples and the bench. */
export function classify(model: WasmModel, text: string, profile = DEFAULT_PROFILE): RunOutcome {
  const info = model.meta;
  const { ids, result: r, energy } = classifyText(model, text, profile);
  const layerSpikes: Record<string, number> = {};
  info.populations.forEach((p, i) => (layerSpikes[p.id] = r.layerSpikes[i]));
  const cls = info.classes[r.label];
  const lines = [
    `${cls}  (class ${r.label}; ${scoreWord(info)} ${info.classes.map((c, i) => `${c}=${r.scores[i]}`).join(' ')})`,
    `ops: ${r.ops.sops} synaptic additions, ${r.ops.updates} neuron updates, ${r.ops.spikes} spikes (+${r.ops.inputSpikes} input spikes), ${r.ops.bytesRead} table bytes read`,
    `ANN equivalent: ${energy.annMacs} MACs`,
    `energy (${energy.profile}): SNN ${(energy.snnArithPj / 1e6).toFixed(3)} uJ vs ANN ${(energy.annArithPj / 1e6).toFixed(3)} uJ, ratio ${energy.ratio.toFixed(3)}; with memory reads ${energy.ratioWithMemory.toFixed(3)}`,
  ];
  return { text: lines.join('\n'), input: text, tokens: tokenize(text, tokenizerKind(info.tokenizer?.kind)), ids, label: r.label, class: cls, scores: r.scores, ops: r.ops, layerSpikes, energy };
}
