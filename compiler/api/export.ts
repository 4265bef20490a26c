// `snnc export model.snn -o model.nir`: a model to a NIR file (docs/nir.md; text models: "Text models").

import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fail } from '../../core/errors.js';
import { readModelFile } from '../frontend/model-format.js';
import { exportNir, writeNirFile, type DecayConvention } from '../frontend/nir/import.js';

export interface ExportCliOptions {
  out?: string;
  dt?: number;
  decay?: string;
  gzip?: number;
}

/** `snnc export model.snn -o model.nir`. */
export async function exportNirFile(path: string, o: ExportCliOptions = {}): Promise<{ text: string; out: string; nodes: number; edges: number }> {
  const model = readModelFile(path);
  const decay = o.decay as DecayConvention | undefined;
  if (decay !== undefined && decay !== 'exp' && decay !== 'linear') fail('SNN_E_USAGE', `--decay must be exp or linear, got ${decay}`);
  if (o.gzip !== undefined && !(Number.isInteger(o.gzip) && o.gzip >= 0 && o.gzip <= 9)) fail('SNN_E_USAGE', '--gzip must be 0..9');
  const file = exportNir(model, { dt: o.dt, decay });
  const out = resolve(o.out ?? 'model.nir');
  mkdirSync(dirname(out), { recursive: true });
  await writeNirFile(out, file, { gzip: o.gzip });
  const nodes = Object.keys(file.graph.nodes ?? {}).length;
  const edges = file.graph.edges?.length ?? 0;
  const text = model.graph.nodes.some((n) => n.kind === 'tokens');
  const meta = text ? 'tokenizer, vocabulary, embedding, encoder, T and classes in metadata/snnc; other NIR tools see the body for maxLen positions (docs/nir.md "Text models")' : 'encoder, T and classes in metadata/snnc';
  return { text: `exported ${basename(path)} -> ${out} (NIR ${file.version}: ${nodes} nodes, ${edges} edges; ${meta})`, out, nodes, edges };
}
