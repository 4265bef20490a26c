// A user's own labelled files as a data set: `snnc train --data train.csv [--dev dev.csv]
// [--test test.csv]`, and one file as the data of `snnc eval --data` / `compile --calibrate`.
// Splits the user did not give are carved from the training file exactly as the registry
// carves MR or Subj (seeded, stratified, same seeds).

import { basename, extname } from 'node:path';
import { existsSync } from 'node:fs';
import { fail } from '../../core/errors.js';
import { stratifiedSplit } from './prng.js';
import { DATASET_NAMES, isDatasetName, splitSeeds, type LoadDatasetOptions } from './registry.js';
import { loadSplit } from './splits.js';
import { columnArg, formatOf, loadTable, type TableData, type TableOptions } from './tabular.js';
import type { Dataset, Example } from './types.js';

export interface DataFiles {
  train: string;
  dev?: string;
  test?: string;
}

export interface DataFileOptions extends Omit<TableOptions, 'classes' | 'classesFrom'> {
  /** Seed of the carved splits. Default 1. */
  seed?: number;
  /** Share of the training file held out as test when no test file is given. Default 0.1. */
  testFraction?: number;
  /** Share of the rest held out as dev when no dev file is given. Default 0.1. */
  devFraction?: number;
}

/** The data set name of a file: its base name without the extension ("reviews.csv" -> "reviews"). */
export function fileDatasetName(path: string): string {
  return basename(path, extname(path)) || 'data';
}

/**
 * Loads the user's training file (and dev/test files if given) into a data set. Classes are
 * the training file's labels in sorted order (`labelOrder: 'first-seen'` keeps file order);
 * dev and test labels must be among them. A training file with one class is SNN_E_DATA.
 */
export async function loadDataFiles(files: DataFiles, o: DataFileOptions = {}): Promise<Dataset> {
  const seed = o.seed ?? 1;
  const { testSeed, devSeed } = splitSeeds(seed);
  const train = await loadTable(files.train, o);
  if (train.classes.length < 2) {
    fail('SNN_E_DATA', `${files.train}: every example has the label "${train.classes[0]}"; training needs at least two classes`, 'check --label-col: it must name the column that holds the class');
  }
  const other = async (path: string): Promise<TableData> =>
    loadTable(path, { ...o, classes: train.classes, classesFrom: `the training file ${files.train}` });
  const given = { dev: files.dev ? await other(files.dev) : undefined, test: files.test ? await other(files.test) : undefined };
  let rest: Example[] = train.examples;
  let test: Example[];
  let dev: Example[];
  const splits: Dataset['splits'] = { train: 'file', dev: 'file', test: 'file' };
  if (given.test) test = given.test.examples;
  else {
    const t = stratifiedSplit(rest, { seed: testSeed, fraction: o.testFraction ?? 0.1 });
    test = t.held;
    rest = t.rest;
    splits.test = splits.train = 'seeded';
  }
  if (given.dev) dev = given.dev.examples;
  else {
    const d = stratifiedSplit(rest, { seed: devSeed, fraction: o.devFraction ?? 0.1 });
    dev = d.held;
    rest = d.rest;
    splits.dev = splits.train = 'seeded';
  }
  const tables = [train, given.dev, given.test].filter((t): t is TableData => t !== undefined);
  return {
    name: fileDatasetName(files.train),
    classes: train.classes,
    train: rest,
    dev,
    test,
    splits,
    dropped: [],
    info: {
      files: tables.map((t) => ({ file: t.file, format: t.format, encoding: t.encoding, examples: t.examples.length })),
      seed,
      labelOrder: o.labelOrder ?? 'sorted',
    },
  };
}

/** Labelled examples to evaluate or calibrate on: a registry split or a user's file. */
export interface EvalData {
  /** "sst2:test", or the file path as given. */
  name: string;
  /** The class names the example labels index (the model's when given). */
  classes: string[];
  examples: Example[];
  /** For a file: where it came from. */
  file?: { path: string; format: string; encoding: string };
}

export interface EvalDataOptions extends Omit<TableOptions, 'classesFrom'>, LoadDatasetOptions {
  /** Keep only the first `limit` examples. */
  limit?: number;
}

/** True when `spec` names a registry split ("mr", "sst2:dev") rather than a file. */
export function isSplitSpec(spec: string): boolean {
  const [name, split, ...more] = spec.split(':');
  return more.length === 0 && isDatasetName(name) && (split === undefined || split === 'train' || split === 'dev' || split === 'test') && !existsSync(spec);
}

/**
 * `--data` / `--calibrate`: "<dataset>[:split]" from the registry, else a file (CSV, TSV,
 * JSONL or `<label> <sentence>` lines) whose labels are checked against `classes`.
 */
export async function loadEvalData(spec: string, o: EvalDataOptions = {}): Promise<EvalData> {
  const cut = (xs: Example[]): Example[] => (o.limit !== undefined && o.limit >= 0 ? xs.slice(0, o.limit) : xs);
  if (isSplitSpec(spec)) {
    const s = loadSplit(spec, o);
    return { name: spec, classes: s.classes, examples: cut(s.examples) };
  }
  if (!existsSync(spec) && !/[./\\]/.test(spec)) {
    fail('SNN_E_DATA', `"${spec}" is neither a data set nor a file`, `use <dataset>[:train|dev|test] with dataset one of ${DATASET_NAMES.join(', ')}, or the path of a .csv, .tsv, .jsonl or "<label> <text>" file`);
  }
  const t = await loadTable(spec, o);
  return { name: spec, classes: t.classes, examples: cut(t.examples), file: { path: t.file, format: t.format, encoding: t.encoding } };
}

/** The CLI's data-file flags (--format, --text-col, --label-col, --label-order) as table options. */
export interface DataFileFlags {
  format?: string;
  textCol?: string | number;
  labelCol?: string | number;
  labelOrder?: string;
}

export function tableOptionsOf(f: DataFileFlags): TableOptions {
  if (f.labelOrder !== undefined && f.labelOrder !== 'sorted' && f.labelOrder !== 'first-seen') fail('SNN_E_USAGE', `--label-order must be sorted or first-seen, got "${f.labelOrder}"`);
  return {
    ...(f.format !== undefined ? { format: formatOf('', f.format) } : {}),
    ...(f.textCol !== undefined ? { text: columnArg(f.textCol) } : {}),
    ...(f.labelCol !== undefined ? { label: columnArg(f.labelCol) } : {}),
    ...(f.labelOrder !== undefined ? { labelOrder: f.labelOrder as 'sorted' | 'first-seen' } : {}),
  };
}
