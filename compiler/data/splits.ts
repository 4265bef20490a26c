// One split of a named data set from a "dataset:split" spec (e.g. "sst2:test"), as the CLI's
// --data and --calibrate options take it; checks the split's classes against a model's.

import { fail } from '../../core/errors.js';
import { DATASET_NAMES, isDatasetName, loadDataset, type DatasetName, type LoadDatasetOptions } from './registry.js';
import type { Example } from './types.js';

export type SplitName = 'train' | 'dev' | 'test';

export interface LabeledSplit {
  dataset: DatasetName;
  split: SplitName;
  classes: string[];
  examples: Example[];
}

/** "sst2:test" -> {dataset: 'sst2', split: 'test'}; a bare name means its test split. */
export function parseSplitSpec(spec: string): { dataset: DatasetName; split: SplitName } {
  const [name, split = 'test', ...rest] = spec.split(':');
  if (rest.length > 0 || !isDatasetName(name) || (split !== 'train' && split !== 'dev' && split !== 'test')) {
    return fail('SNN_E_DATA', `bad data split "${spec}"`, `use <dataset>[:train|dev|test] with dataset one of ${DATASET_NAMES.join(', ')}`);
  }
  return { dataset: name, split };
}

export interface LoadSplitOptions extends LoadDatasetOptions {
  /** Keep only the first `limit` examples of the split (its order is fixed by the seed). */
  limit?: number;
  /** A model's class names: the split must have as many classes. */
  classes?: readonly string[];
}

export function loadSplit(spec: string, opts: LoadSplitOptions = {}): LabeledSplit {
  const { dataset, split } = parseSplitSpec(spec);
  const ds = loadDataset(dataset, opts);
  if (opts.classes !== undefined && opts.classes.length !== ds.classes.length) {
    fail(
      'SNN_E_DATA',
      `${dataset} has ${ds.classes.length} classes (${ds.classes.join(', ')}) but the model has ${opts.classes.length} (${opts.classes.join(', ')})`,
      'evaluate on the data set the model was trained for',
    );
  }
  const all = ds[split];
  const examples = opts.limit !== undefined && opts.limit >= 0 ? all.slice(0, opts.limit) : all;
  return { dataset, split, classes: ds.classes, examples };
}
