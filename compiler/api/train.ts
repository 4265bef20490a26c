// `snnc train`: the trainer's CLI adapter (compiler/train) and writing the .snn model. TF.js is
// loaded only when this runs.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export async function train(o: Record<string, unknown>): Promise<{ text: string; out: string; metrics: unknown }> {
  const t = await import('../train/index.js');
  const out = String(o.out ?? 'model.snn');
  const { trainData } = await import('./train-data.js');
  const d = await trainData(o);
  const r = await t.trainFromCli(d.prepared ? { ...o, prepared: d.prepared, dataset: d.prepared.dataset } : o);
  const { writeModelFile } = await import('../frontend/model-format.js');
  mkdirSync(dirname(resolve(out)), { recursive: true });
  // the embedding table holds values rounded to the encoder's levels: float16 keeps every
  // level exact (bits <= 8) and halves the file
  writeModelFile(out, r.model, { f16Above: 65536 });
  return { text: [r.summary, ...d.notes, `model written to ${out}`].join('\n'), out, metrics: r.metrics };
}
