// `snnc train`: the trainer's CLI adapter (compiler/train) and writing the .snn model. TF.js is
// loaded only when this runs.

import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export async function train(o: Record<string, unknown>): Promise<{ text: string; out: string; metrics: unknown }> {
  const t = await import('../train/index.js');
  const out = String(o.out ?? 'model.snn');
  const { trainData } = await import('./train-data.js');
  const d = await trainData(o);
  // every run checkpoints (default: next to the model), so a killed run, the default one
  // included, resumes with --resume; the default folder goes once the model is written
  const defaultCheckpoints = o.checkpointDir === undefined ? `${out}.ckpt` : undefined;
  const c = defaultCheckpoints ? { ...o, checkpointDir: defaultCheckpoints } : o;
  const r = await t.trainFromCli(d.prepared ? { ...c, prepared: d.prepared, dataset: d.prepared.dataset } : c);
  const { writeModelFile } = await import('../frontend/model-format.js');
  mkdirSync(dirname(resolve(out)), { recursive: true });
  // the embedding table holds values rounded to the encoder's levels: float16 keeps every
  // level exact (bits <= 8) and halves the file
  writeModelFile(out, r.model, { f16Above: 65536 });
  if (defaultCheckpoints) rmSync(defaultCheckpoints, { recursive: true, force: true });
  return { text: [r.summary, ...d.notes, `model written to ${out}`].join('\n'), out, metrics: r.metrics };
}
