// `snnc inspect`: a model's graph as IR text, or an artifact's metadata.

import type { ArtifactInfo } from '../../runtime/wasm/artifact-format.js';
import { loadArtifactFile } from '../../runtime/wasm-node.js';
import { printGraph } from '../ir/print.js';
import { readModelOrNir } from './shared.js';

export async function inspect(path: string): Promise<{ text: string; kind: string; info?: ArtifactInfo; ir?: string }> {
  if (path.endsWith('.wasm')) {
    const m = await loadArtifactFile(path, { bounded: false }); // metadata only: nothing runs
    const { vocab, ...rest } = m.meta;
    return { text: JSON.stringify({ ...rest, vocab: vocab ? `${vocab.length} words` : undefined }, null, 2), kind: 'wasm', info: m.meta };
  }
  const model = await readModelOrNir(path);
  const ir = printGraph(model.graph);
  const head = `model ${model.meta.name} (${model.meta.family}), classes ${model.meta.classes.join(', ')}, vocabulary ${model.vocab?.length ?? 0} words`;
  const training = model.meta.training ? `\ntraining: ${JSON.stringify(model.meta.training)}` : '';
  return { text: `${head}${training}\n${ir}`, kind: 'snn', ir };
}
