// `snnc train` on the user's own data: --data train.csv [--dev] [--test] (CSV, TSV, JSONL or
// `<label> <sentence>` lines, compiler/data/user-data.ts) and --embeddings <vector file>
// (compiler/data/vectors.ts). Prepares the data the trainer would otherwise load by name.

import { fail } from '../../core/errors.js';
import { status } from '../progress.js';
import { isDatasetName, loadDataFiles, tableOptionsOf } from '../data/index.js';
import type { PreparedData } from '../train/trainer.js';
import type { PreparedExtras } from '../train/prepare.js';

/** --embeddings values that are keywords (an ablation), not paths. */
export const EMBEDDING_KEYWORDS = ['glove', 'random'] as const;

export interface TrainData {
  /** Prepared data for the trainer (TrainOptions.data), when the data or the vectors are the user's. */
  prepared?: PreparedData & PreparedExtras;
  /** Lines for the summary: where the data came from, the vector coverage. */
  notes: string[];
}

/**
 * Loads `--data` files or a named `--dataset` with `--embeddings <file>`; returns nothing to
 * prepare for a named data set with GloVe (the trainer loads it as before).
 */
export async function trainData(c: Record<string, unknown>): Promise<TrainData> {
  const emb = c.embeddings === undefined ? undefined : String(c.embeddings);
  const vectorsFile = emb !== undefined && !(EMBEDDING_KEYWORDS as readonly string[]).includes(emb) ? emb : undefined;
  const file = c.data === undefined ? undefined : String(c.data);
  if (file === undefined) {
    for (const k of ['dev', 'test', 'textCol', 'labelCol', 'format', 'labelOrder'] as const) {
      if (c[k] !== undefined) fail('SNN_E_USAGE', `--${k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase())} applies to --data <file>`, 'snnc train --data train.csv [--dev dev.csv] [--test test.csv]');
    }
    if (vectorsFile === undefined) return { notes: [] };
  }
  if (file !== undefined && c.dataset !== undefined && c.dataset !== 'sst2') {
    fail('SNN_E_USAGE', 'pass either --dataset <name> or --data <file>, not both');
  }
  const { prepareData } = await import('../train/prepare.js');
  const name = file === undefined ? String(c.dataset ?? 'sst2') : undefined;
  if (name !== undefined && !isDatasetName(name)) fail('SNN_E_DATA', `unknown data set "${name}"`, 'pass --data <file> for your own data');
  const loaded = file === undefined ? undefined : await loadDataFiles({ train: file, dev: c.dev as string | undefined, test: c.test as string | undefined }, tableOptionsOf(c));
  const limit = c.limit === undefined ? undefined : Number(c.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) fail('SNN_E_USAGE', `--limit must be a positive integer, got ${String(c.limit)}`);
  const st = status(`building the vocabulary from ${vectorsFile ?? 'GloVe'}`, { quiet: Boolean(c.json) });
  const prepared = await prepareData(loaded?.name ?? (name as string), {
    loaded,
    data: c.dataDir ? { dataDir: String(c.dataDir) } : undefined,
    vectorsFile,
    limits: limit !== undefined ? { train: limit } : undefined,
  });
  st.done();
  const notes: string[] = [];
  if (loaded) {
    const files = loaded.info.files as { file: string; format: string; encoding: string; examples: number }[];
    notes.push(
      `  data: ${files.map((f) => `${f.file} (${f.format}, ${f.encoding}, ${f.examples} examples)`).join(', ')}; classes ${loaded.classes.join(', ')} (${loaded.info.labelOrder} order)`,
      `  splits: train ${loaded.train.length} (${loaded.splits.train}), dev ${loaded.dev.length} (${loaded.splits.dev}), test ${loaded.test.length} (${loaded.splits.test}; seeded splits are stratified, seed 1)`,
    );
  }
  const v = prepared.vectors;
  notes.push(
    `  embeddings: ${v.path} (${v.dim} values a word${'words' in v ? `, ${v.words} words` : ''}); vocabulary ${prepared.vocab.length} rows; coverage: ${(100 * prepared.coverage.share).toFixed(2)}% of ${prepared.coverage.tokens} training tokens found`,
  );
  return { prepared, notes };
}
